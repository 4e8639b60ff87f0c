"""The flat claim schema: one case as one row of columns (docs/batch.md).

Every field of the case model has exactly one column, declared once in :data:`COLUMNS`; flatten,
unflatten, the validation of a claims file (:mod:`jiuzhu.analysis.checks`) and the documentation
all read that table, so a new case field is one new entry here. Kinds of column:

- ``text`` / ``division`` / ``choice`` (one term of a vocabulary) / ``id`` (a resident ID number);
- ``list``: terms joined by ``;`` (an empty cell is an empty list, never the model's default);
- ``json``: a nested structure (referral path, actions, contacts, self-pay items) as JSON text;
- ``bool``: ``true`` / ``false`` exactly; ``date``: ``YYYY-MM-DD``; ``int``: a whole number;
- ``datetime``: an ISO 8601 date-time with its offset (``2026-03-12T21:30:00+08:00``), the time of
  day of admission or discharge when the case gives it; its date is the ``date`` column beside it;
- ``fen``: money as **integer fen** (``bill.total_fen``), so that a million rows load without a
  Python call per amount; ``history.ytd.<programme>_fen`` columns are open-ended (one per programme);
  other payers on the slip are one amount per kind (``bill.other.<kind>_fen``, kind ``other`` being
  ``bill.other_paid_fen``), see :func:`canonical`.

``flatten`` and ``unflatten`` are inverse on every valid case, up to :func:`canonical` (a property
test draws cases and checks it). A zero year-to-date amount and an absent one mean the same and
flatten to no column. A row states every field, so nothing in it is an assumption
(``Case.defaulted`` is empty), as for a case written out by :func:`jiuzhu.io.loader.unstructure_case`.
"""

from __future__ import annotations

import json
import re
from typing import Iterable, Mapping

import attrs

from jiuzhu.model.case import Case, OtherPayer
from jiuzhu.model.errors import InputError
from jiuzhu.model.money import yuan
from jiuzhu.model.vocab import OTHER_PAYER_KINDS
from jiuzhu.rules.settle import BILL_COLUMNS

# Other payers by kind are money columns of their own (bill.other.KIND_fen); kind ``other`` is other_paid.
OTHER_KINDS = tuple(k for k in OTHER_PAYER_KINDS if k != "other")


@attrs.frozen
class Column:
    name: str  # column name; its dotted path is the case field (``_fen`` dropped)
    kind: str  # text / division / choice / id / list / json / bool / date / datetime / int / fen
    zh: str
    vocab: str = ""  # for choice and list: the vocabulary's name in jiuzhu.model.vocab ("conditions", "ROLES")
    required: bool = False  # the case model has no default for it
    key: bool = True  # part of the decision key (facts the hooks read); identity, money, dates are not
    # only whether it is given is a fact the hooks read (its value is not): Jingjiang's 「凭身份证和救助卡」
    # (第七条, JJ-CARD-2) asks for the card when none is recorded, whatever its number
    presence: bool = False

    @property
    def path(self) -> tuple[str, ...]:
        return tuple((self.name[:-4] if self.kind == "fen" else self.name).split("."))

    @property
    def other_kind(self) -> str:
        """For ``bill.other.<kind>_fen``: the other payer's kind, else ""."""
        return self.name[11:-4] if self.name.startswith("bill.other.") else ""


C = Column
COLUMNS: tuple[Column, ...] = (
    C("claim_id", "text", "结算单号", key=False),
    C("region", "text", "地区", key=False),
    C("person.id_number", "id", "身份证号", required=True, key=False),
    C("person.name", "text", "姓名", key=False),
    C("person.hukou", "division", "户籍地区划", required=True),
    C("person.residence", "division", "居住地区划"),
    C("person.hukou_address", "text", "户籍地址", key=False),
    C("person.residence_address", "text", "居住地址", key=False),
    C("person.categories", "list", "困难类别", vocab="CATEGORIES"),
    C("person.certified_by", "text", "认定机关"),
    C("person.area", "choice", "城乡", vocab="AREAS"),
    C("person.support_mode", "choice", "供养方式", vocab="SUPPORT_MODES"),
    C("person.institution", "text", "供养机构"),
    C("person.scheme", "choice", "参保类型", vocab="SCHEMES"),
    C("person.care_level", "choice", "失能等级", vocab="CARE_LEVELS"),
    C("person.has_full_capacity", "bool", "完全民事行为能力"),
    C("person.conscious", "bool", "意识清醒"),
    C("person.guardian", "json", "法定监护人"),
    C("person.agents", "json", "委托代理人"),
    C("person.caregiver", "json", "照料护理人"),
    C("person.village_committee", "text", "村（居）委会"),
    C("person.entrusted", "bool", "托管协议"),
    C("person.card_number", "text", "救助证号", key=False, presence=True),
    C("person.statuses", "json", "身份认定"),
    C("facility.name", "text", "医疗机构名称", required=True),
    C("facility.code", "text", "定点医药机构编号"),
    C("facility.level", "choice", "医疗机构级别", vocab="FACILITY_LEVELS", required=True),
    C("facility.location", "division", "医疗机构所在地", required=True),
    C("facility.ownership", "choice", "所有制", vocab="OWNERSHIP"),
    C("facility.designations", "list", "定点资格", vocab="DESIGNATIONS"),
    C("episode.kind", "choice", "就诊类型", vocab="EPISODE_KINDS", required=True),
    C("episode.admitted", "date", "入院日期", required=True, key=False),
    C("episode.admitted_at", "datetime", "入院时间"),  # time of day: hour deadlines (Liujiang) read it
    C("episode.discharged", "date", "出院日期", key=False),
    C("episode.discharged_at", "datetime", "出院时间"),
    C("episode.emergency", "bool", "急诊"),
    C("episode.diagnoses", "list", "诊断", vocab="conditions"),
    C("episode.diagnosis_names", "json", "诊断名称", key=False),  # names beside the codes; rules read codes
    C("episode.decision", "choice", "诊疗决策类型", vocab="DECISION_KINDS"),
    C("episode.admission_indicated", "bool", "符合入院指征"),
    C("episode.path", "json", "就医路径"),
    C("episode.actions", "json", "审批备案等"),
    C("episode.settlement", "choice", "结算方式", vocab="SETTLEMENT_MODES"),
    # the claim date runs its own clock (Liujiang 第十三条), so it is a fact, unlike admission and discharge
    C("episode.claimed_on", "date", "报销申请日期"),
    C("episode.proposed_by", "choice", "提出方", vocab="ROLES"),
    *(C(f"bill.{b}_fen", "fen", zh, required=b in ("total", "in_scope"), key=False) for b, zh in (
        ("total", "医疗费总额"), ("in_scope", "政策范围内费用"), ("first_self_paid", "先行自付"),
        ("over_limit", "超限价自付"), ("fully_self_paid", "全自费"), ("deductible", "起付线"),
        ("basic_paid", "统筹基金支付"), ("critical_paid", "大病保险支付"), ("assistance_paid", "医疗救助支付"),
        ("other_paid", "其他支付"))),
    *(C(f"bill.other.{k}_fen", "fen", f"其他支付：{OTHER_PAYER_KINDS[k]}", key=False) for k in OTHER_KINDS),
    C("bill.items", "json", "自费项目明细"),
    C("bill.setl_id", "text", "结算ID", key=False),
    C("history.admissions", "int", "本年此前住院次数"),
)
BY_NAME = {c.name: c for c in COLUMNS}
YTD = re.compile(r"^history\.ytd\.([a-z][a-z0-9_]*)_fen$")
MONEY = tuple(c.name for c in COLUMNS if c.kind == "fen")
assert tuple(m[5:-4] for m in MONEY if not m.startswith("bill.other.")) == BILL_COLUMNS
OTHER_MONEY = tuple(f"bill.other.{k}_fen" for k in OTHER_KINDS)
LISTS = tuple(c.name for c in COLUMNS if c.kind == "list")
JSONS = tuple(c.name for c in COLUMNS if c.kind == "json")
BOOLS = tuple(c.name for c in COLUMNS if c.kind == "bool")
DATES = tuple(c.name for c in COLUMNS if c.kind == "date")
DATETIMES = tuple(c.name for c in COLUMNS if c.kind == "datetime")
# Not part of the decision key: identity, names, money, exact dates and year-to-date amounts
# (history enters a region's key only through the keys the region declares it reads).
NOT_KEY = {c.name for c in COLUMNS if not c.key}
PRESENCE = {c.name for c in COLUMNS if c.presence}  # in the key as given / not given (Column.presence)


def column_of(name: str) -> Column | None:
    """The declared column, or the open-ended year-to-date column, or None (unknown)."""
    if name in BY_NAME:
        return BY_NAME[name]
    if YTD.match(name):
        return Column(name, "fen", "本年已支付", key=False)
    return None


def _get(case: Case, path: tuple[str, ...]):
    obj = case
    for p in path:
        obj = getattr(obj, p)
    return obj


def _json(value) -> str:
    from jiuzhu.io.loader import converter
    data = converter.unstructure(value)
    if isinstance(value, tuple) and value and hasattr(value[0], "amount"):  # bill items: yuan, as in case files
        data = [dict(d, amount=yuan(d["amount"])) for d in data]
    return json.dumps(data, ensure_ascii=False, separators=(",", ":"))


def canonical(case: Case) -> Case:
    """The case as a claim row holds it: other payers by kind — one amount per kind in vocabulary
    order, zero amounts dropped, kind ``other`` added to ``other_paid`` — and nothing assumed
    (``defaulted`` empty). Settlement reads the slip's other payers only by kind
    (:func:`jiuzhu.rules.engine.bill_columns`), so the canonical case settles to the same fen;
    payer names on the slip are not carried in a claims file."""
    b = case.bill
    by_kind = b.other_by_kind()
    others = tuple(OtherPayer(k, by_kind[k]) for k in OTHER_KINDS if by_kind.get(k))
    bill = attrs.evolve(b, other_paid=by_kind["other"], other_payers=others)
    return attrs.evolve(case, bill=bill, defaulted=())


def flatten(case: Case) -> dict:
    """A case as one claim row (the inverse of :func:`unflatten`, up to :func:`canonical`)."""
    row: dict = {}
    by_kind = case.bill.other_by_kind()
    for col in COLUMNS:
        if col.name == "claim_id":
            row[col.name] = case.id
            continue
        if col.other_kind or col.name == "bill.other_paid_fen":
            row[col.name] = int(by_kind.get(col.other_kind or "other", 0))
            continue
        v = _get(case, col.path)
        if col.kind == "list":
            row[col.name] = ";".join(v)
        elif col.kind == "json":
            row[col.name] = "" if v is None or v == () else _json(v)
        elif col.kind in ("date", "datetime"):
            row[col.name] = v.isoformat() if v else ""
        elif col.kind in ("bool", "fen", "int"):
            row[col.name] = v if col.kind == "bool" else int(v)
        else:
            row[col.name] = v or ""
    for k, v in sorted(case.history.ytd.items()):
        if v:
            row[f"history.ytd.{k}_fen"] = int(v)
    return row


def _bool(v, name: str = "") -> bool:
    if isinstance(v, bool):
        return v
    if str(v) not in ("true", "false"):
        raise InputError(name, None, "expected true or false")
    return str(v) == "true"


def unflatten(row: Mapping) -> dict:
    """A claim row to the raw case structure the loader reads (:func:`jiuzhu.io.loader.structure_case`).

    Every column present is carried, an empty cell included: an empty ``facility.designations`` is
    an empty list (a non-designated facility), never the model's default. Cells that are empty
    where the model has an optional value (a discharge date, a guardian) leave the field absent."""
    raw: dict = {"person": {}, "facility": {}, "episode": {}, "bill": {}, "history": {}}
    for name, val in row.items():
        col = column_of(name)
        if col is None or val is None:
            continue
        if name == "claim_id":
            raw["id"] = str(val)
            continue
        if name == "region":
            if val:
                raw["region"] = str(val)
            continue
        if col.other_kind:
            continue  # below, in the vocabulary's order
        *obj, attr = col.path
        target = raw
        for o in obj:
            target = target.setdefault(o, {})
        if col.kind == "list":
            target[attr] = [x for x in str(val).split(";") if x]
        elif col.kind == "json":
            if val != "":
                try:
                    target[attr] = json.loads(val)
                except (json.JSONDecodeError, RecursionError, TypeError):
                    raise InputError(name, None, "expected JSON (see docs/batch.md)") from None
        elif col.kind == "datetime":
            pass  # below, once the dates are in
        elif col.kind == "choice":
            if val != "":  # an empty cell takes the model's default
                target[attr] = str(val)
        elif col.kind == "bool":
            if val != "":
                target[attr] = _bool(val, name)
        elif col.kind == "date":
            if val != "":
                target[attr] = val.isoformat() if hasattr(val, "isoformat") else str(val)
        elif col.kind == "fen":
            if YTD.match(name):
                if int(val):
                    target[attr] = yuan(int(val))
            else:
                target[attr] = yuan(int(val))
        elif col.kind == "int":
            if val != "" and not re.fullmatch(r"\d{1,6}", str(val)):
                raise InputError(name, None, "expected a whole number of 0 or more")
            target[attr] = int(val) if val != "" else 0
        else:
            target[attr] = str(val)
    others = [{"kind": k, "amount": yuan(int(row[c]))} for k, c in zip(OTHER_KINDS, OTHER_MONEY)
              if row.get(c) not in (None, "") and int(row[c])]
    if others:
        raw["bill"]["other_payers"] = others
    for name in DATETIMES:
        # the case-file form: ``admitted`` gives the date-time; the loader keeps the date and sets the twin
        val = row.get(name)
        if val not in (None, ""):
            *obj, attr = BY_NAME[name].path
            raw[obj[0]][attr[:-3]] = val.isoformat() if hasattr(val, "isoformat") else str(val)
    return raw


def rows_to_columns(rows: Iterable[Mapping]) -> dict[str, list]:
    """Rows to columns; a year-to-date column a row lacks is 0 (nothing used)."""
    rows = list(rows)
    keys: list[str] = []
    for r in rows:
        keys += [k for k in r if k not in keys]
    return {k: [r.get(k, 0 if YTD.match(k) else None) for r in rows] for k in keys}
