"""Shared by the ledger tests and their worker processes: Fushun cases and database URLs.

A Fushun dibao person (抚顺县, rural, NCMS) admitted to the county hospital; inpatient assistance
is 60 % of 个人承担的符合规定的自负费用 = in-scope − basic − critical − other, 5,000 yuan a year
(抚政办发〔2014〕67号 §四(二)).
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from jiuzhu.io.loader import structure_case

ROOT = Path(__file__).resolve().parents[1]
PERSON = {"name": "张德顺", "id_number": "210421195208030336", "hukou": "210421101000", "categories": ["dibao"],
          "certified_by": "抚顺县民政局", "area": "rural", "scheme": "ncms"}


def fushun_case(key: str, admitted: str, discharged: str, in_scope: str, basic_paid: str, fully_self_paid: str = "0",
                id_number: str | None = None, facility_code: str = "H21042100001"):
    total = f"{float(in_scope) + float(fully_self_paid):.2f}"
    return structure_case({
        "id": key, "region": "fushun",
        "person": PERSON | ({"id_number": id_number} if id_number else {}),
        "facility": {"name": "抚顺县人民医院", "level": "county", "designations": ["insurance"], "location": "210421",
                     "code": facility_code},
        "episode": {"kind": "inpatient", "admitted": admitted, "discharged": discharged, "diagnoses": ["J44.1"]},
        "bill": {"total": total, "in_scope": in_scope, "fully_self_paid": fully_self_paid, "deductible": "500",
                 "basic_paid": basic_paid},
    })


def person(i: int) -> str:
    """A valid ID number for test person i (born 1950, 抚顺县)."""
    import datetime as dt
    from jiuzhu.model.idcard import make
    return make("210421", dt.date(1950, 1, 1), 100 + i)


def pg_admin_url() -> str:
    """The PostgreSQL server the tests use: $JIUZHU_TEST_PG_URL, else a throwaway cluster started with
    scripts/pg-throwaway.sh (the same script CI uses). Never a skip: a missing server fails the test."""
    url = os.environ.get("JIUZHU_TEST_PG_URL")
    if url:
        return url
    data = Path(os.environ.get("TMPDIR", "/tmp")) / f"jiuzhu-pg-{os.getpid()}"
    out = subprocess.run([str(ROOT / "scripts" / "pg-throwaway.sh"), "start", str(data)], capture_output=True,
                         text=True, timeout=600)
    if out.returncode != 0:
        raise RuntimeError(f"could not start a throwaway PostgreSQL: {out.stderr.strip()[-500:]}")
    url = out.stdout.strip().splitlines()[-1]
    os.environ["JIUZHU_TEST_PG_URL"] = url
    import atexit
    atexit.register(lambda: subprocess.run([str(ROOT / "scripts" / "pg-throwaway.sh"), "stop", str(data)]))
    return url


def worker_cmd(*args) -> list[str]:
    return [sys.executable, str(ROOT / "tests" / "store_worker.py"), *map(str, args)]
