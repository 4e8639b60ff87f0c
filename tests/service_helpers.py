"""Shared pieces of the service tests: an engine on the example deployment, tokens of each role,
and a throwaway SQLite ledger."""

from __future__ import annotations

import copy
import json
from pathlib import Path

from jiuzhu.io.config import load_config
from jiuzhu.io.loader import load_case, unstructure_case
from jiuzhu.rules.engine import Engine
from jiuzhu.service.auth import digest, parse_tokens

ROOT = Path(__file__).resolve().parents[1]
FUSHUN = ROOT / "plugins" / "fushun" / "examples" / "dibao-inpatient.toml"
WUSHENG = ROOT / "plugins" / "wusheng" / "examples" / "ws-01-in-county-township.toml"

TOKENS = {  # name → (token, entry)
    "fs-his": ("tok-fs-his", {"role": "hospital", "region": "fushun", "facility": "H21042100001"}),
    "fs-other-his": ("tok-fs-other", {"role": "hospital", "region": "fushun", "facility": "H21042100002"}),
    "fs-mz": ("tok-fs-mz", {"role": "civil_affairs", "region": "fushun"}),
    "ws-mz": ("tok-ws-mz", {"role": "civil_affairs", "region": "wusheng"}),
    "ws-his": ("tok-ws-his", {"role": "hospital", "region": "wusheng", "facility": "H51162210001"}),
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


def sqlite_store(folder: Path):
    """A migrated SQLite ledger in ``folder``."""
    from jiuzhu.store import Store
    return Store.open(f"sqlite:///{folder / 'jiuzhu.db'}", upgrade=True)


def with_facility(raw: dict, code: str | None) -> dict:
    raw = copy.deepcopy(raw)
    if code is not None:
        raw["facility"]["code"] = code
    return raw
