"""Wusheng rules beyond the example cases: eligibility, route defects, every ambiguity's two readings,
deadlines and the data that fills the forms. Every expected amount is worked out by hand in a comment."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from jiuzhu.model import idcard
from jiuzhu.model.errors import JiuzhuError
from jiuzhu.io.loader import load_case
from jiuzhu.kit.testing import layer, make_case, make_engine

EXAMPLES = Path(__file__).parent.parent / "examples"
D = dt.date


def engine(**params):
    return make_engine({"compose_parents": False}, parameters={"wusheng": {"effective_date": "2025-10-01", **params}})


def evaluate(case, **params):
    return engine(**params).evaluate(case, region="wusheng")


def example(name):
    return load_case(EXAMPLES / name)


def rules_cited(out):
    return {c.rule for c in out.citations}


def in_county(over=None):
    """A compliant in-county stay: township approval naming the admitting hospital, leader's signature."""
    base = {
        "person": {"certified_by": "武胜县民政局", "residence": "511622101000"},
        "facility": {"name": "武胜县人民医院", "level": "county"},
        "episode": {"path": [{"kind": "first_contact", "to": "武胜县人民医院", "to_level": "county", "on": "2026-03-02",
                              "actions": [{"kind": "approval", "by": "township", "on": "2026-03-02"},
                                          {"kind": "signature", "by": "business_leader", "on": "2026-03-02"}]}]},
        # 10000 total: 7000 basic, 1000 medical assistance → 2000 residual
        "bill": {"total": "10000", "in_scope": "9000", "fully_self_paid": "1000", "basic_paid": "7000",
                 "assistance_paid": "1000"},
    }
    from jiuzhu.kit.testing import merge
    return make_case(merge(base, over or {}))


def transfer_step(to="武胜县人民医院", origin="武胜县中心镇卫生院", signed=True, notified=True, approval=False):
    actions = []
    if signed:
        actions += [{"kind": "signature", "by": "facility_leader", "on": "2026-03-05"},
                    {"kind": "seal", "by": "referring_facility", "on": "2026-03-05"}]
    if notified:
        actions.append({"kind": "notification", "by": "caregiver", "on": "2026-03-05", "method": "phone"})
    if approval:
        actions.append({"kind": "approval", "by": "township", "on": "2026-03-06"})
    return {"kind": "referral", "origin": origin, "to": to, "to_level": "county", "on": "2026-03-05", "actions": actions}


def primary_first(*steps):
    return {"episode": {"path": [
        {"kind": "first_contact", "to": "武胜县中心镇卫生院", "to_level": "primary", "on": "2026-03-02",
         "actions": [{"kind": "approval", "by": "township", "on": "2026-03-02"},
                     {"kind": "signature", "by": "business_leader", "on": "2026-03-02"}]}, *steps]}}


# -- eligibility --------------------------------------------------------------------------------


@pytest.mark.rule("WS-ELIG-1")
@pytest.mark.rule("WS-ELIG-3")
@pytest.mark.parametrize("over", [
    {"person": {"hukou": "511621104000", "id_number": idcard.make("511621", D(1950, 1, 1), 31)}},  # 岳池县 hukou
    {"person": {"categories": ["dibao"]}},  # 低保, not 特困
    {"person": {"certified_by": "岳池县民政局"}},  # recognised by another county
    {"person": {"certified_by": ""}},  # recognition not recorded
])
def test_ws_elig_1_both_conditions_required(over):
    out = evaluate(in_county(over))
    assert not out.eligibility.eligible
    assert out.referral.kind == "not_covered"
    # no relief fund; what the slip says medical assistance already paid stays paid:
    # 10000 − 7000 basic − 1000 assistance on the slip = 2000 left to the person
    assert layer(out, "relief_fund") == 0
    assert out.settlement.burden == 200000


@pytest.mark.rule("WS-ELIG-1")
def test_ws_elig_1_residence_does_not_matter():
    out = evaluate(in_county({"person": {"residence": "510104000000"}}))  # lives in Chengdu
    assert out.eligibility.eligible


# -- the route ----------------------------------------------------------------------------------


@pytest.mark.rule("WS-REF-4")
def test_ws_ref_4_admission_elsewhere_than_designated():
    # township signed 中心镇卫生院, but the person went to 县人民医院 without a referral
    out = evaluate(in_county({"episode": {"path": [{"kind": "first_contact", "to": "武胜县中心镇卫生院", "to_level": "primary",
                                                    "actions": [{"kind": "approval", "by": "township"}]}]}}))
    assert out.referral.kind == "not_covered"
    assert "WS-REF-4" in rules_cited(out)
    assert out.settlement.burden == 200000  # 10000 − 7000 basic − 1000 slip assistance = 2000 left to the person


@pytest.mark.rule("WS-REF-3")
@pytest.mark.rule("WS-REF-2")
def test_ws_ref_3_no_township_approval():
    out = evaluate(in_county({"episode": {"path": [{"kind": "first_contact", "to": "武胜县人民医院", "to_level": "county"}]}}))
    assert out.referral.kind == "not_covered"
    assert "WS-REF-3" in rules_cited(out)


@pytest.mark.rule("WS-REF-6")
def test_ws_ref_6_transfer_needs_leader_signature_and_seal():
    ok = evaluate(in_county(primary_first(transfer_step())))
    assert ok.referral.kind == "covered" and layer(ok, "relief_fund") == 200000  # 10000 − 7000 − 1000
    bad = evaluate(in_county(primary_first(transfer_step(signed=False))))
    assert bad.referral.kind == "not_covered" and layer(bad, "relief_fund") == 0


@pytest.mark.rule("WS-REF-6")
def test_ws_ref_6_only_to_county_level_hospitals():
    case = in_county({**primary_first(transfer_step(to="武胜县某民营医院")), "facility": {"name": "武胜县某民营医院"}})
    assert evaluate(case).referral.kind == "not_covered"


@pytest.mark.rule("WS-REF-5")
@pytest.mark.rule("WS-AMB-3")
def test_ws_amb_3_missing_leader_signature_flagged_or_fatal():
    case = in_county({"episode": {"path": [{"kind": "first_contact", "to": "武胜县人民医院", "to_level": "county",
                                            "actions": [{"kind": "approval", "by": "township"}]}]}})
    default = evaluate(case)
    assert default.referral.kind == "covered" and layer(default, "relief_fund") == 200000
    assert "WS-REF-5" in rules_cited(default)  # flagged for the bureau
    strict = evaluate(case, non_compliance="any_step")
    assert strict.referral.kind == "not_covered" and layer(strict, "relief_fund") == 0


@pytest.mark.rule("WS-REF-1")
@pytest.mark.rule("WS-PAY-9")
def test_ws_pay_9_private_hospital_only_for_special_disease_or_emergency():
    case = in_county({"facility": {"ownership": "private", "name": "武胜仁和医院"},
                      "episode": {"path": [{"kind": "first_contact", "to": "武胜仁和医院", "to_level": "county",
                                            "actions": [{"kind": "approval", "by": "township"},
                                                        {"kind": "signature", "by": "business_leader"}]}]}})
    assert evaluate(case).referral.kind == "not_covered"  # fracture-like case, no special disease
    emergency = in_county({"facility": {"ownership": "private", "name": "武胜仁和医院"},
                           "episode": {"emergency": True, "path": [],
                                       "actions": [{"kind": "notification", "by": "caregiver", "method": "phone"},
                                                   {"kind": "approval", "by": "township"}]}})
    out = evaluate(emergency)
    assert out.referral.kind == "covered" and layer(out, "relief_fund") == 200000


@pytest.mark.rule("WS-REF-9")
def test_ws_ref_9_private_without_recorded_bed_shortage_is_flagged_not_voided():
    case = example("ws-03-uremia-private.toml")
    import attrs
    first = attrs.evolve(case.episode.path[0], documents=("医疗机构诊断证明",))
    case = attrs.evolve(case, episode=attrs.evolve(case.episode, path=(first,)))
    out = evaluate(case)
    assert out.referral.kind == "covered" and layer(out, "relief_fund") == 150000  # 9000 − 6300 − 1200
    assert any("床位" in r.zh for r in out.referral.reasons)


@pytest.mark.rule("WS-REF-10")
@pytest.mark.rule("WS-SIGN-13")
def test_ws_ref_10_referral_by_maternal_child_hospital_is_invalid():
    case = example("ws-04-out-of-county-referral.toml")
    import attrs
    from jiuzhu.model import Action
    step = attrs.evolve(case.episode.path[1], origin="武胜县妇幼保健院",
                        actions=(Action("appraisal", "referring_facility", D(2026, 5, 6)),))
    case = attrs.evolve(case, episode=attrs.evolve(case.episode, path=(case.episode.path[0], step)))
    out = evaluate(case)
    assert out.referral.kind == "not_covered" and layer(out, "relief_fund") == 0
    # 50000 − 30000 − 8000 − 3000 slip assistance = 9000 left to the person
    assert out.settlement.burden == 900000


@pytest.mark.rule("WS-REF-12")
@pytest.mark.rule("WS-DOC-8")
def test_ws_ref_12_sudden_illness_outside_the_county():
    case = make_case({"person": {"certified_by": "武胜县民政局"},
                      "facility": {"name": "四川大学华西医院", "level": "provincial", "location": "510107"},
                      "episode": {"emergency": True, "actions": [{"kind": "notification", "by": "agent", "on": "2026-03-02",
                                                                  "method": "phone"}]},
                      "bill": {"total": "20000", "in_scope": "20000", "basic_paid": "14000"}})
    out = evaluate(case)
    assert out.referral.kind == "pay_first_claim"
    assert layer(out, "relief_fund") == 600000  # 20000 − 14000 = 6000 → paid to the social security card
    a2 = next(d for d in out.documents if d.form_id == "attachment_2")
    assert a2.data["reason_out_of_county"] == "县域外突发疾病"
    assert "县外正当理由就医证明" in a2.data["attachments"] and "户口簿" in a2.data["attachments"]


@pytest.mark.rule("WS-PAY-10")
@pytest.mark.rule("WS-SIGN-14")
def test_ws_pay_10_other_circumstances_go_to_the_bureau():
    # a non-designated clinic while away, not an emergency route the plan names
    case = make_case({"person": {"certified_by": "武胜县民政局"},
                      "facility": {"name": "某诊所", "level": "primary", "location": "440305", "designations": []},
                      "episode": {"emergency": True},
                      "bill": {"total": "3000", "in_scope": "3000"}})
    out = evaluate(case)
    assert out.referral.kind == "case_by_case"
    assert layer(out, "relief_fund") == 0 and out.settlement.burden == 300000
    assert any("一事一议" in r.zh for r in out.referral.reasons)
    assert {"WS-PAY-10", "WS-SIGN-14"} <= rules_cited(out)


@pytest.mark.rule("WS-PAY-10")
def test_ws_pay_10_bureau_taking_up_a_refused_case():
    case = example("ws-06-self-referral.toml")
    import attrs
    from jiuzhu.model import Action
    case = attrs.evolve(case, episode=attrs.evolve(case.episode, actions=(Action("approval", "civil_affairs_bureau"),)))
    assert evaluate(case).referral.kind == "case_by_case"


@pytest.mark.rule("WS-PAY-12")
def test_ws_pay_12_ineligible_person_gets_nothing():
    out = evaluate(in_county({"person": {"categories": ["dibao"]}}))
    assert layer(out, "relief_fund") == 0 and out.documents == ()


# -- ambiguities ---------------------------------------------------------------------------------


@pytest.mark.rule("WS-AMB-1")
def test_ws_amb_1_relief_fund_scope():
    case = in_county()
    # A: the whole residual 10000 − 7000 − 1000 = 2000
    assert layer(evaluate(case), "relief_fund") == 200000
    # B: only the out-of-policy part: fully self-paid 1000 (≤ 2000 left) → person keeps 1000
    out = evaluate(case, rf_scope="out_of_policy_only")
    assert layer(out, "relief_fund") == 100000 and out.settlement.burden == 100000


@pytest.mark.rule("WS-AMB-2")
def test_ws_amb_2_full_residual_or_bureau_decides():
    assert evaluate(in_county()).referral.kind == "covered"
    out = evaluate(in_county(), rf_amount="bureau_decides")
    assert out.referral.kind == "case_by_case" and layer(out, "relief_fund") == 0


@pytest.mark.rule("WS-AMB-4")
def test_ws_amb_4_special_outpatient_list():
    case = in_county({"episode": {"kind": "special_outpatient", "diagnoses": ["diabetes"], "path": [],
                                  "actions": [{"kind": "certificate", "by": "attending_doctor"}]}})
    assert evaluate(case).referral.kind == "case_by_case"  # A: not a named treatment → 一事一议
    out = evaluate(case, special_outpatient_list="all_special_outpatient")
    assert out.referral.kind == "covered" and layer(out, "relief_fund") == 200000


@pytest.mark.rule("WS-AMB-5")
@pytest.mark.rule("WS-DOC-11")
def test_ws_amb_5_special_outpatient_procedure():
    dialysis = {"episode": {"kind": "special_outpatient", "diagnoses": ["dialysis"], "path": [],
                            "actions": [{"kind": "certificate", "by": "attending_doctor"}]}}
    assert evaluate(in_county(dialysis)).referral.kind == "covered"
    assert evaluate(in_county(dialysis), special_outpatient_procedure="township_form").referral.kind == "not_covered"
    no_cert = in_county({"episode": {"kind": "special_outpatient", "diagnoses": ["dialysis"], "path": [], "actions": []}})
    assert evaluate(no_cert).referral.kind == "not_covered"
    away = in_county({**dialysis, "facility": {"location": "500103", "name": "重庆某医院"}})
    assert evaluate(away).referral.kind == "case_by_case"  # A: out of the county → 一事一议
    away_b = in_county({"episode": {"kind": "special_outpatient", "diagnoses": ["dialysis"], "path": [],
                                    "actions": [{"kind": "certificate", "by": "attending_doctor"},
                                                {"kind": "approval", "by": "township"}]},
                        "facility": {"location": "500103", "name": "重庆某医院"}})
    out = evaluate(away_b, special_outpatient_procedure="township_form")
    assert out.referral.kind == "pay_first_claim" and layer(out, "relief_fund") == 200000


@pytest.mark.rule("WS-AMB-6")
@pytest.mark.rule("WS-FLOW-2")
@pytest.mark.rule("WS-FLOW-3")
def test_ws_amb_6_deadline_readings():
    case = in_county({"episode": {"admitted": "2026-03-25", "discharged": "2026-04-03"}})

    def due(out, what):
        return next(d.due for d in out.deadlines if what in d.what_zh)
    a = evaluate(case)
    # A: settled in April → declare by 2026-05-05, feedback by 2026-05-25
    assert due(a, "附件3") == D(2026, 5, 5) and due(a, "反馈") == D(2026, 5, 25)
    b = evaluate(case, monthly_deadline="exclusive_admission_month")
    # B: admitted in March → declare strictly before 04-05, i.e. by 04-04; feedback by 04-24
    assert due(b, "附件3") == D(2026, 4, 4) and due(b, "反馈") == D(2026, 4, 24)


@pytest.mark.rule("WS-AMB-6")
def test_ws_amb_6_holiday_shift_uses_the_official_calendar():
    case = in_county()  # discharged 2026-03-10 → declare by 2026-04-05
    assert next(d.due for d in evaluate(case).deadlines if "附件3" in d.what_zh) == D(2026, 4, 5)
    shifted = evaluate(case, holiday_shift="next_workday")
    # 2026-04-05 is a Sunday in the Qingming holiday (04-04 to 04-06) → next working day 2026-04-07
    assert next(d.due for d in shifted.deadlines if "附件3" in d.what_zh) == D(2026, 4, 7)


@pytest.mark.rule("WS-AMB-6")
def test_ws_amb_6_unknown_calendar_year_degrades_and_strict_is_an_error():
    case = in_county({"episode": {"admitted": "2098-12-02", "discharged": "2098-12-10"},
                      "person": {"id_number": idcard.make("511622", D(1950, 1, 1), 31)}})
    out = evaluate(case, holiday_shift="next_workday")
    assert out.referral.kind == "covered" and out.settlement.assistance > 0  # money still returned
    assert any(d.basis == "unknown" for d in out.deadlines)
    assert [w.kind for w in out.warnings if w.kind == "deadline_unknown"] == ["deadline_unknown"]
    eng = engine(holiday_shift="next_workday")
    eng.strict = True
    with pytest.raises(JiuzhuError, match="calendar"):
        eng.evaluate(case, region="wusheng")


@pytest.mark.rule("WS-AMB-7")
@pytest.mark.rule("WS-LEDGER-3")
def test_ws_amb_7_which_township():
    case = in_county({"person": {"hukou": "511622101000", "residence": "511622105000"}})
    a5 = next(d for d in evaluate(case).documents if d.form_id == "attachment_5")
    assert a5.data["township"] == "511622105" and a5.data["hukou_township"] == "511622101"
    a5b = next(d for d in evaluate(case, ledger_township="hukou_township").documents if d.form_id == "attachment_5")
    assert a5b.data["township"] == "511622101"
    # attachment 2 always goes to the hukou township
    a2 = next(d for d in evaluate(example("ws-04-out-of-county-referral.toml")).documents if d.form_id == "attachment_2")
    assert a2.data["township"] == "511622105"


@pytest.mark.rule("WS-AMB-8")
def test_ws_amb_8_township_may_designate_a_county_hospital():
    case = in_county()  # township designated 县人民医院 directly
    assert evaluate(case).referral.kind == "covered"
    assert evaluate(case, first_designation="primary_first").referral.kind == "not_covered"
    assert evaluate(in_county(primary_first(transfer_step())), first_designation="primary_first").referral.kind == "covered"


@pytest.mark.rule("WS-AMB-9")
def test_ws_amb_9_prior_stay_at_the_referring_hospital():
    case = example("ws-04-out-of-county-referral.toml")
    import attrs
    only_referral = attrs.evolve(case, episode=attrs.evolve(case.episode, path=case.episode.path[1:]))
    assert evaluate(only_referral).referral.kind == "pay_first_claim"  # A: appraisal and referral suffice
    assert evaluate(only_referral, out_referral_prerequisite="prior_stay").referral.kind == "not_covered"
    assert evaluate(case, out_referral_prerequisite="prior_stay").referral.kind == "pay_first_claim"


@pytest.mark.rule("WS-AMB-10")
@pytest.mark.rule("WS-FLOW-11")
def test_ws_amb_10_emergency_steps():
    case = in_county({"episode": {"emergency": True, "path": [], "actions": []}})
    out = evaluate(case)
    assert out.referral.kind == "covered" and layer(out, "relief_fund") == 200000
    # the supplementary attachment 1 must exist before the hospital declares: discharged 03-10 → by 04-05
    sup = next(d for d in out.deadlines if "补充填报" in d.what_zh)
    assert sup.due == D(2026, 4, 5)
    strict = evaluate(case, emergency_steps="conditions")
    assert strict.referral.kind == "not_covered" and layer(strict, "relief_fund") == 0


@pytest.mark.rule("WS-AMB-11")
@pytest.mark.rule("WS-REF-11")
def test_ws_amb_11_report_timing():
    case = example("ws-04-out-of-county-referral.toml")
    import attrs
    from jiuzhu.model import Action
    step = case.episode.path[1]
    late = attrs.evolve(step, actions=tuple(a for a in step.actions if a.kind != "notification")
                        + (Action("notification", "caregiver", D(2026, 5, 25), "phone"),))
    case = attrs.evolve(case, episode=attrs.evolve(case.episode, path=(case.episode.path[0], late)))
    assert evaluate(case).referral.kind == "pay_first_claim"  # flagged only (WS-AMB-3 B)
    assert evaluate(case, non_compliance="any_step").referral.kind == "not_covered"  # late under A
    assert evaluate(case, non_compliance="any_step", out_of_county_report="before_claim").referral.kind == "pay_first_claim"


@pytest.mark.rule("WS-AMB-12")
def test_ws_amb_12_special_disease_list():
    case = example("ws-03-uremia-private.toml")
    import attrs
    case = attrs.evolve(case, episode=attrs.evolve(case.episode, diagnoses=("epilepsy",)))
    open_list = ["mental_illness", "severe_mental_illness", "uremia", "end_stage_renal_disease", "epilepsy"]
    assert evaluate(case, special_diseases=open_list).referral.kind == "covered"
    assert evaluate(case, special_diseases=open_list, special_disease_list="named_only").referral.kind == "not_covered"


@pytest.mark.rule("WS-AMB-13")
def test_ws_amb_13_out_of_county_attachments():
    case = example("ws-04-out-of-county-referral.toml")
    a2 = next(d for d in evaluate(case).documents if d.form_id == "attachment_2")
    assert "医保结算单据原件" in a2.data["attachments"]
    a2b = next(d for d in evaluate(case, out_of_county_attachments="main_text").documents if d.form_id == "attachment_2")
    assert "户口簿" not in a2b.data["attachments"] and "医保结算单" in a2b.data["attachments"]


@pytest.mark.rule("WS-AMB-14")
@pytest.mark.rule("WS-DOC-3")
@pytest.mark.rule("WS-DOC-7")
@pytest.mark.rule("WS-SIGN-10")
def test_ws_amb_14_insurance_paid_column_and_attachment_3_data():
    case = example("ws-01-in-county-township.toml")
    a3 = next(d for d in evaluate(case).documents if d.form_id == "attachment_3")
    # A: 医保报销费用 = 4000 basic + 800 assistance = 4800; 个人自付 6000 − 4800 = 1200; claimed 1200
    assert (a3.data["total"], a3.data["insurance_paid"], a3.data["personal_self_pay"], a3.data["assistance_claimed"]) == \
        ("6000.00", "4800.00", "1200.00", "1200.00")
    assert a3.who == "诊治医疗机构" and a3.due == D(2026, 4, 5)
    assert a3.title_zh == "武胜县中心镇卫生院申报结算特困人员住院就医个人自付费用救助明细表"
    assert "特困人员救助供养证复印件" in a3.data["attachments"]
    assert a3.data["name"] == "张德福" and a3.data["sex"] == "男" and a3.data["age"] == 69
    b = next(d for d in evaluate(case, insurance_paid_column="basic_and_critical").documents if d.form_id == "attachment_3")
    # B: 4000 basic only; 6000 − 4000 = 2000
    assert (b.data["insurance_paid"], b.data["personal_self_pay"]) == ("4000.00", "2000.00")


@pytest.mark.rule("WS-AMB-15")
def test_ws_amb_15_in_county_referral_report():
    case = in_county(primary_first(transfer_step(notified=False)))
    assert evaluate(case).referral.kind == "covered"
    assert evaluate(case, in_county_referral_report="condition").referral.kind == "not_covered"


@pytest.mark.rule("WS-AMB-16")
def test_ws_amb_16_admission_date_decides():
    # admitted 03-02, discharged 03-10, plan issued 03-05 → the stay began before: not under this plan
    out = make_engine({"compose_parents": False}, parameters={"wusheng": {"effective_date": "2026-03-05"}}).evaluate(
        in_county(), region="wusheng")
    assert out.referral.kind == "not_applicable"


@pytest.mark.rule("WS-AMB-18")
@pytest.mark.rule("WS-DUTY-2")
def test_ws_amb_18_care_responsibility():
    home = next(d for d in evaluate(example("ws-01-in-county-township.toml")).documents if d.form_id == "attachment_1")
    assert home.data["care_responsible"] == "张秀兰"
    inst = next(d for d in evaluate(example("ws-05-emergency.toml")).documents if d.form_id == "attachment_1")
    assert inst.data["care_responsible"] == "武胜县沿口镇敬老院"
    assert inst.data["township_approved_on"] == "2026-06-13"  # the supplementary form, signed on day 3
    away = make_case({"person": {"certified_by": "武胜县民政局", "support_mode": "institutional", "institution": "武胜县沿口镇敬老院",
                                 "caregiver": {"name": "周红", "relation": "侄女"}},
                      "facility": {"name": "四川大学华西医院", "level": "provincial", "location": "510107"},
                      "episode": {"emergency": True, "actions": [{"kind": "notification", "by": "caregiver"}]}})
    a2 = next(d for d in evaluate(away).documents if d.form_id == "attachment_2")
    assert a2.data["care_responsible"] == "武胜县沿口镇敬老院"
    a2b = next(d for d in evaluate(away, out_of_county_care="relatives_only").documents if d.form_id == "attachment_2")
    assert a2b.data["care_responsible"] == "周红"


@pytest.mark.rule("WS-AMB-19")
@pytest.mark.rule("WS-AMB-20")
def test_ws_amb_19_20_delayed_discharge_and_non_class_a_items():
    case = in_county({"bill": {"items": [{"name": "符合出院标准后住院费用", "amount": "500", "tags": ["after_discharge_criteria"]},
                                         {"name": "甲类外耗材", "amount": "300", "tags": ["non_class_a"]}]}})
    assert layer(evaluate(case), "relief_fund") == 200000  # A: both still covered, 2000
    assert layer(evaluate(case, delayed_discharge_costs="excluded"), "relief_fund") == 150000  # 2000 − 500
    assert layer(evaluate(case, non_class_a_items="excluded"), "relief_fund") == 170000  # 2000 − 300


@pytest.mark.rule("WS-AMB-21")
def test_ws_amb_21_further_transfers():
    second = {**transfer_step(to="武胜县中医医院", origin="武胜县人民医院")}
    case = in_county({**primary_first(transfer_step(), second), "facility": {"name": "武胜县中医医院"}})
    assert evaluate(case).referral.kind == "covered"
    assert evaluate(case, further_transfers="new_township_form").referral.kind == "not_covered"
    with_form = in_county({**primary_first(transfer_step(), transfer_step(to="武胜县中医医院", origin="武胜县人民医院", approval=True)),
                           "facility": {"name": "武胜县中医医院"}})
    assert evaluate(with_form, further_transfers="new_township_form").referral.kind == "covered"


@pytest.mark.rule("WS-AMB-22")
@pytest.mark.rule("WS-FLOW-6")
def test_ws_amb_22_a2_filing_window():
    case = example("ws-04-out-of-county-referral.toml")
    a2 = next(d for d in evaluate(case).deadlines if "附件2" in d.what_zh)
    assert a2.due is None  # A: the seed sets no limit
    with pytest.raises(JiuzhuError, match="a2_filing_window_days"):
        evaluate(case, a2_filing_window="deployment_limit")
    out = evaluate(case, a2_filing_window="deployment_limit", a2_filing_window_days=30)
    # discharged 2026-05-20 + 30 days = 2026-06-19
    assert next(d for d in out.deadlines if "附件2" in d.what_zh).due == D(2026, 6, 19)


# -- signatures and forms ------------------------------------------------------------------------


@pytest.mark.rule("WS-SIGN-1")
def test_ws_sign_1_agent_signs_for_a_person_without_capacity():
    case = in_county({"person": {"has_full_capacity": False, "agents": [{"name": "刘明", "relation": "侄子"}]}})
    sig = evaluate(case).signature
    assert (sig.signer_role, sig.signer_name, sig.rank) == ("agent", "刘明", 3)


@pytest.mark.rule("WS-SIGN-2")
@pytest.mark.rule("WS-SIGN-3")
@pytest.mark.rule("WS-ELIG-4")
def test_ws_sign_in_county_approvals():
    sig = evaluate(in_county()).signature
    assert sig.approvals == ("township", "first_doctor", "business_leader")
    sig = evaluate(example("ws-04-out-of-county-referral.toml")).signature
    assert sig.approvals == ("county_hospital", "township", "civil_affairs_bureau")


@pytest.mark.rule("WS-SIGN-5")
@pytest.mark.rule("WS-LEDGER-1")
@pytest.mark.rule("WS-LEDGER-4")
@pytest.mark.rule("WS-LEDGER-7")
def test_attachment_1_and_5_data_after_a_transfer():
    out = evaluate(example("ws-02-township-to-county-transfer.toml"))
    a1 = next(d for d in out.documents if d.form_id == "attachment_1")
    assert a1.data["copies"] == 1
    assert (a1.data["designated_hospital"], a1.data["referral_to"], a1.data["referral_on"]) == \
        ("武胜县烈面镇中心卫生院", "武胜县人民医院", "2026-04-05")
    a5 = next(d for d in out.documents if d.form_id == "attachment_5")
    assert a5.data["cumulative"] is True
    assert (a5.data["support_mode"], a5.data["first_hospital"], a5.data["first_signed_on"],
            a5.data["referral_hospital"], a5.data["referral_reported_on"]) == \
        ("散居", "武胜县烈面镇中心卫生院", "2026-04-01", "武胜县人民医院", "2026-04-05")


@pytest.mark.rule("WS-LEDGER-2")
@pytest.mark.rule("WS-DOC-4")
@pytest.mark.rule("WS-SIGN-11")
@pytest.mark.rule("WS-SIGN-12")
def test_attachment_4_and_6_data():
    out = evaluate(example("ws-04-out-of-county-referral.toml"))
    a4 = next(d for d in out.documents if d.form_id == "attachment_4")
    # 50000 total; 医保报销 30000 + 8000 + 3000 = 41000; 个人自付 9000
    assert (a4.data["total"], a4.data["insurance_paid"], a4.data["personal_self_pay"]) == ("50000.00", "41000.00", "9000.00")
    assert a4.who == "户籍所在地乡镇" and a4.due == D(2026, 6, 5)
    a6 = next(d for d in out.documents if d.form_id == "attachment_6")
    assert a6.data["recipients"] == ["县民政局", "县医疗保障局"]
    assert (a6.data["out_of_county_hospital"], a6.data["out_of_county_reported_on"]) == ("重庆医科大学附属第一医院", "2026-05-06")


@pytest.mark.rule("WS-AMB-19")
@pytest.mark.rule("WS-AMB-20")
def test_excluded_items_removed_once_and_only_from_their_column():
    # 10000 = 8000 in scope + 1000 first self-paid + 1000 fully self-paid; 7000 basic + 1000 assistance → 2000.
    # Item A (400, first self-paid) carries both tags; item B (300) is a non-甲类 line inside the in-scope cost.
    bill = {"total": "10000", "in_scope": "8000", "first_self_paid": "1000", "fully_self_paid": "1000",
            "items": [{"name": "出院标准后甲类外耗材", "amount": "400", "column": "first_self_paid",
                       "tags": ["after_discharge_criteria", "non_class_a"]},
                      {"name": "乙类药品", "amount": "300", "column": "in_scope", "tags": ["non_class_a"]}]}
    case = in_county({"bill": bill})
    both = {"delayed_discharge_costs": "excluded", "non_class_a_items": "excluded"}
    # whole residual (WS-AMB-1 A): 2000 − 400 (once, not twice) − 300 = 1300
    assert layer(evaluate(case, **both), "relief_fund") == 130000
    # out-of-scope only (B): out_of_scope 2000 − 400; B was never in the out-of-scope base: 1600
    assert layer(evaluate(case, rf_scope="out_of_policy_only", **both), "relief_fund") == 160000
