"""Hypothesis strategies for valid flat claim rows (see :mod:`jiuzhu.batch`), money in fen.

``claim_batches()`` draws a few persons and many claims among them in one or two years, so that
the same person has several claims a year and annual caps bind.
"""

from __future__ import annotations

import datetime as dt

from hypothesis import strategies as st

from .idcard import make

CATEGORIES = ["extreme_poverty", "dibao", "near_dibao", "registered_poor", "severe_disability", "low_income"]


@st.composite
def persons(draw, area: str = "511622"):
    born = draw(st.dates(dt.date(1930, 1, 1), dt.date(2024, 12, 31)))
    return {
        "person.id_number": make(area, born, draw(st.integers(0, 999))),
        "person.hukou": area + draw(st.sampled_from(["", "104000"])),
        "person.categories": draw(st.sampled_from(CATEGORIES)),
        "person.area": draw(st.sampled_from(["rural", "urban"])),
        "person.support_mode": draw(st.sampled_from(["home", "institutional", "none"])),
        "person.scheme": draw(st.sampled_from(["residents", "employees"])),
        "person.care_level": draw(st.sampled_from(["self_care", "semi_disabled", "fully_disabled"])),
    }


@st.composite
def bills(draw):
    total = draw(st.integers(0, 30_000_000))
    parts = sorted(draw(st.lists(st.integers(0, total), min_size=3, max_size=3)))
    first, over, fully = parts[0], parts[1] - parts[0], parts[2] - parts[1]
    in_scope = total - first - over - fully
    deductible = draw(st.integers(0, in_scope))
    basic = draw(st.integers(0, in_scope - deductible))
    critical = draw(st.integers(0, in_scope - deductible - basic))
    left = total - basic - critical
    assistance = draw(st.sampled_from([0, left // 5]))
    other = draw(st.sampled_from([0, (left - assistance) // 10]))
    return {"bill.total_fen": total, "bill.in_scope_fen": in_scope, "bill.first_self_paid_fen": first,
            "bill.over_limit_fen": over, "bill.fully_self_paid_fen": fully, "bill.deductible_fen": deductible,
            "bill.basic_paid_fen": basic, "bill.critical_paid_fen": critical,
            "bill.assistance_paid_fen": assistance, "bill.other_paid_fen": other}


@st.composite
def claims(draw, person: dict, years=(2026,)):
    year = draw(st.sampled_from(list(years)))
    adm = draw(st.dates(dt.date(year, 1, 1), dt.date(year, 12, 20)))
    kind = draw(st.sampled_from(["inpatient", "outpatient", "special_outpatient"]))
    dis = adm + dt.timedelta(days=draw(st.integers(0, 10)))
    level = draw(st.sampled_from(["primary", "county", "city", "provincial"]))
    loc = {"primary": "511622", "county": "511622", "city": "511602", "provincial": "510104"}[level]
    row = {"region": "", "person.name": "", **person,
           "person.residence": person["person.hukou"],
           "facility.name": f"{level}医院", "facility.level": level, "facility.ownership": "public",
           "facility.location": loc, "facility.designations": draw(st.sampled_from(["insurance;assistance", "insurance"])),
           "episode.kind": kind, "episode.admitted": adm.isoformat(), "episode.discharged": dis.isoformat(),
           "episode.emergency": draw(st.booleans()),
           "episode.diagnoses": draw(st.sampled_from(["", "J44.1", "C50.9", "N18.5", "I10"])),
           **draw(bills())}
    return row


@st.composite
def claim_batches(draw, max_persons: int = 3, max_claims: int = 12, years=(2026,)):
    people = draw(st.lists(persons(), min_size=1, max_size=max_persons,
                           unique_by=lambda p: p["person.id_number"]))
    n = draw(st.integers(1, max_claims))
    rows = []
    for i in range(n):
        row = draw(claims(draw(st.sampled_from(people)), years))
        row["claim_id"] = f"C{i:04d}"
        rows.append(row)
    return rows
