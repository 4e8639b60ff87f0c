"""Wusheng alone: every transfer the seed permits (up, down, lateral, emergency), what a refusal cites,
住院指征, the hospital-side consequence, out-of-county deadlines, periods, forms with nothing to claim and
the signer. Amounts are worked out by hand from the seed in the comments (yuan; assertions in fen).

The slip of every in-county case here: total 10000, basic insurance 7000, medical assistance 1000
→ residual 10000 − 7000 − 1000 = 2000, which the relief fund takes in full (三（二）, WS-AMB-1 A).
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import attrs
import pytest
from jiuzhu.io.loader import load_case
from jiuzhu.kit.testing import layer, make_case, make_engine, merge
from jiuzhu.model import Action

EXAMPLES = Path(__file__).parent.parent / "examples"
D = dt.date
PEOPLE = "武胜县人民医院"
TCM = "武胜县中医医院"
CENTRE = "武胜县中心镇卫生院"


def evaluate(case, **params):
    eng = make_engine({"compose_parents": False}, parameters={"wusheng": {"effective_date": "2025-10-01", **params}})
    return eng.evaluate(case, region="wusheng")


def cited(out):
    return {c.rule for c in out.citations}


def warnings(out):
    return {w.kind: w for w in out.warnings}


BLOCK = [{"kind": "signature", "by": "facility_leader", "on": "2026-03-05"},
         {"kind": "seal", "by": "referring_facility", "on": "2026-03-05"}]


def first(to, level, approved=True):
    actions = [{"kind": "signature", "by": "business_leader", "on": "2026-03-02"}]
    if approved:
        actions.insert(0, {"kind": "approval", "by": "township", "on": "2026-03-02"})
    return {"kind": "first_contact", "to": to, "to_level": level, "on": "2026-03-02", "actions": actions}


def transfer(to, level, origin, signed=True, kind="transfer"):
    return {"kind": kind, "to": to, "to_level": level, "origin": origin, "on": "2026-03-05",
            "actions": BLOCK if signed else []}


def stay(path, facility, level="county", ownership="public", **over):
    base = {"person": {"certified_by": "武胜县民政局"},
            "facility": {"name": facility, "level": level, "ownership": ownership},
            "episode": {"path": path},
            "bill": {"total": "10000", "in_scope": "9000", "fully_self_paid": "1000", "basic_paid": "7000",
                     "assistance_paid": "1000"}}
    return make_case(merge(base, over))


# -- transfers: up, down, lateral, emergency -------------------------------------------------------


@pytest.mark.rule("WS-REF-7")
def test_down_transfer_from_county_hospital_to_township_centre_is_covered():
    # 五（二）「县级公立医疗机构可根据情况安排下转到所属地卫生机构」: county hospital → township centre
    out = evaluate(stay([first(PEOPLE, "county"), transfer(CENTRE, "primary", PEOPLE)], CENTRE, "primary"))
    assert out.referral.kind == "covered"
    assert layer(out, "relief_fund") == 200000  # 10000 − 7000 − 1000
    assert "WS-REF-7" in cited(out) and "WS-REF-13" not in cited(out)


@pytest.mark.rule("WS-REF-7")
@pytest.mark.rule("WS-AMB-21")
def test_down_transfer_without_block_is_flagged_by_default_and_refused_when_required():
    case = stay([first(PEOPLE, "county"), transfer(CENTRE, "primary", PEOPLE, signed=False)], CENTRE, "primary")
    out = evaluate(case)
    assert out.referral.kind == "covered" and layer(out, "relief_fund") == 200000
    assert any("下转未见" in r.zh for r in out.referral.reasons)
    strict = evaluate(case, down_transfer_procedure="referral_block_required")
    assert strict.referral.kind == "not_covered" and layer(strict, "relief_fund") == 0
    assert strict.settlement.burden == 200000  # the residual 2000 stays with the person
    assert {"WS-REF-6", "WS-REF-13", "WS-REF-14"} <= cited(strict)


@pytest.mark.rule("WS-REF-7")
def test_down_transfer_only_from_a_county_level_public_hospital():
    # a private county-level hospital is not 「县级公立医疗机构」: it cannot down-transfer under 五（二）
    private = "武胜仁和医院"
    out = evaluate(stay([first(private, "county"), transfer(CENTRE, "primary", private)], CENTRE, "primary"))
    assert out.referral.kind == "not_covered" and layer(out, "relief_fund") == 0
    assert {"WS-REF-7", "WS-REF-13"} <= cited(out)


@pytest.mark.rule("WS-AMB-21")
def test_lateral_transfer_between_county_hospitals_is_covered():
    # 附件1注3「若特困人员因病情治疗确需转院的，由诊疗机构填写转诊意见」: 县人民医院 → 县中医医院
    out = evaluate(stay([first(PEOPLE, "county"), transfer(TCM, "county", PEOPLE)], TCM))
    assert out.referral.kind == "covered" and layer(out, "relief_fund") == 200000
    assert "WS-AMB-21" in cited(out)


@pytest.mark.rule("WS-AMB-21")
def test_lateral_transfer_between_township_centres_is_covered():
    # 附件1注3: the treating facility proposes a transfer to another primary facility
    other = "武胜县烈面镇中心卫生院"
    out = evaluate(stay([first(CENTRE, "primary"), transfer(other, "primary", CENTRE)], other, "primary"))
    assert out.referral.kind == "covered" and layer(out, "relief_fund") == 200000


@pytest.mark.rule("WS-REF-6")
@pytest.mark.rule("WS-REF-14")
def test_lateral_transfer_to_an_unlisted_hospital_is_refused_with_the_hospital_side_consequence():
    other = "武胜县某专科医院"
    out = evaluate(stay([first(PEOPLE, "county"), transfer(other, "county", PEOPLE)], other))
    assert out.referral.kind == "not_covered" and layer(out, "relief_fund") == 0
    assert {"WS-REF-6", "WS-REF-13", "WS-REF-14"} <= cited(out)
    assert "insurance_recovery" in warnings(out)


@pytest.mark.rule("WS-REF-6")
def test_up_transfer_without_block_is_refused():
    out = evaluate(stay([first(CENTRE, "primary"), transfer(PEOPLE, "county", CENTRE, signed=False, kind="referral")],
                        PEOPLE))
    assert out.referral.kind == "not_covered" and out.settlement.burden == 200000
    assert {"WS-REF-6", "WS-REF-13", "WS-REF-14"} <= cited(out)


@pytest.mark.rule("WS-REF-8")
def test_emergency_transfer_is_exempt_from_the_path():
    # 急危重症: the path rules do not apply; phone report and the supplementary 附件1 are on the episode
    out = evaluate(stay([transfer(TCM, "county", PEOPLE, signed=False)], TCM, episode={
        "emergency": True, "actions": [{"kind": "notification", "by": "caregiver", "method": "phone"},
                                       {"kind": "approval", "by": "township"}]}))
    assert out.referral.kind == "covered" and layer(out, "relief_fund") == 200000
    assert "WS-REF-14" not in cited(out) and "insurance_recovery" not in warnings(out)


# -- refusals cite the requirement and the exclusion -------------------------------------------------


@pytest.mark.rule("WS-REF-13")
@pytest.mark.rule("WS-REF-14")
def test_no_township_approval_cites_requirement_exclusion_and_hospital_consequence():
    out = evaluate(stay([first(PEOPLE, "county", approved=False)], PEOPLE))
    assert out.referral.kind == "not_covered"
    assert {"WS-REF-3", "WS-REF-13", "WS-REF-14"} <= cited(out)
    w = warnings(out)["insurance_recovery"]
    assert w.field == "bill.basic_paid" and "追回" in w.zh
    # the slip is input: basic insurance 7000 and assistance 1000 still stand, flagged as not final
    assert layer(out, "basic_insurance") == 700000 and out.settlement.burden == 200000


@pytest.mark.rule("WS-REF-13")
def test_out_of_county_refusal_has_no_hospital_side_consequence():
    case = load_case(EXAMPLES / "ws-04-out-of-county-referral.toml")
    step = attrs.evolve(case.episode.path[1], actions=())  # no appraisal, no referral slip
    out = evaluate(attrs.evolve(case, episode=attrs.evolve(case.episode, path=(case.episode.path[0], step))))
    assert out.referral.kind == "not_covered"
    assert {"WS-REF-10", "WS-REF-13"} <= cited(out)
    # an out-of-county hospital is under no Wusheng agreement (WS-AMB-3)
    assert "WS-REF-14" not in cited(out) and "insurance_recovery" not in warnings(out)


@pytest.mark.rule("WS-PAY-9")
def test_private_hospital_stay_does_not_cite_the_public_hospital_rule():
    case = load_case(EXAMPLES / "ws-03-uremia-private.toml")
    out = evaluate(case)
    assert out.referral.kind == "covered"
    assert "WS-PAY-9" in cited(out) and "WS-PAY-3" not in cited(out)
    public = evaluate(stay([first(PEOPLE, "county")], PEOPLE))
    assert "WS-PAY-3" in cited(public)


# -- 住院指征 -----------------------------------------------------------------------------------------


@pytest.mark.rule("WS-REF-5")
@pytest.mark.rule("WS-AMB-3")
def test_admission_without_indication_is_flagged_or_fatal_under_the_strict_reading():
    case = stay([first(PEOPLE, "county")], PEOPLE, episode={"admission_indicated": False})
    out = evaluate(case)
    # WS-AMB-3 B (default): a formal defect for the bureau, the relief fund still pays 2000
    assert out.referral.kind == "covered" and layer(out, "relief_fund") == 200000
    assert any("住院指征" in r.zh for r in out.referral.reasons)
    assert warnings(out)["admission_not_indicated"].field == "episode.admission_indicated"
    strict = evaluate(case, non_compliance="any_step")
    assert strict.referral.kind == "not_covered" and layer(strict, "relief_fund") == 0


@pytest.mark.rule("WS-REF-5")
def test_indicated_admission_raises_no_flag():
    out = evaluate(stay([first(PEOPLE, "county")], PEOPLE))
    assert "admission_not_indicated" not in warnings(out)
    assert not any("住院指征" in r.zh for r in out.referral.reasons)


# -- deadlines: out-of-county month, periods ---------------------------------------------------------


def out_of_county(signed_on=None):
    case = load_case(EXAMPLES / "ws-04-out-of-county-referral.toml")
    actions = (Action("approval", "township", signed_on),) if signed_on else ()
    return attrs.evolve(case, episode=attrs.evolve(case.episode, actions=actions))


def due(out, text):
    return next(d for d in out.deadlines if text in d.what_zh)


@pytest.mark.rule("WS-AMB-6")
@pytest.mark.rule("WS-FLOW-7")
@pytest.mark.rule("WS-FLOW-8")
def test_out_of_county_deadlines_follow_the_township_signature_month():
    # discharged 2026-05-20, but the township signs 附件2 on 2026-06-02: 附件4 by the 5th of the next
    # month, 2026-07-05 (not 06-05, the discharge month's); feedback by the 25th of that month, 07-25
    out = evaluate(out_of_county(D(2026, 6, 2)))
    assert due(out, "附件4").due == D(2026, 7, 5)
    assert due(out, "反馈").due == D(2026, 7, 25)
    assert "deadline_depends" not in warnings(out)


@pytest.mark.rule("WS-AMB-6")
def test_out_of_county_deadlines_without_signature_say_they_depend_on_it():
    out = evaluate(out_of_county())
    a4 = due(out, "附件4")
    assert a4.due is None and "取决于" in a4.rule_zh
    assert due(out, "反馈").due is None
    assert warnings(out)["deadline_depends"].field == "episode.actions"
    # reading B (month of admission, day 5 read strictly): admitted 2026-05-07 → 2026-06-04, no signature needed
    b = evaluate(out_of_county(), monthly_deadline="exclusive_admission_month")
    assert due(b, "附件4").due == D(2026, 6, 4) and "deadline_depends" not in warnings(b)


@pytest.mark.rule("WS-FLOW-4")
@pytest.mark.rule("WS-FLOW-9")
def test_quarterly_and_monthly_funding_are_periods_without_dates():
    quarterly = due(evaluate(stay([first(PEOPLE, "county")], PEOPLE)), "按季度")
    assert quarterly.due is None and "未规定" in quarterly.rule_zh
    monthly = due(evaluate(out_of_county(D(2026, 5, 25))), "按月")
    assert monthly.due is None and "未规定" in monthly.rule_zh


# -- forms with nothing to claim ---------------------------------------------------------------------


@pytest.mark.rule("WS-DOC-3")
def test_no_attachment_3_when_nothing_is_left_to_claim():
    # slip: 10000 = 7000 basic + 3000 medical assistance → residual 0 → no row to declare on 附件3
    out = evaluate(stay([first(PEOPLE, "county")], PEOPLE, bill={"assistance_paid": "3000", "fully_self_paid": "0",
                                                                 "in_scope": "10000"}))
    assert out.referral.kind == "covered" and layer(out, "relief_fund") == 0
    forms = {d.form_id for d in out.documents}
    assert "attachment_3" not in forms and {"attachment_1", "attachment_5"} <= forms
    # and no claim step is due: only the township's ledger (附件5, by 2026-04-05 for a March admission)
    assert [(d.cite.rule, d.due) for d in out.deadlines] == [("WS-LEDGER-5", D(2026, 4, 5))]


@pytest.mark.rule("WS-DOC-2")
@pytest.mark.rule("WS-DOC-4")
def test_no_attachment_2_or_4_when_nothing_is_left_out_of_county():
    case = out_of_county(D(2026, 5, 25))
    # 50000 = 30000 basic + 8000 critical illness + 12000 assistance → residual 0
    case = attrs.evolve(case, bill=attrs.evolve(case.bill, assistance_paid=1200000))
    out = evaluate(case)
    assert {d.form_id for d in out.documents} == {"attachment_6"}
    # the report before treatment and the ledger stay due; no 附件2/附件4 step
    assert {d.cite.rule for d in out.deadlines} == {"WS-REF-11", "WS-LEDGER-5"}


# -- the signer: no village committee in Wusheng ------------------------------------------------------


@pytest.mark.rule("WS-SIGN-1")
def test_caregiver_signs_and_fills_the_agent_box():
    case = stay([first(PEOPLE, "county")], PEOPLE, person={
        "has_full_capacity": False, "village_committee": "中心镇某村民委员会",
        "caregiver": {"name": "刘建国", "relation": "侄子"}})
    out = evaluate(case)
    assert (out.signature.signer_role, out.signature.signer_name, out.signature.rank) == ("caregiver", "刘建国", None)
    a1 = next(d for d in out.documents if d.form_id == "attachment_1")
    assert (a1.data["agent"], a1.data["agent_relation"]) == ("刘建国", "侄子")


@pytest.mark.rule("WS-SIGN-1")
def test_no_one_recorded_leaves_the_signer_open_not_a_village_committee():
    case = stay([first(PEOPLE, "county")], PEOPLE, person={"has_full_capacity": False,
                                                          "village_committee": "中心镇某村民委员会"})
    out = evaluate(case)
    assert out.signature.signer_role == "unrecorded" and out.signature.signer_name == ""
    assert "village_committee" not in {p.who for p in out.signature.passed_over} | {out.signature.signer_role}
    assert warnings(out)["signer_open"].field == "person.agents"
    a1 = next(d for d in out.documents if d.form_id == "attachment_1")
    assert a1.data["agent"] == "" and a1.data["agent_open"] is True


@pytest.mark.rule("WS-SIGN-1")
def test_agent_and_person_sign_as_before():
    me = evaluate(stay([first(PEOPLE, "county")], PEOPLE))
    a1 = next(d for d in me.documents if d.form_id == "attachment_1")
    assert me.signature.signer_role == "patient" and a1.data["agent"] == ""
    agent = evaluate(stay([first(PEOPLE, "county")], PEOPLE, person={
        "has_full_capacity": False, "agents": [{"name": "刘明", "relation": "外甥"}]}))
    a1 = next(d for d in agent.documents if d.form_id == "attachment_1")
    assert (agent.signature.signer_role, agent.signature.rank) == ("agent", 3)
    assert (a1.data["agent"], a1.data["agent_relation"]) == ("刘明", "外甥")
