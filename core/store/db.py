"""Connecting to the ledger database and migrating it (SQLAlchemy 2 + Alembic).

URLs: ``sqlite:///path/jiuzhu.db`` (embedded; WAL journal; every writer serialised with
``BEGIN IMMEDIATE``) or ``postgresql+psycopg://user@host/db`` (psycopg 3; ``postgresql://`` is
read as psycopg too). Where a URL comes from: ``--db``, then ``JIUZHU_DB``, then ``[store] url``
in ``jiuzhu.toml``, else ``sqlite:///jiuzhu.db`` beside ``jiuzhu.toml`` (or in the working folder).
"""

from __future__ import annotations

import os
from pathlib import Path

import sqlalchemy as sa
from sqlalchemy import event

from jiuzhu.model.errors import JiuzhuError

MIGRATIONS = Path(__file__).parent / "migrations"


class StoreError(JiuzhuError):
    """The ledger database cannot be used as asked (missing schema, old revision, unreachable)."""


def resolve_url(explicit: str | None = None, deployment=None) -> str:
    """The ledger URL: ``--db``, ``JIUZHU_DB``, ``[store] url``, else ``sqlite:///jiuzhu.db`` beside the config."""
    base = deployment.source.parent if deployment is not None and deployment.source else Path.cwd()
    url = explicit or os.environ.get("JIUZHU_DB") or (deployment.store.get("url") if deployment is not None else None)
    if not url:
        return f"sqlite:///{(base / 'jiuzhu.db').resolve()}"
    if not isinstance(url, str):
        raise JiuzhuError(f"store.url: expected a database URL such as sqlite:///jiuzhu.db (got {url!r})")
    if url.startswith("sqlite:///") and not explicit and not os.environ.get("JIUZHU_DB"):
        path = url[len("sqlite:///"):]
        if path and path != ":memory:" and not Path(path).is_absolute():  # relative to jiuzhu.toml
            url = f"sqlite:///{(base / path).resolve()}"
    return url


def shown(url) -> str:
    """A URL fit for an error line: the password hidden."""
    try:
        return sa.make_url(str(url)).render_as_string(hide_password=True)
    except Exception:
        return "<database URL>"


def make_engine(url: str) -> sa.Engine:
    try:
        u = sa.make_url(url)
    except Exception:
        raise JiuzhuError(f"--db: expected a database URL such as sqlite:///jiuzhu.db or "
                          f"postgresql+psycopg://user@host/db (got {url!r})") from None
    if u.drivername == "postgresql" or u.drivername == "postgres":
        u = u.set(drivername="postgresql+psycopg")
    if u.get_backend_name() == "sqlite":
        # hide_parameters: SQL errors never carry ID numbers or names into an error line
        eng = sa.create_engine(u, hide_parameters=True, connect_args={"timeout": 60})

        @event.listens_for(eng, "connect")
        def _sqlite_connect(dbapi, _rec):
            dbapi.isolation_level = None  # jiuzhu issues BEGIN itself (pysqlite's own is deferred)
            cur = dbapi.cursor()
            cur.execute("PRAGMA journal_mode=WAL")
            cur.execute("PRAGMA foreign_keys=ON")
            # WAL + NORMAL: a commit is atomic and survives a killed process; after a power cut the
            # last commits may be rolled back whole (a hospital re-sending its key then settles it
            # again, exactly once). JIUZHU_SQLITE_SYNCHRONOUS=FULL syncs every commit instead.
            sync = os.environ.get("JIUZHU_SQLITE_SYNCHRONOUS", "NORMAL").upper()
            cur.execute(f"PRAGMA synchronous={sync if sync in ('NORMAL', 'FULL', 'EXTRA') else 'NORMAL'}")
            cur.execute("PRAGMA busy_timeout=60000")
            cur.close()

        @event.listens_for(eng, "begin")
        def _sqlite_begin(conn):
            conn.exec_driver_sql("BEGIN IMMEDIATE")  # one writer at a time, taken up front: no upgrade deadlock

        return eng
    if u.get_backend_name() == "postgresql":
        return sa.create_engine(u, hide_parameters=True, pool_pre_ping=True)
    raise JiuzhuError(f"--db: unsupported database {u.get_backend_name()!r}; use sqlite:/// or postgresql+psycopg://")


def _alembic_config(conn):
    from alembic.config import Config
    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    cfg.attributes["connection"] = conn
    return cfg


def head() -> str:
    from alembic.script import ScriptDirectory
    from alembic.config import Config
    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    return ScriptDirectory.from_config(cfg).get_current_head()


def current(engine: sa.Engine) -> str | None:
    from alembic.runtime.migration import MigrationContext
    with engine.connect() as conn:
        return MigrationContext.configure(conn).get_current_revision()


def upgrade(engine: sa.Engine) -> None:
    from alembic import command
    with engine.begin() as conn:
        command.upgrade(_alembic_config(conn), "head")
