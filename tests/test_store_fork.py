"""A process that forks after using the ledger (a pre-forking server, multiprocessing with fork).

Amounts: a Fushun dibao claim with 8,500 in scope and 4,500 paid by basic insurance is
(8,500 − 4,500) × 60 % = 2,400.00 of inpatient assistance (抚政办发〔2014〕67号 §四(二)); two such
claims are 4,800.00, within the 5,000.00 annual cap.
"""

import os
import signal
import subprocess
import sys
import textwrap

from jiuzhu.rules.engine import Engine
from jiuzhu.store import Store
from store_support import ROOT, fushun_case

CLAIM = ("2025-05-01", "2025-05-10", "8500", "4500")

def test_a_settler_killed_holding_the_writer_lock_after_forking_frees_it(tmp_path):
    """The parent settles (its writer lock file is open), forks a child that lives on, then is killed
    while it holds the lock. The child must not keep the parent's lock alive: the next writer
    proceeds at once and records the second claim, 2,400.00 (2,400 + 2,400 = 4,800 ≤ 5,000)."""
    url = f"sqlite:///{tmp_path / 'jiuzhu.db'}"
    code = textwrap.dedent(f"""
        import os, signal, sys, time
        sys.path.insert(0, {str(ROOT / 'tests')!r})
        from jiuzhu.rules.engine import Engine
        from jiuzhu.store import Store, db
        from store_support import fushun_case
        st = Store.open({url!r}, upgrade=True)
        st.settle(Engine(), fushun_case("PARENT", "2025-05-01", "2025-05-10", "8500", "4500"))
        child = os.fork()
        if child == 0:
            os.close(1)
            time.sleep(120)  # a worker living on, not writing
            os._exit(0)
        print(child, flush=True)
        with db.writer(st.engine):
            os.kill(os.getpid(), signal.SIGKILL)
    """)
    p = subprocess.run([sys.executable, "-c", code], timeout=120, stdout=subprocess.PIPE, text=True)
    assert p.returncode == -signal.SIGKILL
    child = int(p.stdout.split()[-1])
    try:
        store = Store.open(url)
        done = {}
        import threading
        t = threading.Thread(target=lambda: done.setdefault("s", store.settle(Engine(), fushun_case("NEXT", *CLAIM))),
                             daemon=True)
        t.start()
        t.join(30)
        assert "s" in done, "the next writer waits on a lock its dead holder's child keeps"
        assert done["s"].assistance == 240000
    finally:
        os.kill(child, signal.SIGKILL)


def test_a_forked_child_opens_its_own_connections(db_url):
    """Parent and child settle for different persons at the same time after a fork: each must use
    connections of its own (a connection shared across fork mixes both processes' messages)."""
    store, eng = Store.open(db_url), Engine()
    assert store.settle(eng, fushun_case("BEFORE", *CLAIM)).assistance == 240000
    from store_support import person
    pid = os.fork()
    if pid == 0:  # pragma: no cover - the child reports by its exit status
        status = 0
        try:
            for i in range(20):
                if store.settle(eng, fushun_case(f"CHILD-{i}", *CLAIM, id_number=person(i))).assistance != 240000:
                    status = 3
        except BaseException:
            status = 4
        os._exit(status)
    errors = []
    for i in range(20):
        try:
            assert store.settle(eng, fushun_case(f"PARENT-{i}", *CLAIM, id_number=person(100 + i))).assistance == 240000
        except Exception as exc:
            errors.append(repr(exc))
    _, status = os.waitpid(pid, 0)
    assert not errors and os.waitstatus_to_exitcode(status) == 0
    assert {store.get(f"CHILD-{i}").assistance for i in range(20)} == {240000}


def test_a_forked_child_keeps_its_copy_of_an_in_memory_ledger():
    """``sqlite://``: the child's memory is a copy of the parent's, ledger included; it settles the
    second claim of the year against it: 2,400.00 (2,400 + 2,400 = 4,800 ≤ 5,000)."""
    store, eng = Store.open("sqlite://", upgrade=True), Engine()
    assert store.settle(eng, fushun_case("MEM-1", *CLAIM)).assistance == 240000
    pid = os.fork()
    if pid == 0:  # pragma: no cover - the child reports by its exit status
        try:
            os._exit(0 if store.settle(eng, fushun_case("MEM-2", *CLAIM)).assistance == 240000 else 3)
        except BaseException:
            os._exit(4)
    _, status = os.waitpid(pid, 0)
    assert os.waitstatus_to_exitcode(status) == 0
    assert store.get("MEM-2") is None  # the child's copy, not the parent's ledger
