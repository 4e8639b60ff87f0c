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
"""

from __future__ import annotations

import datetime as dt
import os
from pathlib import Path

from jiuzhu.model.errors import InputError
from jiuzhu.rules.deployment import Deployment
from jiuzhu.model.tomlio import load_toml

KEYS = {"region", "compose_parents", "parameters", "calendar", "templates", "conditions", "date_basis",
        "service"}  # [service] is read by jiuzhu.service.config


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
    raw = load_toml(p, "config")
    return parse_config(raw, p)


def parse_config(raw: dict, source: Path | None = None) -> Deployment:
    unknown = set(raw) - KEYS
    if unknown:
        k = sorted(unknown)[0]
        raise InputError(k, None, f"unknown configuration key; valid: {', '.join(sorted(KEYS))}")
    region = raw.get("region")
    if region is not None and not isinstance(region, str):
        raise InputError("region", region, "expected a region code such as 'wusheng'")
    cal = raw.get("calendar", {})
    for key in ("parameters", "templates", "conditions", "date_basis"):
        if not isinstance(raw.get(key, {}), dict):
            raise InputError(key, None, "expected a table")
    base = source.parent if source else Path.cwd()
    templates = {r: {k: str((base / v).resolve()) for k, v in t.items()} for r, t in raw.get("templates", {}).items()}

    def dates(key):
        out = []
        for i, v in enumerate(cal.get(key, [])):
            if not isinstance(v, dt.date):
                raise InputError(f"calendar.{key}[{i}]", v, "expected a date YYYY-MM-DD")
            out.append(v)
        return tuple(out)

    for r, basis in raw.get("date_basis", {}).items():
        if basis not in ("admission", "discharge"):
            raise InputError(f"date_basis.{r}", basis, "expected admission or discharge")
    return Deployment(region, bool(raw.get("compose_parents", True)), raw.get("parameters", {}),
                      tuple(cal.get("years", ())), dates("holidays"), dates("workdays"), templates,
                      raw.get("conditions", {}), raw.get("date_basis", {}), source)
