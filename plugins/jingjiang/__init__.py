"""靖江市 Jingjiang City: region plugin for jiuzhu.

Source: 靖江市精准医疗救助扶贫实施办法 (靖政办发〔2018〕107号, in force from 2019-01-01). The rule
register is rules.toml; the numbers are in parameters.toml; the funding checks an analyst runs on
premiums and payouts are in :mod:`.funding`.

The "126" model (第二条): one insurance mechanism paid by a contracted insurer on the personal
burden left after basic insurance and the related policies; two flows (care and reimbursement);
six catalogues, of which the designated-facility catalogue decides the rate and the others are
deployment data.
"""

from __future__ import annotations

import datetime as dt

from jiuzhu import Eligibility, Plan, RegionInfo, ReferralVerdict, SourceDocument, hookimpl
from jiuzhu.model.outcome import Deadline, DocumentNeed, OutcomeWarning
from jiuzhu.model.conditions import tags_for
from jiuzhu.model.errors import InputError
from jiuzhu.rules.settle import ROUNDING, Layer, item_lines
from jiuzhu.model.vocab import CATEGORIES, ITEM_COLUMNS
from jiuzhu.model.outcome import due_key
from jiuzhu.rules.workdays import add_hours, is_late
from jiuzhu.model.outcome import Citation
from jiuzhu.model.region import Fund


INFO = RegionInfo(
    code="jingjiang",
    name_zh="靖江市",
    name_en="Jingjiang City",
    division="321282",
    reads_sex=False,  # no rule of the document depends on the person's sex
    # 「精准医疗救助扶贫保险资金实行市、镇分级负担……拨付给保险公司专用帐户」 (第十条): the insurer pays from it
    funds=(Fund("insurer", "精准医疗救助扶贫保险资金", "precision medical-assistance insurance fund",
                Citation("靖江市", "靖政办发〔2018〕107号", "第十条", "JJ-FUND-5")),),
    parent=None,
    level="county",
    documents=(
        SourceDocument(
            number="靖政办发〔2018〕107号",
            title="靖江市精准医疗救助扶贫实施办法",
            issuer="靖江市人民政府办公室",
            issued=dt.date.fromisoformat('2018-11-20'),
            effective_from=dt.date.fromisoformat('2019-01-01'),
            status="in force",
            effective_cite=("第二十六条", "JJ-GEN-1"),  # 「本办法自2019年1月1日起实施。」
        ),
    ),
)

# Facility levels of 第十四条 / 第十九条: the rate follows where the cost arose.
PRIMARY, CITY, NON_DESIGNATED = "primary", "city", "non_designated"
LEVEL_ZH = {PRIMARY: "基层定点医疗机构", CITY: "市级定点医疗机构", NON_DESIGNATED: "非定点医疗机构"}

# 第五条 names the certifying body for some groups; 第四条 lists who leads identification
# (扶贫办、民政局、残联、总工会). JJ-AMB-11 decides the groups 第五条 leaves unnamed.
CERTIFIERS = {
    "registered_poor": "市扶贫办",
    "dibao": "市民政局",
    "extreme_poverty": "市民政局",
    "retrenched_1960s": "市民政局",
    "priority_care": "市民政局",
    "child_in_difficulty": "市民政局",
    "hardship_worker": "市总工会",
    "low_income_mental_illness": "市残联（重度精神病）及市民政局（低收入家庭）",
}
INSURER_CONTACT = "保险公司指定联络人"
REFERRAL_ROLES = ("primary_facility", "referring_facility")
SETTLEMENT_SLIP = "精准医疗结算单"


@hookimpl
def jiuzhu_region():
    return INFO


# -- facts the policy speaks of ------------------------------------------------------------------


def facility_level(case, ctx) -> str:
    """第十四条 “定点医疗机构为基层定点医疗机构（各镇卫生院）、市级定点医疗机构（靖江市人民医院、
    靖江市中医院、靖江市第二人民医院）”; anything else is a non-designated facility (JJ-INST-4)."""
    f = case.facility
    if f.name in ctx.params["city_designated_hospitals"] or f.name in ctx.params["city_designated_aliases"]:
        return CITY
    in_city = f.location.startswith(ctx.info.division)
    if f.level == "primary" and in_city:
        if ctx.params["amb_primary_facilities"] == "any_primary":  # JJ-AMB-27 reading B
            return PRIMARY
        if ctx.params["town_health_centre_marker"] in f.name or f.name in ctx.params["primary_designated_extra"]:
            return PRIMARY
    return NON_DESIGNATED


def target_groups(case, ctx) -> tuple[str, ...]:
    """第五条: 建档立卡低收入农户 and the groups confirmed by 市民政局 / 市总工会, plus
    “低收入家庭中的重度精神病患者” (a low-income family member with a severe mental illness)."""
    groups = [c for c in case.person.categories_on(ctx.day) if c in ctx.params["target_groups"]]
    if low_income_mental_illness(case, ctx):
        groups.append("low_income_mental_illness")
    return tuple(groups)


def low_income_family(case, ctx) -> bool:
    """The low-income family attribute of JJ-ELIG-7 (市民政局, JJ-AMB-11): the category, or a certified
    status of that kind valid on the day the region judges the episode by."""
    return ctx.params["low_income_mental_illness_category"] in case.person.categories_on(ctx.day)


def low_income_mental_illness(case, ctx) -> bool:
    """第五条 「低收入家庭中的重度精神病患者」 is a certified personal status (JJ-ELIG-7: 市残联 for the illness,
    JJ-AMB-11), not the diagnosis of this admission: the person holds a ``severe_mental_illness`` status
    valid on the episode's day, so she is a recipient whether admitted for schizophrenia or pneumonia."""
    return low_income_family(case, ctx) and case.person.holds(ctx.params["low_income_mental_illness_status"], ctx.day)


def uncertified_mental_illness(case, ctx) -> bool:
    """A low-income person admitted for a severe mental illness without the certified status: the
    diagnosis does not make her a recipient (the inventory names a certification, not a diagnosis)."""
    return (low_income_family(case, ctx) and not low_income_mental_illness(case, ctx)
            and "severe_mental_illness" in ctx.conditions(case))


def certifier(group: str, ctx) -> str:
    """JJ-AMB-11: by default each body certifies within its remit; reading B lets 市民政局 certify
    every group listed before “经市总工会核定的”."""
    if ctx.params["amb_certifier"] == "civil_affairs" and group in ("child_in_difficulty", "low_income_mental_illness"):
        return "市民政局"
    return CERTIFIERS[group]


def listed_recipient(case, ctx) -> bool:
    """第六条 “由所属村（居委）民主评议公示确认，经各属地审核后，列入医疗救助对象……原则上一年度一确认”:
    when the deployment loads the year's 救助对象库 (JJ-CAT-1), the person must be in it."""
    registry = ctx.params["catalogue_recipients"]
    # unit id_numbers: each listed number in its one spelling (…x is the person of …X), as the case's
    return not registry or case.person.id_number in registry


def is_insured(case, ctx) -> bool:
    """第六条 “所有救助对象均需参加职工医保或城乡居民医保”."""
    return case.person.scheme in ctx.params["insured_schemes"]


def scheme_is_employees(case) -> bool:
    return case.person.scheme == "employees"


def special_disease(case, ctx) -> bool:
    """第十八条 “门诊特殊病种（各种恶性肿瘤放化疗、终末期肾病透析治疗、器官移植抗排斥治疗），经审核后”."""
    approved = special_approved(case)
    if ctx.params["amb_special_disease_list"] == "open":  # JJ-AMB-13 B: any BMI special disease, once approved
        return approved
    return approved and bool(ctx.conditions(case) & set(ctx.params["special_outpatient_conditions"]))


def special_approved(case) -> bool:
    """第十八条 “经审核后”: the review (审核) is not a referral approval; the reviewer is unnamed (JJ-AMB-13):
    any other approval on the episode."""
    return any(a.kind == "approval" and a.by not in REFERRAL_ROLES for a in case.episode.actions)


def primary_approval(case) -> bool:
    """第十五条 “转至市级定点医疗机构住院治疗的，由基层定点医院认可后方可办理转诊手续”."""
    return case.episode.has("approval", "primary_facility") or case.episode.has("referral_slip", "primary_facility")


def transfer_approved(case) -> bool:
    """第十五条 “必须由市级定点医疗机构出具转院证明并征得市扶贫办书面同意”."""
    return case.episode.has("certificate", "city_hospital") and case.episode.has("consent", "poverty_office")


ACCIDENT_TAGS = {"accidental_injury", "traffic_accident", "injury_third_party"}  # a hospital may send these as tags
CAUSE_TAGS = {"accident_cause", "traffic_accident", "assault", "self_harm", "undetermined_intent"}


def birth_or_planning(case, ctx) -> tuple[str, str] | None:
    """Which of 生育 and 计划生育 the diagnoses name, judged diagnosis by diagnosis: a code that is family
    planning (Z30, Z31.0, O04 medical abortion — a 计划生育 procedure, although chapter XV holds it) is
    计划生育 and not 生育; any other maternity code is 生育. Both parts are named when both are sent
    (a delivery with a sterilisation, O80 + Z30.2)."""
    listed = set(ctx.params["excluded_visit_conditions"])
    birth = planning = False
    for d in case.episode.diagnoses:
        tags = set(tags_for(d, ctx.deployment.conditions))
        if "family_planning" in tags and "family_planning" in listed:
            planning = True
        elif "maternity" in tags and "maternity" in listed:
            birth = True
    parts = [p for p, hit in ((("生育", "childbirth"), birth), (("计划生育", "family planning"), planning)) if hit]
    if not parts:
        return None
    return "、".join(zh for zh, _ in parts), " and ".join(en for _, en in parts)


def childbirth_family_planning_injury(case, ctx) -> tuple[str, str] | None:
    """第二十一条（三） 「生育、计划生育及意外伤害的医疗」, from what a hospital sends: childbirth (O00-O99,
    Z32-Z37, Z39), family planning (Z30, O04, Z31.0; see :func:`birth_or_planning`), and accidental injury:
    an injury code (S00-T79, T90-T98) with an accident external cause (V01-X59, Y85-Y86), or the tag
    ``accidental_injury``. Assault (X85-Y09) is 意外 for the victim (non-intended, the insurance meaning)
    unless ``amb_assault_injury`` says otherwise; self-harm (X60-X84) is not 意外. An injury sent without any
    external cause is presumed accidental (``amb_injury_without_cause``), and the reason says so."""
    tags, p = ctx.conditions(case), ctx.params
    listed = set(p["excluded_visit_conditions"])
    hit = birth_or_planning(case, ctx)
    if hit:
        return hit
    if "accidental_injury" not in listed:
        return None
    if tags & ACCIDENT_TAGS:
        return "意外伤害", "accidental injury"
    if "injury" not in tags:
        return None
    if "accident_cause" in tags:
        return "意外伤害（损伤，外因为意外事故）", "accidental injury (injury with an accident external cause)"
    if "assault" in tags and p["amb_assault_injury"] == "accidental":
        return "意外伤害（损伤，外因为他人加害，非本人意愿）", "accidental injury (assault, not intended by the patient)"
    if not tags & CAUSE_TAGS and p["amb_injury_without_cause"] == "accidental":
        return ("意外伤害（损伤编码未附外因编码，按意外伤害处理）",
                "accidental injury (an injury code without an external cause is presumed accidental)")
    return None


def mass_event(case, ctx) -> bool:
    """第二十一条（七）: rescue in a declared mass event (JJ-AMB-31 A: periods recognised by the PAO)."""
    if case.episode.decision != "emergency":
        return False
    for period in ctx.params["mass_events"]:
        start, _, end = str(period).partition("/")
        if dt.date.fromisoformat(start) <= case.episode.admitted <= dt.date.fromisoformat(end or start):
            return True
    return False


def agreement_end(case, ctx) -> dt.date:
    """第九条 「初次合作协议期限自协议生效之日起至2020年12月31日止……双方可协商继续合作，另行签订合作协议」:
    after the first agreement the renewed agreement's end date is the deployment's (the seed does not give
    it), so evaluating a later case without `renewed_agreement_end` fails naming it."""
    first = ctx.params["insurer_agreement_end"]
    if case.episode.day <= first:
        return first
    renewed = ctx.params["renewed_agreement_end"]
    if renewed <= first:  # 另行签订: the renewal follows the first agreement; an earlier end is a typing error
        raise InputError("parameters.jingjiang.renewed_agreement_end", renewed.isoformat(),
                         f"a date after the first agreement's end {first.isoformat()} (第九条)")
    return renewed


def policy_period_crossed(case, ctx) -> dt.date | None:
    """The agreement's end when a stay admitted within it ends after it (第二十一条（一） 「在保险有效期外发生的
    医疗费用」): under JJ-AMB-19 A the costs after that day are removed line by line (items tagged
    ``outside_policy_period``); under reading B the admission date places the whole stay within the period."""
    end = agreement_end(case, ctx)
    return end if case.episode.admitted <= end < case.episode.day else None


def outside_period_tagged(case) -> bool:
    return any("outside_policy_period" in it.tags for it in case.bill.items)


def filing_day(case) -> dt.date | dt.datetime | None:
    """When the stay was filed (备案) with the insurer's contact, if the case records it: the date-time
    when the case gives the time of day, else the date."""
    days = [a.when for a in case.episode.actions if a.kind == "filing" and a.on
            and (case.episode.discharged is None or a.on <= case.episode.discharged)]
    return min(days, key=due_key) if days else None


def submission_day(case) -> dt.date:
    """The day the claim materials reached the window (第二十三条 “出院后需及时携带相关报销资料”):
    a patient's filing on or after discharge, else the discharge day itself."""
    end = case.episode.discharged or case.episode.admitted
    days = [a.on for a in case.episode.actions if a.kind == "filing" and a.by == "patient" and a.on and a.on >= end
            and case.episode.discharged is not None]
    return max(days) if days else end


def window_claim(case, ctx, level: str) -> bool:
    """JJ-AMB-23 A: only basic-level stays are settled at discharge; city-level and non-designated
    care is claimed at the window after the insurance settlement (第十五条, 第二十三条)."""
    if level == NON_DESIGNATED:
        return True
    return level == CITY and ctx.params["amb_city_settlement"] == "window_claim"


# -- eligibility ---------------------------------------------------------------------------------


@hookimpl
def jiuzhu_eligibility(case, ctx):
    """第五条 target groups within the city; 第六条 every recipient holds basic medical insurance."""
    reasons = []
    in_city = case.person.hukou.startswith(ctx.info.division)
    reasons.append(ctx.reason("户籍在靖江市范围内" if in_city else "户籍不在靖江市范围内（“全市范围内”）",
                              "hukou within Jingjiang City" if in_city else "hukou outside Jingjiang City",
                              "第五条", "JJ-ELIG-10"))
    groups = target_groups(case, ctx)
    for g in groups:
        name = CATEGORIES.get(g, "低收入家庭中的重度精神病患者")
        reasons.append(ctx.reason(f"救助对象类别：{name}，认定部门：{certifier(g, ctx)}",
                                  f"target group {g}, certified by {certifier(g, ctx)}", "第五条", _group_rule(g)))
    if not groups:
        if uncertified_mental_illness(case, ctx):
            reasons.append(ctx.reason(
                f"本次诊断为重度精神病，但{ctx.day.isoformat()}未持有经认定的重度精神病患者身份（person.statuses）："
                "诊断不能代替认定", "a severe-mental-illness diagnosis without a certified status valid on "
                f"{ctx.day.isoformat()}: a diagnosis does not replace the certification", "第五条", "JJ-ELIG-7"))
        reasons.append(ctx.reason("不属于第五条所列救助对象", "not in a target group of 第五条", "第五条", "JJ-ELIG-9"))
    listed = listed_recipient(case, ctx)
    if not listed:
        reasons.append(ctx.reason("未列入本年度救助对象库（须经村（居）民主评议公示、属地审核并年度确认）",
                                  "not listed in this year's recipient registry", "第六条", "JJ-ELIG-13"))
    insured = is_insured(case, ctx)
    if not insured:
        if ctx.params["amb_uninsured"] == "case_by_case":
            reasons.append(ctx.reason("未参加基本医疗保险：按JJ-AMB-20乙解读，另行研究", "not insured: decided case by case",
                                      "第六条", "JJ-AMB-20"))
        else:
            reasons.append(ctx.reason("未参加职工医保或城乡居民医保，不享受救助，应先参保",
                                      "holds no basic medical insurance: not entitled, refer for enrolment",
                                      "第六条", "JJ-ELIG-14"))
    ok = in_city and bool(groups) and listed and (insured or ctx.params["amb_uninsured"] == "case_by_case")
    return Eligibility(ok, groups, tuple(reasons))


def _group_rule(group: str) -> str:
    return {"registered_poor": "JJ-ELIG-1", "dibao": "JJ-ELIG-2", "extreme_poverty": "JJ-ELIG-3",
            "retrenched_1960s": "JJ-ELIG-4", "priority_care": "JJ-ELIG-5", "child_in_difficulty": "JJ-ELIG-6",
            "low_income_mental_illness": "JJ-ELIG-7", "hardship_worker": "JJ-ELIG-8"}[group]


# -- referral: exclusions of the whole visit, care path, deadlines -------------------------------


def visit_exclusion(case, ctx, level: str):
    """The 第二十一条 exclusions that remove the whole claim; None when none applies."""
    ep = case.episode
    end = agreement_end(case, ctx)
    if ep.admitted > end:  # every cost of the stay arose after the agreement ended (a crossing stay: policy_period_crossed)
        return (f"无有效的保险公司合作协议（协议期限至{end.isoformat()}），转市扶贫办",
                "no insurer agreement in force on this date; route to the PAO", "第九条", "JJ-FUND-3")
    if ep.kind == "outpatient" or (ep.emergency and ep.kind != "inpatient"):
        return ("普通门诊（含门诊慢性病）、急诊的医疗费用不列入救助范围",
                "ordinary outpatient, chronic outpatient and emergency visits are excluded", "第二十一条（二）", "JJ-EXCL-2")
    if ep.kind == "special_outpatient" and not special_disease(case, ctx):
        if special_approved(case) and ctx.params["amb_special_disease_list"] == "closed":
            # reviewed, but the diagnoses name none of the three diseases: say so, so that a gap in the
            # diagnosis table shows instead of reading as a missing review
            return ("诊断编码（episode.diagnoses）均不对应第十八条所列门诊特殊病种（恶性肿瘤放化疗、终末期肾病透析、"
                    "器官移植抗排斥），按普通门诊不予救助；如属所列病种，请核对诊断编码",
                    "no diagnosis maps to a special disease of 第十八条; check the codes if it is one",
                    "第十八条", "JJ-PAY-3")
        return ("门诊特殊病种未经审核（第十八条“经审核后”）",
                "the outpatient special disease has not been reviewed (approved)", "第十八条", "JJ-PAY-3")
    # A work injury is named first: its cost belongs to work-injury insurance (（九）), which the outcome must
    # say, even when its injury code would also read as an accident under （三）.
    if ctx.conditions(case) & set(ctx.params["payable_by_others_conditions"]):
        return ("工伤（ICD-10 Y96 或 work_injury）：应由工伤保险支付的费用不列入救助范围",
                "a work injury: payable by work-injury insurance, excluded", "第二十一条（九）", "JJ-EXCL-9")
    hit = childbirth_family_planning_injury(case, ctx)
    if hit:
        zh, en = hit
        return (f"{zh}：生育、计划生育及意外伤害的医疗不列入救助范围", f"{en}: childbirth, family planning and "
                "accidental injury are excluded", "第二十一条（三）", "JJ-EXCL-3")
    if mass_event(case, ctx):
        return ("突发性疾病流行和自然灾害等造成的大范围急危重病人抢救不列入救助范围",
                "rescue in a declared mass epidemic or disaster is excluded", "第二十一条（七）", "JJ-EXCL-7")
    if level == NON_DESIGNATED:
        if not transfer_approved(case):
            # 第二十一条（八） speaks of 住院; other care at a non-designated facility fails 第十五条's gate
            # 「必须由市级定点医疗机构出具转院证明并征得市扶贫办书面同意，方可享受救助政策」
            article, rule = ("第二十一条（八）", "JJ-EXCL-8") if ep.kind == "inpatient" else ("第十五条", "JJ-REF-2")
            return ("未经批准在非定点医疗机构就医：须市级定点医疗机构转院证明并经市扶贫办书面同意",
                    "non-designated care without the city hospital's certificate and the PAO's written consent",
                    article, rule)
        if ctx.params["amb_non_designated_bmi"] == "required" and "insurance" not in case.facility.designations:
            return ("非定点医疗机构须为医保定点，其费用方可计入（第十九条“在定点医疗机构发生的”）",
                    "a non-designated facility must still be insurance-designated", "第十九条", "JJ-AMB-12")
        if ctx.params["amb_non_designated_level"] == "higher_level" and case.facility.level not in ("city", "provincial"):
            return ("转诊须至上一级非定点医院", "a transfer must go to a higher-level hospital", "第二十三条", "JJ-AMB-22")
    if level == CITY and not primary_approval(case):
        needs = ep.kind == "inpatient" or ctx.params["amb_special_outpatient_city"] == "approval"
        if needs and ctx.params["amb_city_without_referral"] == "not_covered":
            return ("转至市级定点医疗机构住院须经基层定点医院认可后办理转诊手续",
                    "a city-level stay needs the basic-level hospital's referral approval", "第十五条", "JJ-REF-1")
    return None


def filing_deadline(case, ctx, level: str) -> Deadline | None:
    """第二十二条 “医疗机构需在救助对象入院48小时内向保险公司指定联络人备案”; 第二十三条 转诊住院
    “救助对象需在入院72小时内向保险公司指定联络人备案”. Only stays are filed."""
    if case.episode.kind != "inpatient":
        return None
    if level == PRIMARY:
        h = ctx.params["filing_hours_primary"]
        return Deadline("住院备案（向保险公司指定联络人）", "file the admission with the insurer's contact",
                        "primary_facility", INSURER_CONTACT, add_hours(case.episode.admission, h), f"入院后{h}小时内",
                        ctx.cite("第二十二条", "JJ-FLOW-5"))
    h = ctx.params["filing_hours_referral"]
    return Deadline("转诊住院备案（向保险公司指定联络人）", "file the referral admission with the insurer's contact",
                    "patient", INSURER_CONTACT, add_hours(case.episode.admission, h), f"入院后{h}小时内",
                    ctx.cite("第二十三条", "JJ-FLOW-9"))


def claim_deadlines(case, ctx) -> tuple[Deadline, ...]:
    """第二十三条 “相关单位应在2个工作日内办理报销手续，5个工作日内将救助费用通过打卡方式支付给救助对象”:
    both clocks from the day complete materials arrive (JJ-AMB-7 A), on the official calendar."""
    sub = submission_day(case)
    n_proc, n_pay = ctx.params["processing_working_days"], ctx.params["payment_working_days"]
    proc = ctx.calendar.add_working_days(sub, n_proc)
    if ctx.params["amb_payment_clock"] == "after_processing":
        pay, pay_rule = ctx.calendar.add_working_days(sub, n_proc + n_pay), f"提交材料后{n_proc}+{n_pay}个工作日内"
    else:
        pay, pay_rule = ctx.calendar.add_working_days(sub, n_pay), f"提交材料后{n_pay}个工作日内"
    return (
        Deadline("办理报销手续", "process the claim", "insurer", "patient", proc, f"提交材料后{n_proc}个工作日内",
                 ctx.cite("第二十三条", "JJ-FLOW-11")),
        Deadline("救助费用打卡支付给救助对象", "pay the assistance to the bank card", "insurer", "patient", pay, pay_rule,
                 ctx.cite("第二十三条", "JJ-FLOW-12")),
    )


def month_end(day: dt.date) -> dt.date:
    nxt = dt.date(day.year + day.month // 12, day.month % 12 + 1, 1)
    return nxt - dt.timedelta(days=1)


def month_end_settlement(case, ctx) -> Deadline:
    """第二十二条 “救助对象精准救助费用由相关基层定点医院先行垫付，保险公司每月底集中结算划拨给基层定点医院”
    (JJ-AMB-29 A: by the last calendar day of the discharge month)."""
    return Deadline("保险公司月底集中结算划拨垫付的救助费用", "insurer refunds the advanced assistance at month end",
                    "insurer", case.facility.name, month_end(case.episode.day), "出院当月月底",
                    ctx.cite("第二十二条", "JJ-FLOW-8"))


@hookimpl
def jiuzhu_referral(case, ctx, eligibility):
    if not eligibility.eligible:
        return ReferralVerdict("not_covered", (ctx.reason("不是救助对象", "not a recipient", "第五条", "JJ-ELIG-9"),))
    if not is_insured(case, ctx):  # JJ-AMB-20 reading B only reaches here
        return ReferralVerdict("case_by_case", (ctx.reason("未参保救助对象：另行研究", "uninsured recipient: case by case",
                                                           "第六条", "JJ-AMB-20"),))
    level = facility_level(case, ctx)
    reasons = [ctx.reason(f"就医机构：{LEVEL_ZH[level]}", f"facility: {level}", "第十四条",
                          {PRIMARY: "JJ-INST-1", CITY: "JJ-INST-2", NON_DESIGNATED: "JJ-INST-4"}[level])]
    excluded = visit_exclusion(case, ctx, level)
    if excluded:
        zh, en, art, rule = excluded
        return ReferralVerdict("not_covered", (*reasons, ctx.reason(zh, en, art, rule)))
    if ctx.params["amb_mass_event"] == "case_by_case" and case.episode.decision == "emergency":
        return ReferralVerdict("case_by_case", (*reasons, ctx.reason("紧急抢救：是否属大范围抢救由保险公司个案认定",
                                                                     "emergency rescue: the insurer decides", "第二十一条（七）",
                                                                     "JJ-AMB-31")))
    crossed = policy_period_crossed(case, ctx)
    if crossed and ctx.params["amb_policy_period"] == "by_line":
        reasons.append(ctx.reason(
            f"住院跨越保险有效期（至{crossed.isoformat()}）：此后发生的费用按费用明细剔除（bill.items 标注 outside_policy_period）",
            f"the stay runs past the insurance period (to {crossed.isoformat()}): later costs are removed by line",
            "第二十一条（一）", "JJ-EXCL-1"))
    elif crossed:
        reasons.append(ctx.reason(
            f"住院跨越保险有效期（至{crossed.isoformat()}）：按入院日期，整次住院费用计入（JJ-AMB-19 读法B）",
            f"the stay runs past the insurance period (to {crossed.isoformat()}): the admission date places it within",
            "第二十一条（一）", "JJ-AMB-19"))
    if case.episode.kind == "special_outpatient":
        reasons.append(ctx.reason("门诊特殊病种经审核，参照住院报销比例救助", "approved special outpatient disease, at the inpatient rate",
                                  "第十八条", "JJ-PAY-3"))
    if level == CITY and primary_approval(case):
        reasons.append(ctx.reason("经基层定点医院认可转诊", "referred with the basic-level hospital's approval", "第十五条", "JJ-REF-1"))
    if level == NON_DESIGNATED:
        reasons.append(ctx.reason("市级定点医疗机构出具转院证明并经市扶贫办书面同意", "city hospital's certificate and PAO consent",
                                  "第十五条", "JJ-REF-2"))
    if not case.person.card_number:
        reasons.append(ctx.reason("未记录《精准医疗救助卡》号：凭身份证和救助卡核实身份后结算",
                                  "no assistance card recorded: settle once identity is verified", "第七条", "JJ-CARD-2"))
    deadlines = []
    filing = filing_deadline(case, ctx, level)
    if filing:
        deadlines.append(filing)
        filed = filing_day(case)
        if is_late(filed, filing.due):  # to the minute when both times are given, else by the day
            if ctx.params["amb_late_filing"] == "defeats_claim":
                return ReferralVerdict("not_covered", (*reasons, ctx.reason("逾期备案，不予救助", "filed late: claim defeated",
                                                                            filing.cite.article, "JJ-AMB-15")))
            reasons.append(ctx.reason("逾期备案：提请保险公司、市扶贫办复核", "filed late: flagged for review",
                                      filing.cite.article, "JJ-AMB-15"))
    if window_claim(case, ctx, level):
        reasons.append(ctx.reason("出院后先至医保部门报销，剩余部分至基层定点医院“126”专用窗口或保险公司理赔窗口报销",
                                  "settle basic insurance first, then claim the rest at the 126 window", "第十五条", "JJ-REF-3"))
        deadlines += claim_deadlines(case, ctx)
        return ReferralVerdict("pay_first_claim", tuple(reasons), tuple(deadlines))
    reasons.append(ctx.reason("由定点医疗机构代为结报，基层定点医院先行垫付", "settled at discharge by the facility, which advances the money",
                              "第二十条", "JJ-FLOW-7"))
    if level == PRIMARY:
        deadlines.append(month_end_settlement(case, ctx))
    return ReferralVerdict("covered", tuple(reasons), tuple(deadlines))


@hookimpl
def jiuzhu_signature(case, ctx):
    # The seed sets no signature-authority order; the region says nothing.
    return None


# -- reimbursement -------------------------------------------------------------------------------


def assistance_rate(case, ctx, level: str):
    """第十九条: 基层 80% (居民) / 50% (职工); 市级 70% / 30%; 非定点 30%. Returns (rate, article, rule)."""
    if level == PRIMARY:
        name = "rate_primary_employees" if scheme_is_employees(case) else "rate_primary_residents"
        return ctx.params[name], "第十九条（一）", "JJ-PAY-6"
    if level == CITY:
        name = "rate_city_employees" if scheme_is_employees(case) else "rate_city_residents"
        return ctx.params[name], "第十九条（二）", "JJ-PAY-7"
    return ctx.params["rate_non_designated"], "第十九条（三）", "JJ-PAY-8"


def excluded_item_tags(ctx) -> list[str]:
    """Bill-item tags whose lines 第二十一条 removes from the base."""
    tags = ["organ_source", "special_needs", "over_price", "maternity", "family_planning", "accidental_injury"]
    tags += ctx.params["expensive_exam_tags"] if ctx.params["amb_expensive_exams"] == "open" else ["pet_ct", "capsule_endoscopy"]
    if ctx.params["amb_over_price"] == "whole_line":
        tags.append("over_priced_line")  # the part of an over-priced line up to the official price
    if ctx.params["amb_payable_by_others"] == "payable":
        tags.append("third_party_payable")  # payable by another insurer or a liable party, not yet collected
    if ctx.params["amb_policy_period"] == "by_line":
        tags.append("outside_policy_period")
    if ctx.params["amb_emergency_in_stay"] == "excluded":
        tags.append("emergency")
    return tags


def removed_columns(ctx) -> tuple[str, ...]:
    """The slip columns the base removes whole: 全自费 under JJ-AMB-1 A (only catalogue-listed costs count)."""
    return ("fully_self_paid",) if ctx.params["amb_catalogue_conformity"] == "listed_only" else ()


def excluded_lines(case, ctx) -> tuple[str, ...]:
    """The items 第二十一条 removes, each once however many exclusions it falls under, and none that sits
    in a column the base already removes (a PET-CT that is itself the unlisted cost is removed once)."""
    keep = [c for c in ITEM_COLUMNS if c not in removed_columns(ctx)]
    return item_lines(case.bill.items, excluded_item_tags(ctx), keep)


def assistance_base(case, ctx) -> str:
    """第十九条 “经基本医疗、大病保险、民政救助、健康扶贫补充保险或其他第三方补偿报销后，剩余个人累计负担的
    合理医疗费用……包含政策范围内费用和政策范围外费用”: what is left after the earlier layers, less the
    unlisted costs (JJ-AMB-1 A) and the excluded lines of 第二十一条. An excluded item in the out-of-scope
    columns is wholly the patient's; one in ``in_scope`` is removed at its amount, because the slip does
    not say how much of that line insurance paid (the outcome warns, :func:`in_scope_exclusions`).

    JJ-AMB-2 reading A (default): the other channels' payments come off the eligible share. Reading B
    (:func:`other_payers_paid_excluded_first`): the eligible share after basic insurance, bounded by what the
    other channels left, ``min(eligible share, burden)`` (the bound is :func:`assistance_base_limit`)."""
    start = "total - basic_paid" if other_payers_paid_excluded_first(ctx) else "burden"
    return " - ".join([start, *removed_columns(ctx), *excluded_lines(case, ctx)])


def other_payers_paid_excluded_first(ctx) -> bool:
    """JJ-AMB-2 reading B: the other channels (critical illness, civil affairs, health-poverty insurance, third
    parties) are taken to have paid the excluded costs first."""
    return ctx.params["amb_other_payers_allocation"] == "excluded_first"


def assistance_base_limit(ctx) -> str | None:
    """Under JJ-AMB-2 reading B the base never exceeds the personal share less the other channels (the burden
    left at this layer); None under reading A."""
    return "burden" if other_payers_paid_excluded_first(ctx) else None


def in_scope_exclusions(case, ctx) -> list[int]:
    """Indices of excluded items sitting in the in-scope cost."""
    lines = set(excluded_lines(case, ctx))
    return [i for i, it in enumerate(case.bill.items) if it.column == "in_scope" and f"items.line.{i}" in lines]


@hookimpl
def jiuzhu_warnings(case, ctx, outcome):
    """An excluded line in the in-scope cost is removed at its whole amount: the slip does not allocate the
    basic insurance payment to lines, so the part of it the patient bore is not known (JJ-PAY-4 removes
    only that part). Said so that a hospital can send the line's out-of-scope part as its own item."""
    if not outcome.referral.covered:
        return []
    out = []
    crossed = policy_period_crossed(case, ctx)
    if crossed and ctx.params["amb_policy_period"] == "by_line" and not outside_period_tagged(case):
        out.append(OutcomeWarning(
            "policy_period_crossed",
            f"住院跨越保险有效期（至{crossed.isoformat()}），但无费用明细标注 outside_policy_period：此后发生的费用未剔除，"
            "请按费用发生日报送明细",
            f"the stay runs past the insurance period (to {crossed.isoformat()}) but no bill item is tagged "
            "outside_policy_period: nothing after that day was removed; send those lines", "bill.items",
            ctx.cite("第二十一条（一）", "JJ-EXCL-1")))
    return out + [OutcomeWarning(
        "item_in_scope",
        f"bill.items[{i}]属第二十一条剔除项目，位于政策范围内费用：结算单未按项目分摊基本医保支付，按该项目全额"
        "从个人负担中剔除；如医保已支付其中一部分，剔除多于个人实际负担",
        f"bill.items[{i}] is excluded by 第二十一条 and sits in the in-scope cost: the slip does not allocate the "
        "basic insurance payment to lines, so its whole amount is removed from the burden (more than the patient "
        "bore on it if insurance paid part)", f"bill.items[{i}].column", ctx.cite("第二十一条", "JJ-PAY-4"))
        for i in in_scope_exclusions(case, ctx)]


@hookimpl
def jiuzhu_reimbursement(case, ctx, eligibility, referral):
    # 第十七条: civil-affairs assistance runs by its own rules; its figure on the slip is taken as given.
    civil = Layer.from_slip("assistance_paid", ctx.cite("第十七条", "JJ-PAY-1"))
    if not referral.covered:
        return Plan((civil,))
    level = facility_level(case, ctx)
    rate, article, rule = assistance_rate(case, ctx, level)
    note = f"{LEVEL_ZH[level]}，个人负担部分按{rate.numerator * 100 // rate.denominator}%救助"
    if other_payers_paid_excluded_first(ctx):
        note += "；基数取可救助个人负担与扣除其他渠道后剩余负担之较小者（JJ-AMB-2 读法B）"
    if ctx.params["amb_rounding"] == "yuan":
        note += "；按元四舍五入（JJ-AMB-28 读法B）"
    precise = Layer("precision_assistance", "精准医疗救助扶贫保险", "precision medical assistance insurance",
                    payer="insurer", base=assistance_base(case, ctx), base_limit=assistance_base_limit(ctx), rate=rate,
                    cite=ctx.cite(article, rule), note_zh=note, round_to=ROUNDING[ctx.params["amb_rounding"]])
    return Plan((civil, precise))


# -- documents -----------------------------------------------------------------------------------


@hookimpl
def jiuzhu_documents(case, ctx, outcome):
    """The forms a covered case needs (第二十二条 to 第二十四条)."""
    if not outcome.referral.covered:
        return []
    level = facility_level(case, ctx)
    p, ep = case.person, case.episode
    layers = {l.id: l.amount for l in outcome.settlement.layers}
    assistance = layers.get("precision_assistance", 0)
    deadlines = {d.cite.rule: d for d in outcome.referral.deadlines if d.cite}
    docs = []
    filing = deadlines.get("JJ-FLOW-5") or deadlines.get("JJ-FLOW-9")
    if filing:
        docs.append(DocumentNeed("filing_record", "住院备案登记", "admission filing record", filing.who, filing.due,
                                 {"name": p.name, "id_number": p.id_number, "card_number": p.card_number,
                                  "facility": case.facility.name, "admitted": ep.admitted.isoformat(),
                                  "filed": filed.isoformat() if (filed := filing_day(case)) else "", "contact": INSURER_CONTACT},
                                 filing.cite))
    common = {"name": p.name, "id_number": p.id_number, "card_number": p.card_number, "scheme": p.scheme,
              "facility": case.facility.name, "facility_level": level, "admitted": ep.admitted.isoformat(),
              "discharged": ep.discharged.isoformat() if ep.discharged else "", "total": case.bill.total,
              "basic_paid": case.bill.basic_paid, "critical_paid": case.bill.critical_paid,
              "civil_affairs_paid": case.bill.assistance_paid, "other_paid": case.bill.other_paid,
              "assistance": assistance, "burden": outcome.settlement.burden}
    if not window_claim(case, ctx, level):
        docs.append(DocumentNeed("settlement_slip", "精准医疗结算单", "precision medical assistance settlement slip",
                                 "primary_facility" if level == PRIMARY else "city_hospital", ep.day, common,
                                 ctx.cite("第二十二条", "JJ-FLOW-7")))
        return docs
    pay = deadlines.get("JJ-FLOW-12")
    docs.append(DocumentNeed("claim_materials", "转诊报销材料清单", "referral claim materials", "patient",
                             submission_day(case), {**common, "items": claim_materials(case, ctx, level)},
                             ctx.cite("第二十四条", "JJ-DOC-1")))
    docs.append(DocumentNeed("payment_record", "救助费用打卡支付记录", "bank-card payment record", "insurer",
                             pay.due if pay else None, {**common, "submitted": submission_day(case).isoformat()},
                             ctx.cite("第二十三条", "JJ-FLOW-12")))
    return docs


def claim_materials(case, ctx, level: str) -> list[str]:
    """第二十四条 救助对象转诊报销需提供的材料; JJ-AMB-24 A: items (三) and (五) by claim type."""
    conditional = ctx.params["amb_claim_materials"] == "conditional"
    items = ["救助对象本人身份证正反两面复印件", "银行卡正反两面复印件"]
    if not conditional or case.episode.kind == "special_outpatient":
        items.append("特殊病种门诊病历复印件")
    if not conditional or case.episode.kind == "inpatient":
        items.append("出院小结")
    items += ["发票或发票复印件", "费用清单", "基本医疗保险结算单"]
    if level == CITY:
        items.append("转诊手续（基层定点医院认可）")
    else:
        items.append("转诊手续（市级定点医疗机构转院证明、市扶贫办书面同意）")
    earlier_stay = any(s.to_level == "primary" and SETTLEMENT_SLIP in s.documents for s in case.episode.path)
    if not conditional or earlier_stay:
        items.append("相关基层定点医院精准医疗结算单")
    return items


@hookimpl
def jiuzhu_programs():
    """The document sets no annual cap on what this region's layers pay: no programme to count."""
    return []
