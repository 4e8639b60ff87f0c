"""Reading cases: TOML or JSON, structured by one cattrs converter, then checked.

Every problem becomes one :class:`InputError` line naming the field path, the value and what
was expected. Identity values (ID numbers, names) are never echoed beyond what the user typed.
"""

from __future__ import annotations

import re

import datetime as dt
import json
from pathlib import Path
from typing import Any

import cattrs
from cattrs.gen import make_dict_structure_fn, make_dict_unstructure_fn, override

from jiuzhu.model import idcard

from jiuzhu.model import vocab
from jiuzhu.model.errors import InputError
from jiuzhu.model.case import Action, Bill, BillItem, Case, Contact, Episode, Facility, Fen, History, OtherPayer, \
    Person, ReferralStep, Status, ACTION_KINDS, ROLES
from jiuzhu.model.money import to_fen
from jiuzhu.model.limits import MAX_COUNT, Limits, depth
from jiuzhu.model.text import read_text
from jiuzhu.model.tomlio import loads_toml

converter = cattrs.Converter(forbid_extra_keys=True)


CHINA = dt.timezone(dt.timedelta(hours=8), "+08:00")  # the zone of a date-time that names none


def _date(value: Any, _t) -> dt.date:
    if isinstance(value, dt.datetime):  # never truncated silently
        raise InputError("", value.isoformat(), "expected a date YYYY-MM-DD (a time of day is not used here)")
    if isinstance(value, dt.date):
        return value
    if isinstance(value, str):
        try:
            return dt.date.fromisoformat(value)
        except ValueError:
            pass
        try:
            dt.datetime.fromisoformat(value)
        except ValueError:
            pass
        else:
            raise InputError("", value, "expected a date YYYY-MM-DD (a time of day is not used here)")
    raise InputError("", value, "expected a date YYYY-MM-DD")


# ISO 8601 extended form only: a compact ``20260312`` would otherwise read as a date-time at 00:00 and
# claim a time of day the case never gave; a zone is Z or ±HH:MM.
_MOMENT = re.compile(r"\d{4}-\d{2}-\d{2}(?:[T ]\d{2}:\d{2}(?::\d{2}(?:\.\d{1,6})?)?(?:Z|[+-]\d{2}:\d{2})?)?")


def moment(value: Any) -> dt.date | dt.datetime:
    """A date, or a date-time in China time, from TOML or ISO 8601 text.

    No zone given: +08:00. Another zone: the same instant read in +08:00, so the episode's date (its
    year, the rules in force) and every deadline are China's (2026-12-31T20:00Z is 2027-01-01 04:00)."""
    if isinstance(value, dt.datetime):
        return value.replace(tzinfo=CHINA) if value.tzinfo is None else value.astimezone(CHINA)
    if isinstance(value, dt.date):
        return value
    if isinstance(value, str):
        text = value.strip()
        if _MOMENT.fullmatch(text):
            try:
                return dt.date.fromisoformat(text) if len(text) == 10 else moment(dt.datetime.fromisoformat(text))
            except ValueError:
                pass
    raise InputError("", value, "expected a date YYYY-MM-DD or a date-time YYYY-MM-DDTHH:MM[:SS][+08:00]")


def _datetime(value: Any, _t) -> dt.datetime:
    m = moment(value)
    if not isinstance(m, dt.datetime):
        raise InputError("", value, "expected a date-time")
    return m


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


def _texts(value: Any, _t) -> tuple[str, ...]:
    """A list of text (categories, designations, diagnoses …). Text itself is refused rather than read
    letter by letter ("dibao" as d, i, b, a, o)."""
    if not isinstance(value, (list, tuple)):
        raise InputError("", value if isinstance(value, str) else None, 'expected a list of text, e.g. ["dibao"]')
    out = []
    for i, v in enumerate(value):
        try:
            out.append(_str(v, str))
        except InputError as exc:
            raise InputError(f"[{i}]", exc.value, exc.expected) from None
    return tuple(out)


converter.register_structure_hook_func(lambda t: t == tuple[str, ...], _texts)
converter.register_structure_hook(dt.date, _date)
converter.register_structure_hook(dt.datetime, _datetime)
converter.register_structure_hook(Fen, _fen)
converter.register_structure_hook(str, _str)
converter.register_structure_hook(bool, _bool)
converter.register_structure_hook(int, _int)
converter.register_unstructure_hook(dt.date, lambda d: d.isoformat())
converter.register_unstructure_hook(dt.datetime, lambda d: d.isoformat())


def _history(value: Any, _t) -> History:
    if not isinstance(value, dict):
        raise InputError("", value, "expected a table")
    extra = set(value) - {"ytd", "admissions"}
    if extra:
        raise InputError(sorted(extra)[0], None, "unknown field; expected ytd or admissions")
    ytd = value.get("ytd", {})
    if not isinstance(ytd, dict):
        raise InputError("ytd", ytd, "expected a table of programme = amount in yuan")
    n = value.get("admissions", 0)
    # a count, as the batch's history.admissions column is (limits.MAX_COUNT)
    if isinstance(n, bool) or not isinstance(n, int) or not 0 <= n <= MAX_COUNT:
        raise InputError("admissions", n if isinstance(n, int) else None,
                         "expected a whole number of 0 or more (earlier admissions this year)")
    return History({k: Fen(to_fen(v, f"ytd.{k}")) for k, v in ytd.items()}, n)


converter.register_structure_hook(History, _history)
converter.register_unstructure_hook(History, lambda h: {"ytd": {k: _yuan(v) for k, v in h.ytd.items()},
                                                       "admissions": h.admissions})


def _yuan(f: int) -> str:
    from jiuzhu.model.money import yuan
    return yuan(f)


for cls in (Contact, Person, Facility, Action, ReferralStep, Episode, BillItem, OtherPayer, Bill, Case):
    converter.register_structure_hook(cls, make_dict_structure_fn(cls, converter, _cattrs_forbid_extra_keys=True))
# ``from`` is a Python keyword: the attribute is ``from_``.
converter.register_structure_hook(Status, make_dict_structure_fn(Status, converter, _cattrs_forbid_extra_keys=True,
                                                                 from_=override(rename="from")))
converter.register_unstructure_hook(Status, make_dict_unstructure_fn(Status, converter, from_=override(rename="from")))

# Fields whose value may carry a time of day: the date goes to the field, the date-time to its twin.
MOMENTS = {"admitted": "admitted_at", "discharged": "discharged_at", "on": "at"}
# Fields the loader sets; a case may not give them.
INTERNAL = {"case": ("defaulted",), "episode": ("admitted_at", "discharged_at"), "step": ("at",), "action": ("at",)}

def _folding(cls):
    """Unstructure with each date-time back in its field (``admitted = 2026-03-12T21:30+08:00``)."""
    base = make_dict_unstructure_fn(cls, converter)

    def fn(obj):
        d = base(obj)
        for field, twin in MOMENTS.items():
            if twin in d:
                at = d.pop(twin)
                if at is not None:
                    d[field] = at
        return d
    return fn


for _cls in (Action, ReferralStep, Episode):
    converter.register_unstructure_hook(_cls, _folding(_cls))
converter.register_unstructure_hook(Case, make_dict_unstructure_fn(Case, converter, defaulted=override(omit=True)))


def _split_moments(table: dict, where: str, internal: tuple[str, ...]) -> dict:
    """Reject loader-set fields; split date-time values into the date and its date-time twin."""
    for k in internal:
        if k in table:
            raise InputError(f"{where}.{k}", None, "unknown field (check its spelling)")
    out = dict(table)
    for field, twin in MOMENTS.items():
        if field in table and table[field] is not None:
            try:
                m = moment(table[field])
            except InputError as exc:
                raise InputError(f"{where}.{field}", exc.value, exc.expected) from None
            if isinstance(m, dt.datetime):
                out[field], out[twin] = m.date(), m
    return out


def _defaulted(raw: dict) -> list[str]:
    out = []
    for path in vocab.ASSUMABLE:
        obj, attr = path.split(".")
        if isinstance(raw.get(obj), dict) and attr not in raw[obj]:
            out.append(path)
    return out

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
    "cvlserv_pay": "other.civil_servant",  # 公务员医疗补助
    "hifes_pay": "other.employer_supplement",  # 企业补充医疗保险
    "oth_pay": "other_paid",
}


def bill_from_setlinfo(setl: dict, path: str = "bill.setlinfo") -> dict:
    """Map a national-platform settlement result (2207/2304 ``output.setlinfo``) to bill fields."""
    if not isinstance(setl, dict):
        raise InputError(path, None, "expected a table: the national platform's settlement result (setlinfo)")
    if "setlinfo" in setl and isinstance(setl["setlinfo"], dict):
        setl = setl["setlinfo"]
    if "medfee_sumamt" not in setl:
        raise InputError(f"{path}.medfee_sumamt", None, "missing: the settlement total (医疗费总额) is required")
    out: dict[str, int] = {}
    for key, field in SETLINFO.items():
        if setl.get(key) not in (None, ""):
            out[field] = out.get(field, 0) + to_fen(setl[key], f"{path}.{key}")
    bill: dict[str, Any] = {k: _yuan(v) for k, v in out.items() if not k.startswith("other.")}
    others = [{"kind": k[6:], "amount": _yuan(v)} for k, v in out.items() if k.startswith("other.") and v]
    if others:
        bill["other_payers"] = others
    return bill


def _prepare(raw: dict) -> dict:
    """Accept the slip as hospitals send it (``[bill] setlinfo = {...}``); split date-times; note defaults.

    The slip's ``setl_id`` (结算ID) becomes ``bill.setl_id`` and its ``fixmedins_code`` (定点医药机构编号)
    ``facility.code``; a value given in both places must agree."""
    bill = raw.get("bill")
    if isinstance(bill, dict) and "setlinfo" in bill:
        rest = {k: v for k, v in bill.items() if k != "setlinfo"}
        setl = bill["setlinfo"]
        if isinstance(setl, dict) and isinstance(setl.get("setlinfo"), dict):
            setl = setl["setlinfo"]
        ids = {}
        if isinstance(setl, dict) and setl.get("setl_id") not in (None, ""):
            ids["setl_id"] = _same("bill.setlinfo.setl_id", setl["setl_id"], rest.get("setl_id"), "bill.setl_id")
        slip = bill_from_setlinfo(bill["setlinfo"])
        kinds = slip.pop("other_payers", [])
        raw = {**raw, "bill": {**slip, **ids, **rest}}
        if kinds:
            raw["bill"]["other_payers"] = [*kinds, *rest.get("other_payers", [])]
        code = setl.get("fixmedins_code") if isinstance(setl, dict) else None
        fac = raw.get("facility")
        if code not in (None, "") and isinstance(fac, dict):
            raw["facility"] = {**fac, "code": _same("bill.setlinfo.fixmedins_code", code, fac.get("code"), "facility.code")}
    for k in INTERNAL["case"]:
        if k in raw:
            raise InputError(k, None, "unknown field (check its spelling)")
    raw = {**raw, "defaulted": _defaulted(raw)}
    ep = raw.get("episode")
    if isinstance(ep, dict):
        ep = _split_moments(ep, "episode", INTERNAL["episode"])
        for key, sub in (("actions", "action"), ("path", "step")):
            if isinstance(ep.get(key), list):
                ep[key] = [_split_moments(x, f"episode.{key}[{i}]", INTERNAL[sub]) if isinstance(x, dict) else x
                           for i, x in enumerate(ep[key])]
        if isinstance(ep.get("path"), list):
            ep["path"] = [{**x, "actions": [_split_moments(a, f"episode.path[{i}].actions[{j}]", INTERNAL["action"])
                                            if isinstance(a, dict) else a for j, a in enumerate(x["actions"])]}
                          if isinstance(x, dict) and isinstance(x.get("actions"), list) else x
                          for i, x in enumerate(ep["path"])]
        raw["episode"] = ep
    ep = raw.get("episode")
    if isinstance(ep, dict) and isinstance(ep.get("diagnoses"), list) \
            and any(isinstance(d, dict) for d in ep["diagnoses"]):
        if "diagnosis_names" in ep:
            raise InputError("episode.diagnosis_names", None,
                             "give names either here or as diagnoses = [{ code, name }], not both")
        codes, names = [], []
        for i, d in enumerate(ep["diagnoses"]):
            if isinstance(d, dict):
                extra = set(d) - {"code", "name"}
                if extra:
                    raise InputError(f"episode.diagnoses[{i}].{sorted(extra)[0]}", None, "unknown field; expected code and name")
                if not isinstance(d.get("code"), str) or not d["code"]:
                    raise InputError(f"episode.diagnoses[{i}].code", d.get("code"), "expected an ICD-10 code or a condition tag")
                if not isinstance(d.get("name", ""), str):
                    raise InputError(f"episode.diagnoses[{i}].name", None, "expected text")
                codes.append(d["code"])
                names.append(d.get("name", ""))
            else:
                codes.append(d)
                names.append("")
        raw = {**raw, "episode": {**ep, "diagnoses": codes, "diagnosis_names": names}}
    return raw


def _same(field: str, value, other, other_field: str) -> str:
    if not isinstance(value, str):
        raise InputError(field, value, "expected text")
    if other not in (None, "") and other != value:
        raise InputError(field, value, f"expected the same value as {other_field} ({other})")
    return value


def structure_case(raw: Any, where: str = "case", max_depth: int = Limits().nesting_depth) -> Case:
    if not isinstance(raw, dict):
        raise InputError(where, None, "expected a table of person, facility, episode and bill")
    if depth(raw, max_depth) > max_depth:
        raise InputError(where, None, f"tables and lists nested at most {max_depth} deep "
                                      "(raise [limits] nesting_depth in jiuzhu.toml)")
    _check_tables(raw)
    _check_text(raw)
    raw = _prepare(raw)
    try:
        case = converter.structure(raw, Case)
    except Exception as exc:  # cattrs groups errors; report the first as one line
        err = _first_error(exc)
        if err.expected.startswith("wrong type or shape"):  # say what the field holds and what was given
            err = InputError(err.field, None, _shape_expected(err.field, raw) or err.expected)
        raise err from None
    check(case)
    return case


_STEP = re.compile(r"\.?([A-Za-z_][A-Za-z0-9_]*)|\[(\d+)\]")


def _shape_expected(field: str, raw: dict) -> str:
    """For a value of the wrong shape at ``field`` (``person.guardian``, ``bill.items[0]``): what the case
    model holds there and what the value is (its kind, never the value), or "" when the path is not the
    model's."""
    import typing
    import attrs as _attrs
    tp: Any = Case
    value: Any = raw
    for m in _STEP.finditer(field):
        name, index = m.group(1), m.group(2)
        tp = _optional_inner(tp)
        if name is not None:
            if not (isinstance(tp, type) and _attrs.has(tp)):
                return ""
            hints = typing.get_type_hints(tp)
            if name not in hints:
                return ""
            tp = hints[name]
            value = value.get(name) if isinstance(value, dict) else None
        else:
            args = typing.get_args(tp)
            if typing.get_origin(tp) not in (tuple, list) or not args:
                return ""
            tp = args[0]
            value = value[int(index)] if isinstance(value, list) and int(index) < len(value) else None
    want = _shape_name(_optional_inner(tp))
    return f"expected {want} (got {_kind(value)})" if want else ""


def _optional_inner(tp):
    import types
    import typing
    if typing.get_origin(tp) in (typing.Union, types.UnionType):
        args = [a for a in typing.get_args(tp) if a is not type(None)]
        return args[0] if len(args) == 1 else tp
    return tp


def _shape_name(tp) -> str:
    import typing
    import attrs as _attrs
    if isinstance(tp, type) and _attrs.has(tp):
        return f"a table ({', '.join(f.name for f in _attrs.fields(tp) if f.default is _attrs.NOTHING) or 'fields'} …)" \
            if any(f.default is _attrs.NOTHING for f in _attrs.fields(tp)) else "a table"
    origin = typing.get_origin(tp)
    if origin in (tuple, list):
        args = typing.get_args(tp)
        inner = _shape_name(_optional_inner(args[0])) if args else ""
        if inner.startswith("a table"):
            return "a list of tables" + inner[len("a table"):]
        return f"a list of {inner}" if inner else "a list"
    if origin is dict:
        return "a table"
    return {str: "text", bool: "true or false", int: "a whole number", dt.date: "a date",
            dt.datetime: "a date-time"}.get(tp, "")


# The case's top-level tables and what each holds (the four a case must give: their required fields).
TABLES = {"person": "id_number, hukou …", "facility": "name, level, location …", "episode": "kind, admitted …",
          "bill": "total, in_scope …", "history": "ytd and admissions"}


def _kind(value: Any) -> str:
    """What a value is, in the words of JSON and TOML (never the value itself: it may be a name)."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true or false"
    if isinstance(value, (int, float)):
        return "a number"
    if isinstance(value, str):
        return "text"
    if isinstance(value, (list, tuple)):
        return "a list"
    if isinstance(value, (dt.date, dt.time)):
        return "a date or time"
    return type(value).__name__


def _check_tables(raw: dict) -> None:
    """Each top-level table given as a table, and those without a default given at all: one line
    naming it, what it was and what it holds (cattrs would say only "wrong type or shape")."""
    for name, holds in TABLES.items():
        if name not in raw:
            if name != "history":
                raise InputError(name, None, f"missing: expected a table with {holds}")
        elif not isinstance(raw[name], dict):
            raise InputError(name, None, f"expected a table with {holds} (got {_kind(raw[name])})")


# Characters no form can hold: C0 controls other than tab, newline and carriage return (XML 1.0,
# so Word and Excel refuse them) and lone UTF-16 surrogates (no UTF-8 file can be written with one).
_CONTROL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff]")


def _check_text(raw) -> None:
    """The first text in a case holding a control character, as one field error (walked without
    recursion; the nesting depth is already bounded)."""
    stack = [("", raw)]
    while stack:
        path, v = stack.pop()
        if isinstance(v, str):
            m = _CONTROL.search(v)
            if m:
                raise InputError(path or "case", None, f"text without control characters (found U+{ord(m.group()):04X} "
                                                       f"at character {m.start() + 1})")
        elif isinstance(v, dict):
            stack.extend((f"{path}.{k}" if path else str(k), x) for k, x in reversed(list(v.items())))
        elif isinstance(v, list):
            stack.extend((f"{path}[{i}]", x) for i, x in reversed(list(enumerate(v))))


def _first_error(exc: BaseException, path: str = "") -> InputError:
    """Walk cattrs' exception groups to the first leaf and name its field path."""
    if isinstance(exc, BaseExceptionGroup):
        sub = exc.exceptions[0]
        sub_notes = getattr(sub, "__notes__", []) or []
        step = ""
        for n in sub_notes:  # cattrs attaches the attribute name or the list index as a note
            note = getattr(n, "name", None)
            if note == "from_":  # the attribute behind a status's ``from``
                note = "from"
            if note is not None:
                step = f".{note}" if isinstance(note, str) else f"[{note}]"
        if not step:
            idx = getattr(sub_notes[0], "index", None) if sub_notes else None
            step = f"[{idx}]" if idx is not None else ""
        return _first_error(sub, path + step)
    field = path.lstrip(".") or "case"
    if isinstance(exc, InputError):
        sub = exc.field
        full = (f"{field}{sub}" if sub.startswith("[") else f"{field}.{sub}") if sub else field
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
    for i, st in enumerate(p.statuses):
        _one_of(f"person.statuses[{i}].kind", st.kind, vocab.STATUS_KINDS)
        if st.from_ and st.to and st.to < st.from_:
            raise InputError(f"person.statuses[{i}].to", st.to.isoformat(),
                             f"expected a date on or after its start {st.from_.isoformat()}")
    f = case.facility
    _one_of("facility.level", f.level, vocab.FACILITY_LEVELS)
    _one_of("facility.ownership", f.ownership, vocab.OWNERSHIP)
    for i, d in enumerate(f.designations):
        _one_of(f"facility.designations[{i}]", d, vocab.DESIGNATIONS)
    _division("facility.location", f.location)
    e = case.episode
    _one_of("episode.kind", e.kind, vocab.EPISODE_KINDS)
    _one_of("episode.decision", e.decision, vocab.DECISION_KINDS)
    _one_of("episode.settlement", e.settlement, vocab.SETTLEMENT_MODES)
    if e.proposed_by:
        _one_of("episode.proposed_by", e.proposed_by, ROLES)
    if idcard.birth_date(p.id_number) > e.admitted:
        raise InputError("person.id_number", None, "expected a person born on or before admission")
    if e.discharged and e.discharged < e.admitted:
        raise InputError("episode.discharged", e.discharged.isoformat(),
                         f"expected a date on or after admission {e.admitted.isoformat()}")
    if e.discharged_at and e.admitted_at and e.discharged_at < e.admitted_at:
        raise InputError("episode.discharged", e.discharged_at.isoformat(),
                         f"expected a date-time on or after admission {e.admitted_at.isoformat()}")
    if e.claimed_on and e.claimed_on < e.admitted:
        raise InputError("episode.claimed_on", e.claimed_on.isoformat(),
                         f"expected a date on or after admission {e.admitted.isoformat()}")
    from jiuzhu.model.conditions import unknown_diagnosis
    if len(e.diagnosis_names) > len(e.diagnoses):
        raise InputError("episode.diagnosis_names", None,
                         f"expected at most one name per diagnosis ({len(e.diagnoses)} diagnoses)")
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
    in_column: dict[str, int] = {}
    for i, it in enumerate(b.items):
        _one_of(f"bill.items[{i}].approval", it.approval, vocab.ITEM_APPROVAL)
        _one_of(f"bill.items[{i}].column", it.column, vocab.ITEM_COLUMNS)
        # one meaning of items: each sits in one slip column, and a column's items never exceed it
        in_column[it.column] = in_column.get(it.column, 0) + it.amount
        if in_column[it.column] > getattr(b, it.column):
            from jiuzhu.model.money import yuan
            raise InputError(f"bill.items[{i}].amount", yuan(it.amount),
                             f"items in column {it.column} together ({yuan(in_column[it.column])}) must not exceed "
                             f"bill.{it.column} {yuan(getattr(b, it.column))}; set the item's `column` to the slip "
                             f"column it sits in ({', '.join(vocab.ITEM_COLUMNS)})")
    for i, o in enumerate(b.other_payers):
        _one_of(f"bill.other_payers[{i}].kind", o.kind, vocab.OTHER_PAYER_KINDS)
    for field, c in (("person.guardian", p.guardian), *((f"person.agents[{i}]", a) for i, a in enumerate(p.agents))):
        if c is not None:
            _contact(field, c)


def _contact(field: str, c) -> None:
    _one_of(field + ".entrustment", c.entrustment, {"": "", "written": "", "oral": ""})
    for attr in ("entrusted_by", "acting_as"):
        if getattr(c, attr):
            _one_of(f"{field}.{attr}", getattr(c, attr), ROLES)


def _action(field: str, a: Action) -> None:
    _one_of(field + ".kind", a.kind, ACTION_KINDS)
    _one_of(field + ".by", a.by, ROLES)
    _one_of(field + ".method", a.method, {"form": "", "phone": "", "online": ""})


def load_case(path: str | Path, encoding: str | None = None, limits: Limits | None = None) -> Case:
    """Read a case file (.toml or .json), bounded by ``limits`` (size, nesting), in ``encoding``."""
    p = Path(path)
    lim = limits or Limits()
    text = read_text(p, "case", encoding, lim.case_file_bytes)
    raw = _parse(text, "json" if p.suffix.lower() == ".json" else "toml", p.name)
    return structure_case(raw, max_depth=lim.nesting_depth)


def _parse(text: str, fmt: str, name: str):
    if fmt == "json":
        try:
            return json.loads(text)
        except json.JSONDecodeError as exc:
            raise InputError(name, None, f"malformed JSON: {exc.msg} at line {exc.lineno}") from None
        except RecursionError:
            raise InputError(name, None, "malformed JSON: nested too deeply") from None
    return loads_toml(text, name)


def loads_case(text: str, fmt: str = "toml") -> Case:
    return structure_case(_parse(text, fmt, "input"))


def unstructure_case(case: Case) -> dict:
    """A case back to plain data (money as yuan strings), the inverse of structure_case."""
    from jiuzhu.model.money import yuan

    raw = converter.unstructure(case)
    for o in raw["bill"]["other_payers"]:
        o["amount"] = yuan(o["amount"])
    for key in ("total", "in_scope", "first_self_paid", "over_limit", "fully_self_paid", "deductible",
                "basic_paid", "critical_paid", "assistance_paid", "other_paid"):
        raw["bill"][key] = yuan(raw["bill"][key])
    for it in raw["bill"]["items"]:
        it["amount"] = yuan(it["amount"])
    return raw
