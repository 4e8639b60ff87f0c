"""The deployment (部署配置) the engine runs under: parameters, calendar, templates, conditions.

Read from ``jiuzhu.toml`` by :mod:`jiuzhu.io.config`; the engine only sees this value.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import attrs

from jiuzhu.model.limits import Limits


@attrs.frozen
class Deployment:
    region: str | None = None
    compose_parents: bool = True
    parameters: dict = attrs.field(factory=dict, hash=False)
    calendar_years: tuple[int, ...] = ()
    holidays: tuple[dt.date, ...] = ()
    workdays: tuple[dt.date, ...] = ()
    templates: dict = attrs.field(factory=dict, hash=False)
    conditions: dict = attrs.field(factory=dict, hash=False)
    date_basis: dict = attrs.field(factory=dict, hash=False)  # region -> admission / discharge
    source: Path | None = None
    limits: Limits = Limits()  # [limits]: bounds on inputs and templates
    store: dict = attrs.field(factory=dict, hash=False)  # [store] url = ... (the settlement ledger)
