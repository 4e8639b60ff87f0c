"""Funding checks for an analyst (第十条, 第十一条): premiums, their split and the payout review.

Not part of a case evaluation: these work on a policy year's totals. Amounts are integer fen and
every number comes from parameters.toml (``ctx.params`` or any :class:`jiuzhu.rules.params.Params`).
"""

from __future__ import annotations

import datetime as dt
from fractions import Fraction

import attrs

from jiuzhu.model.money import mul_round


@attrs.frozen
class PremiumSplit:
    """第十条 “按400元/人/年标准，由市财政承担60%、镇财政承担40%”."""

    insured: int
    total: int
    city: int
    town: int


def premium_split(params, insured: int) -> PremiumSplit:
    """The year's premium for ``insured`` recipients and who pays it. The town share is the
    remainder, so city + town always equals the premium (JJ-FUND-5)."""
    total = params["premium_per_person"] * insured
    city = mul_round(total, params["premium_city_share"])
    return PremiumSplit(insured, total, city, total - city)


def town_shares(params, insured_by_town: dict[str, int]) -> dict[str, int]:
    """JJ-AMB-26 A: each town pays its share on its own insured count."""
    return {town: mul_round(params["premium_per_person"] * n, params["premium_town_share"])
            for town, n in insured_by_town.items()}


@attrs.frozen
class PayoutReview:
    ratio: Fraction
    below_minimum: bool  # 第十一条 “不低于90%的保险费用用于参保对象的费用补偿”
    adjust_low: bool  # “赔付金额未达到年度保费的80%”
    adjust_high: bool  # “超过年度保费的10%（达到年度保费的110%以上）”

    @property
    def adjust_next_year(self) -> bool:
        return self.adjust_low or self.adjust_high


ADJUSTMENT_CAUSES = ("uncontrollable", "policy_adjustment")  # “因不可控或政策性调整因素”


def payout_review(params, premium: int, payout: int, cause: str = "", audit_confirmed: bool = False) -> PayoutReview:
    """第十一条: the 90% floor is reported (JJ-AMB-10: no money moves); the plan for the next year is
    adjusted only for an uncontrollable or policy cause, confirmed by the audit (第十二条)."""
    if premium <= 0:
        raise ValueError("premium: expected a positive amount")
    ratio = Fraction(payout, premium)
    triggered = cause in ADJUSTMENT_CAUSES and audit_confirmed
    high = 1 + params["high_payout_excess"]
    if params["amb_high_payout_boundary"] == "strict":
        over = ratio > high
    else:
        over = ratio >= high
    return PayoutReview(ratio, ratio < params["min_compensation_ratio"],
                        triggered and ratio < params["low_payout_trigger"], triggered and over)


def premium_on_time(paid_on: dt.date, policy_year_start: dt.date) -> bool:
    """第十条 “保单年度生效对应日期前统一拨付给保险公司专用帐户”: paid before the policy year starts.
    The start date is the agreement's (the seed fixes none), so it is an argument."""
    return paid_on < policy_year_start
