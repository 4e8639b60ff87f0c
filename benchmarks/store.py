"""Settlement-ledger benchmarks: python benchmarks/store.py [--n 600] [--pg URL] [--pg-options "-c commit_delay=200"]

* sequential: one process settles N claims (distinct keys, 50 persons) through ``Store.settle``;
* concurrent: 8 processes each settle N/8 claims for their own person at the same moment.

SQLite is a WAL file in a temporary folder; PostgreSQL is ``--pg``, ``$JIUZHU_TEST_PG_URL`` or a
throwaway cluster started with scripts/pg-throwaway.sh. Each run uses a fresh database. The run
prints the load average and the durability settings it ran with (SQLite ``synchronous``;
PostgreSQL ``fsync``, ``synchronous_commit``, ``commit_delay``, ``commit_siblings``,
``wal_sync_method``); ``--pg-options`` passes session settings to every connection (libpq
``options``), e.g. group commit for a comparison row — never the figure of record.
"""

from __future__ import annotations

import argparse
import multiprocessing as mp
import os
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests"))


def _cases(prefix: str, n: int, persons: list[str]):
    from store_support import fushun_case
    # 60 % of (1,000 − 600) = 240.00 each: far from the 5,000 cap, so every claim writes a full record
    return [fushun_case(f"{prefix}-{i}", "2025-05-01", "2025-05-08", "1000", "600", id_number=persons[i % len(persons)])
            for i in range(n)]


def _persons(k: int, offset: int = 0) -> list[str]:
    from store_support import person
    return [person(offset + i) for i in range(k)]


def fresh_db(kind: str, pg_admin: str | None, tag: str) -> str:
    from jiuzhu.store import Store
    if kind == "sqlite":
        url = f"sqlite:///{Path(tempfile.mkdtemp()) / 'bench.db'}"
    else:
        import sqlalchemy as sa
        name = f"bench_{tag}_{os.getpid()}"
        eng = sa.create_engine(pg_admin, isolation_level="AUTOCOMMIT")
        with eng.connect() as c:
            c.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
            c.exec_driver_sql(f'CREATE DATABASE "{name}"')
        eng.dispose()
        url = sa.make_url(pg_admin).set(database=name).render_as_string(hide_password=False)
    Store.open(url, upgrade=True).close()
    return url


def sequential(url: str, n: int) -> float:
    from jiuzhu.rules.engine import Engine
    from jiuzhu.store import Store
    store, eng = Store.open(url), Engine()
    cases = _cases("S", n + 20, _persons(50))
    for c in cases[:20]:  # warm-up: plugins, parameters, connection pool
        store.settle(eng, c)
    t, cpu = time.perf_counter(), time.process_time()
    for c in cases[20:]:
        store.settle(eng, c)
    wall, cpu = time.perf_counter() - t, time.process_time() - cpu
    # this process's own CPU per settlement (evaluation, JSON, driver; SQLite's work too, PostgreSQL's
    # server not): what a loaded machine does not take away
    print(f"      sequential: {wall / n * 1e3:.2f} ms wall, {cpu / n * 1e3:.2f} ms CPU of this process per settlement")
    return n / wall


def _worker(url, w, n, start, q):
    from jiuzhu.rules.engine import Engine
    from jiuzhu.store import Store
    store, eng = Store.open(url), Engine()
    cases = _cases(f"P{w}", n + 5, _persons(1, 1000 + w))
    for c in cases[:5]:
        store.settle(eng, c)
    while time.time() < start:
        time.sleep(0.0005)
    t = time.time()
    for c in cases[5:]:
        store.settle(eng, c)
    q.put((t, time.time()))


def concurrent(url: str, n: int, workers: int = 8) -> float:
    ctx = mp.get_context("fork")
    q = ctx.Queue()
    start = time.time() + 8
    ps = [ctx.Process(target=_worker, args=(url, w, n // workers, start, q)) for w in range(workers)]
    for p in ps:
        p.start()
    spans = [q.get(timeout=600) for _ in ps]
    for p in ps:
        p.join()
    return (n // workers) * workers / (max(e for _, e in spans) - min(s for s, _ in spans))


def pg_url(explicit: str | None) -> str:
    if explicit:
        return explicit
    from store_support import pg_admin_url
    return pg_admin_url()


def with_options(url: str, options: str | None) -> str:
    if not options or not url.startswith("postgresql"):
        return url
    import sqlalchemy as sa
    return sa.make_url(url).update_query_dict({"options": options}).render_as_string(hide_password=False)


def settings(url: str) -> str:
    import sqlalchemy as sa
    from jiuzhu.store import Store
    store = Store.open(url)
    with store.engine.connect() as c:
        if url.startswith("sqlite"):
            sync = {0: "OFF", 1: "NORMAL", 2: "FULL", 3: "EXTRA"}[c.exec_driver_sql("PRAGMA synchronous").scalar_one()]
            text = f"journal_mode={c.exec_driver_sql('PRAGMA journal_mode').scalar_one()} synchronous={sync}"
        else:
            names = ("server_version", "fsync", "synchronous_commit", "commit_delay", "commit_siblings",
                     "wal_sync_method")
            text = " ".join(f"{k}={c.execute(sa.text(f'SHOW {k}')).scalar_one()}" for k in names)
    store.close()
    return text


def run(n: int = 600, pg: str | None = None, pg_options: str | None = None) -> dict:
    out = {}
    admin = pg_url(pg)
    print(f"load average at start: {' '.join(f'{x:.2f}' for x in os.getloadavg())}  ({os.cpu_count()} CPUs)")
    for kind in ("sqlite", "postgresql"):
        seq_url = with_options(fresh_db(kind, admin, "seq"), pg_options)
        print(f"store {kind:10s} settings: {settings(seq_url)}")
        seq = sequential(seq_url, n)
        con = concurrent(with_options(fresh_db(kind, admin, "con"), pg_options), n)
        out[kind] = (seq, con)
        print(f"store {kind:10s} sequential {seq:7.0f} settlements/s   8 concurrent settlers (8 persons) "
              f"{con:7.0f} settlements/s ({con / seq:.2f}×)")
    print(f"load average at end: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")
    return out


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--n", type=int, default=600)
    ap.add_argument("--pg", default=None, help="PostgreSQL admin URL (default: $JIUZHU_TEST_PG_URL or a throwaway cluster)")
    ap.add_argument("--pg-options", default=None,
                    help='PostgreSQL session settings for every connection, e.g. "-c commit_delay=200 -c commit_siblings=2"')
    a = ap.parse_args()
    run(a.n, a.pg, a.pg_options)


if __name__ == "__main__":
    main()
