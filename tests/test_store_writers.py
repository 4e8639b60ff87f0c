"""How the ledger's writers wait for each other: the FIFO and flock queue of SQLite writers, the
evaluation before the lock (re-done under it when the person-year moved), read-only connections.

Amounts: a Fushun dibao claim with 8,500 in scope and 4,500 paid by basic insurance is
(8,500 − 4,500) × 60 % = 2,400.00 of inpatient assistance (抚政办发〔2014〕67号 §四(二)); the
5,000.00 annual cap lets 2,400 + 2,400 + 200 through, then 0.
"""

import subprocess
import sys
import threading
import time

import pytest
import sqlalchemy as sa

from jiuzhu.rules.engine import Engine
from jiuzhu.store import Store, StoreError
from jiuzhu.store import db
from jiuzhu.store.db import FifoLock
from store_support import PERSON, fushun_case

CLAIM = ("2025-05-01", "2025-05-10", "8500", "4500")


def _wait_until(cond, seconds=10.0):
    deadline = time.time() + seconds
    while not cond():
        assert time.time() < deadline, "timed out"
        time.sleep(0.001)


def test_fifo_lock_hands_over_in_arrival_order():
    lock, order = FifoLock(), []
    lock.acquire()

    def waiter(i):
        with lock:
            order.append(i)

    threads = []
    for i in range(6):
        t = threading.Thread(target=waiter, args=(i,))
        t.start()
        threads.append(t)
        _wait_until(lambda: len(lock._waiters) == i + 1)  # queued before the next one starts
    lock.release()
    for t in threads:
        t.join(10)
    assert order == [0, 1, 2, 3, 4, 5]
    assert not lock.locked()
    with pytest.raises(RuntimeError):
        lock.release()


def _flock_free(path) -> bool:
    """Whether another process can take the writer lock file at once."""
    code = ("import fcntl, os, sys; fd = os.open(sys.argv[1], os.O_RDONLY)\n"
            "try:\n    fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)\nexcept BlockingIOError:\n    sys.exit(1)\n")
    return subprocess.run([sys.executable, "-c", code, str(path)]).returncode == 0


def test_sqlite_writer_lock_is_released_on_error(tmp_path):
    store = Store.open(f"sqlite:///{tmp_path / 'jiuzhu.db'}", upgrade=True)
    lockfile = tmp_path / "jiuzhu.db-writer"
    with pytest.raises(ZeroDivisionError):
        with db.writer(store.engine):
            assert lockfile.exists() and not _flock_free(lockfile)  # held against other processes
            1 / 0
    assert _flock_free(lockfile)
    # and the process's own queue: another thread gets in at once
    got = threading.Event()
    t = threading.Thread(target=lambda: (db.writer(store.engine).__enter__(), got.set()))
    t.start()
    t.join(10)
    assert got.is_set()


def test_a_failed_settlement_releases_the_writers(db_url):
    """A statement failing inside the transaction: nothing recorded, and the next settlement of
    another thread proceeds (it would wait forever on a lock left behind)."""
    store, eng = Store.open(db_url), Engine()

    @sa.event.listens_for(store.engine, "before_execute")
    def fail(conn, clause, *args):
        if getattr(clause, "table", None) is not None and clause.table.name == "settlements" and clause.is_insert:
            raise sa.exc.OperationalError("INSERT", {}, Exception("disk I/O error"))

    with pytest.raises(StoreError):
        store.settle(eng, fushun_case("F-1", *CLAIM))
    sa.event.remove(store.engine, "before_execute", fail)
    out = {}
    t = threading.Thread(target=lambda: out.setdefault("s", store.settle(eng, fushun_case("F-2", *CLAIM))))
    t.start()
    t.join(60)
    assert out["s"].assistance == 240000  # the first claim of the year: 2,400.00
    assert store.get("F-1") is None


def test_threads_of_one_process_never_exceed_the_cap(db_url):
    """12 threads settle 12 claims for one person at once: 2,400 + 2,400 + 200, then 0, whatever the order."""
    store, eng = Store.open(db_url, pool_size=4), Engine()
    eng.evaluate(fushun_case("warm", *CLAIM))
    _twelve_at_once(store, eng, "T")


def test_sqlite_evaluation_before_the_lock_is_redone_when_the_year_moved(tmp_path):
    """The settlement is evaluated against the year-to-date read without a lock (0 → 2,400.00); before
    it takes the lock, two settlements of the same person commit (4,800.00). Under the lock it sees
    the moved year-to-date and evaluates again: 200.00 (5,000 − 4,800), not 2,400.00."""
    store, eng = Store.open(f"sqlite:///{tmp_path / 'jiuzhu.db'}", upgrade=True), Engine()
    store.optimistic = True  # as when other threads are writing
    real, calls = eng.evaluate, []

    def evaluate(case, *a, **k):
        calls.append(case.id)
        if case.id == "LATE" and len(calls) == 1:  # the evaluation outside the lock
            store.settle(eng, fushun_case("EARLY-1", *CLAIM))
            store.settle(eng, fushun_case("EARLY-2", *CLAIM))
        return real(case, *a, **k)

    eng.evaluate = evaluate
    late = store.settle(eng, fushun_case("LATE", *CLAIM))
    assert calls.count("LATE") == 2  # once before the lock, once under it
    assert late.assistance == 20000 and late.ytd == {"inpatient_assistance": 480000} and late.admissions == 2
    # a second settlement whose year did not move is evaluated once
    calls.clear()
    store.settle(eng, fushun_case("NEXT", *CLAIM))
    assert calls == ["NEXT"]


def test_sqlite_reads_take_no_write_lock(tmp_path):
    """While another connection holds the write lock (BEGIN IMMEDIATE), reading a settlement and a
    person's usage answer at once instead of waiting for it."""
    url = f"sqlite:///{tmp_path / 'jiuzhu.db'}"
    store, eng = Store.open(url, upgrade=True), Engine()
    store.settle(eng, fushun_case("R-1", *CLAIM))
    import sqlite3
    other = sqlite3.connect(str(tmp_path / "jiuzhu.db"), isolation_level=None)
    other.execute("BEGIN IMMEDIATE")
    try:
        t = time.perf_counter()
        assert store.get("R-1").assistance == 240000
        assert store.usage(PERSON["id_number"], 2025, "fushun").programs
        assert time.perf_counter() - t < 5  # the busy timeout is 60 s
    finally:
        other.execute("ROLLBACK")
        other.close()


def test_pool_size_keeps_connections_open(db_url):
    store = Store.open(db_url, pool_size=7)
    assert store.engine.pool.size() == 7


def test_sqlite_lone_writer_evaluates_under_the_lock_and_others_before_it(tmp_path):
    """No other writer in the process: evaluated once, under the lock. Another thread holding the
    writer queue: evaluated before the lock (and not again: the person-year did not move)."""
    store, eng = Store.open(f"sqlite:///{tmp_path / 'jiuzhu.db'}", upgrade=True), Engine()
    real, seen = eng.evaluate, []

    def evaluate(case, *a, **k):
        seen.append(db.writer_busy(store.engine) and store.engine in db._WRITERS
                    and db._WRITERS[store.engine]._owner == threading.get_ident())
        return real(case, *a, **k)

    eng.evaluate = evaluate
    store.settle(eng, fushun_case("ALONE", *CLAIM))
    assert seen == [True]  # under the lock, held by this thread
    seen.clear()
    held, release = threading.Event(), threading.Event()

    def holder():
        with db.writer(store.engine):
            held.set()
            release.wait(30)

    t = threading.Thread(target=holder)
    t.start()
    held.wait(10)
    done = threading.Thread(target=lambda: store.settle(eng, fushun_case("QUEUED", *CLAIM)))
    done.start()
    _wait_until(lambda: len(seen) == 1)  # evaluated while the other thread holds the queue
    assert seen == [False]
    release.set()
    t.join(10)
    done.join(30)
    assert seen == [False] and store.get("QUEUED").assistance == 240000  # 2,400 + 2,400 ≤ 5,000


def test_a_failing_read_before_the_lock_is_one_line(tmp_path):
    """The year-to-date read before the lock fails (a disk error): the settlement is refused with
    the store's one-line error, like a failure under the lock, and nothing is recorded."""
    store, eng = Store.open(f"sqlite:///{tmp_path / 'jiuzhu.db'}", upgrade=True), Engine()
    store.optimistic = True

    @sa.event.listens_for(store.engine, "before_cursor_execute")
    def fail(conn, cursor, statement, *args):
        if statement.lstrip().startswith("SELECT (SELECT person_years.ytd_json"):
            import sqlite3
            raise sqlite3.OperationalError("disk I/O error")

    with pytest.raises(StoreError, match=r"^database .*: OperationalError \(disk I/O error\)$"):
        store.settle(eng, fushun_case("D-1", *CLAIM))
    sa.event.remove(store.engine, "before_cursor_execute", fail)
    assert store.get("D-1") is None


def test_an_in_memory_ledger_is_one_database_for_every_thread():
    """``sqlite://`` (no file): every thread of the process settles in the same in-memory ledger.
    12 claims of 2,400.00 for one person: 2,400 + 2,400 + 200, then 0 (cap 5,000.00)."""
    store, eng = Store.open("sqlite://", upgrade=True), Engine()
    _twelve_at_once(store, eng, "M")


def test_a_relative_database_keeps_its_writer_lock_beside_it(tmp_path, monkeypatch):
    """``sqlite:///jiuzhu.db`` opened in one folder, written after a change of folder: the lock file
    is the one beside the database SQLite opened (every process queues on the same file)."""
    a, b = tmp_path / "a", tmp_path / "b"
    a.mkdir()
    b.mkdir()
    monkeypatch.chdir(a)
    store = Store.open("sqlite:///jiuzhu.db", upgrade=True)
    monkeypatch.chdir(b)
    assert store.settle(Engine(), fushun_case("REL-1", *CLAIM)).assistance == 240000
    assert (a / "jiuzhu.db-writer").exists() and not (b / "jiuzhu.db-writer").exists()


def test_an_in_memory_ledger_without_upgrade_says_so():
    """``sqlite://`` opened as a deployment's ledger: `jiuzhu db upgrade` could never help (each
    process starts with an empty database); the line says to use a file."""
    with pytest.raises(StoreError, match=r"^database sqlite://: in memory, .*use a file"):
        Store.open("sqlite://")


@pytest.mark.parametrize("url", ["sqlite://", "sqlite:///:memory:"])
def test_db_upgrade_refuses_an_in_memory_ledger(url):
    """`jiuzhu db upgrade --db sqlite://` migrated a database that vanished when the command ended,
    and printed "(empty) → head" with exit 0: a success that no later command could use. It refuses
    instead, in one line with exit 2, saying to use a file."""
    from click.testing import CliRunner
    from jiuzhu.cli import cli
    res = CliRunner().invoke(cli, ["db", "upgrade", "--db", url])
    assert res.exit_code == 2, res.output
    lines = res.output.strip().splitlines()
    assert len(lines) == 1 and "in memory" in lines[0] and "sqlite:///jiuzhu.db" in lines[0], res.output
    assert "→" not in res.output


def _twelve_at_once(store, eng, prefix: str) -> None:
    """12 threads settle 12 claims of 2,400.00 for one person at once (Fushun cap 5,000.00): 2,400 + 2,400 +
    200, then 0, whatever the order; the ledger's year shows 5,000.00 paid in 3 settlements."""
    go = threading.Barrier(12)
    results, errors = [], []

    def one(i):
        go.wait()
        try:
            results.append(store.settle(eng, fushun_case(f"{prefix}-{i}", *CLAIM)).assistance)
        except Exception as exc:  # pragma: no cover - reported below
            errors.append(repr(exc))

    threads = [threading.Thread(target=one, args=(i,)) for i in range(12)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(120)
    assert not errors
    assert sorted(results) == [0] * 9 + [20000, 240000, 240000]
    u = {p.program: p for p in store.usage(PERSON["id_number"], 2025, "fushun").programs}["inpatient_assistance"]
    assert (u.paid, u.left, len(u.settlements)) == (500000, 0, 3)
