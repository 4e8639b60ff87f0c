"""Guang'an's running critical-illness total in a batch: a person's earlier claims of the year move the
tilt's segments exactly as settling them one by one through the ledger does (GA-PAY-5, GA-AMB-6 A): every
earlier stay of the year adds its compliant burden in_scope − basic_paid (programme measure "bill"), tilt paid or not.

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


def test_a_stay_refused_the_tilt_still_counts(tmp_path):
    # A0 of GA-PAY-5 is what critical-illness insurance counted this year: every stay's compliant burden
    # in_scope − basic_paid (programme measure "bill"), in or out of the county, tilt paid or not.
    # Stay 1 (Feb) outside the county (hukou Wusheng, facility in 成都 510107): no tilt (GA-PAY-7), but its
    # K = 40,000 − 20,000 = 20,000 is counted: running 0 → 20,000.
    # Stay 2 (Mar) in the county, B = 10,000: 20,000 → 30,000 on TABLE's 5,000–30,000 segment: 10,000 × 5 % = 500.00
    # (not 250.00 = (10,000 − 5,000) × 5 %, what starting from 0 would give).
    eng = engine()
    out = attrs.evolve(claim("A1", "2026-02-01", 20000),
                       facility=attrs.evolve(claim("X", "2026-02-01", 1).facility, location="510107"))
    cases = [out, claim("A2", "2026-03-01", 10000)]
    run = batch(eng, cases)
    assert tilt(run) == [0, 50_000]
    agree(run, ledger(eng, cases, tmp_path))


def test_a_stay_of_a_person_outside_the_plus5_groups_counts_too(tmp_path):
    # The same person's stays; stay 1 (Jan) under the registered-poor category only: the 10 % cap (GA-PAY-2),
    # no +5 points, yet K = 6,000 is counted: 0 → 6,000.
    # Stay 2 (Apr), dibao, B = 10,000: 6,000 → 16,000: 10,000 × 5 % = 500.00 (from 0: (10,000 − 5,000) × 5 % = 250.00).
    # Stay 3 (May) outside the county, B = 20,000: no tilt; 16,000 → 36,000.
    # Stay 4 (Jun), dibao, B = 1,000: 36,000 → 37,000 on TABLE97's segment above 30,000 (97 % + 3 %): 1,000 × 3 % = 30.00.
    eng = engine(TABLE97)
    poor = claim("A1", "2026-01-10", 6000)
    poor = attrs.evolve(poor, person=attrs.evolve(poor.person, categories=("registered_poor",)))
    away = attrs.evolve(claim("A3", "2026-05-10", 20000),
                        facility=attrs.evolve(claim("X", "2026-05-10", 1).facility, location="510107"))
    cases = [away, claim("A4", "2026-06-10", 1000), poor, claim("A2", "2026-04-10", 10000)]  # out of date order
    run = batch(eng, cases)
    assert tilt(run) == [0, 3_000, 0, 50_000]
    # stay 1's personal share held at 10 % of the total (GA-PAY-2): 12,000 − 6,000 − 1,200 = 4,800.00
    assert int(run.layers["tilted_payment_poor"][2]) == 480_000
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


# -- one claim a region cannot evaluate does not stop the region ----------------------------------------

from jiuzhu import Eligibility, Plan, RegionInfo, ReferralVerdict, SourceDocument, hookimpl  # noqa: E402
from jiuzhu.model.errors import InputError  # noqa: E402


class FussyRegion:
    """A throwaway region whose referral hook refuses one claim-specific fact (a facility code it cannot
    place) with an InputError, as a region's rule may; every other claim gets 50 % of the burden."""

    @hookimpl
    def jiuzhu_region(self):
        return RegionInfo("fussy", "测试区", "Fussy", "511622", (SourceDocument("T-1", "test",
                                                                                 effective_from=dt.date(2000, 1, 1)),))

    @hookimpl
    def jiuzhu_eligibility(self, case, ctx):
        return Eligibility(True, ())

    @hookimpl
    def jiuzhu_referral(self, case, ctx, eligibility):
        if case.facility.code == "UNKNOWN":
            raise InputError("facility.code", case.facility.code, "a facility code of the region's list")
        return ReferralVerdict("covered")

    @hookimpl
    def jiuzhu_reimbursement(self, case, ctx, eligibility, referral):
        from jiuzhu import Layer
        return Plan((Layer("half", "半", "half", rate="0.5"),))


def _file(tmp_path, cases):
    from jiuzhu.analysis.claims import write_claims
    src = tmp_path / "claims.parquet"
    write_claims(rows_to_columns([flatten(c) for c in cases]), src)
    return src


def test_a_hook_refusing_one_claim_lists_it_and_computes_the_rest(tmp_path):
    import csv
    import pyarrow.parquet as pq
    from rich.console import Console
    from jiuzhu.analysis.claims import InvalidRows, run_batch
    eng = make_engine(parameters=ILLUSTRATIVE_PARAMETERS, extra_plugins=[FussyRegion()])
    cases = [claim("A1", "2026-03-01", 10000), claim("A2", "2026-04-01", 10000), claim("A3", "2026-05-01", 10000)]
    cases[1] = attrs.evolve(cases[1], facility=attrs.evolve(cases[1].facility, code="UNKNOWN"))
    src, out = _file(tmp_path, cases), tmp_path / "r.parquet"
    # without --skip-invalid: exit 2 (InvalidRows), one line naming row 2 and the field, no results file
    with pytest.raises(InvalidRows, match=r"row 2 \(claim A2\): facility.code") as exc:
        run_batch(eng, str(src), ["fussy", "guangan"], str(out), progress=False)
    assert exc.value.exit_code == 2 and "UNKNOWN" not in str(exc.value) and not out.exists()
    errs = list(csv.DictReader((tmp_path / "claims.errors.csv").open(encoding="utf-8")))
    assert [(e["row"], e["claim_id"], e["field"]) for e in errs] == [("2", "A2", "facility.code")]
    assert errs[0]["expected"].startswith("fussy: ") and "UNKNOWN" not in errs[0]["expected"]
    # --skip-invalid: the other claims computed (each total 20,000, burden after basic insurance 10,000 → 50 %
    # of the burden = 5,000.00); the refused claim is still in Guang'an's results (its tilt 250.00, then
    # 10,000 → 20,000: 500.00 and 20,000 → 30,000: 500.00)
    tots = run_batch(eng, str(src), ["fussy", "guangan"], str(out), progress=False, skip_invalid=True,
                     console=Console(file=open(tmp_path / "log.txt", "w")))
    res = pq.read_table(out).to_pylist()
    fussy = {r["claim_id"]: r["layer.half_fen"] for r in res if r["region"] == "fussy"}
    assert fussy == {"A1": 500_000, "A3": 500_000}
    ga = {r["claim_id"]: r["layer.critical_illness_tilt_fen"] for r in res if r["region"] == "guangan"}
    assert ga == {"A1": 25_000, "A2": 50_000, "A3": 50_000}
    by = {t["region"]: t for t in tots}
    assert by["fussy"]["claims"] == 2 and by["fussy"]["invalid_claims"] == 1 and "error" not in by["fussy"]
    assert by["guangan"]["claims"] == 3


def test_a_claim_before_a_dated_parameter_is_listed_not_the_region(tmp_path):
    # The deployment dates its critical-illness table from 2026-07-01. A dibao claim admitted 2026-03-01 needs
    # the table (the +5 points) and has none in force: that claim is invalid for Guang'an (episode.admitted,
    # the date that selects Guang'an's rules, GA-AMB-11). A registered-poor-only claim of the same day does not
    # read the table and is computed; so is the dibao claim of 2026-08-01: B = 10,000 → 250.00 (the invalid claim
    # is not settled, so it adds nothing to the running total).
    params = {k: dict(v) for k, v in ILLUSTRATIVE_PARAMETERS.items()}
    params["guangan"]["critical_illness_segments"] = [{"from": "2026-07-01", "value": TABLE}]
    eng = make_engine({"compose_parents": False}, parameters=params)
    poor = claim("P1", "2026-03-01", 10000, B)
    poor = attrs.evolve(poor, person=attrs.evolve(poor.person, categories=("registered_poor",)))
    cases = [claim("A1", "2026-03-01", 10000), poor, claim("A2", "2026-08-01", 10000)]
    table, ok, errors = normalise(pa.table(rows_to_columns([flatten(c) for c in cases])), 0, ["guangan"])
    ct = ClaimTable(table)
    run = evaluate_region(eng, ct, "guangan", rehome_to=False)
    assert not run.error
    assert run.invalid.tolist() == [True, False, False]
    (i, field, expected), = run.problems
    assert (i, field) == (0, "episode.admitted") and "2026-07-01" in expected and "critical_illness_segments" in expected
    kept = run.kept()
    assert kept.layers["critical_illness_tilt"].tolist() == [0, 25_000]
    # the registered poor's personal share is held at 10 % of the total (GA-PAY-2): total 20,000, basic 10,000
    # → burden 10,000 − 2,000 = 8,000.00 paid by the tilted payment
    assert kept.layers["tilted_payment_poor"].tolist() == [800_000, 0]


def engine_cii_cap(cap_yuan):
    """GA-AMB-6 B (tilt_respects_cii_cap = within_cii_cap) with an ILLUSTRATIVE critical-illness annual cap."""
    params = {k: dict(v) for k, v in ILLUSTRATIVE_PARAMETERS.items()}
    params["guangan"].update(tilt_respects_cii_cap="within_cii_cap", critical_illness_annual_cap=str(cap_yuan))
    return make_engine({"compose_parents": False}, parameters=params)


def with_cii(c, fen):
    """The slip's critical-illness insurance (bill.critical_paid) of a claim, in fen."""
    return attrs.evolve(c, bill=attrs.evolve(c.bill, critical_paid=fen))


def tilt_layer(outcome):
    return next(l for l in outcome.settlement.layers if l.id == "critical_illness_tilt")


# GA-AMB-6 B, 「在现有大病保险分段报销比例基础上相应提高5个百分点」(二（二）): the +5 points are the insurance's own
# rates raised, so its annual cap M bounds the insurance and the tilt together. The programme critical_illness
# counts the slip's critical-illness insurance and the tilt; on every stay the insurance (settled before the tilt,
# 三（一）) uses up M first, this stay's as well as the earlier stays'. The tilt pays min(want, M − earlier − this
# stay's insurance), never below 0.


def test_tilt_sharing_the_critical_illness_cap_counts_the_insurance_of_earlier_stays(tmp_path):
    # ILLUSTRATIVE M = 2,000 yuan; each slip shows 1,000.00 of critical-illness insurance.
    # Stay 1: B = 20,000 → tilt 15,000 × 5 % = 750.00; used before 0, this stay's insurance 1,000 → 1,000 left → 750.00.
    # Stay 2: B = 20,000 → running 20,000 → 40,000: 20,000 × 5 % = 1,000.00; used before = 1,000 + 750 = 1,750, and this
    #         stay's own insurance 1,000: 1,750 + 1,000 = 2,750 ≥ 2,000 → 0.00 (not 250.00 = 2,000 − 1,750, which
    #         leaves this stay's insurance out and has the year pay 3,000 under a 2,000 cap).
    # Stay 3: B = 1,000 → 50.00; used before = 1,750 + 1,000 + 0 = 2,750 ≥ 2,000 → 0.
    eng = engine_cii_cap(2000)
    cases = [claim("A1", "2026-03-01", 20000), claim("A2", "2026-06-01", 20000), claim("A3", "2026-07-01", 1000)]
    cases = [with_cii(c, 100_000) for c in cases]
    run = batch(eng, cases)
    assert tilt(run) == [75_000, 0, 0]
    outs = ledger(eng, cases, tmp_path)
    agree(run, outs)
    second = tilt_layer(outs[1])
    assert (second.used_before, second.shared_before, second.binding) == (175_000, 100_000, "annual_cap")


@pytest.mark.parametrize("cii_fen, expected", [
    (25_000, 0),       # at the boundary: 1,750 + 250.00 = 2,000.00 = M → 0.00 left → 0.00
    (24_999, 1),       # one fen below: 1,750 + 249.99 = 1,999.99 → 0.01 left → 0.01
    (25_001, 0),       # one fen above: 1,750 + 250.01 = 2,000.01 > M → nothing left → 0.00
    (0, 25_000),       # no insurance on this slip: 2,000 − 1,750 = 250.00 left → 250.00 (of the 1,000.00 wanted)
], ids=["at", "fen_below", "fen_above", "no_insurance"])
def test_the_stays_own_insurance_at_the_cap_boundary(tmp_path, cii_fen, expected):
    # ILLUSTRATIVE M = 2,000. Stay 1: B = 20,000, insurance 1,000.00 → tilt 750.00 (1,000 left) → year used 1,750.00.
    # Stay 2: B = 20,000 → the tilt wants 1,000.00 (running 20,000 → 40,000 at 5 %); its slip's insurance is cii_fen.
    eng = engine_cii_cap(2000)
    cases = [with_cii(claim("A1", "2026-03-01", 20000), 100_000), with_cii(claim("A2", "2026-06-01", 20000), cii_fen)]
    run = batch(eng, cases)
    assert tilt(run) == [75_000, expected]
    agree(run, ledger(eng, cases, tmp_path))
    # one case, the earlier stay given as history (what the ledger derives): insurance 1,000 + tilt 750 = 1,750.00 paid
    # in the programme, 20,000 of compliant burden counted
    alone = attrs.evolve(cases[1], history=attrs.evolve(cases[1].history, ytd={
        "critical_illness": 175_000, "critical_illness_counted": 2_000_000}))
    out = eng.evaluate(alone, "guangan")
    t = tilt_layer(out)
    assert (t.amount, t.used_before, t.shared_before) == (expected, 175_000, cii_fen)


def test_two_stays_through_the_ledger(tmp_path):
    # ILLUSTRATIVE M = 2,000.
    # Stay 1: B = 20,000 → tilt wants 750.00; insurance 600.00 → 2,000 − 0 − 600 = 1,400 left → 750.00. Year: 1,350.00.
    # Stay 2: B = 10,000 → running 20,000 → 30,000: 500.00 wanted; insurance 400.00 → 2,000 − 1,350 − 400 = 250.00 left
    #         → 250.00 (leaving this stay's insurance out would give 650 left and pay 500.00). Year: 1,350 + 400 + 250
    #         = 2,000.00 = M.
    eng = engine_cii_cap(2000)
    cases = [with_cii(claim("A2", "2026-06-01", 10000), 40_000), with_cii(claim("A1", "2026-03-01", 20000), 60_000)]
    run = batch(eng, cases)
    assert tilt(run) == [25_000, 75_000]
    outs = ledger(eng, cases, tmp_path)
    agree(run, outs)
    t = tilt_layer(outs[0])
    assert (t.used_before, t.shared_before, t.binding) == (135_000, 40_000, "annual_cap")
    # the ledger's year for the programme: 600 + 750 + 400 + 250 = 2,000.00 paid, nothing left of M
    from jiuzhu.store import Store
    store = Store.open(f"sqlite:///{tmp_path / 'guangan.db'}")
    try:
        use = {p.program: p for p in store.usage(A, 2026, "guangan", eng).programs}["critical_illness"]
    finally:
        store.close()
    assert (use.paid, use.cap, use.left, len(use.settlements)) == (200_000, 200_000, 0, 2)


def test_three_stays_and_a_first_stay_bound_by_its_own_insurance(tmp_path):
    # ILLUSTRATIVE M = 3,000; file order shuffled (the ledger and the batch settle in date order).
    # Person A. Stay 1: B = 20,000 → 750.00 wanted; insurance 1,000 → 3,000 − 1,000 = 2,000 left → 750.00. Year 1,750.
    #   Stay 2: B = 10,000 → 20,000 → 30,000: 500.00; insurance 500 → 3,000 − 1,750 − 500 = 750 left → 500.00. Year 2,750.
    #   Stay 3: B = 10,000 → 30,000 → 40,000: 500.00; insurance 100 → 3,000 − 2,750 − 100 = 150 left → 150.00
    #   (leaving this stay's insurance out: 250.00). Year 2,750 + 100 + 150 = 3,000.00 = M.
    # Person B, first stay of the year: B = 20,000 → 750.00 wanted; insurance 3,000.00 → 3,000 − 0 − 3,000 = 0 left
    #   → 0.00 (the old figure, counting nothing of this stay, was 750.00).
    eng = engine_cii_cap(3000)
    cases = [with_cii(claim("A3", "2026-09-01", 10000), 10_000), with_cii(claim("B1", "2026-04-01", 20000, B), 300_000),
             with_cii(claim("A1", "2026-02-01", 20000), 100_000), with_cii(claim("A2", "2026-05-01", 10000), 50_000)]
    run = batch(eng, cases)
    assert tilt(run) == [15_000, 0, 75_000, 50_000]
    agree(run, ledger(eng, cases, tmp_path))


def test_a_tilt_part_on_the_slip_counts_once_in_batch_and_ledger(tmp_path):
    # ILLUSTRATIVE M = 2,000; the second slip also shows 100.00 of the tilt (other payer kind tilted_payment,
    # tilt_source = computed: counted toward the computed tilt, never twice).
    # Stay 1: B = 20,000, insurance 600 → 750.00 (1,400 left). Year 1,350.00.
    # Stay 2: B = 10,000 → 500.00 wanted, less the slip's 100 → 400; insurance 300: 2,000 − 1,350 − 300 − 100 = 250
    #         left → 250.00 (the tilt in all 100 + 250 = 350.00). Year 1,350 + 300 + 100 + 250 = 2,000.00 = M.
    from jiuzhu.model.case import OtherPayer
    eng = engine_cii_cap(2000)
    second = with_cii(claim("A2", "2026-06-01", 10000), 30_000)
    second = attrs.evolve(second, bill=attrs.evolve(second.bill, other_payers=(OtherPayer("tilted_payment", 10_000),)))
    cases = [with_cii(claim("A1", "2026-03-01", 20000), 60_000), second]
    run = batch(eng, cases)
    assert tilt(run) == [75_000, 25_000]
    agree(run, ledger(eng, cases, tmp_path))


def test_the_default_reading_ignores_the_insurance_for_the_tilt(tmp_path):
    # GA-AMB-6 A (default, separate): no cap on the tilt whatever the slip's insurance paid. The same three stays
    # as above with 3,000.00 of insurance each: 750.00, then 20,000 → 30,000: 500.00, then 30,000 → 40,000: 500.00.
    eng = engine()
    cases = [with_cii(claim("A1", "2026-02-01", 20000), 300_000), with_cii(claim("A2", "2026-05-01", 10000), 300_000),
             with_cii(claim("A3", "2026-09-01", 10000), 300_000)]
    run = batch(eng, cases)
    assert tilt(run) == [75_000, 50_000, 50_000]
    outs = ledger(eng, cases, tmp_path)
    agree(run, outs)
    assert all(tilt_layer(o).annual_cap is None and tilt_layer(o).shared_before == 0 for o in outs)


# -- a running total of measure "base" (no region ships one now; the batch keeps supporting it) ----------

class BaseTotalRegion:
    """A throwaway region whose one layer pays 50 % of the burden above 1,000 yuan of a yearly running total
    of its own bases (ILLUSTRATIVE numbers), at county facilities only: the programme counts the layer's base
    (measure "base"), so a stay without the layer adds nothing."""

    @hookimpl
    def jiuzhu_region(self):
        return RegionInfo("basetotal", "测试区", "Base total", "511622",
                          (SourceDocument("T-2", "test", effective_from=dt.date(2000, 1, 1)),), reads_history=("seg",))

    @hookimpl
    def jiuzhu_eligibility(self, case, ctx):
        return Eligibility(True, ())

    @hookimpl
    def jiuzhu_referral(self, case, ctx, eligibility):
        return ReferralVerdict("covered")

    @hookimpl
    def jiuzhu_reimbursement(self, case, ctx, eligibility, referral):
        from fractions import Fraction
        from jiuzhu import Layer
        if case.facility.level != "county":
            return Plan()
        start = case.history.used("seg")
        return Plan((Layer("seg", "段", "segment", segments=((max(0, 100_000 - start), None, Fraction(1, 2)),)),))

    @hookimpl
    def jiuzhu_programs(self):
        from jiuzhu import Program
        return [Program("seg", "段", "segment", ("seg",), measure="base")]


def test_a_base_measure_total_counts_only_the_layers_bases(tmp_path):
    # Person A. Stay 1 (Jan, county) B = 600: 0 → 600, below 1,000: 0.
    # Stay 2 (Feb, primary facility): no layer, so no base counted (measure "base"), pays 0.
    # Stay 3 (Mar, county) B = 1,000: 600 → 1,600: 600 × 50 % = 300.00 (from 0: 0).
    # Stay 4 (Apr, county) B = 200: 1,600 → 1,800: 100.00.
    eng = make_engine(parameters=ILLUSTRATIVE_PARAMETERS, extra_plugins=[BaseTotalRegion()])
    other = claim("A2", "2026-02-01", 5000)
    other = attrs.evolve(other, facility=attrs.evolve(other.facility, level="primary"))
    cases = [claim("A3", "2026-03-01", 1000), other, claim("A4", "2026-04-01", 200), claim("A1", "2026-01-01", 600)]
    run = batch(eng, cases, "basetotal")
    assert [int(v) for v in run.layers["seg"]] == [30_000, 0, 10_000, 0]
    assert run.groups == 2  # county and primary: the running total is not in the key
    agree(run, ledger(eng, cases, tmp_path, "basetotal"))
