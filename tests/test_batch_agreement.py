"""The columnar batch path agrees to the fen with the per-case path, for every installed region.

Claims of the same person in one year are evaluated one by one in date order by
``Engine.evaluate``, each with what the earlier claims paid as its history; the batch path must
give exactly the same layers, assistance and burden.
"""

from __future__ import annotations

import datetime as dt
from fractions import Fraction

import pyarrow as pa
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from jiuzhu import Eligibility, Layer, Plan, Program, RegionInfo, ReferralVerdict, SourceDocument, hookimpl
from jiuzhu.analysis.batch import canonical, flatten, unflatten
from jiuzhu.analysis.claims import ClaimTable, _reason_key, decisive, evaluate_region
from jiuzhu.kit.strategies import case_batches, cases
from jiuzhu.analysis.compare import rehome
from jiuzhu.io.config import parse_config
from jiuzhu.rules.engine import Engine, bill_columns
from jiuzhu.io.loader import structure_case
from jiuzhu.plugins import make_host
from jiuzhu.model.money import yuan

PLAUSIBLE = {"date": "2020-01-01", "yuan": "1000", "rate": "0.5", "count": 1, "days": 10, "hours": 24,
             "working_days": 10, "years": 60, "bool": True, "text": "x", "list": [], "dates": [],
             "segments": [{"from": "0", "rate": "0.5"}]}


# Required parameters whose value a region constrains beyond its unit: Jingjiang's renewed insurer agreement
# follows the first, which ends 2020-12-31 (第九条); 2023-12-31 lets drawn stays fall on both sides of it.
CONSTRAINED = {("jingjiang", "renewed_agreement_end"): "2023-12-31"}


def deployment_parameters(host) -> dict:
    """Plausible test values for every required deployment parameter the regions declare."""
    out: dict = {}
    eng = Engine(host=host)
    for code in host.regions:
        for name, p in eng.parameter_set(code).params.items():
            if p.required and not p.values:
                plausible = p.choices[0] if p.unit == "choice" else PLAUSIBLE[p.unit]
                out.setdefault(code, {})[name] = CONSTRAINED.get((code, name), plausible)
    return out


class CappedRegion:
    """A throwaway region whose layers bind on every limit: deductible, segments, claim and annual caps."""

    @hookimpl
    def jiuzhu_region(self):
        return RegionInfo("capped", "测试区", "Capped", "511622",
                          (SourceDocument("T-1", "test", effective_from=dt.date(2000, 1, 1)),), date_basis="discharge")

    @hookimpl
    def jiuzhu_parameters(self):
        return {"age_limit": {"unit": "years", "label": "age", "values": [{"from": "2000-01-01", "value": 65}]}}

    @hookimpl
    def jiuzhu_eligibility(self, case, ctx):
        cats = case.person.categories
        return Eligibility(bool(cats) and cats[0] != "low_income", tuple(cats))

    @hookimpl
    def jiuzhu_referral(self, case, ctx, eligibility):
        return ReferralVerdict("covered" if case.facility.level != "provincial" else "pay_first_claim")

    @hookimpl
    def jiuzhu_reimbursement(self, case, ctx, eligibility, referral):
        old = ctx.age(case) >= ctx.params["age_limit"]
        return Plan((
            Layer("basic", "基本救助", "basic", base="in_scope - basic_paid - critical_paid", deductible=30_000,
                  rate="0.7" if old else "0.6", claim_cap=2_000_000, annual_cap=5_000_000),
            Layer("major", "大病救助", "major", base="burden - 0.1*fully_self_paid",
                  segments=((0, 1_000_000, Fraction(1, 2)), (1_000_000, None, Fraction(13, 20))), annual_cap=3_000_000,
                  program="major_program"),
        ))

    @hookimpl
    def jiuzhu_programs(self):
        return [Program("basic", "基本救助", "basic", ("basic",)), Program("major_program", "大病救助", "major", ("major",))]


HOST = make_host(extra=[CappedRegion()])
REGIONS = sorted(HOST.regions)
# Guang'an's tilt runs on a yearly running total (GA-PAY-5): an ILLUSTRATIVE table with a threshold and a
# rate near 100 % (tilt +5 % on 5,000–30,000 yuan, +3 % above) makes where a stay starts matter.
GA_SEGMENTS = [{"from": "5000", "to": "30000", "rate": "0.5"}, {"from": "30000", "rate": "0.97"}]
ENGINE = Engine(host=HOST, deployment=parse_config({"parameters": {
    **deployment_parameters(HOST), "guangan": {**deployment_parameters(HOST).get("guangan", {}),
                                               "critical_illness_segments": GA_SEGMENTS}}}))


def as_table(rows):
    """Claim rows as a checked, normalised Arrow table; every drawn case must pass the batch checks."""
    from jiuzhu.analysis.batch import rows_to_columns
    from jiuzhu.analysis.checks import normalise
    cols = rows_to_columns(rows)
    table, ok, errors = normalise(pa.table(cols), 0, REGIONS)
    assert not errors, errors[:3]
    return table


def per_case(engine, cases, region, rehome_to):
    """Evaluate case by case in (person, year, day) order; what earlier claims added to each programme
    (``Program.counted``: amounts, bases, or the slip's columns for a running total of costs such as
    Guang'an's critical-illness burden, counted on every stay) is added to the person's year-to-date history, as the ledger
    (:meth:`jiuzhu.store.Store.settle`) does."""
    import attrs
    info = engine.host.region(region).info
    day = lambda c: c.episode.day if engine.date_basis(region) == "discharge" else c.episode.admitted
    order = sorted(range(len(cases)), key=lambda i: (cases[i].person.id_number, day(cases[i]).year, day(cases[i]), i))
    used: dict = {}
    out = [None] * len(cases)
    for i in order:
        case = cases[i]
        key = (case.person.id_number, day(case).year)
        case = rehome(case, info.division) if rehome_to else case
        ytd = dict(case.history.ytd)
        for k, v in used.get(key, {}).items():
            ytd[k] = ytd.get(k, 0) + v
        case = attrs.evolve(case, history=attrs.evolve(case.history, ytd=ytd))
        o = engine.evaluate(case, region, documents=False)
        for _, prog in engine.programs(region):
            used.setdefault(key, {})
            used[key][prog.id] = used[key].get(prog.id, 0) + prog.counted(o.settlement.layers, bill_columns(case))
        out[i] = o
    return out


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(case=cases(start=dt.date(2024, 1, 1), full=True))
def test_flatten_round_trips_every_case(case):
    """flatten then unflatten gives the same case, directly and through a checked Arrow table
    (an empty designations list stays empty: a non-designated facility). A row holds other payers
    by kind and states every field: the same case up to :func:`canonical`."""
    row = flatten(case)
    assert structure_case(unflatten(row)) == canonical(case)
    back = as_table([row]).to_pylist()[0]
    assert structure_case(unflatten(back)) == canonical(case)


def test_other_payers_by_kind():
    """Other payers flatten to one column per kind; kind ``other`` adds to other_paid. Settled alike:
    other_paid 5 + kind other 3 = 8 yuan of other payers, 10 yuan of charity."""
    from jiuzhu.kit.testing import make_case
    c = make_case({"bill": {"other_paid": "5", "other_payers": [{"kind": "charity", "amount": "10", "name": "某基金会"},
                                                                {"kind": "other", "amount": "3"}]}})
    row = flatten(c)
    assert row["bill.other_paid_fen"] == 800 and row["bill.other.charity_fen"] == 1000
    assert row["bill.other.civil_servant_fen"] == 0
    back = structure_case(unflatten(row))
    assert back.bill.other_paid == 800 and [(o.kind, o.amount) for o in back.bill.other_payers] == [("charity", 1000)]
    for region in REGIONS:
        a, b = ENGINE.evaluate(c, region, documents=False), ENGINE.evaluate(back, region, documents=False)
        assert a.settlement.layers == b.settlement.layers, region


def test_time_of_day_is_carried():
    from jiuzhu.kit.testing import make_case
    c = make_case({"episode": {"admitted": "2026-03-12T21:30+08:00", "discharged": "2026-03-14T09:00+08:00"}})
    row = flatten(c)
    assert row["episode.admitted"] == "2026-03-12" and row["episode.admitted_at"] == "2026-03-12T21:30:00+08:00"
    back = structure_case(unflatten(as_table([row]).to_pylist()[0]))
    assert back.episode.admission == c.episode.admission and back.episode.discharge == c.episode.discharge


def test_empty_designations_stay_empty():
    from jiuzhu.kit.testing import make_case
    c = make_case({"facility": {"designations": [], "ownership": "private"}})
    back = structure_case(unflatten(as_table([flatten(c)]).to_pylist()[0]))
    assert back.facility.designations == ()


@pytest.mark.parametrize("region", REGIONS)
@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(drawn=case_batches(full=True))
def test_batch_agrees_with_per_case(region, drawn):
    """Cases drawn as cases; each evaluated alone, and the set as one batch: everything the batch
    outputs per claim agrees (eligibility, verdict, decisive reason, every layer, assistance, burden)."""
    import attrs
    valid = {p.id for _, p in ENGINE.programs(region)}  # other programmes' amounts are refused, on both paths
    drawn = [attrs.evolve(c, history=attrs.evolve(c.history, ytd={k: v for k, v in c.history.ytd.items() if k in valid}))
             for c in drawn]
    ct = ClaimTable(as_table([flatten(c) for c in drawn]))
    run = evaluate_region(ENGINE, ct, region, rehome_to=True)
    assert not run.error, run.error
    outcomes = per_case(ENGINE, drawn, region, rehome_to=True)
    for i, o in enumerate(outcomes):
        assert run.eligible[i] == o.eligibility.eligible
        assert run.verdict[i] == o.referral.kind
        assert run.reasons[run.reason[i]] == _reason_key(decisive(o.eligibility, o.referral))
        got = {lid: int(v[i]) for lid, v in run.layers.items() if v[i]}
        assert got == {l.id: l.amount for l in o.settlement.layers if l.amount}, i
        assert run.assistance[i] == o.settlement.assistance
        assert run.burden[i] == o.settlement.burden


def test_annual_cap_binds_across_a_batch():
    """Three large claims of one person: the capped region's basic layer stops at its annual cap."""
    from jiuzhu.kit.testing import make_case
    rows = []
    for i, day in enumerate(["2026-03-01", "2026-01-05", "2026-06-01"]):
        c = make_case({"id": f"A{i}", "episode": {"admitted": day, "discharged": day},
                       "bill": {"total": "50000", "in_scope": "50000"}})
        rows.append(flatten(c))
    run = evaluate_region(ENGINE, ClaimTable(as_table(rows)), "capped", rehome_to=False)
    basic = run.layers["basic"]
    assert basic.sum() == 5_000_000  # the annual cap, 50,000 yuan
    # date order: January's claim is paid first, in full up to the claim cap
    assert basic[1] == 2_000_000 and basic[0] == 2_000_000 and basic[2] == 1_000_000


@st.composite
def guangan_admissions(draw):
    """Several admissions per person in one or two years, shaped so that Guang'an's tilt applies to most
    of them (a +5-points category, in-county, designated, a compliant path) and their compliant burdens
    straddle the table's 5,000 and 30,000 yuan bounds; some are refused the tilt (other categories, outside
    the county), which still adds their compliant burden to the running total (the ledger counts every
    stay's slip). Drawn as cases, in any file order."""
    from jiuzhu.model.idcard import make
    path = [{"kind": "first_contact", "to": "武胜县中心镇卫生院", "to_level": "primary"},
            {"kind": "referral", "to": "武胜县人民医院", "to_level": "county",
             "actions": [{"kind": "filing", "by": "primary_facility"}]}]
    persons = draw(st.lists(st.integers(1, 99), min_size=1, max_size=3, unique=True))
    out = []
    for i in range(draw(st.integers(1, 8))):
        seq = draw(st.sampled_from(persons))
        day = draw(st.dates(dt.date(2026, 1, 1), dt.date(2027, 3, 31)))
        burden = draw(st.integers(0, 4_000_000))
        basic = draw(st.integers(0, 3_000_000))
        cats = draw(st.sampled_from([["dibao"], ["dibao"], ["low_income"], ["registered_poor", "dibao"], ["priority_care"]]))
        where = draw(st.sampled_from(["511622", "511622", "511622", "510107"]))
        total = burden + basic + draw(st.integers(0, 500_000))
        critical = draw(st.integers(0, burden))  # the slip's critical-illness insurance (counted under GA-AMB-6 B)
        out.append(structure_case({
            "id": f"G{i:03d}",
            "person": {"name": "测试人", "id_number": make("511622", dt.date(1950, 1, 1), seq * 2 + 1),
                       "hukou": "511622104000", "categories": cats, "area": "rural", "scheme": "residents"},
            "facility": {"name": "武胜县人民医院", "level": "county", "ownership": "public",
                         "designations": ["insurance", "assistance"], "location": where},
            "episode": {"kind": "inpatient", "admitted": day.isoformat(), "discharged": day.isoformat(), "path": path},
            "bill": {"total": yuan(total), "in_scope": yuan(burden + basic), "fully_self_paid": yuan(total - burden - basic),
                     "basic_paid": yuan(basic), "critical_paid": yuan(critical)}}))
    return out


# GA-AMB-6 B: the tilt shares the critical-illness insurance's annual cap (ILLUSTRATIVE 500 yuan), which the
# slip's insurance of earlier stays uses up as well
ENGINE_CII_CAP = Engine(host=HOST, deployment=parse_config({"parameters": {
    **deployment_parameters(HOST), "guangan": {**deployment_parameters(HOST).get("guangan", {}),
                                               "critical_illness_segments": GA_SEGMENTS,
                                               "tilt_respects_cii_cap": "within_cii_cap",
                                               "critical_illness_annual_cap": "500"}}}))


@pytest.mark.parametrize("cii_cap", [False, True], ids=["separate", "within_cii_cap"])
@pytest.mark.parametrize("region", ["guangan", "wusheng"])
@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(drawn=guangan_admissions())
def test_guangan_admissions_agree_with_one_by_one(region, cii_cap, drawn):
    """Several Guang'an admissions per person (Wusheng composes Guang'an): the batch continues each
    person's running critical-illness total from the earlier claims of the year, as the ledger does,
    and under GA-AMB-6 B the shared cap counts the earlier stays' insurance too."""
    eng = ENGINE_CII_CAP if cii_cap else ENGINE
    ct = ClaimTable(as_table([flatten(c) for c in drawn]))
    run = evaluate_region(eng, ct, region, rehome_to=False)
    assert not run.error, run.error
    for i, o in enumerate(per_case(eng, drawn, region, rehome_to=False)):
        got = {lid: int(v[i]) for lid, v in run.layers.items() if v[i]}
        assert got == {l.id: l.amount for l in o.settlement.layers if l.amount}, i
        assert run.burden[i] == o.settlement.burden
