"""Wusheng composed with its parent Guang'an: the same route judged by each region, per region.

The stay of examples/ws-09-composed-with-guangan.toml (slip: total 60,000; in scope 52,000; basic 36,000;
critical illness 5,500; medical assistance 3,000). Guang'an's segment table is ILLUSTRATIVE (NOT policy):
threshold 5,000, 5,000–30,000 at 50 %.
- Guang'an's +5-point tilt: base 52,000 − 36,000 = 16,000; (16,000 − 5,000) × 5 % = 550.
- Relief fund (Wusheng) with the tilt: 60,000 − 36,000 − 5,500 − 550 − 3,000 = 14,950; without: 15,500.
- Guang'an alone leaves the person 14,950 (with the tilt).
"""

from __future__ import annotations

from pathlib import Path

import attrs
import pytest
from jiuzhu.io.loader import load_case
from jiuzhu.kit.testing import layer, make_engine
from jiuzhu.model import Action, ReferralStep

CASE = Path(__file__).parent.parent / "examples" / "ws-09-composed-with-guangan.toml"
SEGMENTS = [{"from": "5000", "to": "30000", "rate": "0.5"}, {"from": "30000", "to": "100000", "rate": "0.6"},
            {"from": "100000", "rate": "0.7"}]


def run(case, region="wusheng", guangan=None, wusheng=None):
    eng = make_engine(parameters={"wusheng": {"effective_date": "2025-10-01", **(wusheng or {})},
                                  "guangan": {"critical_illness_segments": SEGMENTS, **(guangan or {})}})
    return eng.evaluate(case, region=region)


def section(out, code):
    return next(s for s in out.regions if s.code == code)


def with_path(case, *steps, facility=None):
    ep = attrs.evolve(case.episode, path=tuple(steps))
    case = attrs.evolve(case, episode=ep)
    return attrs.evolve(case, facility=attrs.evolve(case.facility, **facility)) if facility else case


def wusheng_procedure(case):
    """The transfer exactly as Wusheng prescribes it: signed, sealed and reported, no ``filing`` action."""
    first, ref = case.episode.path
    return with_path(case, first, attrs.evolve(ref, actions=tuple(a for a in ref.actions if a.kind != "filing")))


@pytest.mark.rule("GA-REF-2")
@pytest.mark.rule("WS-REF-6")
def test_wusheng_procedure_satisfies_guangan_by_default():
    out = run(wusheng_procedure(load_case(CASE)))
    assert section(out, "guangan").referral.kind == "covered"
    assert section(out, "wusheng").referral.kind == "covered"
    assert layer(out, "critical_illness_tilt") == 55000 and layer(out, "relief_fund") == 1495000
    assert out.settlement.burden == 0


@pytest.mark.rule("GA-REF-2")
def test_filing_record_reading_loses_the_tilt_and_says_which_document_is_missing():
    out = run(wusheng_procedure(load_case(CASE)), guangan={"filing_evidence": "filing_record"})
    ga = section(out, "guangan")
    assert ga.referral.kind == "not_covered"
    text = " ".join(r.zh for r in ga.referral.reasons)
    assert "未见备案记录" in text and "不得享受医保倾斜支付政策" in text
    # Wusheng's own verdict stands: the relief fund takes the whole residual 15,500; the person pays nothing
    assert section(out, "wusheng").referral.kind == "covered"
    assert layer(out, "critical_illness_tilt") == 0 and layer(out, "relief_fund") == 1550000
    assert out.settlement.burden == 0


@pytest.mark.rule("GA-AMB-10")
@pytest.mark.rule("WS-AMB-8")
def test_township_sends_the_person_to_the_county_hospital():
    case = load_case(CASE)
    direct = ReferralStep("武胜县人民医院", "county", "first_contact",
                          actions=(Action("approval", "township"), Action("signature", "business_leader")))
    case = with_path(case, direct)
    out = run(case)
    # Wusheng (WS-AMB-8 A): the township may designate a county hospital → covered
    assert section(out, "wusheng").referral.kind == "covered"
    # Guang'an (GA-AMB-10 A, default): no first contact at a primary facility → no tilt, consequence said
    ga = section(out, "guangan")
    assert ga.referral.kind == "not_covered"
    assert any("不得享受医保倾斜支付政策" in r.zh for r in ga.referral.reasons)
    assert layer(out, "critical_illness_tilt") == 0 and layer(out, "relief_fund") == 1550000
    # refusal_only: a person the township sent has not refused → tilt 550, relief fund 14,950
    out = run(case, guangan={"first_contact_refusal": "refusal_only"})
    assert section(out, "guangan").referral.kind == "covered"
    assert layer(out, "critical_illness_tilt") == 55000 and layer(out, "relief_fund") == 1495000


@pytest.mark.rule("WS-REF-7")
@pytest.mark.rule("GA-REF-1")
def test_down_transfer_back_to_the_township_centre():
    case = wusheng_procedure(load_case(CASE))
    first, up = case.episode.path
    down = ReferralStep("武胜县烈面镇中心卫生院", "primary", "transfer", origin="武胜县人民医院",
                        actions=(Action("signature", "facility_leader"), Action("seal", "referring_facility"),
                                 Action("notification", "caregiver")))
    case = with_path(case, first, up, down, facility={"name": "武胜县烈面镇中心卫生院", "level": "primary"})
    out = run(case)
    assert section(out, "wusheng").referral.kind == "covered"
    assert section(out, "guangan").referral.kind == "covered"
    assert layer(out, "critical_illness_tilt") == 55000 and layer(out, "relief_fund") == 1495000


@pytest.mark.rule("WS-REF-14")
@pytest.mark.rule("WS-REF-13")
def test_admission_without_approval_under_both_regions():
    case = load_case(CASE)
    walk_in = ReferralStep("武胜县人民医院", "county", "self")
    out = run(with_path(case, walk_in))
    assert section(out, "wusheng").referral.kind == "not_covered"
    assert section(out, "guangan").referral.kind == "not_covered"
    # neither the tilt nor the relief fund: 60,000 − 36,000 − 5,500 − 3,000 = 15,500 stays with the person
    assert layer(out, "relief_fund") == 0 and out.settlement.burden == 1550000
    assert "insurance_recovery" in {w.kind for w in out.warnings}
    assert {"WS-REF-13", "WS-REF-14"} <= {c.rule for c in out.citations}


@pytest.mark.rule("GA-FLOW-5")
def test_settling_the_personal_share_is_no_deadline_when_the_person_pays_nothing():
    case = load_case(CASE)
    alone = run(case, region="guangan")
    assert alone.settlement.burden == 1495000
    assert any(d.cite and d.cite.rule == "GA-FLOW-5" for d in alone.deadlines)
    composed = run(case)
    assert composed.settlement.burden == 0
    assert not any(d.cite and d.cite.rule == "GA-FLOW-5" for d in composed.deadlines)


@pytest.mark.rule("WS-SIGN-1")
def test_composed_signer_is_wusheng_s():
    case = load_case(CASE)
    case = attrs.evolve(case, person=attrs.evolve(case.person, has_full_capacity=False))
    sig = run(case).signature
    # no village committee although the case names one: the caregiver 刘建国 (侄子) signs
    assert (sig.signer_role, sig.signer_name) == ("caregiver", "刘建国")
