"""Deployment configuration (``jiuzhu.toml``).

Found through ``--config``, then the ``JIUZHU_CONFIG`` variable, then ``./jiuzhu.toml``::

    region = "wusheng"            # the active region
    compose_parents = true        # also apply the parent region's layers (Wusheng → Guang'an)

    [parameters.guangan]          # set or override a region's parameters
    individual_premium = "380"

    [calendar]                    # working days for years the calendar package does not know
    years = [2027]
    holidays = [2027-01-01]
    workdays = []

    [templates.wusheng]           # a county's own edited copy of a form template
    attachment_1 = "forms/附件1.docx"

    [date_basis]                  # which episode date selects the rules in force, per region
    wusheng = "discharge"         # (default: the region's own choice, usually admission)

    [conditions]                  # extra ICD-10 prefixes → condition tags
    "N18.4" = ["uremia"]

    [limits]                      # bounds on inputs and templates (see jiuzhu.model.limits)
    case_file_bytes = 1_000_000

    [store]                       # the settlement ledger (jiuzhu settle): a SQLAlchemy URL
    url = "sqlite:///jiuzhu.db"   # (default; relative to this file) or postgresql+psycopg://…

Reading is strict: an unknown key at any depth, a region that is not installed, or a value of the
wrong type (``compose_parents = "no"``) is one error line naming the key and the valid ones.
"""

from __future__ import annotations

import datetime as dt
import os
from pathlib import Path

import attrs

from jiuzhu.model.errors import InputError
from jiuzhu.plugins import BrokenRegion
from jiuzhu.model.limits import FIELDS, Limits
from jiuzhu.rules.deployment import Deployment
from jiuzhu.model.tomlio import load_toml

KEYS = {"region", "compose_parents", "parameters", "calendar", "templates", "conditions", "date_basis", "limits", "store",
        "service"}  # [service] is read by jiuzhu.service.config
CALENDAR_KEYS = {"years", "holidays", "workdays"}


def find_config(explicit: str | os.PathLike | None = None) -> Path | None:
    if explicit:
        return Path(explicit)
    env = os.environ.get("JIUZHU_CONFIG")
    if env:
        return Path(env)
    here = Path.cwd() / "jiuzhu.toml"
    return here if here.exists() else None


def load_config(path: str | os.PathLike | None = None) -> Deployment:
    p = find_config(path)
    if p is None:
        return Deployment()
    raw = load_toml(p, "config", max_bytes=Limits().case_file_bytes * 10)
    return parse_config(raw, p)


def _unknown(where: str, got, valid) -> None:
    extra = sorted(set(got) - set(valid), key=str)
    if extra:
        name = f"{where}.{extra[0]}" if where else str(extra[0])
        raise InputError(name, None, f"unknown configuration key; valid: {', '.join(sorted(valid)) or 'none'}")


def _table(raw: dict, key: str, what: str = "a table") -> dict:
    v = raw.get(key, {})
    if not isinstance(v, dict):
        raise InputError(key, v, f"expected {what}")
    return v


def parse_config(raw: dict, source: Path | None = None, regions=None) -> Deployment:
    """Read a deployment strictly: every key at every depth is known, every type is the expected one.

    ``regions`` (installed region codes) also checks the region names; :func:`check_deployment`
    does that and the parameter names against a live engine.
    """
    _unknown("", raw, KEYS)
    region = raw.get("region")
    if region is not None and not isinstance(region, str):
        raise InputError("region", region, "expected a region code such as 'wusheng'")
    compose = raw.get("compose_parents", True)
    if not isinstance(compose, bool):
        raise InputError("compose_parents", compose, "expected true or false (unquoted)")
    params = _table(raw, "parameters", "a table of [parameters.REGION] tables")
    for r, t in params.items():
        if not isinstance(t, dict):
            raise InputError(f"parameters.{r}", t, "expected a table of parameter = value; write [parameters."
                                                   f"{r}] and the parameters under it")
    cal = _table(raw, "calendar")
    _unknown("calendar", cal, CALENDAR_KEYS)
    years = cal.get("years", [])
    if not isinstance(years, list) or any(isinstance(y, bool) or not isinstance(y, int) for y in years):
        raise InputError("calendar.years", years, "expected a list of years, e.g. [2027]")
    tables = {}
    for key in ("templates", "conditions", "date_basis"):
        tables[key] = _table(raw, key)
    tables["store"] = _table(raw, "store")
    _unknown("store", tables["store"], {"url"})
    if "url" in tables["store"] and not isinstance(tables["store"]["url"], str):
        raise InputError("store.url", tables["store"]["url"], "expected a database URL such as sqlite:///jiuzhu.db")
    base = source.parent if source else Path.cwd()
    for r, t in tables["templates"].items():
        if not isinstance(t, dict):
            raise InputError(f"templates.{r}", t, "expected a table of form_id = \"path\"")
        for fid, v in t.items():
            if not isinstance(v, str) or not v:
                raise InputError(f"templates.{r}.{fid}", v, "expected the path of a .docx or .xlsx file")
    templates = {r: {k: str((base / v).resolve()) for k, v in t.items()} for r, t in tables["templates"].items()}
    for code, tags in tables["conditions"].items():
        # an empty list removes a built-in key (jiuzhu.model.conditions)
        if not isinstance(tags, list) or not all(isinstance(x, str) for x in tags):
            raise InputError(f"conditions.{code}", tags,
                             "expected a list of condition tags, e.g. [\"uremia\"] ([] removes the key)")

    def dates(key):
        out = []
        v = cal.get(key, [])
        if not isinstance(v, list):
            raise InputError(f"calendar.{key}", v, "expected a list of dates YYYY-MM-DD")
        for i, d in enumerate(v):
            if not isinstance(d, dt.date) or isinstance(d, dt.datetime):
                raise InputError(f"calendar.{key}[{i}]", d, "expected a date YYYY-MM-DD")
            out.append(d)
        return tuple(out)

    for r, basis in tables["date_basis"].items():
        if basis not in ("admission", "discharge"):
            raise InputError(f"date_basis.{r}", basis, "expected admission or discharge")
    limits = _limits(_table(raw, "limits"))
    if regions is not None:
        _check_regions(region, params, tables["templates"], tables["date_basis"], set(regions))
    return Deployment(region, compose, params, tuple(years), dates("holidays"), dates("workdays"), templates,
                      tables["conditions"], tables["date_basis"], source, limits, tables["store"])


def _limits(raw: dict) -> Limits:
    _unknown("limits", raw, FIELDS)
    for k, v in raw.items():
        if isinstance(v, bool) or not isinstance(v, int) or v <= 0:
            raise InputError(f"limits.{k}", v, "expected a whole number above 0")
    return Limits(**raw)


def _check_regions(region, params, templates, date_basis, known: set[str], broken: dict | None = None) -> None:
    valid = ", ".join(sorted(known)) or "none"
    for r in (region, *params, *templates, *date_basis):
        if r in (broken or {}) and r not in known:
            raise BrokenRegion(broken[r])  # installed but unusable: say why, not "unknown"
    if region is not None and region not in known:
        raise InputError("region", region, f"expected an installed region: {valid}")
    for key, table in (("parameters", params), ("templates", templates), ("date_basis", date_basis)):
        for r in table:
            if r not in known:
                raise InputError(f"{key}.{r}", None, f"unknown region; installed regions: {valid}")


def check_deployment(engine) -> None:
    """Check a deployment against the installed regions: region names, parameter names and values.

    Parameter overrides are applied now rather than at the first evaluation that needs them, so
    a misspelt or malformed setting fails before any work.
    """
    d = engine.deployment
    _check_regions(d.region, d.parameters, d.templates, d.date_basis, set(engine.host.regions), engine.host.broken)
    for code in d.parameters:
        engine.parameter_set(code)


# -- parameter overrides on the command line (--set REGION.PARAM[@YYYY-MM-DD]=VALUE) ---------------

SET_FORM = "REGION.PARAM=VALUE or REGION.PARAM@YYYY-MM-DD=VALUE"


def _set_value(text: str):
    """A --set value read as a TOML value (8000, true, [..], 2026-07-01), except that a decimal stays
    text so that yuan and rates are exact ("0.7" is not the float 0.7); anything else is text."""
    import tomllib
    try:
        v = tomllib.loads(f"v = {text}")["v"]
    except tomllib.TOMLDecodeError:
        return text
    return text if isinstance(v, float) else v


def parse_set(spec: str) -> tuple[str, str, dt.date | None, object]:
    """``fushun.inpatient_annual_cap=8000`` → (region, name, None, 8000); with ``@2026-07-01`` the
    date the value is in force from."""
    head, eq, value = spec.partition("=")
    region, dot, name = head.strip().partition(".")
    if not eq or not dot or not region or not name or not value.strip():
        raise InputError("--set", spec, f"expected {SET_FORM}")
    name, at, day = name.partition("@")
    start = None
    if at:
        try:
            start = dt.date.fromisoformat(day.strip())
        except ValueError:
            raise InputError(f"--set {region}.{name}", day, "expected a date YYYY-MM-DD after @") from None
    return region, name.strip(), start, _set_value(value.strip())


def with_overrides(engine, specs, source: str = "--set"):
    """A new engine whose deployment also carries ``specs`` (``--set`` strings or parsed tuples).

    An undated value holds on every date (it replaces the region's dated values and any
    ``jiuzhu.toml`` setting); a dated one holds from its date, the values in force before it are
    kept. Checked like ``jiuzhu.toml``: an unknown region or parameter names the valid ones, a
    value of the wrong form names what was expected; all before any evaluation."""
    from jiuzhu.rules.engine import Engine
    from jiuzhu.rules.params import convert
    d = engine.deployment
    params = {r: dict(t) for r, t in d.parameters.items()}
    known = set(engine.host.regions)
    dated: dict[tuple[str, str], list] = {}
    for spec in specs:
        region, name, start, value = parse_set(spec) if isinstance(spec, str) else spec
        if region not in known:
            if region in engine.host.broken:
                raise BrokenRegion(engine.host.broken[region])
            raise InputError(f"{source} {region}.{name}", None,
                             f"unknown region; installed regions: {', '.join(sorted(known)) or 'none'}")
        pset = engine.parameter_set(region)
        if name not in pset.params:
            import difflib
            near = difflib.get_close_matches(name, list(pset.params), n=3, cutoff=0.5)
            hint = f" did you mean {' or '.join(near)}?" if near else ""
            raise InputError(f"{source} {region}.{name}", None,
                             f"unknown parameter of {region};{hint} (all of them: jiuzhu params {region}) "
                             f"valid: {', '.join(sorted(pset.params))}")
        p = pset.params[name]
        convert(p.unit, value, f"{source} {region}.{name}", p.choices)  # the field as the user wrote it
        if start is None:
            params.setdefault(region, {})[name] = value
            dated.pop((region, name), None)
        else:
            dated.setdefault((region, name), []).append((start, value))
    for (region, name), items in dated.items():
        base = params.get(region, {}).get(name)
        if base is not None and not isinstance(base, list):  # an undated --set before the dated ones
            history = [{"from": dt.date(1900, 1, 1), "value": base}]
        else:
            history = [{"from": v.start, "value": v.raw} for v in engine.parameter_set(region).params[name].values]
        first = min(s for s, _ in items)
        kept = [h for h in history if h["from"] < first]
        by_day = {s: v for s, v in items}  # the last --set for a date wins
        params.setdefault(region, {})[name] = kept + [{"from": s, "value": v} for s, v in sorted(by_day.items())]
    new = Engine(engine.host, attrs.evolve(d, parameters=params), engine.strict)
    check_deployment(new)
    return new
