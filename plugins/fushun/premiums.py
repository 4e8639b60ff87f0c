"""资助参保参合 (§四(一)): premium subsidies for joining the residents' scheme or the rural cooperative scheme.

Premiums are not a settlement of a medical bill, so no hook asks for them; these helpers answer a
clerk's question for one person and one year's individual contribution (in fen). The contribution
itself is set by the scheme (an input), never by this document.
"""

from __future__ import annotations

import attrs

from jiuzhu.model.errors import JiuzhuError
from jiuzhu.model.money import round_half_up
from jiuzhu.model.outcome import Reason

RESIDENT_SCHEMES = ("residents", "ncms")  # 居民医保 / 新农合


@attrs.frozen
class PremiumSubsidy:
    subsidy: int  # fen paid by medical assistance
    personal: int  # fen the person pays
    reasons: tuple[Reason, ...]
    funding_channel: str = "原有渠道"  # 「资助参保参合所需资金继续由原有渠道解决」 (FS-PREM-4)
    critical_illness_covered: bool = False  # FS-PREM-6


def may_move_to_residents_scheme(categories, was_employee: bool, stopped_unable_to_pay: bool, consent: bool) -> bool:
    """「对已参加城镇职工基本医疗保险的低保对象，因确实无力继续缴纳城镇职工基本医疗保险保费而停保的，经本人同意，
    可暂时参加居民医保或新农合」(§四(一), FS-PREM-5). Only 低保对象 are named (literal reading)."""
    return "dibao" in categories and was_employee and stopped_unable_to_pay and consent


def premium_subsidy(ctx, categories, scheme: str, contribution: int, moved_from_employees: bool = False) -> PremiumSubsidy:
    """Subsidy of the individual contribution ``contribution`` (fen) for ``scheme``.

    * 低保对象、特困供养人员 in 居民医保 or 新农合: 「个人缴费部分给予全额资助」 (FS-PREM-1);
    * 低保边缘对象 in 居民医保: 「按居民医保规定的参保缴费标准执行」, nothing from this document (FS-PREM-2);
    * 低保边缘对象 in 新农合: 「资助标准是低保对象标准的60%」 (FS-PREM-3, FS-AMB-6);
    * the employees' scheme is not subsidised (FS-PREM-7).
    """
    p, cats = ctx.params, set(categories)
    full = bool(cats & set(p["full_subsidy_groups"]))
    cii = bool(cats & set(p["target_groups"])) and scheme in RESIDENT_SCHEMES
    cii_reason = (ctx.reason("参加居民医保和新农合的医疗救助对象全部纳入大病保险保障范围",
                             "covered by critical illness insurance", "四（一）", "FS-PREM-6"),) if cii else ()

    def out(subsidy, reason):
        subsidy = min(subsidy, contribution)
        return PremiumSubsidy(subsidy, contribution - subsidy, (reason, *cii_reason), critical_illness_covered=cii)

    if scheme not in RESIDENT_SCHEMES:
        return out(0, ctx.reason("本意见只资助居民医保、新农合的个人缴费，职工医保不予资助",
                                 "only residents' and rural cooperative contributions are subsidised", "四（一）",
                                 "FS-PREM-7"))
    if full:
        moved_dibao = moved_from_employees and "dibao" in cats  # the clause names 低保对象 only (FS-PREM-5)
        if moved_dibao and p["temporary_move_subsidy"] == "none":
            return out(0, ctx.reason("职工医保停保后暂时参加居民医保/新农合，按部署读法不予资助（FS-AMB-9 读法B）",
                                     "moved from the employees' scheme: no subsidy under the deployment's reading",
                                     "四（一）", "FS-AMB-9"))
        rule = "FS-PREM-5" if moved_dibao else "FS-PREM-1"  # anyone else in the full groups: FS-PREM-1
        return out(round_half_up(contribution * p["premium_full_rate"]),
                   ctx.reason("低保对象、特困供养人员参保个人缴费部分全额资助", "individual contribution fully subsidised",
                              "四（一）", rule))
    if "near_dibao" in cats and scheme == "residents":
        return out(0, ctx.reason("低保边缘对象参加居民医保按居民医保规定的参保缴费标准执行，本意见不另行资助",
                                 "near-dibao in the residents' scheme: the scheme's own contribution rules apply",
                                 "四（一）", "FS-PREM-2"))
    if "near_dibao" in cats:
        factor = p["near_ncms_premium_factor"]
        if p["near_ncms_premium_basis"] == "dibao_line":
            basis = p["dibao_line_premium_basis"]
            rule = "FS-AMB-6"
        else:
            basis = round_half_up(contribution * p["premium_full_rate"])  # what a dibao person gets
            rule = "FS-PREM-3"
        return out(round_half_up(basis * factor),
                   ctx.reason("低保边缘对象参加新农合资助标准是低保对象标准的60%",
                              "near-dibao in NCMS: 60% of the dibao subsidy", "四（一）", rule))
    raise JiuzhuError("premium subsidy: the person is not a target of medical assistance")
