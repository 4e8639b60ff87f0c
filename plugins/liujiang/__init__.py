"""柳江区 Liujiang District: region plugin for jiuzhu.

Source: 柳州市柳江区特困人员就医治疗管理与签字决策管理办法（试行）（征求意见稿）. The rule register is
rules.toml (inventory IDs LJ-*); every number is in parameters.toml. The document is an undated draft:
the deployment sets ``effective_date`` (第二十条「自印发之日起试行」).

How the case model carries the seed's facts (see README.md):
- support mode: ``person.support_mode`` (institutional 集中 / home 分散);
- filings: actions of kind ``filing`` (method ``phone`` for a phone report), by the institution
  (集中) or by the village committee / township (分散);
- the referral slip: an action of kind ``referral_slip`` (or a step document 转诊单);
- out-of-region approval: an ``approval`` by ``insurance_bureau``;
- major-treatment assessment: ``appraisal`` by ``attending_doctor`` and by ``expert``;
- self-pay items: ``bill.items`` (each an off-catalogue item), ``consent`` = Annex 3 signed,
  ``approval`` = the first review, ``filed`` = the bureau's 审核备案, tag ``emergency`` for items used
  during a rescue; the money follows the status review_items() computes, never the input flag alone.
"""

from __future__ import annotations

import datetime as dt

import attrs
from jiuzhu import (
    Deadline,
    DocumentNeed,
    Duty,
    Eligibility,
    Layer,
    Plan,
    Reason,
    ReferralVerdict,
    RegionInfo,
    SignaturePlan,
    SlipPayer,
    SourceDocument,
    hookimpl,
)
from jiuzhu.model.case import ROLES
from jiuzhu.model.errors import JiuzhuError
from jiuzhu.model.vocab import OTHER_PAYER_KINDS
from jiuzhu.model.money import yuan
from lunardate import LunarDate
from jiuzhu.rules.premiums import PremiumRule, PremiumSubsidy, subsidise
from jiuzhu.model.outcome import UnknownDue, due_key
from jiuzhu.rules.workdays import add_hours, is_late, quarter_end
from jiuzhu.model.outcome import Citation
from jiuzhu.model.region import Fund

LJ_DOC = "柳江区特困人员就医治疗管理与签字决策管理办法（试行）（征求意见稿）"

INFO = RegionInfo(
    code="liujiang",
    name_zh="柳江区",
    name_en="Liujiang District",
    division="450206",
    reads_sex=False,  # no rule of the document depends on the person's sex
    funds=(
        # 第一条 cites 《广西城乡医疗救助基金管理办法》; 第四条 「医疗救助资金不予支付」
        Fund("medical_assistance", "城乡医疗救助基金", "urban and rural medical assistance fund",
             Citation("柳江区", LJ_DOC, "第一条", "")),
        # 第六条第一款 「仍有不足的，由救助供养经费予以支持」
        Fund("relief_fund", "救助供养经费", "support fund for persons in extreme poverty",
             Citation("柳江区", LJ_DOC, "第六条第一款", "LJ-PAY-6")),
        # 第十四条 「未经审批的自费项目，原则上由建议方承担」
        Fund("proposer", "建议方承担", "borne by the proposer", Citation("柳江区", LJ_DOC, "第十四条", "LJ-SELF-9")),
    ),
    parent=None,
    level="county",
    documents=(
        SourceDocument(
            number="柳江区特困人员就医治疗管理与签字决策管理办法（试行）（征求意见稿）",
            title="柳州市柳江区特困人员就医治疗管理与签字决策管理办法（试行）（征求意见稿）",
            issuer="柳江区民政局、柳江区医疗保障局（解释机关，第十九条）",
            issued=None,
            effective_from=None,  # 第二十条「自印发之日起试行」: the deployment's effective_date
            status="draft",  # 征求意见稿 (LJ-EFF-4)
        ),
    ),
)

MA_PROGRAM = "inpatient_assistance"  # history key of the 60,000 annual cap (第六条「年累计」)
MODE_ZH = {"institutional": "集中供养", "home": "分散供养"}


@hookimpl
def jiuzhu_region():
    return INFO


# =============================================================================================
# Facts of the case, named after the policy's concepts
# =============================================================================================


def institutional(case) -> bool:
    """集中供养: lives in 柳江区社会福利院 or an institution entrusted by the bureau (第二条第二款)."""
    return case.person.support_mode == "institutional"


def is_emergency(case) -> bool:
    """紧急抢救：患者生命垂危时 (第十一条)."""
    return case.episode.emergency or case.episode.decision == "emergency"


def destination(case, ctx) -> str:
    """Where the facility is: district (柳江区) / city (柳州市内) / region (广西区内) / outside (自治区外)."""
    loc = case.facility.location
    if loc.startswith(ctx.params["home_division"]):
        return "district"
    if loc.startswith(ctx.params["city_division"]):
        return "city"
    if loc.startswith(ctx.params["region_division"]):
        return "region"
    return "outside"


def above_primary(case) -> bool:
    """区级医院及以上. The Facility model has no hospital grade, so every non-primary facility is taken as
    二级及以上 (第三条第（二）项) and as needing a referral (第四条第2项)."""
    return case.facility.level != "primary"


def has_referral_slip(case) -> bool:
    """首诊医生出具转诊单 (第四条第2项): a slip action by the first-contact doctor, or a 转诊单 among the path's
    documents (whose author the case does not record). A slip by anyone else does not count (LJ-REF-4)."""
    e = case.episode
    return e.has("referral_slip", "first_doctor") or any("转诊单" in d for s in e.path for d in s.documents)


def slip_by_someone_else(case) -> bool:
    return case.episode.has("referral_slip") and not has_referral_slip(case)


def primary_referral(case) -> bool:
    """经过基层医疗卫生机构转诊: first contact at a primary facility and a referral slip (第三条第（二）项)."""
    first_primary = any(s.kind == "first_contact" and s.to_level == "primary" for s in case.episode.path)
    return first_primary and has_referral_slip(case)


def filings(case):
    """Every 外出就医备案 or 报备 recorded on the episode: a ``filing`` (form or phone report) or a ``notification``
    (the model's word for 报备; 第十一条 asks for 「报备」 after an emergency)."""
    e = case.episode
    return [a for a in (*e.actions, *(a for s in e.path for a in s.actions)) if a.kind in ("filing", "notification")]


def first_filed(case):
    """The earliest filing or report, as finely as the case gives it (a date-time, else the date)."""
    done = [a.when for a in filings(case) if a.when]
    return min(done, key=due_key) if done else None


def sanyuesan_window(year: int) -> tuple[dt.date, dt.date]:
    """The calendar weeks holding lunar 3/3 and 3/4 of ``year`` (壮族三月三, Guangxi's two rest days); the rest
    days and the weekends swapped with them (调休) fall there. The seed and the national calendar give neither."""
    d3 = LunarDate(year, 3, 3).to_solar_date()
    d4 = d3 + dt.timedelta(days=1)
    return d3 - dt.timedelta(days=d3.weekday()), d4 + dt.timedelta(days=6 - d4.weekday())


def working_days(ctx, start, n: int, what: str):
    """The n-th working day after ``start`` on the Guangxi calendar (LJ-AMB-13 A): the national calendar plus the
    regional 壮族三月三 rest days the deployment lists in ``extra_holidays``. A count that reaches a year's 三月三
    weeks while the deployment lists no rest day there would come out early without a word: it is ``unknown``
    instead (the outcome warns, naming the parameter and the year), or an error on a strict engine."""
    due = ctx.calendar.add_working_days(start, n)
    if isinstance(due, UnknownDue):
        return due
    start = start.date() if isinstance(start, dt.datetime) else start
    listed = set(ctx.params.get("extra_holidays", ()) or ())
    for year in range(start.year, due.year + 1):
        lo, hi = sanyuesan_window(year)
        if lo <= due and hi > start and not any(lo <= d <= hi for d in listed):
            en = (f"parameters.liujiang.extra_holidays: the deadline {what} ({n} working days from "
                  f"{start.isoformat()}) spans 壮族三月三 {year} ({lo.isoformat()}–{hi.isoformat()}), whose Guangxi "
                  f"rest days the deployment has not listed; add them, e.g. extra_holidays = [YYYY-MM-DD, …]")
            if ctx.calendar.strict:
                raise JiuzhuError(en)
            zh = (f"{what}（自{start.isoformat()}起{n}个工作日）跨越{year}年壮族三月三（{lo.isoformat()}至{hi.isoformat()}），"
                  f"部署未列明该年广西放假日期，无法计算；请在 parameters.liujiang.extra_holidays 中补充")
            return UnknownDue(year, zh, en)
    return due


def moment(m) -> str:
    """A due date or date-time as the reasons show it: 2026-03-03 or 2026-03-03 21:30."""
    if isinstance(m, dt.datetime):
        return m.strftime("%Y-%m-%d %H:%M")
    return m.isoformat() if m is not None else ""


def at_agreement_hospital(case, ctx) -> bool:
    """第五条: an entrusted person (精神障碍、传染病等托管人员) in their agreement hospital (市福利医院、柳钢医院等)."""
    return case.person.entrusted and case.facility.name in ctx.params["agreement_hospitals"]


def under_agreement(case, ctx) -> bool:
    """第五条「在协议医院内的常规治疗按原协议执行」: routine care there follows the agreement."""
    return at_agreement_hospital(case, ctx) and decision_kind(case, ctx) == "routine"


def filing_required(case, ctx) -> bool:
    """第四条第2项: a referral to a district hospital or beyond is filed with the bureau (LJ-AMB-9 A);
    reading B files every outside admission. Routine care under a 第五条 agreement is not re-filed."""
    if under_agreement(case, ctx):
        return False
    return ctx.params["filing_scope"] == "all_outside_events" or above_primary(case)


def filing_deadline(case, ctx) -> dt.date | None:
    """集中供养《外出就医备案表》应在外出就医前或入院24小时内报民政局备案 (第四条第2项). No limit is stated for
    分散供养 (LJ-AMB-16 A); reading B applies the institutional limit."""
    if not institutional(case) and ctx.params["home_deadlines"] == "none":
        return None
    return add_hours(case.episode.admission, ctx.params["filing_hours"])  # to the minute when the time is given


def filed_late(case, ctx) -> bool:
    due = filing_deadline(case, ctx)
    first = first_filed(case)
    if due is None or first is None or is_emergency(case):
        return False
    return is_late(first, due)


def emergency_report_due(case, ctx):
    """送医后24小时内 (第十一条), from the admission (the time sent to hospital is not in the case): to the minute
    when the admission's time of day is given, else by the day."""
    return add_hours(case.episode.admission, ctx.params["emergency_filing_hours"])


def unfiled(case, ctx) -> bool:
    """未经备案自行外出就医 (第四条第3项): no filing of any kind. A late filing is a flag only (LJ-AMB-8 A).
    An emergency is never 「自行外出就医」: 第十一条 lets the facility treat first and asks for a report within 24
    hours, a duty to track and flag (LJ-DEC-6, LJ-DEC-7), not a condition of payment."""
    if is_emergency(case) or not filing_required(case, ctx):
        return False
    if not filings(case):
        return True
    return ctx.params["late_filing_treated_as_unfiled"] == "yes" and filed_late(case, ctx)


def needs_regional_procedure(case, ctx) -> bool:
    """需转往柳州市区或自治区外医院的，必须按自治区有关就医管理办法办理转诊转院申请和医疗救助申请 (第四条第3项).
    Other Guangxi cities are treated the same by default (LJ-AMB-11 A)."""
    where = destination(case, ctx)
    if where in ("city", "outside"):
        return True
    return where == "region" and ctx.params["other_guangxi_city_treated_as"] == "out_of_city"


def insurance_approved(case) -> bool:
    return case.episode.has("approval", "insurance_bureau")


def dated_rule_day(case, ctx) -> dt.date:
    """LJ-AMB-12: the 2026-01-01 rule is tested on the admission date (A) or the discharge date (B)."""
    e = case.episode
    return e.discharged if ctx.params["dated_rule_test_date"] == "discharge" and e.discharged else e.admitted


def pay_first_applies(case, ctx) -> str | None:
    """第三条第（二）项: from 2026-01-01, care at a non-assistance-designated facility, or at a level-2+ facility
    without a primary referral, is paid by the patient first. Returns which branch applies, or None."""
    if dated_rule_day(case, ctx) < ctx.params["designated_rule_from"]:
        return None
    if "assistance" not in case.facility.designations:
        return "non_designated"
    if above_primary(case) and not primary_referral(case) and not is_emergency(case) \
            and not at_agreement_hospital(case, ctx):  # the 第五条 placement is the referral
        return "unreferred"
    return None


def decision_kind(case, ctx) -> str:
    """第十一条: 紧急抢救 (life-threatening) → 重大诊疗 (surgery, high-risk procedure, high-amount self-pay) → 常规."""
    if is_emergency(case):
        return "emergency"
    if case.episode.decision == "major" or {"surgery", "high_risk_procedure"} & ctx.conditions(case):
        return "major"
    if case.bill.items and any(it.amount >= ctx.params["high_value_threshold"] for it in case.bill.items):
        return "major"  # 高额自费项目 (LJ-AMB-18: the threshold is a deployment parameter)
    return "routine"


# =============================================================================================
# Self-pay items: the 第七条 "double review"
# =============================================================================================


@attrs.frozen
class ItemReview:
    index: int  # position on the bill (the settlement column items.line.N)
    name: str
    amount: int
    subject: bool  # 单次费用超过200元（含）: the double review applies
    cumulative: int  # 累计 self-pay of the admission up to and including this item
    bureau_filing: bool  # 单次预估超过1000元或累计超过2000元: 报民政局社会救助股审核备案
    status: str  # not_subject / approved / emergency / unapproved
    proposer: str  # 建议方 of the item (a role); "patient" when the person herself proposed it
    bearer: str  # who bears it: "proposer" (第十四条, moved off the person) or "person" (her share, LJ-SELF-8)


# an item's proposer as the case may record the person herself: the role key or its Chinese words (当事人)
PERSON_HERSELF = ("patient", "本人", "当事人", "特困人员本人")


def review_items(case, ctx) -> list[ItemReview]:
    """第七条: every off-catalogue item of 200 yuan or more (含) needs informed consent (Annex 3) and a first
    review; a single estimate over 1,000 or a cumulative total over 2,000 also needs the bureau's 审核备案;
    unapproved non-emergency items may be refused at settlement (第七条第4项) and are borne by the proposer
    (第十四条「未经审批的自费项目，原则上由建议方承担」). This one status per item drives both the reasons and the
    money (the ``proposer_bears`` layer); the input ``approval`` is the first review's result, not the money.
    An item the person herself proposed stays hers: she is the proposer. Only items in the slip's 全自费
    column are 目录外 (``BillItem.column``); catalogue items sit in the slip's other columns."""
    p = ctx.params
    inclusive = p["review_threshold_inclusive"] == "inclusive"
    threshold = p["self_pay_review_threshold"]
    entrusted_exempt = case.person.entrusted and p["entrusted_double_review"] == "no"
    out, cumulative = [], 0
    for i, it in enumerate(case.bill.items):
        if it.column != "fully_self_paid":
            continue  # 第七条 reviews 医保目录外 items: those in the slip's 全自费 (the loader keeps them within it)
        subject = (it.amount >= threshold if inclusive else it.amount > threshold) and not entrusted_exempt
        if subject or p["self_pay_cumulative_items"] == "all_off_catalogue":
            cumulative += it.amount  # LJ-AMB-4 A: small items count towards the total
        bureau = subject and (it.amount > p["self_pay_single_filing"] or cumulative > p["self_pay_cumulative_filing"])
        emergency = ("emergency" in it.tags or is_emergency(case)) and p["emergency_self_pay_handling"] == "post_review"
        if not subject:
            status = "not_subject" if p["subthreshold_items"] == "not_subject" or it.approval == "approved" \
                else "unapproved"
        elif emergency:
            status = "emergency"  # 非急救 items only are refused (第七条第4项); reviewed afterwards
        else:
            bureau_ok = not bureau or it.filed or p["bureau_review_is_approval"] == "no"
            status = "approved" if it.consent and it.approval == "approved" and bureau_ok else "unapproved"
        # 建议方: the facility that proposed the item unless the case records another (LJ-AMB-10 A: 第七条
        # 「凡医疗机构建议使用」); reading B: the person always
        proposer = (it.proposer or "treating_facility") if p["proposer_default"] == "facility" else "patient"
        bearer = "proposer" if status == "unapproved" and proposer not in PERSON_HERSELF else "person"
        out.append(ItemReview(i, it.name, it.amount, subject, cumulative, bureau, status, proposer, bearer))
    return out


# =============================================================================================
# Hooks
# =============================================================================================


@hookimpl
def jiuzhu_eligibility(case, ctx):
    """第二条: 柳江区范围内集中供养和分散供养的城乡特困人员."""
    p = case.person
    groups = tuple(c for c in p.categories if c in ctx.params["target_groups"])
    reasons = []
    if not groups:
        reasons.append(ctx.reason("非特困人员，不适用本办法", "not a person in extreme poverty: outside this measure",
                                  "第二条", "LJ-ELIG-1"))
    if p.support_mode not in MODE_ZH:
        reasons.append(ctx.reason("非集中或分散供养特困人员", "neither institutional nor home-based support",
                                  "第二条第二款", "LJ-ELIG-5"))
    code = p.residence if ctx.params["nexus"] == "residence" else p.hukou  # LJ-AMB-17
    in_district = code.startswith(ctx.params["home_division"])
    if not in_district:
        reasons.append(ctx.reason("身份认定地（或居住地）不在柳江区", "not recognised (or living) in Liujiang District",
                                  "第二条", "LJ-ELIG-1"))
    ok = bool(groups) and p.support_mode in MODE_ZH and in_district
    if ok:
        mode = "ELIG-3" if institutional(case) else "ELIG-4"
        reasons.append(ctx.reason(f"柳江区{MODE_ZH[p.support_mode]}特困人员，适用本办法",
                                  f"{'institutional' if institutional(case) else 'home-based'} person in extreme "
                                  "poverty of Liujiang District: in scope", "第二条", f"LJ-{mode}"))
    return Eligibility(ok, groups if ok else (), tuple(reasons))


@hookimpl
def jiuzhu_referral(case, ctx, eligibility):
    """The care path and its consequences, in the order of LJ-REF-14 (LJ-AMB-7 A)."""
    if not eligibility.eligible:
        return ReferralVerdict("not_covered", (ctx.reason("不属于本办法适用对象", "not a person this measure covers",
                                                          "第二条", "LJ-ELIG-1"),))
    e = case.episode
    if e.kind != "inpatient" and decision_kind(case, ctx) == "routine" and not case.bill.items:
        return ReferralVerdict("not_applicable", (ctx.reason(
            "非住院、手术或高值药品耗材使用，不属本办法管理的就医情形",
            "not an admission, surgery or high-value item: not a care event under this measure", "第二条", "LJ-ELIG-2"),))
    reasons, deadlines = [], []
    reasons += _path_flags(case, ctx)
    deadlines += _filing_deadlines(case, ctx)
    if e.discharged and e.kind == "inpatient":
        deadlines.append(Deadline("出具疾病诊断证明、出院小结、住院费用清单等医疗文书（不得以费用未结清为由扣押）",
                                  "issue the diagnosis certificate, discharge summary and itemised bill (never withheld)",
                                  "医疗机构", "本人或监护人",
                                  add_hours(e.discharge, ctx.params["discharge_documents_hours"]),
                                  f"出院后{ctx.params['discharge_documents_hours']}小时内",
                                  ctx.cite("第十二条", "LJ-DIS-2")))
    kind = "covered"
    where = destination(case, ctx)
    if under_agreement(case, ctx):
        reasons.append(ctx.reason("定点委托托管人员在协议医院的常规治疗，按原协议执行",
                                  "entrusted person's routine care in the agreement hospital follows the agreement",
                                  "第五条", "LJ-ENT-2"))
    if where == "outside" and not insurance_approved(case) and not is_emergency(case):
        kind = "not_covered"  # step 1 of LJ-REF-14
        reasons.append(ctx.reason("未经医保部门审批同意转诊到自治区外就医，医疗救助资金不予支付",
                                  "care outside Guangxi without the insurance bureau's approval: no medical assistance",
                                  "第四条第3项", "LJ-REF-11"))
    if unfiled(case, ctx):
        if ctx.params["unfiled_consequence"] == "not_paid":
            kind = "not_covered"
            who = outing_proposer(case)
            reasons.append(ctx.reason("未经备案自行外出就医，医疗救助资金不予支付，相关费用由" + (
                f"建议方（{ROLES.get(who, who)}）承担" if who else "建议方或当事人自行承担（未载明建议方，由当事人承担）"),
                                      "outside care without any filing: no medical assistance; the proposer or the "
                                      "person bears the cost", "第四条第3项", "LJ-REF-12"))
        elif kind == "covered":
            kind = "pay_first_claim"  # LJ-AMB-7 B
            reasons.append(ctx.reason("未经备案外出就医：先行结算，审核后按规定拨付（备选解释）",
                                      "unfiled outside care: pay first, assistance after review (reading B)",
                                      "第四条第3项", "LJ-AMB-7"))
    branch = pay_first_applies(case, ctx)
    if kind == "covered" and branch:
        kind = "pay_first_claim"
        what = ("在非医疗救助定点医疗机构就医" if branch == "non_designated"
                else "未经基层医疗卫生机构转诊到二级及以上医保定点医疗机构就医")
        reasons.append(ctx.reason(f"{what}，由患者先行结算，凭票据到身份认定地医保部门审核后按规定拨付医疗救助费用",
                                  "non-designated facility or level-2+ facility without a primary referral: the "
                                  "patient pays first and claims with receipts", "第三条第（二）项", "LJ-REF-9"))
        deadlines += _manual_claim(case, ctx)
    elif kind == "covered" and manual_route(case):
        reasons.append(ctx.reason(
            "未能在定点医疗机构“一站式”直接结算的符合规定的医疗费用，持相关材料到柳江区医保部门申请手工医疗救助报销（仍予救助）",
            "costs not settled one-stop at the designated facility are claimed by hand at the district insurance "
            "bureau; still covered", "第十三条", "LJ-SET-3"))
        deadlines += _manual_claim(case, ctx)
    elif branch is None and dated_rule_day(case, ctx) < ctx.params["designated_rule_from"] and (
            "assistance" not in case.facility.designations or not primary_referral(case)):
        reasons.append(ctx.reason(
            f"就医日早于{ctx.params['designated_rule_from'].isoformat()}，定点就医先行结算规定尚未适用",
            "before 2026-01-01 the pay-first rule for non-designated or unreferred care does not apply",
            "第三条第（二）项", "LJ-EFF-3"))
    if kind == "covered" and not manual_route(case):
        reasons.append(ctx.reason("先诊疗后付费：入院时无需缴纳住院押金，出院时仅需结清个人应支付费用",
                                  "treat first, pay later: no deposit on admission; at discharge only the person's "
                                  "own share is settled", "第三条第（四）项", "LJ-SET-1"))
        reasons.append(ctx.reason("通过基本医保、大病保险、医疗救助“一站式”结算系统直接结算",
                                  "settled directly through the one-stop system (basic, critical illness, assistance)",
                                  "第十三条", "LJ-SET-2"))
    if kind != "not_covered":
        reasons += _compliant_reasons(case, ctx)
    reasons += _late_claim(case, ctx, deadlines)
    reasons += _self_pay_reasons(case, ctx)
    return ReferralVerdict(kind, tuple(reasons), tuple(deadlines))


def _path_flags(case, ctx) -> list[Reason]:
    """Unmet duties of the path (首诊、转诊单、市外转诊申请、逾期备案): flagged, payment unaffected (LJ-REF-14)."""
    out = []
    e = case.episode
    if is_emergency(case):
        out.append(ctx.reason("紧急抢救：医疗机构可先行救治，无需事前转诊、签字，送医后24小时内补办备案",
                              "emergency: treat first without prior referral or signature; file within 24 hours",
                              "第十一条", "LJ-REF-13"))
        rule = "LJ-DEC-6" if institutional(case) else "LJ-DEC-7"
        due, first = emergency_report_due(case, ctx), first_filed(case)
        if not filings(case):
            out.append(ctx.reason(f"合规提示：未见送医后的备案/报备记录，应于{moment(due)}前（送医后24小时内）办理；"
                                  "报备是应办事项，不是救助支付的条件",
                                  f"compliance: no report after the emergency admission yet; due by {moment(due)} "
                                  "(24 hours); a duty, not a condition of payment", "第十一条", rule))
        elif is_late(first, due):
            out.append(ctx.reason(f"合规提示：送医后备案/报备逾期（{moment(first)}，应于{moment(due)}前）；"
                                  "本办法未规定逾期的其他后果，不影响救助",
                                  f"compliance: the emergency report was late ({moment(first)}, due "
                                  f"{moment(due)}); the measure states no other consequence: payment unaffected",
                                  "第十一条", rule))
        return out
    first = next((s for s in e.path if s.kind == "first_contact"), None)
    if first is not None and first.to_level != "primary":
        out.append(ctx.reason("未在供养机构内设医疗机构、镇卫生院或社区卫生服务中心首诊",
                              "first contact was not at a primary facility", "第四条第1项", "LJ-REF-2"))
    elif above_primary(case) and not under_agreement(case, ctx) and (
            first is None or any(s.kind == "self" for s in e.path)):
        out.append(ctx.reason("合规提示：未经首诊，自行前往" + ("区级及以上医院" if above_primary(case) else "医院") + "就医",
                              "compliance: self-presentation without first contact at a primary facility",
                              "第四条第1项", "LJ-REF-2"))
    if slip_by_someone_else(case):
        out.append(ctx.reason("合规提示：转诊单非首诊医生出具，不视为转诊单", "compliance: the referral slip is not by the "
                              "first-contact doctor and does not count", "第四条第2项", "LJ-REF-4"))
    elif case.facility.level == "county" and not has_referral_slip(case) and not under_agreement(case, ctx):
        out.append(ctx.reason("转至区级医院未见首诊医生出具的转诊单", "no referral slip from the first-contact doctor",
                              "第四条第2项", "LJ-REF-4"))
    if not institutional(case) and filing_required(case, ctx) and filings(case) \
            and not any(a.by == "township" for a in filings(case)):
        out.append(ctx.reason("合规提示：已报镇人民政府备案，未见镇人民政府统一报柳江区民政局备案",
                              "compliance: filed with the township, but the township's filing with the bureau is "
                              "not recorded", "第四条第2项", "LJ-REF-6"))
    phone_due = _phone_form_due(case, ctx)
    if phone_due is not None:
        forms = [a.on for a in filings(case) if a.method == "form" and a.kind == "filing" and a.on]
        if forms and is_late(min(forms), phone_due):
            out.append(ctx.reason(f"合规提示：电话报备后补表逾期（{min(forms).isoformat()}，应于{moment(phone_due)}前）",
                                  f"compliance: the form after the phone report was late ({min(forms).isoformat()}, "
                                  f"due {moment(phone_due)})", "第四条第2项", "LJ-REF-8"))
    if needs_regional_procedure(case, ctx):
        docs = {d for s in e.path for d in s.documents}
        missing = [d for d in ("转诊转院申请", "医疗救助申请") if d not in docs]
        if missing:
            out.append(ctx.reason(f"市外转诊须按自治区规定办理{'、'.join(missing)}",
                                  "transfer out of the district needs the regional transfer and assistance applications",
                                  "第四条第3项", "LJ-REF-10"))
    if filed_late(case, ctx):
        out.append(ctx.reason("外出就医备案逾期（已补办，不影响救助）", "filing late (made; payment unaffected)",
                              "第四条第2项", "LJ-REF-7"))
    return out


def _filing_deadlines(case, ctx) -> list[Deadline]:
    """Who files the 外出就医备案 with whom, and by when (第四条第2项, 第十一条)."""
    e = case.episode
    out = []
    inst = institutional(case)
    if is_emergency(case):
        due = add_hours(e.admission, ctx.params["emergency_filing_hours"])  # 21:30 + 24 h → next day 21:30
        if inst:
            out.append(Deadline("紧急送医后补办外出就医备案", "complete the filing after emergency admission",
                                "供养机构", "柳江区民政局", due, f"送医后{ctx.params['emergency_filing_hours']}小时内", ctx.cite("第十一条", "LJ-DEC-6")))
        else:
            out.append(Deadline("紧急送医后向镇政府报备并留存抢救材料",
                                "report the emergency admission to the township and keep the rescue records",
                                "监护人或村（居）委会", "镇人民政府", due, f"送医后{ctx.params['emergency_filing_hours']}小时内",
                                ctx.cite("第十一条", "LJ-DEC-7")))
        return out
    if not filing_required(case, ctx):
        return out
    due = filing_deadline(case, ctx)
    if inst:
        out.append(Deadline("填写《外出就医备案表》报民政局备案", "file the outside-care form with the bureau",
                            "供养机构", "柳江区民政局", due, f"外出就医前或入院{ctx.params['filing_hours']}小时内",
                            ctx.cite("第四条第2项", "LJ-REF-7" if due else "LJ-REF-5")))
    else:
        out.append(Deadline("村（居）委会报镇人民政府备案后统一报民政局备案",
                            "village committee files with the township, which files with the bureau",
                            "村（居）委会、镇人民政府", "柳江区民政局", due,
                            f"入院{ctx.params['filing_hours']}小时内（备选解释）" if due else "救助支付前（未规定时限）",
                            ctx.cite("第四条第2项", "LJ-REF-6")))
    due = _phone_form_due(case, ctx)
    if due is not None:
        n = ctx.params["phone_form_working_days"]
        out.append(Deadline("电话报备后补交《外出就医备案表》", "supply the filing form after the phone report",
                            "供养机构" if inst else "村（居）委会", "柳江区民政局", due,
                            f"电话报备后{n}个工作日内" + ("" if inst else "（备选解释）"), ctx.cite("第四条第2项", "LJ-REF-8")))
    return out


def _phone_form_due(case, ctx):
    """「集中供养《外出就医备案表》……特殊情况可先电话报备，3个工作日内补表」 (第四条第2项): the sentence is about the
    institutional form; home-based persons get the limit only under LJ-AMB-16 B. None when no phone report."""
    phone = next((a for a in filings(case) if a.method == "phone" and a.on), None)
    if phone is None or is_emergency(case) or not (
            institutional(case) or ctx.params["home_deadlines"] == "institutional_limits"):
        return None
    start = phone.on if ctx.params["phone_followup_start"] == "phone_report" else case.episode.admitted  # LJ-AMB-14
    return working_days(ctx, start, ctx.params["phone_form_working_days"], "电话报备后补表")


def manual_route(case) -> bool:
    """第十三条: the stay was not settled one-stop (one-stop failed, or the facility is not networked)."""
    return case.episode.settlement in ("manual", "not_networked")


def outing_proposer(case) -> str:
    """建议方 of an unfiled outing (第四条第3项): the episode's recorded proposer, unless it is the person herself
    (then she is 当事人). Not the proposer of a self-pay item: that is another fact (LJ-AMB-10)."""
    who = case.episode.proposed_by
    return "" if who in ("", "patient") else who


def _late_claim(case, ctx, deadlines) -> list[Reason]:
    """LJ-SET-4: a manual claim made after its 15 working days is flagged; the seed states no consequence."""
    claimed = case.episode.claimed_on
    due = next((d.due for d in deadlines if "手工" in d.what_zh), None)
    if claimed is None or not is_late(claimed, due):
        return []
    return [ctx.reason(f"合规提示：手工报销申请逾期（{claimed.isoformat()}，应于{moment(due)}前）；本办法未规定逾期后果，不影响救助",
                       f"compliance: the manual claim was late ({claimed.isoformat()}, due {moment(due)}); the "
                       "measure states no consequence: payment unaffected", "第十三条", "LJ-SET-4")]


def _manual_claim(case, ctx) -> list[Deadline]:
    """手工报销: 集中供养 within 15 working days after discharge (第十三条); 分散供养 has no stated limit."""
    e = case.episode
    if not e.discharged:
        return []
    if institutional(case):
        return [Deadline("凭票据向柳江区医保局申请手工医疗救助报销", "claim assistance manually with receipts",
                         "供养机构协助", "柳江区医疗保障局",
                         working_days(ctx, e.discharged, ctx.params["manual_claim_working_days"], "手工报销申请"),
                         "出院后15个工作日内", ctx.cite("第十三条", "LJ-SET-4"))]
    due = (working_days(ctx, e.discharged, ctx.params["manual_claim_working_days"], "手工报销申请")
           if ctx.params["home_deadlines"] == "institutional_limits" else None)
    return [Deadline("凭票据向柳江区医保局申请手工医疗救助报销", "claim assistance manually with receipts",
                     "村（居）委会或监护人协助", "柳江区医疗保障局", due,
                     "出院后15个工作日内（备选解释）" if due else "未规定时限", ctx.cite("第十三条", "LJ-SET-5"))]


def _self_pay_reasons(case, ctx) -> list[Reason]:
    """One reason per reviewed item, from the same status that moves its money (review_items)."""
    from jiuzhu.model.case import ROLES
    out = []
    reviewer = "供养机构负责人" if institutional(case) else "村（居）委会负责人会同监护人或委托代理人"
    for r in review_items(case, ctx):
        amount = yuan(r.amount)
        if r.status == "unapproved":
            out.append(ctx.reason(
                f"未经审批的非急救自费项目{amount}元：{reviewer}有权在结算时拒付，不得从特困供养经费或救助资金列支",
                f"unapproved non-emergency self-pay item of {amount} yuan: refusable at settlement, not payable from "
                "support or assistance funds", "第七条第4项", "LJ-SELF-7"))
            if r.bearer == "proposer":
                who = ROLES.get(r.proposer, r.proposer)
                out.append(ctx.reason(f"该项目由建议方（{who}）承担：不计入个人负担，亦不属医疗救助",
                                      f"borne by the proposer ({r.proposer}): neither the person's burden nor "
                                      "assistance", "第十四条", "LJ-SELF-9"))
            else:
                out.append(ctx.reason("该项目系本人建议使用：建议方即本人，由本人承担",
                                      "proposed by the person herself: she is the proposer and bears it",
                                      "第十四条", "LJ-SELF-9"))
        elif r.status == "emergency":
            out.append(ctx.reason(f"急救自费项目{amount}元：不适用拒付，事后审核，优先从特困人员供养金或临时救助资金中统筹解决",
                                  f"emergency self-pay item of {amount} yuan: not refusable; reviewed afterwards and "
                                  "funded first from the support allowance or temporary assistance",
                                  "第七条第4项", "LJ-SELF-10"))
        elif r.status == "approved":
            out.append(ctx.reason(f"经审批同意的自费项目{amount}元，优先从特困人员供养金或临时救助资金中统筹解决",
                                  f"approved self-pay item of {amount} yuan: funded first from the support "
                                  "allowance or temporary assistance", "第十四条", "LJ-SELF-8"))
        else:
            out.append(ctx.reason(f"自费项目{amount}元低于双审核起点，无需审批，按合理自费处理",
                                  f"self-pay item of {amount} yuan below the review trigger: no approval needed, "
                                  "treated as reasonable self-pay", "第七条", "LJ-AMB-31"))
    return out


# -- signature (第十条、第十一条) ----------------------------------------------------------------

# 第十条第3项「经特困人员、监护人或乡镇政府书面委托的供养机构负责人/工作人员，或村（居）民委员会指定人员」
ENTRUSTORS = ("patient", "guardian", "township")
AGENT_POSTS = ("institution_head", "institution_staff", "village_designee")
# 第十条注「涉及重大医疗决策时，集中供养机构或村（居）民委员会可作为委托代理人履行签字职责」 (LJ-SIGN-7)
MAJOR_AGENT_POSTS = ("institution", "village_committee")
RANK_ZH = {1: "本人", 2: "法定监护人或法定义务人", 3: "委托代理人", 4: "供养机构负责人或村（居）委会负责人"}


def agent_mandate(case, ctx):
    """LJ-SIGN-4: only a written entrustment, given by the person, the guardian or the township government, to
    the institution's head or staff or a village-committee designee, makes rank 3; for a major decision the
    institution or the village committee itself may be the agent (LJ-SIGN-7). An oral entrustment does not."""
    posts = AGENT_POSTS + (MAJOR_AGENT_POSTS if decision_kind(case, ctx) == "major" else ())

    def check(a):
        if a.entrustment != "written":
            how = "口头委托" if a.entrustment == "oral" else "未载明书面委托"
            return (f"{how}，不构成第三顺位（须书面委托）",
                    f"{'oral entrustment' if a.entrustment == 'oral' else 'no written entrustment stated'}: "
                    "not rank 3 (a written entrustment is required)")
        if a.entrusted_by not in ENTRUSTORS:
            return ("委托人须为特困人员本人、监护人或乡镇政府", "the entrustor must be the person, the guardian or the township")
        if a.acting_as not in posts:
            return ("受托人须为供养机构负责人/工作人员或村（居）民委员会指定人员",
                    "the agent must be the institution's head or staff or a village-committee designee")
        return None
    return check


def resolve_signer(case, ctx):
    """第十条: 本人 → 法定监护人或法定义务人 → 委托代理人 → 供养机构负责人/村（居）委会负责人（报民政局备案）.
    「有前一顺位且具备能力时，不得越位」: a higher rank present and able is never skipped; one who refuses or cannot
    be reached keeps the authority (LJ-AMB-21 A; reading B passes an unreachable one down). 「或涉及重大公共利益时」:
    rank 4 signs whoever else exists (LJ-AMB-20 A; reading B: only when ranks 1–3 are absent).

    Returns (walk, notes)."""
    from jiuzhu.rules.signature import walk
    e = case.episode
    override = e.public_interest and ctx.params["public_interest_overrides_order"] == "yes"
    w = walk(case.person, unreachable_passes_down=ctx.params["unreachable_passes_down"] == "yes",
             agent_valid=agent_mandate(case, ctx), public_interest=override)
    if w.role == "village_committee" and institutional(case):
        w = attrs.evolve(w, role="institution_head", name=case.person.institution)
    notes = []
    for i, (a, zh, en) in enumerate(w.rejected):
        n = case.person.agents.index(a) + 1
        notes.append(ctx.reason(f"第{n}名委托代理人：{zh}", f"agent {n}: {en}", "第十条第3项", "LJ-SIGN-4"))
    silent = [f for f in ("person.has_full_capacity", "person.conscious") if f in case.defaulted]
    if silent and w.rank == 1:
        notes.append(ctx.reason(
            "未载明本人民事行为能力或神志状况的评估结果：按具备完全民事行为能力且神志清楚处理，由本人签字（见警告）"
            + ("；已有法定监护人，应先核实评估结果" if case.person.guardian is not None else ""),
            "the person's capacity or lucidity assessment is not stated: assumed capable and lucid, so the person "
            "signs (see warnings)" + ("; a legal guardian exists: verify the assessment first"
                                       if case.person.guardian is not None else ""), "第十条第1项", "LJ-SIGN-2"))
    urgent = is_emergency(case)
    if w.state == "waits":
        notes.append(ctx.reason("具备能力的上一顺位暂无法联系：不得越位，" + (
            "紧急抢救先行救治" if urgent else "非紧急治疗应等待其签字"),
            "the able higher rank cannot be reached: no skipping; " + (
                "emergency: treat first" if urgent else "non-emergency treatment waits"), "第十条", "LJ-AMB-21"))
    elif w.state == "refuses":
        notes.append(ctx.reason(
            f"第{w.rank}顺位{RANK_ZH[w.rank]}具备能力但拒绝签字：不得越位，不转由后一顺位签字；" + (
                "紧急抢救先行救治，无需事前签字" if urgent else "拒绝记入决策记录，非紧急治疗不得实施"),
            f"rank {w.rank} is able but refuses: no skipping, the next rank may not sign instead; " + (
                "emergency: treat first, no prior signature" if urgent else
                "the refusal is recorded and non-emergency treatment may not proceed"), "第十条", "LJ-AMB-21"))
    elif w.state == "override":
        notes.append(ctx.reason("涉及重大公共利益：由" + ("集中供养机构负责人" if institutional(case) else
                                                   "分散供养人员所在村（居）民委员会负责人") + "签字，并报民政局备案",
                                "major public interest: the head of the institution or village committee signs, "
                                "filed with the bureau", "第十条第4项", "LJ-AMB-20"))
    elif e.public_interest:  # LJ-AMB-20 B
        notes.append(ctx.reason("涉及重大公共利益，但按备选解释仍须无前三顺位人员时方由第四顺位签字",
                                "major public interest, but under reading B rank 4 still needs ranks 1–3 to be absent",
                                "第十条第4项", "LJ-AMB-20"))
    return w, notes


def _rank_reason(ctx, w, kind, signed_4) -> Reason:
    """Who holds the authority, and whether they sign: a refusing or unreachable holder keeps it without signing
    (LJ-AMB-21 A), and in an emergency nobody need sign before care (第十一条「无需事前签字」)."""
    rank, rank_zh = w.rank, RANK_ZH[w.rank]
    if w.state == "refuses":
        zh, en = "其具备能力但拒绝签字，签字权不转移", "able but refuses to sign; the authority does not pass down"
    elif w.state == "waits":
        zh, en = "暂无法联系，待其签字", "not reachable yet; their signature is awaited"
    elif rank == 4 and not signed_4:
        zh, en = "紧急抢救无需事前签字，未有签字", "emergency: no prior signature needed, none given"
    else:
        return ctx.reason(f"第{rank}顺位{rank_zh}签字" + ("，并报民政局备案" if signed_4 else ""),
                          f"rank {rank} signs" + (", filed with the bureau" if signed_4 else ""),
                          f"第十条第{rank}项", f"LJ-SIGN-{rank + 1}")
    return ctx.reason(f"签字权属第{rank}顺位{rank_zh}：{zh}", f"the authority is rank {rank}'s: {en}",
                      f"第十条第{rank}项", f"LJ-SIGN-{rank + 1}")


@hookimpl
def jiuzhu_signature(case, ctx):
    w, notes = resolve_signer(case, ctx)
    rank, role, name, passed = w.rank, w.role, w.name, w.passed
    kind = decision_kind(case, ctx)
    rank_zh = RANK_ZH[rank]
    # 紧急抢救「无需事前签字」: nobody signs at rank 4 before care, so nothing is filed for a signature that was
    # never given; a rank-4 signature the case records afterwards is filed as usual (LJ-DEC-5, LJ-SIGN-6)
    signed_4 = rank == 4 and (kind != "emergency" or case.episode.has("signature", role))
    reasons = [ctx.reason(f"签字主体：第{rank}顺位（{rank_zh}）；有前一顺位且具备能力时不得越位",
                          f"signer: rank {rank}; no rank skipped while a higher one is able", "第十条", "LJ-SIGN-1"),
               _rank_reason(ctx, w, kind, signed_4),
               ctx.reason("谁签字、谁负责：签字人、顺位及其依据记入决策记录",
                          "whoever signs is accountable: signer, rank and basis are recorded", "第三条第（三）项",
                          "LJ-SIGN-8")]
    reasons += [ctx.reason(f"第{po.rank}顺位不签：{po.why_zh}", f"rank {po.rank} passed over: {po.why_en}", "第十条",
                           f"LJ-SIGN-{po.rank + 1}") for po in passed]
    reasons += notes
    approvals, deadlines = [], []
    if rank == 4 and not signed_4:
        reasons.append(ctx.reason("紧急抢救无需事前签字：未有第四顺位签字，无需报民政局备案签字（送医后24小时内补办备案）",
                                  "emergency without prior signature: no rank-4 signature to file (the 24-hour "
                                  "post-filing still applies)", "第十一条", "LJ-DEC-5"))
    if signed_4:
        approvals.append("civil_affairs_bureau")
        deadlines.append(Deadline("第四顺位签字报民政局备案", "file the rank-4 signature with the bureau",
                                  "供养机构负责人" if institutional(case) else "村（居）委会负责人", "柳江区民政局", None,
                                  "未规定时限，随外出就医备案", ctx.cite("第十条第4项", "LJ-SIGN-6")))
        if kind == "routine" and ctx.params["routine_allows_rank4"] == "no":  # LJ-AMB-22 B
            reasons.append(ctx.reason("常规诊疗须由本人、监护人或委托代理人签字：待乡镇政府书面委托后实施",
                                      "routine care needs the person, guardian or agent: wait for a written entrustment",
                                      "第十一条", "LJ-AMB-22"))
            rank, role, name = 3, "agent", ""
    if kind == "routine":
        reasons.append(ctx.reason("常规诊疗：签字主体签字确认后实施", "routine: treatment after the signer confirms",
                                  "第十一条", "LJ-DEC-2"))
    elif kind == "major":
        approvals += ["attending_doctor", "expert"]
        done = case.episode.has("appraisal", "attending_doctor") and case.episode.has("appraisal", "expert")
        if ctx.params["bureau_approval_blocks_major"] == "yes":  # LJ-AMB-19 B: also the bureau's approval
            done = done and case.episode.has("approval", "civil_affairs_bureau")
        reasons.append(ctx.reason(
            "重大诊疗：经主治医生、区卫健局无偿选派的第三方专家评估并出具《重大治疗评估备案表》后方可开展"
            + ("（评估已完成）" if done else "（评估未完成，不得开展）"),
            "major treatment: only after the attending doctor and a third-party expert complete the assessment form"
            + (" (done)" if done else " (not done: treatment may not start)"), "第十一条", "LJ-DEC-3"))
        reasons.append(ctx.reason(
            "重大治疗实行三方评估：" + ("供养机构" if institutional(case) else "村（居）委会")
            + "意见、民政局备案回执与医疗方评估一并记入《重大治疗评估备案表》",
            "three-party assessment: the institution's or village committee's opinion, the bureau's filing receipt "
            "and the medical assessment are recorded on the assessment form", "第三条第（三）项", "LJ-DEC-4"))
        if case.person.entrusted:
            reasons.append(ctx.reason("托管人员涉及重大手术或高值自费项目，仍按第四章履行审批程序",
                                      "entrusted person, major treatment: Chapter 4 still applies", "第五条", "LJ-ENT-3"))
    else:
        reasons.append(ctx.reason("紧急抢救：医疗机构可先行救治，无需事前签字", "emergency: treat first, no prior signature",
                                  "第十一条", "LJ-DEC-5"))
    return SignaturePlan(role, name, rank, kind, passed, tuple(approvals), tuple(reasons), tuple(deadlines))


# -- money (第六条、第十四条) --------------------------------------------------------------------


COMPLIANT_BASE = {  # 「合规医疗费用（符合医保目录）」: which slip columns it covers (parameter compliant_costs)
    "in_scope": "in_scope",
    "listed": "in_scope + first_self_paid",
    "listed_and_over_limit": "in_scope + first_self_paid + over_limit",
}


def compliant_base(ctx) -> str:
    """第六条「合规医疗费用（符合医保目录）」 after basic, critical-illness and other insurance."""
    return f"{COMPLIANT_BASE[ctx.params['compliant_costs']]} - layer.basic_insurance - layer.critical_illness " \
           "- others_paid"


def proposer_layer(case, ctx) -> Layer | None:
    """第十四条: the unapproved items whose proposer is not the person, moved off her burden. What the proposer
    absorbs is not medical assistance (``assistance = False``), so it is never summed as such."""
    lines = [f"items.line.{r.index}" for r in review_items(case, ctx) if r.bearer == "proposer"]
    if not lines:
        return None
    return Layer("proposer_bears", "未经审批自费项目由建议方承担（结算时拒付，非救助资金）",
                 "unapproved self-pay borne by the proposer (refused at settlement; not assistance)",
                 payer="proposer", base=" + ".join(lines), cite=ctx.cite("第十四条", "LJ-SELF-9"), assistance=False)


@hookimpl
def jiuzhu_reimbursement(case, ctx, eligibility, referral):
    """第六条: 住院医疗救助不设起付线，按应计入的住院医疗救助费用的100%给予救助，年累计救助最高限额为60000元；
    仍有不足的，由救助供养经费予以支持. 第十四条: unapproved self-pay falls on the proposer, whether or not
    assistance is paid for the stay."""
    shift = proposer_layer(case, ctx)
    if not referral.covered:  # 医疗救助资金不予支付 (第四条第3项); 第十四条 still holds
        layers = [shift] if shift else []
        if unfiled(case, ctx) and ctx.params["unfiled_consequence"] == "not_paid" and outing_proposer(case):
            # 「相关费用由建议方或当事人自行承担」: a recorded proposer of the outing bears what is left; not assistance
            layers.append(Layer("outing_proposer_bears", "未经备案外出就医相关费用由建议方承担（非救助资金）",
                                "unfiled outside care: the remaining cost borne by the proposer (not assistance)",
                                payer="proposer", base="burden", cite=ctx.cite("第四条第3项", "LJ-REF-12"),
                                assistance=False))
        return Plan(tuple(layers))
    p = ctx.params
    layers = []
    if case.episode.kind == "inpatient":
        # other schemes stand after medical assistance (payer_order): at this point others_paid is what the
        # payers placed before it paid (none by default), so they never reduce medical assistance's base
        after_insurance = compliant_base(ctx)
        if p["countable_ma_source"] == "slip":  # LJ-AMB-28 B: the one-stop system's figure, taken as given
            ma = Layer.from_slip("assistance_paid", ctx.cite("第六条第二款", "LJ-AMB-28"))
        else:
            ma = Layer("medical_assistance", "住院医疗救助（不设起付线，100%）", "inpatient medical assistance",
                       payer="medical_assistance", base=after_insurance, rate=p["inpatient_rate"],
                       deductible=p["inpatient_deductible"], annual_cap=p["inpatient_annual_cap"],
                       program=MA_PROGRAM, cite=ctx.cite("第六条第二款", "LJ-PAY-4"),
                       note_zh="年累计救助最高限额60000元")
        layers.append(ma)
        if p["cap_includes_relief_fund"] == "no":  # LJ-AMB-1 A: the cap bounds medical assistance only
            layers.append(Layer("relief_fund", "救助供养经费", "support fund", payer="relief_fund",
                                base=f"{after_insurance} - layer.{ma.id}", cite=ctx.cite("第六条第一款", "LJ-PAY-6")))
    if shift:
        layers.append(shift)
    return Plan(tuple(layers))


def _compliant_reasons(case, ctx) -> list[Reason]:
    """Say what of the slip's listed costs the chosen reading of 「合规医疗费用（符合医保目录）」 leaves with the person."""
    b, choice = case.bill, ctx.params["compliant_costs"]
    left = [(zh, en, amt) for zh, en, amt, inside in (
        ("乙类先行自付", "Class-B first self-pay", b.first_self_paid, choice != "in_scope"),
        ("超限价自付", "over-limit cost", b.over_limit, choice == "listed_and_over_limit")) if amt and not inside]
    if not left or case.episode.kind != "inpatient":
        return []
    zh = "、".join(f"{z}{yuan(a)}元" for z, _, a in left)
    en = ", ".join(f"{e} {yuan(a)} yuan" for _, e, a in left)
    return [ctx.reason(f"{zh}不计入合规医疗费用（按{'政策范围内费用' if choice == 'in_scope' else '医保目录内费用'}理解），"
                       "由本人承担；另一理解见参数 compliant_costs",
                       f"{en} not counted as compliant cost under the reading chosen (parameter compliant_costs): "
                       "left with the person", "第六条第一款", "LJ-PAY-2")]


def premium_subsidy(ctx) -> PremiumSubsidy:
    """「特困人员参加城乡居民基本医保的个人缴费部分给予全额资助」 (第六条第二款). The seed names no payer or fund."""
    rule = PremiumRule("extreme_poverty", ctx.params["premium_subsidy_rate"],
                       ctx.reason("特困人员参加城乡居民基本医保的个人缴费部分给予全额资助",
                                  "extreme poverty: the individual residents' premium in full", "第六条第二款",
                                  "LJ-PAY-3"))
    return subsidise(rule, ctx.params["premium_individual_contribution"])


@hookimpl
def jiuzhu_payer_order(ctx) -> tuple[SlipPayer, ...]:
    """「经基本医疗保险、大病保险和医疗救助等医疗保障制度规定支付后，仍有不足的，由救助供养经费予以支持」 (第六条):
    basic insurance → critical illness → medical assistance → the other schemes → the support fund. Every other
    payer on the slip stands after medical assistance (computed or from the slip), before the support fund."""
    cite = ctx.cite("第六条第一款", "LJ-PAY-6")
    return tuple(SlipPayer(k, ("medical_assistance", "medical_assistance_slip"), cite) for k in OTHER_PAYER_KINDS)


# -- documents ----------------------------------------------------------------------------------


def _person_data(case) -> dict:
    p = case.person
    return {"name": p.name, "id_number": p.id_number, "support_mode": MODE_ZH.get(p.support_mode, ""),
            "institution": p.institution, "village_committee": p.village_committee}


@hookimpl
def jiuzhu_documents(case, ctx, outcome):
    """附件1–4 and the rank-4 filing the case needs (LJ-DOC-18)."""
    if not outcome.eligibility.eligible or outcome.referral.kind == "not_applicable":
        return []
    e, inst = case.episode, institutional(case)
    docs = []
    if filing_required(case, ctx) or is_emergency(case):
        due = next((d.due for d in outcome.referral.deadlines if "备案" in d.what_zh or "报备" in d.what_zh), None)
        docs.append(DocumentNeed(
            "attachment_1", "外出就医备案表", "outside-care filing form",
            "供养机构" if inst else "村（居）委会、镇人民政府", due,
            {**_person_data(case), "facility": case.facility.name, "facility_level": case.facility.level,
             "facility_location": case.facility.location, "admitted": e.admitted.isoformat(),
             "emergency": is_emergency(case), "referral_slip": has_referral_slip(case),
             "filing_method": "phone" if any(a.method == "phone" for a in filings(case)) else "form"},
            ctx.cite("第四条第2项、附件1", "LJ-DOC-1")))
    reviews = review_items(case, ctx)
    for r in reviews:
        if r.subject:
            docs.append(DocumentNeed(
                "attachment_3", "柳江区特困人员自费项目使用知情同意书", "informed consent for a self-pay item",
                "主治医生", None,
                {**_person_data(case), "item": r.name, "amount": yuan(r.amount), "cumulative": yuan(r.cumulative),
                 "bureau_filing_required": r.bureau_filing, "status": r.status, "proposer": r.proposer,
                 "first_reviewer": "供养机构负责人" if inst else "村（居）委会负责人及监护人/委托代理人",
                 "bureau_route": ("供养机构" if inst else "镇人民政府社会救助经办机构") + "报柳江区民政局社会救助股"},
                ctx.cite("第七条、附件3", "LJ-DOC-3")))
    sig = outcome.signature
    if sig and sig.decision == "major":
        docs.append(DocumentNeed(
            "attachment_4", "重大治疗评估备案表", "major-treatment assessment and filing form",
            "主治医生、第三方专家", None,
            {**_person_data(case), "facility": case.facility.name, "diagnoses": list(e.diagnoses),
             "signer_role": sig.signer_role, "signer_rank": sig.rank,
             "opinion_by": "供养机构" if inst else "村（居）委会"},
            ctx.cite("第十一条、附件4", "LJ-DOC-4")))
    if sig and sig.rank == 4 and "civil_affairs_bureau" in sig.approvals:
        docs.append(DocumentNeed(
            "rank4_filing", "第四顺位签字报民政局备案", "rank-4 signature filed with the bureau",
            "供养机构负责人" if inst else "村（居）委会负责人", None,
            {**_person_data(case), "signer": sig.signer_name, "decision": sig.decision,
             "passed_over": [po.why_zh for po in sig.passed_over]},
            ctx.cite("第十条第4项", "LJ-DOC-7")))
    if outcome.referral.kind == "pay_first_claim" or (outcome.referral.covered and manual_route(case)):
        due = next((d.due for d in outcome.referral.deadlines if "手工" in d.what_zh), None)
        docs.append(DocumentNeed(
            "manual_claim", "手工医疗救助报销申请材料", "manual assistance claim package",
            "供养机构协助" if inst else "村（居）委会或监护人协助", due,
            {**_person_data(case), "facility": case.facility.name,
             "discharged": e.discharged.isoformat() if e.discharged else "", "total": yuan(case.bill.total)},
            ctx.cite("第十三条", "LJ-DOC-10")))
    return docs


# -- follow-up visits (第十六条) -----------------------------------------------------------------


def visit_period(care_level: str, ctx) -> str:
    """全失能每月至少一次，半失能每季度至少一次，具备自理能力年度巡访一次 (第十六条)."""
    return ctx.params[{"fully_disabled": "visit_period_fully_disabled", "semi_disabled": "visit_period_semi_disabled",
                       "self_care": "visit_period_self_care"}[care_level]]


def visit_schedule(care_level: str, year: int, ctx) -> list[dt.date]:
    """The last day of each calendar period of ``year`` by which one township visit is due."""
    period = visit_period(care_level, ctx)
    if period == "year":
        return [dt.date(year, 12, 31)]
    months = range(1, 13) if period == "month" else (3, 6, 9, 12)
    return [quarter_end(dt.date(year, m, 1)) if period == "quarter" else
            (dt.date(year + m // 12, m % 12 + 1, 1) - dt.timedelta(days=1)) for m in months]


def missed_visits(care_level: str, year: int, visits, ctx) -> list[dt.date]:
    """The period ends of ``year`` whose calendar period had no visit."""
    period = visit_period(care_level, ctx)

    def key(d):
        return d.year, (0 if period == "year" else d.month if period == "month" else (d.month - 1) // 3)

    seen = {key(v) for v in visits}
    return [end for end in visit_schedule(care_level, year, ctx) if key(end) not in seen]


# -- programmes the annual caps count in ------------------------------------------------------

@hookimpl
def jiuzhu_programs():
    """「特困人员住院医疗救助不设起付线，按应计入的住院医疗救助费用的100%给予救助，年累计救助最高限额为60000元」
    (第六条第二款): one pool, counting the computed assistance layer or, when the one-stop system's figure
    is taken as given (LJ-AMB-28 B), the slip's medical assistance."""
    from jiuzhu.model.region import Program
    return [Program(MA_PROGRAM, "住院医疗救助", "inpatient medical assistance",
                    ("medical_assistance", "medical_assistance_slip"), cite=INFO.cite("第六条第二款", "LJ-PAY-4"),
                    # the one-stop system's figure taken as given (LJ-AMB-28 B) carries no cap of jiuzhu's
                    cap=lambda ctx, case: None if ctx.params["countable_ma_source"] == "slip"
                    else ctx.params["inpatient_annual_cap"])]


PERIOD_TEXT = {"month": ("每月至少走访一次", "at least once a month"),
               "quarter": ("每季度至少走访一次", "at least once a quarter"),
               "year": ("每年巡访一次", "once a year")}


@hookimpl
def jiuzhu_duties(case, ctx, outcome):
    """「镇人民政府应建立分散供养特困人员定期访视制度。对于全失能特困对象每月至少一次走访……对半失能特困对象每季度
    至少走访……对具备自理能力的特困人员年度巡访一次」 (第十六条): a recurring duty of the township for a home-based
    person; the next visit is due by the end of the period the episode falls in."""
    if case.person.support_mode != "home" or not outcome.eligibility.eligible:
        return []
    period = visit_period(case.person.care_level, ctx)
    day = case.episode.day
    nxt = next((end for end in visit_schedule(case.person.care_level, day.year, ctx) if end >= day), None)
    zh, en = PERIOD_TEXT[period]
    rule = {"fully_disabled": "LJ-VISIT-5", "semi_disabled": "LJ-VISIT-6", "self_care": "LJ-VISIT-7"}[case.person.care_level]
    return [Duty("镇人民政府走访了解健康状况和就医需求", "township visits to check health and care needs",
                 "镇人民政府", zh, en, nxt, ctx.cite("第十六条", rule))]
