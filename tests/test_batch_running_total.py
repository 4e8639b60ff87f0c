"""Guang'an's running critical-illness total in a batch: a person's earlier claims of the year move the
tilt's segments exactly as settling them one by one through the ledger does (GA-PAY-5, GA-AMB-6 A).

广安人社发〔2017〕115号 二（二）:「个人负担的合规医疗费用在现有大病保险分段报销比例基础上相应提高5个百分点」.
The segments are the critical-illness insurance's yearly ones (a required deployment parameter: the
seed gives no table). Tables used here are ILLUSTRATIVE, not policy:
  TABLE   5,000–30,000 at 50 %; 30,000–100,000 at 60 %; above 100,000 at 70 %  → tilt +5 % everywhere from 5,000
  TABLE97 5,000–30,000 at 50 %; above 30,000 at 97 %  → tilt +5 % on 5,000–30,000, +3 % above 30,000
          (never above 100 %: min(5 %, 100 % − 97 %) = 3 %, GA-PAY-6)
Claims: a rural dibao person (the +5-points group, GA-ELIG-5), in-county (Wusheng 511622), designated,
compliant referral path, inpatient. Bill: in_scope = total = 2 × B, basic_paid = B, so the compliant
burden after basic insurance (the tilt's base, GA-PAY-4) is B yuan.
"""

from __future__ import annotations

import datetime as dt

import attrs
import pyarrow as pa
import pytest

from jiuzhu.analysis.batch import flatten, rows_to_columns
from jiuzhu.analysis.checks import normalise
from jiuzhu.analysis.claims import ClaimTable, evaluate_region
from jiuzhu.kit.testing import ILLUSTRATIVE_PARAMETERS, layer, make_case, make_engine
from jiuzhu.model.idcard import make

TABLE = ILLUSTRATIVE_PARAMETERS["guangan"]["critical_illness_segments"]
TABLE97 = [{"from": "5000", "to": "30000", "rate": "0.5"}, {"from": "30000", "rate": "0.97"}]
PATH = [{"kind": "first_contact", "to": "武胜县中心镇卫生院", "to_level": "primary"},
        {"kind": "referral", "to": "武胜县人民医院", "to_level": "county",
         "actions": [{"kind": "filing", "by": "primary_facility"}]}]
A = make("511622", dt.date(1960, 1, 1), 31)
B = make("511622", dt.date(1970, 5, 6), 33)


def engine(table=TABLE, compose=False):
    params = {k: dict(v) for k, v in ILLUSTRATIVE_PARAMETERS.items()}
    params["guangan"]["critical_illness_segments"] = table
    return make_engine({"compose_parents": compose}, parameters=params)


def claim(cid, admitted, burden_yuan, who=A, ytd_fen=None):
    b = str(burden_yuan)
    raw = {"id": cid, "person": {"id_number": who, "categories": ["dibao"], "area": "rural"},
           "facility": {"name": "武胜县人民医院", "level": "county", "location": "511622"},
           "episode": {"admitted": admitted, "discharged": admitted, "path": PATH},
           "bill": {"total": str(2 * float(b)), "in_scope": str(2 * float(b)), "basic_paid": b, "setl_id": cid}}
    c = make_case(raw)
    if ytd_fen is not None:
        c = attrs.evolve(c, history=attrs.evolve(c.history, ytd={"critical_illness_counted": ytd_fen}))
    return c


def batch(eng, cases, region="guangan"):
    table, ok, errors = normalise(pa.table(rows_to_columns([flatten(c) for c in cases])), 0, [region])
    assert not errors, errors[:3]
    run = evaluate_region(eng, ClaimTable(table), region, rehome_to=False)
    assert not run.error, run.error
    return run


def ledger(eng, cases, tmp_path, region="guangan"):
    """The reference: each claim settled alone through a fresh ledger, in date order (file order on a tie)."""
    from jiuzhu.store import Store
    store = Store.open(f"sqlite:///{tmp_path / f'{region}.db'}", upgrade=True)
    try:
        order = sorted(range(len(cases)), key=lambda i: (cases[i].episode.admitted, i))
        out = [None] * len(cases)
        for i in order:
            out[i] = store.settle(eng, cases[i], region).outcome
        return out
    finally:
        store.close()


def tilt(run):
    return [int(v) for v in run.layers.get("critical_illness_tilt", [0] * len(run.total))]


def agree(run, outcomes):
    for i, o in enumerate(outcomes):
        got = {lid: int(v[i]) for lid, v in run.layers.items() if v[i]}
        assert got == {l.id: l.amount for l in o.settlement.layers if l.amount}, i
        assert run.assistance[i] == o.settlement.assistance and run.burden[i] == o.settlement.burden, i


def test_second_admission_continues_from_the_first(tmp_path):
    # the audit's example. Stay 1: B = 10,000 → running 0 → 10,000: (10,000 − 5,000) × 5 % = 250.00.
    # Stay 2: B = 20,000 → running 10,000 → 30,000: 20,000 × 5 % = 1,000.00 (not 750.00 = (20,000 − 5,000) × 5 %,
    # which is what starting again from 0 gives).
    eng = engine()
    cases = [claim("A1", "2026-03-01", 10000), claim("A2", "2026-06-01", 20000)]
    run = batch(eng, cases)
    assert tilt(run) == [25_000, 100_000]
    agree(run, ledger(eng, cases, tmp_path))
    assert run.groups == 1  # the running total is not part of the decision key


def test_three_admissions_cross_the_threshold_within_a_stay(tmp_path):
    # Stay 1: B = 3,000 → 0 → 3,000, below the 5,000 threshold: 0.
    # Stay 2: B = 4,000 → 3,000 → 7,000: (7,000 − 5,000) × 5 % = 100.00 (alone from 0: 0).
    # Stay 3: B = 1,000 → 7,000 → 8,000: 1,000 × 5 % = 50.00.
    eng = engine()
    cases = [claim("A1", "2026-01-10", 3000), claim("A2", "2026-02-10", 4000), claim("A3", "2026-03-10", 1000)]
    run = batch(eng, cases)
    assert tilt(run) == [0, 10_000, 5_000]
    agree(run, ledger(eng, cases, tmp_path))


@pytest.mark.parametrize("second, third, expect", [
    # Stay 1 always B = 20,000 → 0 → 20,000: 15,000 × 5 % = 750.00.
    # below: stay 2 B = 9,000 → 20,000 → 29,000: 9,000 × 5 % = 450.00;
    #        stay 3 B = 2,000 → 29,000 → 31,000: 1,000 × 5 % + 1,000 × 3 % = 80.00
    (9000, 2000, [75_000, 45_000, 8_000]),
    # at:    stay 2 B = 10,000 → 20,000 → 30,000: 10,000 × 5 % = 500.00;
    #        stay 3 B = 2,000 → 30,000 → 32,000: 2,000 × 3 % = 60.00
    (10000, 2000, [75_000, 50_000, 6_000]),
    # above: stay 2 B = 11,000 → 20,000 → 31,000: 10,000 × 5 % + 1,000 × 3 % = 530.00;
    #        stay 3 B = 2,000 → 31,000 → 33,000: 2,000 × 3 % = 60.00
    (11000, 2000, [75_000, 53_000, 6_000]),
    # a fen: stay 2 B = 10,000.01 → 30,000.01: 500.00 + 0.01 × 3 % (0.03 fen) → 500.00;
    #        stay 3 B = 1,000 → 30,000.01 → 31,000.01: 1,000 × 3 % = 30.00
    ("10000.01", 1000, [75_000, 50_000, 3_000]),
], ids=["below", "at", "above", "a-fen-above"])
def test_a_segment_boundary_inside_the_second_stay(tmp_path, second, third, expect):
    eng = engine(TABLE97)
    cases = [claim("A1", "2026-02-01", 20000), claim("A2", "2026-05-01", second), claim("A3", "2026-08-01", third)]
    run = batch(eng, cases)
    assert tilt(run) == expect
    agree(run, ledger(eng, cases, tmp_path))


def test_two_persons_interleaved_and_out_of_date_order(tmp_path):
    # A: 10,000 (Mar) then 20,000 (Jun): 250.00, 1,000.00 as above.
    # B: 8,000 (Feb) → (8,000 − 5,000) × 5 % = 150.00; 4,000 (Apr) → 8,000 → 12,000: 200.00;
    #    30,000 (Jul) → 12,000 → 42,000: 18,000 × 5 % + 12,000 × 3 % = 900 + 360 = 1,260.00 (TABLE97).
    # The file lists them out of date order and mixed; date order decides who came first.
    eng = engine(TABLE97)
    cases = [claim("B3", "2026-07-01", 30000, B), claim("A2", "2026-06-01", 20000), claim("B1", "2026-02-01", 8000, B),
             claim("A1", "2026-03-01", 10000), claim("B2", "2026-04-01", 4000, B)]
    run = batch(eng, cases)
    assert tilt(run) == [126_000, 100_000, 15_000, 25_000, 20_000]
    agree(run, ledger(eng, cases, tmp_path))


def test_the_running_total_restarts_in_a_new_year(tmp_path):
    # 2026-11: B = 20,000 → 750.00; 2027-02: B = 10,000 → a new year, 0 → 10,000: 250.00 (not 500.00).
    # Guang'an selects the year by the admission date (GA-AMB-11).
    eng = engine()
    cases = [claim("A1", "2026-11-01", 20000), claim("A2", "2027-02-01", 10000), claim("A3", "2027-03-01", 10000)]
    run = batch(eng, cases)
    # 2027-03: 10,000 → 20,000: 500.00
    assert tilt(run) == [75_000, 25_000, 50_000]
    agree(run, ledger(eng, cases, tmp_path))


def test_year_to_date_history_is_where_the_batch_starts():
    # The batch starts mid-year: 10,000 yuan already counted (history.ytd.critical_illness_counted).
    # Stay 1: B = 20,000 → 10,000 → 30,000: 1,000.00; stay 2: B = 1,000 → 30,000 → 31,000: 50.00.
    # A second person, same facts, 0 counted: 20,000 → 750.00. One decision group for all three.
    eng = engine()
    cases = [claim("A1", "2026-03-01", 20000, ytd_fen=1_000_000), claim("A2", "2026-04-01", 1000, ytd_fen=1_000_000),
             claim("B1", "2026-03-01", 20000, B)]
    run = batch(eng, cases)
    assert tilt(run) == [100_000, 5_000, 75_000]
    assert run.groups == 1
    # one by one, each with what the year counted before it
    first = eng.evaluate(cases[0], "guangan", documents=False)
    assert layer(first, "critical_illness_tilt") == 100_000
    second = attrs.evolve(cases[1], history=attrs.evolve(cases[1].history, ytd={"critical_illness_counted": 3_000_000}))
    assert layer(eng.evaluate(second, "guangan", documents=False), "critical_illness_tilt") == 5_000


def test_only_tilted_claims_count(tmp_path):
    # A stay outside the county (hukou Wusheng, facility in 成都 510107) gets no tilt (GA-PAY-7) and its
    # burden is not counted by the tilt's running total: the next in-county stay of B = 10,000 starts from 0
    # → 250.00, as in the ledger.
    eng = engine()
    out = attrs.evolve(claim("A1", "2026-02-01", 20000),
                       facility=attrs.evolve(claim("X", "2026-02-01", 1).facility, location="510107"))
    cases = [out, claim("A2", "2026-03-01", 10000)]
    run = batch(eng, cases)
    assert tilt(run) == [0, 25_000]
    agree(run, ledger(eng, cases, tmp_path))


def test_wusheng_composed_with_guangan(tmp_path):
    # Wusheng's parent is Guang'an: Guang'an's tilt comes first in the composed plan and runs on the same
    # yearly total. Stay 1 B = 10,000 → 250.00; stay 2 B = 20,000 → 10,000 → 30,000: 1,000.00. Every other
    # layer (Wusheng's assistance) agrees with the ledger settling them one by one.
    eng = engine(compose=True)
    cases = [claim("A1", "2026-03-01", 10000), claim("A2", "2026-06-01", 20000)]
    run = batch(eng, cases, "wusheng")
    assert tilt(run) == [25_000, 100_000]
    agree(run, ledger(eng, cases, tmp_path, "wusheng"))
