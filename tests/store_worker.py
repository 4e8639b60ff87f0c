"""A settling process for the ledger's concurrency and crash tests (run by tests/test_store_concurrency.py).

    store_worker.py concurrent URL WORKER CLAIMS START_AT   settle CLAIMS claims for one person, plus one
                                                            key of the next worker (a duplicate submission)
    store_worker.py hang URL KEY MARKER                     settle KEY but stop for good in the middle of the
                                                            transaction (after the settlement row, before its
                                                            programme rows), touching MARKER
"""

import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))

from store_support import fushun_case  # noqa: E402

from jiuzhu.rules.engine import Engine  # noqa: E402
from jiuzhu.store import Store  # noqa: E402


def main():
    mode, url = sys.argv[1], sys.argv[2]
    store, engine = Store.open(url), Engine()
    if mode == "concurrent":
        worker, claims, start = int(sys.argv[3]), int(sys.argv[4]), float(sys.argv[5])
        cases = [fushun_case(f"C{worker}-{j}", "2025-05-01", "2025-05-10", "8500", "4500") for j in range(claims)]
        cases.append(fushun_case(f"C{(worker + 1) % 8}-0", "2025-05-01", "2025-05-10", "8500", "4500"))
        engine.evaluate(cases[0])  # warm up before the common start
        while time.time() < start:
            time.sleep(0.001)
        for c in cases:
            store.settle(engine, c, actor=f"hospital-{worker}")
    elif mode == "hang":
        key, marker = sys.argv[3], Path(sys.argv[4])
        import sqlalchemy as sa
        from jiuzhu.store.schema import settlements

        # reached once the settlement row is written and before the person-year's year-to-date is,
        # uncommitted: the kill lands between the transaction's two writes
        @sa.event.listens_for(store.engine, "after_execute")
        def stop(conn, clause, *args):
            if getattr(clause, "table", None) is settlements and clause.is_insert:
                marker.write_text("in transaction")
                time.sleep(3600)

        store.settle(engine, fushun_case(key, "2025-06-01", "2025-06-10", "8500", "4500"))


if __name__ == "__main__":
    main()
