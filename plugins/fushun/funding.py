"""加大投入，加强资金管理 (§六(二)) and 强化责任追究 (§六(四)): checks an analyst runs over a year of outcomes.

Each check returns a :class:`Check` (pass / warn / fail with a cited reason). Amounts are fen.
"""

from __future__ import annotations

from fractions import Fraction

import attrs

from jiuzhu.model.money import pct
from jiuzhu.model.outcome import Reason


@attrs.frozen
class Check:
    status: str  # pass / warn / fail
    reason: Reason
    value: Fraction | None = None

    @property
    def ok(self) -> bool:
        return self.status == "pass"


def urban_split(ctx, city: int, county: int, premium_city: int = 0, premium_county: int = 0) -> Check:
    """「城市医疗救助所需资金由市、县（区）财政按7：3比例分担」 (FS-FUND-1). Premium subsidies stay on their
    原有渠道 and are left out (FS-AMB-24 reading A) unless the deployment includes them (reading B)."""
    p = ctx.params
    if p["split_scope"] == "including_premiums":
        city, county = city + premium_city, county + premium_county
    total = city + county
    share = Fraction(city, total) if total else Fraction(0)
    ok = total == 0 or abs(share - p["urban_city_share"]) <= p["split_tolerance"]
    return Check("pass" if ok else "fail",
                 ctx.reason(f"城市医疗救助资金市级分担{pct(share, 1)}，应为{pct(p['urban_city_share'])}",
                            f"city share of urban funding {pct(share, 1)}, expected {pct(p['urban_city_share'])}",
                            "六（二）", "FS-FUND-1"),
                 share)


def rural_funding(ctx, county_raised: int, city_subsidy: int) -> Check:
    """「农村医疗救助所需资金主要由县（区）筹集，市对困难县（区）适当补助」 (FS-FUND-2): no ratio is given,
    so 主要 is checked softly as the county raising at least what the city adds."""
    ok = county_raised >= city_subsidy
    return Check("pass" if ok else "warn",
                 ctx.reason("农村医疗救助资金主要由县（区）筹集", "rural funding raised mainly by the county",
                            "六（二）", "FS-FUND-2"))


SOURCES = {"city_budget": "市财政", "county_budget": "县（区）财政", "lottery_welfare_fund": "彩票公益金",
           "donation": "社会捐助"}  # FS-FUND-3: 「通过彩票公益金和社会各界捐助等渠道」


def disbursement(ctx, account: str, purpose: str, to_recipient: bool) -> Check:
    """「专项管理、分账核算、专款专用」 (FS-FUND-4) and 「全部用于救助对象的医疗救助支出，不得用于生活等非医疗方面的
    救助」 (FS-FUND-6)."""
    if account != "medical_assistance":
        return Check("fail", ctx.reason("医疗救助资金未在专账核算", "not booked on the medical-assistance account",
                                        "六（二）", "FS-FUND-4"))
    ok = purpose == "medical_assistance" and to_recipient
    return Check("pass" if ok else "fail",
                 ctx.reason("医疗救助资金只用于救助对象的医疗救助支出", "funds used only for recipients' medical assistance",
                            "六（二）", "FS-FUND-6"))


def balance(ctx, balance_at_year_end: int, raised_this_year: int, surplus_this_year: int | None = None) -> Check:
    """「每年资金累计结余一般应不超过当年筹集资金总额的15%」 (FS-FUND-7). Reading A (FS-AMB-22): the cumulative
    balance, a warning because of 一般应; reading B: the year's own surplus, a failure."""
    p = ctx.params
    hard = p["balance_reading"] == "annual_hard"
    numerator = surplus_this_year if hard and surplus_this_year is not None else balance_at_year_end
    ratio = Fraction(numerator, raised_this_year) if raised_this_year else Fraction(0)
    ok = ratio <= p["balance_ceiling"]
    return Check("pass" if ok else ("fail" if hard else "warn"),
                 ctx.reason(f"结余占当年筹集资金{pct(ratio, 1)}，一般应不超过{pct(p['balance_ceiling'])}",
                            f"balance is {pct(ratio, 1)} of funds raised; should not exceed {pct(p['balance_ceiling'])}",
                            "六（二）", "FS-FUND-7"), ratio)


def recovery(ctx, fraudulently_obtained: int) -> tuple[int, Reason]:
    """「除追回骗取的医疗救助金外」 (FS-SANC-2): the whole amount obtained by fraud is recovered."""
    return fraudulently_obtained, ctx.reason("追回骗取的医疗救助金", "recover the assistance obtained by fraud",
                                             "六（四）", "FS-SANC-2")


def sanctions(ctx, suspected_crime: bool = False, false_certificate: bool = False) -> tuple[Reason, ...]:
    """「涉嫌犯罪的，移送司法机关处理」 (FS-SANC-5); 「对出具虚假证明材料的单位和个人…还应将有关信息记入征信
    系统」 (FS-SANC-6)."""
    out = []
    if suspected_crime:
        out.append(ctx.reason("涉嫌犯罪，移送司法机关处理", "refer to the judicial organs", "六（四）", "FS-SANC-5"))
    if false_certificate:
        out.append(ctx.reason("出具虚假证明材料，依法处理并记入征信系统", "handle under the law and record in the "
                              "credit system", "六（四）", "FS-SANC-6"))
    return tuple(out)
