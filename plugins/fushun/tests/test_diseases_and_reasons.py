"""Fushun: diseases read from real ICD-10 codes, what the outcome says when a layer is withheld, and
the year a claim counts in. Amounts worked out by hand from 抚政办发〔2014〕67号 §四(二)(三)."""

from __future__ import annotations

import datetime as dt

import pyarrow as pa
import pytest

from jiuzhu.analysis.batch import flatten
from jiuzhu.analysis.claims import ClaimTable, evaluate_region
from jiuzhu.kit.testing import make_engine
from jiuzhu.model.idcard import make

from jiuzhu.kit.testing import layer, make_case

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
OUT = {"kind": "outpatient", "admitted": "2025-04-01", "discharged": "2025-04-01"}


def case(person=None, episode=None, in_scope=10000):
    over = {"bill": {"total": str(in_scope), "in_scope": str(in_scope)}}
    if person:
        over["person"] = person
    if episode:
        over["episode"] = episode
    return make_case(over, base=BASE)


def run(c, **params):
    return make_engine(parameters={"fushun": params} if params else None).evaluate(c, region="fushun")


def y(outcome, layer_id):
    return layer(outcome, layer_id) / 100


def ids(outcome):
    return [l.id for l in outcome.settlement.layers if not l.given]

AGE_15 = make("210411", dt.date(2010, 1, 1), 71)  # 15 at an admission on 2025-03-02
AGE_20 = make("210411", dt.date(2005, 1, 1), 81)


def texts(o):
    return " ".join(r.zh for r in o.referral.reasons)


@pytest.mark.rule("FS-BASIC-5", "FS-BASIC-6")
def test_adult_chronic_myeloid_leukaemia_is_a_malignant_tumour_on_the_special_list():
    # C92.1 chronic myeloid leukaemia is a malignant neoplasm (C00-C97): 「各类恶性肿瘤……普通治疗」
    # base 1,000 → 60 % = 600 ≤ 1,000 cap (not 60 % capped at the ordinary 70)
    o = run(case(episode={**OUT, "diagnoses": ["C92.1"]}, in_scope=1000))
    assert ids(o) == ["special_outpatient_assistance"]
    assert y(o, "special_outpatient_assistance") == 600


@pytest.mark.rule("FS-BASIC-6")
@pytest.mark.parametrize("code", ["D67", "D68.1", "E13.9", "B16.9", "K70.3", "Z49.2", "A18.0"])
def test_codes_of_listed_diseases_the_old_table_missed(code):
    # haemophilia B/C, other diabetes (boy of 10), viral hepatitis, alcoholic cirrhosis, peritoneal dialysis,
    # extrapulmonary TB: base 500 → 60 % = 300 from the special pool
    o = run(case(person={"id_number": BOY_10}, episode={**OUT, "diagnoses": [code]}, in_scope=500))
    assert y(o, "special_outpatient_assistance") == 300


@pytest.mark.rule("FS-BASIC-3", "FS-BASIC-6")
def test_a_diagnosis_on_no_list_is_said():
    # J06.9 (upper respiratory infection) is on no list: ordinary outpatient, 60 % × 100 = 60 ≤ 70
    o = run(case(episode={**OUT, "diagnoses": ["J06.9"]}, in_scope=100))
    assert y(o, "outpatient_assistance") == 60
    assert "episode.diagnoses[0]（J06.9）：诊断编码不对应本地区所列任何病种" in texts(o)


@pytest.mark.rule("FS-AMB-11")
def test_adult_autism_switch():
    # 20-year-old, F84.0, base 1,000. Default (inventory): not 各类精神疾病 → ordinary, min(600, 70) = 70
    c = case(person={"id_number": AGE_20}, episode={**OUT, "diagnoses": ["F84.0"]}, in_scope=1000)
    o = run(c)
    assert y(o, "outpatient_assistance") == 70 and "special_outpatient_assistance" not in ids(o)
    assert "脑瘫、自闭症限14周岁以下儿童，患者20周岁" in texts(o)
    # switch: autism counts as 各类精神疾病 at any age → special, 60 % × 1,000 = 600
    assert y(run(c, adult_autism_reading="mental_illness"), "special_outpatient_assistance") == 600


@pytest.mark.rule("FS-MAJOR-1")
def test_man_with_breast_cancer_gets_no_major_layer_and_is_told_why():
    # base 10,000: inpatient min(6,000, 5,000) = 5,000; 「妇女乳腺癌」 → no major layer for a man
    o = run(case(episode={"kind": "inpatient", "admitted": "2025-03-02", "discharged": "2025-03-10",
                          "diagnoses": ["C50.9"]}, in_scope=10000))
    assert ids(o) == ["inpatient_assistance"] and y(o, "inpatient_assistance") == 5000
    assert "不给予重特大疾病救助（妇女乳腺癌）：患者非女性" in texts(o)
    # the same for a woman: major = 50 % × (10,000 − 5,000) = 2,500
    o = run(case(person={"id_number": ADULT_WOMAN}, episode={"kind": "inpatient", "admitted": "2025-03-02",
                                                             "discharged": "2025-03-10", "diagnoses": ["C50.9"]},
                 in_scope=10000))
    assert y(o, "major_disease_assistance") == 2500 and "不给予重特大疾病救助" not in texts(o)


@pytest.mark.rule("FS-AMB-10")
def test_fifteen_year_old_with_leukaemia_under_the_14_and_under_reading():
    ep = {"kind": "inpatient", "admitted": "2025-03-02", "discharged": "2025-03-10", "diagnoses": ["C92.0"]}
    o = run(case(person={"id_number": AGE_15}, episode=ep, in_scope=10000))
    assert ids(o) == ["inpatient_assistance"]
    assert "不给予重特大疾病救助（儿童白血病）：患者入院时15周岁，不属“儿童”" in texts(o)
    # under 18: major = 50 % × (10,000 − 5,000) = 2,500
    assert y(run(case(person={"id_number": AGE_15}, episode=ep, in_scope=10000), child_age_reading="under_18"),
             "major_disease_assistance") == 2500


@pytest.mark.rule("FS-AMB-20")
def test_secondary_diagnosis():
    # pneumonia first, ESRD second; base 6,000 → inpatient 3,600; primary reading: no major layer
    ep = {"kind": "inpatient", "admitted": "2025-03-02", "discharged": "2025-03-10", "diagnoses": ["J18.9", "N18.5"]}
    o = run(case(episode=ep, in_scope=6000))
    assert ids(o) == ["inpatient_assistance"] and y(o, "inpatient_assistance") == 3600
    assert "规定病种不是本次住院的主要（第一）诊断" in texts(o)
    # any diagnosis: major = 50 % × (6,000 − 3,600) = 1,200
    assert y(run(case(episode=ep, in_scope=6000), major_diagnosis_reading="any"), "major_disease_assistance") == 1200


@pytest.mark.rule("FS-MAJOR-5", "FS-BASIC-8")
def test_near_dibao_with_a_major_disease():
    # near-dibao, ESRD, base 10,000: 36 % × 10,000 = 3,600 capped at 3,000; no major layer, and said
    ep = {"kind": "inpatient", "admitted": "2025-03-02", "discharged": "2025-03-10", "diagnoses": ["N18.5"]}
    o = run(case(person={"categories": ["near_dibao"]}, episode=ep, in_scope=10000))
    assert ids(o) == ["inpatient_assistance"] and y(o, "inpatient_assistance") == 3000
    assert "不给予重特大疾病救助（终末期肾病）：低保边缘对象" in texts(o)


# -- the year a claim counts in (FS-AMB-2) ----------------------------------------------------------


def _batch(engine):
    a = case(episode={"kind": "inpatient", "admitted": "2025-11-01", "discharged": "2025-11-10"}, in_scope=10000)
    b = case(episode={"kind": "inpatient", "admitted": "2025-12-22", "discharged": "2026-01-06"}, in_scope=4000)
    rows = [flatten(attrs_evolve_id(a, "A")), flatten(attrs_evolve_id(b, "B"))]
    table = pa.Table.from_pylist([{k: (str(v).lower() if isinstance(v, bool) else v) for k, v in r.items()}
                                  for r in rows])
    return evaluate_region(engine, ClaimTable(table), "fushun", rehome_to=False).layers["inpatient_assistance"]


def attrs_evolve_id(c, i):
    import attrs
    return attrs.evolve(c, id=i)


@pytest.mark.rule("FS-AMB-2")
def test_claim_counts_in_the_year_of_its_discharge():
    # A (November 2025): 60 % × 10,000 = 6,000 → the 5,000 cap of 2025 is spent.
    # B (22 Dec 2025 – 6 Jan 2026) counts in 2026: 60 % × 4,000 = 2,400 (not 0)
    paid = _batch(make_engine())
    assert list(paid) == [500000, 240000]
    assert run(case(episode={"kind": "inpatient", "admitted": "2025-12-22", "discharged": "2026-01-06"},
                    in_scope=4000)).as_of == dt.date(2026, 1, 6)
    # the other reading: by admission date, B is in 2025, whose cap is spent → 0
    assert list(_batch(make_engine({"date_basis": {"fushun": "admission"}}))) == [500000, 0]


def unlisted(o):
    return [(w.field, w.kind) for w in o.warnings if w.kind == "diagnosis_unlisted"]


@pytest.mark.rule("FS-BASIC-6")
def test_a_diagnosis_on_no_list_is_a_warning():
    # J06.9 outpatient: maps to no listed disease → warned, ordinary pool 60 % × 100 = 60
    o = run(case(episode={**OUT, "diagnoses": ["J06.9"]}, in_scope=100))
    assert unlisted(o) == [("episode.diagnoses[0]", "diagnosis_unlisted")]
    assert any("按普通门诊救助" in w.zh for w in o.warnings)
    # inpatient pneumonia with cervical cancer second: only the pneumonia is unlisted
    woman = {"id_number": ADULT_WOMAN}
    o = run(case(person=woman, episode={"kind": "inpatient", "admitted": "2025-03-02", "discharged": "2025-03-10",
                                        "diagnoses": ["J18.9", "C53.9"]}))
    assert unlisted(o) == [("episode.diagnoses[0]", "diagnosis_unlisted")]


@pytest.mark.rule("FS-BASIC-6")
def test_listed_diagnoses_raise_no_warning():
    # C92.1 (malignant, special list), F84.0 for a boy of 10 (child-only code), E10.9 for an adult (diabetes is
    # listed for minors: the age rule withholds it, a reason says so, but the code is not a table gap)
    for person, code in (({}, "C92.1"), ({"id_number": BOY_10}, "F84.0"), ({}, "E10.9")):
        o = run(case(person=person or None, episode={**OUT, "diagnoses": [code]}, in_scope=100))
        assert unlisted(o) == [], code


@pytest.mark.rule("FS-BASIC-6")
def test_no_warning_when_not_covered():
    # not a target group: no referral, so the diagnosis decides nothing and is not warned about
    o = run(case(person={"categories": ["low_income"]}, episode={**OUT, "diagnoses": ["J06.9"]}))
    assert not o.eligibility.eligible and unlisted(o) == []


@pytest.mark.rule("FS-AMB-21")
def test_chemotherapy_switch():
    # adult dibao man, outpatient C34.9 with a chemotherapy session Z51.1, base 1,000.
    c = case(episode={**OUT, "diagnoses": ["C34.9", "Z51.1"]}, in_scope=1000)
    # A (default): 普通治疗 includes chemotherapy → special pool, 60 % × 1,000 = 600 ≤ 1,000
    assert y(run(c), "special_outpatient_assistance") == 600
    # B: chemotherapy is not named → ordinary outpatient, min(60 % × 1,000, 70) = 70, and the reason says why
    b = run(c, chemotherapy_reading="not_named")
    assert ids(b) == ["outpatient_assistance"] and y(b, "outpatient_assistance") == 70
    assert "化疗不属“各类恶性肿瘤放疗或普通治疗”（FS-AMB-21 读法B）" in texts(b)
    # B, radiotherapy (Z51.0) in the same visit: still 放疗 → 600
    r = case(episode={**OUT, "diagnoses": ["C34.9", "Z51.0", "Z51.1"]}, in_scope=1000)
    assert y(run(r, chemotherapy_reading="not_named"), "special_outpatient_assistance") == 600
    # B, ordinary cancer treatment without a chemotherapy code: still on the entry → 600
    plain = case(episode={**OUT, "diagnoses": ["C34.9"]}, in_scope=1000)
    assert y(run(plain, chemotherapy_reading="not_named"), "special_outpatient_assistance") == 600


@pytest.mark.rule("FS-AMB-14")
def test_designated_list_switch():
    from jiuzhu.model.errors import MissingParameter
    # inpatient at 抚顺市中心医院 (insurance-designated), base 10,000: min(60 % × 10,000, 5,000) = 5,000
    c = case(in_scope=10000)
    assert y(run(c), "inpatient_assistance") == 5000  # A: any insurance designation (the union)
    # B without the residents' scheme list: fails naming the parameter
    with pytest.raises(MissingParameter, match="residents_designated_facilities"):
        run(c, designated_list_reading="own_scheme")
    # B, the hospital on the residents' list and the person in the residents' scheme → 5,000
    listed = {"designated_list_reading": "own_scheme", "residents_designated_facilities": ["抚顺市中心医院"],
              "ncms_designated_facilities": []}
    assert y(run(c, **listed), "inpatient_assistance") == 5000
    # B, the same hospital for an NCMS member whose list does not hold it: a violation, nothing paid
    ncms = case(person={"scheme": "ncms"}, in_scope=10000)
    o = run(ncms, **listed)
    assert not o.referral.covered and o.settlement.assistance == 0 and "FS-REF-5" in {c.rule for c in o.citations}
    # B, an uninsured person has no own list: the union of both → 5,000 (base: whole in-scope cost)
    none = case(person={"scheme": "none"}, in_scope=10000)
    assert y(run(none, **listed), "inpatient_assistance") == 5000
