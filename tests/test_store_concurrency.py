"""Concurrency and crash safety of the settlement ledger, on SQLite and PostgreSQL.

Concurrency: 8 processes settle for one Fushun dibao person at the same moment: 3 claims each
plus one duplicate of another process's first claim. Each claim alone would pay (8,500 − 4,500)
× 60 % = 2,400.00 (§四(二)); the 5,000.00 annual cap lets 2,400 + 2,400 + 200 through and no more,
whatever the interleaving, and the 24 distinct keys are recorded exactly once.
"""

import os
import signal
import subprocess
import time

import sqlalchemy as sa

from jiuzhu.rules.engine import Engine
from jiuzhu.store import Store
import json

from jiuzhu.store.schema import person_years, reversals, settlements
from store_support import PERSON, fushun_case, worker_cmd

WORKERS, CLAIMS = 8, 3


def test_concurrent_settlers_never_exceed_the_cap(db_url):
    start = time.time() + 4
    procs = [subprocess.Popen(worker_cmd("concurrent", db_url, w, CLAIMS, start), stdout=subprocess.PIPE,
                              stderr=subprocess.PIPE, text=True) for w in range(WORKERS)]
    for p in procs:
        out, err = p.communicate(timeout=300)
        assert p.returncode == 0, err[-2000:]
    store = Store.open(db_url)
    with store.engine.connect() as c:
        keys = c.execute(sa.select(settlements.c.key)).scalars().all()
        progs = [json.loads(p) for p in c.execute(sa.select(settlements.c.programs_json)).scalars()]
        ytd, n, ever = c.execute(sa.select(person_years.c.ytd_json, person_years.c.admissions,
                                           person_years.c.settlements)).one()
    paid = sum(p["fushun"]["inpatient_assistance"]["amount"] for p in progs)
    assert sorted(keys) == sorted(f"C{w}-{j}" for w in range(WORKERS) for j in range(CLAIMS))
    assert int(paid) == 500000  # 5,000.00 exactly: 2,400 + 2,400 + 200, then 0
    # the person-year's running total is the sum of its settlements, each counted once
    assert (json.loads(ytd)["fushun"]["inpatient_assistance"], n, ever) == (500000, WORKERS * CLAIMS, WORKERS * CLAIMS)
    u = {p.program: p for p in store.usage(PERSON["id_number"], 2025, "fushun").programs}["inpatient_assistance"]
    assert (u.paid, u.left, len(u.settlements)) == (500000, 0, 3)


def test_sigkill_in_the_middle_leaves_all_or_nothing(db_url, tmp_path):
    store = Store.open(db_url)
    eng = Engine()
    before = store.settle(eng, fushun_case("K-1", "2025-03-02", "2025-03-12", "11000", "5000", "1000"))
    assert before.assistance == 360000  # 6,000 × 60 %
    marker = tmp_path / "marker"
    p = subprocess.Popen(worker_cmd("hang", db_url, "K-2", marker), stderr=subprocess.PIPE, text=True)
    deadline = time.time() + 120
    while not marker.exists():
        assert p.poll() is None, p.stderr.read()[-2000:]
        assert time.time() < deadline, "the worker never reached the middle of its transaction"
        time.sleep(0.05)
    os.kill(p.pid, signal.SIGKILL)
    p.wait(timeout=30)
    store = Store.open(db_url)
    with store.engine.connect() as c:
        assert c.execute(sa.select(settlements.c.key)).scalars().all() == ["K-1"]
        # the person-year holds K-1 alone: 3,600.00 of inpatient assistance, one standing settlement
        ytd, n = c.execute(sa.select(person_years.c.ytd_json, person_years.c.admissions)).one()
        assert (json.loads(ytd)["fushun"]["inpatient_assistance"], n) == (360000, 1)
        assert c.execute(sa.select(sa.func.count()).select_from(reversals)).scalar_one() == 0
    # the ledger is usable at once (no lock left behind on PostgreSQL once the backend notices the
    # dead client; SQLite rolls back the hot journal) and K-2 settles whole: cap left 1,400 → 1,400.00
    again = store.settle(eng, fushun_case("K-2", "2025-06-01", "2025-06-10", "8500", "4500"))
    assert not again.replay and again.assistance == 140000
