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
# 第十条第3项: a written entrustment by the township government to a person the village committee designates
WRITTEN_VILLAGE = {"entrustment": "written", "entrusted_by": "township", "acting_as": "village_designee"}


@rule("LJ-SIGN-3")
@rule("LJ-AMB-21")
def test_unreachable_guardian_keeps_the_authority():
    over = {"person": {**NO_CAPACITY, "guardian": {"name": "韦某", "present": False},
                       "agents": [{"name": "某村干部", "relation": "村委会指定人员", **WRITTEN_VILLAGE}]}}
    out = evaluate(over)
    assert (out.signature.signer_role, out.signature.rank) == ("guardian", 2)  # A: no skipping
    assert "LJ-AMB-21" in rules_cited(out)
    out = evaluate(over, unreachable_passes_down="yes")
    assert (out.signature.signer_role, out.signature.rank) == ("agent", 3)  # B


@rule("LJ-SIGN-4")
def test_entrusted_agent_signs_at_rank_3():
    out = evaluate({"person": {**NO_CAPACITY, "agents": [{"name": "某护理员", "relation": "供养机构工作人员",
                                                          "entrustment": "written", "entrusted_by": "township",
                                                          "acting_as": "institution_staff"}]}})
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


# == money follows the computed review status (第七条第4项, 第十四条) ======================================
# BASE: in-scope 10000, basic insurance 7000 → medical assistance 10000 − 7000 = 3000 (第六条, 100%, no 起付线).


def item_bill(amount, **item):
    """One off-catalogue item on top of BASE's 10000 in-scope cost."""
    it = {"name": "目录外项目", "amount": amount, **item}
    return {"bill": {"total": str((to_fen("10000", "x") + to_fen(amount, "x")) / 100), "in_scope": "10000",
                     "basic_paid": "7000", "fully_self_paid": amount, "items": [it]}}


@rule("LJ-SELF-6")
@rule("LJ-SELF-9")
def test_unapproved_item_moves_to_the_proposer_whatever_the_input_flag():
    # 1500 with consent and a passed first review, but 1500 > 1000 needs the bureau's 审核备案, not filed →
    # unapproved (LJ-AMB-24 A); the input approval is "approved", not "refused", yet the proposer bears it
    out = evaluate(item_bill("1500", consent=True, approval="approved", filed=False))
    assert layer(out, "medical_assistance") == 300000 and layer(out, "proposer_bears") == 150000
    # 11500 − 7000 basic − 3000 assistance − 1500 proposer = 0 for the person
    assert out.settlement.burden == 0
    why = [r.zh for r in out.referral.reasons if r.cite.rule == "LJ-SELF-9"]
    assert why and "收治医疗机构" in why[0]  # the default proposer (LJ-AMB-10 A) named in the reason


@rule("LJ-SELF-7")
def test_unapproved_item_without_any_review_is_moved_too():
    out = evaluate(item_bill("600", consent=False, approval="none"))
    assert layer(out, "proposer_bears") == 60000 and out.settlement.burden == 0  # 10600 − 7000 − 3000 − 600


@rule("LJ-SELF-10")
def test_a_refused_emergency_item_stays_funded_as_reasonable_self_pay():
    # 第七条第4项 refuses 「非急救」 items only: the input says refused, the computed status is emergency
    out = evaluate(item_bill("2800", approval="refused", tags=["emergency"]))
    assert "proposer_bears" not in [l.id for l in out.settlement.layers]
    assert out.settlement.burden == 280000  # 12800 − 7000 − 3000: the person's share, from her allowance (第十四条)
    assert "LJ-SELF-10" in rules_cited(out) and "LJ-SELF-9" not in rules_cited(out)


@rule("LJ-AMB-31")
def test_a_refused_item_below_the_trigger_is_not_moved():
    out = evaluate(item_bill("150", approval="refused"))  # 150 < 200: not subject to the double review
    assert "proposer_bears" not in [l.id for l in out.settlement.layers]
    assert out.settlement.burden == 15000  # 10150 − 7000 − 3000


@rule("LJ-AMB-10")
def test_an_item_the_person_proposed_stays_with_her():
    out = evaluate(item_bill("600", approval="refused", proposer="patient"))
    assert "proposer_bears" not in [l.id for l in out.settlement.layers]
    assert out.settlement.burden == 60000  # she is the 建议方
    assert any("本人建议使用" in r.zh for r in out.referral.reasons)


def test_an_item_proposer_written_in_chinese_is_read_the_same():
    assert evaluate(item_bill("600", proposer="本人")).settlement.burden == 60000  # the person herself
    out = evaluate(item_bill("600", proposer="主治医生"))  # free text naming someone else
    assert layer(out, "proposer_bears") == 60000 and any("主治医生" in r.zh for r in out.referral.reasons)


def test_the_proposer_bears_the_item_even_when_the_stay_is_not_paid():
    # unfiled outside care (第四条第3项): no medical assistance; the unapproved 600 item is still the proposer's
    over = {**item_bill("600"), "episode": {"path": path(SLIP)}}
    out = evaluate(over)
    assert out.referral.kind == "not_covered" and layer(out, "proposer_bears") == 60000
    assert out.settlement.burden == 300000  # 10600 − 7000 − 600
    # the reason no longer guesses the outing's proposer from an item's proposer
    assert any("由建议方或当事人自行承担" in r.zh for r in out.referral.reasons)


def test_what_a_proposer_absorbs_is_not_assistance():
    out = evaluate(item_bill("600"))
    # layers paid beyond the slip: 3000 assistance + 600 proposer; only 3000 is assistance (各地区救助合计)
    assert out.settlement.paid == 700000 + 300000 + 60000
    assert out.settlement.assistance == 300000
    assert [l.assistance for l in out.settlement.layers if l.id == "proposer_bears"] == [False]


# == 「合规医疗费用（符合医保目录）」: the reading is a switch (第六条第一款) ==================================

LISTED = {"bill": {"total": "12000", "in_scope": "10000", "first_self_paid": "1200", "over_limit": "800",
                   "basic_paid": "7000"}}


@rule("LJ-PAY-2")
def test_class_b_first_self_pay_and_over_limit_follow_the_chosen_reading():
    out = evaluate(LISTED)  # A (inventory): in-scope only → 10000 − 7000 = 3000; 1200 + 800 = 2000 stays
    assert layer(out, "medical_assistance") == 300000 and out.settlement.burden == 200000
    why = [r.zh for r in out.referral.reasons if r.cite.rule == "LJ-PAY-2"]
    assert why and "乙类先行自付1200.00元" in why[0] and "超限价自付800.00元" in why[0]  # said, not silent
    out = evaluate(LISTED, compliant_costs="listed")  # 10000 + 1200 − 7000 = 4200; 800 stays
    assert layer(out, "medical_assistance") == 420000 and out.settlement.burden == 80000
    out = evaluate(LISTED, compliant_costs="listed_and_over_limit")  # 10000 + 1200 + 800 − 7000 = 5000
    assert layer(out, "medical_assistance") == 500000 and out.settlement.burden == 0
    assert not [r for r in out.referral.reasons if r.cite.rule == "LJ-PAY-2"]


# == the signer at every rank (第十条) ==========================================================================


def signer(out):
    return out.signature.signer_role, out.signature.rank


@rule("LJ-SIGN-4")
def test_an_orally_entrusted_neighbour_does_not_sign_at_rank_3():
    over = {"person": {**NO_CAPACITY, "agents": [{"name": "邻居", "entrustment": "oral", "entrusted_by": "patient"}]}}
    out = evaluate(over)
    assert signer(out) == ("village_committee", 4)  # rank 3 does not exist → rank 4
    assert any("口头委托" in r.zh for r in out.signature.reasons)
    assert "邻居" not in " ".join(r.zh for r in out.signature.reasons)  # no personal names in the reasons
    # a written entrustment, but to someone who is neither institution staff nor a village designee
    over["person"]["agents"] = [{"name": "邻居", "entrustment": "written", "entrusted_by": "patient"}]
    assert signer(evaluate(over)) == ("village_committee", 4)
    # an entrustor the seed does not name (a relative) is not enough either
    over["person"]["agents"] = [{"name": "某", **WRITTEN_VILLAGE, "entrusted_by": "caregiver"}]
    assert signer(evaluate(over)) == ("village_committee", 4)
    over["person"]["agents"] = [{"name": "某", **WRITTEN_VILLAGE}]
    assert signer(evaluate(over)) == ("agent", 3)


@rule("LJ-SIGN-7")
def test_the_village_committee_itself_may_be_the_agent_for_a_major_decision_only():
    agent = {"name": "某村民委员会", "entrustment": "written", "entrusted_by": "township", "acting_as": "village_committee"}
    routine = {"person": {**NO_CAPACITY, "agents": [agent]}}
    assert signer(evaluate(routine)) == ("village_committee", 4)  # routine: not an agent post of 第十条第3项
    major = {**routine, "episode": {"decision": "major"}}
    assert signer(evaluate(major)) == ("agent", 3)  # 第十条注: 涉及重大医疗决策时…可作为委托代理人


@rule("LJ-AMB-21")
def test_a_refusing_guardian_is_not_a_guardian_who_cannot_act():
    agents = [{"name": "某村干部", **WRITTEN_VILLAGE}]
    refusing = {"person": {**NO_CAPACITY, "guardian": {"name": "韦某", "refuses": True}, "agents": agents}}
    out = evaluate(refusing)
    assert signer(out) == ("guardian", 2)  # able: no skipping to the agent
    assert [p.rank for p in out.signature.passed_over] == [1]
    assert any("拒绝签字" in r.zh and "不得越位" in r.zh for r in out.signature.reasons)
    # reading B of LJ-AMB-21 is about unreachable holders only; a refusal still keeps the authority
    assert signer(evaluate(refusing, unreachable_passes_down="yes")) == ("guardian", 2)
    unable = {"person": {**NO_CAPACITY, "guardian": {"name": "韦某", "able": False}, "agents": agents}}
    out = evaluate(unable)
    assert signer(out) == ("agent", 3)  # lacking capacity: passed over with its own reason
    assert out.signature.passed_over[1].why_zh == "法定监护人或法定义务人不具备能力"


@rule("LJ-SIGN-1")
def test_an_unreachable_agent_does_not_block_a_reachable_one_of_the_same_rank():
    agents = [{"name": "甲", **WRITTEN_VILLAGE, "present": False}, {"name": "乙", **WRITTEN_VILLAGE}]
    out = evaluate({"person": {**NO_CAPACITY, "agents": agents}})
    assert signer(out) == ("agent", 3) and out.signature.signer_name == "乙"
    # both unreachable: the first keeps the authority under A and treatment waits
    agents[1] = {**agents[1], "present": False}
    out = evaluate({"person": {**NO_CAPACITY, "agents": agents}})
    assert (signer(out), out.signature.signer_name) == (("agent", 3), "甲")
    assert "LJ-AMB-21" in rules_cited(out)


@rule("LJ-SIGN-5")
@rule("LJ-AMB-20")
def test_major_public_interest_lets_rank_4_sign():
    over = {"episode": {"public_interest": True}}  # the person is capable (rank 1 able)
    out = evaluate(over)
    assert signer(out) == ("village_committee", 4)  # 「或涉及重大公共利益时」: an alternative ground
    assert "rank4_filing" in [d.form_id for d in out.documents] and "civil_affairs_bureau" in out.signature.approvals
    out = evaluate({"person": INSTITUTIONAL, **over})
    assert signer(out) == ("institution_head", 4)
    out = evaluate(over, public_interest_overrides_order="no")  # B: rank 4 still needs ranks 1–3 absent
    assert signer(out) == ("patient", 1) and "LJ-AMB-20" in rules_cited(out)


@rule("LJ-DEC-5")
def test_an_emergency_without_a_signature_asks_for_no_rank_4_filing():
    over = {"person": NO_CAPACITY, "episode": {"emergency": True, "path": [],
                                               "actions": [{"kind": "filing", "by": "township", "on": "2026-03-02"}]}}
    out = evaluate(over)
    assert signer(out) == ("village_committee", 4)
    assert "rank4_filing" not in [d.form_id for d in out.documents]
    assert "civil_affairs_bureau" not in out.signature.approvals
    assert not [d for d in out.deadlines if "第四顺位" in d.what_zh]
    # the committee head did sign afterwards: that signature is filed (第十条第4项)
    over["episode"]["actions"].append({"kind": "signature", "by": "village_committee", "on": "2026-03-03"})
    assert "rank4_filing" in [d.form_id for d in evaluate(over).documents]


# == working days and the Guangxi 壮族三月三 rest days (LJ-AMB-13) ===========================================
# 2026: lunar 3/3 = Sun 2026-04-19, 3/4 = Mon 04-20 → the weeks Mon 04-13 … Sun 04-26. The national calendar
# has 04-18/19 and 04-25/26 as weekends and every weekday of those weeks as a working day.

PHONE_APRIL = {"person": INSTITUTIONAL,
               "episode": {"admitted": "2026-04-16", "discharged": "2026-04-28",
                           "path": path(SLIP, {"kind": "filing", "by": "institution", "on": "2026-04-17",
                                               "method": "phone"})}}


@rule("LJ-AMB-13")
def test_a_count_spanning_sanyuesan_the_deployment_has_not_described_is_unknown_never_early():
    # phone report Fri 04-17; nationally Mon 20, Tue 21, Wed 22 → 04-22, inside the 三月三 weeks: it would be
    # two days early if 04-20/21 are Guangxi rest days, so the deadline is unknown and the outcome says why
    from jiuzhu.model.outcome import UnknownDue
    out = evaluate(PHONE_APRIL)
    dues = [d.due for d in out.deadlines if "补交" in d.what_zh]
    assert len(dues) == 1 and isinstance(dues[0], UnknownDue) and dues[0].year == 2026
    warn = [w for w in out.warnings if w.kind == "deadline_unknown"]
    assert warn and "extra_holidays" in warn[0].zh and "三月三" in warn[0].zh
    assert out.referral.kind == "covered" and layer(out, "medical_assistance") == 300000  # money unaffected
    # a strict engine refuses instead, naming the parameter and the year
    from jiuzhu.rules.engine import Engine
    eng = make_engine(parameters={"liujiang": DEPLOY})
    strict = Engine(host=eng.host, deployment=eng.deployment, strict=True)
    with pytest.raises(JiuzhuError, match=r"extra_holidays.*三月三 2026"):
        strict.evaluate(case(PHONE_APRIL), region="liujiang")


@rule("LJ-AMB-13")
def test_sanyuesan_rest_days_the_deployment_lists_are_skipped():
    # illustrative rest days Mon 04-20 and Tue 04-21: Wed 22, Thu 23, Fri 24 → 2026-04-24
    out = evaluate(PHONE_APRIL, extra_holidays=["2026-04-20", "2026-04-21"])
    assert [d.due for d in out.deadlines if "补交" in d.what_zh] == [dt.date(2026, 4, 24)]


@rule("LJ-AMB-13")
def test_a_count_clear_of_sanyuesan_needs_no_regional_days():
    # phone report Thu 2026-03-12 → Fri 13, Mon 16, Tue 17 (LJ-REF-8's own example), far from April
    over = {"person": INSTITUTIONAL,
            "episode": {"admitted": "2026-03-11", "discharged": "2026-03-20",
                        "path": path(SLIP, {"kind": "filing", "by": "institution", "on": "2026-03-12",
                                            "method": "phone"})}}
    assert [d.due for d in evaluate(over).deadlines if "补交" in d.what_zh] == [dt.date(2026, 3, 17)]


@rule("LJ-REF-6")
@rule("LJ-AMB-16")
def test_the_three_working_day_form_deadline_is_for_institutional_residents_only():
    over = {"episode": {"path": path(SLIP, {"kind": "filing", "by": "township", "on": "2026-03-02",
                                            "method": "phone"})}}
    assert not [d for d in evaluate(over).deadlines if "补交" in d.what_zh]  # home-based: none stated
    # reading B applies the institutional limits: phone Mon 03-02 → Tue 3, Wed 4, Thu 5
    out = evaluate(over, home_deadlines="institutional_limits")
    assert [d.due for d in out.deadlines if "补交" in d.what_zh] == [dt.date(2026, 3, 5)]


# == the register's composed and principle rules, exercised ============================================


@rule("LJ-EFF-4")
def test_every_citation_carries_the_draft_status():
    out = evaluate()
    assert out.citations and all("征求意见稿" in c.document for c in out.citations)


@rule("LJ-REF-5")
def test_institutional_filing_route_is_the_institution_to_the_bureau():
    over = {"person": INSTITUTIONAL, "episode": {"path": path(SLIP, {"kind": "filing", "by": "institution",
                                                                     "on": "2026-03-02"})}}
    d = [d for d in evaluate(over).deadlines if "外出就医备案表" in d.what_zh][0]
    # 第四条第2项「由供养机构填写《外出就医备案表》报柳江区民政局备案」, admitted 03-02 + 24 h → 03-03
    assert (d.who, d.to, d.due) == ("供养机构", "柳江区民政局", dt.date(2026, 3, 3))


@rule("LJ-REF-14")
def test_precedence_out_of_region_unapproved_and_unfiled():
    # step 1 (LJ-REF-11) decides: no assistance; the unfiled outing (LJ-REF-12) is still listed
    over = {"facility": {"name": "中山大学附属第一医院", "level": "provincial", "location": "440104"},
            "episode": {"path": path(SLIP)}}
    out = evaluate(over)
    assert out.referral.kind == "not_covered" and out.settlement.assistance == 0
    assert {"LJ-REF-11", "LJ-REF-12"} <= rules_cited(out)


@rule("LJ-SET-2")
@rule("LJ-SET-1")
def test_one_stop_settlement_when_covered_at_a_designated_facility():
    out = evaluate()
    assert out.referral.kind == "covered" and {"LJ-SET-1", "LJ-SET-2"} <= rules_cited(out)
    out = evaluate({"facility": {"designations": ["insurance"]}})  # not assistance-designated, 2026: pay first
    assert out.referral.kind == "pay_first_claim" and "LJ-SET-2" not in rules_cited(out)


# == emergencies are paid; the 24-hour report is a duty (第十一条, 第四条第3项) ===============================

TOWNSHIP_CENTRE = {"name": "拉堡镇卫生院", "level": "primary", "location": "450206",
                   "designations": ["insurance", "assistance"]}


@rule("LJ-DEC-7")
def test_an_emergency_at_a_township_centre_with_nothing_filed_is_paid_and_flagged():
    emergency = {"facility": TOWNSHIP_CENTRE, "episode": {"emergency": True, "path": [], "actions": []}}
    plain = {"facility": TOWNSHIP_CENTRE, "episode": {"path": [], "actions": []}}
    out, same = evaluate(emergency), evaluate(plain)
    # 第四条第3项 refuses 「未经备案自行外出就医」 only; a rescue is not self-arranged: 10000 − 7000 = 3000 both
    assert out.referral.kind == same.referral.kind == "covered"
    assert layer(out, "medical_assistance") == layer(same, "medical_assistance") == 300000
    assert "LJ-REF-12" not in rules_cited(out)
    flag = [r.zh for r in out.referral.reasons if r.cite.rule == "LJ-DEC-7"]
    assert flag and "2026-03-03" in flag[0] and "不是救助支付的条件" in flag[0]  # admitted 03-02, 24 h → 03-03


@rule("LJ-REF-13")
def test_a_notification_is_a_report():
    # 报备 is the model's action kind notification: it counts for an emergency and for an outside referral
    emergency = {"episode": {"emergency": True, "path": [],
                             "actions": [{"kind": "notification", "by": "village_committee", "on": "2026-03-02"}]}}
    out = evaluate(emergency)
    assert out.referral.kind == "covered" and not any("合规提示" in r.zh for r in out.referral.reasons)
    referral = {"episode": {"path": path(SLIP, {"kind": "notification", "by": "township", "on": "2026-03-02"})}}
    out = evaluate(referral)
    assert out.referral.kind == "covered" and layer(out, "medical_assistance") == 300000


@rule("LJ-DEC-6")
def test_a_late_emergency_report_is_a_flag_with_no_other_consequence():
    over = {"person": INSTITUTIONAL,
            "episode": {"emergency": True, "path": [],
                        "actions": [{"kind": "filing", "by": "institution", "on": "2026-03-04"}]}}
    out = evaluate(over)  # admitted 03-02 → due 03-03 (by the day); filed 03-04: late
    assert out.referral.kind == "covered" and layer(out, "medical_assistance") == 300000
    assert any("逾期" in r.zh and r.cite.rule == "LJ-DEC-6" for r in out.referral.reasons)


# == unmet duties as compliance flags (LJ-REF-14) =========================================================


@rule("LJ-REF-2")
def test_self_presentation_without_first_contact_is_flagged():
    over = {"episode": {"path": [{"kind": "self", "to": "柳江区人民医院", "to_level": "county",
                                  "actions": [{"kind": "filing", "by": "township", "on": "2026-03-02"}]}]}}
    out = evaluate(over)
    assert any("未经首诊" in r.zh for r in out.referral.reasons)
    assert out.referral.kind == "pay_first_claim"  # and from 2026 the unreferred branch of 第三条第（二）项


@rule("LJ-REF-4")
def test_a_slip_not_written_by_the_first_contact_doctor_does_not_count():
    over = {"episode": {"path": path({"kind": "referral_slip", "by": "attending_doctor"},
                                     {"kind": "filing", "by": "township", "on": "2026-03-02"})}}
    out = evaluate(over)
    assert any("非首诊医生出具" in r.zh for r in out.referral.reasons)
    assert out.referral.kind == "pay_first_claim"  # no valid slip → not a primary referral (2026-03-02 ≥ 2026-01-01)


@rule("LJ-REF-6")
def test_a_home_filing_that_never_reached_the_bureau_is_flagged():
    over = {"episode": {"path": path(SLIP, {"kind": "filing", "by": "village_committee", "on": "2026-03-02"})}}
    out = evaluate(over)
    assert out.referral.kind == "covered"  # filed (with the township): not 「未经备案」
    assert any("未见镇人民政府统一报柳江区民政局备案" in r.zh for r in out.referral.reasons)
    assert not any("统一报柳江区民政局备案" in r.zh for r in evaluate().referral.reasons)  # BASE: township filed


@rule("LJ-REF-8")
def test_a_form_late_after_a_phone_report_is_flagged():
    # LJ-REF-8's example: phone report Thu 2026-03-12 → due Tue 03-17; a form filed 03-18 is late
    def over(form_day):
        return {"person": INSTITUTIONAL,
                "episode": {"admitted": "2026-03-11", "discharged": "2026-03-20",
                            "path": path(SLIP, {"kind": "filing", "by": "institution", "on": "2026-03-12",
                                                "method": "phone"},
                                         {"kind": "filing", "by": "institution", "on": form_day})}}
    assert any("补表逾期" in r.zh for r in evaluate(over("2026-03-18")).referral.reasons)
    assert not any("补表逾期" in r.zh for r in evaluate(over("2026-03-17")).referral.reasons)


# == the case model's facts: times of day, settlement mode, proposers, assumptions ========================

CHINA = dt.timezone(dt.timedelta(hours=8))


@rule("LJ-DEC-7")
def test_an_emergency_admitted_at_2130_is_reported_by_2130_the_next_day():
    def over(reported):
        return {"episode": {"emergency": True, "admitted": "2026-03-02T21:30", "path": [],
                            "actions": [{"kind": "notification", "by": "village_committee", "on": reported}]}}
    out = evaluate(over("2026-03-03T21:00"))
    # 第十一条「送医后24小时内」: 2026-03-02 21:30 + 24 h = 2026-03-03 21:30, to the minute
    assert [d.due for d in out.deadlines if "报备" in d.what_zh] == [dt.datetime(2026, 3, 3, 21, 30, tzinfo=CHINA)]
    assert not any("逾期" in r.zh for r in out.referral.reasons)
    late = evaluate(over("2026-03-03T22:00"))  # 30 minutes after the deadline: flagged, still paid
    assert any("逾期" in r.zh and "2026-03-03 21:30" in r.zh for r in late.referral.reasons)
    assert late.referral.kind == "covered" and layer(late, "medical_assistance") == 300000


@rule("LJ-SET-3")
@rule("LJ-SET-4")
@rule("LJ-DOC-10")
def test_a_failed_one_stop_settlement_stays_covered_and_is_claimed_by_hand():
    def over(**ep):
        return {"person": INSTITUTIONAL,
                "episode": {"settlement": "manual", "discharged": "2026-03-10",
                            "path": path(SLIP, {"kind": "filing", "by": "institution", "on": "2026-03-02"}), **ep}}
    out = evaluate(over())
    assert out.referral.kind == "covered" and layer(out, "medical_assistance") == 300000  # 10000 − 7000
    assert "LJ-SET-3" in rules_cited(out) and "LJ-SET-2" not in rules_cited(out)
    # discharged Tue 03-10; 15 working days: 11–13 (3), 16–20 (8), 23–27 (13), 30 (14), 31 (15) → 2026-03-31
    assert [d.due for d in out.deadlines if "手工" in d.what_zh] == [dt.date(2026, 3, 31)]
    assert "manual_claim" in [d.form_id for d in out.documents]
    assert not any("手工报销申请逾期" in r.zh for r in evaluate(over(claimed_on="2026-03-31")).referral.reasons)
    late = evaluate(over(claimed_on="2026-04-01"))
    assert any("手工报销申请逾期" in r.zh for r in late.referral.reasons) and late.referral.kind == "covered"


@rule("LJ-SET-5")
def test_a_home_based_manual_claim_has_no_stated_deadline():
    out = evaluate({"episode": {"settlement": "not_networked"}})
    assert out.referral.kind == "covered"
    assert [d.due for d in out.deadlines if "手工" in d.what_zh] == [None]
    assert [d.who for d in out.documents if d.form_id == "manual_claim"] == ["村（居）委会或监护人协助"]


@rule("LJ-REF-12")
def test_the_recorded_proposer_of_an_unfiled_outing_bears_its_cost():
    out = evaluate({"episode": {"path": path(SLIP), "proposed_by": "caregiver"}})
    # no assistance; 10000 − 7000 = 3000 left, borne by the caregiver who proposed the outing, not assistance
    assert out.referral.kind == "not_covered" and out.settlement.assistance == 0
    assert layer(out, "outing_proposer_bears") == 300000 and out.settlement.burden == 0
    assert any("建议方（照料护理人）承担" in r.zh for r in out.referral.reasons)
    out = evaluate({"episode": {"path": path(SLIP), "proposed_by": "patient"}})  # she is 当事人
    assert layer(out, "outing_proposer_bears") == 0 and out.settlement.burden == 300000
    # an item's proposer is not the outing's proposer
    out = evaluate({**item_bill("600", proposer="attending_doctor"), "episode": {"path": path(SLIP)}})
    assert layer(out, "outing_proposer_bears") == 0 and layer(out, "proposer_bears") == 60000
    assert out.settlement.burden == 300000  # 10600 − 7000 − 600


@rule("LJ-SIGN-2")
def test_a_silent_capacity_field_is_said_not_silently_assumed():
    over = {"person": {"guardian": {"name": "韦某", "relation": "法院指定监护人"}}}  # capacity not stated
    out = evaluate(over)
    assert signer(out) == ("patient", 1)
    assert any(w.kind == "assumed" and w.field == "person.has_full_capacity" for w in out.warnings)
    why = [r.zh for r in out.signature.reasons if r.cite.rule == "LJ-SIGN-2" and "未载明" in r.zh]
    assert why and "已有法定监护人" in why[0]
    stated = evaluate({"person": {**over["person"], "has_full_capacity": True, "conscious": True}})
    assert not any(w.field == "person.has_full_capacity" for w in stated.warnings)
    assert not any("未载明" in r.zh for r in stated.signature.reasons)


@rule("LJ-VISIT-4")
def test_the_visit_schedule_is_a_duty_for_home_based_persons_only():
    out = evaluate({"person": {"care_level": "fully_disabled"}})
    # 第十六条 全失能每月至少一次; discharged 2026-03-10 → the visit of March is due by 2026-03-31
    assert [(d.who, d.next_due) for d in out.duties] == [("镇人民政府", dt.date(2026, 3, 31))]
    assert out.duties[0].cite.rule == "LJ-VISIT-5"
    semi = evaluate({"person": {"care_level": "semi_disabled"}})
    assert [d.next_due for d in semi.duties] == [dt.date(2026, 3, 31)]  # Q1 ends 03-31 too
    assert evaluate({"person": {**INSTITUTIONAL, "care_level": "fully_disabled"}}).duties == ()  # not in 第十六条


# -- the items a bill lists must be on the bill's 全自费 line -------------------------------------


@rule("LJ-SELF-7", "LJ-SELF-9")
def test_items_beyond_the_bills_off_catalogue_amount_are_refused_not_paid_by_assistance():
    # 第七条第4项「相关费用不得从特困供养经费或救助资金中列支」. A 600-yuan unapproved item counted inside the
    # 10,600 in-scope amount (fully_self_paid 0) was paid by medical assistance (10,600 − 7,000 = 3,600) while
    # the reasons said the proposer bears it (proposer_bears 0.00). The slip contradicts its items: one line.
    item = {"name": "目录外耗材", "amount": "600", "tags": ["off_catalogue"]}
    bad = {"bill": {"total": "10600", "in_scope": "10600", "basic_paid": "7000", "items": [item]}}
    with pytest.raises(JiuzhuError) as err:
        evaluate(bad)
    msg = str(err.value)
    assert "bill.items" in msg and "600.00" in msg and "bill.fully_self_paid" in msg and "\n" not in msg
    # on the 全自费 line it moves to the proposer: assistance 10,000 − 7,000 = 3,000, the proposer 600, burden 0
    good = evaluate({"bill": {"total": "10600", "in_scope": "10000", "fully_self_paid": "600", "basic_paid": "7000",
                              "items": [item]}})
    assert layer(good, "medical_assistance") == 300000 and layer(good, "proposer_bears") == 60000
    assert good.settlement.burden == 0


# -- the signature reasons tell one story -------------------------------------------------------


@rule("LJ-AMB-21", "LJ-DEC-5")
def test_the_signature_reasons_never_say_someone_signs_who_does_not():
    # A refusing guardian keeps the authority (LJ-AMB-21 A) but does not sign; an unreachable one has not signed
    # yet; in an emergency with nobody able (第十一条「无需事前签字」) rank 4 holds the authority but nobody signed.
    # The reasons said 「第2顺位法定监护人或法定义务人签字」 / 「第4顺位…签字」 beside 「拒绝签字」 / 「未有第四顺位签字」.
    def rank_line(out):
        return [r.zh for r in out.signature.reasons if r.cite.rule == f"LJ-SIGN-{out.signature.rank + 1}"
                and r.cite.article.startswith("第十条第")][0]
    refusing = evaluate({"person": {**NO_CAPACITY, "guardian": {"name": "韦某", "refuses": True}}})
    assert rank_line(refusing) == "签字权属第2顺位法定监护人或法定义务人：其具备能力但拒绝签字，签字权不转移"
    away = evaluate({"person": {**NO_CAPACITY, "guardian": {"name": "韦某", "present": False}}})
    assert rank_line(away) == "签字权属第2顺位法定监护人或法定义务人：暂无法联系，待其签字"
    urgent = evaluate({"person": {"conscious": False}, "episode": {"emergency": True, "decision": "emergency"}})
    assert rank_line(urgent) == "签字权属第4顺位供养机构负责人或村（居）委会负责人：紧急抢救无需事前签字，未有签字"
    signs = evaluate({"person": {**NO_CAPACITY, "guardian": {"name": "韦某"}}})
    assert rank_line(signs) == "第2顺位法定监护人或法定义务人签字"


@rule("LJ-DEC-3")
def test_major_treatment_may_not_start_before_both_assessments_by_default():
    # 第十一条「经主治医生、第三方专家评估完成出具《重大治疗评估备案表》后方可开展」 (reading A: no bureau approval needed)
    def why(*acts):
        out = evaluate({"episode": {"decision": "major", "path": path(SLIP, {"kind": "filing", "by": "township"}, *acts)}})
        return [r.zh for r in out.signature.reasons if r.cite.rule == "LJ-DEC-3"][0]
    assert "评估未完成，不得开展" in why()
    assert "评估未完成，不得开展" in why({"kind": "appraisal", "by": "attending_doctor"})  # the expert is missing
    assert "评估未完成，不得开展" in why({"kind": "appraisal", "by": "expert"})  # the attending doctor is missing
    assert "评估已完成" in why({"kind": "appraisal", "by": "attending_doctor"}, {"kind": "appraisal", "by": "expert"})
