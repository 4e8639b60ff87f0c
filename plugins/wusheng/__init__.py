"""武胜县 Wusheng County: region plugin for jiuzhu.

Source: 武胜县特困人员就医救助管理工作方案（征求意见稿）. The plan adds no rate of its own: after basic
insurance, critical-illness insurance and medical assistance (Guang'an's rules, composed from the parent
region), the residual personal self-pay of a stay taken by the prescribed route is borne by the hardship
relief fund (困难群众救助补助资金). What Wusheng decides is the *route*: township approval, referral blocks,
appraisal for out-of-county care, emergencies, special diseases and special outpatient treatments.

The rule register is rules.toml; every number is in parameters.toml. How a case describes the route
(which actions on which path step) is documented in README.md.
"""

from __future__ import annotations

import datetime as dt

import attrs

from jiuzhu import Eligibility, Layer, Plan, ReferralVerdict, RegionInfo, SignaturePlan, SourceDocument, hookimpl
from jiuzhu.model import idcard
from jiuzhu.model.case import ROLES
from jiuzhu.model.money import yuan
from jiuzhu.model.outcome import Deadline, DocumentNeed, OutcomeWarning, Reason, UnknownDue
from jiuzhu.rules.settle import item_lines
from jiuzhu.rules.signature import walk
from jiuzhu.rules.workdays import day_of_month
from jiuzhu.model.outcome import Citation
from jiuzhu.model.region import Fund

DOC = "武胜县特困人员就医救助管理工作方案（征求意见稿）"

INFO = RegionInfo(
    code="wusheng",
    name_zh="武胜县",
    name_en="Wusheng County",
    division="511622",
    reads_sex=False,  # no rule of the document depends on the person's sex
    # 「救助资金来源在困难群众救助补助资金中统筹解决」 (三（四）)
    funds=(Fund("relief_fund", "困难群众救助补助资金", "hardship relief subsidy fund",
                Citation("武胜县", DOC, "三（四）", "WS-PAY-11")),),
    parent="guangan",
    level="county",
    documents=(
        SourceDocument(
            number=DOC,
            title=DOC,
            issuer="武胜县（县民政局牵头）",
            issued=None,
            effective_from=None,  # 「此方案从印发之日起实施」: the deployment sets effective_date
            status="draft",
        ),
    ),
)

# Routes: who declares the residual and who is paid (三（三）1.（2）).
IN_COUNTY = "in_county"  # hospital declares on attachment 3, the bureau pays the hospital, quarterly
OUT_OF_COUNTY = "out_of_county"  # person files attachment 2 at the township, paid to the social security card

REFERRAL_KINDS = ("referral", "transfer")


@hookimpl
def jiuzhu_region():
    return INFO


# =================================================================================================
# Eligibility — 三（一）「具有武胜县户籍并经县民政局认定的特困对象」
# =================================================================================================


@hookimpl
def jiuzhu_eligibility(case, ctx):
    p = case.person
    groups = tuple(c for c in p.categories if c in ctx.params["target_groups"])
    hukou_ok = p.hukou.startswith(ctx.params["hukou_division"])
    recognised = bool(groups) and p.certified_by in ctx.params["certifying_bodies"]
    reasons = [
        ctx.reason("具有武胜县户籍" if hukou_ok else "户籍不在武胜县",
                   "hukou in Wusheng County" if hukou_ok else "hukou is not in Wusheng County", "三（一）", "WS-ELIG-1"),
        ctx.reason("经县民政局认定的特困人员" if recognised else "未经武胜县民政局认定为特困人员",
                   "extreme-poverty status recognised by the county civil-affairs bureau" if recognised
                   else "not recognised as a person in extreme poverty by the Wusheng civil-affairs bureau",
                   "三（一）", "WS-ELIG-1"),
    ]
    if hukou_ok and recognised:
        # 三（三）1.（3）: the support mode decides who cares for the person in hospital; it pays nothing.
        mode = support_mode_zh(p)
        reasons.append(ctx.reason(f"供养方式：{mode}（决定住院陪护责任，不影响救助金额）",
                                  f"support mode: {p.support_mode} (decides who cares in hospital, not the amount)",
                                  "三（三）1.（3）", "WS-ELIG-2"))
    return Eligibility(hukou_ok and recognised, groups, tuple(reasons))


def support_mode_zh(person) -> str:
    return "集中" if person.support_mode == "institutional" else "散居"


# =================================================================================================
# The route — 三（三）1.（1） admission, referral, emergencies; 三（三）2. outpatient
# =================================================================================================


@attrs.frozen
class Judgement:
    """The verdict on the route, the settlement route it opens and the formal defects found."""

    kind: str
    route: str | None = None
    reasons: tuple[Reason, ...] = ()
    defects: tuple[Reason, ...] = ()  # formal defects: flagged for the bureau (WS-AMB-3 B) or fatal (A)
    emergency_pending: bool = False  # emergency: phone report or supplementary attachment 1 still due
    # 三（三）1.（2）¶4 second sentence (WS-REF-14): the admitting hospital took the person in without the
    # approval registration or the transfer papers, so 医保 「不予结算，已经结算的予以追回」.
    hospital_side: bool = False


def judge(case, ctx) -> Judgement:
    """Which path of the compliance table (WS-REF-18) the episode took, and what it opens."""
    ep = case.episode
    if ep.kind in ("outpatient", "special_outpatient"):
        j = judge_outpatient(case, ctx)
    elif ctx.scope(case) == "in_county":
        j = judge_in_county(case, ctx)
    else:
        j = judge_out_of_county(case, ctx)
    if j.defects and ctx.params["non_compliance"] == "any_step" and j.kind in ("covered", "pay_first_claim"):
        # WS-AMB-3 A: any missing step voids the support.
        j = attrs.evolve(j, kind="not_covered", route=None, reasons=j.reasons + (ctx.reason(
            "按严格读法，任一手续缺失即不纳入救助范围", "strict reading: any missing step voids the support",
            "三（三）1.（2）", "WS-AMB-3"),))
    if j.kind == "not_covered" and ep.has("approval", "civil_affairs_bureau"):
        # 三（三）1.（1）¶4: a case the bureau has taken up is decided case by case, not refused.
        j = case_by_case(ctx, j.reasons, "县民政局已受理一事一议", "the bureau has taken the case up")
    if j.kind in ("covered", "pay_first_claim") and ctx.params["rf_amount"] == "bureau_decides":
        j = attrs.evolve(j, kind="case_by_case", reasons=j.reasons + (ctx.reason(
            "救助金额由县民政局审核确定（非按剩余费用全额）", "the bureau sets the amount (not the whole residual)",
            "附件2；附件3", "WS-AMB-2"),))
    return j


def case_by_case(ctx, reasons, zh, en) -> Judgement:
    """「特困人员因其他特殊情况发生的医疗及相关费用，由县民政局牵头组织相关部门和乡镇研究，按一事一议进行解决」"""
    return Judgement("case_by_case", None, tuple(reasons) + (
        ctx.reason(f"{zh}：由县民政局牵头组织相关部门和乡镇研究，按一事一议解决，系统不计算金额",
                   f"{en}: referred to the county civil-affairs bureau for a case-by-case decision (一事一议); "
                   "no amount is computed", "三（三）1.（1）", "WS-PAY-10"),
        ctx.reason("一事一议由县民政局牵头决定，乡镇不得自行决定", "only the bureau-led group decides",
                   "三（三）1.（1）", "WS-SIGN-14")))


EXCLUSION = ("未按规定流程入院、转诊转院的特困人员（需要紧急救治的急危重症等特殊情形除外），所发生的医疗费用不纳入救助范围",
             "a person admitted or transferred off the prescribed route (emergencies excepted) is not covered")


def not_covered(ctx, reasons, zh, en, article="三（三）1.（2）", rule="WS-REF-13", exclusion=True,
                hospital_side=False) -> Judgement:
    """「未按规定流程入院、转诊转院的特困人员……所发生的医疗费用不纳入救助范围」: the requirement that failed is
    cited, and so is the clause that excludes (三（三）1.（2）¶4, WS-REF-13), unless the refusal rests on
    another clause (ordinary outpatient care is 「自理」, not an exclusion for the route)."""
    out = tuple(reasons) + (ctx.reason(zh, en, article, rule),)
    if exclusion and rule != "WS-REF-13":
        out += (ctx.reason(*EXCLUSION, "三（三）1.（2）", "WS-REF-13"),)
    if hospital_side:
        out += (hospital_side_reason(ctx),)
    return Judgement("not_covered", None, out, hospital_side=hospital_side)


def hospital_side_reason(ctx) -> Reason:
    return ctx.reason("医保协议管理定点医疗机构擅自接收未按规定备案（审批）登记或无转诊转院手续的特困人员住院：所发生的医疗费用"
                      "医保部门不予结算，已经结算的予以追回（结算单所示基本医保、大病保险、医疗救助金额以医保部门处理为准）",
                      "the hospital admitted without the approval registration or transfer papers: the health-security "
                      "bureau does not settle the stay and recovers what was settled (the slip's insurance amounts "
                      "stand only until it acts)", "三（三）1.（2）", "WS-REF-14")


def admission_not_indicated(ctx) -> Reason:
    """「对符合住院指征的患者开具住院证」; 五（二）「不得收治不符合住院指征的特困人员」; 五（三） sanctions the hospital."""
    return ctx.reason("首诊医生未确认符合住院指征（admission_indicated = false）：不得收治不符合住院指征的特困人员，"
                      "提请县民政局复核，并由相关部门对收治医疗机构依法依规处理",
                      "admission not indicated: a person who does not meet the admission criteria may not be admitted; "
                      "flagged for the bureau, and the hospital is subject to sanction", "三（三）1.（1）；五（二）；五（三）",
                      "WS-REF-5")


def is_special_disease(case, ctx) -> bool:
    """「患精神病、尿毒症等特殊疾病的」: the open list (parameter) or the two named diseases (WS-AMB-12)."""
    tags = ctx.conditions(case)
    if ctx.params["special_disease_list"] == "named_only":
        return bool(tags & {"mental_illness", "severe_mental_illness", "uremia", "end_stage_renal_disease"})
    return bool(tags & set(ctx.params["special_diseases"]))


def township_approved(step) -> bool:
    """附件1 乡镇审核意见: 「同意该员到___医院入院治疗」 with the township seal."""
    return step.has("approval", "township")


def identity_checked(ep) -> bool:
    """WS-ELIG-4: the first doctor's record on the path or the episode (a ``certificate`` — the 住院证 issued
    after checking identity — or a ``signature`` by ``first_doctor``)."""
    return any(a.by == "first_doctor" and a.kind in ("certificate", "signature")
               for a in (*ep.actions, *(x for st in ep.path for x in st.actions)))


def referral_block_signed(step) -> bool:
    """附件1 诊疗机构转诊审核意见: signed by the treating facility's leader and sealed."""
    return step.has("signature", "facility_leader") and (step.has("seal") or step.has("signature", "referring_facility"))


def step_level(step, ctx) -> str:
    """Where a path step leads, for the in-county transfer rules: one of the county-level public hospitals
    named by 三（三）1.（1） (``county_public``), a primary facility (乡镇（中心）卫生院、社区卫生服务中心), or
    another facility (its declared level)."""
    if step.to in ctx.params["county_level_hospitals"]:
        return "county_public"
    return step.to_level or "other"


def transfer_direction(prev: str, level: str) -> str:
    """up (primary → county-level), down (county-level → primary, 五（二）) or lateral (same tier, 附件1注3)."""
    if prev == "primary" and level != "primary":
        return "up"
    if prev != "primary" and level == "primary":
        return "down"
    return "lateral"


TRANSFER_REASONS = {
    "up": lambda ctx, step: ctx.reason(
        f"经诊治医疗机构签署转诊意见、加盖公章后转至{step.to}", f"referred up to {step.to} with the signed and sealed referral block",
        "三（三）1.（1）", "WS-REF-6"),
    "down": lambda ctx, step: ctx.reason(
        f"病情明显好转，县级公立医疗机构安排下转至{step.to}进一步治疗", f"down-transferred to {step.to} once clearly improving",
        "五（二）", "WS-REF-7"),
    "lateral": lambda ctx, step: ctx.reason(
        f"因病情治疗确需转院，由诊疗机构填写转诊意见、签字盖章后转至{step.to}",
        f"transferred across to {step.to} on the treating facility's signed and sealed referral opinion",
        "附件1注3", "WS-AMB-21"),
}


def agreement_hospital(case, ctx) -> bool:
    """WS-REF-14 reaches 「医保协议管理定点医疗机构」: an insurance-designated hospital in the county (WS-AMB-3:
    out-of-county hospitals are under no Wusheng agreement)."""
    return "insurance" in case.facility.designations and ctx.scope(case) == "in_county"


def judge_in_county(case, ctx) -> Judgement:
    ep, fac = case.episode, case.facility
    reasons: list[Reason] = []
    defects: list[Reason] = []
    if ep.emergency:
        return judge_in_county_emergency(case, ctx)
    path = ep.path
    if any(s.kind == "self" for s in path) or not path:
        return not_covered(ctx, reasons, "未经乡镇签署自行入院，所发生的医疗费用不纳入救助范围",
                           "admitted without the township's approval: not covered", "三（三）1.（1）", "WS-REF-3",
                           hospital_side=agreement_hospital(case, ctx))
    first = path[0]
    if not township_approved(first):
        return not_covered(ctx, reasons, "未在乡镇填写附件1并经乡镇签署就医意见，不纳入救助范围",
                           "no township-signed attachment 1: not covered", "三（三）1.（1）", "WS-REF-3",
                           hospital_side=agreement_hospital(case, ctx))
    reasons.append(ctx.reason(f"乡镇按就近就医原则签署到{first.to}就医", f"the township designated {first.to}",
                              "三（三）1.（1）", "WS-REF-3"))
    if not identity_checked(ep):
        # 「首诊医生负责核实特困人员身份，确认……住院者为患者本人」: a formal step, flagged (WS-AMB-3 B) or fatal (A)
        defects.append(ctx.reason("未见首诊医生核实特困人员身份（开具住院证）的记录，提请县民政局复核",
                                  "no record that the first doctor verified the person's identity (admission "
                                  "certificate): flagged", "三（三）1.（1）", "WS-ELIG-4"))
    special = is_special_disease(case, ctx)
    if ctx.params["first_designation"] == "primary_first" and first.to_level != "primary" and not special:
        return not_covered(ctx, reasons, "按逐级转诊读法，乡镇首次签署须为乡镇卫生院或社区卫生服务中心",
                           "stepwise reading: the first designation must be a primary facility", "二", "WS-AMB-8")
    # In-county transfers (WS-REF-6 up, WS-REF-7 down, 附件1注3 any transfer the treating facility proposes):
    # 「由诊治医疗机构领导及相关医生……签署意见、加盖公章并办理转诊转院手续」
    prev = step_level(first, ctx)
    for i, step in enumerate(path[1:], start=1):
        if step.kind not in REFERRAL_KINDS:
            continue
        level = step_level(step, ctx)
        direction = transfer_direction(prev, level)
        if level not in ("county_public", "primary"):
            # the targets are the county-level public hospitals (三（三）1.（1）) and, down or across, the primary
            # facilities (五（二）「所属地卫生机构」; 附件1注3)
            return not_covered(ctx, reasons, f"县域内转诊只能转至县级公立医疗机构或乡镇（中心）卫生院、社区卫生服务中心，{step.to}不在其列",
                               "in-county transfers go to the three county-level public hospitals or a primary facility only",
                               "三（三）1.（1）", "WS-REF-6", hospital_side=agreement_hospital(case, ctx))
        if direction == "down" and prev != "county_public":
            # 五（二）「县级公立医疗机构可根据情况安排下转到所属地卫生机构进一步治疗」
            return not_covered(ctx, reasons, "下转只由县级公立医疗机构安排", "only a county-level public hospital down-transfers",
                               "五（二）", "WS-REF-7")
        if not referral_block_signed(step):
            if direction == "down" and ctx.params["down_transfer_procedure"] == "flag_missing_block":
                # WS-AMB-21 A: 五（二） gives the down-transfer no procedure; a missing block is a formal defect
                defects.append(ctx.reason("下转未见诊治医疗机构签署的转诊意见及公章（五（二）未规定下转手续），提请县民政局复核",
                                          "down-transfer without the signed and sealed referral block (the seed gives it "
                                          "no procedure): flagged", "五（二）；附件1注3", "WS-AMB-21"))
            else:
                return not_covered(ctx, reasons, "转诊未经诊治医疗机构领导签署意见并加盖公章，不纳入救助范围",
                                   "transfer without the treating facility's leader's signature and seal: not covered",
                                   "三（三）1.（1）", "WS-REF-6", hospital_side=agreement_hospital(case, ctx))
        if i > 1 and ctx.params["further_transfers"] == "new_township_form" and not township_approved(step):
            return not_covered(ctx, reasons, "再次转诊须重新经乡镇签署附件1", "a further transfer needs a new township form",
                               "附件1注3", "WS-AMB-21")
        if not step.has("notification"):
            if ctx.params["in_county_referral_report"] == "condition":
                return not_covered(ctx, reasons, "县域内转诊未向乡镇报备", "in-county referral not reported to the township",
                                   "附件5", "WS-AMB-15")
        reasons.append(TRANSFER_REASONS[direction](ctx, step))
        prev = level
    if path[-1].to != fac.name:
        return not_covered(ctx, reasons, "未到乡镇签署或转诊同意的医院住院，不纳入救助范围",
                           "admitted at a hospital other than the designated or referred one: not covered",
                           "三（三）1.（1）", "WS-REF-4", hospital_side=agreement_hospital(case, ctx))
    if "insurance" not in fac.designations:
        return not_covered(ctx, reasons, "县域内非医保定点医疗机构不属就医范围", "not an insurance-designated facility",
                           "二", "WS-REF-1")
    if fac.ownership != "public":
        # 「若公立医疗机构床位不能满足情况下，可以签署医保定点民营医疗机构」
        if not special:
            return not_covered(ctx, reasons, "非急危重症或特殊疾病，不得在民营医疗机构住院救助",
                               "a private hospital only for emergencies or special diseases: not covered",
                               "三（三）1.（2）", "WS-PAY-9")
        if any("床位" in d for d in first.documents):
            reasons.append(ctx.reason("特殊疾病、公立医疗机构床位不能满足，乡镇签署医保定点民营医疗机构",
                                      "special disease and public beds short: the township signed a designated private hospital",
                                      "三（三）1.（1）", "WS-REF-9"))
        else:
            defects.append(ctx.reason("签署民营医疗机构未注明公立医疗机构床位不足（原则上优先公立），提请县民政局复核",
                                      "private hospital signed without a recorded public-bed shortage: flagged",
                                      "三（三）1.（1）", "WS-REF-9"))
        reasons.append(ctx.reason("特殊疾病经乡镇签署医保定点民营医疗机构，个人自付费用参照公立医疗机构结算",
                                  "special disease at a designated private hospital: settled like a public one",
                                  "三（三）1.（2）", "WS-PAY-9"))
    elif special:
        reasons.append(ctx.reason("特殊疾病凭诊断证明经乡镇签署公立医疗机构", "special disease signed to a public hospital",
                                  "三（三）1.（1）", "WS-REF-9"))
    if not any(s.has("signature", "business_leader") for s in path):
        defects.append(ctx.reason("住院证未见业务分管领导签字确认，提请县民政局复核",
                                  "the admission certificate lacks the business leader's signature: flagged",
                                  "三（三）1.（1）", "WS-REF-5"))
    if not ep.admission_indicated:
        defects.append(admission_not_indicated(ctx))
    reasons.append(in_county_settlement_reason(ctx, fac.ownership == "public"))
    return Judgement("covered", IN_COUNTY, tuple(reasons + defects), tuple(defects))


def in_county_settlement_reason(ctx, public: bool = True) -> Reason:
    if not public:  # 三（三）1.（2）¶3: a private hospital's stay is settled 「参照公立医疗机构执行」, not under WS-PAY-3
        return ctx.reason("医保定点民营医疗机构：“三重”保障报销后个人自付部分参照公立医疗机构，由医院申报、县民政局拨付医院",
                          "designated private hospital: after the three layers the residual is declared and paid as for "
                          "a public hospital", "三（三）1.（2）", "WS-PAY-9")
    return ctx.reason("县域内医保定点公立医疗机构住院，不缴纳押金和医疗费用；“三重”保障报销后个人自付部分由医院申报、县民政局拨付医院",
                      "in-county stay: no deposit or payment; after the three layers the hospital declares the "
                      "residual and the bureau pays the hospital", "三（三）1.（2）", "WS-PAY-3")


def judge_in_county_emergency(case, ctx) -> Judgement:
    """「需要紧急救治的急危重症特困人员在县域内医疗机构就医的，由……向各乡镇电话报备。待病情稳定后……补充填报附件1」"""
    ep = case.episode
    reasons = [ctx.reason("急危重症在县域内医疗机构紧急救治，不受入院、转诊流程限制", "in-county emergency: exempt from the path rules",
                          "三（三）1.（2）", "WS-REF-8")]
    if "insurance" not in case.facility.designations:
        return case_by_case(ctx, reasons, "急诊救治的医疗机构非医保定点", "emergency at a non-designated facility")
    missing = []
    if not ep.has("notification"):
        missing.append(("未见向乡镇电话报备", "no phone report to the township"))
    if not ep.has("approval", "township"):
        missing.append(("附件1尚未补充填报", "attachment 1 not yet supplemented"))
    defects = tuple(ctx.reason(zh + "（方案未规定时限）", en, "三（三）1.（1）", "WS-AMB-10") for zh, en in missing)
    if missing and ctx.params["emergency_steps"] == "conditions":
        return not_covered(ctx, reasons + list(defects), "急诊报备及补填附件1为救助条件，缺失则不纳入救助范围",
                           "reading A: the phone report and attachment 1 are conditions", "三（三）1.（1）", "WS-AMB-10")
    if not ep.admission_indicated:
        defects += (admission_not_indicated(ctx),)
    if case.facility.ownership != "public":
        reasons.append(ctx.reason("民营定点医疗机构收治急危重症，参照公立医疗机构结算", "private hospital, emergency: settled like public",
                                  "三（三）1.（2）", "WS-PAY-9"))
    else:
        reasons.append(in_county_settlement_reason(ctx))
    # Defects here are time-free administrative steps, never fatal under reading B.
    return Judgement("covered", IN_COUNTY, tuple(reasons) + defects, (), emergency_pending=bool(missing))


def judge_out_of_county(case, ctx) -> Judgement:
    ep, fac = case.episode, case.facility
    reasons: list[Reason] = []
    defects: list[Reason] = []
    report = next((a for a in (*ep.actions, *(x for s in ep.path for x in s.actions)) if a.kind == "notification"), None)
    if ep.emergency:
        # 「特困人员在县域外突发疾病，无法返回县内救治的，需向户籍所在地乡镇报备」
        reasons.append(ctx.reason("县域外突发疾病无法返回县内救治", "sudden illness outside the county",
                                  "三（三）1.（1）", "WS-REF-12"))
        if report is None:
            defects.append(ctx.reason("未见向户籍所在地乡镇报备，提请县民政局复核", "no report to the hukou township: flagged",
                                      "三（三）1.（1）", "WS-REF-12"))
        if "insurance" not in fac.designations:
            return case_by_case(ctx, reasons, "县域外非医保定点医疗机构就医", "treated at a non-designated facility outside the county")
    else:
        # 「必须由县人民医院或县中医医院做出病情鉴定，按分级诊疗有关规定办理转诊相关手续」
        referral = next((s for s in ep.path if s.has("appraisal")), None)
        appraisal_ok = referral is not None and referral.has("appraisal", "county_hospital") and (
            not referral.origin or referral.origin in ctx.params["out_of_county_referrers"])
        if not appraisal_ok:
            return not_covered(ctx, reasons, "转诊县域外须由县人民医院或县中医医院做出病情鉴定并办理转诊手续，不纳入救助范围",
                               "out-of-county care needs an appraisal and referral by the County People's or TCM "
                               "Hospital: not covered", "三（三）1.（1）", "WS-REF-10")
        if ctx.params["out_referral_prerequisite"] == "prior_stay" and not any(
                s.to in ctx.params["out_of_county_referrers"] for s in ep.path if s is not referral):
            return not_covered(ctx, reasons, "按须先住院读法，转诊前未在县人民医院或县中医医院住院",
                               "reading B: no prior stay at the referring hospital", "三（三）1.（1）", "WS-AMB-9")
        reasons.append(ctx.reason(f"经{referral.origin or '县人民医院或县中医医院'}病情鉴定并办理转诊县域外手续",
                                  "appraised and referred out of the county by an authorised county hospital",
                                  "三（三）1.（1）", "WS-REF-10"))
        late = report is not None and report.on is not None and report.on > ep.admitted
        if report is None or (late and ctx.params["out_of_county_report"] == "before_treatment"):
            defects.append(ctx.reason("转诊县域外未在就医前向乡镇报备，提请县民政局复核",
                                      "not reported to the township before treatment: flagged", "附件2注2", "WS-REF-11"))
    reasons.append(ctx.reason("县域外住院原则上在诊治医疗机构联网结算，未联网的在县政务服务中心医保窗口完成“三重保障”报销",
                              "out of the county: three layers settled online, or at the county service centre",
                              "三（三）1.（2）", "WS-PAY-5"))
    reasons.append(ctx.reason("个人自付费用由本人或亲属等在户籍所在地乡镇填写附件2申请，经县民政局审批后发放到社会保障卡",
                              "the residual is claimed at the hukou township (attachment 2) and paid to the "
                              "social security card", "三（三）1.（2）", "WS-PAY-6"))
    return Judgement("pay_first_claim", OUT_OF_COUNTY, tuple(reasons + defects), tuple(defects))


def judge_outpatient(case, ctx) -> Judgement:
    """「特困人员门诊就医费用医保报销后剩余部分自理。但医保规定的门诊放化疗、血液透析、器官移植抗排异治疗等特殊情形，
    由特困人员提供病情诊断书，参照县域内住院费用结算办理。」"""
    ep = case.episode
    named = bool(ctx.conditions(case) & set(ctx.params["special_outpatient_treatments"]))
    special = named or (ep.kind == "special_outpatient" and ctx.params["special_outpatient_list"] == "all_special_outpatient")
    if not special:
        if ep.kind == "special_outpatient":
            return case_by_case(ctx, [ctx.reason("门诊治疗不属医保规定的放化疗、血液透析、器官移植抗排异等特殊情形",
                                                 "outpatient treatment not among the named special treatments",
                                                 "三（三）2.", "WS-AMB-4")],
                                "未列明的门诊特殊治疗", "an unlisted special outpatient treatment")
        return not_covered(ctx, [ctx.reason("普通门诊不属救助范围", "ordinary outpatient care is out of scope",
                                            "三（三）2.", "WS-ELIG-5")],
                           "门诊就医费用医保报销后剩余部分自理", "ordinary outpatient care: the remainder is self-paid",
                           "三（三）2.", "WS-PAY-7")
    reasons = [ctx.reason("门诊特殊情形（放化疗、血液透析、器官移植抗排异等），参照县域内住院费用结算",
                          "special outpatient treatment: settled like an in-county stay", "三（三）2.", "WS-PAY-8")]
    has_certificate = ep.has("certificate") or any("诊断书" in d for s in ep.path for d in s.documents)
    if not has_certificate:
        return not_covered(ctx, reasons, "门诊特殊情形须提供病情诊断书", "the diagnosis certificate is required",
                           "三（三）2.", "WS-DOC-11")
    with_form = ctx.params["special_outpatient_procedure"] == "township_form"
    if with_form and not ep.has("approval", "township"):
        return not_covered(ctx, reasons, "按须填附件1读法，门诊特殊情形未经乡镇签署", "reading B: no township form",
                           "三（三）2.", "WS-AMB-5")
    if ctx.scope(case) != "in_county" or "insurance" not in case.facility.designations:
        if with_form:
            return Judgement("pay_first_claim", OUT_OF_COUNTY, tuple(reasons) + (ctx.reason(
                "县域外门诊特殊情形按县域外住院办法申请", "out-of-county special outpatient: claimed like an out-of-county stay",
                "三（三）2.", "WS-AMB-5"),))
        return case_by_case(ctx, reasons, "县域外门诊特殊治疗", "special outpatient treatment outside the county")
    return Judgement("covered", IN_COUNTY, tuple(reasons) + (ctx.reason(
        "凭病情诊断书，由医院按月汇总申报（附件3）", "on the diagnosis certificate the hospital declares monthly (attachment 3)",
        "三（三）2.", "WS-AMB-5"),))


# =================================================================================================
# Deadlines — 三（三）1.（2）「每月5日前」「每月25日前」「按季度」「按月」; 附件5、6「每月5日前」
# =================================================================================================


def month_day(ctx, month: dt.date, day_param: str) -> dt.date:
    """「每月N日前」 in ``month``: day N itself (A) or the day before (B, read strictly); optionally moved
    off a holiday to the next working day (WS-AMB-6)."""
    if isinstance(month, UnknownDue):  # an earlier working-day step reached a year no calendar knows
        return month
    due = month.replace(day=ctx.params[day_param])
    if ctx.params["monthly_deadline"] == "exclusive_admission_month":
        due -= dt.timedelta(days=1)
    if ctx.params["holiday_shift"] == "next_workday":
        due = ctx.calendar.next_workday(due)
    return due


def settlement_month(case, ctx) -> dt.date:
    """The month a case is declared in: its settlement (A) or its admission (B) (WS-AMB-6)."""
    if ctx.params["monthly_deadline"] == "exclusive_admission_month":
        return case.episode.admitted
    return case.episode.day


def a2_signed_on(case) -> dt.date | None:
    """The township's signature on 附件2 (乡镇审核意见): an approval by the township recorded on the episode
    itself (not on a path step, where a township approval is 附件1's designation)."""
    a = next((x for x in case.episode.actions if x.kind == "approval" and x.by == "township" and x.on), None)
    return a.on if a else None


def deadlines(case, ctx, j: Judgement) -> tuple[Deadline, ...]:
    ep = case.episode
    ref = settlement_month(case, ctx)
    out: list[Deadline] = []
    claim = month_day(ctx, day_of_month(ref, 1), "claim_day")
    feedback = month_day(ctx, claim, "feedback_day")  # the same month as the declaration
    ledger = month_day(ctx, day_of_month(ep.admitted if ep.kind == "inpatient" else ref, 1), "ledger_day")
    if j.route == IN_COUNTY:
        if j.emergency_pending:
            out.append(Deadline("补充填报附件1（急诊，病情稳定后；须在医院申报附件3前）",
                                "supplement attachment 1 (emergency; once stable, before the hospital's declaration)",
                                "特困人员、照护人或敬老院工作人员", "乡镇", claim, "不晚于医院次月申报日（WS-AMB-10 B）",
                                ctx.cite("三（三）1.（1）", "WS-FLOW-11")))
        out.append(Deadline("医院汇总上月个人自付费用向县民政局申报（附件3）",
                            "hospital declares last month's residuals to the bureau (attachment 3)",
                            "诊治医疗机构", "县民政局", claim, "结算次月5日前", ctx.cite("三（三）1.（2）", "WS-FLOW-2")))
        out.append(Deadline("县民政局将审核结果反馈申报医疗机构", "bureau feeds the review back to the hospital",
                            "县民政局", "诊治医疗机构", feedback, "申报当月25日前", ctx.cite("三（三）1.（2）", "WS-FLOW-3")))
        # 「县民政局按季度向县财政局申报」: a period; the seed gives no day, so no date is shown
        out.append(Deadline("县民政局按季度向县财政局申报，资金拨付至诊治医疗机构",
                            "bureau declares quarterly to the finance bureau and pays the hospital",
                            "县民政局", "县财政局", None, "按季度（方案未规定具体日期）",
                            ctx.cite("三（三）1.（2）", "WS-FLOW-4")))
        if ep.kind == "inpatient":
            out.append(Deadline("乡镇报送县域内住院就医及转诊台账（附件5）", "township sends the in-county ledger (attachment 5)",
                                "乡镇", "县民政局", ledger, "次月5日前（累计数据）", ctx.cite("附件5", "WS-LEDGER-5")))
    elif j.route == OUT_OF_COUNTY:
        if not ep.emergency and ep.kind == "inpatient":
            out.append(Deadline("就医前向乡镇电话报备", "phone the township before treatment", "特困人员或照护人", "乡镇",
                                ep.admitted, "就医前（附件2注2）", ctx.cite("附件2注2", "WS-REF-11")))
        if ctx.params["a2_filing_window"] == "deployment_limit":
            a2_due = (ep.discharged or ep.admitted) + dt.timedelta(days=ctx.params["a2_filing_window_days"])
            rule = f"出院后{ctx.params['a2_filing_window_days']}日内（部署参数）"
        else:
            a2_due, rule = None, "方案未规定时限（WS-AMB-22 A）"
        out.append(Deadline("在户籍所在地乡镇填写县域外住院就医救助申请审批表（附件2）",
                            "file attachment 2 at the hukou township", "特困人员或亲属、照料护理人", "户籍所在地乡镇",
                            a2_due, rule, ctx.cite("三（三）1.（2）", "WS-FLOW-6")))
        # WS-AMB-6 A: an out-of-county case belongs to the month the township signs its 附件2 (B: admission)
        signed = a2_signed_on(case)
        if ctx.params["monthly_deadline"] == "exclusive_admission_month":
            signed = ep.admitted
        if signed is None:
            a4_due = a4_feedback = None
            a4_rule = "乡镇签署附件2的次月5日前（案例未记录乡镇签署日期，日期取决于签署）"
            fb_rule = "申报当月25日前（日期取决于乡镇签署附件2的月份）"
        else:
            a4_due = month_day(ctx, day_of_month(signed, 1), "claim_day")
            a4_feedback = month_day(ctx, a4_due, "feedback_day")
            a4_rule, fb_rule = f"乡镇签署附件2（{signed.isoformat()}）次月5日前", "申报当月25日前"
        out.append(Deadline("乡镇汇总上月县域外个人自付费用救助明细表（附件4）报县民政局",
                            "township sends last month's out-of-county list (attachment 4)", "乡镇", "县民政局", a4_due,
                            a4_rule, ctx.cite("三（三）1.（2）", "WS-FLOW-7")))
        out.append(Deadline("县民政局将审核结果反馈乡镇", "bureau feeds the review back to the township", "县民政局", "乡镇",
                            a4_feedback, fb_rule, ctx.cite("三（三）1.（2）", "WS-FLOW-8")))
        # 「县民政局按月向县财政局申报」: a period; the seed gives no day
        out.append(Deadline("县民政局按月向县财政局申报，通过“一卡通”发放到社会保障卡",
                            "bureau declares monthly and pays the social security card", "县民政局", "县财政局",
                            None, "按月（方案未规定具体日期）", ctx.cite("三（三）1.（2）", "WS-FLOW-9")))
        out.append(Deadline("乡镇报送县域外住院就医报备台账（附件6）", "township sends the out-of-county ledger (attachment 6)",
                            "乡镇", "县民政局、县医疗保障局", ledger, "次月5日前（累计数据）", ctx.cite("附件6", "WS-LEDGER-5")))
    if case.bill.total <= case.bill.paid_on_slip:
        # the slip's payers left no residual: nothing to declare (附件3), apply for (附件2) or list (附件4),
        # so none of the claim's steps is due; the ledgers (附件5、6) still record the stay
        out = [d for d in out if d.cite is None or d.cite.rule not in CLAIM_STEPS]
    return tuple(out)


CLAIM_STEPS = {"WS-FLOW-2", "WS-FLOW-3", "WS-FLOW-4", "WS-FLOW-6", "WS-FLOW-7", "WS-FLOW-8", "WS-FLOW-9"}


@hookimpl
def jiuzhu_referral(case, ctx, eligibility):
    if not eligibility.eligible:
        return ReferralVerdict("not_covered", (ctx.reason("非武胜县特困人员，不适用本方案", "not a Wusheng person in extreme poverty",
                                                          "三（一）", "WS-ELIG-1"),))
    j = judge(case, ctx)
    return ReferralVerdict(j.kind, j.reasons, deadlines(case, ctx, j))


# =================================================================================================
# Signatures — 附件1–附件4 signature blocks
# =================================================================================================


def rank4(person):
    """Wusheng has no village-committee rank. Below the person, a guardian and an agent, the seed names
    「亲属、照料护理人、其他监管责任人员（敬老院）」 (四 乡镇; 三（三）1.（2）¶2 for 附件2) and 「照护人或敬老院工作人员」
    for emergencies: the caregiver, else the care home for a 集中 person; otherwise the seed leaves the
    signer open (role ``unrecorded``)."""
    c = person.caregiver
    if c is not None and c.able and c.present and not c.refuses:
        return "caregiver", c.name, c
    if person.support_mode == "institutional" and person.institution:
        return "institution", person.institution, None
    return "unrecorded", "", None


def signer(case):
    """(rank, role, name, passed over, the Contact who signs or None) on the shared walk with Wusheng's rank 4."""
    w = walk(case.person, case.episode.emergency, rank4=rank4)
    # the shared rank 4 is Liujiang's 「供养机构负责人或村（居）委会」: Wusheng's last signer carries no rank
    return (None if w.rank == 4 else w.rank), w.role, w.name, w.passed, w.holder


@hookimpl
def jiuzhu_signature(case, ctx):
    ep = case.episode
    rank, role, name, passed, _ = signer(case)
    reasons = [ctx.reason("申请人（本人）或代办人签字；代办人须写明与特困人员关系", "the person or an agent signs; an agent states the relationship",
                          "附件1注2", "WS-SIGN-1")]
    if role == "unrecorded":
        reasons.append(ctx.reason("本人不能签字，案例未记录亲属、照料护理人或其他监护责任人员：方案未规定其他签字人，须由乡镇确定代办人",
                                  "the person cannot sign and the case records no relative, caregiver or other responsible "
                                  "person: the seed leaves the signer open (the township must find an agent)",
                                  "附件1注2；附件2注3；四", "WS-SIGN-1"))
    approvals: list[str] = []
    if ep.kind == "inpatient" and ctx.scope(case) == "in_county":
        approvals += ["township", "first_doctor", "business_leader"]
        reasons.append(ctx.reason("乡镇经办人、审批人签字并加盖乡镇公章", "township clerk and approver sign and seal",
                                  "三（三）1.（1）", "WS-SIGN-2"))
        reasons.append(ctx.reason("首诊医生核实身份开具住院证，业务分管领导签字确认后方可入院",
                                  "the first doctor checks identity and issues the admission certificate; the business "
                                  "leader signs before admission", "三（三）1.（1）", "WS-SIGN-3"))
        if any(s.kind in REFERRAL_KINDS for s in ep.path):
            approvals.append("facility_leader")
            reasons.append(ctx.reason("转诊由诊治医疗机构领导及相关医生签署意见并加盖公章", "referral block signed by the facility's leader and doctor, sealed",
                                      "三（三）1.（1）", "WS-SIGN-4"))
        if ep.emergency:
            reasons.append(ctx.reason("急诊由本人、照护人或敬老院工作人员电话报备并补充填报附件1",
                                      "emergency: phone report and supplementary attachment 1", "三（三）1.（1）", "WS-SIGN-6"))
    elif ep.kind == "inpatient":
        if not ep.emergency:
            approvals.append("county_hospital")
            reasons.append(ctx.reason("病情鉴定和县外转诊手续由县人民医院或县中医医院出具",
                                      "appraisal and referral by the County People's or TCM Hospital", "三（三）1.（1）", "WS-SIGN-13"))
        approvals += ["township", "civil_affairs_bureau"]
        reasons.append(ctx.reason("申请（承诺）人签字；乡镇审核建议救助金额；县民政局审批同意救助金额",
                                  "applicant's commitment; township suggests, bureau approves the amount",
                                  "附件2", "WS-SIGN-9"))
    else:
        approvals.append("attending_doctor")
        reasons.append(ctx.reason("特困人员提供病情诊断书", "the person provides a diagnosis certificate", "三（三）2.", "WS-DOC-11"))
    return SignaturePlan(role, name, rank, "emergency" if ep.emergency else ep.decision, passed, tuple(approvals),
                         tuple(reasons))


# =================================================================================================
# Money — 三（二）「……支付后仍有不足的，由困难群众救助补助资金予以支持」
# =================================================================================================


@hookimpl
def jiuzhu_reimbursement(case, ctx, eligibility, referral):
    # The three layers are settled by 医保 whatever the route (WS-REF-13 decides only the relief fund):
    # the slip's medical assistance is a given layer in every case.
    slip = Layer.from_slip("assistance_paid", ctx.cite("三（三）1.（2）", "WS-PAY-1"))
    if not referral.covered:
        return Plan((slip,))
    return Plan((slip, relief_fund_layer(case, ctx, judge(case, ctx).route)))


OUT_OF_SCOPE_COLUMNS = ("first_self_paid", "over_limit", "fully_self_paid")


def relief_fund_layer(case, ctx, route) -> Layer:
    """The relief fund bears the residual: the whole of it (WS-AMB-1 A) or only what lies outside the policy
    scope (B); optional exclusions for delayed-discharge days (WS-AMB-19 B) and non-甲类 items (WS-AMB-20 B).
    An excluded item is removed once even with both tags, and from the out-of-scope base only when it sits
    in an out-of-scope column (an in-scope item was never in that base)."""
    whole = ctx.params["rf_scope"] == "all_oop"
    tags = [t for t, on in (("after_discharge_criteria", ctx.params["delayed_discharge_costs"] == "excluded"),
                            ("non_class_a", ctx.params["non_class_a_items"] == "excluded")) if on]
    lines = item_lines(case.bill.items, tags, None if whole else OUT_OF_SCOPE_COLUMNS)
    base = " - ".join(["burden" if whole else "out_of_scope", *lines])
    payee = "拨付至诊治医疗机构（按季度）" if route == IN_COUNTY else "通过“一卡通”发放到特困人员社会保障卡（按月）"
    return Layer("relief_fund", "困难群众救助补助资金", "hardship relief fund", payer="relief_fund", base=base,
                 rate=ctx.params["relief_fund_rate"], cite=ctx.cite("三（二）", "WS-PAY-2"), note_zh=payee)


# =================================================================================================
# Documents — 附件1–附件6
# =================================================================================================

FORMS = {
    "attachment_1": ("武胜县特困人员县域内住院就医救助申请审批表", "In-county hospitalisation assistance application and approval form", "WS-DOC-1"),
    "attachment_2": ("武胜县特困人员县域外住院就医救助申请审批表", "Out-of-county hospitalisation assistance application and approval form", "WS-DOC-2"),
    "attachment_3": ("武胜县{hospital}申报结算特困人员住院就医个人自付费用救助明细表", "Hospital's itemised claim of residual self-pay", "WS-DOC-3"),
    "attachment_4": ("武胜县特困人员县域外住院就医个人自付费用救助明细表", "Township's itemised out-of-county residual list", "WS-DOC-4"),
    "attachment_5": ("武胜县特困人员县域内住院就医及转诊台账", "In-county hospitalisation and referral ledger", "WS-LEDGER-1"),
    "attachment_6": ("武胜县特困人员县域外住院就医报备台账", "Out-of-county hospitalisation report ledger", "WS-LEDGER-2"),
}

IN_COUNTY_PACKAGE = ("附件1", "特困人员身份证复印件", "特困人员救助供养证复印件", "医保结算单", "发票（留存联）", "转院转诊手续")
OUT_COUNTY_EXTRA = ("入院证", "出院证", "户口簿", "医保结算单据原件", "县外正当理由就医证明")


def amounts(outcome, ctx) -> dict:
    """Form columns: total, 医保报销费用 (WS-AMB-14), 个人自付费用 and the relief fund's share.

    医保报销费用 is what the attached 医保结算单 shows (reading A: every payer settled on the slip, the one-stop
    tilted payment included when the window paid it; B: basic + critical-illness insurance), so the form
    reconciles with the slip. A layer a parent computes that the slip does not carry (Guang'an's tilt under
    ``tilt_source = "computed"``, 三（三）) is its own column, ``other_security_paid``: it lowers what the relief
    fund claims, never the slip's figure. 个人自付费用 = total − 医保报销费用 = other_security_paid + the claim +
    what is left to the person."""
    s = outcome.settlement
    relief = sum(l.amount for l in s.layers if l.id == "relief_fund")
    if ctx.params["insurance_paid_column"] == "all_medical_security":
        insurance = sum(l.amount for l in s.layers if l.given)
    else:
        insurance = sum(l.amount for l in s.layers if l.id in ("basic_insurance", "critical_illness"))
    off_slip = sum(l.amount for l in s.layers if not l.given and l.id != "relief_fund")
    return {"total": yuan(s.total), "insurance_paid": yuan(insurance), "personal_self_pay": yuan(s.total - insurance),
            "other_security_paid": yuan(off_slip), "assistance_claimed": yuan(relief),
            "insurance_layers": {l.id: yuan(l.amount) for l in s.layers if l.given and l.amount}}


def person_data(case, ctx) -> dict:
    p = case.person
    return {"name": p.name, "sex": "男" if idcard.sex(p.id_number) == "male" else "女",
            "age": ctx.age(case), "birth_date": idcard.birth_date(p.id_number).isoformat(), "id_number": p.id_number,
            "hukou": p.hukou, "residence": p.residence or p.hukou, "support_mode": support_mode_zh(p),
            "care_home": p.institution, "hukou_township": p.hukou[:9], "diagnoses": list(case.episode.diagnoses)}


def ledger_township(case, ctx) -> str:
    """The township keeping the ledger row: where attachment 1 was filed (A) or the hukou township (B)."""
    p = case.person
    if ctx.params["ledger_township"] == "filing_township" and p.residence.startswith(ctx.params["hukou_division"]) \
            and len(p.residence) >= 9:
        return p.residence[:9]
    return p.hukou[:9]


def care_party(case, ctx, out_of_county: bool) -> str:
    """三（三）1.（3）: care home for 集中 persons in county; relatives and caregivers otherwise."""
    p = case.person
    if p.support_mode == "institutional" and (not out_of_county or ctx.params["out_of_county_care"] == "institution_stays"):
        return p.institution or "敬老院"
    return p.caregiver.name if p.caregiver else "亲属、照料护理人（无人照料的由乡镇负责）"


@hookimpl
def jiuzhu_documents(case, ctx, outcome):
    kind = outcome.referral.kind
    if kind not in ("covered", "pay_first_claim"):
        return []
    j = judge(case, ctx)
    ep = case.episode
    due = {d.cite.rule: d.due for d in outcome.referral.deadlines if d.cite}
    base = person_data(case, ctx)
    money = amounts(outcome, ctx)
    stay = {"hospital": case.facility.name, "admitted": ep.admitted.isoformat(),
            "discharged": ep.discharged.isoformat() if ep.discharged else ""}
    needs = []

    def need(form_id, who, due_day, data):
        zh, en, rule = FORMS[form_id]
        needs.append(DocumentNeed(form_id, zh.replace("武胜县{hospital}", declaring_title(case.facility.name)), en, who,
                                  due_day, data, ctx.cite(form_id.replace("attachment_", "附件"), rule)))

    if j.route == IN_COUNTY:
        first = ep.path[0] if ep.path else None
        referrals = [s for s in ep.path[1:] if s.kind in REFERRAL_KINDS]
        if ep.kind == "inpatient" or ctx.params["special_outpatient_procedure"] == "township_form":
            need("attachment_1", "特困人员或代办人；乡镇；诊治医疗机构", due.get("WS-FLOW-11"), {
                **base, **stay, "applicant": case.person.name, "designated_hospital": first.to if first else case.facility.name,
                "township_approved_on": (_on(first, "approval", "township") if first else "") or _on(ep, "approval", "township"),
                "referral_to": referrals[-1].to if referrals else "", "referral_on": _iso(referrals[-1].on) if referrals else "",
                "emergency": ep.emergency, "copies": 1, "care_responsible": care_party(case, ctx, False),
                **agent_fields(case)})
        if not nothing_to_claim(outcome):  # 附件3 declares a residual: nothing left, no row to declare
            need("attachment_3", "诊治医疗机构", due.get("WS-FLOW-2"), {
                **base, **stay, **money, "declaring_hospital": case.facility.name, "attachments": list(IN_COUNTY_PACKAGE)})
        if ep.kind == "inpatient":
            need("attachment_5", "乡镇", due.get("WS-LEDGER-5"), {
                **base, "township": ledger_township(case, ctx), "first_hospital": first.to if first else case.facility.name,
                "first_signed_on": (_on(first, "approval", "township") if first else "") or _on(ep, "approval", "township"),
                "referral_hospital": referrals[-1].to if referrals else "",
                "referral_reported_on": _on(referrals[-1], "notification") if referrals else "",
                "contact": case.person.caregiver.name if case.person.caregiver else "", "cumulative": True})
    else:
        out_ref = next((s for s in ep.path if s.has("appraisal")), None)
        in_ref = next((s for s in ep.path if s.kind in REFERRAL_KINDS and s is not out_ref), None)
        attachments = list(IN_COUNTY_PACKAGE[1:]) + (list(OUT_COUNTY_EXTRA) if ctx.params["out_of_county_attachments"] == "union" else [])
        reason = "县域外突发疾病" if ep.emergency else "经病情鉴定转诊县域外"
        if not nothing_to_claim(outcome):  # 附件2 applies for, and 附件4 lists, a residual: none, no claim
            need("attachment_2", "特困人员或亲属、照料护理人", due.get("WS-FLOW-6"), {
                **base, **stay, **money, "township": case.person.hukou[:9], "reason_out_of_county": reason,
                "requested": money["assistance_claimed"], "attachments": attachments,
                "care_responsible": care_party(case, ctx, True), **agent_fields(case)})
            need("attachment_4", "户籍所在地乡镇", due.get("WS-FLOW-7"), {
                **base, **stay, **money, "township": case.person.hukou[:9], "reason_out_of_county": reason})
        need("attachment_6", "乡镇", due.get("WS-LEDGER-5"), {
            **base, "township": case.person.hukou[:9], "first_hospital": ep.path[0].to if ep.path else "",
            "first_signed_on": _on(ep.path[0], "approval", "township") if ep.path else "",
            "in_county_referral_hospital": in_ref.to if in_ref else "",
            "in_county_referral_reported_on": _on(in_ref, "notification") if in_ref else "",
            "out_of_county_hospital": case.facility.name,
            "out_of_county_reported_on": _on_any(ep, "notification"),
            "contact": case.person.caregiver.name if case.person.caregiver else "", "cumulative": True,
            "recipients": ["县民政局", "县医疗保障局"]})
    return needs


def nothing_to_claim(outcome) -> bool:
    """No residual for the relief fund: every layer before it (the slip's and a parent's) left nothing."""
    return not any(l.id == "relief_fund" and l.amount for l in outcome.settlement.layers)


def agent_fields(case) -> dict:
    """附件1 申请人/代办人 and 附件1注2 「代办人需填写清楚与特困人员关系」 (附件2注3 likewise): from whoever signs on
    the walk; blank when the person signs, and marked open when the seed names no one the case records."""
    _, role, name, _, holder = signer(case)
    if role == "patient":
        return {"agent": "", "agent_relation": ""}
    if role == "unrecorded":
        return {"agent": "", "agent_relation": "", "agent_open": True}
    relation = holder.relation if holder is not None else ""
    if not relation and role == "institution":
        relation = "供养机构（敬老院）"
    return {"agent": name, "agent_relation": relation or ROLES.get(role, role)}


def declaring_title(name: str) -> str:
    """附件3 title 「武胜县**医院…」 filled with the declaring hospital's name."""
    return name if name.startswith("武胜") else "武胜县" + name


def _iso(day) -> str:
    return day.isoformat() if day else ""


def _on(holder, kind, by=None) -> str:
    """The date of the first matching action on a path step or an episode, as text for the form."""
    a = next((x for x in holder.actions if x.kind == kind and (by is None or x.by == by)), None)
    return _iso(a.on) if a else ""


def _on_any(ep, kind) -> str:
    a = next((x for x in (*ep.actions, *(y for s in ep.path for y in s.actions)) if x.kind == kind), None)
    return _iso(a.on) if a else ""


@hookimpl
def jiuzhu_programs():
    """The document sets no annual cap on what this region's layers pay: no programme to count."""
    return []


@hookimpl
def jiuzhu_warnings(case, ctx, outcome):
    """What the bureau must act on that the money does not show: the hospital-side consequence (WS-REF-14),
    an admission without 住院指征 (WS-REF-5), a deadline that waits on the township's 附件2 signature
    (WS-AMB-6) and a signer the seed leaves open (附件1注2)."""
    if not jiuzhu_eligibility(case, ctx).eligible:
        return []
    j = judge(case, ctx)
    ep = case.episode
    out = []
    if j.hospital_side:
        out.append(OutcomeWarning(
            "insurance_recovery", "收治医院擅自接收未按规定备案（审批）登记或无转诊转院手续的特困人员：医保部门对本次住院不予结算，"
            "已经结算的予以追回；结算单所示基本医保、大病保险、医疗救助金额不是最终结果",
            "the hospital admitted without the approval registration or transfer papers: health security does not "
            "settle this stay and recovers what was settled; the slip's insurance amounts are not final",
            "bill.basic_paid", ctx.cite("三（三）1.（2）", "WS-REF-14")))
    if ep.kind == "inpatient" and not ep.admission_indicated and ctx.scope(case) == "in_county":
        out.append(OutcomeWarning(
            "admission_not_indicated", "不符合住院指征而收治：提请县民政局复核，收治医疗机构依法依规处理（五（三））",
            "admitted without meeting the admission criteria: for the bureau's review and the hospital's sanction",
            "episode.admission_indicated", ctx.cite("五（二）", "WS-REF-5")))
    if j.route == OUT_OF_COUNTY and a2_signed_on(case) is None and ctx.params["monthly_deadline"] != "exclusive_admission_month":
        out.append(OutcomeWarning(
            "deadline_depends", "附件4、审核反馈的日期取决于乡镇签署附件2的月份，案例未记录乡镇签署日期",
            "the attachment-4 and feedback dates depend on the month the township signs attachment 2, which the case "
            "does not record", "episode.actions", ctx.cite("三（三）1.（2）", "WS-AMB-6")))
    if outcome.documents and signer(case)[1] == "unrecorded":
        out.append(OutcomeWarning(
            "signer_open", "本人不能签字，案例未记录亲属、照料护理人或其他监护责任人员：方案未规定其他签字人，附件代办人栏留空",
            "the person cannot sign and the case records no relative, caregiver or responsible person: the seed "
            "names no other signer; the agent box stays blank", "person.agents", ctx.cite("附件1注2", "WS-SIGN-1")))
    return out
