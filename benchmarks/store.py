"""Settlement-ledger benchmarks: python benchmarks/store.py [--n 600] [--pg URL]

* sequential: one process settles N claims (distinct keys, 50 persons) through ``Store.settle``;
* concurrent: 8 processes each settle N/8 claims for their own person at the same moment.

SQLite is a WAL file in a temporary folder; PostgreSQL is ``--pg``, ``$JIUZHU_TEST_PG_URL`` or a
throwaway cluster started with scripts/pg-throwaway.sh. Each run uses a fresh database.
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
    t = time.perf_counter()
    for c in cases[20:]:
        store.settle(eng, c)
    return n / (time.perf_counter() - t)


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


def run(n: int = 600, pg: str | None = None) -> dict:
    out = {}
    admin = pg_url(pg)
    for kind in ("sqlite", "postgresql"):
        seq = sequential(fresh_db(kind, admin, "seq"), n)
        con = concurrent(fresh_db(kind, admin, "con"), n)
        out[kind] = (seq, con)
        print(f"store {kind:10s} sequential {seq:7.0f} settlements/s   8 concurrent settlers (8 persons) "
              f"{con:7.0f} settlements/s ({con / seq:.2f}×)")
    return out


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--n", type=int, default=600)
    ap.add_argument("--pg", default=None, help="PostgreSQL admin URL (default: $JIUZHU_TEST_PG_URL or a throwaway cluster)")
    a = ap.parse_args()
    run(a.n, a.pg)


if __name__ == "__main__":
    main()
