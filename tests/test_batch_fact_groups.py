"""Claims that share every fact but differ in identity, age, sex, dates, money and year-to-date
amounts: one fact group, whose other rows the batch builds from the group's first case
(``ClaimTable.representatives``). Each claim, evaluated alone, must agree with the batch to the fen."""

from __future__ import annotations

import datetime as dt

import attrs
import pyarrow as pa
import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from jiuzhu.analysis.batch import flatten, rows_to_columns
from jiuzhu.analysis.checks import normalise
from jiuzhu.analysis.claims import ClaimTable, _reason_key, decisive, evaluate_region
from jiuzhu.io.loader import structure_case, unstructure_case
from jiuzhu.kit.strategies import bills, case_batches
from jiuzhu.model import idcard
from jiuzhu.model.money import yuan

from test_batch_agreement import ENGINE, REGIONS, per_case


@st.composite
def one_fact_group(draw) -> list:
    """A drawn case and up to seven others with the same facts: each another person (birth date and
    sex drawn), admitted and discharged some days apart from the first, with its own bill and its own
    year-to-date amounts."""
    first = draw(case_batches(full=True, max_claims=1))[0]
    out = [first]
    seqs = draw(st.lists(st.integers(1, 999), min_size=1, max_size=7, unique=True))
    for seq in seqs:
        born = draw(st.dates(dt.date(1930, 1, 1), first.episode.admitted - dt.timedelta(days=400)))
        shift = dt.timedelta(days=draw(st.integers(-200, 200)))
        ep = first.episode
        raw = unstructure_case(first)
        raw["id"] = f"{first.id}-{seq}"
        raw["person"]["id_number"] = idcard.make(first.person.hukou, born, seq)
        # whether a card is recorded is a fact (JJ-CARD-2), its number is not
        raw["person"]["card_number"] = draw(st.sampled_from([first.person.card_number, "", "JJJZ2019000002"]))
        raw["episode"]["admitted"] = (ep.admitted + shift).isoformat()
        raw["episode"].pop("admitted_at", None)
        raw["episode"].pop("discharged_at", None)
        if ep.discharged is not None:
            raw["episode"]["discharged"] = (ep.discharged + shift).isoformat()
        bill = draw(bills())
        raw["bill"] = {**raw["bill"], **{k: v for k, v in bill.items() if k != "items"}}
        ytd = draw(st.dictionaries(st.sampled_from(["inpatient_assistance", "major_disease_assistance",
                                                    "critical_illness", "critical_illness_counted"]),
                                   st.integers(1, 3_000_000), max_size=2))
        raw.setdefault("history", {})["ytd"] = {k: yuan(v) for k, v in ytd.items()}
        try:
            out.append(structure_case(raw))
        except Exception:  # a shifted date the case model refuses (before birth, a filing out of order)
            continue
    return out


@pytest.mark.parametrize("region", REGIONS)
@settings(max_examples=30, deadline=None,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much])
@given(drawn=one_fact_group())
def test_rows_of_one_fact_group_agree_with_each_case(region, drawn):
    valid = {p.id for _, p in ENGINE.programs(region)}
    drawn = [attrs.evolve(c, history=attrs.evolve(c.history, ytd={k: v for k, v in c.history.ytd.items() if k in valid}))
             for c in drawn]
    table, ok, errors = normalise(pa.table(rows_to_columns([flatten(c) for c in drawn])), 0, REGIONS)
    assume(not errors)
    ct = ClaimTable(table)
    run = evaluate_region(ENGINE, ct, region, rehome_to=True)
    assert not run.error, run.error
    for i, o in enumerate(per_case(ENGINE, drawn, region, rehome_to=True)):
        assert run.eligible[i] == o.eligibility.eligible, i
        assert run.verdict[i] == o.referral.kind, i
        assert run.reasons[run.reason[i]] == _reason_key(decisive(o.eligibility, o.referral)), i
        got = {lid: int(v[i]) for lid, v in run.layers.items() if v[i]}
        assert got == {l.id: l.amount for l in o.settlement.layers if l.amount}, i
        assert run.burden[i] == o.settlement.burden, i


def test_a_fact_group_is_structured_once():
    """Eight persons with the same facts: one fact group, one case structured by the loader, the others
    built from it with their own ID numbers, dates and year-to-date amounts."""
    import jiuzhu.analysis.claims as claims
    first = structure_case({
        "person": {"id_number": idcard.make("511622", dt.date(1950, 3, 1), 11), "hukou": "511622",
                   "categories": ["dibao"]},
        "facility": {"name": "武胜县人民医院", "level": "county", "location": "511622"},
        "episode": {"kind": "inpatient", "admitted": "2025-03-01", "discharged": "2025-03-10"},
        "bill": {"total": "10000", "in_scope": "10000"}})
    drawn = [first]
    for k in range(1, 8):
        raw = unstructure_case(first)
        raw["person"]["id_number"] = idcard.make("511622", dt.date(1950 + 9 * k, 3, 1), 11 + k)
        raw["episode"]["admitted"], raw["episode"]["discharged"] = f"2025-0{k + 1}-01", f"2025-0{k + 1}-05"
        raw["history"] = {"ytd": {"inpatient_assistance": str(100 * k)}}
        drawn.append(structure_case(raw))
    table, ok, errors = normalise(pa.table(rows_to_columns([flatten(c) for c in drawn])), 0, REGIONS)
    assert not errors
    ct = ClaimTable(table)
    assert ct.n_facts == 1
    calls = []
    real = claims._row_case
    claims._row_case = lambda raw, i: calls.append(i) or real(raw, i)
    try:
        got = ct.representatives(list(range(8)))
    finally:
        claims._row_case = real
    assert calls == [0]
    for c, want in zip(got, drawn):
        assert c.person.id_number == want.person.id_number
        assert (c.episode.admitted, c.episode.discharged) == (want.episode.admitted, want.episode.discharged)
        assert c.history.ytd == want.history.ytd


def test_whether_a_card_is_recorded_is_a_fact_its_number_is_not():
    """Jingjiang asks for the assistance card when none is recorded (第七条, JJ-CARD-2): two claims alike
    but for that are two fact groups; two card numbers are one."""
    from jiuzhu.kit.testing import make_case
    base = {"person": {"name": "测试人", "id_number": "32128219680702052X", "hukou": "321282104203",
                       "categories": ["dibao"], "scheme": "residents"},
            "facility": {"name": "靖江市新桥镇卫生院", "level": "primary", "ownership": "public",
                         "designations": ["insurance", "assistance"], "location": "321282104"},
            "episode": {"kind": "inpatient", "admitted": "2019-04-08", "discharged": "2019-04-15"},
            "bill": {"total": "10000", "in_scope": "10000", "basic_paid": "6000"}}
    cases = [make_case({"id": f"c{i}", "person": {"card_number": card}}, base=base)
             for i, card in enumerate(["JJJZ2019000001", "JJJZ2019000777", "", "JJJZ2019000001"])]
    table, _, errors = normalise(pa.table(rows_to_columns([flatten(c) for c in cases])), 0, REGIONS)
    assert not errors
    facts = ClaimTable(table).facts.tolist()
    assert facts[0] == facts[1] == facts[3] != facts[2]
