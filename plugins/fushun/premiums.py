"""资助参保参合 (§四(一)): premium subsidies for joining the residents' scheme or the rural cooperative scheme.

Premiums are not a settlement of a medical bill, so no hook asks for them; these helpers answer a
clerk's question for one person and one year's individual contribution (in fen). The contribution
itself is set by the scheme (an input), never by this document. The arithmetic is core's
(:mod:`jiuzhu.rules.premiums`); this module states which rule applies.
"""

from __future__ import annotations

from fractions import Fraction

from jiuzhu.model.errors import InputError, JiuzhuError
from jiuzhu.model.money import round_half_up
from jiuzhu.rules.premiums import PremiumRule, PremiumSubsidy, subsidise

RESIDENT_SCHEMES = ("residents", "ncms")  # 居民医保 / 新农合
SCHEMES = (*RESIDENT_SCHEMES, "employees")  # 职工医保: named only to say it is not subsidised (FS-PREM-7)
ARTICLE = "四（一）"
# 「资助参保参合所需资金继续由原有渠道解决」 (FS-PREM-4)
FUNDING = "原有渠道"


def may_move_to_residents_scheme(categories, was_employee: bool, stopped_unable_to_pay: bool, consent: bool) -> bool:
    """「对已参加城镇职工基本医疗保险的低保对象，因确实无力继续缴纳城镇职工基本医疗保险保费而停保的，经本人同意，
    可暂时参加居民医保或新农合」(§四(一), FS-PREM-5). Only 低保对象 are named (literal reading)."""
    return "dibao" in categories and was_employee and stopped_unable_to_pay and consent


def critical_illness_covered(ctx, categories, scheme: str) -> bool:
    """「参加居民医保和新农合的医疗救助对象全部纳入大病保险保障范围」 (FS-PREM-6)."""
    return bool(set(categories) & set(ctx.params["target_groups"])) and scheme in RESIDENT_SCHEMES


def premium_subsidy(ctx, categories, scheme: str, contribution: int, moved_from_employees: bool = False) -> PremiumSubsidy:
    """Subsidy of the individual contribution ``contribution`` (fen) for ``scheme``.

    * 低保对象、特困供养人员 in 居民医保 or 新农合: 「个人缴费部分给予全额资助」 (FS-PREM-1);
    * 低保边缘对象 in 居民医保: 「按居民医保规定的参保缴费标准执行」, nothing from this document (FS-PREM-2);
    * 低保边缘对象 in 新农合: 「资助标准是低保对象标准的60%」 (FS-PREM-3, FS-AMB-6);
    * the employees' scheme is not subsidised (FS-PREM-7).
    """
    if scheme not in SCHEMES:
        raise InputError("scheme", scheme, "expected " + ", ".join(SCHEMES))
    if type(contribution) is not int or contribution < 0:
        raise InputError("contribution", contribution, "expected the individual contribution in whole fen, 0 or more")
    p, cats = ctx.params, set(categories)
    full = cats & set(p["full_subsidy_groups"])
    category = sorted(full)[0] if full else ("near_dibao" if "near_dibao" in cats else "")
    extra = (ctx.reason("参加居民医保和新农合的医疗救助对象全部纳入大病保险保障范围",
                        "covered by critical illness insurance", ARTICLE, "FS-PREM-6"),) \
        if critical_illness_covered(ctx, categories, scheme) else ()

    def rule(share, zh, en, rule_id, basis=None):
        return subsidise(PremiumRule(category, Fraction(share), ctx.reason(zh, en, ARTICLE, rule_id),
                                     funding=FUNDING, basis=basis), contribution, extra)

    if scheme not in RESIDENT_SCHEMES:
        return rule(0, "本意见只资助居民医保、新农合的个人缴费，职工医保不予资助",
                    "only residents' and rural cooperative contributions are subsidised", "FS-PREM-7")
    if full:
        # the clause names 低保对象 only (FS-PREM-5); a 特困供养人员 is covered by FS-PREM-1 whatever their past scheme
        moved_dibao = moved_from_employees and "dibao" in cats and "extreme_poverty" not in full
        if moved_dibao and p["temporary_move_subsidy"] == "none":
            return rule(0, "职工医保停保后暂时参加居民医保/新农合，按部署读法不予资助（FS-AMB-9 读法B）",
                        "moved from the employees' scheme: no subsidy under the deployment's reading", "FS-AMB-9")
        # anyone else in the full groups is covered by FS-PREM-1
        return rule(p["premium_full_rate"], "低保对象、特困供养人员参保个人缴费部分全额资助",
                    "individual contribution fully subsidised", "FS-PREM-5" if moved_dibao else "FS-PREM-1")
    if "near_dibao" in cats and scheme == "residents":
        return rule(0, "低保边缘对象参加居民医保按居民医保规定的参保缴费标准执行，本意见不另行资助",
                    "near-dibao in the residents' scheme: the scheme's own contribution rules apply", "FS-PREM-2")
    if "near_dibao" in cats:
        if p["near_ncms_premium_basis"] == "dibao_line":
            basis, rule_id = p["dibao_line_premium_basis"], "FS-AMB-6"
        else:
            basis, rule_id = round_half_up(contribution * p["premium_full_rate"]), "FS-PREM-3"  # a dibao's subsidy
        return rule(p["near_ncms_premium_factor"], "低保边缘对象参加新农合资助标准是低保对象标准的60%",
                    "near-dibao in NCMS: 60% of the dibao subsidy", rule_id, basis)
    raise JiuzhuError("premium subsidy: the person is not a target of medical assistance")
