"""Wusheng composed with Guang'an: the headline, each region's verdict, the layers, the reasons and the
signature plan tell one story; notes that cannot change the result say so; WS-ELIG-4 and WS-REF-5 exercised.

The ILLUSTRATIVE critical-illness table (NOT policy): threshold 5,000; 5,000–30,000 at 50 %; then 60 %, 70 %.
The ws-09 slip (yuan): total 60,000; in-scope 52,000; basic 36,000; CII 5,500; assistance 3,000.
K = 52,000 − 36,000 = 16,000; tilt (16,000 − 5,000) × 5 % = 550.
"""

from pathlib import Path

import pytest

from jiuzhu.io.loader import load_case, structure_case, unstructure_case
from jiuzhu.io.report import render_text, to_json
from jiuzhu.kit.testing import layer, make_engine, merge

EXAMPLES = Path(__file__).parent.parent / "examples"
SEGMENTS = [{"from": "2018-01-01", "value": [{"from": "5000", "to": "30000", "rate": "0.5"},
                                             {"from": "30000", "to": "100000", "rate": "0.6"},
                                             {"from": "100000", "rate": "0.7"}]}]


def engine(compose=True, ga=None, **ws):
    return make_engine({"compose_parents": compose},
                       parameters={"guangan": {"critical_illness_segments": SEGMENTS, "individual_premium": "180",
                                               **(ga or {})},
                                   "wusheng": {"effective_date": "2025-10-01", **ws}})


def ws(name, over=None, drop_filing=False):
    raw = unstructure_case(load_case(EXAMPLES / name))
    raw = merge(raw, over or {})
    if drop_filing:
        for step in raw["episode"]["path"]:
            step["actions"] = [a for a in step.get("actions", []) if a["kind"] != "filing"]
    return structure_case(raw)


def section(out, code):
    return next(r for r in out.regions if r.code == code)


def effect(sec, lid):
    return next(e for e in sec.effects if e.id == lid)


DIBAO = {"person": {"categories": ["dibao"], "area": "rural"}}


# -- 10. a non-特困 resident under a Wusheng deployment -------------------------------------------

@pytest.mark.rule("WS-ELIG-1")
@pytest.mark.rule("GA-PAY-5")
def test_dibao_resident_under_wusheng_reads_guangan_applies_wusheng_does_not():
    out = engine().evaluate(ws("ws-09-composed-with-guangan.toml", DIBAO), region="wusheng")
    ga, wsg = section(out, "guangan"), section(out, "wusheng")
    # Guang'an: eligible (rural dibao, +5 group), covered, pays the 550 tilt
    assert ga.eligibility.eligible and ga.referral.kind == "covered"
    assert effect(ga, "critical_illness_tilt").status == "paid" and effect(ga, "critical_illness_tilt").amount == 55000
    # Wusheng: not a 特困 person; its relief fund pays nothing
    assert not wsg.eligibility.eligible and wsg.referral.kind == "not_covered"
    assert layer(out, "relief_fund") == 0
    # the person pays 60,000 − 36,000 − 5,500 − 550 − 3,000 = 14,950; the headline says who paid
    assert out.settlement.burden == 1495000
    zh, en = out.headline
    assert zh == "广安市救助支付合计550.00元，个人负担14950.00元" and "不符合" not in zh
    # the signature plan is Guang'an's (the treat-first-pay-later agreement), not Wusheng's 特困 approvals
    sig = out.signature
    assert sig.approvals == () and [r.cite.rule for r in sig.reasons] == ["GA-FLOW-3"]
    j = to_json(out)
    assert j["signature"]["approvals"] == [] and j["headline"]["zh"] == zh
    assert [(r["region"], r["eligibility"]["eligible"], r["referral"]["verdict"]) for r in j["regions"]] == \
        [("guangan", True, "covered"), ("wusheng", False, "not_covered")]


@pytest.mark.rule("WS-PAY-2")
@pytest.mark.rule("WS-SIGN-2")
def test_tekun_person_composed_both_regions_pay_and_wusheng_signs():
    out = engine().evaluate(ws("ws-09-composed-with-guangan.toml"), region="wusheng")
    # 550 tilt + 14,950 relief fund = 15,500 assistance; the person pays 0
    assert out.headline[0] == "广安市、武胜县救助支付合计15500.00元，个人负担0.00元"
    assert out.signature.approvals == ("township", "first_doctor", "business_leader", "facility_leader")
    assert all(r.eligibility.eligible and r.referral.kind == "covered" for r in out.regions)


# -- 11. parent notes that cannot change the result -------------------------------------------------
# By default Wusheng's signed referral block plus its 报备 count as Guang'an's filing (filing_evidence,
# issue item 6); an unfiled referral is the strict reading, where only a `filing` action counts.
UNFILED = {"filing_evidence": "filing_record"}

@pytest.mark.rule("GA-REF-2")
def test_unfiled_referral_below_the_threshold_cannot_change_the_result():
    # K = in-scope 40,000 − basic 36,000 = 4,000 < 5,000: no CII and no tilt on any path
    small = merge(DIBAO, {"bill": {"total": "48000", "in_scope": "40000", "critical_paid": "0"}})
    out = engine(ga=UNFILED).evaluate(ws("ws-09-composed-with-guangan.toml", small, drop_filing=True), region="wusheng")
    ga = section(out, "guangan")
    assert ga.referral.kind == "not_covered" and "GA-REF-2" in {r.cite.rule for r in ga.referral.reasons}
    e = effect(ga, "critical_illness_tilt")
    assert (e.status, e.would_pay, e.burden_change) == ("not_paid", 0, 0)
    text = render_text(out, "zh")
    assert "即使按规定救助，本项亦为0，不影响结果" in text


@pytest.mark.rule("GA-REF-2")
def test_unfiled_referral_above_the_threshold_says_what_it_costs():
    out = engine(ga=UNFILED).evaluate(ws("ws-09-composed-with-guangan.toml", DIBAO, drop_filing=True), region="wusheng")
    e = effect(section(out, "guangan"), "critical_illness_tilt")
    # a dibao person (no Wusheng fund behind): the 550 tilt lost is 550 more for the person
    assert (e.status, e.would_pay, e.burden_change) == ("not_paid", 55000, 55000)
    assert out.settlement.burden == 60000_00 - 36000_00 - 5500_00 - 3000_00
    assert "个人负担因此多550.00元" in render_text(out, "zh")
    # a 特困 person: the relief fund takes the residual either way, the burden does not change
    out = engine(ga=UNFILED).evaluate(ws("ws-09-composed-with-guangan.toml", drop_filing=True), region="wusheng")
    e = effect(section(out, "guangan"), "critical_illness_tilt")
    assert (e.would_pay, e.burden_change) == (55000, 0) and layer(out, "relief_fund") == 1550000
    assert "个人负担不变" in render_text(out, "zh")


@pytest.mark.rule("GA-PAY-7")
def test_out_of_county_path_findings_say_they_cannot_change_the_result():
    out = engine().evaluate(ws("ws-04-out-of-county-referral.toml"), region="wusheng")
    ga = section(out, "guangan")
    zh = [r.zh for r in ga.referral.reasons]
    assert zh[0] == "县域外就医，不享受倾斜支付" and "不影响结果" in zh[1]
    # no tilt is listed as "not paid": outside the county there is no path that earns it
    assert [e.id for e in ga.effects if e.status == "not_paid"] == []


# -- register entries marked implemented ---------------------------------------------------------

@pytest.mark.rule("WS-ELIG-4")
def test_ws_elig_4_first_doctor_identity_check():
    checked = ws("ws-01-in-county-township.toml")  # certificate by first_doctor on the first step
    out = engine(compose=False).evaluate(checked, region="wusheng")
    assert out.referral.kind == "covered" and "WS-ELIG-4" not in {r.cite.rule for r in out.referral.reasons}
    raw = unstructure_case(checked)
    for step in raw["episode"]["path"]:
        step["actions"] = [a for a in step.get("actions", []) if a["by"] != "first_doctor"]
    unchecked = structure_case(raw)
    out = engine(compose=False).evaluate(unchecked, region="wusheng")
    # default WS-AMB-3 B: flagged for the bureau, the relief fund still pays the 1,200 residual
    assert out.referral.kind == "covered" and layer(out, "relief_fund") == 120000
    assert "WS-ELIG-4" in {r.cite.rule for r in out.referral.reasons}
    # WS-AMB-3 A: any missing step voids the support
    strict = engine(compose=False, non_compliance="any_step").evaluate(unchecked, region="wusheng")
    assert strict.referral.kind == "not_covered" and layer(strict, "relief_fund") == 0


@pytest.mark.rule("WS-REF-5")
def test_ws_ref_5_business_leader_signs_before_admission():
    signed = ws("ws-01-in-county-township.toml")
    out = engine(compose=False).evaluate(signed, region="wusheng")
    assert "WS-REF-5" not in {r.cite.rule for r in out.referral.reasons}
    raw = unstructure_case(signed)
    for step in raw["episode"]["path"]:
        step["actions"] = [a for a in step.get("actions", []) if a["by"] != "business_leader"]
    unsigned = structure_case(raw)
    out = engine(compose=False).evaluate(unsigned, region="wusheng")
    assert out.referral.kind == "covered" and "WS-REF-5" in {r.cite.rule for r in out.referral.reasons}
    strict = engine(compose=False, non_compliance="any_step").evaluate(unsigned, region="wusheng")
    assert strict.referral.kind == "not_covered" and layer(strict, "relief_fund") == 0


@pytest.mark.rule("GA-FLOW-4")
def test_headline_when_the_tilt_was_paid_on_the_slip():
    # tilt_source = slip, the window paid the 550: no layer is computed, yet Guang'an covered the person, and
    # the headline says so with the slip's tilt and medical assistance (550 + 3,000 = 3,550), not "not covered"
    eng = make_engine(parameters={"guangan": {"critical_illness_segments": SEGMENTS, "individual_premium": "180",
                                              "tilt_source": "slip"},
                                  "wusheng": {"effective_date": "2025-10-01"}})
    c = ws("ws-09-composed-with-guangan.toml",
           merge(DIBAO, {"bill": {"other_payers": [{"kind": "tilted_payment", "amount": "550"}]}}))
    out = eng.evaluate(c, region="wusheng")
    # the person pays 60,000 − 36,000 − 5,500 − 550 − 3,000 = 14,950
    assert out.headline[0] == "无救助支付（广安市：按规定救助）（结算单所列倾斜支付、医疗救助3550.00元照列）；个人负担14950.00元"
    assert "不纳入" not in out.headline[0]


@pytest.mark.rule("WS-ELIG-1")
@pytest.mark.rule("GA-PAY-5")
def test_dibao_resident_top_level_verdict_is_the_region_that_takes_them(tmp_path):
    """The outcome's own eligibility and verdict (what `jiuzhu compare` and the forms' `eligible` read) are
    those of the lowest region that takes the person — the same region whose signature plan is used — not
    Wusheng's 资格否 / 不纳入救助范围 next to a paid Guang'an tilt of 550."""
    out = engine().evaluate(ws("ws-09-composed-with-guangan.toml", DIBAO), region="wusheng")
    assert out.eligibility.eligible and out.eligibility.groups == ("dibao",)
    assert out.referral.kind == "covered"
    assert {r.cite.region for r in out.referral.reasons} == {"广安市"}
    # Wusheng's own 否 stays in its section
    assert not section(out, "wusheng").eligibility.eligible
    # a 特困 person: Wusheng (the leaf) takes them, its verdict is the outcome's
    tk = engine().evaluate(ws("ws-09-composed-with-guangan.toml"), region="wusheng")
    assert tk.referral.kind == "covered" and "WS-REF-6" in {r.cite.rule for r in tk.referral.reasons}
    # nobody takes a person with a hukou outside Guang'an: the leaf's verdict, as before
    away = merge(DIBAO, {"person": {"hukou": "510104000000", "residence": "510104000000"}})
    no = engine().evaluate(ws("ws-09-composed-with-guangan.toml", away), region="wusheng")
    assert not no.eligibility.eligible and "WS-ELIG-1" in {r.cite.rule for r in no.eligibility.reasons}
    # the comparison table's Wusheng column no longer reads 否 / 不纳入救助范围 while paying 550
    from jiuzhu.analysis.compare import compare_case, to_json as cmp_json
    rows = {r["key"]: r["cells"]["wusheng"] for r in cmp_json(compare_case(engine(), ws("ws-09-composed-with-guangan.toml",
                                                                                       DIBAO), ["wusheng"]))["rows"]}
    assert rows["eligibility"] == "是 yes (dibao)" and rows["referral"] == "按规定救助 covered"


@pytest.mark.rule("WS-DOC-1")
@pytest.mark.rule("WS-ELIG-1")
def test_dibao_resident_under_wusheng_gets_no_tekun_forms():
    # Wusheng's 附件1 (特困人员…申请审批表) and 附件5 (特困人员台账) are not a dibao resident's: only Guang'an's
    # premium record, treat-first-pay-later agreement and one-stop slip are asked for
    out = engine().evaluate(ws("ws-09-composed-with-guangan.toml", DIBAO), region="wusheng")
    assert [d.form_id for d in out.documents] == ["premium_subsidy", "tfpl_agreement", "one_stop_settlement"]
