"""Parameters as dated data: every number a rule uses, with effective dates and a citation.

A region ships ``parameters.toml`` beside its plugin::

    [inpatient_cap]
    label = "住院救助年度封顶线 / inpatient annual cap"
    unit = "yuan"
    rule = "FS-BASIC-3"
    [[inpatient_cap.values]]
    from = 2014-11-27
    value = "5000"
    article = "四（二）2"

A parameter with ``required = true`` and no values is one the seed does not give: the
deployment must set it in ``jiuzhu.toml``; evaluation that needs it fails naming it.
Units: yuan, rate, count, days, hours, working_days, years, date, text, choice, bool,
segments (a table of {from, to, rate} in yuan), list, dates.
"""

from __future__ import annotations

import datetime as dt
from fractions import Fraction
from pathlib import Path
from typing import Any

import attrs

from jiuzhu.model.errors import InputError, JiuzhuError, MissingParameter, NotInForce
from jiuzhu.model import idcard
from jiuzhu.model.money import to_fen, to_rate
from jiuzhu.model.outcome import Citation
from jiuzhu.model.tomlio import load_toml

UNITS = {"yuan", "rate", "count", "days", "hours", "working_days", "years", "date", "text", "choice", "bool",
         "segments", "list", "dates", "id_numbers"}


def convert(unit: str, value: Any, field: str, choices: tuple[str, ...] = ()) -> Any:
    """A raw TOML value to its typed form (fen for yuan, Fraction for rates)."""
    if unit == "yuan":
        return to_fen(value, field)
    if unit == "rate":
        r = to_rate(value, field)
        if not 0 <= r <= 1:
            raise InputError(field, value, "expected a rate between 0 and 1")
        return r
    if unit in ("count", "days", "hours", "working_days", "years"):
        if isinstance(value, bool) or not isinstance(value, int) or value < 0:
            raise InputError(field, value, f"expected a whole number of {unit}")
        return value
    if unit == "date":
        return _date(value, field)
    if unit == "dates":
        if not isinstance(value, list):
            raise InputError(field, value, "expected a list of dates")
        return tuple(_date(v, f"{field}[{i}]") for i, v in enumerate(value))
    if unit == "bool":
        if not isinstance(value, bool):
            raise InputError(field, value, "expected true or false")
        return value
    if unit == "choice":
        if value not in choices:
            raise InputError(field, value, f"expected one of {', '.join(choices)}")
        return value
    if unit == "text":
        return str(value)
    if unit == "list":
        if not isinstance(value, list):
            raise InputError(field, value, "expected a list")
        return tuple(value)
    if unit == "id_numbers":  # a list of persons (Jingjiang's 救助对象库): each in its one spelling
        if not isinstance(value, list):
            raise InputError(field, None, "expected a list of resident ID numbers")
        out = []
        for i, v in enumerate(value):
            v = idcard.canonical(v)
            if idcard.problem(v) is not None:  # never the value: it is a person's number
                raise InputError(f"{field}[{i}]", None, "expected a resident ID number (18 characters, check digit)")
            out.append(v)
        return tuple(out)
    if unit == "segments":
        if not isinstance(value, list) or not value:
            raise InputError(field, value, "expected a list of {from, to, rate} tables in yuan")
        segs = []
        for i, seg in enumerate(value):
            f = f"{field}[{i}]"
            if not isinstance(seg, dict) or "from" not in seg or "rate" not in seg:
                raise InputError(f, seg, "expected a table with from, to (optional on the last) and rate")
            extra = sorted(set(seg) - {"from", "to", "rate"})
            if extra:
                raise InputError(f"{f}.{extra[0]}", None, "unknown key; valid: from, to, rate")
            lo = to_fen(seg["from"], f + ".from")
            hi = to_fen(seg["to"], f + ".to") if seg.get("to") not in (None, "") else None
            if hi is not None and hi <= lo:
                raise InputError(f + ".to", seg["to"], "expected a bound above 'from'")
            if segs and segs[-1][1] != lo:
                raise InputError(f + ".from", seg["from"], "expected segments to be contiguous")
            segs.append((lo, hi, convert("rate", seg["rate"], f + ".rate")))
        return tuple(segs)
    raise InputError(field, unit, f"expected a unit among {', '.join(sorted(UNITS))}")


def _date(value: Any, field: str) -> dt.date:
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    try:
        return dt.date.fromisoformat(str(value))
    except ValueError:
        raise InputError(field, value, "expected a date YYYY-MM-DD") from None


@attrs.frozen
class Dated:
    start: dt.date
    value: Any
    cite: Citation
    raw: Any = None


@attrs.frozen
class Parameter:
    name: str
    label: str
    unit: str
    values: tuple[Dated, ...] = ()  # sorted by start
    required: bool = False  # a deployment parameter the seed does not give
    choices: tuple[str, ...] = ()
    rule: str = ""
    hint: str = ""  # what a deployment should set, shown when it is missing

    def at(self, day: dt.date) -> Dated | None:
        found = None
        for d in self.values:
            if d.start <= day:
                found = d
        return found


class ParameterSet:
    """All parameters of one region, with deployment overrides applied."""

    def __init__(self, region: str, params: dict[str, Parameter]):
        self.region = region
        self.params = params

    @classmethod
    def load(cls, path: Path | str | dict, region: str, region_zh: str, document: str) -> "ParameterSet":
        raw = path if isinstance(path, dict) else load_toml(Path(path), "parameters")
        params = {}
        for name, spec in raw.items():
            f = f"{region}.parameters.{name}"
            if not isinstance(spec, dict) or "unit" not in spec:
                raise InputError(f, None, "expected a table with unit, label and values")
            unit = spec["unit"]
            choices = tuple(spec.get("choices", ()))
            values = []
            for i, v in enumerate(spec.get("values", [])):
                start = _date(v.get("from"), f"{f}.values[{i}].from")
                cite = Citation(region_zh, v.get("document", spec.get("document", document)),
                                v.get("article", spec.get("article", "")), v.get("rule", spec.get("rule", "")))
                values.append(Dated(start, convert(unit, v.get("value"), f"{f}.values[{i}].value", choices), cite,
                                    v.get("value")))
            values.sort(key=lambda d: d.start)
            params[name] = Parameter(name, spec.get("label", name), unit, tuple(values), bool(spec.get("required")),
                                     choices, spec.get("rule", ""), spec.get("hint", ""))
        return cls(region, params)

    def override(self, settings: dict, region_zh: str, source: str = "jiuzhu.toml") -> "ParameterSet":
        """Apply deployment settings: ``name = value`` (in force from the earliest date) or a list of
        ``{from = DATE, value = …}`` tables."""
        params = dict(self.params)
        for name, setting in settings.items():
            field = f"parameters.{self.region}.{name}"
            if name not in params:
                import difflib
                near = difflib.get_close_matches(name, list(params), n=1)
                hint = f" did you mean {near[0]}?" if near else ""
                raise InputError(field, None, f"unknown parameter;{hint} valid: {', '.join(sorted(params))}")
            p = params[name]
            cite = Citation(region_zh, f"部署参数 deployment parameter ({source})", "", p.rule)
            if isinstance(setting, list) and setting and all(isinstance(s, dict) and "from" in s and "value" in s for s in setting):
                for i, s in enumerate(setting):
                    extra = sorted(set(s) - {"from", "value"})
                    if extra:
                        raise InputError(f"{field}[{i}].{extra[0]}", None, "unknown key; valid: from, value")
                values = tuple(sorted((Dated(_date(s["from"], f"{field}[{i}].from"),
                                             convert(p.unit, s.get("value"), f"{field}[{i}].value", p.choices), cite,
                                             s.get("value"))
                                       for i, s in enumerate(setting)), key=lambda d: d.start))
            else:
                values = (Dated(dt.date(1900, 1, 1), convert(p.unit, setting, field, p.choices), cite, setting),)
            params[name] = attrs.evolve(p, values=values)
        return ParameterSet(self.region, params)

    def breakpoints(self) -> list[dt.date]:
        return sorted({d.start for p in self.params.values() for d in p.values})

    def at(self, day: dt.date) -> "Params":
        return Params(self, day)


class Params:
    """The parameters in force on one day. ``params["name"]`` gives the value; ``params.cite(name)``
    the citation; a missing required parameter raises :class:`MissingParameter`."""

    def __init__(self, pset: ParameterSet, day: dt.date):
        self._set, self.day = pset, day
        self._found: dict[str, Dated] = {}  # the values in force found so far (a day's values do not change)

    def dated(self, name: str) -> Dated:
        d = self._found.get(name)
        if d is not None:
            return d
        p = self._set.params.get(name)
        if p is None:
            raise JiuzhuError(f"parameters.{self._set.region}.{name}: the region uses a parameter it does not declare")
        d = p.at(self.day)
        if d is None:
            if not p.values:
                raise MissingParameter(self._set.region, name, p.label, p.hint)
            # dated values, none yet on this day: the claim's date is what is out of reach (a batch lists
            # that claim and computes the others)
            raise NotInForce(self._set.region, name, self.day, p.values[0].start)
        self._found[name] = d
        return d

    def __getitem__(self, name: str) -> Any:
        return self.dated(name).value

    def get(self, name: str, default: Any = None) -> Any:
        try:
            return self[name]
        except JiuzhuError:
            return default

    def cite(self, name: str) -> Citation:
        return self.dated(name).cite

    def has(self, name: str) -> bool:
        p = self._set.params.get(name)
        return p is not None and p.at(self.day) is not None

    def rate(self, name: str) -> Fraction:
        return self[name]
