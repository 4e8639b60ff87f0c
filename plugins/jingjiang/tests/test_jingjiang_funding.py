"""Funding checks (第十条, 第十一条) worked out by hand from the seed's numbers."""

from __future__ import annotations

import datetime as dt
from fractions import Fraction

import pytest

from jiuzhu.kit.testing import make_engine
from jiuzhu_jingjiang.funding import payout_review, premium_on_time, premium_split, town_shares

YUAN = 100


def params(**overrides):
    eng = make_engine(parameters={"jingjiang": overrides} if overrides else None)
    return eng.parameter_set("jingjiang").at(dt.date(2019, 6, 1))


PREMIUM = 4_800_000 * YUAN  # 400 × 12000 insured


@pytest.mark.rule("JJ-FUND-4", "JJ-FUND-5", "JJ-DOC-19")
def test_premium_and_city_town_split():
    s = premium_split(params(), 12000)
    assert s.total == PREMIUM  # 400 × 12000 = 4,800,000
    assert s.city == 2_880_000 * YUAN  # 60%
    assert s.town == 1_920_000 * YUAN  # 40%
    assert s.city + s.town == s.total


@pytest.mark.rule("JJ-AMB-26")
def test_each_town_pays_on_its_own_count():
    # 1500 insured × 400 × 40% = 240,000
    assert town_shares(params(), {"新桥镇": 1500, "斜桥镇": 1000}) == {"新桥镇": 240_000 * YUAN, "斜桥镇": 160_000 * YUAN}


@pytest.mark.rule("JJ-FUND-8", "JJ-AMB-10")
def test_below_ninety_percent_is_reported_without_adjustment():
    r = payout_review(params(), PREMIUM, 4_080_000 * YUAN, "policy_adjustment", True)  # 85%
    assert r.ratio == Fraction(85, 100) and r.below_minimum and not r.adjust_next_year
    assert not payout_review(params(), PREMIUM, 4_320_000 * YUAN).below_minimum  # exactly 90%


@pytest.mark.rule("JJ-FUND-9", "JJ-FUND-11", "JJ-DOC-20")
def test_low_payout_adjusts_next_year_only_for_a_confirmed_cause():
    payout = 3_600_000 * YUAN  # 75%
    assert payout_review(params(), PREMIUM, payout, "policy_adjustment", True).adjust_low
    assert not payout_review(params(), PREMIUM, payout, "", True).adjust_next_year
    assert not payout_review(params(), PREMIUM, payout, "uncontrollable", False).adjust_next_year
    assert not payout_review(params(), PREMIUM, 3_840_000 * YUAN, "uncontrollable", True).adjust_low  # exactly 80%


@pytest.mark.rule("JJ-FUND-10", "JJ-AMB-9")
def test_high_payout_boundary_both_readings():
    exactly = 5_280_000 * YUAN  # 110%
    assert payout_review(params(), PREMIUM, exactly, "uncontrollable", True).adjust_high
    strict = params(amb_high_payout_boundary="strict")
    assert not payout_review(strict, PREMIUM, exactly, "uncontrollable", True).adjust_high
    above = 5_400_000 * YUAN  # 112.5%
    assert payout_review(strict, PREMIUM, above, "uncontrollable", True).adjust_high


@pytest.mark.rule("JJ-FUND-6")
def test_premium_is_paid_before_the_policy_year():
    assert premium_on_time(dt.date(2018, 12, 28), dt.date(2019, 1, 1))
    assert not premium_on_time(dt.date(2019, 1, 3), dt.date(2019, 1, 1))  # PREMIUM_LATE
    assert not premium_on_time(dt.date(2019, 1, 1), dt.date(2019, 1, 1))  # “前”: before, not on the day
