"""Reading cases: TOML or JSON, structured by one cattrs converter, then checked.

Every problem becomes one :class:`InputError` line naming the field path, the value and what
was expected. Identity values (ID numbers, names) are never echoed beyond what the user typed.
"""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from typing import Any

import cattrs
from cattrs.gen import make_dict_structure_fn

from jiuzhu.model import idcard

from jiuzhu.model import vocab
from jiuzhu.model.errors import InputError
from jiuzhu.model.case import Action, Bill, BillItem, Case, Contact, Episode, Facility, Fen, History, Person, ReferralStep, \
    ACTION_KINDS, ROLES
from jiuzhu.model.money import to_fen
from jiuzhu.model.tomlio import load_toml, loads_toml

converter = cattrs.Converter(forbid_extra_keys=True)


def _date(value: Any, _t) -> dt.date:
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    if isinstance(value, str):
        try:
            return dt.date.fromisoformat(value)
        except ValueError:
            pass
    raise InputError("", value, "expected a date YYYY-MM-DD")


def _fen(value: Any, _t) -> int:
    return Fen(to_fen(value, ""))


def _str(value: Any, _t) -> str:
    if not isinstance(value, str):
        raise InputError("", value, "expected text")
    return value


def _bool(value: Any, _t) -> bool:
    if not isinstance(value, bool):
        raise InputError("", value, "expected true or false")
    return value


def _int(value: Any, _t) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise InputError("", value, "expected a whole number")
    return value


converter.register_structure_hook(dt.date, _date)
converter.register_structure_hook(Fen, _fen)
converter.register_structure_hook(str, _str)
converter.register_structure_hook(bool, _bool)
converter.register_structure_hook(int, _int)
converter.register_unstructure_hook(dt.date, lambda d: d.isoformat())


def _history(value: Any, _t) -> History:
    if not isinstance(value, dict):
        raise InputError("", value, "expected a table")
    extra = set(value) - {"ytd", "admissions"}
    if extra:
        raise InputError(sorted(extra)[0], None, "unknown field; expected ytd or admissions")
    ytd = value.get("ytd", {})
    if not isinstance(ytd, dict):
        raise InputError("ytd", ytd, "expected a table of programme = amount in yuan")
    return History({k: Fen(to_fen(v, f"ytd.{k}")) for k, v in ytd.items()}, _int(value.get("admissions", 0), None))


converter.register_structure_hook(History, _history)
converter.register_unstructure_hook(History, lambda h: {"ytd": {k: _yuan(v) for k, v in h.ytd.items()},
                                                       "admissions": h.admissions})


def _yuan(f: int) -> str:
    from jiuzhu.model.money import yuan
    return yuan(f)


for cls in (Contact, Person, Facility, Action, ReferralStep, Episode, BillItem, Bill, Case):
    converter.register_structure_hook(cls, make_dict_structure_fn(cls, converter, _cattrs_forbid_extra_keys=True))

# What the national platform's settlement result (output.setlinfo) calls each slip field.
SETLINFO = {
    "medfee_sumamt": "total",
    "inscp_scp_amt": "in_scope",
    "preselfpay_amt": "first_self_paid",
    "overlmt_selfpay": "over_limit",
    "fulamt_ownpay_amt": "fully_self_paid",
    "act_pay_dedc": "deductible",
    "hifp_pay": "basic_paid",
    "hifmi_pay": "critical_paid",
    "hifob_pay": "critical_paid",
    "maf_pay": "assistance_paid",
    "cvlserv_pay": "other_paid",
    "hifes_pay": "other_paid",
    "oth_pay": "other_paid",
}


def bill_from_setlinfo(setl: dict, path: str = "bill.setlinfo") -> dict:
    """Map a national-platform settlement result (2207/2304 ``output.setlinfo``) to bill fields."""
    if "setlinfo" in setl and isinstance(setl["setlinfo"], dict):
        setl = setl["setlinfo"]
    if "medfee_sumamt" not in setl:
        raise InputError(f"{path}.medfee_sumamt", None, "missing: the settlement total (医疗费总额) is required")
    out: dict[str, int] = {}
    for key, field in SETLINFO.items():
        if setl.get(key) not in (None, ""):
            out[field] = out.get(field, 0) + to_fen(setl[key], f"{path}.{key}")
    return {k: _yuan(v) for k, v in out.items()}


def _prepare(raw: dict) -> dict:
    """Accept the slip as hospitals send it: ``[bill] setlinfo = {...}``."""
    bill = raw.get("bill")
    if isinstance(bill, dict) and "setlinfo" in bill:
        rest = {k: v for k, v in bill.items() if k != "setlinfo"}
        raw = {**raw, "bill": {**bill_from_setlinfo(bill["setlinfo"]), **rest}}
    return raw


def structure_case(raw: Any, where: str = "case") -> Case:
    if not isinstance(raw, dict):
        raise InputError(where, None, "expected a table of person, facility, episode and bill")
    raw = _prepare(raw)
    try:
        case = converter.structure(raw, Case)
    except Exception as exc:  # cattrs groups errors; report the first as one line
        raise _first_error(exc) from None
    check(case)
    return case


def _first_error(exc: BaseException, path: str = "") -> InputError:
    """Walk cattrs' exception groups to the first leaf and name its field path."""
    if isinstance(exc, BaseExceptionGroup):
        sub = exc.exceptions[0]
        sub_notes = getattr(sub, "__notes__", []) or []
        step = ""
        for n in sub_notes:  # cattrs attaches the attribute name or the list index as a note
            note = getattr(n, "name", None)
            if note is not None:
                step = f".{note}" if isinstance(note, str) else f"[{note}]"
        if not step:
            idx = getattr(sub_notes[0], "index", None) if sub_notes else None
            step = f"[{idx}]" if idx is not None else ""
        return _first_error(sub, path + step)
    field = path.lstrip(".") or "case"
    if isinstance(exc, InputError):
        sub = exc.field
        full = f"{field}.{sub}" if sub else field
        return InputError(full, exc.value, exc.expected)
    if isinstance(exc, cattrs.ForbiddenExtraKeysError):
        k = sorted(exc.extra_fields)[0]
        return InputError(f"{field}.{k}" if path else k, None, "unknown field (check its spelling)")
    if isinstance(exc, KeyError):
        key = exc.args[0] if exc.args else "?"
        return InputError(f"{field}.{key}" if path and not path.endswith(str(key)) else field, None, "missing required field")
    if isinstance(exc, (TypeError, ValueError, AttributeError)):
        return InputError(field, None, f"wrong type or shape ({type(exc).__name__})")
    return InputError(field, None, str(exc).splitlines()[0] if str(exc) else type(exc).__name__)


def _one_of(field: str, value: str, table: dict) -> None:
    if value not in table:
        raise InputError(field, value, f"expected one of {', '.join(table)}")


def _division(field: str, value: str, required: bool = True) -> None:
    if not value and not required:
        return
    if not (value.isdigit() and len(value) in (6, 9, 12)):
        raise InputError(field, value, "expected an administrative division code of 6, 9 or 12 digits")


def check(case: Case, conditions_extra: dict | None = None) -> None:
    """Cross-field checks, each naming the field path."""
    p = case.person
    why = idcard.problem(p.id_number)
    if why:
        raise InputError("person.id_number", None, why)
    _division("person.hukou", p.hukou)
    _division("person.residence", p.residence, required=False)
    for i, c in enumerate(p.categories):
        _one_of(f"person.categories[{i}]", c, vocab.CATEGORIES)
    _one_of("person.area", p.area, vocab.AREAS)
    _one_of("person.support_mode", p.support_mode, vocab.SUPPORT_MODES)
    _one_of("person.scheme", p.scheme, vocab.SCHEMES)
    _one_of("person.care_level", p.care_level, vocab.CARE_LEVELS)
    f = case.facility
    _one_of("facility.level", f.level, vocab.FACILITY_LEVELS)
    _one_of("facility.ownership", f.ownership, vocab.OWNERSHIP)
    for i, d in enumerate(f.designations):
        _one_of(f"facility.designations[{i}]", d, vocab.DESIGNATIONS)
    _division("facility.location", f.location)
    e = case.episode
    _one_of("episode.kind", e.kind, vocab.EPISODE_KINDS)
    _one_of("episode.decision", e.decision, vocab.DECISION_KINDS)
    if idcard.birth_date(p.id_number) > e.admitted:
        raise InputError("person.id_number", None, "expected a person born on or before admission")
    if e.discharged and e.discharged < e.admitted:
        raise InputError("episode.discharged", e.discharged.isoformat(),
                         f"expected a date on or after admission {e.admitted.isoformat()}")
    from jiuzhu.model.conditions import unknown_diagnosis
    for i, d in enumerate(e.diagnoses):
        if unknown_diagnosis(d, conditions_extra):
            raise InputError(f"episode.diagnoses[{i}]", d,
                             "expected a condition tag (see `jiuzhu vocab conditions`) or an ICD-10 code")
    for i, s in enumerate(e.path):
        if s.to_level:
            _one_of(f"episode.path[{i}].to_level", s.to_level, vocab.FACILITY_LEVELS)
        _one_of(f"episode.path[{i}].kind", s.kind, {"first_contact": "", "referral": "", "transfer": "", "self": ""})
        for j, a in enumerate(s.actions):
            _action(f"episode.path[{i}].actions[{j}]", a)
    for j, a in enumerate(e.actions):
        _action(f"episode.actions[{j}]", a)
    b = case.bill
    if b.in_scope + b.out_of_scope != b.total:
        from jiuzhu.model.money import yuan
        raise InputError("bill.total", yuan(b.total),
                         f"in-scope {yuan(b.in_scope)} + out-of-scope {yuan(b.out_of_scope)} "
                         f"(first self-paid + over-limit + fully self-paid) = {yuan(b.in_scope + b.out_of_scope)}")
    if b.deductible > b.in_scope:
        from jiuzhu.model.money import yuan
        raise InputError("bill.deductible", yuan(b.deductible), f"expected at most the in-scope cost {yuan(b.in_scope)}")
    if b.paid_on_slip > b.total:
        from jiuzhu.model.money import yuan
        raise InputError("bill.basic_paid", yuan(b.basic_paid),
                         f"payers on the slip together ({yuan(b.paid_on_slip)}) must not exceed the total {yuan(b.total)}")
    for i, it in enumerate(b.items):
        _one_of(f"bill.items[{i}].approval", it.approval, vocab.ITEM_APPROVAL)


def _action(field: str, a: Action) -> None:
    _one_of(field + ".kind", a.kind, ACTION_KINDS)
    _one_of(field + ".by", a.by, ROLES)
    _one_of(field + ".method", a.method, {"form": "", "phone": "", "online": ""})


def load_case(path: str | Path) -> Case:
    p = Path(path)
    if p.suffix.lower() == ".json":
        try:
            raw = json.loads(p.read_text(encoding="utf-8"))
        except FileNotFoundError:
            raise InputError("case", str(p), "file not found") from None
        except json.JSONDecodeError as exc:
            raise InputError(str(p), None, f"malformed JSON: {exc.msg} at line {exc.lineno}") from None
    else:
        raw = load_toml(p, "case")
    return structure_case(raw)


def loads_case(text: str, fmt: str = "toml") -> Case:
    raw = json.loads(text) if fmt == "json" else loads_toml(text)
    return structure_case(raw)


def unstructure_case(case: Case) -> dict:
    """A case back to plain data (money as yuan strings), the inverse of structure_case."""
    from jiuzhu.model.money import yuan

    raw = converter.unstructure(case)
    for key in ("total", "in_scope", "first_self_paid", "over_limit", "fully_self_paid", "deductible",
                "basic_paid", "critical_paid", "assistance_paid", "other_paid"):
        raw["bill"][key] = yuan(raw["bill"][key])
    for it in raw["bill"]["items"]:
        it["amount"] = yuan(it["amount"])
    return raw
