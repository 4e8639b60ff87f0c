"""The batch path groups claims by their facts, not by their exact dates; what the dates decide must
still reach the decision: a person's dated statuses (a category that changes mid-year or starts the
day after admission), the dates a region's parameters hold (an insurer agreement's end) and the
action dates measured from admission (a filing deadline). Each expectation is worked out by hand
from the seeds and agrees with the one-case path."""

from __future__ import annotations

import datetime as dt

import pyarrow as pa
import pytest
from jiuzhu.analysis.batch import flatten, rows_to_columns
from jiuzhu.analysis.checks import normalise
from jiuzhu.analysis.claims import ClaimTable, evaluate_region
from jiuzhu.kit.testing import make_case, make_engine
from jiuzhu.model.idcard import make

FS_PERSON = make("210411", dt.date(1960, 1, 1), 31)
FS = {"person": {"name": "测试人", "id_number": FS_PERSON, "hukou": "210411001000", "area": "urban",
                 "scheme": "residents", "categories": [], "statuses": [
                     {"kind": "near_dibao", "from": "2025-01-01", "to": "2025-06-30"},
                     {"kind": "dibao", "from": "2025-07-01"}]},
      "facility": {"name": "抚顺市中心医院", "level": "city", "location": "210402", "designations": ["insurance"]},
      "episode": {"kind": "inpatient", "admitted": "2025-02-01", "discharged": "2025-02-10"},
      "bill": {"total": "5000", "in_scope": "5000"}}

JJ = {"person": {"name": "测试人", "id_number": "32128219680702052X", "hukou": "321282104203",
                 "categories": ["dibao"], "scheme": "residents", "card_number": "JJJZ2019000001"},
      "facility": {"name": "靖江市新桥镇卫生院", "level": "primary", "ownership": "public",
                   "designations": ["insurance", "assistance"], "location": "321282104"},
      "episode": {"kind": "inpatient", "admitted": "2026-03-02", "discharged": "2026-03-10"},
      "bill": {"total": "10000", "in_scope": "10000", "basic_paid": "6000"}}


def run(engine, region, cases):
    table, _, errors = normalise(pa.table(rows_to_columns([flatten(c) for c in cases])), 0, [region])
    assert not errors, errors[:3]
    return evaluate_region(engine, ClaimTable(table), region, rehome_to=False)


def yuan(r, layer):
    return [int(v) / 100 for v in r.layers.get(layer, [0] * len(r.total))]


def stay(base, i, admitted, discharged, total):
    return make_case({"id": f"C{i}", "episode": {"admitted": admitted, "discharged": discharged},
                      "bill": {"total": total, "in_scope": total}}, base=base)


FS_STAYS = [("2025-02-01", "2025-02-10", "5000"), ("2025-06-25", "2025-07-05", "5000"),
            ("2025-09-01", "2025-09-10", "10000")]


@pytest.mark.rule("FS-AMB-19", "FS-BASIC-8")
def test_fushun_category_change_mid_year_in_a_batch_reading_a():
    # 低保边缘 until 06-30, 低保 from 07-01; one inpatient pool, the category on the admission day:
    # Feb (near): 36 % × 5,000 = 1,800 (cap 3,000); Jun 25 (near): 1,800, room 3,000 − 1,800 = 1,200;
    # Sep (dibao): 60 % × 10,000 = 6,000, room 5,000 − 3,000 = 2,000.
    cases = [stay(FS, i, *s) for i, s in enumerate(FS_STAYS)]
    r = run(make_engine(), "fushun", cases)
    assert yuan(r, "inpatient_assistance") == [1800, 1200, 2000]


@pytest.mark.rule("FS-AMB-19", "FS-BASIC-8")
def test_fushun_category_change_mid_year_in_a_batch_reading_b():
    # Category on the settlement (discharge) day, the near-dibao pool its own: Feb (near) 1,800 in the
    # near pool; Jul 5 (dibao): 60 % × 5,000 = 3,000 in the dibao pool; Sep: 6,000, room 5,000 − 3,000 = 2,000.
    cases = [stay(FS, i, *s) for i, s in enumerate(FS_STAYS)]
    r = run(make_engine(parameters={"fushun": {"category_reading": "settlement_separate_pools"}}), "fushun", cases)
    assert yuan(r, "near_dibao_inpatient_assistance") == [1800, 0, 0]
    assert yuan(r, "inpatient_assistance") == [0, 3000, 2000]


JJ_ENGINE = {"jingjiang": {"renewed_agreement_end": "2026-12-31"}}


@pytest.mark.rule("JJ-FUND-3")
def test_jingjiang_stay_admitted_after_the_agreement_ended_in_a_batch():
    # 第九条: the (renewed) agreement ends 2026-12-31. Basic level, residents: 80 % × (10,000 − 6,000) = 3,200
    # for a stay admitted on 2026-12-01; a stay admitted 2027-01-05 has no agreement: 0, not covered.
    cases = [make_case({"id": "A", "episode": {"admitted": "2026-12-01", "discharged": "2026-12-10"}}, base=JJ),
             make_case({"id": "B", "episode": {"admitted": "2027-01-05", "discharged": "2027-01-12"}}, base=JJ)]
    r = run(make_engine(parameters=JJ_ENGINE), "jingjiang", cases)
    assert yuan(r, "precision_assistance") == [3200, 0]
    assert list(r.verdict) == ["covered", "not_covered"]


@pytest.mark.rule("JJ-ELIG-2")
def test_jingjiang_dated_status_starting_on_the_admission_day_in_a_batch():
    # 低保 from 2026-05-13 (a dated status): admitted 05-12 → not a recipient on the day judged (admission);
    # admitted 05-13 → a recipient, 3,200.
    person = {"person": {"categories": [], "statuses": [{"kind": "dibao", "from": "2026-05-13"}]}}
    cases = [make_case({**person, "id": "A", "episode": {"admitted": "2026-05-12", "discharged": "2026-05-20"}}, base=JJ),
             make_case({**person, "id": "B", "episode": {"admitted": "2026-05-13", "discharged": "2026-05-20"}}, base=JJ)]
    r = run(make_engine(parameters=JJ_ENGINE), "jingjiang", cases)
    assert list(r.eligible) == [False, True]
    assert yuan(r, "precision_assistance") == [0, 3200]


@pytest.mark.rule("JJ-AMB-15", "JJ-FLOW-5")
def test_jingjiang_filing_measured_from_each_admission_in_a_batch():
    # 第二十二条: filing within 48 hours of admission. Both claims were filed on 2026-03-03; admitted 03-02 it is
    # on time (3,200), admitted 02-20 it is late and, under amb_late_filing = defeats_claim, not covered (0).
    filing = {"actions": [{"kind": "filing", "by": "primary_facility", "on": "2026-03-03"}]}
    cases = [make_case({"id": "A", "episode": {**filing, "admitted": "2026-03-02", "discharged": "2026-03-10"}}, base=JJ),
             make_case({"id": "B", "episode": {**filing, "admitted": "2026-02-20", "discharged": "2026-03-10"}}, base=JJ)]
    eng = make_engine(parameters={"jingjiang": {**JJ_ENGINE["jingjiang"], "amb_late_filing": "defeats_claim"}})
    r = run(eng, "jingjiang", cases)
    assert yuan(r, "precision_assistance") == [3200, 0]


@pytest.mark.rule("FS-AMB-19")
def test_fushun_near_dibao_pool_in_history_under_reading_a_is_refused_in_a_batch_too():
    # Under reading A there is one inpatient pool; a year-to-date in the near-dibao pool is refused by one
    # case (InputError naming history.ytd.near_dibao_inpatient_assistance). In a batch the same claim must
    # not be settled silently because an earlier claim with the same facts had no such history.
    near = {"person": {"categories": ["near_dibao"], "statuses": []}}
    first = make_case({**near, "id": "A"}, base=FS)
    second = make_case({**near, "id": "B", "history": {"ytd": {"near_dibao_inpatient_assistance": "2000"}}}, base=FS)
    r = run(make_engine(), "fushun", [first, second])
    # the refusal is B's alone: A is computed, B is an invalid claim naming the field (docs/batch.md)
    assert r.error == "" and list(r.verdict) == ["covered", "invalid"]
    assert [p[0] for p in r.problems] == [1]
    assert "history.ytd.near_dibao_inpatient_assistance" in " ".join(map(str, r.problems[0]))
