"""Guang'an alone: §四's referral gate — what counts as the filed referral, 「拒不执行」, the tiers of
逐级转诊, down-transfers, the consequence said — and GA-FLOW-5 / the premium record as the seed words them.

The critical-illness table is the inventory's ILLUSTRATIVE one (NOT Guang'an policy): threshold 5,000;
5,000–30,000 at 50 %; 30,000–100,000 at 60 %. A dibao person's slip (inventory Ex F): total 60,000, in scope
50,000, basic 30,000, critical illness 7,500. Tilt base = 50,000 − 30,000 = 20,000; the +5 points on
(20,000 − 5,000) = 15,000 × 5 % = 750. Without the tilt the person keeps 60,000 − 30,000 − 7,500 = 22,500;
with it 22,500 − 750 = 21,750.
"""

import pytest
from jiuzhu.kit.testing import layer, make_case, make_engine

SEGMENTS = [{"from": "2018-01-01", "value": [{"from": "5000", "to": "30000", "rate": "0.5"},
                                             {"from": "30000", "to": "100000", "rate": "0.6"},
                                             {"from": "100000", "rate": "0.7"}]}]
EX_F = {"total": "60000", "in_scope": "50000", "fully_self_paid": "10000", "basic_paid": "30000",
        "critical_paid": "7500"}
CENTRE = {"kind": "first_contact", "to": "武胜县中心镇卫生院", "to_level": "primary"}
BLOCK = [{"kind": "signature", "by": "facility_leader"}, {"kind": "seal", "by": "referring_facility"}]
REPORT = [{"kind": "notification", "by": "caregiver", "method": "phone"}]
COUNTY = {"name": "武胜县人民医院", "level": "county", "location": "511622"}


def run(path, facility=COUNTY, episode=None, person=None, **params):
    eng = make_engine({"compose_parents": False},
                      parameters={"guangan": {"critical_illness_segments": SEGMENTS, "individual_premium": "220", **params}})
    # area: a dibao person's premium share depends on it (二（一）), so a case must say it
    c = make_case({"person": {"categories": ["dibao"], "area": "rural", **(person or {})}, "facility": facility,
                   "episode": {"admitted": "2018-03-02", "discharged": "2018-03-12", "path": path, **(episode or {})},
                   "bill": EX_F})
    return eng.evaluate(c, region="guangan")


def up(actions, to="武胜县人民医院", level="county", kind="referral"):
    return {"kind": kind, "to": to, "to_level": level, "actions": actions}


def reasons(out):
    return " ".join(r.zh for r in out.referral.reasons)


def tilted(out, yuan):
    assert out.referral.kind == "covered"
    assert layer(out, "critical_illness_tilt") == yuan * 100


def refused(out):
    assert out.referral.kind == "not_covered"
    assert layer(out, "critical_illness_tilt") == 0
    assert out.settlement.burden == 2250000  # 60000 − 30000 − 7500 = 22500, no tilt
    assert "不得享受医保倾斜支付政策" in reasons(out)  # the consequence is said, cited GA-REF-2


# -- what counts as 「转诊转院手续按规定备案」 --------------------------------------------------------


@pytest.mark.rule("GA-REF-2")
def test_signed_referral_opinion_plus_report_is_the_filed_referral_by_default():
    out = run([CENTRE, up(BLOCK + REPORT)])
    tilted(out, 750)
    assert out.settlement.burden == 2175000  # 22500 − 750


@pytest.mark.rule("GA-REF-2")
def test_filing_record_reading_names_the_missing_document():
    out = run([CENTRE, up(BLOCK + REPORT)], filing_evidence="filing_record")
    refused(out)
    assert "未见备案记录" in reasons(out) and "武胜县人民医院" in reasons(out)
    # a filing action satisfies either reading
    tilted(run([CENTRE, up([{"kind": "filing", "by": "primary_facility"}])], filing_evidence="filing_record"), 750)


@pytest.mark.rule("GA-REF-2")
@pytest.mark.parametrize("actions, missing", [(BLOCK, "报备"), (REPORT, "转诊转院手续"), ([], "转诊转院手续")])
def test_half_the_procedure_is_not_filed(actions, missing):
    out = run([CENTRE, up(actions)])
    refused(out)
    assert missing in reasons(out)


@pytest.mark.rule("GA-REF-2")
def test_referral_block_alone_for_a_county_that_asks_no_report():
    # Wusheng WS-AMB-15 B: an in-county referral's 报备 is for the record only. Under filing_evidence =
    # referral_block the signed and sealed opinion is the filed referral: Ex F slip, compliant burden
    # 50,000 − 30,000 = 20,000; tilt (20,000 − 5,000) × 5 % = 750.
    tilted(run([CENTRE, up(BLOCK)], filing_evidence="referral_block"), 750)
    # the report alone is still no 转诊转院手续
    out = run([CENTRE, up(REPORT)], filing_evidence="referral_block")
    refused(out)
    assert "转诊转院手续" in reasons(out)


# -- 「拒不执行」 --------------------------------------------------------------------------------------


DESIGNATED = {"kind": "first_contact", "to": "武胜县人民医院", "to_level": "county",
              "actions": [{"kind": "approval", "by": "township"}]}


@pytest.mark.rule("GA-AMB-10")
def test_sent_to_the_county_hospital_by_the_township():
    # GA-AMB-10 A (default): first contact was not at a primary facility → no tilt, whoever sent the person
    refused(run([DESIGNATED]))
    # refusal_only: the township sent the person; nobody refused first contact → tilt 750
    tilted(run([DESIGNATED], first_contact_refusal="refusal_only"), 750)


@pytest.mark.rule("GA-AMB-10")
def test_self_referral_is_a_refusal_under_either_reading():
    walk_in = {"kind": "self", "to": "武胜县人民医院", "to_level": "county"}
    refused(run([walk_in]))
    refused(run([walk_in], first_contact_refusal="refusal_only"))
    refused(run([], first_contact_refusal="refusal_only"))  # no path at a county hospital: nobody sent the person


@pytest.mark.rule("GA-AMB-10")
def test_emergency_is_exempt_only_under_its_switch():
    walk_in = [{"kind": "self", "to": "武胜县人民医院", "to_level": "county"}]
    refused(run(walk_in, episode={"emergency": True}))
    tilted(run(walk_in, episode={"emergency": True}, referral_emergency_exempt="emergency_exempt"), 750)


# -- 逐级转诊: tiers ---------------------------------------------------------------------------------

CITY = {"name": "广安市人民医院", "level": "city", "location": "511602"}
COMMUNITY = {"kind": "first_contact", "to": "广安区某社区卫生服务中心", "to_level": "primary"}


@pytest.mark.rule("GA-REF-1")
def test_community_centre_to_the_city_hospital_in_a_district():
    path = [COMMUNITY, up(BLOCK + REPORT, to="广安市人民医院", level="city")]
    district = {"hukou": "511602001000"}  # a 广安区 resident: the city hospital stands in the person's own district
    out = run(path, facility=CITY, person=district)
    refused(out)  # default ladder primary → county → city: skipping the county tier is 越级
    assert "越级" in reasons(out)
    # per-county data: in 广安区 (511602) the city hospital is the tier above the community centre
    tilted(run(path, facility=CITY, person=district, districts_without_county_tier=["511602"]), 750)
    # or the tier rule switched off: any upward referral with its papers is stepwise
    tilted(run(path, facility=CITY, person=district, stepwise_rule="any_upward"), 750)


@pytest.mark.rule("GA-REF-1")
@pytest.mark.parametrize("bad", [[511602], ["5116"], ["广安区"], ["5116020"]])
def test_district_list_entries_are_six_digit_codes_or_an_error(bad):
    # a TOML integer 511602 or a prefix would never match the facility's division: the 越级 refusal would stand
    # silently (tilt 0 instead of 750); it is one error line naming the parameter instead
    from jiuzhu.model.errors import InputError
    path = [COMMUNITY, up(BLOCK + REPORT, to="广安市人民医院", level="city")]
    with pytest.raises(InputError) as e:
        run(path, facility=CITY, person={"hukou": "511602001000"}, districts_without_county_tier=bad)
    assert e.value.field == "parameters.guangan.districts_without_county_tier"


@pytest.mark.rule("GA-REF-1")
def test_the_district_list_does_not_reach_a_county():
    # Wusheng (511622) is not listed: a township centre → city hospital in Wusheng still skips a tier
    path = [CENTRE, up(BLOCK + REPORT, to="广安市人民医院", level="city")]
    refused(run(path, facility={**CITY, "location": "511622"}, districts_without_county_tier=["511602"]))


# -- 双向转诊: down and lateral transfers --------------------------------------------------------------


@pytest.mark.rule("GA-REF-1")
def test_down_transfer_with_papers_keeps_the_tilt():
    centre = {"name": "武胜县中心镇卫生院", "level": "primary", "location": "511622"}
    path = [CENTRE, up(BLOCK + REPORT), up(BLOCK + REPORT, to="武胜县中心镇卫生院", level="primary", kind="transfer")]
    tilted(run(path, facility=centre), 750)
    unfiled = [CENTRE, up(BLOCK + REPORT), up([], to="武胜县中心镇卫生院", level="primary", kind="transfer")]
    refused(run(unfiled, facility=centre))


# -- GA-FLOW-5 and the premium record ----------------------------------------------------------------


@pytest.mark.rule("GA-FLOW-5")
def test_settle_the_personal_share_only_for_care_in_the_county():
    inside = run([CENTRE, up(BLOCK + REPORT)])
    d = next(d for d in inside.deadlines if d.cite and d.cite.rule == "GA-FLOW-5")
    assert d.due.isoformat() == "2018-03-12"  # discharge day
    outside = run([CENTRE, up(BLOCK + REPORT, to="四川大学华西医院", level="provincial")],
                  facility={"name": "四川大学华西医院", "level": "provincial", "location": "510107"})
    assert not any(d.cite and d.cite.rule == "GA-FLOW-5" for d in outside.deadlines)
    assert "GA-FLOW-5" not in {c.rule for c in outside.citations}


@pytest.mark.rule("GA-PREM-1")
def test_premium_subsidy_record_is_for_a_period_not_a_dated_deadline():
    rec = next(d for d in run([CENTRE, up(BLOCK + REPORT)]).documents if d.form_id == "premium_subsidy")
    assert rec.due is None and rec.data["period"] == "2018年度"
