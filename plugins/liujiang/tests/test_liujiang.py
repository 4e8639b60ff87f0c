"""Rules of 柳江区 beyond the example cases. Every expectation is worked out by hand from the seed."""

from __future__ import annotations

import datetime as dt

import pytest

from jiuzhu.model.errors import JiuzhuError, MissingParameter
from jiuzhu.model.idcard import make
from jiuzhu.model.money import to_fen
from jiuzhu.kit.testing import layer, make_case, make_engine

import jiuzhu_liujiang as lj

rule = pytest.mark.rule
DEPLOY = {"effective_date": "2025-06-01", "high_value_threshold": "1000"}

BASE = {
    "person": {"name": "测试人", "id_number": make("450206", dt.date(1950, 1, 1), 31), "hukou": "450206100201",
               "residence": "450206100201", "categories": ["extreme_poverty"], "support_mode": "home",
               "village_committee": "拉堡镇某村民委员会"},
    "facility": {"name": "柳江区人民医院", "level": "county", "location": "450206",
                 "designations": ["insurance", "assistance"]},
    "episode": {"kind": "inpatient", "admitted": "2026-03-02", "discharged": "2026-03-10",
                "path": [{"kind": "first_contact", "to": "拉堡镇卫生院", "to_level": "primary"},
                         {"kind": "referral", "to": "柳江区人民医院", "to_level": "county",
                          "actions": [{"kind": "referral_slip", "by": "first_doctor"},
                                      {"kind": "filing", "by": "township", "on": "2026-03-02"}]}]},
    "bill": {"total": "10000", "in_scope": "10000", "basic_paid": "7000"},
}
INSTITUTIONAL = {"support_mode": "institutional", "institution": "柳江区社会福利院"}


def case(over=None):
    return make_case(over or {}, base=BASE)


def evaluate(over=None, **params):
    eng = make_engine(parameters={"liujiang": {**DEPLOY, **params}})
    return eng.evaluate(case(over), region="liujiang")


def ctx(day="2026-03-02", **params):
    eng = make_engine(parameters={"liujiang": {**DEPLOY, **params}})
    return eng.context("liujiang", dt.date.fromisoformat(day))


def rules_cited(out):
    return {c.rule for c in out.citations}


def path(*actions, first_level="primary"):
    return [{"kind": "first_contact", "to": "拉堡镇卫生院", "to_level": first_level},
            {"kind": "referral", "to": "柳江区人民医院", "to_level": "county", "actions": list(actions)}]


SLIP = {"kind": "referral_slip", "by": "first_doctor"}


def items(*specs):
    """(amount, consent, approval, filed, tags) → bill with those off-catalogue items."""
    its = [{"name": f"目录外项目{i}", "amount": a, "consent": c, "approval": ap, "filed": f, "tags": list(t)}
           for i, (a, c, ap, f, t) in enumerate(specs)]
    off = sum(to_fen(a, "x") for a, *_ in specs)
    return {"bill": {"total": str((to_fen("10000", "x") + off) / 100), "in_scope": "10000", "basic_paid": "7000",
                     "fully_self_paid": str(off / 100), "items": its}}


# -- eligibility -------------------------------------------------------------------------------


@rule("LJ-ELIG-1")
def test_dibao_only_is_out_of_scope():
    out = evaluate({"person": {"categories": ["dibao"]}})
    assert not out.eligibility.eligible and out.referral.kind == "not_covered"
    assert out.settlement.assistance == 0


@rule("LJ-ELIG-1")
def test_person_recognised_elsewhere_is_out_of_scope():
    out = evaluate({"person": {"hukou": "450205100000", "residence": "450205100000"}})
    assert not out.eligibility.eligible


@rule("LJ-ELIG-5")
def test_person_without_a_support_mode_is_out_of_scope():
    assert not evaluate({"person": {"support_mode": "none"}}).eligibility.eligible


@rule("LJ-AMB-17")
def test_nexus_certification_versus_residence():
    # recognised in 柳江区 but living in 柳北区 (an entrusted institution outside the district)
    over = {"person": {"residence": "450205100000"}}
    assert evaluate(over).eligibility.eligible  # A: the place of recognition decides
    assert not evaluate(over, nexus="residence").eligibility.eligible  # B: residence decides


@rule("LJ-ELIG-2")
def test_plain_outpatient_visit_is_not_a_care_event_of_this_measure():
    out = evaluate({"episode": {"kind": "outpatient", "discharged": None}})
    assert out.referral.kind == "not_applicable"
    assert "LJ-ELIG-2" in rules_cited(out)


# -- referral and filing -------------------------------------------------------------------------


@rule("LJ-REF-2")
def test_first_contact_not_at_primary_is_flagged_only():
    out = evaluate({"episode": {"path": path(SLIP, {"kind": "filing", "by": "township"}, first_level="county")}})
    assert "LJ-REF-2" in rules_cited(out)
    # 第三条第（二）项 from 2026: no primary referral → pay first (LJ-REF-9 unreferred branch)
    assert out.referral.kind == "pay_first_claim"


@rule("LJ-REF-4")
@rule("LJ-DOC-5")
def test_district_hospital_without_referral_slip():
    out = evaluate({"episode": {"path": path({"kind": "filing", "by": "township"})}})
    assert "LJ-REF-4" in rules_cited(out)
    assert out.referral.kind == "pay_first_claim"  # 2026-03-02 ≥ 2026-01-01, unreferred
    # assistance is still paid after review: 10000 − 7000 = 3000
    assert layer(out, "medical_assistance") == 300000


@rule("LJ-AMB-12")
def test_dated_rule_tested_on_admission_or_discharge():
    over = {"episode": {"admitted": "2025-12-28", "discharged": "2026-01-05",
                        "path": path({"kind": "filing", "by": "township"})}}
    assert evaluate(over).referral.kind == "covered"  # A: admitted before 2026-01-01
    assert evaluate(over, dated_rule_test_date="discharge").referral.kind == "pay_first_claim"  # B


@rule("LJ-REF-7")
@rule("LJ-AMB-8")
def test_late_institutional_filing_is_a_flag_not_a_denial():
    over = {"person": INSTITUTIONAL,
            "episode": {"path": path(SLIP, {"kind": "filing", "by": "institution", "on": "2026-03-05"})}}
    out = evaluate(over)
    # admitted 03-02 → due 03-03; filed 03-05: late, but filed (A)
    assert out.referral.kind == "covered" and "LJ-REF-7" in rules_cited(out)
    assert evaluate(over, late_filing_treated_as_unfiled="yes").referral.kind == "not_covered"  # B


@rule("LJ-REF-8")
@rule("LJ-AMB-14")
def test_phone_report_then_form_within_three_working_days():
    over = {"person": INSTITUTIONAL,
            "episode": {"admitted": "2026-03-11", "discharged": "2026-03-20",
                        "path": path(SLIP, {"kind": "filing", "by": "institution", "on": "2026-03-12",
                                            "method": "phone"})}}
    dues = {d.due for d in evaluate(over).deadlines if "补交" in d.what_zh}
    # phone report Thu 03-12: Fri 13, Mon 16, Tue 17 → 2026-03-17
    assert dues == {dt.date(2026, 3, 17)}
    # B: from admission Wed 03-11: Thu 12, Fri 13, Mon 16 → 2026-03-16
    dues = {d.due for d in evaluate(over, phone_followup_start="admission").deadlines if "补交" in d.what_zh}
    assert dues == {dt.date(2026, 3, 16)}


@rule("LJ-AMB-13")
def test_working_days_skip_regional_holidays_a_deployment_sets():
    over = {"person": INSTITUTIONAL,
            "episode": {"admitted": "2026-03-11", "discharged": "2026-03-20",
                        "path": path(SLIP, {"kind": "filing", "by": "institution", "on": "2026-03-12",
                                            "method": "phone"})}}
    # a regional rest day on Fri 03-13 (illustrative): Mon 16, Tue 17, Wed 18 → 2026-03-18
    out = evaluate(over, extra_holidays=["2026-03-13"])
    assert {d.due for d in out.deadlines if "补交" in d.what_zh} == {dt.date(2026, 3, 18)}


@rule("LJ-REF-10")
@rule("LJ-AMB-11")
@rule("LJ-DOC-11")
def test_transfer_out_of_the_city_needs_the_regional_applications():
    nanning = {"facility": {"name": "广西医科大学第一附属医院", "level": "provincial", "location": "450103"}}
    assert "LJ-REF-10" in rules_cited(evaluate(nanning))  # A: other Guangxi cities as 市外
    assert "LJ-REF-10" not in rules_cited(evaluate(nanning, other_guangxi_city_treated_as="none"))  # B
    liubei = {"facility": {"name": "柳州市工人医院", "level": "city", "location": "450205"}}
    assert "LJ-REF-10" in rules_cited(evaluate(liubei, other_guangxi_city_treated_as="none"))


@rule("LJ-REF-11")
def test_outside_guangxi_without_insurance_approval_pays_no_assistance():
    gz = {"facility": {"name": "中山大学附属第一医院", "level": "provincial", "location": "440104"}}
    out = evaluate(gz)
    assert out.referral.kind == "not_covered" and out.settlement.assistance == 0
    assert "LJ-REF-11" in rules_cited(out)
    approved = {**gz, "episode": {"path": path(SLIP, {"kind": "filing", "by": "township"},
                                               {"kind": "approval", "by": "insurance_bureau"})}}
    out = evaluate(approved)
    assert out.referral.kind == "covered" and layer(out, "medical_assistance") == 300000  # 10000 − 7000


@rule("LJ-REF-12")
@rule("LJ-AMB-7")
def test_unfiled_outside_care_is_not_paid():
    over = {"episode": {"path": path(SLIP)}}
    out = evaluate(over)
    assert out.referral.kind == "not_covered" and out.settlement.assistance == 0
    assert out.settlement.burden == 300000  # 10000 total − 7000 basic insurance = 3000 falls on the person
    assert "LJ-REF-12" in rules_cited(out)
    out = evaluate(over, unfiled_consequence="pay_first_review")  # B: pay first, review decides
    assert out.referral.kind == "pay_first_claim" and layer(out, "medical_assistance") == 300000


@rule("LJ-AMB-9")
@rule("LJ-REF-3")
def test_primary_admission_needs_no_filing_by_default():
    over = {"facility": {"name": "拉堡镇卫生院", "level": "primary"}, "episode": {"path": []}}
    out = evaluate(over)
    assert out.referral.kind == "covered" and "attachment_1" not in [d.form_id for d in out.documents]
    assert evaluate(over, filing_scope="all_outside_events").referral.kind == "not_covered"  # B


@rule("LJ-AMB-16")
@rule("LJ-REF-6")
def test_home_based_filing_has_no_deadline_unless_chosen():
    out = evaluate()
    filing = [d for d in out.deadlines if "统一报民政局备案" in d.what_zh]
    assert filing and filing[0].due is None  # A
    out = evaluate(home_deadlines="institutional_limits")
    assert [d.due for d in out.deadlines if "统一报民政局备案" in d.what_zh] == [dt.date(2026, 3, 3)]  # B


@rule("LJ-REF-13")
@rule("LJ-DEC-6")
def test_institutional_emergency_filing_within_24_hours():
    over = {"person": INSTITUTIONAL,
            "episode": {"emergency": True, "admitted": "2026-03-10", "discharged": "2026-03-20", "path": [],
                        "actions": [{"kind": "filing", "by": "institution", "on": "2026-03-11"}]}}
    out = evaluate(over)
    assert out.referral.kind == "covered"  # no referral slip needed, no pay-first for the unreferred branch
    assert [d.due for d in out.deadlines if "补办" in d.what_zh] == [dt.date(2026, 3, 11)]
    assert "LJ-DEC-6" in rules_cited(out)


# -- entrusted persons (第五条) ---------------------------------------------------------------------

AGREEMENT = {"person": {**INSTITUTIONAL, "entrusted": True},
             "facility": {"name": "柳州市福利医院", "level": "city", "location": "450205"},
             "episode": {"diagnoses": ["F20.0"], "path": []}}


@rule("LJ-ENT-1")
@rule("LJ-ENT-2")
def test_entrusted_routine_care_follows_the_agreement():
    out = evaluate(AGREEMENT)
    assert out.referral.kind == "covered" and "LJ-ENT-2" in rules_cited(out)
    assert [d.form_id for d in out.documents] == []  # no 外出就医备案 re-imposed


@rule("LJ-ENT-3")
def test_entrusted_major_surgery_goes_through_chapter_4():
    over = {**AGREEMENT, "episode": {**AGREEMENT["episode"], "decision": "major",
                                     "actions": [{"kind": "filing", "by": "institution", "on": "2026-03-02"}]}}
    out = evaluate(over)
    assert out.signature.decision == "major" and "LJ-ENT-3" in rules_cited(out)
    assert sorted(d.form_id for d in out.documents) == ["attachment_1", "attachment_4"]


@rule("LJ-ENT-4")
def test_home_based_special_disease_under_an_arrangement_by_analogy():
    over = {**AGREEMENT, "person": {"entrusted": True}}  # home-based
    out = evaluate(over)
    assert out.referral.kind == "covered" and "LJ-ENT-2" in rules_cited(out)


# -- money ------------------------------------------------------------------------------------------


@rule("LJ-PAY-1")
@rule("LJ-PAY-2")
def test_in_catalogue_costs_leave_no_burden():
    out = evaluate({"bill": {"total": "30000", "in_scope": "30000", "basic_paid": "18000"}})
    # 30000 − 18000 = 12000 to assistance, support fund 0, burden 0
    assert layer(out, "medical_assistance") == 1200000 and layer(out, "relief_fund") == 0
    assert out.settlement.burden == 0


@rule("LJ-PAY-3")
def test_premium_fully_subsidised():
    c = ctx(premium_individual_contribution="400")
    s = lj.premium_subsidy(c)
    assert (s.subsidy, s.personal) == (40000, 0)  # 400 yuan × 100%, nothing left to the person
    assert s.cite.rule == "LJ-PAY-3" and s.payer.startswith("未载明")  # the seed names no payer
    with pytest.raises(MissingParameter):
        lj.premium_subsidy(ctx())


@rule("LJ-PAY-4")
def test_no_deductible_even_with_a_slip_deductible():
    out = evaluate({"bill": {"total": "8000", "in_scope": "8000", "deductible": "500", "basic_paid": "5000"}})
    assert layer(out, "medical_assistance") == 300000  # 8000 − 5000, no 起付线


@rule("LJ-PAY-5")
def test_third_admission_after_the_cap_gets_nothing():
    eng = make_engine(parameters={"liujiang": DEPLOY})
    out = eng.evaluate(make_case({"history": {"ytd": {"inpatient_assistance": "60000"}}}, base=BASE), region="liujiang")
    assert layer(out, "medical_assistance") == 0 and layer(out, "relief_fund") == 300000


@rule("LJ-AMB-28")
def test_countable_amount_derived_or_from_the_slip():
    over = {"bill": {"total": "10000", "in_scope": "10000", "basic_paid": "7000", "assistance_paid": "2500"}}
    out = evaluate(over)
    assert layer(out, "medical_assistance") == 300000  # A (derived): 10000 − 7000
    out = evaluate(over, countable_ma_source="slip")
    # B: the slip's 2500 as given; the support fund covers 3000 − 2500 = 500
    assert layer(out, "medical_assistance_slip") == 250000 and layer(out, "relief_fund") == 50000


# -- self-pay double review ---------------------------------------------------------------------------


def review(over, **params):
    return lj.review_items(case(over), ctx(**params))


@rule("LJ-SELF-1")
@rule("LJ-AMB-6")
def test_review_trigger_is_200_inclusive():
    assert [r.subject for r in review(items(("200", True, "approved", False, ()), ("199.99", False, "none", False, ())))] \
        == [True, False]
    assert not review(items(("200", True, "approved", False, ())), review_threshold_inclusive="exclusive")[0].subject


@rule("LJ-SELF-5")
def test_bureau_filing_thresholds_are_strict():
    # exactly 1000 single, exactly 2000 cumulative: no filing
    r = review(items(("1000", True, "approved", False, ()), ("1000", True, "approved", False, ())))
    assert [x.bureau_filing for x in r] == [False, False]
    # 800, 900, 500: cumulative 1700 then 2200 > 2000 → the third needs filing
    r = review(items(("800", True, "approved", False, ()), ("900", True, "approved", False, ()),
                     ("500", True, "approved", False, ())))
    assert [x.bureau_filing for x in r] == [False, False, True]
    assert review(items(("1500", True, "approved", False, ())))[0].bureau_filing  # 1500 > 1000


@rule("LJ-AMB-4")
def test_cumulative_counts_small_items_by_default():
    specs = items(("150", False, "none", False, ()), ("1000", True, "approved", True, ()),
                  ("900", True, "approved", True, ()))
    assert [x.bureau_filing for x in review(specs)] == [False, False, True]  # A: 150 + 1000 + 900 = 2050 > 2000
    assert [x.bureau_filing for x in review(specs, self_pay_cumulative_items="reviewed_only")] == \
        [False, False, False]  # B: 1000 + 900 = 1900


@rule("LJ-SELF-6")
@rule("LJ-AMB-24")
def test_item_needing_bureau_review_is_unapproved_until_filed():
    specs = items(("1500", True, "approved", False, ()))
    assert review(specs)[0].status == "unapproved"  # A
    assert review(specs, bureau_review_is_approval="no")[0].status == "approved"  # B: record only
    assert review(items(("1500", True, "approved", True, ())))[0].status == "approved"


@rule("LJ-SELF-10")
@rule("LJ-AMB-23")
def test_emergency_item_is_not_refusable():
    specs = items(("2800", False, "none", False, ("emergency",)))
    r = review(specs)[0]
    assert r.status == "emergency" and r.bureau_filing  # 2800 > 1000: post-filed with the bureau
    assert review(specs, emergency_self_pay_handling="unapproved")[0].status == "unapproved"


@rule("LJ-AMB-31")
def test_items_below_the_trigger_are_not_subject():
    specs = items(("150", False, "none", False, ()))
    assert review(specs)[0].status == "not_subject"
    assert review(specs, subthreshold_items="unapproved")[0].status == "unapproved"


@rule("LJ-AMB-25")
def test_double_review_for_entrusted_persons():
    specs = {**items(("500", False, "none", False, ())), "person": {"entrusted": True}}
    assert review(specs)[0].subject  # A
    assert not review(specs, entrusted_double_review="no")[0].subject  # B


@rule("LJ-AMB-10")
def test_refused_item_borne_by_the_facility_or_the_person():
    specs = items(("600", False, "refused", False, ()))
    out = evaluate(specs)
    assert layer(out, "proposer_bears") == 60000 and out.settlement.burden == 0  # A: the proposing facility
    out = evaluate(specs, proposer_default="person")
    assert layer(out, "proposer_bears") == 0 and out.settlement.burden == 60000  # B


@rule("LJ-AMB-18")
def test_high_value_threshold_is_a_deployment_parameter():
    eng = make_engine(parameters={"liujiang": {"effective_date": "2025-06-01"}})
    with pytest.raises(JiuzhuError, match="high_value_threshold"):
        eng.evaluate(case(items(("500", True, "approved", False, ()))), region="liujiang")
    # reading B: every reviewed item is high-value (200) → a 500-yuan item makes the decision major
    assert evaluate(items(("500", True, "approved", False, ())), high_value_threshold="200").signature.decision == "major"
    assert evaluate(items(("500", True, "approved", False, ()))).signature.decision == "routine"  # 1000


# -- signature ----------------------------------------------------------------------------------------


NO_CAPACITY = {"has_full_capacity": False}


@rule("LJ-SIGN-3")
@rule("LJ-AMB-21")
def test_unreachable_guardian_keeps_the_authority():
    over = {"person": {**NO_CAPACITY, "guardian": {"name": "韦某", "present": False},
                       "agents": [{"name": "某村干部", "relation": "村委会指定人员"}]}}
    out = evaluate(over)
    assert (out.signature.signer_role, out.signature.rank) == ("guardian", 2)  # A: no skipping
    assert "LJ-AMB-21" in rules_cited(out)
    out = evaluate(over, unreachable_passes_down="yes")
    assert (out.signature.signer_role, out.signature.rank) == ("agent", 3)  # B


@rule("LJ-SIGN-4")
def test_entrusted_agent_signs_at_rank_3():
    out = evaluate({"person": {**NO_CAPACITY, "agents": [{"name": "某护理员", "relation": "供养机构工作人员"}]}})
    assert (out.signature.signer_role, out.signature.rank) == ("agent", 3)
    assert [p.rank for p in out.signature.passed_over] == [1, 2]
    assert "rank4_filing" not in [d.form_id for d in out.documents]


@rule("LJ-SIGN-7")
def test_capable_person_facing_major_surgery_signs_himself():
    out = evaluate({"person": {"agents": [{"name": "柳江区社会福利院", "relation": "书面委托"}]},
                    "episode": {"decision": "major"}})
    assert (out.signature.signer_role, out.signature.rank) == ("patient", 1)


@rule("LJ-SIGN-6")
def test_unable_guardian_is_passed_over_to_rank_4():
    out = evaluate({"person": {**NO_CAPACITY, "guardian": {"name": "某", "able": False}}})
    assert (out.signature.signer_role, out.signature.rank) == ("village_committee", 4)
    assert "civil_affairs_bureau" in out.signature.approvals
    assert "LJ-SIGN-6" in rules_cited(out)


@rule("LJ-AMB-22")
def test_routine_rank_4():
    over = {"person": NO_CAPACITY}
    assert evaluate(over).signature.signer_role == "village_committee"  # A
    out = evaluate(over, routine_allows_rank4="no")  # B: wait for a written entrustment
    assert (out.signature.signer_role, out.signature.rank, out.signature.signer_name) == ("agent", 3, "")


@rule("LJ-DEC-1")
def test_surgery_diagnosis_makes_the_decision_major():
    out = evaluate({"episode": {"diagnoses": ["surgery"]}})
    assert out.signature.decision == "major" and "attachment_4" in [d.form_id for d in out.documents]


@rule("LJ-AMB-19")
def test_major_treatment_waits_for_the_bureau_only_under_reading_b():
    acts = [SLIP, {"kind": "filing", "by": "township"}, {"kind": "appraisal", "by": "attending_doctor"},
            {"kind": "appraisal", "by": "expert"}]
    over = {"episode": {"decision": "major", "path": path(*acts)}}
    why = [r.zh for r in evaluate(over).signature.reasons if r.cite.rule == "LJ-DEC-3"][0]
    assert "评估已完成" in why  # A
    why = [r.zh for r in evaluate(over, bureau_approval_blocks_major="yes").signature.reasons
           if r.cite.rule == "LJ-DEC-3"][0]
    assert "不得开展" in why  # B: no bureau approval recorded


# -- settlement deadlines --------------------------------------------------------------------------


@rule("LJ-SET-5")
def test_home_based_manual_claim_has_no_deadline_unless_chosen():
    over = {"facility": {"designations": ["insurance"]},
            "episode": {"admitted": "2026-03-02", "discharged": "2026-03-09"}}
    out = evaluate(over)
    assert out.referral.kind == "pay_first_claim"
    assert [d.due for d in out.deadlines if "手工" in d.what_zh] == [None]
    out = evaluate(over, home_deadlines="institutional_limits")
    assert [d.due for d in out.deadlines if "手工" in d.what_zh] == [dt.date(2026, 3, 30)]  # 15 wd after 03-09


@rule("LJ-SET-3", "LJ-SET-4", "LJ-SET-5")
def test_one_stop_not_made_is_a_manual_claim_within_15_working_days():
    # 第十三条: at a designated facility one-stop failed or is not networked → 手工医疗救助报销; an institutional
    # person applies within 15 working days of discharge (Tue 2026-03-10): 03-11..13 (3), 03-16..20 (8),
    # 03-23..27 (13), 03-30 (14), 03-31 (15) → 2026-03-31. The money is the same: 10000 − 7000 = 3000 at 100 %.
    for mode in ("manual", "not_networked"):
        out = evaluate({"person": INSTITUTIONAL, "episode": {"settlement": mode}})
        assert out.referral.kind == "pay_first_claim" and "LJ-SET-3" in rules_cited(out)
        assert "LJ-SET-1" not in rules_cited(out)  # not "one-stop direct settlement"
        assert [d.due for d in out.deadlines if d.cite.rule == "LJ-SET-4"] == [dt.date(2026, 3, 31)]
        assert layer(out, "medical_assistance") == 300_000
    late = evaluate({"person": INSTITUTIONAL, "episode": {"settlement": "manual", "claimed_on": "2026-04-01"}})
    assert any(r.cite.rule == "LJ-SET-4" and "逾期" in r.zh for r in late.referral.reasons)
    assert layer(late, "medical_assistance") == 300_000  # lateness is flagged, not a denial (no consequence stated)
    timely = evaluate({"person": INSTITUTIONAL, "episode": {"settlement": "manual", "claimed_on": "2026-03-31"}})
    assert not any("逾期" in r.zh for r in timely.referral.reasons)
    home = evaluate({"episode": {"settlement": "manual"}})  # 分散供养: no limit stated (LJ-SET-5)
    assert home.referral.kind == "pay_first_claim"
    assert [d.due for d in home.deadlines if d.cite.rule == "LJ-SET-5"] == [None]
    one_stop = evaluate({"person": INSTITUTIONAL})
    assert one_stop.referral.kind == "covered" and "LJ-SET-1" in rules_cited(one_stop)


def test_a_year_the_calendar_does_not_know_degrades_and_strict_is_an_error():
    over = {"person": INSTITUTIONAL, "facility": {"designations": ["insurance"]},
            "episode": {"admitted": "2035-03-01", "discharged": "2035-03-09",
                        "path": path(SLIP, {"kind": "filing", "by": "institution"})}}
    out = evaluate(over)
    # 第六条: 10,000 − 7,000 basic = 3,000 at 100 %, still paid; only the 15-working-day claim is unknown
    assert layer(out, "medical_assistance") == 300_000
    assert [d.cite.rule for d in out.deadlines if d.basis == "unknown"] == ["LJ-SET-4"]
    assert [w.kind for w in out.warnings].count("deadline_unknown") == 1
    eng = make_engine(parameters={"liujiang": DEPLOY})
    eng.strict = True
    with pytest.raises(JiuzhuError, match="calendar"):
        eng.evaluate(case(over), region="liujiang")


# -- follow-up visits (第十六条) -----------------------------------------------------------------------


@rule("LJ-VISIT-4")
@rule("LJ-VISIT-5")
def test_fully_disabled_monthly_visits():
    c = ctx()
    sched = lj.visit_schedule("fully_disabled", 2026, c)
    assert len(sched) == 12 and sched[0] == dt.date(2026, 1, 31) and sched[1] == dt.date(2026, 2, 28)
    missed = lj.missed_visits("fully_disabled", 2026, [dt.date(2026, 1, 5), dt.date(2026, 2, 20)], c)
    assert missed[0] == dt.date(2026, 3, 31) and len(missed) == 10


@rule("LJ-VISIT-6")
def test_semi_disabled_quarterly_visits():
    c = ctx()
    assert lj.visit_schedule("semi_disabled", 2026, c) == [dt.date(2026, 3, 31), dt.date(2026, 6, 30),
                                                            dt.date(2026, 9, 30), dt.date(2026, 12, 31)]
    assert lj.missed_visits("semi_disabled", 2026, [dt.date(2026, 2, 14)], c)[0] == dt.date(2026, 6, 30)


@rule("LJ-VISIT-7")
def test_self_care_yearly_visit():
    c = ctx()
    assert lj.visit_schedule("self_care", 2026, c) == [dt.date(2026, 12, 31)]
    assert lj.missed_visits("self_care", 2026, [dt.date(2026, 9, 14)], c) == []


@rule("LJ-SELF-2")
@rule("LJ-SELF-3")
@rule("LJ-SELF-4")
@rule("LJ-ELIG-5")
def test_consent_form_routes_the_review_by_support_mode():
    specs = items(("1500", True, "approved", False, ()))
    home = [d for d in evaluate(specs).documents if d.form_id == "attachment_3"][0]
    assert home.who == "主治医生"  # 主治医生填写知情同意书
    assert home.data["first_reviewer"] == "村（居）委会负责人及监护人/委托代理人"
    assert home.data["bureau_route"] == "镇人民政府社会救助经办机构报柳江区民政局社会救助股"
    assert home.data["bureau_filing_required"] is True and home.data["status"] == "unapproved"  # not yet filed
    inst = [d for d in evaluate({**specs, "person": INSTITUTIONAL}).documents if d.form_id == "attachment_3"][0]
    assert inst.data["first_reviewer"] == "供养机构负责人"
    assert inst.data["bureau_route"] == "供养机构报柳江区民政局社会救助股"
