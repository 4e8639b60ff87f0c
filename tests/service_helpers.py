"""Shared pieces of the service tests: an engine on the example deployment, tokens of each role,
and an in-memory stand-in with the settlement store's interface (jiuzhu.store.Store)."""

from __future__ import annotations

import copy
import datetime as dt
import json
from pathlib import Path

import attrs

from jiuzhu.io.config import load_config
from jiuzhu.io.loader import load_case, unstructure_case
from jiuzhu.io.report import to_json
from jiuzhu.model.errors import InputError
from jiuzhu.rules.engine import Engine
from jiuzhu.service.auth import digest, parse_tokens

ROOT = Path(__file__).resolve().parents[1]
FUSHUN = ROOT / "plugins" / "fushun" / "examples" / "dibao-inpatient.toml"
WUSHENG = ROOT / "plugins" / "wusheng" / "examples" / "ws-01-in-county-township.toml"

TOKENS = {  # name → (token, entry)
    "fs-his": ("tok-fs-his", {"role": "hospital", "region": "fushun", "facility": "H21040200001"}),
    "fs-other-his": ("tok-fs-other", {"role": "hospital", "region": "fushun", "facility": "H21040200002"}),
    "fs-mz": ("tok-fs-mz", {"role": "civil_affairs", "region": "fushun"}),
    "ws-mz": ("tok-ws-mz", {"role": "civil_affairs", "region": "wusheng"}),
    "ga-mz": ("tok-ga-mz", {"role": "civil_affairs", "region": "guangan"}),
    "analyst": ("tok-analyst", {"role": "analyst"}),
}


def auth(name: str) -> dict:
    return {"Authorization": f"Bearer {TOKENS[name][0]}"}


def tokens():
    return parse_tokens({n: {"hash": digest(t), **e} for n, (t, e) in TOKENS.items()})


def engine() -> Engine:
    return Engine(deployment=load_config(ROOT / "examples" / "jiuzhu.toml"))


def case_json(path: Path = FUSHUN) -> dict:
    return json.loads(json.dumps(unstructure_case(load_case(path))))


@attrs.frozen
class FakeSettlement:
    key: str
    replay: bool
    outcome: object
    outcome_json: dict
    region: str
    facility_code: str | None
    id_number: str
    year: int
    recorded_at: dt.datetime
    actor: str | None
    reversed: bool = False


class FakeConflict(InputError):
    def __init__(self, key):
        super().__init__("id", key, "a settlement with this key was recorded with different content")
        self.http_status, self.http_kind = 409, "settlement-conflict"


@attrs.frozen
class FakeReversal:
    key: str
    review: tuple = ()


class FakeStore:
    """The store's interface, in memory: key = case id; same content → replay, else conflict."""

    def __init__(self):
        self.rows: dict[str, tuple[str, FakeSettlement]] = {}

    def settle(self, engine, case, region=None, actor=None):
        key = case.id or "no-id"
        content = json.dumps(unstructure_case(case), sort_keys=True, ensure_ascii=False)
        if key in self.rows:
            old_content, s = self.rows[key]
            if old_content != content:
                raise FakeConflict(key)
            return attrs.evolve(s, replay=True)
        o = engine.evaluate(case, region)
        s = FakeSettlement(key, False, o, to_json(o), o.region, getattr(case.facility, "code", None) or None,
                           case.person.id_number, case.episode.day.year, dt.datetime(2026, 5, 1, 8, 0), actor)
        self.rows[key] = (content, s)
        return s

    def get(self, key):
        row = self.rows.get(key)
        return None if row is None else row[1]

    def reverse(self, key, reason, actor=None):
        content, s = self.rows[key]
        self.rows[key] = (content, attrs.evolve(s, reversed=True))
        self.reversals = getattr(self, "reversals", []) + [(key, reason, actor)]
        return FakeReversal(key, ())

    def usage(self, id_number, year, region=None):
        class U:
            def to_dict(self_inner):
                return {"id_number": id_number, "year": year, "region": region, "programs": {}}
        return U()

    def settlements(self, region, month, facility_code=None):
        return [s for _, s in self.rows.values() if s.region == region
                and (facility_code is None or s.facility_code == facility_code)]


def with_facility(raw: dict, code: str | None) -> dict:
    raw = copy.deepcopy(raw)
    if code is not None:
        raw["facility"]["code"] = code
    return raw
