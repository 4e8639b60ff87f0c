"""Fushun assistance amounts, worked out by hand from 抚政办发〔2014〕67号 (amounts in yuan in comments)."""

from __future__ import annotations

import datetime as dt

import pytest

from jiuzhu.model.idcard import make
from jiuzhu.kit.testing import layer, make_case, make_engine

ADULT_MAN = make("210411", dt.date(1960, 1, 1), 31)
ADULT_WOMAN = make("210411", dt.date(1968, 6, 15), 42)
BOY_10 = make("210411", dt.date(2015, 5, 1), 51)  # 10 at an admission in 2025

BASE = {
    "person": {"name": "测试人", "id_number": ADULT_MAN, "hukou": "210411001000", "categories": ["dibao"],
               "area": "urban", "scheme": "residents"},
    "facility": {"name": "抚顺市中心医院", "level": "city", "location": "210402", "designations": ["insurance"]},
    "episode": {"kind": "inpatient", "admitted": "2025-03-02", "discharged": "2025-03-10"},
    "bill": {"total": "10000", "in_scope": "10000"},
}


def bill(in_scope, basic=0, critical=0, other=0, deductible=0, out=0):
    """A slip: in-scope cost, insurance payouts, deductible and fully self-paid (non-compliant) cost."""
    return {"total": str(in_scope + out), "in_scope": str(in_scope), "fully_self_paid": str(out),
            "basic_paid": str(basic), "critical_paid": str(critical), "other_paid": str(other),
            "deductible": str(deductible)}


def case(person=None, episode=None, facility=None, ytd=None, **b):
    over = {"bill": bill(**b) if b else BASE["bill"]}
    if person:
        over["person"] = person
    if episode:
        over["episode"] = episode
    if facility:
        over["facility"] = facility
    if ytd:
        over["history"] = {"ytd": {k: str(v) for k, v in ytd.items()}}
    return make_case(over, base=BASE)


def run(c, **params):
    return make_engine(parameters={"fushun": params} if params else None).evaluate(c, region="fushun")


def y(outcome, layer_id):
    """Layer amount in yuan (float with 2 decimals)."""
    return layer(outcome, layer_id) / 100


def ids(outcome):
    return [l.id for l in outcome.settlement.layers if not l.given]


OUT = {"kind": "outpatient", "admitted": "2025-04-01", "discharged": "2025-04-01"}


# -- basic assistance ---------------------------------------------------------------------------


@pytest.mark.rule("FS-BASIC-1", "FS-COORD-1", "FS-BASIC-4")
def test_base_is_compliant_cost_after_all_insurance():
    # compliant 10,000; non-compliant 1,500; basic 6,000; critical 1,000; other 500
    # base = 10,000 − 6,000 − 1,000 − 500 = 2,500 → 60 % = 1,500; the 1,500 non-compliant is never assisted
    o = run(case(in_scope=10000, out=1500, basic=6000, critical=1000, other=500))
    assert y(o, "inpatient_assistance") == 1500
    # burden = 11,500 − 7,500 − 1,500 = 2,500
    assert o.settlement.burden == 250000


@pytest.mark.rule("FS-BASIC-4", "FS-BASIC-2")
def test_inpatient_cap_binds_across_admissions():
    # A: base 15,000 − 9,000 = 6,000 → 3,600
    assert y(run(case(in_scope=15000, basic=9000)), "inpatient_assistance") == 3600
    # B: base 4,000 → 2,400 but room 5,000 − 3,600 = 1,400
    o = run(case(in_scope=4000, ytd={"inpatient_assistance": 3600}))
    assert y(o, "inpatient_assistance") == 1400
    l = next(l for l in o.settlement.layers if l.id == "inpatient_assistance")
    assert (l.binding, l.used_before, l.annual_cap) == ("annual_cap", 360000, 500000)
    # C: cap exhausted → 0
    assert y(run(case(in_scope=4000, ytd={"inpatient_assistance": 5000})), "inpatient_assistance") == 0


@pytest.mark.rule("FS-BASIC-3")
def test_ordinary_outpatient_70_a_year():
    # visit 1: base 100 → 60; visit 2: base 40 → 24 but room 10 → 10; visit 3: room 0 → 0
    assert y(run(case(episode=OUT, in_scope=100)), "outpatient_assistance") == 60
    assert y(run(case(episode=OUT, in_scope=40, ytd={"outpatient_assistance": 60})), "outpatient_assistance") == 10
    assert y(run(case(episode=OUT, in_scope=30, ytd={"outpatient_assistance": 70})), "outpatient_assistance") == 0


HAEMOPHILIA = {**OUT, "diagnoses": ["D66"]}


@pytest.mark.rule("FS-BASIC-5", "FS-AMB-3")
def test_special_outpatient_pool_separate_from_ordinary():
    # month 6: base 300 → 180, room 1,000 − 900 = 100 → 100
    o = run(case(episode=HAEMOPHILIA, in_scope=300, ytd={"special_outpatient_assistance": 900}))
    assert y(o, "special_outpatient_assistance") == 100
    assert "outpatient_assistance" not in ids(o)  # no overflow into the 70 pool (reading A)
    # an ordinary visit the same year: base 50 → 30 from the untouched 70 pool
    o = run(case(episode=OUT, in_scope=50, ytd={"special_outpatient_assistance": 1000}))
    assert y(o, "outpatient_assistance") == 30


@pytest.mark.rule("FS-AMB-3")
def test_overflow_reading_uses_ordinary_pool_after_special_cap():
    # reading B: special pays 100 (room); 60 % × 300 = 180, 80 left over → ordinary pool caps it at 70
    o = run(case(episode=HAEMOPHILIA, in_scope=300, ytd={"special_outpatient_assistance": 900}),
            outpatient_pools="overflow")
    assert (y(o, "special_outpatient_assistance"), y(o, "outpatient_assistance")) == (100, 70)


@pytest.mark.rule("FS-BASIC-6", "FS-AMB-11")
def test_special_list_qualifiers():
    adult_diabetes = run(case(episode={**OUT, "diagnoses": ["E11"]}, in_scope=100))
    assert ids(adult_diabetes) == ["outpatient_assistance"]  # 未成年人糖尿病 only
    minor = make("210411", dt.date(2008, 1, 1), 31)  # 17 on 2025-04-01
    assert ids(run(case(person={"id_number": minor}, episode={**OUT, "diagnoses": ["E10"]}, in_scope=100))) == \
        ["special_outpatient_assistance"]
    autism_child = run(case(person={"id_number": BOY_10}, episode={**OUT, "diagnoses": ["F84.0"]}, in_scope=100))
    assert ids(autism_child) == ["special_outpatient_assistance"]
    adult_autism = run(case(episode={**OUT, "diagnoses": ["F84.0"]}, in_scope=100))
    assert ids(adult_autism) == ["outpatient_assistance"]
    fourteen = make("210411", dt.date(2011, 1, 1), 31)  # exactly 14 on 2025-04-01
    cp = case(person={"id_number": fourteen}, episode={**OUT, "diagnoses": ["G80"]}, in_scope=100)
    assert ids(run(cp)) == ["special_outpatient_assistance"]  # 以下 includes 14
    assert ids(run(cp, age_14_reading="exclusive")) == ["outpatient_assistance"]


@pytest.mark.rule("FS-AMB-21")
def test_any_outpatient_cancer_treatment_is_special():
    # 各类恶性肿瘤放疗或普通治疗: lung cancer chemo at the outpatient clinic, base 500 → 300 from the special pool
    o = run(case(episode={**OUT, "diagnoses": ["C34.1", "Z51.1"]}, in_scope=500))
    assert y(o, "special_outpatient_assistance") == 300


@pytest.mark.rule("FS-BASIC-7", "FS-AMB-8")
def test_deductible_counts_as_personal_burden():
    # compliant 10,000, deductible 800, insurance 70 % × 9,200 = 6,440 → base 3,560 → 2,136
    c = case(in_scope=10000, deductible=800, basic=6440)
    assert y(run(c), "inpatient_assistance") == 2136
    # reading B: only the deductible is assisted: 60 % × 800 = 480
    assert y(run(c, deductible_reading="deductible_only"), "inpatient_assistance") == 480


NEAR = {"categories": ["near_dibao"]}


@pytest.mark.rule("FS-BASIC-8", "FS-AMB-1")
def test_near_dibao_inpatient_both_scaled():
    # 36 % and 3,000: base 5,000 → 1,800; second admission room 3,000 − 1,800 = 1,200
    assert y(run(case(person=NEAR, in_scope=5000)), "inpatient_assistance") == 1800
    assert y(run(case(person=NEAR, in_scope=5000, ytd={"inpatient_assistance": 1800})), "inpatient_assistance") == 1200


@pytest.mark.rule("FS-AMB-1")
@pytest.mark.parametrize("base,both,rate_only,cap_only", [(4000, 1440, 1440, 2400), (10000, 3000, 3600, 3000),
                                                          (20000, 3000, 5000, 3000)])
def test_near_dibao_readings(base, both, rate_only, cap_only):
    # both: min(0.36 b, 3,000); rate only: min(0.36 b, 5,000); cap only: min(0.6 b, 3,000)
    c = case(person=NEAR, in_scope=base)
    assert y(run(c), "inpatient_assistance") == both
    assert y(run(c, near_dibao_mode="rate_only"), "inpatient_assistance") == rate_only
    assert y(run(c, near_dibao_mode="cap_only"), "inpatient_assistance") == cap_only


@pytest.mark.rule("FS-BASIC-9", "FS-ELIG-2")
def test_near_dibao_no_outpatient_or_major():
    o = run(case(person=NEAR, episode=OUT, in_scope=100))
    assert o.referral.kind == "not_covered" and ids(o) == []
    assert "FS-BASIC-9" in {c.rule for c in o.citations}
    o = run(case(person=NEAR, episode=HAEMOPHILIA, in_scope=300))
    assert ids(o) == []
    # inpatient with end-stage renal disease: 36 % of 6,000 = 2,160, no major layer (FS-MAJOR-5)
    o = run(case(person=NEAR, episode={"kind": "inpatient", "admitted": "2025-03-02", "diagnoses": ["N18.5"]},
                 in_scope=6000))
    assert ids(o) == ["inpatient_assistance"] and y(o, "inpatient_assistance") == 2160


@pytest.mark.rule("FS-BASIC-10", "FS-AMB-23")
def test_no_threshold_and_rounding_half_up():
    # base 1 yuan → 0.60; base 0.01 → 0.006 yuan rounds half up to 0.01
    assert y(run(case(in_scope=1)), "inpatient_assistance") == 0.6
    assert layer(run(case(in_scope=0.01)), "inpatient_assistance") == 1


# -- major disease ------------------------------------------------------------------------------


def inpatient(*dx):
    return {"kind": "inpatient", "admitted": "2025-03-02", "discharged": "2025-03-20", "diagnoses": list(dx)}


@pytest.mark.rule("FS-MAJOR-4", "FS-MAJOR-3", "FS-MAJOR-2")
def test_major_both_caps_bind_cervical_cancer():
    # base 30,000: basic min(18,000, 5,000) = 5,000; remainder 25,000 → 12,500 capped at 10,000
    o = run(case(person={"id_number": ADULT_WOMAN}, episode=inpatient("C53.9"), in_scope=30000))
    assert (y(o, "inpatient_assistance"), y(o, "major_disease_assistance")) == (5000, 10000)
    assert o.settlement.burden == 1500000


@pytest.mark.rule("FS-MAJOR-4", "FS-AMB-4")
def test_major_remainder_after_basic_paid():
    # B: ESRD base 6,000: 3,600 + 50 % × 2,400 = 1,200
    o = run(case(episode=inpatient("N18.5"), in_scope=6000))
    assert (y(o, "inpatient_assistance"), y(o, "major_disease_assistance")) == (3600, 1200)
    # C: later admission base 20,000: basic room 1,400; remainder 18,600 → 9,300, room 8,800
    c = case(episode=inpatient("N18.5"), in_scope=20000,
             ytd={"inpatient_assistance": 3600, "major_disease_assistance": 1200})
    o = run(c)
    assert (y(o, "inpatient_assistance"), y(o, "major_disease_assistance")) == (1400, 8800)
    # reading B: remainder 40 % × 20,000 = 8,000 → 4,000
    assert y(run(c, major_remainder="uncapped_share"), "major_disease_assistance") == 4000


@pytest.mark.rule("FS-MAJOR-1", "FS-AMB-10")
def test_major_list_child_and_woman():
    # breast cancer in a man: not 妇女乳腺癌
    assert "major_disease_assistance" not in ids(run(case(episode=inpatient("C50.9"), in_scope=10000)))
    # woman: base 10,000 → 5,000 basic (cap), remainder 5,000 → 2,500
    o = run(case(person={"id_number": ADULT_WOMAN}, episode=inpatient("C50.9"), in_scope=10000))
    assert y(o, "major_disease_assistance") == 2500
    # leukaemia at 10: child; at 16: not a child under 14 周岁以下, a child under reading B (under 18)
    assert "major_disease_assistance" in ids(run(case(person={"id_number": BOY_10}, episode=inpatient("C91.0"),
                                                     in_scope=10000)))
    teen = case(person={"id_number": make("210411", dt.date(2009, 1, 1), 31)}, episode=inpatient("C91.0"),
                in_scope=10000)
    assert "major_disease_assistance" not in ids(run(teen))
    assert y(run(teen, child_age_reading="under_18"), "major_disease_assistance") == 2500
    # a disease not on the list (hypertension)
    assert "major_disease_assistance" not in ids(run(case(episode=inpatient("I10"), in_scope=10000)))


@pytest.mark.rule("FS-AMB-20")
def test_major_disease_must_be_the_reason_for_admission():
    c = case(episode=inpatient("J18.9", "N18.5"), in_scope=6000)
    assert "major_disease_assistance" not in ids(run(c))
    assert y(run(c, major_diagnosis_reading="any"), "major_disease_assistance") == 1200


@pytest.mark.rule("FS-MAJOR-6", "FS-AMB-12")
def test_rural_severe_mental_illness_follows_document_25():
    c = case(person={"area": "rural"}, episode=inpatient("F20.0"), in_scope=6000)
    o = run(c)
    assert ids(o) == ["inpatient_assistance"] and y(o, "inpatient_assistance") == 3600
    assert "FS-MAJOR-6" in {x.rule for x in o.citations}
    assert y(run(c, rural_smi_reading="additional"), "major_disease_assistance") == 1200
    # urban: this document's major assistance: 3,600 + 1,200
    assert y(run(case(episode=inpatient("F20.0"), in_scope=6000)), "major_disease_assistance") == 1200


@pytest.mark.rule("FS-MAJOR-5", "FS-COORD-2", "FS-AMB-5")
def test_outpatient_on_inpatient_terms():
    dialysis = {**OUT, "diagnoses": ["N18.5", "Z49.1"], "actions": [{"kind": "certificate", "by": "insurance_bureau"}]}
    # base 2,000 → 1,200 from the inpatient pool, not the special pool; no major assistance
    o = run(case(episode=dialysis, in_scope=2000))
    assert ids(o) == ["inpatient_assistance"] and y(o, "inpatient_assistance") == 1200
    # ytd inpatient 4,500 → 500
    assert y(run(case(episode=dialysis, in_scope=2000, ytd={"inpatient_assistance": 4500})),
             "inpatient_assistance") == 500
    # reading B of FS-AMB-5: major too: 50 % × (2,000 − 1,200) = 400
    assert y(run(case(episode=dialysis, in_scope=2000), quasi_inpatient_major="yes"), "major_disease_assistance") == 400


@pytest.mark.rule("FS-COORD-3")
def test_uninsured_whole_compliant_cost():
    # compliant 6,000, non-compliant 1,000, no insurance → 3,600
    o = run(case(person={"scheme": "none"}, in_scope=6000, out=1000))
    assert y(o, "inpatient_assistance") == 3600
    assert "FS-COORD-3" in {x.rule for x in o.citations}


# -- who and where ------------------------------------------------------------------------------


@pytest.mark.rule("FS-GEN-2", "FS-ELIG-3")
def test_same_standard_urban_rural_dibao_tekun():
    amounts = {y(run(case(person={"area": area, "categories": [cat]}, in_scope=4000)), "inpatient_assistance")
               for area in ("urban", "rural") for cat in ("dibao", "extreme_poverty")}
    assert amounts == {2400}  # 60 % × 4,000


@pytest.mark.rule("FS-ELIG-1", "FS-AMB-17", "FS-GEN-4")
def test_target_groups_and_territory():
    assert run(case(person={"categories": ["low_income"]}, in_scope=4000)).eligibility.eligible is False
    assert run(case(person={"categories": []}, in_scope=4000)).settlement.assistance == 0
    # a Shenyang hukou is outside the document
    assert run(case(person={"hukou": "210102001000"}, in_scope=4000)).eligibility.eligible is False
    assert run(case(in_scope=4000)).eligibility.eligible is True


@pytest.mark.rule("FS-AMB-19")
def test_dibao_prevails_over_near_dibao():
    # both categories: 60 % (2,400), not 36 % (1,440)
    assert y(run(case(person={"categories": ["near_dibao", "dibao"]}, in_scope=4000)), "inpatient_assistance") == 2400


NON_DESIGNATED = {"name": "某民营医院", "level": "city", "location": "210402", "ownership": "private",
                  "designations": []}
REFERRED = {"kind": "inpatient", "admitted": "2025-03-02", "discharged": "2025-03-10", "path": [
    {"kind": "referral", "to": "某民营医院", "origin": "抚顺市中心医院", "on": "2025-03-02",
     "actions": [{"kind": "approval", "by": "referring_facility", "on": "2025-03-01"},
                 {"kind": "filing", "by": "civil_affairs_bureau", "on": "2025-03-03"}]}]}


@pytest.mark.rule("FS-REF-1", "FS-REF-2", "FS-REF-3", "FS-REF-5", "FS-AMB-14")
def test_designated_facilities():
    # designated by insurance: covered; non-designated without filing: nothing; with opinion and filing: 4,800
    assert run(case(in_scope=8000)).referral.kind == "covered"
    o = run(case(facility=NON_DESIGNATED, in_scope=8000))
    assert o.referral.kind == "not_covered" and o.settlement.assistance == 0
    assert "FS-REF-5" in {x.rule for x in o.citations}
    o = run(case(facility=NON_DESIGNATED, episode=REFERRED, in_scope=8000))
    assert o.referral.kind == "covered" and y(o, "inpatient_assistance") == 4800
    assert "referral_filing" in {d.form_id for d in o.documents}
    # opinion without the filing is not enough
    only_opinion = {**REFERRED, "path": [{**REFERRED["path"][0], "actions": [REFERRED["path"][0]["actions"][0]]}]}
    assert run(case(facility=NON_DESIGNATED, episode=only_opinion, in_scope=8000)).referral.kind == "not_covered"


@pytest.mark.rule("FS-REF-4", "FS-AMB-15")
def test_emergency_at_non_designated():
    c = case(facility=NON_DESIGNATED, episode={"kind": "inpatient", "admitted": "2025-03-02", "emergency": True},
             in_scope=8000)
    o = run(c)
    assert o.referral.kind == "covered" and y(o, "inpatient_assistance") == 4800
    assert "emergency_statement" in {d.form_id for d in o.documents}
    assert run(c, emergency_reading="not_assisted").referral.kind == "not_covered"


@pytest.mark.rule("FS-AMB-16")
def test_effective_date():
    # judged on the settlement (discharge) date (RegionInfo.date_basis, FS-AMB-2)
    on = case(episode={"kind": "inpatient", "admitted": "2014-11-20", "discharged": "2014-11-27"}, in_scope=1000)
    before = case(episode={"kind": "inpatient", "admitted": "2014-11-20", "discharged": "2014-11-26"}, in_scope=1000)
    assert run(on).referral.kind == "covered"
    assert run(before).referral.kind == "not_applicable"
    assert run(on, effective_date="2014-11-28").referral.kind == "not_applicable"


@pytest.mark.rule("FS-AMB-2")
def test_caps_count_the_episode_year_history():
    # the history given with the case is this calendar year's; a new year starts with none: full 60 % of 4,000
    assert y(run(case(in_scope=4000)), "inpatient_assistance") == 2400


# -- settlement channel and forms ---------------------------------------------------------------


def handler_of(o):
    return next(d for d in o.documents if d.form_id == "assistance_settlement").data["handler"]


@pytest.mark.rule("FS-SETL-2", "FS-SETL-3", "FS-AMB-13", "FS-SETL-1")
def test_settlement_channel():
    assert handler_of(run(case(in_scope=4000))) == "中国人寿保险股份有限公司抚顺分公司"
    assert "民政局" in handler_of(run(case(person={"area": "rural"}, in_scope=4000)))
    tekun = case(person={"categories": ["extreme_poverty"]}, in_scope=4000)
    assert handler_of(run(tekun)) == "中国人寿保险股份有限公司抚顺分公司"
    assert "民政局" in handler_of(run(tekun, urban_tekun_handler="civil_affairs"))
    assert "一站式" in handler_of(run(tekun, one_stop_live=True))


def test_settlement_form_data():
    o = run(case(in_scope=4000, ytd={"inpatient_assistance": 1000}))
    d = next(d for d in o.documents if d.form_id == "assistance_settlement")
    assert d.data["layers"]["inpatient_assistance"] == {"amount": 240000, "base": 400000, "annual_cap": 500000,
                                                        "used_before": 100000}
    assert d.cite.rule == "FS-SETL-2"


@pytest.mark.rule("FS-BASIC-8", "FS-BASIC-4")
def test_batch_settlement_shares_the_inpatient_pool():
    """The same plans on columns: a dibao admission then a near-dibao-standard one in the same pool, in date
    order. Dibao: 60 % × 4,000 = 2,400; near (36 %, cap 3,000): 36 % × 5,000 = 1,800 → room 3,000 − 2,400 = 600."""
    import numpy as np

    from jiuzhu.rules.engine import Engine
    from jiuzhu.rules.settle import settle_columns

    eng = Engine()
    c1 = case(in_scope=4000)
    c2 = case(person={"categories": ["near_dibao"]}, in_scope=5000)
    plans = [eng.decide(c, "fushun")[-1].plan for c in (c1, c2)]
    cols = {"total": np.array([400000, 500000]), "in_scope": np.array([400000, 500000])}
    out = settle_columns(cols, plans, np.array([0, 1]), person=np.array([7, 7]), year=np.array([2025, 2025]),
                         day=np.array([1, 2]))
    assert out["layer.inpatient_assistance"].tolist() == [240000, 60000]
