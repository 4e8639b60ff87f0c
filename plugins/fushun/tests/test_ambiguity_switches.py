"""FS-AMB-19 (category on which date, one pool or one per category) and FS-AMB-23 (rounding) as deployment
switches, both readings worked out by hand from 抚政办发〔2014〕67号 §四(二)/(三). Amounts in yuan.

The person below is 低保边缘 until 2025-06-30 and 低保 from 2025-07-01 (dated statuses); her stay runs
from 2025-06-25 to 2025-07-05 (admission in one category, settlement in the other). No insurance paid,
so the base is the whole in-scope cost.
"""

from __future__ import annotations

import pytest

import datetime as dt

from jiuzhu.kit.testing import layer, make_case, make_engine
from jiuzhu.model.errors import InputError
from jiuzhu.model.idcard import make

ADULT_MAN = make("210411", dt.date(1960, 1, 1), 31)
ADULT_WOMAN = make("210411", dt.date(1968, 6, 15), 42)
BASE = {
    "person": {"name": "测试人", "id_number": ADULT_MAN, "hukou": "210411001000", "categories": ["dibao"],
               "area": "urban", "scheme": "residents"},
    "facility": {"name": "抚顺市中心医院", "level": "city", "location": "210402", "designations": ["insurance"]},
    "episode": {"kind": "inpatient", "admitted": "2025-03-02", "discharged": "2025-03-10"},
    "bill": {"total": "10000", "in_scope": "10000"},
}


def case(person=None, episode=None, ytd=None, in_scope="10000"):
    """A slip with only an in-scope cost (yuan, as text) and no insurance payment."""
    over = {"bill": {"total": str(in_scope), "in_scope": str(in_scope)}}
    if person:
        over["person"] = person
    if episode:
        over["episode"] = episode
    if ytd:
        over["history"] = {"ytd": {k: str(v) for k, v in ytd.items()}}
    return make_case(over, base=BASE)


def run(c, **params):
    return make_engine(parameters={"fushun": params} if params else None).evaluate(c, region="fushun")


def y(outcome, layer_id):
    return layer(outcome, layer_id) / 100


def ids(outcome):
    return [l.id for l in outcome.settlement.layers if not l.given]

NEAR_THEN_DIBAO = {"categories": [], "statuses": [
    {"kind": "near_dibao", "certified_by": "抚顺市新抚区民政局", "from": "2025-01-01", "to": "2025-06-30"},
    {"kind": "dibao", "certified_by": "抚顺市新抚区民政局", "from": "2025-07-01"}]}
DIBAO_THEN_NEAR = {"categories": [], "statuses": [
    {"kind": "dibao", "certified_by": "抚顺市新抚区民政局", "from": "2025-01-01", "to": "2025-06-30"},
    {"kind": "near_dibao", "certified_by": "抚顺市新抚区民政局", "from": "2025-07-01"}]}
ACROSS = {"kind": "inpatient", "admitted": "2025-06-25", "discharged": "2025-07-05"}
JULY = {"kind": "inpatient", "admitted": "2025-07-02", "discharged": "2025-07-05"}
B = {"category_reading": "settlement_separate_pools"}


@pytest.mark.rule("FS-AMB-19", "FS-BASIC-8")
def test_category_on_admission_one_pool_default():
    # A: 低保边缘 on the admission day → 36 % × 10,000 = 3,600, capped at 60 % × 5,000 = 3,000
    o = run(case(person=NEAR_THEN_DIBAO, episode=ACROSS, in_scope=10000))
    assert ids(o) == ["inpatient_assistance"] and y(o, "inpatient_assistance") == 3000
    # one pool: 2,000 already paid this year (while near-dibao) leaves 3,000 − 2,000 = 1,000
    o = run(case(person=NEAR_THEN_DIBAO, episode=ACROSS, in_scope=10000, ytd={"inpatient_assistance": 2000}))
    assert y(o, "inpatient_assistance") == 1000
    # the other way round: 低保 on the admission day → 60 % × 10,000 = 6,000, cap 5,000 − 4,000 used = 1,000
    o = run(case(person=DIBAO_THEN_NEAR, episode=ACROSS, in_scope=10000, ytd={"inpatient_assistance": 4000}))
    assert y(o, "inpatient_assistance") == 1000
    # admitted in July as near-dibao: the current category's cap 3,000 less everything in the pool (4,000) → 0
    o = run(case(person=DIBAO_THEN_NEAR, episode=JULY, in_scope=10000, ytd={"inpatient_assistance": 4000}))
    assert y(o, "inpatient_assistance") == 0


@pytest.mark.rule("FS-AMB-19")
def test_category_at_settlement_separate_pools():
    # B: 低保 on the settlement (discharge) day → 60 % × 10,000 = 6,000, capped at 5,000
    o = run(case(person=NEAR_THEN_DIBAO, episode=ACROSS, in_scope=10000), **B)
    assert ids(o) == ["inpatient_assistance"] and y(o, "inpatient_assistance") == 5000
    # what was paid while near-dibao sits in that category's pool: the dibao pool is untouched → 5,000
    o = run(case(person=NEAR_THEN_DIBAO, episode=ACROSS, in_scope=10000,
                 ytd={"near_dibao_inpatient_assistance": 2000}), **B)
    assert y(o, "inpatient_assistance") == 5000
    # 低保边缘 at settlement: 36 % × 10,000 = 3,600 → 3,000 in the near-dibao pool; the 4,000 paid in the dibao
    # pool does not count against it
    o = run(case(person=DIBAO_THEN_NEAR, episode=ACROSS, in_scope=10000, ytd={"inpatient_assistance": 4000}), **B)
    assert ids(o) == ["near_dibao_inpatient_assistance"] and y(o, "near_dibao_inpatient_assistance") == 3000
    # the near-dibao pool has its own cap: 3,000 − 2,500 used = 500
    o = run(case(person=DIBAO_THEN_NEAR, episode=ACROSS, in_scope=10000,
                 ytd={"near_dibao_inpatient_assistance": 2500}), **B)
    assert y(o, "near_dibao_inpatient_assistance") == 500


@pytest.mark.rule("FS-AMB-19", "FS-MAJOR-5")
def test_category_date_decides_the_major_disease_layer():
    woman = {**NEAR_THEN_DIBAO, "id_number": ADULT_WOMAN}
    cervix = {**ACROSS, "diagnoses": ["C53.9"]}
    # A: near-dibao on admission: inpatient 3,000 only, the reasons say why the major layer is withheld
    a = run(case(person=woman, episode=cervix, in_scope=10000))
    assert ids(a) == ["inpatient_assistance"] and "FS-MAJOR-5" in {c.rule for c in a.citations}
    # B: dibao at settlement: basic min(6,000, 5,000) = 5,000; major 50 % × (10,000 − 5,000) = 2,500
    b = run(case(person=woman, episode=cervix, in_scope=10000), **B)
    assert (y(b, "inpatient_assistance"), y(b, "major_disease_assistance")) == (5000, 2500)


@pytest.mark.rule("FS-AMB-19")
def test_near_dibao_pool_key_only_under_reading_b():
    with pytest.raises(InputError, match="history.ytd.near_dibao_inpatient_assistance"):
        run(case(person=DIBAO_THEN_NEAR, episode=ACROSS, in_scope=10000, ytd={"near_dibao_inpatient_assistance": 1}))


@pytest.mark.rule("FS-AMB-19", "FS-ELIG-1")
def test_no_category_on_the_day_is_not_a_recipient():
    # near-dibao until 2025-06-30 only; a stay from 2025-07-02: no category on either day
    ended = {"categories": [], "statuses": [NEAR_THEN_DIBAO["statuses"][0]]}
    assert run(case(person=ended, episode=JULY, in_scope=10000)).eligibility.eligible is False
    # admitted 2025-06-25 (still near-dibao): a recipient under A, not under B (settled 2025-07-05)
    assert run(case(person=ended, episode=ACROSS, in_scope=10000)).eligibility.eligible is True
    assert run(case(person=ended, episode=ACROSS, in_scope=10000), **B).eligibility.eligible is False


@pytest.mark.rule("FS-AMB-23")
def test_rounding_to_the_fen_or_the_whole_yuan():
    # dibao inpatient 60 %: 1,000.84 → 600.504 → 600.50 (fen) / 601 (yuan); 1,000.75 → 600.45 / 600
    assert y(run(case(in_scope="1000.84")), "inpatient_assistance") == 600.50
    assert y(run(case(in_scope="1000.84"), rounding="yuan"), "inpatient_assistance") == 601
    assert y(run(case(in_scope="1000.75")), "inpatient_assistance") == 600.45
    assert y(run(case(in_scope="1000.75"), rounding="yuan"), "inpatient_assistance") == 600
    # near-dibao 36 %: 1,000.84 → 360.3024 → 360.30 / 360
    near = {"categories": ["near_dibao"]}
    assert y(run(case(person=near, in_scope="1000.84")), "inpatient_assistance") == 360.30
    assert y(run(case(person=near, in_scope="1000.84"), rounding="yuan"), "inpatient_assistance") == 360
    # ordinary outpatient 60 %: 100.84 → 60.504 → 60.50 / 61 (within the 70 cap)
    out = {"kind": "outpatient", "admitted": "2025-04-01", "discharged": "2025-04-01"}
    assert y(run(case(episode=out, in_scope="100.84")), "outpatient_assistance") == 60.50
    assert y(run(case(episode=out, in_scope="100.84"), rounding="yuan"), "outpatient_assistance") == 61


@pytest.mark.rule("FS-AMB-23", "FS-MAJOR-3")
def test_rounding_of_the_major_disease_layer():
    # woman, cervical cancer, 12,345.67: basic 60 % = 7,407.402 → cap 5,000; major 50 % × 7,345.67 = 3,672.835
    # → 3,672.84 (half up at the fen) / 3,673 (whole yuan)
    woman = {"id_number": ADULT_WOMAN}
    ep = {"kind": "inpatient", "admitted": "2025-03-02", "discharged": "2025-03-20", "diagnoses": ["C53.9"]}
    fen = run(case(person=woman, episode=ep, in_scope="12345.67"))
    assert (y(fen, "inpatient_assistance"), y(fen, "major_disease_assistance")) == (5000, 3672.84)
    yuan = run(case(person=woman, episode=ep, in_scope="12345.67"), rounding="yuan")
    assert (y(yuan, "inpatient_assistance"), y(yuan, "major_disease_assistance")) == (5000, 3673)


@pytest.mark.rule("FS-AMB-19", "FS-BASIC-8")
def test_programme_caps_follow_the_pool_reading():
    # a near-dibao person: under A her cap (60 % × 5,000 = 3,000) is in the one inpatient pool; under B in her
    # category's own pool, and the dibao pool has no cap for her
    near = case(person={"categories": ["near_dibao"]})
    for params, inpatient, own in (({}, 300000, None), (B, None, 300000)):
        eng = make_engine(parameters={"fushun": params} if params else None)
        ctx = eng.context("fushun", near.episode.day)
        caps = {p.id: p.cap(ctx, near) for _, p in eng.programs("fushun")}
        assert (caps["inpatient_assistance"], caps["near_dibao_inpatient_assistance"]) == (inpatient, own)
