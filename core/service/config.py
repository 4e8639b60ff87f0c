"""The ``[service]`` table of ``jiuzhu.toml`` and building the app from a deployment::

    [service.tokens.zhongxin-his]   # see jiuzhu.service.auth
    hash = "sha256:…"
    role = "hospital"
    region = "wusheng"
    facility = "H51162200017"
"""

from __future__ import annotations

from jiuzhu.io.config import find_config, parse_config
from jiuzhu.model.errors import InputError
from jiuzhu.model.tomlio import load_toml
from jiuzhu.rules.engine import Engine
from jiuzhu.service.auth import Tokens, parse_tokens


def service_table(raw: dict) -> dict:
    svc = raw.get("service", {})
    if not isinstance(svc, dict):
        raise InputError("service", None, "expected a table with tokens")
    extra = set(svc) - {"tokens"}
    if extra:
        raise InputError(f"service.{sorted(extra)[0]}", None, "unknown key; expected tokens")
    return svc


def load(config_path: str | None = None, db: str | None = None) -> tuple[Engine, Tokens, str]:
    """The engine, the tokens and the ledger URL of a deployment (as ``jiuzhu settle`` finds it)."""
    p = find_config(config_path)
    raw = load_toml(p, "config") if p is not None else {}
    engine = Engine(deployment=parse_config(raw, p))
    svc = service_table(raw)
    tokens = parse_tokens(svc.get("tokens", {}), set(engine.host.regions))
    from jiuzhu.store import resolve_url
    return engine, tokens, resolve_url(db, engine.deployment)  # --db, $JIUZHU_DB, [store] url, ./jiuzhu.db


def open_store(url: str, upgrade: bool = False):
    from jiuzhu.service.settlements import STORE_THREADS
    from jiuzhu.store import Store
    # a connection kept open for each thread that may use the store at once (see settlements.py)
    return Store.open(url, upgrade=upgrade, pool_size=STORE_THREADS)


def build(config_path: str | None = None, db: str | None = None):
    from jiuzhu.service.app import create_app
    engine, tokens, url = load(config_path, db)
    return create_app(engine, tokens, open_store(url))
