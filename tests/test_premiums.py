"""The one premium-subsidy mechanism (jiuzhu.rules.premiums), by hand."""

from fractions import Fraction

import pytest

from jiuzhu.model.outcome import Citation, Reason
from jiuzhu.rules.premiums import PremiumRule, choose, subsidise


def rule(cat, share, **kw):
    return PremiumRule(cat, Fraction(share), Reason(cat, cat, Citation("X", "某府〔2020〕1号", "一", f"R-{cat}")), **kw)


def test_share_of_contribution_rounded_half_up_once():
    # 1/3 of 100.01 yuan = 3333.666… fen → 3334; the person pays 10001 − 3334 = 6667
    s = subsidise(rule("a", Fraction(1, 3)), 10001)
    assert (s.subsidy, s.personal) == (3334, 6667)
    # exactly half a fen rounds up: 1/2 of 1 fen → 1
    assert subsidise(rule("a", Fraction(1, 2)), 1).subsidy == 1


def test_subsidy_never_exceeds_contribution_even_on_a_larger_basis():
    # 60 % of a fixed 500-yuan basis is 300 yuan, but the contribution is only 200 yuan
    s = subsidise(rule("a", "0.6", basis=50000), 20000)
    assert (s.subsidy, s.personal) == (20000, 0)


def test_unset_contribution_states_the_share_only():
    s = subsidise(rule("a", "0.5"), None)
    assert (s.share, s.subsidy, s.personal) == (Fraction(1, 2), None, None)
    assert s.cite.rule == "R-a"


def test_choose_best_share_ties_to_first_listed_and_sum_capped():
    half, full1, full2 = rule("half", "0.5"), rule("full1", 1), rule("full2", 1)
    assert choose([half, full1, full2]).category == "full1"
    assert choose([full2, full1]).category == "full2"
    assert choose([]) is None
    summed = choose([half, rule("quarter", "0.25")], "sum_capped")
    assert summed.share == Fraction(3, 4) and summed.category == "half"
    assert choose([half, full1], "sum_capped").share == 1  # 150 % capped at the whole contribution
    with pytest.raises(ValueError):
        choose([half], "most")


def test_contribution_is_whole_fen_zero_or_more():
    from jiuzhu.model.errors import InputError

    # a negative contribution at 50 % gave a subsidy of −101 and a personal part of 0
    for bad in (-101, 100.5, "100", None.__class__, True):
        with pytest.raises(InputError, match="individual contribution"):
            subsidise(rule("a", "0.5"), bad)
    assert subsidise(rule("a", "0.5"), 0).subsidy == 0


def test_share_is_between_nothing_and_the_whole():
    for bad in ("-0.5", "1.01"):
        with pytest.raises(ValueError, match="share"):
            rule("a", bad)
