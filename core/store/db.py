"""Connecting to the ledger database and migrating it (SQLAlchemy 2 + Alembic).

URLs: ``sqlite:///path/jiuzhu.db`` (embedded; WAL journal; every writer serialised with
``BEGIN IMMEDIATE``) or ``postgresql+psycopg://user@host/db`` (psycopg 3; ``postgresql://`` is
read as psycopg too). Where a URL comes from: ``--db``, then ``JIUZHU_DB``, then ``[store] url``
in ``jiuzhu.toml``, else ``sqlite:///jiuzhu.db`` beside ``jiuzhu.toml`` (or in the working folder).
"""

from __future__ import annotations

import contextlib
import os
import re
import threading
import weakref
from collections import deque
from pathlib import Path

try:
    import fcntl
except ImportError:  # not POSIX: the process's own queue only
    fcntl = None

import sqlalchemy as sa
from sqlalchemy import event

from jiuzhu.model.errors import JiuzhuError

MIGRATIONS = Path(__file__).parent / "migrations"


class StoreError(JiuzhuError):
    """The ledger database cannot be used as asked (missing schema, old revision, unreachable)."""


def resolve_url(explicit: str | None = None, deployment=None) -> str:
    """The ledger URL: ``--db``, ``JIUZHU_DB``, ``[store] url``, else ``sqlite:///jiuzhu.db`` beside the config."""
    return resolve(explicit, deployment)[0]


def url_source(explicit: str | None = None, deployment=None) -> str:
    """Where the URL came from, as the field an error line names: ``--db``, ``JIUZHU_DB`` or ``store.url``."""
    if explicit:
        return "--db"
    if os.environ.get("JIUZHU_DB"):
        return "JIUZHU_DB"
    return "store.url" if deployment is not None and deployment.store.get("url") else "--db"


def resolve(explicit: str | None = None, deployment=None) -> tuple[str, str]:
    """``(url, source)``: the ledger URL and the field it came from (see :func:`url_source`)."""
    return _resolve(explicit, deployment), url_source(explicit, deployment)


def _resolve(explicit, deployment) -> str:
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


_PASSWORD = re.compile(r"(://[^:/@?#]*:)[^@]*@")


def without_password(text: str) -> str:
    """``scheme://user:secret@host`` → ``scheme://user:***@host`` wherever it occurs in ``text``."""
    return _PASSWORD.sub(r"\1***@", str(text))


def shown(url) -> str:
    """A URL fit for an error line: the password hidden."""
    try:
        return sa.make_url(str(url)).render_as_string(hide_password=True)
    except Exception:
        return "<database URL>"


def reason(exc: BaseException) -> str:
    """The database's own first line about a failure (no password, one bounded line), e.g.
    ``unable to open database file`` or ``connection failed: … Connection refused``."""
    from jiuzhu.model.redact import one_line
    orig = getattr(exc, "orig", None) or exc
    first = (str(orig).strip().splitlines() or [type(orig).__name__])[0]
    return one_line(without_password(first), 200)


# psycopg 3 is the one PostgreSQL driver jiuzhu installs; pysqlite is Python's own.
DRIVERS = {"sqlite": "sqlite", "sqlite+pysqlite": "sqlite", "postgresql": "postgresql+psycopg",
           "postgres": "postgresql+psycopg", "postgresql+psycopg": "postgresql+psycopg"}


def make_engine(url: str, source: str = "--db", pool_size: int | None = None) -> sa.Engine:
    """An engine for ``url``. ``pool_size``: connections kept open (SQLAlchemy's default, 5, else),
    as many again opened for a burst; size it to the threads that use the engine at once, or each
    burst above it opens and closes connections (on PostgreSQL a new server process each time)."""
    try:
        u = sa.make_url(url)
    except Exception:
        raise JiuzhuError(f"{source}: expected a database URL such as sqlite:///jiuzhu.db or "
                          f"postgresql+psycopg://user@host/db (got {without_password(url)!r})") from None
    if u.drivername not in DRIVERS:
        if u.get_backend_name() in ("sqlite", "postgresql"):
            raise JiuzhuError(f"{source}: unsupported driver {u.drivername!r}; use sqlite:/// or "
                              f"postgresql+psycopg:// (psycopg 3)")
        raise JiuzhuError(f"{source}: unsupported database {u.get_backend_name()!r}; use sqlite:/// or "
                          f"postgresql+psycopg://")
    u = u.set(drivername=DRIVERS[u.drivername])
    pool = {} if pool_size is None else {"pool_size": pool_size, "max_overflow": pool_size}
    if u.get_backend_name() == "sqlite":
        args = {"timeout": 60}
        if _in_memory(u.database):
            # an in-memory database lives in its connection: one connection for every thread (a
            # connection per thread would be a database per thread), used by one thread at a time
            # (reads queue with the writers, see reading())
            pool, args["check_same_thread"] = {"poolclass": sa.pool.StaticPool}, False
        elif u.database.startswith("file:"):
            pool = {}  # SQLAlchemy's own pool for URI file names
        # hide_parameters: SQL errors never carry ID numbers or names into an error line
        eng = sa.create_engine(u, hide_parameters=True, connect_args=args, **pool)

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
            if conn.get_execution_options().get(READ_ONLY):
                conn.exec_driver_sql("BEGIN")  # a reader: a WAL snapshot, no write lock
            else:
                conn.exec_driver_sql("BEGIN IMMEDIATE")  # one writer at a time, taken up front: no upgrade deadlock

        _WRITERS[eng] = WriterLock(u.database)
        _ENGINES.add(eng)
        return eng
    eng = sa.create_engine(u, hide_parameters=True, pool_pre_ping=True, **pool)
    _ENGINES.add(eng)
    return eng


# -- writers queue instead of polling ------------------------------------------------------------
#
# SQLite has one write lock per database file. A writer that finds it taken is put to sleep by
# SQLite's busy handler (1, 2, 5, 10 … up to 100 ms between attempts) while newcomers may take the
# lock in between: with 32 HTTP clients the unlucky ones waited seconds (wrk timeouts at 2 s).
# jiuzhu's own writers therefore queue before BEGIN IMMEDIATE: first in a first-in-first-out lock
# of the process (one thread per process asks for the file), then on an flock(2) of a lock file
# beside the database (``jiuzhu.db-writer``; the kernel wakes the next process the moment the lock
# is released, and releases it if its holder dies). BEGIN IMMEDIATE and the busy timeout stay, for
# writers that are not jiuzhu (the sqlite3 shell, a backup). PostgreSQL needs none of this: its
# settlements wait on the row lock of their person-year only.

READ_ONLY = "jiuzhu_read_only"  # execution option: a SQLite transaction that only reads (BEGIN DEFERRED)


class FifoLock:
    """A lock handed to its waiters in arrival order (threading.Lock wakes an arbitrary one)."""

    def __init__(self):
        self._mutex = threading.Lock()
        self._held = False
        self._waiters: deque = deque()

    def acquire(self) -> None:
        with self._mutex:
            if not self._held:
                self._held = True
                return
            turn = threading.Lock()
            turn.acquire()
            self._waiters.append(turn)
        turn.acquire()  # released by the holder handing the lock over: _held stays True

    def release(self) -> None:
        with self._mutex:
            if not self._held:
                raise RuntimeError("release of an unheld FifoLock")
            if self._waiters:
                self._waiters.popleft().release()
            else:
                self._held = False

    def locked(self) -> bool:
        return self._held

    def __enter__(self):
        self.acquire()
        return self

    def __exit__(self, *exc):
        self.release()


def _in_memory(database: str | None) -> bool:
    return not database or database == ":memory:"


class WriterLock:
    """The queue jiuzhu's writers of one SQLite file wait in (see above); re-entrant per thread."""

    def __init__(self, database: str | None):
        self.memory = _in_memory(database)
        # absolute: the file SQLite opens (it makes a relative name absolute when the engine is made)
        self.path = None if fcntl is None or self.memory or database.startswith("file:") \
            else os.path.abspath(f"{database}-writer")
        self._fresh()

    def _forked(self) -> None:
        """In a forked child: let go of the parent's lock file (closing this copy leaves the parent's
        flock as it is; kept open, it would hold a lock its dead parent took until the child exits)."""
        if self._fd is not None:
            with contextlib.suppress(OSError):
                os.close(self._fd)
        self._fresh()

    def _fresh(self) -> None:
        # per process: a forked child shares the parent's open file (and so its flock) and may have
        # copied a lock held by another thread; it starts its own queue and opens its own file
        self._pid = os.getpid()
        self.fifo = FifoLock()
        self._fd: int | None = None
        self._owner: int | None = None

    @contextlib.contextmanager
    def __call__(self):
        if self._pid != os.getpid():
            self._forked()
        me = threading.get_ident()
        if self._owner == me:  # a write nested in a write of the same thread
            yield
            return
        self.fifo.acquire()
        try:
            if self.path is not None:
                if self._fd is None:  # flock needs no write access: readable is enough
                    try:
                        self._fd = os.open(self.path, os.O_RDONLY | os.O_CREAT | os.O_CLOEXEC | os.O_NONBLOCK, 0o644)
                    except OSError as exc:
                        raise StoreError(f"database: cannot open its writer lock file {self.path} "
                                         f"({exc.strerror})") from None
                fcntl.flock(self._fd, fcntl.LOCK_EX)
            self._owner = me
            try:
                yield
            finally:
                self._owner = None
                if self.path is not None:
                    fcntl.flock(self._fd, fcntl.LOCK_UN)
        finally:
            self.fifo.release()


_WRITERS: "weakref.WeakKeyDictionary[sa.Engine, WriterLock]" = weakref.WeakKeyDictionary()
_ENGINES: "weakref.WeakSet[sa.Engine]" = weakref.WeakSet()


def _after_fork_in_child() -> None:
    """A forked child opens connections and a writer lock file of its own: a pooled connection
    used by both processes mixes their messages (PostgreSQL) or their locks (SQLite), and the
    parent's lock file kept open keeps the parent's flock alive after the parent dies."""
    for eng in list(_ENGINES):
        lock = _WRITERS.get(eng)
        if lock is None or not lock.memory:  # an in-memory database is the child's own copy: kept
            eng.dispose(close=False)  # the parent's connections stay the parent's
    for lock in list(_WRITERS.values()):
        if lock._pid != os.getpid():
            lock._forked()


if hasattr(os, "register_at_fork"):
    os.register_at_fork(after_in_child=_after_fork_in_child)


def writer(engine: sa.Engine):
    """A context in which this thread is the process's (and, for SQLite, the machine's) one jiuzhu
    writer of ``engine``'s database: ``with db.writer(engine), engine.begin() as conn: …``.
    PostgreSQL: no queue (row locks order its writers)."""
    lock = _WRITERS.get(engine)
    return lock() if lock is not None else contextlib.nullcontext()


def writer_busy(engine: sa.Engine) -> bool:
    """Whether another thread of this process holds or waits for ``engine``'s writer queue (SQLite)."""
    lock = _WRITERS.get(engine)
    return lock is not None and lock._pid == os.getpid() and lock.fifo.locked()


def in_memory(engine: sa.Engine) -> bool:
    """Whether ``engine`` is an in-memory SQLite database (``sqlite://``)."""
    lock = _WRITERS.get(engine)
    return lock is not None and lock.memory


def reading(engine: sa.Engine):
    """A connection for reads only: on SQLite a deferred transaction, which takes no write lock
    (an in-memory database's one connection: in the writers' queue)."""
    lock = _WRITERS.get(engine)
    if lock is not None and lock.memory:
        return _queued_reading(engine)
    return engine.connect().execution_options(**{READ_ONLY: True})


@contextlib.contextmanager
def _queued_reading(engine: sa.Engine):
    with writer(engine), engine.connect().execution_options(**{READ_ONLY: True}) as conn:
        yield conn


def _alembic_config(conn):
    from alembic.config import Config
    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    cfg.attributes["connection"] = conn
    return cfg


def _scripts():
    from alembic.config import Config
    from alembic.script import ScriptDirectory
    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    return ScriptDirectory.from_config(cfg)


def head() -> str:
    return _scripts().get_current_head()


def known(revision: str) -> bool:
    """Whether ``revision`` is one of this jiuzhu's migrations (a newer jiuzhu's is not)."""
    return any(s.revision == revision for s in _scripts().walk_revisions())


def unknown_revision(url, revision: str) -> StoreError:
    return StoreError(f"database {shown(url)}: schema at revision {revision}, unknown to this jiuzhu (head "
                      f"{head()}); it was written by a newer jiuzhu: run that version, never an older one")


def current(engine: sa.Engine) -> str | None:
    from alembic.runtime.migration import MigrationContext
    try:
        with engine.connect() as conn:
            return MigrationContext.configure(conn).get_current_revision()
    except sa.exc.DBAPIError as exc:
        raise StoreError(f"database {shown(engine.url)}: cannot connect ({reason(exc)})") from None


def upgrade(engine: sa.Engine) -> None:
    from alembic import command
    have = current(engine)
    if have is not None and not known(have):
        raise unknown_revision(engine.url, have)
    try:
        with engine.begin() as conn:
            command.upgrade(_alembic_config(conn), "head")
    except sa.exc.DBAPIError as exc:
        raise StoreError(f"database {shown(engine.url)}: cannot migrate to {head()} ({reason(exc)}); "
                         f"is it a jiuzhu ledger?") from None
