"""广安市 Guang'an City: region plugin for jiuzhu.

Source: 关于进一步加强和完善建档立卡贫困人口等特殊困难群众医保倾斜支付政策的通知 (广安人社发〔2017〕115号),
in force from 2018-01-01. The rule register is rules.toml; the numbers are in parameters.toml.

What it encodes: the target groups (一), premium subsidies (二（一）), the tilted payment (二（二）: the
registered poor's personal share held at 10%, +5 points on each critical-illness segment for the
dibao / extreme-poverty / low-income groups), the payment order per group (三（一）), treat first
pay later and one-stop settlement (三（二）（三）) and the referral gate (四). Guang'an is the parent of
Wusheng: its layers come first and a child layer with the same id replaces one of them.
"""

from __future__ import annotations

import datetime as dt
from fractions import Fraction


from jiuzhu import Eligibility, Plan, RegionInfo, ReferralVerdict, SignaturePlan, SlipPayer, SourceDocument, hookimpl
from jiuzhu.model.errors import InputError
from jiuzhu.model.money import pct, yuan
from jiuzhu.model.outcome import Deadline, DocumentNeed, Reason
from jiuzhu.rules.premiums import PremiumRule, PremiumSubsidy, choose, subsidise
from jiuzhu.model.vocab import CATEGORIES
from jiuzhu.rules.settle import Layer
from jiuzhu.rules.signature import resolve
from jiuzhu.model.outcome import Citation
from jiuzhu.model.region import Fund


INFO = RegionInfo(
    code="guangan",
    name_zh="广安市",
    name_en="Guang'an City",
    division="511600",
    reads_sex=False,  # no rule of the document depends on the person's sex
    # 「…倾斜支付政策、疾病应急救助、民政医疗救助、卫生扶贫救助基金等顺序报销支付」 (三（一）)
    funds=tuple(Fund(i, zh, en, Citation("广安市", "广安人社发〔2017〕115号", "三（一）", "GA-ORDER-1")) for i, zh, en in (
        ("guangan_tilt", "倾斜支付", "tilted payment"),
        ("emergency_relief", "疾病应急救助", "disease emergency relief"),
        ("medical_assistance", "民政医疗救助", "civil-affairs medical assistance"),
        ("health_poverty_fund", "卫生扶贫救助基金", "health poverty-alleviation fund"))),
    parent=None,
    level="city",
    date_basis="admission",  # 办理住院手续时审核身份 (GA-AMB-11): the admission date selects the rules
    # the tilt's segments continue from what the critical-illness insurance already counted (GA-PAY-5)
    reads_history=("critical_illness_counted",),
    documents=(
        SourceDocument(
            number="广安人社发〔2017〕115号",
            title="关于进一步加强和完善建档立卡贫困人口等特殊困难群众医保倾斜支付政策的通知",
            issuer="广安市人力资源和社会保障局等六部门",
            issued=dt.date.fromisoformat('2017-12-29'),
            effective_from=dt.date.fromisoformat('2018-01-01'),
            status="in force",
        ),
    ),
)

# The history key holding the compliant personal burden the critical-illness insurance already
# counted this year (A0 of GA-PAY-5): the +5 points run on the same yearly segments.
CII_COUNTED = "critical_illness_counted"
# The history key of what critical-illness insurance (with the tilt) paid this year in the person's earlier
# settlements (only read when the tilt shares the critical-illness annual cap, GA-AMB-6 B); this settlement's
# own critical-illness payment is the slip's, counted by the tilt layer itself (CII_PAID_LAYERS).
CII_PAID = "critical_illness"
# The layers whose amounts that programme counts: the slip's critical-illness insurance and the tilt however it
# was settled (computed, read from the slip, or the slip's part of it).
CII_PAID_LAYERS = ("critical_illness", "critical_illness_tilt", "tilted_payment_slip", "other_payers.tilted_payment")
LEVELS = ("primary", "county", "city", "provincial")


# =============================================================================================
# 一、倾斜支付对象


def _guangan_hukou(case, ctx) -> bool:
    """「具有本市户籍」: the hukou code, not the ID number's area code (GA-SCOPE-1, GA-ELIG-1)."""
    return case.person.hukou.startswith(ctx.params["hukou_prefix"])


def _residents_insured(case, ctx) -> bool:
    """「参加了城乡居民基本医疗保险」: employees' insurance does not qualify (GA-ELIG-1)."""
    return case.person.scheme in ctx.params["insurance_schemes"]


def hardship_groups(case, ctx) -> tuple[str, ...]:
    """The §一 categories the person holds, as certified by the departments (GA-ELIG-2, GA-ELIG-3)."""
    return tuple(c for c in case.person.categories if c in ctx.params["target_groups"])


def is_registered_poor(groups) -> bool:
    """「建档立卡贫困人口」: the 10% group (GA-ELIG-4)."""
    return "registered_poor" in groups


def in_plus5_group(groups, ctx) -> bool:
    """「低保对象、特困供养人员、低收入重度残疾人等困难群众（含低收入老年人、未成年人、重病患者）」 (GA-ELIG-5).

    The listed reading (GA-AMB-7 A) leaves out 重点优扶对象 and severely disabled persons who are not
    low-income; the other reading widens 「等」 to every §一 category."""
    if ctx.params["plus5_group"] == "all_categories":
        return bool(groups)
    # low-income severely disabled persons hold low_income, which is itself listed
    return any(g in ("dibao", "extreme_poverty", "low_income") for g in groups)


def _special_hardship(case, ctx) -> Eligibility:
    """GA-ELIG-1: Guang'an hukou, residents' insurance and a certified §一 status; and the notice in force."""
    groups = hardship_groups(case, ctx)
    reasons = []
    hukou = _guangan_hukou(case, ctx)
    reasons.append(ctx.reason("具有本市户籍" if hukou else "非本市户籍",
                              "Guang'an household registration" if hukou else "no Guang'an household registration",
                              "一", "GA-SCOPE-1"))
    insured = _residents_insured(case, ctx)
    reasons.append(ctx.reason("参加城乡居民基本医疗保险" if insured else "未参加城乡居民基本医疗保险（职工医保等不适用）",
                              "enrolled in residents' basic medical insurance" if insured
                              else "not enrolled in residents' basic medical insurance",
                              "一", "GA-ELIG-1"))
    reasons.append(ctx.reason("特殊困难群众身份：" + ("、".join(CATEGORIES.get(g, g) for g in groups) if groups else "无"),
                              "hardship status: " + (", ".join(groups) if groups else "none"), "一", "GA-ELIG-2"))
    ok = hukou and insured and bool(groups)
    if ctx.params.has("policy_valid_to") and ctx.day > ctx.params["policy_valid_to"]:
        # 「若中省文件有新的规定，则及时作相应调整」: a deployment records when a later rule replaced this one
        end = ctx.params["policy_valid_to"]
        reasons.append(Reason(f"本通知已按新规定调整，{end.isoformat()}后不再执行",
                              f"replaced by a later rule; not applied after {end.isoformat()}",
                              ctx.params.cite("policy_valid_to")))
        ok = False
    elif ctx.day >= ctx.params["validity_unconfirmed_from"]:
        reasons.append(ctx.reason("提示：本通知有效性待确认（此后中省市文件可能已作调整），结果需核对",
                                  "note: the notice's validity on this date is unconfirmed (later rules may apply)",
                                  "六", "GA-AMB-13"))
    return Eligibility(ok, groups if ok else (), tuple(reasons))


# =============================================================================================
# 二（二）、四：where the tilted payment applies


def in_county(case, ctx) -> bool:
    """「县域内」: the county where the patient is registered (GA-AMB-8 A), or the whole city (B)."""
    if ctx.params["in_county_area"] == "city":
        return case.facility.location.startswith(ctx.params["hukou_prefix"])
    return ctx.scope(case) == "in_county"


def in_city(case, ctx) -> bool:
    """A facility in Guang'an City: the one-stop window of 三（三） and its 「结清个人承担的费用」 are the city's."""
    return case.facility.location.startswith(ctx.params["hukou_prefix"])


def is_chronic_maintenance(case, ctx) -> bool:
    """「慢性病门诊维持治疗」: the insurance's chronic/special-disease outpatient scheme (GA-AMB-19 A)."""
    kinds = ("special_outpatient",) if ctx.params["chronic_outpatient_scope"] == "special_outpatient" \
        else ("special_outpatient", "outpatient")
    return case.episode.kind in kinds


def _level(step, case) -> str:
    return step.to_level or (case.facility.level if step.to == case.facility.name else "")


def ladder(case, ctx) -> tuple[str, ...]:
    """The administrative tiers a referral climbs (逐级转诊). §四 defines neither the tiers nor the
    institution lists (GA-REF-1: deployment data): by default primary → county → city → provincial; in a
    division listed in ``districts_without_county_tier`` (a 市辖区 whose next tier above the community health
    centre is the city hospital standing in the district) the county tier is not on the ladder."""
    if case.facility.location[:6] in districts_without_county_tier(ctx):
        return tuple(l for l in LEVELS if l != "county")
    return LEVELS


def districts_without_county_tier(ctx) -> tuple[str, ...]:
    """The listed divisions, each a six-digit division code as text ("511602"): an integer or a prefix would
    never equal the facility's division, and the 越级 refusal would stand silently."""
    listed = ctx.params["districts_without_county_tier"]
    for v in listed:
        if not (isinstance(v, str) and len(v) == 6 and v.isascii() and v.isdigit()):
            raise InputError("parameters.guangan.districts_without_county_tier", v,
                             'expected six-digit division codes as quoted text, e.g. ["511602"]')
    return tuple(listed)


def step_filed(step, ctx) -> tuple[bool, str]:
    """「履行转诊转院手续按规定备案」: (filed, what is missing). A ``filing`` action always counts. Under
    ``filing_evidence = referral_block_and_report`` the county's own procedure counts too (under
    ``referral_block`` the opinion alone, for a county that asks no 报备 of it): the treating
    facility's signed and sealed referral opinion (Wusheng 附件1 诊疗机构转诊审核意见; for out-of-county care
    the county hospital's appraisal and referral slip) as 转诊转院手续, and the report to the township (报备)
    as 备案."""
    if step.has("filing"):
        return True, ""
    block = (step.has("signature", "facility_leader") and (step.has("seal") or step.has("signature", "referring_facility"))) \
        or (step.has("appraisal") and step.has("referral_slip"))
    report = step.has("notification")
    if ctx.params["filing_evidence"] == "referral_block":
        # a county whose own procedure asks no report of an in-county referral (Wusheng WS-AMB-15 B: the
        # 报备 is for the record only): the signed and sealed opinion, kept on file, is the filed referral
        if block:
            return True, ""
        return False, "未见转诊转院手续（签字盖章的转诊意见或转诊单），亦无备案记录"
    if ctx.params["filing_evidence"] == "referral_block_and_report":
        if block and report:
            return True, ""
        missing = "、".join(w for w, ok in (("转诊转院手续（签字盖章的转诊意见或转诊单）", block), ("报备", report)) if not ok)
        return False, f"未见{missing}，亦无备案记录"
    if block or report:
        return False, "未见备案记录；已有的转诊意见或报备按本部署不视为备案（filing_evidence = filing_record）"
    return False, "未见转诊转院手续及备案记录"


def sent(step) -> bool:
    """The person was sent, not self-directed: an authority approved or referred the first contact (a
    township's designation, a referral slip) — 「拒不执行」 does not describe such a person."""
    return step.kind in ("referral", "transfer") or step.has("approval") or step.has("referral_slip")


def referral_problems(case, ctx) -> list[Reason]:
    """「应严格遵循基层首诊、逐级转诊、双向转诊原则。对拒不执行基层首诊、逐级转诊或未履行转诊转院手续按规定备案
    发生的医疗费用，不得享受医保倾斜支付政策」 (GA-REF-1, GA-REF-2, GA-REF-3).

    ``first_contact_refusal``: any departure from first contact or stepwise referral loses the tilt (A,
    GA-AMB-10), or only a refusal does (``refusal_only``): a person the township or a facility sent has not
    refused. Down and lateral transfers (双向转诊) climb nothing; every referral or transfer must be filed."""
    ep = case.episode
    if ep.emergency and ctx.params["referral_emergency_exempt"] == "emergency_exempt":
        return []
    refusal_only = ctx.params["first_contact_refusal"] == "refusal_only"
    tiers = ladder(case, ctx)
    one_level = ctx.params["stepwise_rule"] == "one_level"

    def tier(level):
        return tiers.index(level) if level in tiers else tiers.index("city")  # a county level in a district

    problems = []
    steps = ep.path
    if not steps:
        if case.facility.level != "primary":
            problems.append(ctx.reason("未经基层首诊直接到上级医疗机构就诊",
                                       "no first contact at a primary facility", "四", "GA-REF-2"))
        return problems
    first = steps[0]
    if first.kind == "self" or _level(first, case) != "primary":
        if refusal_only and first.kind != "self" and sent(first):
            pass  # sent to a higher facility (e.g. the township's designation): not a refusal
        else:
            problems.append(ctx.reason("未执行基层首诊", "first contact was not at a primary facility", "四", "GA-REF-2"))
    prev = _level(first, case) or "primary"
    for step in steps[1:]:
        level = _level(step, case) or prev
        if step.kind == "self":
            problems.append(ctx.reason("自行转往上级医疗机构，未履行转诊手续", "went up without a referral",
                                       "四", "GA-REF-2"))
        elif one_level and tier(level) > tier(prev) + 1 and not refusal_only:
            problems.append(ctx.reason(f"越级转诊至{step.to}，未逐级转诊", "skipped a tier of care", "四", "GA-REF-2"))
        if step.kind in ("referral", "transfer"):
            filed, missing = step_filed(step, ctx)
            if not filed:
                problems.append(ctx.reason(f"转至{step.to}的转诊转院手续未按规定备案：{missing}",
                                           f"referral or transfer to {step.to} not filed", "四", "GA-REF-2"))
        prev = level
    if tier(case.facility.level) > tier(prev):
        problems.append(ctx.reason("未履行转诊转院手续", "no referral to the treating facility", "四", "GA-REF-2"))
    return problems


def suspended(case, ctx) -> bool:
    """「相关部门对医疗机构上报情况进行调查核实，情况属实暂停享受待遇」 (GA-ID-3): a status ``benefits_suspended`` held
    on the day the rules are chosen by. Reading GA-AMB-14 A: the certified person's tilt and treat-first-pay-later
    stop until a department lifts it (``to``); the premium subsidy is not this clause's (二（一）)."""
    return case.person.holds("benefits_suspended", ctx.day)


def _designated(case) -> bool:
    return "insurance" in case.facility.designations


# =============================================================================================
# 二（二）、三（一）：the layers


def _tilt_segments(case, ctx) -> tuple[tuple[int, int | None, Fraction], ...]:
    """「在现有大病保险分段报销比例基础上相应提高5个百分点」: each segment's rate + 5 points (additive,
    never above 100%: GA-PAY-6), threshold unchanged, on the same yearly running total as the
    critical-illness insurance (GA-PAY-5). Shifted by what the year already counted (A0)."""
    table = ctx.params["critical_illness_segments"]
    plus = ctx.params["critical_illness_plus"]
    if ctx.params["tilt_segments"] == "flat_above_threshold":  # GA-AMB-5 B
        raw = ((table[0][0], None, plus),)
    else:
        raw = tuple((lo, hi, min(plus, 1 - r)) for lo, hi, r in table)
    counted = case.history.used(CII_COUNTED)
    shifted = []
    for lo, hi, r in raw:
        if r <= 0 or (hi is not None and hi <= counted):
            continue
        shifted.append((max(0, lo - counted), None if hi is None else hi - counted, r))
    return tuple(shifted)


def critical_illness_tilt(case, ctx) -> Layer:
    """+5 points for the dibao / extreme-poverty / low-income groups, on 「县域内、政策范围内住院医疗费用，经基本
    医疗保险报销后，个人负担的合规医疗费用」 = in-scope cost − basic insurance (GA-PAY-3, GA-PAY-4, GA-PAY-5)."""
    cap, program, shares = None, "", ()
    if ctx.params["tilt_respects_cii_cap"] == "within_cii_cap":  # GA-AMB-6 B
        # 「在现有大病保险分段报销比例基础上相应提高5个百分点」(二（二）): under reading B the +5 points are the
        # critical-illness insurance's own segment rates raised, so the insurance pays r + 5 points on the stay and
        # its annual cap bounds the whole of it: what the slip's insurance pays on this very stay (r), settled
        # before the tilt (「…大病保险、倾斜支付政策…顺序报销支付」, 三（一）), uses up the cap as the earlier
        # stays' payments do, and the tilt gets only what is left.
        cap, program, shares = ctx.params["critical_illness_annual_cap"], CII_PAID, CII_PAID_LAYERS
    return Layer("critical_illness_tilt", "倾斜支付（大病保险分段比例提高5个百分点）",
                 "tilted payment (+5 points on critical-illness segments)", payer="guangan_tilt",
                 base=(("in_scope", 1), ("basic_paid", -1)), segments=_tilt_segments(case, ctx),
                 annual_cap=cap, program=program, shares_cap_with=shares, cite=ctx.cite("二（二）", "GA-PAY-5"),
                 # a tilt the slip already shows (tilt_source = computed) counts toward this one, never twice
                 less=f"other.{TILT_KIND}",
                 note_zh="合规个人负担按现行大病保险分段比例各提高5个百分点（减去结算单已列倾斜支付）")


TILT_KIND = "tilted_payment"  # the slip's other payer kind for 倾斜支付 (vocab.OTHER_PAYER_KINDS)


def tilt_from_slip(ctx) -> Layer:
    """「实现基本医疗保险、大病保险、倾斜支付政策、医疗救助等即时结算」(三（三）): where the deployment says the
    one-stop window paid the tilt (``tilt_source = "slip"``), it is the slip's figure, read once in its place
    after critical-illness insurance, and jiuzhu computes none: the relief fund acts on what the slip left."""
    return Layer("tilted_payment_slip", "倾斜支付（一站式结算，取自结算单）", "tilted payment (settled one-stop, from the slip)",
                 payer="guangan_tilt", given=f"other.{TILT_KIND}", cite=ctx.cite("三（三）", "GA-FLOW-4"))


def _cap_terms(ctx, earlier: tuple[str, ...] = ()) -> tuple[tuple[str, Fraction], ...]:
    """What is still above 10%: 「个人承担比例控制在10%」 as a ceiling (GA-AMB-2 A).

    Over the total cost (GA-AMB-1 A): burden − 10% × total. Over the in-scope cost (B): the in-scope
    residual after the payers so far − 10% × in-scope; out-of-scope items stay with the patient."""
    c = ctx.params["personal_share_cap"]
    if ctx.params["cap_base"] == "total":
        return (("burden", Fraction(1)), ("total", -c))
    return (("in_scope", 1 - c), ("basic_paid", Fraction(-1)), ("critical_paid", Fraction(-1)),
            ("layer.critical_illness_tilt", Fraction(-1)), ("layer.tilted_payment_slip", Fraction(-1)),
            (f"layer.other_payers.{TILT_KIND}", Fraction(-1)),
            *((f"layer.{i}", Fraction(-1)) for i in earlier))


def tilted_payment_poor(ctx) -> Layer:
    """Registered poor: the tilted payment brings the personal share down to 10% (GA-PAY-2, GA-AMB-3 A)."""
    return Layer("tilted_payment_poor", "倾斜支付（建档立卡贫困人口个人承担控制在10%）",
                 "tilted payment (registered poor: personal share held at 10%)", payer="guangan_tilt",
                 base=_cap_terms(ctx), cite=ctx.cite("二（二）", "GA-PAY-2"),
                 note_zh="个人承担超过10%的部分由倾斜支付承担")


def emergency_relief(ctx) -> Layer:
    """P4 疾病应急救助: in the chain (三（一）) but paid under its own rules, which this notice does not give;
    a deployment or child region replaces this layer by its id."""
    return Layer("emergency_relief", "疾病应急救助", "disease emergency relief", payer="emergency_relief",
                 rate=0, cite=ctx.cite("三（一）", "GA-ORDER-1"), note_zh="按疾病应急救助制度另行结算，本通知未规定")


def health_poverty_fund(ctx) -> Layer:
    """P6 卫生扶贫救助基金: its own rules are not in this notice (rate 0), except under the backstop
    reading of GA-AMB-3 (B), where it pays what still exceeds 10% after medical assistance."""
    if ctx.params["cap_attribution"] == "final_backstop":
        return Layer("health_poverty_fund", "卫生扶贫救助基金（兜底至个人承担10%）",
                     "health poverty fund (backstop to 10%)", payer="health_poverty_fund",
                     base=_cap_terms(ctx, ("emergency_relief", "medical_assistance_slip")),
                     cite=ctx.cite("三（一）", "GA-AMB-3"))
    return Layer("health_poverty_fund", "卫生扶贫救助基金", "health poverty-alleviation fund",
                 payer="health_poverty_fund", rate=0, cite=ctx.cite("三（一）", "GA-ORDER-1"),
                 note_zh="按卫生扶贫救助基金规定另行结算，本通知未规定")


def medical_assistance(ctx) -> Layer:
    """P5 民政医疗救助: settled one-stop (三（三）), taken from the slip."""
    return Layer.from_slip("assistance_paid", ctx.cite("三（一）", "GA-ORDER-3"))


def benefit_groups(case, ctx, groups) -> tuple[bool, bool]:
    """(10% cap applies, +5 points apply) for an eligible person on a compliant in-county path."""
    ep = case.episode
    cap = is_registered_poor(groups) and (ep.kind == "inpatient" or is_chronic_maintenance(case, ctx))
    plus5 = in_plus5_group(groups, ctx) and ep.kind == "inpatient"
    if cap and plus5 and ctx.params["multi_group_benefits"] == "cap_only":  # GA-AMB-9 B
        plus5 = False
    return cap, plus5


# =============================================================================================
# 二（一）：premium subsidies


def _premium_rules(case, ctx) -> dict[str, PremiumRule]:
    """Each category's share, payer and funding, in the order 二（一） lists them (ties, GA-PREM-9)."""
    full, half = ctx.params["premium_share_full"], ctx.params["premium_share_urban_dibao"]
    county_finance = "区（市、县）财政部门"
    park_finance = "区市县、园区财政部门"
    assistance_fund = "医疗救助资金"
    said = "二（一）"

    def rule(cat, share, payer, funding, rule_id, zh, en):
        return PremiumRule(cat, share, ctx.reason(zh, en, said, rule_id), payer, funding)

    rules = [
        rule("registered_poor", full, county_finance, "区（市、县）财政公共预算（省级财政补助）", "GA-PREM-2",
             "对建档立卡贫困人口参加城乡居民基本医疗保险给予全额资助参保", "registered poor: premium in full"),
        rule("extreme_poverty", full, park_finance, assistance_fund, "GA-PREM-3",
             "对特困人员……参加城乡居民基本医疗保险给予全额资助", "extreme poverty: premium in full"),
        rule("dibao_rural", full, park_finance, assistance_fund, "GA-PREM-4",
             "对……农村最低生活保障对象……参加城乡居民基本医疗保险给予全额资助", "rural dibao: premium in full"),
        rule("priority_care", full, park_finance, assistance_fund, "GA-PREM-5",
             "对……重点优扶对象参加城乡居民基本医疗保险给予全额资助", "priority-care recipients: premium in full"),
        rule("dibao_urban", half, park_finance, assistance_fund, "GA-PREM-6",
             "对城市最低生活保障对象由政府按年度个人缴费标准的50%给予资助", "urban dibao: 50% of the premium"),
        rule("severe_disability", full, "残疾人联合会", "按有关规定", "GA-PREM-7",
             "重度残疾人给予全额资助参保", "severe disability: premium in full"),
        # 「低收入人群…参加城乡居民基本医疗保险按现有政策规定执行」: nothing new here
        rule("low_income", Fraction(0), "按现有政策规定", "按现有政策规定", "GA-PREM-8",
             "低收入人群……参加城乡居民基本医疗保险按现有政策规定执行", "low income: existing rules apply"),
    ]
    return {r.category: r for r in rules}


def premium_subsidy(case, ctx, groups) -> PremiumSubsidy | None:
    """「全额资助」/「按年度个人缴费标准的50%给予资助」 for the categories of 二（一）."""
    rules = _premium_rules(case, ctx)
    combine = "sum_capped" if ctx.params["premium_multi_status"] == "sum_capped" else "best"  # GA-AMB-9 B

    def pick(area):
        held = [("dibao_urban" if area == "urban" else "dibao_rural") if c == "dibao" else c for c in groups]
        return choose([r for c, r in rules.items() if c in held], combine)

    rule = pick(case.person.area)
    if "dibao" in groups and "person.area" in case.defaulted:
        # 城市低保 50 %, 农村低保 100 %: never assumed where urban/rural moves money — the share, or who pays from
        # which fund (GA-PREM-4/6). Another category that settles both the same way (e.g. 特困, full share from
        # the same fund) makes the area immaterial.
        urban, rural = pick("urban"), pick("rural")
        if (urban.share, urban.payer, urban.funding) != (rural.share, rural.payer, rural.funding):
            raise InputError("person.area", None, "required for a dibao person under Guang'an: \"urban\" "
                             "(城市低保, premium subsidy 50%) or \"rural\" (农村低保, 100%) (广安人社发〔2017〕115号 二（一）)")
    if rule is None:
        return None
    premium = ctx.params["individual_premium"] if ctx.params.has("individual_premium") else None
    return subsidise(rule, premium)


# =============================================================================================
# hooks


@hookimpl
def jiuzhu_region():
    return INFO


@hookimpl
def jiuzhu_eligibility(case, ctx):
    return _special_hardship(case, ctx)


@hookimpl
def jiuzhu_referral(case, ctx, eligibility):
    """Covered = the episode can receive the tilted payment: eligible, in-county, designated, compliant path."""
    districts_without_county_tier(ctx)  # a malformed list is an error for every case, not only a 越级 one
    if not eligibility.eligible:
        return ReferralVerdict("not_covered", (ctx.reason("非倾斜支付对象", "not a tilted-payment target",
                                                           "一", "GA-ELIG-1"),))
    reasons = []
    if suspended(case, ctx):
        reasons.append(ctx.reason("经调查核实情况属实，暂停享受待遇期间不享受倾斜支付", "benefits suspended after a "
                                  "confirmed impersonation: no tilted payment while the suspension lasts", "五（二）", "GA-ID-3"))
    problems = referral_problems(case, ctx)
    if not in_county(case, ctx):
        reasons.append(ctx.reason("县域外就医，不享受倾斜支付", "care outside the county: no tilted payment",
                                  "二（二）", "GA-PAY-7"))
    if not _designated(case):
        reasons.append(ctx.reason("非医保定点医疗机构", "not an insurance-designated facility", "三（三）", "GA-PAY-7"))
    if problems and not in_county(case, ctx):
        # out-of-county care gets no tilt whatever the path: the path findings below cannot change the result
        reasons.append(ctx.reason("以下基层首诊、逐级转诊问题不影响结果（县域外就医本不享受倾斜支付）",
                                  "the referral findings below cannot change the result (no tilt outside the county anyway)",
                                  "二（二）", "GA-PAY-7"))
    reasons += problems
    if problems:
        reasons.append(ctx.reason("后果：本次发生的医疗费用不得享受医保倾斜支付政策（个人承担控制在10%、大病保险分段比例提高5个百分点均不适用）",
                                  "consequence: this episode's costs get no tilted payment (neither the 10% cap nor the "
                                  "+5 points)", "四", "GA-REF-2"))
    deadlines = ()
    if _designated(case) and in_city(case, ctx):
        # 「诊疗结束后须结清个人承担的费用」 at the one-stop window of a designated facility in the city (not for
        # care outside it); void when the composed settlement leaves the person nothing (personal_share)
        due = case.episode.discharged or case.episode.admitted
        deadlines = (Deadline("诊疗结束后结清个人承担的费用", "settle the personal share when care ends",
                              who="patient", to=case.facility.name, due=due, rule_zh="出院（诊疗结束）当日",
                              cite=ctx.cite("三（三）", "GA-FLOW-5"), personal_share=True),)
    if reasons:
        return ReferralVerdict("not_covered", tuple(reasons), deadlines)
    return ReferralVerdict("covered", (ctx.reason("县域内定点医疗机构，遵循基层首诊、逐级转诊",
                                                  "in-county designated facility on a compliant referral path",
                                                  "四", "GA-REF-1"),), deadlines)


@hookimpl
def jiuzhu_signature(case, ctx):
    rank, role, name, passed = resolve(case.person)
    return SignaturePlan(role, name, rank, case.episode.decision, passed,
                         reasons=(ctx.reason("签订“先诊疗后付费”协议", "signs the treat-first-pay-later agreement",
                                             "三（二）", "GA-FLOW-3"),))


@hookimpl
def jiuzhu_reimbursement(case, ctx, eligibility, referral):
    """三（一）: basic insurance → critical illness → tilted payment → (emergency relief) → medical assistance
    → (health poverty fund); the first two come from the slip. No tilt off the compliant in-county path."""
    if referral.kind != "covered" or not in_county(case, ctx):
        # out of the county no path earns the tilt (GA-PAY-7 (a)): nothing to say "not paid" about
        return Plan((medical_assistance(ctx),))
    cap, plus5 = benefit_groups(case, ctx, eligibility.groups)
    layers = []
    from_slip = ctx.params["tilt_source"] == "slip"
    if from_slip and (plus5 or (cap and ctx.params["cap_attribution"] == "tilt_step")):
        layers.append(tilt_from_slip(ctx))  # P3 as the window settled it (GA-FLOW-4)
    elif plus5:
        layers.append(critical_illness_tilt(case, ctx))
    if cap:  # GA-ORDER-1 (and GA-ORDER-4 for chronic outpatient or both groups)
        if ctx.params["cap_attribution"] == "tilt_step" and not from_slip:
            layers.append(tilted_payment_poor(ctx))
        layers += [emergency_relief(ctx), medical_assistance(ctx), health_poverty_fund(ctx)]
    else:  # GA-ORDER-2
        layers.append(medical_assistance(ctx))
    return Plan(tuple(layers))


@hookimpl
def jiuzhu_payer_order(ctx) -> tuple[SlipPayer, ...]:
    """「按城乡居民基本医疗保险、大病保险、倾斜支付政策、疾病应急救助、民政医疗救助、卫生扶贫救助基金等顺序报销支付」
    (三（一）): what the slip shows from disease emergency relief stands after the tilted payment, right before
    medical assistance; what it shows from the health poverty fund comes last, after medical assistance. Other
    kinds are not placed by the notice and stand before the region's layers."""
    cite = ctx.cite("三（一）", "GA-ORDER-1")
    return (SlipPayer("emergency_relief", before=("medical_assistance_slip",), cite=cite),
            SlipPayer("health_poverty_fund", ("health_poverty_fund", "medical_assistance_slip"), cite))


def tfpl_applies(case, ctx, eligibility, referral) -> bool:
    """「全面实施县域内定点公立医疗机构先诊疗后付费」 for every special-hardship person (GA-FLOW-1, GA-AMB-21 A)."""
    f = case.facility
    ok = (eligibility.eligible and case.episode.kind == "inpatient" and in_county(case, ctx)
          and _designated(case) and f.ownership == "public" and not suspended(case, ctx))
    if ok and ctx.params["tfpl_scope"] == "tilt_groups_compliant":  # GA-AMB-21 B
        ok = referral.kind == "covered" and any(benefit_groups(case, ctx, eligibility.groups))
    return ok


@hookimpl
def jiuzhu_documents(case, ctx, outcome):
    # The documents hook runs for every region of the chain: judge Guang'an's own eligibility again.
    if ctx.day < INFO.document.effective_from:
        return []
    el = _special_hardship(case, ctx)
    if not el.eligible:
        return []
    ref = jiuzhu_referral(case, ctx, el)
    p = case.person
    docs = []
    ps = premium_subsidy(case, ctx, el.groups)
    if ps is not None:
        docs.append(DocumentNeed(
            "premium_subsidy", "特殊困难群众参加城乡居民基本医疗保险资助代缴记录",
            "premium subsidy record (residents' basic medical insurance)", who=ps.payer,
            due=None,  # 二（一） gives no date: the record is for the coverage year (a period), not a deadline
            data={"name": p.name, "id_number": p.id_number, "hukou": p.hukou, "category": ps.category,
                  "coverage_year": case.episode.admitted.year, "period": f"{case.episode.admitted.year}年度",
                  "share": pct(ps.share),
                  "individual_premium": None if ps.premium is None else yuan(ps.premium),
                  "subsidy": None if ps.subsidy is None else yuan(ps.subsidy),
                  "personal_due": None if ps.personal is None else yuan(ps.personal),
                  "payer": ps.payer, "funding_source": ps.funding},
            cite=ps.cite))
    if tfpl_applies(case, ctx, el, ref):
        docs.append(DocumentNeed(
            "tfpl_agreement", "“先诊疗后付费”协议", "treat-first-pay-later agreement", who="patient",
            due=case.episode.admitted,
            data={"name": p.name, "id_number": p.id_number, "categories": list(el.groups),
                  "facility": case.facility.name, "admitted": case.episode.admitted.isoformat(),
                  "identity_documents": ["社会保障卡", "居民身份证", "救助身份相关证明"], "deposit": "0.00"},
            cite=ctx.cite("三（二）", "GA-FLOW-3")))
    if _designated(case) and in_city(case, ctx):  # the one-stop window is the city's (三（三）), not an outside hospital's
        s = outcome.settlement
        docs.append(DocumentNeed(
            "one_stop_settlement", "“一站式”即时结算单", "one-stop settlement statement", who="facility",
            due=case.episode.discharged or case.episode.admitted,
            data={"name": p.name, "id_number": p.id_number, "facility": case.facility.name,
                  "total": yuan(s.total),
                  "payers": [{"id": l.id, "name": l.name_zh, "amount": yuan(l.amount)} for l in s.layers],
                  "receivables": {l.id: yuan(l.amount) for l in s.layers if l.amount},
                  "personal_share": yuan(s.burden)},
            cite=ctx.cite("三（三）", "GA-FLOW-4")))
    return docs


# -- programmes the annual caps count in ------------------------------------------------------

@hookimpl
def jiuzhu_programs():
    """「个人负担的合规医疗费用在现有大病保险分段报销比例基础上相应提高5个百分点」(二（二）): the +5 points run on
    the year's running total of the compliant burden (GA-PAY-5), the base of the tilt layer; under
    GA-AMB-6 B the tilt also shares the critical-illness insurance's annual cap."""
    from jiuzhu.model.region import Program
    cite = INFO.cite("二（二）", "GA-PAY-5")
    return [
        # A0 of GA-PAY-5: what critical-illness insurance counted on every stay of the year (in or out of the
        # county, tilt paid or not): K = in-scope cost − basic insurance (GA-PAY-4), from each settlement's slip
        Program(CII_COUNTED, "大病保险年度累计合规个人负担", "compliant burden counted by critical-illness insurance this year",
                (), measure="bill", columns=(("in_scope", 1), ("basic_paid", -1)), cite=cite,
                # the tilt's segments start where this total stands (_tilt_segments): nothing else reads it
                segmented=("critical_illness_tilt",)),
        Program(CII_PAID, "大病保险年度支付（含倾斜支付）", "critical-illness insurance paid this year (with the tilt)",
                # the tilt however it was settled: computed, read from the slip, or the slip's part of it
                CII_PAID_LAYERS,
                cite=INFO.cite("三（一）", "GA-AMB-6"),
                # the tilt shares the insurance's cap only under GA-AMB-6 B (critical_illness_tilt)
                cap=lambda ctx, case: ctx.params["critical_illness_annual_cap"]
                if ctx.params["tilt_respects_cii_cap"] == "within_cii_cap" else None),
    ]


# -- what the reader must know ----------------------------------------------------------------

def _cii_from_zero(case, ctx) -> int:
    """What the critical-illness table pays on this stay's compliant burden K if the year started with it
    (A0 = 0): the figure a slip shows when no earlier stay counted (GA-PAY-4, GA-PAY-5)."""
    from jiuzhu.rules.settle import _seg_amount
    k = max(0, case.bill.in_scope - case.bill.basic_paid)
    return _seg_amount(k, ctx.params["critical_illness_segments"])


@hookimpl
def jiuzhu_warnings(case, ctx, outcome):
    """The running total of the +5 points (GA-PAY-5 A0) and the tilt's source (三（三）, GA-FLOW-4)."""
    out = []
    from jiuzhu.model.outcome import OutcomeWarning
    ids = {l.id: l for l in outcome.settlement.layers}
    tilt = ids.get("critical_illness_tilt")
    if tilt is not None and CII_COUNTED not in case.history.ytd:
        earlier = case.history.admissions > 0
        implied = case.bill.critical_paid > _cii_from_zero(case, ctx)
        if earlier or implied:
            why_zh = (f"病例载明本年已有{case.history.admissions}次住院" if earlier else
                      f"结算单大病保险支付{yuan(case.bill.critical_paid)}元多于按本年首次住院计算的"
                      f"{yuan(_cii_from_zero(case, ctx))}元")
            why_en = (f"the case records {case.history.admissions} earlier admission(s) this year" if earlier else
                      f"the slip's critical-illness payment {yuan(case.bill.critical_paid)} exceeds the "
                      f"{yuan(_cii_from_zero(case, ctx))} a first stay of the year would get")
            out.append(OutcomeWarning(
                "running_total_missing",
                f"{why_zh}，但未给出大病保险本年已累计的合规个人负担（history.ytd.{CII_COUNTED}）：倾斜支付按本年从零起算，"
                "可能偏少；请提供该累计数，或通过结算台账（jiuzhu settle --db）结算",
                f"{why_en}, but no running total of the compliant burden critical-illness insurance already counted "
                f"(history.ytd.{CII_COUNTED}) is given: the tilt restarts the year from zero and may be too low; give "
                "the running total or settle against the ledger (jiuzhu settle --db)",
                f"history.ytd.{CII_COUNTED}", ctx.cite("二（二）", "GA-PAY-5")))
    if tilt is not None and tilt.annual_cap is not None and CII_PAID not in case.history.ytd:
        # GA-AMB-6 B: the shared cap counts what the earlier stays' insurance and tilt paid (history key
        # critical_illness). A year whose compliant burden already passed the threshold (A0 > D), or earlier
        # stays with no running total at all, paid something the case does not say: the tilt may be too high.
        counted = case.history.used(CII_COUNTED)
        threshold = ctx.params["critical_illness_segments"][0][0]
        if counted > threshold or (case.history.admissions > 0 and CII_COUNTED not in case.history.ytd):
            out.append(OutcomeWarning(
                "shared_cap_used_missing",
                f"倾斜支付与大病保险共用年度封顶线（tilt_respects_cii_cap = within_cii_cap），病例表明本年已有住院，但未给出本年"
                f"此前各次住院大病保险及倾斜支付已支付的金额（history.ytd.{CII_PAID}）：按0计，倾斜支付可能偏多；请提供该金额，"
                "或通过结算台账（jiuzhu settle --db）结算",
                "the tilt shares the critical-illness annual cap (tilt_respects_cii_cap = within_cii_cap) and the case shows "
                "earlier stays this year, but not what their critical-illness insurance and tilt paid "
                f"(history.ytd.{CII_PAID}): counted as 0, so the tilt may be too high; give that amount or settle "
                "against the ledger (jiuzhu settle --db)", f"history.ytd.{CII_PAID}", ctx.cite("三（一）", "GA-AMB-6")))
    on_slip = case.bill.other_by_kind().get(TILT_KIND, 0)
    if ctx.params["tilt_source"] == "slip" and "tilted_payment_slip" in ids and not on_slip:
        out.append(OutcomeWarning(
            "tilt_not_on_slip", "部署按“一站式”结算单读取倾斜支付（tilt_source = slip），但结算单未列倾斜支付：按0计，请核对",
            "the deployment reads the tilt from the one-stop slip (tilt_source = slip) but the slip shows none: "
            "counted as 0; check the slip", "bill.other_payers", ctx.cite("三（三）", "GA-FLOW-4")))
    if ctx.params["tilt_source"] == "computed" and on_slip:
        out.append(OutcomeWarning(
            "tilt_on_slip", f"结算单已列倾斜支付{yuan(on_slip)}元，而部署由本系统计算倾斜支付（tilt_source = computed）："
            "结算单金额计入本系统计算的倾斜支付，不重复计算；若一站式窗口已支付倾斜支付，请设 tilt_source = \"slip\"",
            f"the slip shows a tilted payment of {yuan(on_slip)} yuan while the deployment computes the tilt "
            "(tilt_source = computed): the slip's amount counts toward the computed tilt, never twice; if the "
            "one-stop window pays the tilt, set tilt_source = \"slip\"", "bill.other_payers",
            ctx.cite("三（三）", "GA-FLOW-4")))
    return out
