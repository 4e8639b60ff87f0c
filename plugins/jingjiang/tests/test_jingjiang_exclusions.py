"""Jingjiang 第二十一条: each exclusion from what a hospital sends, and the 第二十六条 / 第十五条 citations.

Base case: a basic-level stay (residents' insurance), bill 10,000, basic insurance 6,000 → burden
4,000 → 80 % = 3,200 (JJ-PAY-6) when nothing is excluded.
"""

from __future__ import annotations

import pytest

from jiuzhu.kit.testing import make_case, make_engine, merge

BASE = {
    "person": {"name": "测试人", "id_number": "32128219680702052X", "hukou": "321282104203",
               "categories": ["dibao"], "scheme": "residents", "card_number": "JJJZ2019000001"},
    "facility": {"name": "靖江市新桥镇卫生院", "level": "primary", "ownership": "public",
                 "designations": ["insurance", "assistance"], "location": "321282104"},
    "episode": {"kind": "inpatient", "admitted": "2019-04-08", "discharged": "2019-04-15"},
    "bill": {"total": "10000", "in_scope": "10000", "basic_paid": "6000"},
}


def evaluate(over=None, params=None):
    eng = make_engine(parameters={"jingjiang": params}) if params else make_engine()
    return eng.evaluate(make_case(merge({}, over or {}), base=BASE), region="jingjiang")


def paid(o) -> int:
    return next((l.amount for l in o.settlement.layers if l.id == "precision_assistance"), 0)


def cited(o):
    return {(c.article, c.rule) for c in o.citations}


def dx(*codes):
    return {"episode": {"diagnoses": list(codes)}}


EXCLUDED_3 = [
    (("O80",), "生育："),  # single spontaneous delivery
    (("Z37.0",), "生育："),  # outcome of delivery: single live birth
    (("maternity",), "生育："),  # the tag itself
    (("Z30.2",), "计划生育："),  # sterilisation
    (("Z30.1",), "计划生育："),  # insertion of an intrauterine contraceptive device
    # medical abortion (人工流产/药物流产): a 计划生育 procedure, not 生育, although ICD-10 files it in chapter XV
    (("O04.9",), "计划生育："),
    (("O04.9", "Z30.0"), "计划生育："),  # with contraceptive counselling
    (("Z31.0",), "计划生育："),  # tuboplasty after previous sterilisation
    (("O80", "Z30.2"), "生育、计划生育："),  # a delivery with a sterilisation: both parts of the clause
    (("O82", "O04.9"), "生育、计划生育："),
]


@pytest.mark.rule("JJ-EXCL-3")
@pytest.mark.parametrize("codes,part", EXCLUDED_3)
def test_childbirth_and_family_planning(codes, part):
    o = evaluate(dx(*codes))
    assert o.referral.kind == "not_covered" and paid(o) == 0
    assert ("第二十一条（三）", "JJ-EXCL-3") in cited(o)
    assert [r.zh.split("：")[0] + "：" for r in o.referral.reasons if r.cite.rule == "JJ-EXCL-3"] == [part]


@pytest.mark.rule("JJ-EXCL-3")
@pytest.mark.parametrize("codes", [
    ("S72.0", "W19"),  # femur fracture, fall at home (JJ-EXCL-3's example)
    ("S06.0", "V43.5"),  # concussion, car occupant in a collision
    ("T20.2", "X19"),  # burn of the head, contact with heat
    ("S72.0", "X85"),  # injured by assault: 意外 for the victim (default reading)
    ("S72.0",),  # an injury sent without an external cause: presumed accidental (default)
    ("accidental_injury",),  # a hospital that sends the tag itself
])
def test_accidental_injury(codes):
    o = evaluate(dx(*codes))
    assert o.referral.kind == "not_covered" and paid(o) == 0 and ("第二十一条（三）", "JJ-EXCL-3") in cited(o)


@pytest.mark.rule("JJ-EXCL-3")
def test_injuries_that_are_not_accidental_are_paid():
    # self-harm (X60-X84) is not 意外; a complication of care (T81.4) and transplant rejection (T86.1) are not
    # injuries at all: 80 % × 4,000 = 3,200
    for codes in [("S51.8", "X78"), ("T81.4",), ("T86.1",), ("J18.9",)]:
        assert paid(evaluate(dx(*codes))) == 320000, codes
    # the other readings: assault not accidental, an injury without a cause not excluded
    assert paid(evaluate(dx("S72.0", "X85"), params={"amb_assault_injury": "not_accidental"})) == 320000
    assert paid(evaluate(dx("S72.0"), params={"amb_injury_without_cause": "not_excluded"})) == 320000
    # the reason says when an injury was presumed accidental
    o = evaluate(dx("S72.0"))
    assert any("损伤编码未附外因编码" in r.zh for r in o.referral.reasons)


@pytest.mark.rule("JJ-EXCL-9")
@pytest.mark.parametrize("codes", [("S62.6", "W31", "Y96"), ("S72.0", "Y96"), ("J62.8", "Y96"), ("work_injury",)])
def test_work_injury_is_payable_by_work_injury_insurance(codes):
    # finger crushed by machinery at work; pneumoconiosis as an occupational disease; or the tag
    o = evaluate(dx(*codes))
    assert o.referral.kind == "not_covered" and paid(o) == 0
    # every one is a work injury (Y96 or the tag): the outcome names work-injury insurance, （九）, even for a
    # fracture whose accident cause would also read as 意外伤害 under （三）
    assert ("第二十一条（九）", "JJ-EXCL-9") in cited(o)
    assert not any("按意外伤害处理" in r.zh for r in o.referral.reasons)


ITEM_EXCLUSIONS = [
    # (一) outside the policy period, (四) organ source, (五) PET-CT and capsule endoscopy, (六) over price,
    # (九) payable by a third party, (十) special needs: a 1,000 item of the burden → 80 % × 3,000 = 2,400
    ("outside_policy_period", "JJ-EXCL-1"), ("organ_source", "JJ-EXCL-4"), ("pet_ct", "JJ-EXCL-5"),
    ("capsule_endoscopy", "JJ-EXCL-5"), ("over_price", "JJ-EXCL-6"), ("third_party_payable", "JJ-EXCL-9"),
    ("special_needs", "JJ-EXCL-10"), ("family_planning", "JJ-EXCL-3"), ("accidental_injury", "JJ-EXCL-3"),
]


@pytest.mark.parametrize("tag,rule", ITEM_EXCLUSIONS)
def test_line_exclusions(tag, rule):
    o = evaluate({"bill": {"items": [{"name": "项目", "amount": "1000", "column": "in_scope", "tags": [tag]}]}})
    assert paid(o) == 240000, rule


@pytest.mark.rule("JJ-EXCL-2", "JJ-EXCL-7", "JJ-EXCL-8")
def test_visit_exclusions_two_seven_eight():
    # (二) ordinary outpatient; (七) rescue in a declared mass event; (八) non-designated stay without approval
    assert ("第二十一条（二）", "JJ-EXCL-2") in cited(evaluate({"episode": {"kind": "outpatient"}}))
    mass = evaluate({"episode": {"decision": "emergency"}}, params={"mass_events": ["2019-04-01/2019-04-30"]})
    assert paid(mass) == 0 and ("第二十一条（七）", "JJ-EXCL-7") in cited(mass)
    nanjing = {"facility": {"name": "南京鼓楼医院", "level": "provincial", "location": "320106"}}
    assert ("第二十一条（八）", "JJ-EXCL-8") in cited(evaluate(nanjing))


@pytest.mark.rule("JJ-REF-2")
def test_non_designated_special_outpatient_refusal_cites_article_15():
    # 第二十一条（八） speaks of 住院: an approved dialysis visit at a Nanjing hospital without the transfer
    # certificate and the PAO's consent fails 第十五条 instead
    over = {"facility": {"name": "南京鼓楼医院", "level": "provincial", "location": "320106"},
            "episode": {"kind": "special_outpatient", "diagnoses": ["N18.5", "Z49.1"],
                        "actions": [{"kind": "approval", "by": "insurer", "on": "2019-04-01"}]}}
    o = evaluate(over)
    assert o.referral.kind == "not_covered"
    assert ("第十五条", "JJ-REF-2") in cited(o) and ("第二十一条（八）", "JJ-EXCL-8") not in cited(o)


@pytest.mark.rule("JJ-GEN-1")
def test_not_in_force_cites_article_26():
    o = evaluate({"episode": {"admitted": "2018-12-20", "discharged": "2018-12-28"}})
    assert o.referral.kind == "not_applicable"
    assert ("第二十六条", "JJ-GEN-1") in cited(o)


@pytest.mark.rule("JJ-DOC-8", "JJ-FLOW-5")
def test_filing_record_shows_no_filing_date_when_none_is_recorded():
    rec = lambda o: next(d for d in o.documents if d.form_id == "filing_record").data
    assert rec(evaluate())["filed"] == ""  # not the admission day
    filed = {"episode": {"actions": [{"kind": "filing", "by": "primary_facility", "on": "2019-04-09"}]}}
    assert rec(evaluate(filed))["filed"] == "2019-04-09"
