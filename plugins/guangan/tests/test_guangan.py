"""Guang'an (广安人社发〔2017〕115号): rules checked on hand-computed cases.

Amounts are yuan in comments and fen in assertions. The critical-illness table below is the
inventory's ILLUSTRATIVE one (NOT Guang'an policy): threshold 5,000; 5,000–30,000 at 50%;
30,000–100,000 at 60%; above at 70%. The premium 220 yuan is illustrative too.
"""

import datetime as dt

import pytest

from jiuzhu.model.idcard import make
from jiuzhu.kit.testing import layer, make_case, make_engine
from jiuzhu import Eligibility, Layer, Plan, RegionInfo, ReferralVerdict, SourceDocument, hookimpl


SEGMENTS = [{"from": "2018-01-01", "value": [{"from": "5000", "to": "30000", "rate": "0.5"},
                                             {"from": "30000", "to": "100000", "rate": "0.6"},
                                             {"from": "100000", "rate": "0.7"}]}]
BASE_PARAMS = {"critical_illness_segments": SEGMENTS, "individual_premium": "220"}
PRIMARY = {"kind": "first_contact", "to": "武胜县中心镇卫生院", "to_level": "primary"}
FILED = {"kind": "referral", "to": "武胜县人民医院", "to_level": "county",
         "actions": [{"kind": "filing", "by": "primary_facility"}]}
GOOD_PATH = [PRIMARY, FILED]
FACILITY = {"name": "武胜县人民医院", "level": "county", "location": "511622"}


def engine(**params):
    return make_engine({"compose_parents": False}, parameters={"guangan": {**BASE_PARAMS, **params}})


def case(categories=("registered_poor",), bill=None, area="rural", path=GOOD_PATH, **over):
    raw = {"person": {"categories": list(categories), "area": area},
           "facility": FACILITY,
           "episode": {"admitted": "2018-03-02", "discharged": "2018-03-12", "path": path},
           "bill": bill or {"total": "20000", "in_scope": "18000", "fully_self_paid": "2000", "basic_paid": "13500"}}
    for k, v in over.items():
        raw[k] = {**raw.get(k, {}), **v}
    return make_case(raw)


def run(c, **params):
    return engine(**params).evaluate(c, region="guangan")


EX_F = {"total": "60000", "in_scope": "50000", "fully_self_paid": "10000", "basic_paid": "30000",
        "critical_paid": "7500"}


# -- scope and eligibility -------------------------------------------------------------------

@pytest.mark.rule("GA-SCOPE-1")
@pytest.mark.rule("GA-ELIG-1")
def test_hukou_outside_guangan_is_not_eligible():
    # (b) living and insured in Guang'an, dibao elsewhere, hukou 成都 510107 → not a target
    c = case(("dibao",), person={"hukou": "510107001000", "id_number": make("510107", dt.date(1960, 1, 1), 31)})
    assert not run(c).eligibility.eligible
    # (a) Wusheng hukou 511622, residents' insurance, rural dibao → eligible
    assert run(case(("dibao",))).eligibility.eligible


@pytest.mark.rule("GA-ELIG-1")
def test_employee_insurance_or_no_status_is_not_eligible():
    assert not run(case(("severe_disability",), person={"scheme": "employees"})).eligibility.eligible  # (c)
    assert not run(case(())).eligibility.eligible  # (d)


@pytest.mark.rule("GA-ELIG-2")
def test_every_category_of_section_one_is_a_target():
    for cat in ("registered_poor", "extreme_poverty", "dibao", "priority_care", "severe_disability", "low_income"):
        assert run(case((cat,))).eligibility.eligible, cat
    assert not run(case(("near_dibao",))).eligibility.eligible


@pytest.mark.rule("GA-ELIG-5")
@pytest.mark.rule("GA-AMB-7")
def test_plus5_group_listed_and_widened():
    # Ex F in-county: dibao 750; severely disabled only → no tilt; + low income → 750; priority care only → none
    assert layer(run(case(("dibao",), EX_F, area="urban")), "critical_illness_tilt") == 75000
    assert layer(run(case(("severe_disability",), EX_F)), "critical_illness_tilt") == 0
    assert layer(run(case(("severe_disability", "low_income"), EX_F)), "critical_illness_tilt") == 75000
    assert layer(run(case(("priority_care",), EX_F)), "critical_illness_tilt") == 0
    # reading B: 「等」 widens to every §一 category
    assert layer(run(case(("priority_care",), EX_F), plus5_group="all_categories"), "critical_illness_tilt") == 75000


# -- premium subsidies ----------------------------------------------------------------------

def premium(categories, area="rural", **params):
    out = run(case(categories, area=area), **params)
    return next(d.data for d in out.documents if d.form_id == "premium_subsidy")


@pytest.mark.rule("GA-PREM-1")
@pytest.mark.rule("GA-PREM-6")
def test_urban_dibao_half_premium():
    # 50% × 220 = 110 subsidy, 110 personal
    d = premium(("dibao",), area="urban")
    assert (d["subsidy"], d["personal_due"]) == ("110.00", "110.00")
    # ILLUSTRATIVE 255 → 127.50 each
    d = premium(("dibao",), area="urban", individual_premium="255")
    assert (d["subsidy"], d["personal_due"]) == ("127.50", "127.50")


@pytest.mark.rule("GA-PREM-2")
@pytest.mark.rule("GA-PREM-3")
@pytest.mark.rule("GA-PREM-4")
@pytest.mark.rule("GA-PREM-5")
@pytest.mark.rule("GA-PREM-7")
def test_full_premium_groups_and_payers():
    expected = {("registered_poor",): "区（市、县）财政部门", ("extreme_poverty",): "区市县、园区财政部门",
                ("dibao",): "区市县、园区财政部门", ("priority_care",): "区市县、园区财政部门",
                ("severe_disability",): "残疾人联合会"}
    for cats, payer in expected.items():
        d = premium(cats)  # rural: dibao is rural dibao
        assert (d["subsidy"], d["personal_due"], d["payer"]) == ("220.00", "0.00", payer), cats


@pytest.mark.rule("GA-PREM-8")
def test_low_income_gets_nothing_new():
    d = premium(("low_income",))
    assert (d["subsidy"], d["personal_due"]) == ("0.00", "220.00")


@pytest.mark.rule("GA-PREM-9")
@pytest.mark.rule("GA-AMB-9")
def test_several_statuses_take_the_highest_share():
    d = premium(("dibao", "severe_disability"), area="urban")  # max(50%, 100%) → 220, paid by 残联
    assert (d["subsidy"], d["payer"]) == ("220.00", "残疾人联合会")
    d = premium(("registered_poor", "severe_disability"))  # tie → listed first (建档立卡) pays
    assert d["payer"] == "区（市、县）财政部门"
    d = premium(("dibao", "low_income"), area="urban")  # 50% + 0 → 110
    assert d["subsidy"] == "110.00"
    # reading B: shares added, capped at the premium: 50% + 100% → 100%
    d = premium(("dibao", "severe_disability"), area="urban", premium_multi_status="sum_capped")
    assert d["subsidy"] == "220.00"


def test_premium_without_configured_standard_states_share_only():
    out = make_engine({"compose_parents": False},
                      parameters={"guangan": {"critical_illness_segments": SEGMENTS}}).evaluate(
        case(("dibao",), area="urban"), region="guangan")
    d = next(d.data for d in out.documents if d.form_id == "premium_subsidy")
    assert d["share"] == "50%" and d["subsidy"] is None


# -- 10% cap ----------------------------------------------------------------------------------

@pytest.mark.rule("GA-PAY-2")
@pytest.mark.rule("GA-AMB-2")
def test_cap_never_raises_the_personal_share():
    # Ex B: B 8,000, P1 7,400 → R2 600 < C 800 → tilt 0, personal 600
    out = run(case(bill={"total": "8000", "in_scope": "8000", "basic_paid": "7400"}))
    assert layer(out, "tilted_payment_poor") == 0
    assert out.settlement.burden == 60000


@pytest.mark.rule("GA-AMB-1")
def test_cap_over_in_scope_cost():
    # Ex A′: in-scope residual 18,000 − 13,500 = 4,500; cap 10% × 18,000 = 1,800 → tilt 2,700;
    # personal 1,800 + out-of-scope 2,000 = 3,800
    out = run(case(), cap_base="in_scope")
    assert layer(out, "tilted_payment_poor") == 270000
    assert out.settlement.burden == 380000


@pytest.mark.rule("GA-AMB-3")
def test_cap_attribution_tilt_step_and_backstop():
    # Ex D with medical assistance on the slip. tilt_step: P3 4,500, P5 (slip) 1,000 → personal 1,000
    bill = {"total": "20000", "in_scope": "18000", "fully_self_paid": "2000", "basic_paid": "13500",
            "assistance_paid": "1000"}
    out = run(case(bill=bill))
    assert (layer(out, "tilted_payment_poor"), layer(out, "medical_assistance_slip")) == (450000, 100000)
    assert out.settlement.burden == 100000
    # final_backstop: P3 none; P5 on R2 (slip 3,250) → R5 3,250; P6 = 3,250 − 2,000 = 1,250; personal 2,000
    bill["assistance_paid"] = "3250"
    out = run(case(bill=bill), cap_attribution="final_backstop")
    assert "tilted_payment_poor" not in [l.id for l in out.settlement.layers]
    assert layer(out, "health_poverty_fund") == 125000
    assert out.settlement.burden == 200000


@pytest.mark.rule("GA-PAY-1")
@pytest.mark.rule("GA-AMB-16")
@pytest.mark.rule("GA-AMB-19")
@pytest.mark.rule("GA-ORDER-4")
def test_chronic_outpatient_maintenance():
    # Ex C: B 1,200, P1 720 → R2 480; C 120 → tilt 360; personal 120; the six-payer chain
    bill = {"total": "1200", "in_scope": "1200", "basic_paid": "720"}
    out = run(case(bill=bill, episode={"kind": "special_outpatient"}))
    assert layer(out, "tilted_payment_poor") == 36000
    assert out.settlement.burden == 12000
    assert [l.id for l in out.settlement.layers][3:] == ["tilted_payment_poor", "emergency_relief",
                                                         "medical_assistance_slip", "health_poverty_fund"]
    # an ordinary outpatient visit: no cap (A); reading B counts any outpatient treatment
    out = run(case(bill=bill, episode={"kind": "outpatient"}))
    assert layer(out, "tilted_payment_poor") == 0
    out = run(case(bill=bill, episode={"kind": "outpatient"}), chronic_outpatient_scope="any_outpatient")
    assert layer(out, "tilted_payment_poor") == 36000


@pytest.mark.rule("GA-AMB-4")
def test_cap_per_settlement_ignores_earlier_stays():
    # an earlier stay this year changes nothing: Ex A again gives 4,500 / 2,000
    out = run(case(history={"admissions": 2, "ytd": {"critical_illness_counted": "9000"}}))
    assert (layer(out, "tilted_payment_poor"), out.settlement.burden) == (450000, 200000)


# -- +5 points --------------------------------------------------------------------------------

@pytest.mark.rule("GA-PAY-5")
@pytest.mark.rule("GA-PAY-6")
def test_second_admission_spans_two_segments():
    # Ex G: A0 20,000; K = 40,000 − 24,000 = 16,000 → [20,000, 36,000]: 10,000 in seg 1, 6,000 in seg 2
    # tilt = 10,000 × 5% + 6,000 × 5% = 800 (additive points: 60% → 65%, not 63%)
    bill = {"total": "40000", "in_scope": "40000", "basic_paid": "24000", "critical_paid": "8600"}
    out = run(case(("dibao",), bill, history={"ytd": {"critical_illness_counted": "20000"}}))
    assert layer(out, "critical_illness_tilt") == 80000


@pytest.mark.rule("GA-PAY-5")
def test_below_and_across_the_threshold():
    # Ex H: A0 0, K 4,000 → 0. Ex I: A0 3,000, K 5,000 → 3,000 above 5,000 → 150
    out = run(case(("dibao",), {"total": "10000", "in_scope": "10000", "basic_paid": "6000"}))
    assert layer(out, "critical_illness_tilt") == 0
    out = run(case(("dibao",), {"total": "10000", "in_scope": "10000", "basic_paid": "5000", "critical_paid": "1500"},
                   history={"ytd": {"critical_illness_counted": "3000"}}))
    assert layer(out, "critical_illness_tilt") == 15000


@pytest.mark.rule("GA-PAY-6")
def test_rate_never_above_full():
    # a 98% segment only gets 2 more points: K 20,000, threshold 0 → 20,000 × 2% = 400
    segs = [{"from": "2018-01-01", "value": [{"from": "0", "rate": "0.98"}]}]
    out = run(case(("dibao",), {"total": "50000", "in_scope": "50000", "basic_paid": "30000"}),
              critical_illness_segments=segs)
    assert layer(out, "critical_illness_tilt") == 40000


@pytest.mark.rule("GA-AMB-5")
def test_flat_reading_equals_segment_reading_below_95_percent():
    # flat 5% above the threshold: 15,000 × 5% = 750, as with each segment
    out = run(case(("dibao",), EX_F), tilt_segments="flat_above_threshold")
    assert layer(out, "critical_illness_tilt") == 75000


@pytest.mark.rule("GA-AMB-6")
def test_tilt_within_critical_illness_cap():
    # separate (A): 750 whatever the cap. Within the cap (B): Ex F is the first stay of the year and its slip's
    # critical-illness insurance pays 7,500.00, which the cap M counts before the tilt (the +5 points are the
    # insurance's rates raised, 「在现有大病保险分段报销比例基础上相应提高5个百分点」): M 8,000 − 0 earlier − 7,500 this
    # stay = 500 left → 500.00 of the 750.00
    assert layer(run(case(("dibao",), EX_F)), "critical_illness_tilt") == 75000
    within = {"tilt_respects_cii_cap": "within_cii_cap", "critical_illness_annual_cap": "8000"}
    out = run(case(("dibao",), EX_F), **within)
    assert layer(out, "critical_illness_tilt") == 50000
    tilt = next(l for l in out.settlement.layers if l.id == "critical_illness_tilt")
    assert (tilt.used_before, tilt.shared_before, tilt.binding) == (0, 750000, "annual_cap")
    # history.ytd.critical_illness is what the earlier stays paid (insurance and tilt): 200.00 earlier → 8,000 − 200
    # − 7,500 = 300.00; 500.00 earlier → 8,000 − 500 − 7,500 = 0 left → 0.00
    out = run(case(("dibao",), EX_F, history={"ytd": {"critical_illness": "200"}}), **within)
    assert layer(out, "critical_illness_tilt") == 30000
    out = run(case(("dibao",), EX_F, history={"ytd": {"critical_illness": "500"}}), **within)
    assert layer(out, "critical_illness_tilt") == 0


@pytest.mark.rule("GA-AMB-6")
def test_a_tilt_part_on_the_slip_counts_once_under_the_shared_cap():
    # Ex F under reading B, M 8,000, first stay; the slip shows 100.00 of the tilt (tilt_source = computed: counted
    # toward the computed tilt, never twice). The tilt wants 750 − 100 = 650; the cap leaves 8,000 − 0 − 7,500
    # (insurance) − 100 (the slip's tilt) = 400 → 400.00, so the tilt in all is 100 + 400 = 500.00 = M − 7,500.
    out = run(case(("dibao",), {**EX_F, "other_payers": [{"kind": "tilted_payment", "amount": "100"}]}),
              tilt_respects_cii_cap="within_cii_cap", critical_illness_annual_cap="8000")
    assert (layer(out, "other_payers.tilted_payment"), layer(out, "critical_illness_tilt")) == (10000, 40000)


@pytest.mark.rule("GA-AMB-6")
def test_the_explanation_counts_the_stays_own_insurance_under_the_cap():
    # the explanation's cap line says what this stay's insurance took: M 8,000, used 200 earlier, 7,500 this
    # settlement → 300.00 left, which the tilt pays
    from jiuzhu.io.report import explain_layer
    out = run(case(("dibao",), EX_F, history={"ytd": {"critical_illness": "200"}}),
              tilt_respects_cii_cap="within_cii_cap", critical_illness_annual_cap="8000")
    tilt = next(l for l in out.settlement.layers if l.id == "critical_illness_tilt")
    text = explain_layer(tilt)
    assert "本年已用 used 200.00, 本次结算已计 this settlement 7500.00, 剩余 left 300.00" in text
    assert text.endswith("→ 300.00")


@pytest.mark.rule("GA-AMB-6")
def test_a_shared_cap_without_the_earlier_stays_payments_is_said():
    # within the cap (B), M 8,000. The case gives the running total A0 = 20,000 (above the 5,000 threshold: the earlier
    # stays' insurance paid something) but not what they paid (history.ytd.critical_illness): counted as 0, the tilt
    # is 8,000 − 0 − 7,500 = 500.00 and may be too high, which the outcome must say (it once said nothing)
    within = {"tilt_respects_cii_cap": "within_cii_cap", "critical_illness_annual_cap": "8000"}
    out = run(case(("dibao",), EX_F, history={"admissions": 1, "ytd": {"critical_illness_counted": "20000"}}), **within)
    assert layer(out, "critical_illness_tilt") == 50000
    assert [w.field for w in out.warnings if w.kind == "shared_cap_used_missing"] == ["history.ytd.critical_illness"]
    # an earlier stay and no running total at all: said too (beside running_total_missing)
    out = run(case(("dibao",), EX_F, history={"admissions": 1}), **within)
    assert {"shared_cap_used_missing", "running_total_missing"} <= {w.kind for w in out.warnings}
    # not said: the amount is given (0 is an answer); the first stay of the year; A0 at the threshold (5,000: nothing
    # paid); the default reading A (no shared cap)
    quiet = [({"admissions": 1, "ytd": {"critical_illness_counted": "20000", "critical_illness": "0"}}, within),
             (None, within), ({"admissions": 1, "ytd": {"critical_illness_counted": "5000"}}, within),
             ({"admissions": 1, "ytd": {"critical_illness_counted": "20000"}}, {})]
    for history, params in quiet:
        out = run(case(("dibao",), EX_F, **({"history": history} if history else {})), **params)
        assert "shared_cap_used_missing" not in {w.kind for w in out.warnings}, history


@pytest.mark.rule("GA-PAY-3")
def test_no_plus5_outpatient():
    out = run(case(("dibao",), {"total": "1200", "in_scope": "1200", "basic_paid": "720"},
                   episode={"kind": "special_outpatient"}))
    assert layer(out, "critical_illness_tilt") == 0


@pytest.mark.rule("GA-PAY-8")
@pytest.mark.rule("GA-AMB-9")
def test_person_in_both_groups():
    # Ex F + JDLK: tilt 750 → residual 21,750; C 6,000 → top-up 15,750; personal 6,000
    out = run(case(("registered_poor", "dibao"), EX_F))
    assert (layer(out, "critical_illness_tilt"), layer(out, "tilted_payment_poor")) == (75000, 1575000)
    assert out.settlement.burden == 600000
    ids = [l.id for l in out.settlement.layers]
    assert ids.index("critical_illness_tilt") < ids.index("tilted_payment_poor") < ids.index("health_poverty_fund")
    # reading B: one rule only (the cap): 22,500 − 6,000 = 16,500
    out = run(case(("registered_poor", "dibao"), EX_F), multi_group_benefits="cap_only")
    assert (layer(out, "critical_illness_tilt"), layer(out, "tilted_payment_poor")) == (0, 1650000)
    assert out.settlement.burden == 600000


# -- order, in-county, referral ------------------------------------------------------------

@pytest.mark.rule("GA-ORDER-1")
@pytest.mark.rule("GA-ORDER-2")
@pytest.mark.rule("GA-ORDER-3")
def test_payment_order_per_group():
    ids = [l.id for l in run(case()).settlement.layers]
    assert ids == ["basic_insurance", "critical_illness", "other_payers", "tilted_payment_poor",
                   "emergency_relief", "medical_assistance_slip", "health_poverty_fund"]
    out = run(case(("dibao",), EX_F))
    assert [l.id for l in out.settlement.layers] == ["basic_insurance", "critical_illness", "other_payers",
                                                     "critical_illness_tilt", "medical_assistance_slip"]
    assert out.settlement.paid + out.settlement.burden == out.settlement.total
    assert all(l.amount >= 0 for l in out.settlement.layers)


@pytest.mark.rule("GA-PAY-7")
@pytest.mark.rule("GA-AMB-8")
def test_in_county_is_the_home_county():
    # Wusheng person in 广安区 (511602) hospital: out of county under A → no tilt, burden 6,500
    other = {"name": "广安区人民医院", "level": "county", "location": "511602"}
    path = [PRIMARY, {**FILED, "to": "广安区人民医院"}]
    out = run(case(facility=other, path=path))
    assert out.referral.kind == "not_covered" and layer(out, "tilted_payment_poor") == 0
    # reading B (whole city counts): covered, tilt 4,500
    out = run(case(facility=other, path=path), in_county_area="city")
    assert layer(out, "tilted_payment_poor") == 450000


@pytest.mark.rule("GA-REF-2")
@pytest.mark.rule("GA-REF-1")
def test_referral_gate():
    # a referral that was not filed, and no path at all: no tilt (burden 6,500)
    unfiled = [PRIMARY, {"kind": "referral", "to": "武胜县人民医院", "to_level": "county"}]
    assert layer(run(case(path=unfiled)), "tilted_payment_poor") == 0
    assert layer(run(case(path=[])), "tilted_payment_poor") == 0
    # a stay at the township centre itself needs no referral: 4,500
    prim = {"name": "武胜县中心镇卫生院", "level": "primary", "location": "511622"}
    assert layer(run(case(facility=prim, path=[])), "tilted_payment_poor") == 450000
    # skipping a level (primary → provincial) fails even when filed
    prov = {"name": "某省级医院", "level": "provincial", "location": "511622"}
    skip = [PRIMARY, {**FILED, "to": "某省级医院", "to_level": "provincial"}]
    assert run(case(facility=prov, path=skip)).referral.kind == "not_covered"


@pytest.mark.rule("GA-REF-3")
def test_referral_gate_on_chronic_outpatient():
    # Ex C non-compliant: tilt 0, personal 480 instead of 120
    out = run(case(bill={"total": "1200", "in_scope": "1200", "basic_paid": "720"},
                   episode={"kind": "special_outpatient"}, path=[]))
    assert out.settlement.burden == 48000


@pytest.mark.rule("GA-AMB-10")
def test_emergency_exception_is_a_choice():
    # strict (A): an emergency with no first contact loses the tilt (burden 6,500); exempt (B): 2,000
    c = case(path=[], episode={"emergency": True})
    assert run(c).settlement.burden == 650000
    assert run(c, referral_emergency_exempt="emergency_exempt").settlement.burden == 200000


# -- treat first, pay later; validity ---------------------------------------------------------

@pytest.mark.rule("GA-FLOW-1")
@pytest.mark.rule("GA-AMB-21")
def test_treat_first_pay_later_scope():
    forms = lambda out: {d.form_id for d in out.documents}
    # priority care only (no tilt group), public in-county hospital → agreement under A, not under B
    c = case(("priority_care",))
    assert "tfpl_agreement" in forms(run(c))
    assert "tfpl_agreement" not in forms(run(c, tfpl_scope="tilt_groups_compliant"))
    # a private designated hospital is not required to offer it
    assert "tfpl_agreement" not in forms(run(case(facility={"ownership": "private"})))


@pytest.mark.rule("GA-FLOW-3")
@pytest.mark.rule("GA-FLOW-5")
def test_agreement_waives_deposit_and_settlement_lists_receivables():
    out = run(case())
    agree = next(d for d in out.documents if d.form_id == "tfpl_agreement")
    assert agree.data["deposit"] == "0.00" and agree.due == dt.date(2018, 3, 2)
    settle = next(d for d in out.documents if d.form_id == "one_stop_settlement")
    # Ex A: the patient pays 2,000 at discharge; receivables P1 13,500, P3 4,500
    assert settle.data["personal_share"] == "2000.00"
    assert settle.data["receivables"] == {"basic_insurance": "13500.00", "tilted_payment_poor": "4500.00"}


@pytest.mark.rule("GA-SCOPE-2")
def test_effective_date_boundary():
    assert run(case(episode={"admitted": "2017-12-31", "discharged": "2018-01-05"})).referral.kind == "not_applicable"
    assert run(case(episode={"admitted": "2018-01-01", "discharged": "2018-01-05"})).eligibility.eligible


@pytest.mark.rule("GA-SCOPE-3")
@pytest.mark.rule("GA-AMB-13")
def test_validity_flag_and_end_date():
    c = case(episode={"admitted": "2021-03-02", "discharged": "2021-03-12"})
    out = run(c)
    assert out.eligibility.eligible
    assert any(r.cite and r.cite.rule == "GA-AMB-13" for r in out.eligibility.reasons)
    assert not run(case()).eligibility.reasons[-1].cite.rule == "GA-AMB-13"  # 2018: no flag
    out = run(c, policy_valid_to="2020-12-31")
    assert not out.eligibility.eligible and layer(out, "tilted_payment_poor") == 0


def test_missing_segment_table_is_named():
    eng = make_engine({"compose_parents": False}, parameters={"guangan": {"individual_premium": "220"}})
    with pytest.raises(Exception, match="critical_illness_segments"):
        eng.evaluate(case(("dibao",), EX_F), region="guangan")


# -- as Wusheng's parent --------------------------------------------------------------------

CHILD = RegionInfo(code="childtest", name_zh="测试县", name_en="Test County", division="511622",
                   parent="guangan", documents=(SourceDocument("测试", "测试", effective_from=dt.date(2018, 1, 1)),))


class Child:
    """A stand-in child region adding a residual relief fund after the Guang'an chain."""

    @hookimpl
    def jiuzhu_region(self):
        return CHILD

    @hookimpl
    def jiuzhu_eligibility(self, case, ctx):
        return Eligibility(True, ("extreme_poverty",))

    @hookimpl
    def jiuzhu_referral(self, case, ctx, eligibility):
        return ReferralVerdict("covered")

    @hookimpl
    def jiuzhu_reimbursement(self, case, ctx, eligibility, referral):
        return Plan((Layer("relief_fund", "困难群众救助补助资金", "relief fund", payer="relief_fund"),))


@pytest.mark.rule("GA-ORDER-2")
def test_guangan_layers_run_inside_the_child_chain():
    # Guang'an alone: Ex F extreme poverty → tilt 750, burden 21,750.
    alone = run(case(("extreme_poverty",), EX_F))
    assert alone.settlement.burden == 2175000
    # under the child: the tilt first, then the child's fund takes the 21,750 left → burden 0
    eng = make_engine({"compose_parents": True}, parameters={"guangan": BASE_PARAMS}, extra_plugins=[Child()])
    out = eng.evaluate(case(("extreme_poverty",), EX_F), region="childtest")
    ids = [l.id for l in out.settlement.layers]
    assert ids.index("critical_illness_tilt") < ids.index("medical_assistance_slip") < ids.index("relief_fund")
    assert (layer(out, "critical_illness_tilt"), layer(out, "relief_fund")) == (75000, 2175000)
    assert out.settlement.burden == 0
