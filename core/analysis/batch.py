"""The flat claim schema: one case as one row of columns (docs/batch.md).

Every field of the case model has exactly one column, declared once in :data:`COLUMNS`; flatten,
unflatten, the validation of a claims file (:mod:`jiuzhu.analysis.checks`) and the documentation
all read that table, so a new case field is one new entry here. Kinds of column:

- ``text`` / ``division`` / ``choice`` (one term of a vocabulary) / ``id`` (a resident ID number);
- ``list``: terms joined by ``;`` (an empty cell is an empty list, never the model's default);
- ``json``: a nested structure (referral path, actions, contacts, self-pay items) as JSON text;
- ``bool``: ``true`` / ``false`` exactly; ``date``: ``YYYY-MM-DD``; ``int``: a whole number;
- ``fen``: money as **integer fen** (``bill.total_fen``), so that a million rows load without a
  Python call per amount; ``history.ytd.<programme>_fen`` columns are open-ended (one per programme).

``flatten`` and ``unflatten`` are inverse on every valid case (a property test draws cases and
checks it). A zero year-to-date amount and an absent one mean the same and flatten to no column.
"""

from __future__ import annotations

import json
import re
from typing import Iterable, Mapping

import attrs

from jiuzhu.model.case import Case
from jiuzhu.model.money import yuan
from jiuzhu.rules.settle import BILL_COLUMNS


@attrs.frozen
class Column:
    name: str  # column name; its dotted path is the case field (``_fen`` dropped)
    kind: str  # text / division / choice / id / list / json / bool / date / int / fen
    zh: str
    vocab: str = ""  # for choice and list: the vocabulary's name in jiuzhu.model.vocab (or "conditions")
    required: bool = False  # the case model has no default for it
    key: bool = True  # part of the decision key (facts the hooks read); identity, money, dates are not

    @property
    def path(self) -> tuple[str, ...]:
        return tuple((self.name[:-4] if self.kind == "fen" else self.name).split("."))


C = Column
COLUMNS: tuple[Column, ...] = (
    C("claim_id", "text", "结算单号", key=False),
    C("region", "text", "地区", key=False),
    C("person.id_number", "id", "身份证号", required=True, key=False),
    C("person.name", "text", "姓名", key=False),
    C("person.hukou", "division", "户籍地区划", required=True),
    C("person.residence", "division", "居住地区划"),
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
    C("person.card_number", "text", "救助证号", key=False),
    C("facility.name", "text", "医疗机构名称", required=True),
    C("facility.level", "choice", "医疗机构级别", vocab="FACILITY_LEVELS", required=True),
    C("facility.location", "division", "医疗机构所在地", required=True),
    C("facility.ownership", "choice", "所有制", vocab="OWNERSHIP"),
    C("facility.designations", "list", "定点资格", vocab="DESIGNATIONS"),
    C("episode.kind", "choice", "就诊类型", vocab="EPISODE_KINDS", required=True),
    C("episode.admitted", "date", "入院日期", required=True, key=False),
    C("episode.discharged", "date", "出院日期", key=False),
    C("episode.emergency", "bool", "急诊"),
    C("episode.diagnoses", "list", "诊断", vocab="conditions"),
    C("episode.decision", "choice", "诊疗决策类型", vocab="DECISION_KINDS"),
    C("episode.admission_indicated", "bool", "符合入院指征"),
    C("episode.path", "json", "就医路径"),
    C("episode.actions", "json", "审批备案等"),
    *(C(f"bill.{b}_fen", "fen", zh, required=b in ("total", "in_scope"), key=False) for b, zh in (
        ("total", "医疗费总额"), ("in_scope", "政策范围内费用"), ("first_self_paid", "先行自付"),
        ("over_limit", "超限价自付"), ("fully_self_paid", "全自费"), ("deductible", "起付线"),
        ("basic_paid", "统筹基金支付"), ("critical_paid", "大病保险支付"), ("assistance_paid", "医疗救助支付"),
        ("other_paid", "其他支付"))),
    C("bill.items", "json", "自费项目明细"),
    C("history.admissions", "int", "本年此前住院次数"),
)
BY_NAME = {c.name: c for c in COLUMNS}
YTD = re.compile(r"^history\.ytd\.([a-z][a-z0-9_]*)_fen$")
MONEY = tuple(c.name for c in COLUMNS if c.kind == "fen")
assert tuple(m[5:-4] for m in MONEY) == BILL_COLUMNS
LISTS = tuple(c.name for c in COLUMNS if c.kind == "list")
JSONS = tuple(c.name for c in COLUMNS if c.kind == "json")
BOOLS = tuple(c.name for c in COLUMNS if c.kind == "bool")
DATES = tuple(c.name for c in COLUMNS if c.kind == "date")
# Not part of the decision key: identity, names, money, exact dates and year-to-date amounts
# (history enters a region's key only through the keys the region declares it reads).
NOT_KEY = {c.name for c in COLUMNS if not c.key}


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


def flatten(case: Case) -> dict:
    """A case as one claim row (the inverse of :func:`unflatten`)."""
    row: dict = {}
    for col in COLUMNS:
        if col.name == "claim_id":
            row[col.name] = case.id
            continue
        v = _get(case, col.path)
        if col.kind == "list":
            row[col.name] = ";".join(v)
        elif col.kind == "json":
            row[col.name] = "" if v is None or v == () else _json(v)
        elif col.kind == "date":
            row[col.name] = v.isoformat() if v else ""
        elif col.kind in ("bool", "fen", "int"):
            row[col.name] = v if col.kind == "bool" else int(v)
        else:
            row[col.name] = v or ""
    for k, v in sorted(case.history.ytd.items()):
        if v:
            row[f"history.ytd.{k}_fen"] = int(v)
    return row


def _bool(v) -> bool:
    if isinstance(v, bool):
        return v
    return {"true": True, "false": False}[str(v)]


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
        *obj, attr = col.path
        target = raw
        for o in obj:
            target = target.setdefault(o, {})
        if col.kind == "list":
            target[attr] = [x for x in str(val).split(";") if x]
        elif col.kind == "json":
            if val != "":
                target[attr] = json.loads(val)
        elif col.kind == "bool":
            if val != "":
                target[attr] = _bool(val)
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
            target[attr] = int(val) if val != "" else 0
        else:
            target[attr] = str(val)
    return raw


def rows_to_columns(rows: Iterable[Mapping]) -> dict[str, list]:
    """Rows to columns; a year-to-date column a row lacks is 0 (nothing used)."""
    rows = list(rows)
    keys: list[str] = []
    for r in rows:
        keys += [k for k in r if k not in keys]
    return {k: [r.get(k, 0 if YTD.match(k) else None) for r in rows] for k in keys}
