"""Jingjiang rules checked on small cases. Every expectation is worked out by hand from the seed
(靖政办发〔2018〕107号). The base case is a basic-level stay of a dibao member under residents'
insurance: 10000 yuan billed, 6000 paid by basic insurance, so 4000 is left (80% of it is 3200)."""

from __future__ import annotations

import pytest

from jiuzhu.model.errors import MissingParameter

from jiuzhu.model.errors import CalendarError
from jiuzhu.kit.testing import make_case, make_engine, merge

BASE = {
    "person": {"name": "测试人", "id_number": "32128219680702052X", "hukou": "321282104203",
               "categories": ["dibao"], "scheme": "residents", "card_number": "JJJZ2019000001"},
    "facility": {"name": "靖江市新桥镇卫生院", "level": "primary", "ownership": "public",
                 "designations": ["insurance", "assistance"], "location": "321282104"},
    "episode": {"kind": "inpatient", "admitted": "2019-04-08", "discharged": "2019-04-15"},
    "bill": {"total": "10000", "in_scope": "10000", "basic_paid": "6000"},
}

CITY = {"facility": {"name": "靖江市人民医院", "level": "county", "location": "321282"}}
REFERRED = {"episode": {"actions": [{"kind": "approval", "by": "primary_facility", "on": "2019-04-08"}]}}
NANJING = {"facility": {"name": "南京鼓楼医院", "level": "provincial", "location": "320106", "designations": ["insurance"]}}
APPROVED_TRANSFER = {"episode": {"actions": [{"kind": "certificate", "by": "city_hospital", "on": "2019-04-06"},
                                             {"kind": "consent", "by": "poverty_office", "on": "2019-04-07"}]}}


def merged(*overs):
    out: dict = {}
    for o in overs:
        out = merge(out, o)
    return out


def evaluate(*overs, params=None):
    eng = make_engine(parameters={"jingjiang": params}) if params else make_engine()
    return eng.evaluate(make_case(merged(*overs), base=BASE), region="jingjiang")


def paid(outcome) -> int:
    """The precision assistance layer in fen."""
    return next((l.amount for l in outcome.settlement.layers if l.id == "precision_assistance"), 0)


def rules_cited(outcome) -> set[str]:
    return {c.rule for c in outcome.citations}


def item(name, amount, *tags, column="in_scope"):
    """An item of the bill; BASE's bill is all in scope, so an excluded one is removed whole (and warned)."""
    return {"name": name, "amount": str(amount), "tags": list(tags), "column": column}


def with_items(*items):
    return {"bill": {"items": list(items)}}


# -- target groups (第五条, 第六条) --------------------------------------------------------------------


@pytest.mark.rule("JJ-ELIG-1", "JJ-ELIG-2", "JJ-ELIG-3", "JJ-ELIG-4", "JJ-ELIG-5", "JJ-ELIG-6", "JJ-ELIG-8")
@pytest.mark.parametrize("category", ["registered_poor", "dibao", "extreme_poverty", "retrenched_1960s",
                                      "priority_care", "child_in_difficulty", "hardship_worker"])
def test_each_target_group_is_eligible(category):
    out = evaluate({"person": {"categories": [category]}})
    assert out.eligibility.eligible and out.eligibility.groups == (category,)
    assert paid(out) == 320000  # 80% × 4000


@pytest.mark.rule("JJ-ELIG-9")
def test_group_outside_the_list_is_not_eligible():
    out = evaluate({"person": {"categories": ["near_dibao"]}})
    assert not out.eligibility.eligible and out.referral.kind == "not_covered" and paid(out) == 0


@pytest.mark.rule("JJ-ELIG-13", "JJ-CAT-1")
def test_recipient_registry_when_loaded():
    assert evaluate(params={"catalogue_recipients": ["32128219680702052X"]}).eligibility.eligible
    out = evaluate(params={"catalogue_recipients": ["321282195603140314"]})
    assert not out.eligibility.eligible and "JJ-ELIG-13" in rules_cited(out)


@pytest.mark.rule("JJ-MODEL-3")
def test_six_catalogues_are_data():
    eng = make_engine()
    names = set(eng.parameter_set("jingjiang").params)
    assert {"catalogue_recipients", "catalogue_health_records", "catalogue_preferred_drugs",
            "catalogue_preferred_services", "city_designated_hospitals", "catalogue_experts"} <= names


SMI = {"kind": "severe_mental_illness", "certified_by": "靖江市残疾人联合会", "from": "2018-06-01", "to": "2019-12-31"}
LOW_INCOME_SMI = {"person": {"categories": ["low_income"], "statuses": [SMI]}}


@pytest.mark.rule("JJ-ELIG-7")
@pytest.mark.parametrize("diagnosis", ["F20.0", "J18.9"])  # schizophrenia, pneumonia
def test_certified_severe_mental_illness_is_a_status_not_a_diagnosis(diagnosis):
    # 第五条 「低收入家庭中的重度精神病患者」: low-income family + a certified status valid on the stay's day
    # (2019-04-08 within 2018-06-01…2019-12-31). Same person, same money whatever she is admitted for:
    # basic level, residents' insurance, 80% × (10000 − 6000) = 3200.00 yuan.
    out = evaluate(LOW_INCOME_SMI, {"episode": {"diagnoses": [diagnosis]}})
    assert out.eligibility.eligible and out.eligibility.groups == ("low_income_mental_illness",)
    assert paid(out) == 320000


@pytest.mark.rule("JJ-ELIG-7")
def test_diagnosis_without_the_certified_status_is_not_a_recipient():
    # schizophrenia in a low-income family, no status: not a recipient, and the reason says why
    out = evaluate({"person": {"categories": ["low_income"]}, "episode": {"diagnoses": ["F20.0"]}})
    assert not out.eligibility.eligible and paid(out) == 0
    assert any("诊断不能代替认定" in r.zh for r in out.eligibility.reasons)
    assert not evaluate({"person": {"categories": ["low_income"]}}).eligibility.eligible


@pytest.mark.rule("JJ-ELIG-7")
def test_status_outside_its_dates_or_without_low_income_fails():
    lapsed = {**SMI, "to": "2019-04-07"}  # ended the day before admission (2019-04-08)
    assert not evaluate({"person": {"categories": ["low_income"], "statuses": [lapsed]}}).eligibility.eligible
    later = {**SMI, "from": "2019-04-09"}  # begins the day after
    assert not evaluate({"person": {"categories": ["low_income"], "statuses": [later]}}).eligibility.eligible
    on_the_day = {**SMI, "from": "2019-04-08", "to": "2019-04-08"}  # both ends inclusive
    assert evaluate({"person": {"categories": ["low_income"], "statuses": [on_the_day]}}).eligibility.eligible
    # the illness alone, without a low-income family: not this group
    assert not evaluate({"person": {"categories": [], "statuses": [SMI]}}).eligibility.eligible
    # the low-income family as a dated status instead of a category
    both = {"person": {"categories": [], "statuses": [SMI, {"kind": "low_income", "from": "2019-01-01"}]}}
    assert evaluate(both).eligibility.groups == ("low_income_mental_illness",)


@pytest.mark.rule("JJ-AMB-11")
def test_certifier_by_remit_and_civil_affairs_reading():
    a = evaluate(LOW_INCOME_SMI)
    assert any("市残联" in r.zh for r in a.eligibility.reasons)
    b = evaluate(LOW_INCOME_SMI, params={"amb_certifier": "civil_affairs"})
    assert any("认定部门：市民政局" in r.zh for r in b.eligibility.reasons)
    assert not any("市残联" in r.zh for r in b.eligibility.reasons)


@pytest.mark.rule("JJ-ELIG-10")
def test_hukou_outside_the_city_is_not_eligible():
    out = evaluate({"person": {"hukou": "321283100000"}})  # 泰兴市
    assert not out.eligibility.eligible


@pytest.mark.rule("JJ-ELIG-14", "JJ-AMB-20")
def test_uninsured_recipient_both_readings():
    a = evaluate({"person": {"scheme": "none"}})
    assert not a.eligibility.eligible and "JJ-ELIG-14" in rules_cited(a)
    b = evaluate({"person": {"scheme": "none"}}, params={"amb_uninsured": "case_by_case"})
    assert b.eligibility.eligible and b.referral.kind == "case_by_case" and paid(b) == 0


@pytest.mark.rule("JJ-DOC-6")
def test_card_number_is_carried_on_the_filing_record():
    doc = next(d for d in evaluate().documents if d.form_id == "filing_record")
    assert doc.data["card_number"] == "JJJZ2019000001" and doc.due.isoformat() == "2019-04-10"


@pytest.mark.rule("JJ-CARD-2")
def test_missing_card_holds_for_identity_check_but_does_not_deny():
    out = evaluate({"person": {"card_number": ""}})
    assert "JJ-CARD-2" in rules_cited(out) and out.referral.kind == "covered" and paid(out) == 320000


# -- facilities and referral (第十四条, 第十五条) ---------------------------------------------------------


@pytest.mark.rule("JJ-INST-3")
def test_medical_group_alias_is_city_level():
    out = evaluate({"facility": {"name": "靖江市医疗集团", "level": "county", "location": "321282"}}, REFERRED)
    assert paid(out) == 280000  # 70% × 4000


@pytest.mark.rule("JJ-AMB-8")
def test_city_level_list_is_the_three_hospitals_unless_extended():
    assert paid(evaluate()) == 320000  # a town health centre stays basic-level: 80%
    out = evaluate(REFERRED, params={"city_designated_hospitals": ["靖江市人民医院", "靖江市中医院", "靖江市第二人民医院",
                                                                   "靖江市新桥镇卫生院"]})
    assert paid(out) == 280000  # reading B (every group member): 70%


COMMUNITY = {"facility": {"name": "靖江市靖城街道社区卫生服务中心", "level": "primary", "location": "321282001"}}


@pytest.mark.rule("JJ-AMB-27", "JJ-CAT-5", "JJ-INST-1")
def test_community_centre_is_not_basic_level_by_default():
    a = evaluate(COMMUNITY)
    assert a.referral.kind == "not_covered" and "JJ-EXCL-8" in rules_cited(a)  # non-designated, not approved
    b = evaluate(COMMUNITY, params={"amb_primary_facilities": "any_primary"})
    assert paid(b) == 320000
    c = evaluate(COMMUNITY, params={"primary_designated_extra": ["靖江市靖城街道社区卫生服务中心"]})
    assert paid(c) == 320000


@pytest.mark.rule("JJ-REF-1", "JJ-AMB-4", "JJ-DOC-9")
def test_city_stay_without_basic_level_approval_both_readings():
    a = evaluate(CITY)
    assert a.referral.kind == "not_covered" and paid(a) == 0 and "JJ-REF-1" in rules_cited(a)
    b = evaluate(CITY, params={"amb_city_without_referral": "covered"})
    assert paid(b) == 280000  # 70% × 4000
    assert paid(evaluate(CITY, REFERRED)) == 280000


@pytest.mark.rule("JJ-PAY-7")
def test_city_employees_rate():
    assert paid(evaluate(CITY, REFERRED, {"person": {"scheme": "employees"}})) == 120000  # 30% × 4000


@pytest.mark.rule("JJ-REF-2", "JJ-PAY-8")
def test_transfer_certificate_must_come_from_a_city_hospital():
    assert paid(evaluate(NANJING, APPROVED_TRANSFER)) == 120000  # 30% × 4000
    assert paid(evaluate(NANJING, APPROVED_TRANSFER, {"person": {"scheme": "employees"}})) == 120000
    bad = {"episode": {"actions": [{"kind": "certificate", "by": "primary_facility"},
                                   {"kind": "consent", "by": "poverty_office"}]}}
    assert evaluate(NANJING, bad).referral.kind == "not_covered"


@pytest.mark.rule("JJ-AMB-12")
def test_non_designated_facility_must_be_insurance_designated():
    over = {"facility": {"designations": []}}
    a = evaluate(NANJING, APPROVED_TRANSFER, over)
    assert a.referral.kind == "not_covered" and "JJ-AMB-12" in rules_cited(a)
    b = evaluate(NANJING, APPROVED_TRANSFER, over, params={"amb_non_designated_bmi": "not_required"})
    assert paid(b) == 120000


@pytest.mark.rule("JJ-AMB-22")
def test_non_designated_hospital_level_both_readings():
    taixing = {"facility": {"name": "泰兴市人民医院", "level": "county", "location": "321283"}}
    assert paid(evaluate(NANJING, APPROVED_TRANSFER, taixing)) == 120000
    b = evaluate(NANJING, APPROVED_TRANSFER, taixing, params={"amb_non_designated_level": "higher_level"})
    assert b.referral.kind == "not_covered"
    assert paid(evaluate(NANJING, APPROVED_TRANSFER, params={"amb_non_designated_level": "higher_level"})) == 120000


@pytest.mark.rule("JJ-AMB-23", "JJ-REF-3", "JJ-FLOW-10")
def test_city_stay_is_claimed_at_the_window_unless_settled_directly():
    a = evaluate(CITY, REFERRED)
    assert a.referral.kind == "pay_first_claim" and {d.form_id for d in a.documents} >= {"claim_materials", "payment_record"}
    b = evaluate(CITY, REFERRED, params={"amb_city_settlement": "direct"})
    assert b.referral.kind == "covered" and "settlement_slip" in {d.form_id for d in b.documents}


@pytest.mark.rule("JJ-REF-4", "JJ-AMB-3")
def test_transfer_portions_are_rated_where_they_arose():
    # 3000 left at the health centre, then 20000 at 靖江市中医院: 0.8 × 3000 + 0.7 × 20000 = 2400 + 14000 = 16400
    first = evaluate({"bill": {"total": "10000", "basic_paid": "7000"}})
    second = evaluate({"facility": {"name": "靖江市中医院", "level": "county", "location": "321282"}}, REFERRED,
                      {"bill": {"total": "50000", "in_scope": "50000", "basic_paid": "30000"}})
    assert paid(first) + paid(second) == 1640000


# -- visit types, special diseases (第十四条, 第十八条, 第二十一条（二）) -----------------------------------


@pytest.mark.rule("JJ-EXCL-2", "JJ-PAY-2", "JJ-INST-5")
def test_ordinary_outpatient_and_emergency_visits_are_excluded():
    for ep in ({"kind": "outpatient"}, {"kind": "outpatient", "emergency": True}):
        out = evaluate({"episode": ep})
        assert out.referral.kind == "not_covered" and paid(out) == 0 and "JJ-EXCL-2" in rules_cited(out)


DIALYSIS = {"episode": {"kind": "special_outpatient", "diagnoses": ["dialysis"],
                        "actions": [{"kind": "approval", "by": "insurance_bureau", "on": "2019-04-01"}]}}


@pytest.mark.rule("JJ-PAY-3", "JJ-DOC-15")
def test_approved_dialysis_outpatient_at_the_inpatient_rate():
    assert paid(evaluate(DIALYSIS)) == 320000  # 80% × 4000 like a stay
    unreviewed = evaluate({"episode": {"kind": "special_outpatient", "diagnoses": ["dialysis"]}})
    assert unreviewed.referral.kind == "not_covered"
    # a referral approval is not the special-disease review
    referral_only = {"episode": {"kind": "special_outpatient", "diagnoses": ["dialysis"],
                                 "actions": [{"kind": "approval", "by": "primary_facility"}]}}
    assert evaluate(referral_only).referral.kind == "not_covered"
    jj_pay_3 = lambda o: [r.zh for r in o.referral.reasons if r.cite.rule == "JJ-PAY-3"]
    assert jj_pay_3(unreviewed)[0].startswith("门诊特殊病种未经审核")
    # reviewed, but the code is on none of the three diseases (essential hypertension I10): the reason says the
    # diagnosis is off the list, not that the review is missing
    off_list = evaluate(merge(DIALYSIS, {"episode": {"diagnoses": ["I10"]}}))
    assert off_list.referral.kind == "not_covered" and "不对应第十八条所列门诊特殊病种" in jj_pay_3(off_list)[0]
    # the codes hospitals send for a dialysis visit (Z49.1, N18.5) and a chemotherapy session (C34.9 + Z51.1) qualify
    for codes in (["N18.5", "Z49.1"], ["C34.9", "Z51.1"], ["Z94.0", "T86.1"]):
        assert paid(evaluate(merge(DIALYSIS, {"episode": {"diagnoses": codes}}))) == 320000, codes


@pytest.mark.rule("JJ-AMB-13")
def test_special_disease_list_closed_or_open():
    hyper = {"episode": {"kind": "special_outpatient", "diagnoses": ["hypertension"],
                         "actions": [{"kind": "approval", "by": "insurance_bureau"}]}}
    assert evaluate(hyper).referral.kind == "not_covered"
    assert paid(evaluate(hyper, params={"amb_special_disease_list": "open"})) == 320000


@pytest.mark.rule("JJ-AMB-14")
def test_special_outpatient_at_city_hospital_needs_no_referral_by_default():
    assert paid(evaluate(CITY, DIALYSIS)) == 280000  # 70% × 4000
    b = evaluate(CITY, DIALYSIS, params={"amb_special_outpatient_city": "approval"})
    assert b.referral.kind == "not_covered"


@pytest.mark.rule("JJ-AMB-16")
def test_emergency_lines_within_a_stay_both_readings():
    over = with_items(item("急诊抢救费", 400, "emergency"))
    assert paid(evaluate(over)) == 320000  # counted as inpatient
    assert paid(evaluate(over, params={"amb_emergency_in_stay": "excluded"})) == 288000  # 80% × 3600


# -- exclusions of 第二十一条 ----------------------------------------------------------------------------


@pytest.mark.rule("JJ-EXCL-1", "JJ-AMB-19")
def test_lines_outside_the_policy_period_both_readings():
    over = with_items(item("2020-01-01后费用", 1000, "outside_policy_period"))
    assert paid(evaluate(over)) == 240000  # 80% × 3000
    assert paid(evaluate(over, params={"amb_policy_period": "by_admission"})) == 320000


@pytest.mark.rule("JJ-EXCL-3")
@pytest.mark.parametrize("diagnosis", ["maternity", "traffic_accident", "O80"])
def test_childbirth_and_accidents_remove_the_whole_claim(diagnosis):
    out = evaluate({"episode": {"diagnoses": [diagnosis]}})
    assert out.referral.kind == "not_covered" and paid(out) == 0 and "JJ-EXCL-3" in rules_cited(out)


@pytest.mark.rule("JJ-EXCL-4")
def test_organ_source_is_excluded_but_not_the_rest():
    assert paid(evaluate(with_items(item("供肾器官源费", 1000, "organ_source")))) == 240000  # 80% × 3000


@pytest.mark.rule("JJ-EXCL-5")
def test_capsule_endoscopy_is_excluded():
    assert paid(evaluate(with_items(item("胶囊内镜", 500, "capsule_endoscopy")))) == 280000  # 80% × 3500


@pytest.mark.rule("JJ-AMB-21")
def test_expensive_examinations_open_list():
    params = {"expensive_exam_tags": ["pet_ct", "capsule_endoscopy", "pet_mri"]}
    over = with_items(item("PET-MRI", 500, "pet_mri"))
    assert paid(evaluate(over, params=params)) == 280000  # added by the PAO: excluded
    assert paid(evaluate(over, params={**params, "amb_expensive_exams": "named_only"})) == 320000


@pytest.mark.rule("JJ-EXCL-6", "JJ-AMB-17")
def test_over_price_excess_or_whole_line():
    # charged 600 against an official price of 500
    over = with_items(item("超物价部分", 100, "over_price"), item("物价内部分", 500, "over_priced_line"))
    assert paid(evaluate(over)) == 312000  # 80% × 3900
    assert paid(evaluate(over, params={"amb_over_price": "whole_line"})) == 272000  # 80% × 3400


@pytest.mark.rule("JJ-EXCL-7", "JJ-AMB-31")
def test_mass_event_rescue_both_readings():
    rescue = {"episode": {"decision": "emergency"}}
    assert paid(evaluate(rescue)) == 320000  # no event declared
    out = evaluate(rescue, params={"mass_events": ["2019-04-01/2019-04-30"]})
    assert out.referral.kind == "not_covered" and "JJ-EXCL-7" in rules_cited(out)
    assert evaluate(rescue, params={"amb_mass_event": "case_by_case"}).referral.kind == "case_by_case"


@pytest.mark.rule("JJ-EXCL-8")
def test_non_designated_stay_without_any_approval():
    out = evaluate(NANJING)
    assert out.referral.kind == "not_covered" and paid(out) == 0


@pytest.mark.rule("JJ-EXCL-9", "JJ-AMB-18")
def test_costs_payable_by_others_both_readings():
    over = with_items(item("商业保险应付未领部分", 1000, "third_party_payable"))
    assert paid(evaluate(over)) == 240000  # 80% × (4000 − 1000)
    assert paid(evaluate(over, params={"amb_payable_by_others": "paid"})) == 320000
    # paid by a third party on the slip: 4000 − 1000 = 3000 left → 2400
    assert paid(evaluate({"bill": {"other_paid": "1000"}})) == 240000


@pytest.mark.rule("JJ-EXCL-10")
def test_special_needs_services_are_excluded():
    assert paid(evaluate(with_items(item("特需病房费", 300, "special_needs")))) == 296000  # 80% × 3700


# -- base, rates, caps (第十九条, 第二十条) ---------------------------------------------------------------


@pytest.mark.rule("JJ-AMB-1", "JJ-PAY-5")
def test_unlisted_costs_both_readings():
    over = {"bill": {"in_scope": "9000", "fully_self_paid": "1000"}}
    assert paid(evaluate(over)) == 240000  # 80% × (4000 − 1000)
    assert paid(evaluate(over, params={"amb_catalogue_conformity": "whole_burden"})) == 320000


@pytest.mark.rule("JJ-CAT-8")
def test_preferred_catalogues_do_not_change_coverage():
    over = with_items(item("非首选目录药品", 200, "not_preferred"))
    assert paid(evaluate(over, params={"catalogue_preferred_drugs": ["某首选药品"]})) == 320000


@pytest.mark.rule("JJ-PAY-10")
def test_no_deductible_and_no_ceiling():
    out = evaluate(CITY, REFERRED, {"bill": {"total": "1000000", "in_scope": "1000000", "basic_paid": "700000"}})
    assert paid(out) == 21000000  # 70% × 300000 = 210000 yuan


@pytest.mark.rule("JJ-PAY-9", "JJ-AMB-5")
def test_all_payers_never_exceed_the_cost():
    out = evaluate({"bill": {"critical_paid": "1000", "assistance_paid": "1500", "other_paid": "1400"}})
    # 4000 − 1000 − 1500 − 1400 = 100 left → 80
    assert paid(out) == 8000
    assert out.settlement.paid <= out.settlement.total and out.settlement.burden == 2000


@pytest.mark.rule("JJ-AMB-28")
def test_rounding_to_the_fen_half_up():
    out = evaluate({"bill": {"basic_paid": "8765.43"}})
    assert paid(out) == 98766  # 80% × 1234.57 = 987.656 → 987.66


@pytest.mark.rule("JJ-AMB-28")
def test_rounding_to_the_whole_yuan_under_reading_b():
    yuan = {"amb_rounding": "yuan"}
    # 80 % × 1,234.57 = 987.656 → 988 yuan
    assert paid(evaluate({"bill": {"basic_paid": "8765.43"}}, params=yuan)) == 98800
    # employees at the basic level, 50 %: burden 1,001.00 → 500.50 → 501 (half up) / 500.50 to the fen;
    # burden 1,000.98 → 500.49 → 500 / 500.49
    emp = {"person": {"scheme": "employees"}}
    assert paid(evaluate(emp, {"bill": {"basic_paid": "8999"}}, params=yuan)) == 50100
    assert paid(evaluate(emp, {"bill": {"basic_paid": "8999"}})) == 50050
    assert paid(evaluate(emp, {"bill": {"basic_paid": "8999.02"}}, params=yuan)) == 50000
    assert paid(evaluate(emp, {"bill": {"basic_paid": "8999.02"}})) == 50049


@pytest.mark.rule("JJ-AMB-2")
def test_other_payers_are_subtracted_from_the_eligible_share():
    # personal share 4000 of which 1000 unlisted; others 1000: base 3000 − 1000 = 2000 → 1600
    out = evaluate({"bill": {"in_scope": "9000", "fully_self_paid": "1000", "other_paid": "1000"}})
    assert paid(out) == 160000


# JJ-AMB-2's example: bill 20,000, basic insurance 8,000 → personal share 12,000, of which 2,000 unlisted
# (全自费); the other channels (critical illness 1,000 + civil affairs 1,000 + other 1,000) paid 3,000.
AMB_2 = {"bill": {"total": "20000", "in_scope": "18000", "fully_self_paid": "2000", "basic_paid": "8000",
                  "critical_paid": "1000", "assistance_paid": "1000", "other_paid": "1000"}}
EXCLUDED_FIRST = {"amb_other_payers_allocation": "excluded_first"}


@pytest.mark.rule("JJ-AMB-2")
def test_other_payers_both_readings():
    # A: 10,000 − 3,000 = 7,000 → 80 % = 5,600; B: min(10,000, 12,000 − 3,000) = 9,000 → 7,200
    assert paid(evaluate(AMB_2)) == 560000
    b = evaluate(AMB_2, params=EXCLUDED_FIRST)
    assert paid(b) == 720000
    lay = next(l for l in b.settlement.layers if l.id == "precision_assistance")
    assert lay.base == 900000 and "JJ-AMB-2" in lay.note_zh
    # others paid less than the excluded part (critical illness 1,000 only): A 12,000 − 1,000 − 2,000 = 9,000
    # → 7,200; B min(10,000, 11,000) = 10,000 → 8,000 (never more than the eligible share)
    less = merge(AMB_2, {"bill": {"assistance_paid": "0", "other_paid": "0"}})
    assert paid(evaluate(less)) == 720000 and paid(evaluate(less, params=EXCLUDED_FIRST)) == 800000
    # an excluded PET-CT line of 1,500 in the in-scope cost: eligible share 12,000 − 2,000 − 1,500 = 8,500;
    # A 8,500 − 3,000 = 5,500 → 4,400; B min(8,500, 9,000) = 8,500 → 6,800
    pet = merge(AMB_2, with_items(item("PET-CT", 1500, "pet_ct")))
    assert paid(evaluate(pet)) == 440000 and paid(evaluate(pet, params=EXCLUDED_FIRST)) == 680000
    # city level, residents 70 %: A 0.7 × 7,000 = 4,900; B 0.7 × 9,000 = 6,300
    city = merged(AMB_2, CITY, REFERRED)
    assert paid(evaluate(city)) == 490000 and paid(evaluate(city, params=EXCLUDED_FIRST)) == 630000


@pytest.mark.rule("JJ-ELIG-2", "JJ-ELIG-9")
def test_a_dated_category_counts_on_the_day_the_episode_is_judged():
    # dibao certified from 2019-05-01 only (a status of a category kind); Jingjiang judges an episode by its
    # admission day: a stay admitted 2019-04-08 is not a recipient's, one admitted 2019-05-13 is (3,200)
    dated = {"person": {"categories": [], "statuses": [{"kind": "dibao", "certified_by": "靖江市民政局",
                                                        "from": "2019-05-01"}]}}
    assert evaluate(dated).eligibility.eligible is False
    later = evaluate(dated, {"episode": {"admitted": "2019-05-13", "discharged": "2019-05-20"}})
    assert later.eligibility.eligible is True and paid(later) == 320000


# -- filing and settlement deadlines (第二十二条, 第二十三条) ---------------------------------------------


@pytest.mark.rule("JJ-FLOW-5", "JJ-FLOW-2", "JJ-AMB-15")
def test_late_filing_both_readings():
    late = {"episode": {"actions": [{"kind": "filing", "by": "primary_facility", "on": "2019-04-11"}]}}
    a = evaluate(late)  # due 2019-04-08 + 48 h = 2019-04-10
    assert a.referral.kind == "covered" and "JJ-AMB-15" in rules_cited(a) and paid(a) == 320000
    b = evaluate(late, params={"amb_late_filing": "defeats_claim"})
    assert b.referral.kind == "not_covered" and paid(b) == 0
    on_time = evaluate({"episode": {"actions": [{"kind": "filing", "by": "primary_facility", "on": "2019-04-10"}]}})
    assert "JJ-AMB-15" not in rules_cited(on_time)


@pytest.mark.rule("JJ-FLOW-5", "JJ-AMB-15")
def test_filing_within_48_hours_to_the_minute_when_the_time_is_given():
    # 第二十二条 入院48小时内备案: admitted 2019-04-08 21:30 → due 2019-04-10 21:30 (not the whole of 04-10 by the day)
    at = {"episode": {"admitted": "2019-04-08T21:30"}}
    due = next(d for d in evaluate(at).deadlines if d.cite.rule == "JJ-FLOW-5")
    assert due.basis == "time" and due.due.isoformat() == "2019-04-10T21:30:00+08:00"
    def filed(on):
        return merge(at, {"episode": {"actions": [{"kind": "filing", "by": "primary_facility", "on": on}]}})
    assert "JJ-AMB-15" not in rules_cited(evaluate(filed("2019-04-10T21:30")))  # at the minute: on time
    assert "JJ-AMB-15" in rules_cited(evaluate(filed("2019-04-10T21:31")))  # a minute late
    assert "JJ-AMB-15" not in rules_cited(evaluate(filed("2019-04-10")))  # a date only: judged by the day
    assert "JJ-AMB-15" in rules_cited(evaluate(filed("2019-04-11")))


@pytest.mark.rule("JJ-FLOW-9")
def test_referral_filing_within_72_hours_counts_weekends():
    out = evaluate(CITY, REFERRED, {"episode": {"admitted": "2019-05-10", "discharged": "2019-05-20"}})
    assert [d.due.isoformat() for d in out.deadlines if d.cite.rule == "JJ-FLOW-9"] == ["2019-05-13"]


@pytest.mark.rule("JJ-FLOW-11", "JJ-FLOW-12", "JJ-AMB-7", "JJ-AMB-6")
def test_claim_clocks_on_the_official_calendar():
    over = {"episode": {"admitted": "2019-09-20", "discharged": "2019-09-27"}}
    dues = {d.cite.rule: d.due.isoformat() for d in evaluate(CITY, REFERRED, over).deadlines}
    assert dues["JJ-FLOW-11"] == "2019-09-30" and dues["JJ-FLOW-12"] == "2019-10-10"
    # reading B: 2 + 5 = 7 working days: 09-29, 09-30, 10-08, 10-09, 10-10, 10-11, 10-12 (a make-up Saturday)
    dues = {d.cite.rule: d.due.isoformat()
            for d in evaluate(CITY, REFERRED, over, params={"amb_payment_clock": "after_processing"}).deadlines}
    assert dues["JJ-FLOW-12"] == "2019-10-12"


@pytest.mark.rule("JJ-AMB-6")
def test_unknown_calendar_year_degrades_and_strict_is_an_error():
    over = {"episode": {"admitted": "2099-03-01", "discharged": "2099-03-05"}}
    params = {"insurer_agreement_end": "2099-12-31"}
    out = evaluate(CITY, REFERRED, over, params=params)
    assert {d.cite.rule for d in out.deadlines if d.basis == "unknown"} == {"JJ-FLOW-11", "JJ-FLOW-12"}
    assert [w.kind for w in out.warnings].count("deadline_unknown") == 1  # one per unknown year
    eng = make_engine(parameters={"jingjiang": params})
    eng.strict = True
    with pytest.raises(CalendarError):
        eng.evaluate(make_case(merged(CITY, REFERRED, over), base=BASE), region="jingjiang")


@pytest.mark.rule("JJ-FLOW-8", "JJ-AMB-29", "JJ-DOC-16")
def test_month_end_settlement_with_the_health_centre():
    out = evaluate({"episode": {"admitted": "2019-12-25", "discharged": "2020-01-02"}})
    assert [d.due.isoformat() for d in out.deadlines if d.cite.rule == "JJ-FLOW-8"] == ["2020-01-31"]


@pytest.mark.rule("JJ-FUND-3", "JJ-DOC-18")
def test_insurer_agreement_term():
    # 第九条: the first agreement ends 2020-12-31; a renewed agreement's end date is a deployment parameter
    last_day = {"episode": {"admitted": "2020-12-25", "discharged": "2020-12-31"}}
    assert paid(evaluate(last_day)) == 320000  # within the first agreement, no renewal needed
    later = {"episode": {"admitted": "2021-01-05", "discharged": "2021-01-10"}}
    with pytest.raises(MissingParameter, match="renewed_agreement_end"):
        evaluate(later)
    assert paid(evaluate(later, params={"renewed_agreement_end": "2023-12-31"})) == 320000
    # admitted after the renewed agreement ended: every cost is outside it, refused citing 第九条
    out = evaluate(later, params={"renewed_agreement_end": "2021-01-04"})
    assert out.referral.kind == "not_covered" and "JJ-FUND-3" in rules_cited(out)
    # admitted on its last day: within
    assert paid(evaluate(later, params={"renewed_agreement_end": "2021-01-05"})) == 320000


@pytest.mark.rule("JJ-EXCL-1", "JJ-AMB-19", "JJ-FUND-3")
def test_a_stay_that_runs_past_the_insurance_period():
    # 第二十一条（一） 「在保险有效期外发生的医疗费用」: admitted 2021-01-05 within the renewed agreement (to 2021-01-09),
    # discharged 2021-01-10. Reading A (by line): the stay is covered, the costs after 01-09 come off by line;
    # reading B (by admission): the whole stay counts.
    later = {"episode": {"admitted": "2021-01-05", "discharged": "2021-01-10"}}
    end = {"renewed_agreement_end": "2021-01-09"}
    a = evaluate(later, params=end)  # no line tagged: nothing removed, 80 % × 4,000 = 3,200, and a warning
    assert a.referral.kind == "covered" and paid(a) == 320000
    assert "JJ-EXCL-1" in rules_cited(a) and "policy_period_crossed" in [w.kind for w in a.warnings]
    tagged = with_items(item("2021-01-10 床位、药品", 500, "outside_policy_period"))
    a = evaluate(later, tagged, params=end)  # 4,000 − 500 = 3,500 → 2,800
    assert paid(a) == 280000 and "policy_period_crossed" not in [w.kind for w in a.warnings]
    b = evaluate(later, tagged, params={**end, "amb_policy_period": "by_admission"})  # nothing removed: 3,200
    assert b.referral.kind == "covered" and paid(b) == 320000 and "JJ-AMB-19" in rules_cited(b)
    assert "policy_period_crossed" not in [w.kind for w in b.warnings]


# -- claim materials (第二十四条) ---------------------------------------------------------------------


def materials(out):
    return next(d for d in out.documents if d.form_id == "claim_materials").data["items"]


@pytest.mark.rule("JJ-DOC-1", "JJ-DOC-2", "JJ-DOC-3", "JJ-DOC-4", "JJ-DOC-5", "JJ-AMB-24")
def test_claim_materials_by_claim_type():
    items = materials(evaluate(CITY, REFERRED))
    assert items[:2] == ["救助对象本人身份证正反两面复印件", "银行卡正反两面复印件"]
    assert "出院小结" in items and "特殊病种门诊病历复印件" not in items
    assert {"发票或发票复印件", "费用清单", "基本医疗保险结算单", "转诊手续（基层定点医院认可）"} <= set(items)
    assert "相关基层定点医院精准医疗结算单" not in items  # no earlier basic-level stay
    actions = APPROVED_TRANSFER["episode"]["actions"] + DIALYSIS["episode"]["actions"]
    items = materials(evaluate(NANJING, DIALYSIS, {"episode": {"actions": actions}}))
    assert "特殊病种门诊病历复印件" in items and "出院小结" not in items
    assert "转诊手续（市级定点医疗机构转院证明、市扶贫办书面同意）" in items
    stay = {"episode": {"path": [{"kind": "first_contact", "to": "靖江市新桥镇卫生院", "to_level": "primary",
                                  "documents": ["出院小结", "精准医疗结算单"]}]}}
    assert "相关基层定点医院精准医疗结算单" in materials(evaluate(CITY, REFERRED, stay))
    every = materials(evaluate(CITY, REFERRED, params={"amb_claim_materials": "all"}))
    assert {"特殊病种门诊病历复印件", "出院小结", "相关基层定点医院精准医疗结算单"} <= set(every)


# -- one meaning of bill.items: each sits in one slip column, removed once ---------------------------

UNLISTED = {"bill": {"in_scope": "7000", "first_self_paid": "2000", "fully_self_paid": "1000"}}


@pytest.mark.rule("JJ-EXCL-5", "JJ-AMB-1")
def test_petct_that_is_the_unlisted_cost_is_removed_once():
    # 10000 = 7000 in scope + 2000 first self-paid + 1000 fully self-paid; basic 6000 → burden 4000.
    # The PET-CT is the 1000 of 全自费: base 4000 − 1000 (the column, JJ-AMB-1 A) = 3000 → 80% = 2400
    # (removing it again as a line would give 4000 − 1000 − 1000 = 2000 → 1600).
    petct = with_items(item("PET-CT", 1000, "pet_ct", column="fully_self_paid"))
    assert paid(evaluate(UNLISTED, petct)) == 240000
    # JJ-AMB-1 B: 全自费 counts, so the PET-CT is removed as a line instead: 4000 − 1000 = 3000 → 2400,
    # while a non-excluded unlisted drug stays in: 4000 → 3200
    assert paid(evaluate(UNLISTED, petct, params={"amb_catalogue_conformity": "whole_burden"})) == 240000
    drug = with_items(item("目录外药品", 1000, column="fully_self_paid"))
    assert paid(evaluate(UNLISTED, drug, params={"amb_catalogue_conformity": "whole_burden"})) == 320000
    assert paid(evaluate(UNLISTED, drug)) == 240000  # A: the column goes, 3000 → 2400


@pytest.mark.rule("JJ-EXCL-5", "JJ-EXCL-6")
def test_item_with_two_excluded_tags_is_removed_once():
    # a 500 PET-CT line whose price was also above the official one: one line, removed once:
    # 4000 − 500 = 3500 → 80% = 2800 (twice would give 3000 → 2400)
    assert paid(evaluate(with_items(item("PET-CT（超物价）", 500, "pet_ct", "over_price")))) == 280000
    # two lines, each excluded once: 4000 − 500 − 300 = 3200 → 2560
    two = with_items(item("PET-CT", 500, "pet_ct"), item("产科检查", 300, "maternity"))
    assert paid(evaluate(two)) == 256000


@pytest.mark.rule("JJ-PAY-4")
def test_excluded_item_in_scope_is_removed_whole_and_warned():
    # a 1000 PET-CT in the in-scope cost: the slip does not say how much of it insurance paid, so the
    # whole 1000 is removed (4000 − 1000 = 3000 → 2400) and the outcome warns
    o = evaluate(with_items(item("PET-CT", 1000, "pet_ct", column="in_scope")))
    assert paid(o) == 240000
    (w,) = [w for w in o.warnings if w.kind == "item_in_scope"]
    assert w.field == "bill.items[0].column" and w.cite.rule == "JJ-PAY-4"
    # the same line as the 1000 first self-paid of a 9000 + 1000 bill: wholly the patient's, removed:
    # 4000 − 1000 = 3000 → 2400, nothing to warn
    o = evaluate({"bill": {"in_scope": "9000", "first_self_paid": "1000"}},
                 with_items(item("PET-CT", 1000, "pet_ct", column="first_self_paid")))
    assert paid(o) == 240000 and not [w for w in o.warnings if w.kind == "item_in_scope"]
    # a non-excluded in-scope item: neither removed nor warned (3200)
    o = evaluate(with_items(item("普通CT", 300, column="in_scope")))
    assert paid(o) == 320000 and not [w for w in o.warnings if w.kind == "item_in_scope"]
