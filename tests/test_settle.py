"""Settlement arithmetic: hand-computed layers, and the scalar and columnar paths agreeing to the fen."""

from fractions import Fraction

import numpy as np
from hypothesis import given, settings, strategies as st

from jiuzhu.rules.settle import Layer, Plan, settle, settle_columns

BILL = {"total": 1_000_000, "in_scope": 800_000, "first_self_paid": 50_000, "over_limit": 0, "fully_self_paid": 150_000,
        "deductible": 60_000, "basic_paid": 500_000, "critical_paid": 40_000, "assistance_paid": 0, "other_paid": 10_000}


def amounts(s):
    return {l.id: l.amount for l in s.layers}


def test_rate_on_eligible_base():
    # base = in_scope − basic − critical = 8000 − 5000 − 400 = 2600 yuan; 60% = 1560 yuan
    plan = Plan((Layer("ma", "救助", "assistance", base="in_scope - basic_paid - critical_paid", rate="0.6"),))
    s = settle(BILL, plan)
    assert amounts(s)["ma"] == 156_000
    assert s.burden == 1_000_000 - 500_000 - 40_000 - 10_000 - 156_000


def test_claim_cap_and_annual_cap_with_history():
    plan = Plan((Layer("ma", "救助", "assistance", base="burden", rate="0.6", annual_cap=500_000),))
    # burden 4500 yuan × 60% = 2700; 5000 cap with 3000 used leaves 2000
    s = settle(BILL, plan, {"ma": 300_000})
    layer = s.layers[-1]
    assert (layer.amount, layer.binding, layer.used_before) == (200_000, "annual_cap", 300_000)


def test_layer_never_exceeds_burden():
    plan = Plan((Layer("a", "a", "a", base="total", rate=1), Layer("b", "b", "b", base="total", rate=1)))
    s = settle(BILL, plan)
    assert s.burden == 0 and amounts(s)["b"] == 0


def test_segments_half_up_rounding():
    # base 10000.01 yuan: 5% of first 10000 = 500.00, 10% of 0.01 = 0.001 → 500.001 → 500.00 (half up at the fen)
    seg = ((0, 1_000_000, Fraction(5, 100)), (1_000_000, None, Fraction(10, 100)))
    plan = Plan((Layer("t", "t", "t", base="total", segments=seg),))
    s = settle({"total": 1_000_001, "in_scope": 1_000_001}, plan)
    assert amounts(s)["t"] == 50_000


def test_linear_base_with_fraction():
    # hold the personal share at 10%: pay burden − 10% × total = 10000 − 1000 = 9000
    plan = Plan((Layer("tilt", "t", "t", base="burden - 0.1*total", rate=1),))
    assert amounts(settle({"total": 1_000_000, "in_scope": 1_000_000}, plan))["tilt"] == 900_000


def test_child_layer_replaces_parent_layer_in_place():
    parent = Plan((Layer("x", "p", "p", rate="0.5"), Layer("y", "p", "p")))
    child = Plan((Layer("x", "c", "c", rate="0.2"), Layer("z", "c", "c")))
    assert [(l.id, l.name_zh) for l in (parent + child).layers] == [("x", "c"), ("y", "p"), ("z", "c")]


def test_base_limit_takes_the_smaller_base():
    # Jingjiang JJ-AMB-2's example: personal share 12,000 (total 20,000 − basic 8,000), of which 2,000 unlisted;
    # other payers 3,000. Eligible share 20,000 − 8,000 − 2,000 = 10,000; what is left 12,000 − 3,000 = 9,000.
    bill = {"total": 2_000_000, "in_scope": 1_800_000, "fully_self_paid": 200_000, "basic_paid": 800_000,
            "other_paid": 300_000}
    a = Layer("p", "p", "p", base="burden - fully_self_paid", rate="0.8")  # reading A: 9,000 − 2,000 = 7,000
    b = Layer("p", "p", "p", base="total - basic_paid - fully_self_paid", base_limit="burden", rate="0.8")
    assert amounts(settle(bill, Plan((a,))))["p"] == 560_000  # 80 % × 7,000
    res = settle(bill, Plan((b,))).layers[-1]
    assert (res.amount, res.base) == (720_000, 900_000)  # min(10,000, 9,000) = 9,000 → 7,200
    assert [c for c, _, _ in res.base_terms] == ["burden"]  # the expression that gave the base is shown
    # when the other payers paid less than the excluded part, the eligible share binds: others 1,000 →
    # min(10,000, 11,000) = 10,000 → 8,000
    res = settle({**bill, "other_paid": 100_000}, Plan((b,))).layers[-1]
    assert (res.amount, [c for c, _, _ in res.base_terms]) == (800_000, ["total", "basic_paid", "fully_self_paid"])


def test_round_to_whole_yuan_half_up():
    # 50 % × 1,001.00 = 500.50 → 501 yuan (half up); 50 % × 1,000.98 = 500.49 → 500 yuan; to the fen: 500.50, 500.49
    for burden, fen, yuan in ((100_100, 50_050, 50_100), (100_098, 50_049, 50_000)):
        bill = {"total": burden, "in_scope": burden}
        assert amounts(settle(bill, Plan((Layer("r", "r", "r", rate="0.5"),))))["r"] == fen
        assert amounts(settle(bill, Plan((Layer("r", "r", "r", rate="0.5", round_to=100),))))["r"] == yuan
    # segments too: 5 % of 10,000 + 10 % of 5.01 = 500.501 → 501 yuan
    seg = ((0, 1_000_000, Fraction(5, 100)), (1_000_000, None, Fraction(10, 100)))
    bill = {"total": 1_000_501, "in_scope": 1_000_501}
    assert amounts(settle(bill, Plan((Layer("t", "t", "t", segments=seg, round_to=100),))))["t"] == 50_100
    # a cap or the burden left still binds to the fen: burden 0.40 yuan at 100 % rounds to 0 yuan, 0.60 to 1 yuan
    # but only 0.60 is left, so 0.60 is paid
    assert amounts(settle({"total": 40, "in_scope": 40}, Plan((Layer("r", "r", "r", round_to=100),))))["r"] == 0
    assert amounts(settle({"total": 60, "in_scope": 60}, Plan((Layer("r", "r", "r", round_to=100),))))["r"] == 60


layers_st = st.lists(st.builds(
    lambda base, rate, cap, annual, ded, limit, unit: Layer(
        f"L{base}{rate}", "l", "l", base=base, rate=Fraction(rate, 100), claim_cap=cap, annual_cap=annual,
        deductible=ded, base_limit=limit, round_to=unit),
    st.sampled_from(["burden", "in_scope - basic_paid", "total - paid", "burden - 0.1*total", "fully_self_paid"]),
    st.integers(0, 100), st.none() | st.integers(0, 500_000), st.none() | st.integers(0, 800_000),
    st.integers(0, 20_000), st.none() | st.sampled_from(["burden", "total - basic_paid - fully_self_paid"]),
    st.sampled_from([1, 1, 100])), min_size=1, max_size=4, unique_by=lambda l: l.id)


@st.composite
def bills(draw):
    ins = draw(st.integers(0, 2_000_000))
    fs = draw(st.integers(0, 300_000))
    total = ins + fs
    basic = draw(st.integers(0, ins))
    return {"total": total, "in_scope": ins, "fully_self_paid": fs, "basic_paid": basic,
            "critical_paid": draw(st.integers(0, ins - basic)), "other_paid": 0, "assistance_paid": 0,
            "first_self_paid": 0, "over_limit": 0, "deductible": 0}


@settings(max_examples=60, deadline=None)
@given(st.lists(layers_st, min_size=1, max_size=3),
       st.lists(st.tuples(bills(), st.integers(0, 2), st.integers(0, 2), st.integers(0, 30)), min_size=1, max_size=12),
       st.integers(0, 300_000))
def test_scalar_and_columns_agree(plan_layers, claims, used0):
    """Claims of a few persons, each under one of several plans, settled one by one (history fed forward
    in date order) and as columns at once, must agree to the fen."""
    plans = [Plan(tuple(ls)) for ls in plan_layers]
    n = len(claims)
    plan_of = np.array([c[1] % len(plans) for c in claims])
    person = np.array([c[2] for c in claims])
    day = np.array([c[3] for c in claims])
    cols = {k: np.array([c[0][k] for c in claims], dtype=np.int64) for k in claims[0][0]}
    cols["out_of_scope"] = cols["first_self_paid"] + cols["over_limit"] + cols["fully_self_paid"]
    programs = {l.cap_program for p in plans for l in p.layers if l.annual_cap is not None}
    used = {p: np.full(n, used0, dtype=np.int64) for p in programs}
    # a programme must be capped by one layer id across plans (the engine's contract)
    ids_by_prog = {}
    for p in plans:
        for l in p.layers:
            if l.annual_cap is not None:
                ids_by_prog.setdefault(l.cap_program, set()).add(l.id)
    try:
        out = settle_columns(cols, plans, plan_of, person, np.zeros(n, dtype=np.int64), day, used)
    except ValueError:
        return  # plans that order shared layers inconsistently are refused, not mis-settled
    order = sorted(range(n), key=lambda i: (person[i], day[i], i))
    ytd: dict = {}
    for i in order:
        hist = ytd.setdefault(person[i], {p: used0 for p in programs})
        s = settle({**claims[i][0], "out_of_scope": 0}, plans[plan_of[i]], hist)
        for l in s.layers:
            assert out[f"layer.{l.id}"][i] == l.amount, (i, l.id)
            if l.annual_cap is not None:
                hist[l.program] = hist.get(l.program, used0) + l.amount
        assert out["burden"][i] == s.burden


def test_a_shared_cap_counts_the_same_settlements_earlier_layers():
    # programme P counts critical illness insurance (slip, 400 yuan), layer pre and layer x; x's annual cap 3,000
    # yuan with 2,000 used earlier this year. pre pays 10 % of the burden: burden after basic 5,000, insurance 400,
    # other payers 100 → 4,500 × 10 % = 450. x wants 60 % of the burden left 4,050 = 2,430; the cap leaves
    # 3,000 − 2,000 − (400 + 450) = 150 → 150.00 (not 1,000.00, which counts only the earlier stays)
    plan = Plan((Layer("pre", "p", "p", rate="0.1"),
                 Layer("x", "x", "x", rate="0.6", annual_cap=300_000, program="P",
                       shares_cap_with=("critical_illness", "pre", "x"))))
    s = settle(BILL, plan, {"P": 200_000})
    x = s.layers[-1]
    assert amounts(s)["pre"] == 45_000
    assert (x.amount, x.binding, x.used_before, x.shared_before) == (15_000, "annual_cap", 200_000, 85_000)
    one = lambda v: np.array([v], dtype=np.int64)
    cols = {k: one(v) for k, v in BILL.items()}
    out = settle_columns(cols, [plan], [0], one(1), one(2026), one(1), {"P": one(200_000)},
                         counts={"P": ("critical_illness", "pre", "x")})
    assert out["layer.x"].tolist() == [15_000]


def test_a_layer_may_share_its_cap_only_with_layers_its_programme_counts():
    plan = Plan((Layer("pre", "p", "p", rate="0.1"),
                 Layer("x", "x", "x", rate="0.6", annual_cap=300_000, program="P", shares_cap_with=("pre",))))
    one = lambda v: np.array([v], dtype=np.int64)
    cols = {k: one(v) for k, v in BILL.items()}
    try:
        settle_columns(cols, [plan], [0], one(1), one(2026), one(1), counts={"P": ("x",)})
    except ValueError as e:
        assert str(e) == "layer x shares its annual cap with pre, which programme P does not count"
    else:
        raise AssertionError("a cap shared with a layer the programme does not count was accepted")


@settings(max_examples=80, deadline=None)
@given(st.lists(st.tuples(bills(), st.integers(0, 2), st.integers(0, 30)), min_size=1, max_size=12),
       st.integers(0, 100), st.integers(0, 100), st.integers(0, 1_000_000), st.integers(0, 400_000),
       st.booleans())
def test_a_shared_cap_agrees_one_by_one_and_in_columns(claims, pre_rate, x_rate, cap, used0, pass_counts):
    """A capped layer sharing its programme with the slip's critical-illness insurance and an earlier layer:
    settled one by one (the history adds every counted layer's amount, as the ledger does) and as columns."""
    prog = ("critical_illness", "pre", "x")
    plan = Plan((Layer("pre", "p", "p", rate=Fraction(pre_rate, 100)),
                 Layer("x", "x", "x", rate=Fraction(x_rate, 100), annual_cap=cap, program="P", shares_cap_with=prog)))
    n = len(claims)
    person = np.array([c[1] for c in claims])
    day = np.array([c[2] for c in claims])
    cols = {k: np.array([c[0][k] for c in claims], dtype=np.int64) for k in claims[0][0]}
    out = settle_columns(cols, [plan], np.zeros(n, dtype=np.int64), person, np.zeros(n, dtype=np.int64), day,
                         {"P": np.full(n, used0, dtype=np.int64)}, counts={"P": prog} if pass_counts else None)
    ytd: dict = {}
    for i in sorted(range(n), key=lambda i: (person[i], day[i], i)):
        s = settle(claims[i][0], plan, {"P": ytd.get(person[i], used0)})
        for l in s.layers:
            assert out[f"layer.{l.id}"][i] == l.amount, (i, l.id)
        x = s.layers[-1]
        assert x.amount <= max(0, cap - x.used_before - x.shared_before)
        ytd[person[i]] = ytd.get(person[i], used0) + sum(l.amount for l in s.layers if l.id in prog)
        assert out["burden"][i] == s.burden
