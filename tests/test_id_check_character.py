"""A resident ID number's check character X, also written x, is one person: one case, one batch, one ledger.

GB 11643: the check character of 21042119520803007 is X — weights 7 9 10 5 8 4 2 1 6 3 7 9 10 5 8 4 2 over
its digits sum to 14+9+0+20+16+4+2+9+30+6+0+72+0+15+0+0+14 = 211 ≡ 2 (mod 11), and position 2 of 10X98765432
is X. Files and systems write it "X" or "x"; jiuzhu reads both as "X" (jiuzhu.model.idcard.canonical), so the
person's annual cap is used once, not once per spelling. Anything else (spaces, full-width digits) is refused,
by the loader and by the batch alike.

Amounts (抚政办发〔2014〕67号 §四(二)): inpatient assistance 60 % of in-scope − basic insurance, at most 5,000
yuan per person per year (tests/store_support.py: a rural dibao person of 抚顺县, county hospital, J44.1).
  March:     11,000 − 5,000 = 6,000 × 60 % = 3,600.00 (cap left 5,000 → 3,600.00)
  September:  8,500 − 4,500 = 4,000 × 60 % = 2,400;  cap left 5,000 − 3,600 = 1,400 → 1,400.00
As two persons (the fault this guards against) September would pay 2,400.00 and the year 6,000.00 > 5,000.
"""

from __future__ import annotations

import io
from collections import Counter

import attrs
import pyarrow as pa
import pytest
from rich.console import Console

from jiuzhu.analysis import claims as C
from jiuzhu.analysis.batch import flatten, rows_to_columns
from jiuzhu.analysis.checks import normalise
from jiuzhu.analysis.claims import ClaimTable, evaluate_region
from jiuzhu.io.loader import loads_case
from jiuzhu.io.report import to_json
from jiuzhu.kit.testing import layer
from jiuzhu.model.case import History
from jiuzhu.model.errors import InputError
from jiuzhu.rules.engine import Engine
from store_support import fushun_case

UPPER = "21042119520803007X"
LOWER = "21042119520803007x"
MARCH = ("FS-X-1", "2025-03-02", "2025-03-12", "11000", "5000", "1000")
SEPTEMBER = ("FS-X-2", "2025-09-03", "2025-09-14", "8500", "4500", "500")


def case_text(id_number: str) -> str:
    return f"""
region = "fushun"
[person]
id_number = "{id_number}"
hukou = "210421101000"
categories = ["dibao"]
area = "rural"
scheme = "ncms"
[facility]
name = "抚顺县人民医院"
level = "county"
designations = ["insurance"]
location = "210421"
[episode]
kind = "inpatient"
admitted = 2025-03-02
discharged = 2025-03-12
diagnoses = ["J44.1"]
[bill]
total = "12000"
in_scope = "11000"
fully_self_paid = "1000"
deductible = "500"
basic_paid = "5000"
"""


# -- one case ----------------------------------------------------------------------------------------------

def test_one_case_with_x_is_the_case_with_X_and_evaluates_the_same():
    lower, upper = loads_case(case_text(LOWER)), loads_case(case_text(UPPER))
    assert lower.person.id_number == UPPER and lower == upper
    eng = Engine()
    a, b = eng.evaluate(lower, "fushun"), eng.evaluate(upper, "fushun")
    assert to_json(a) == to_json(b)
    assert layer(a, "inpatient_assistance") == 360000  # 6,000 × 60 %
    assert a.settlement.assistance == 360000


@pytest.mark.parametrize("given, expected", [
    (" " + UPPER, "expected 18 characters"),          # a leading space: not stripped, refused
    (UPPER + " ", "expected 18 characters"),          # a trailing one too
    ("２１０４２１１９５２０８０３００７X", "expected 17 digits and a digit or X"),  # full-width digits
    ("21042119520803007Ｘ", "expected 17 digits and a digit or X"),  # a full-width X
])
def test_other_spellings_are_refused_by_the_loader_and_the_batch(given, expected):
    with pytest.raises(InputError) as exc:
        loads_case(case_text(given))
    assert exc.value.field == "person.id_number" and exc.value.expected == expected
    assert exc.value.value is None  # the number is not repeated
    row = flatten(fushun_case(*MARCH, id_number=UPPER))
    row["person.id_number"] = given
    table, ok, errors = normalise(pa.table(rows_to_columns([row])), 0, ["fushun"])
    assert list(ok) == [False]
    assert [(e.row, e.field) for e in errors] == [(1, "person.id_number")]


# -- the batch ---------------------------------------------------------------------------------------------

def test_a_batch_with_both_spellings_shares_one_annual_cap():
    march, september = fushun_case(*MARCH, id_number=UPPER), fushun_case(*SEPTEMBER, id_number=UPPER)
    rows = [flatten(march), flatten(september)]
    rows[0]["person.id_number"] = LOWER  # the March claim written with x, September's with X
    table, ok, errors = normalise(pa.table(rows_to_columns(rows)), 0, ["fushun"])
    assert not errors and list(ok) == [True, True]
    assert table.column("person.id_number").to_pylist() == [UPPER, UPPER]
    eng = Engine()
    run = evaluate_region(eng, ClaimTable(table), "fushun", rehome_to=False)
    assert not run.error, run.error
    assert run.layers["inpatient_assistance"].tolist() == [360000, 140000]
    assert run.assistance.tolist() == [360000, 140000]  # 5,000.00 in the year, the cap
    # the per-case path: the two in date order, September with March's payment as its history
    one = eng.evaluate(march, "fushun")
    two = eng.evaluate(attrs.evolve(september, history=History({"inpatient_assistance": 360000}, 0)), "fushun")
    for i, out in enumerate((one, two)):
        st = out.settlement
        assert {l.id: int(run.layers[l.id][i]) for l in st.layers} == {l.id: l.amount for l in st.layers}
        assert (int(run.total[i]), int(run.assistance[i]), int(run.burden[i])) == (st.total, st.assistance, st.burden)
    # burden: September 9,000 − basic 4,500 − assistance 1,400 = 3,100.00
    assert two.settlement.burden == 310000


def test_a_spilled_csv_keeps_both_spellings_in_one_partition(tmp_path, monkeypatch):
    """A CSV (row count unknown before reading) of 40 claims with partition_rows = 2: spilled to 16 person
    partitions and split again as read back. The person's two claims, one "x" and one "X", are one
    partition's, and the batch pays them 3,600.00 and 1,400.00 as in memory."""
    march, september = fushun_case(*MARCH, id_number=UPPER), fushun_case(*SEPTEMBER, id_number=UPPER)
    rows = [flatten(march), flatten(september)]
    rows[0]["person.id_number"] = LOWER
    from store_support import person
    for i in range(38):  # others, each one claim (persons 210421195001011xx)
        r = flatten(fushun_case(f"FS-O-{i}", "2025-05-02", "2025-05-06", "1000", "500", id_number=person(i)))
        rows.insert(1 + i % 19, r)  # between the person's two claims
    src = tmp_path / "claims.csv"
    C.write_claims(rows_to_columns(rows), src)
    assert LOWER in src.read_text(encoding="utf-8")
    seen = []
    real = C.evaluate_partition

    def spy(engine, table, *a, **k):
        seen.append(table.column("person.id_number").to_pylist())
        return real(engine, table, *a, **k)

    monkeypatch.setattr(C, "evaluate_partition", spy)
    C.run_batch(Engine(), str(src), ["fushun"], out=str(tmp_path / "out.parquet"), progress=False, fmt="json",
                console=Console(file=io.StringIO()), partition_rows=2)
    assert sum(len(ids) for ids in seen) == 40 and len(seen) > C.SPILL_PARTS // 2  # spilled, and split
    mine = [ids for ids in seen if UPPER in ids]
    assert len(mine) == 1 and Counter(mine[0])[UPPER] == 2 and LOWER not in sum(seen, [])
    import pyarrow.parquet as pq
    out = pq.read_table(tmp_path / "out.parquet").to_pylist()
    paid = {r["claim_id"]: r["layer.inpatient_assistance_fen"] for r in out if r["region"] == "fushun"}
    assert (paid["FS-X-1"], paid["FS-X-2"]) == (360000, 140000)


# -- the ledger --------------------------------------------------------------------------------------------

def test_the_ledger_sees_one_person_year_for_both_spellings(db_url):
    from jiuzhu.store import Store
    eng = Engine()
    store = Store.open(db_url)
    try:
        first = store.settle(eng, fushun_case(*MARCH, id_number=UPPER), "fushun")
        second = store.settle(eng, fushun_case(*SEPTEMBER, id_number=LOWER), "fushun")
        assert layer(first.outcome, "inpatient_assistance") == 360000
        assert second.ytd == {"inpatient_assistance": 360000}  # the year-to-date March left
        assert layer(second.outcome, "inpatient_assistance") == 140000  # the cap's 1,400.00 left
        assert second.id_number == UPPER
        for spelling in (LOWER, UPPER):
            u = {p.program: p for p in store.usage(spelling, 2025, "fushun").programs}["inpatient_assistance"]
            assert (u.paid, u.settlements, u.cap) == (500000, ("FS-X-1", "FS-X-2"), 500000)
    finally:
        store.close()
