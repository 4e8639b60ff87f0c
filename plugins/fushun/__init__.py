"""抚顺市 Fushun City: region plugin for jiuzhu.

Source: 抚顺市人民政府办公厅关于进一步加强和完善医疗救助工作的实施意见 (抚政办发〔2014〕67号).
The rule register is rules.toml; the numbers are in parameters.toml. Premium subsidies (§四(一)) are
in :mod:`.premiums`, the funding checks an analyst runs over a year of outcomes (§六(二)) in
:mod:`.funding`.

Assistance is computed as payer layers after the insurance slip:

* 门诊救助 ``outpatient_assistance``: 60 %, 70 yuan a year;
* 特病门诊救助 ``special_outpatient_assistance``: 60 %, 1,000 yuan a year, its own pool;
* 住院救助 ``inpatient_assistance``: 60 %, 5,000 yuan a year (near-dibao at 60 % of that standard);
* 重特大疾病救助 ``major_disease_assistance``: 50 % of what is left after basic assistance,
  10,000 yuan a year, its own pool.

The base of each is the compliant self-pay (个人承担的符合规定的自负费用): the in-scope cost less what
basic insurance, critical-illness insurance and other payers paid; the deductible stays in it.
"""

from __future__ import annotations

import datetime as dt
from fractions import Fraction
from pathlib import Path

import attrs

from jiuzhu import Eligibility, Plan, RegionInfo, ReferralVerdict, SourceDocument, hookimpl
from jiuzhu.model.conditions import tags_for
from jiuzhu.model.money import round_half_up
from jiuzhu.model.outcome import DocumentNeed, OutcomeWarning
from jiuzhu.model.errors import InputError
from jiuzhu.rules.settle import ROUNDING, Layer, parse_base
from jiuzhu.model.outcome import Citation
from jiuzhu.model.region import Fund

HERE = Path(__file__).parent
DOC = "抚政办发〔2014〕67号"

INFO = RegionInfo(
    code="fushun",
    name_zh="抚顺市",
    name_en="Fushun City",
    division="210400",
    # 「财政部门负责医疗救助基金的筹集、核拨和支付工作」 (六（三）): 门诊、住院、重特大疾病救助 pay from it
    funds=(Fund("medical_assistance", "医疗救助基金", "medical assistance fund",
                Citation("抚顺市", DOC, "六（三）", "FS-ADMIN-3")),),
    parent=None,
    level="city",
    # 「每人每年」: a claim counts in the calendar year of its settlement (discharge) date (FS-AMB-2
    # default); a deployment sets [date_basis] fushun = "admission" for the other reading.
    date_basis="discharge",
    # the near-dibao pool's year-to-date decides whether the case is accepted at all under FS-AMB-19
    # reading A (it is refused there), so a batch groups claims by it
    reads_history=("near_dibao_inpatient_assistance",),
    reads_sex=True,  # the diseases of women (妇女乳腺癌、宫颈癌) count as major only for a woman (FS-MAJOR)
    documents=(
        SourceDocument(
            number=DOC,
            title="抚顺市人民政府办公厅关于进一步加强和完善医疗救助工作的实施意见",
            issuer="抚顺市人民政府办公厅",
            issued=dt.date.fromisoformat("2014-11-27"),
            # The document states no effective date (FS-AMB-16): the `effective_date` parameter
            # defaults to the signing date and a deployment may move it to the printing date.
            effective_from=None,
            status="in force",
        ),
    ),
)

# 个人承担的符合规定的自负费用: in-scope cost after basic insurance (含新农合), critical illness and
# other payers (§四(二), §五(一)). Uninsured people have no payouts, so their base is the whole
# in-scope cost (FS-COORD-3) with the same expression.
SELF_PAY = "in_scope - basic_paid - critical_paid - other_paid"

OUTPATIENT, SPECIAL, INPATIENT = "outpatient", "special_outpatient", "inpatient"
MODE_ZH = {OUTPATIENT: "门诊救助", SPECIAL: "特病门诊救助", INPATIENT: "住院救助"}
FULL, NEAR = "full", "near"


# -- facts of the case, named after the policy ------------------------------------------------


@attrs.frozen
class Claim:
    """How the policy sees one episode."""

    group: str | None  # FULL (低保、特困) / NEAR (低保边缘) / None
    mode: str  # OUTPATIENT / SPECIAL / INPATIENT (FS-BASIC-2)
    quasi_inpatient: bool  # outpatient cost insurance compensated on inpatient terms (FS-COORD-2)
    special_tags: frozenset[str]  # the special-outpatient diseases that qualify (FS-BASIC-6)
    major: str | None  # the major disease that qualifies (FS-MAJOR-1/2)
    rural_smi: bool  # 农村困难家庭重性精神病患者 (FS-MAJOR-6)
    route: str  # designated / referred / emergency / violation (FS-REF)


def category_day(case, ctx) -> dt.date:
    """FS-AMB-19: the category counts on the service (admission) date (reading A, default) or on the
    settlement date, the date FS-AMB-2 places the claim by (reading B, ``category_reading``)."""
    return case.episode.admitted if ctx.params["category_reading"] == "admission_one_pool" else case.episode.day


def categories(case, ctx) -> tuple[str, ...]:
    """The person's categories on the FS-AMB-19 date: the undated ones and each dated status of a category
    kind (``person.statuses``, e.g. 低保边缘 until June, 低保 from July)."""
    return case.person.categories_on(category_day(case, ctx))


def separate_pools(ctx) -> bool:
    """FS-AMB-19 reading B: a separate inpatient pool per category (near-dibao payments count in
    ``near_dibao_inpatient_assistance``); reading A: one inpatient pool across category changes."""
    return ctx.params["category_reading"] == "settlement_separate_pools"


def benefit_group(case, ctx) -> str | None:
    """低保对象、特困供养人员 get every benefit; 低保边缘对象 only inpatient assistance.
    A person in both prevails as dibao/extreme poverty (FS-AMB-19)."""
    cats = set(categories(case, ctx))
    if cats & set(ctx.params["full_subsidy_groups"]):
        return FULL
    if "near_dibao" in cats:
        return NEAR
    return None


def compensated_as_inpatient(case) -> bool:
    """「基本医疗保险、大病保险比照住院补偿标准落实补偿政策的门诊医疗费用」(§五(一)): the insurance
    office's certificate on the outpatient episode records it (no model field carries it yet)."""
    return case.episode.kind != "inpatient" and case.episode.has("certificate", "insurance_bureau")


def _within_age(age: int, limit: int, reading: str) -> bool:
    # 「14周岁以下」: 以下 includes the number by the statutory convention (FS-AMB-11 reading A).
    return age <= limit if reading == "inclusive" else age < limit


def special_outpatient_diseases(case, ctx) -> frozenset[str]:
    """「特病门诊救助病种包括各类恶性肿瘤放疗或普通治疗，器官、组织、细胞移植术后治疗，慢性肾功能腹膜透析、
    血液透析，各类病毒性肝炎抗病毒治疗，各类结核，慢性肝炎、肝硬化，各类精神疾病（含14周岁以下儿童脑瘫、
    自闭症），再生障碍性贫血，血友病，未成年人糖尿病。」(§四(二))"""
    return frozenset(t for found in special_by_diagnosis(case, ctx) for t in found)


def special_by_diagnosis(case, ctx) -> tuple[frozenset[str], ...]:
    """For each diagnosis of the episode, the special-outpatient entries it qualifies for (empty: none)."""
    p, age = ctx.params, ctx.age(case)
    listed, out = set(p["special_outpatient_conditions"]), []
    for d in case.episode.diagnoses:
        found = set()
        tags = set(tags_for(d, ctx.deployment.conditions))
        if any(d.upper().startswith(c) for c in p["child_only_diagnoses"]):
            # 脑瘫、自闭症 count for a child of 14 周岁以下; older, autism counts as 各类精神疾病 only
            # under the adult_autism_reading switch (FS-AMB-11: by default it does not qualify).
            if _within_age(age, p["child_only_age"], p["age_14_reading"]):
                found.add("child_cp_autism")
            elif p["adult_autism_reading"] == "mental_illness" and "autism" in tags:
                found |= tags & listed
            out.append(frozenset(found))
            continue
        found |= tags & listed
        if tags & set(p["minor_only_conditions"]) and age < p["minor_age"]:
            found |= tags & set(p["minor_only_conditions"])  # 未成年人糖尿病
        if chemotherapy_not_named(case, ctx):
            found -= CANCER_ENTRY  # FS-AMB-21 reading B: a chemotherapy session is not 放疗或普通治疗
        out.append(frozenset(found))
    return tuple(out)


CANCER_ENTRY = {"cancer", "chemo_radiotherapy"}  # 「各类恶性肿瘤放疗或普通治疗」


def _sent(case, codes) -> bool:
    return any(d.upper().startswith(c) for d in case.episode.diagnoses for c in codes)


def chemotherapy_not_named(case, ctx) -> bool:
    """FS-AMB-21: 「各类恶性肿瘤放疗或普通治疗」. Reading A (default): 普通治疗 covers any outpatient cancer
    treatment, chemotherapy included. Reading B: chemotherapy is not named, so an outpatient chemotherapy
    session (Z51.1 sent) without radiotherapy (Z51.0) is not on the cancer entry."""
    p = ctx.params
    return (p["chemotherapy_reading"] == "not_named" and _sent(case, p["chemotherapy_codes"])
            and not _sent(case, p["radiotherapy_codes"]))


def child_age_ok(age: int, ctx) -> bool:
    """「儿童」 is not defined: 14 周岁以下 as the same document uses it (FS-AMB-10 reading A), or under 18."""
    if ctx.params["child_age_reading"] == "14_and_under":
        return _within_age(age, ctx.params["child_only_age"], "inclusive")
    return age < ctx.params["minor_age"]


def major_disease(case, ctx) -> str | None:
    """「重特大疾病救助病种为儿童白血病、儿童先天性心脏病、终末期肾病、妇女乳腺癌、宫颈癌、重性精神疾病、
    耐多药肺结核、艾滋病机会性感染8种疾病」(§四(三)). The admission must be for that disease: its primary
    diagnosis (FS-AMB-20 reading A) or any diagnosis (reading B). Child and woman come from the ID number."""
    p = ctx.params
    diagnoses = case.episode.diagnoses
    if p["major_diagnosis_reading"] == "primary":
        diagnoses = diagnoses[:1]
    tags = set()
    for d in diagnoses:
        tags |= set(tags_for(d, ctx.deployment.conditions))
    for tag in p["major_conditions"]:
        if tag in tags:
            return tag
    if child_age_ok(ctx.age(case), ctx):
        for tag in p["major_child_conditions"]:
            if tag in tags:
                return tag
    if ctx.sex(case) == "female":
        for tag in p["major_female_conditions"]:
            if tag in tags:
                return tag
    return None


MAJOR_ZH = {"child_leukaemia": "儿童白血病", "leukaemia": "儿童白血病", "congenital_heart_disease": "儿童先天性心脏病",
            "end_stage_renal_disease": "终末期肾病", "breast_cancer": "妇女乳腺癌", "cervical_cancer": "宫颈癌",
            "severe_mental_illness": "重性精神疾病", "mdr_tuberculosis": "耐多药肺结核",
            "aids_opportunistic_infection": "艾滋病机会性感染"}


def major_withheld(claim: Claim, case, ctx):
    """Why the major-disease layer does not apply although a diagnosis names one of the 8 diseases
    (FS-MAJOR-1/2/5, FS-AMB-5/10/20); None when it applies or no diagnosis names one."""
    p = ctx.params
    listed = [*p["major_conditions"], *p["major_child_conditions"], *p["major_female_conditions"]]
    per_dx = [set(tags_for(d, ctx.deployment.conditions)) & set(listed) for d in case.episode.diagnoses]
    named = set().union(*per_dx) if per_dx else set()
    if not named:
        return None
    if claim.major is not None:
        disease = MAJOR_ZH.get(claim.major, claim.major)
        if claim.group == NEAR:
            return ("低保边缘对象", "near-dibao persons get no major-disease assistance", "四（三）", "FS-MAJOR-5", disease)
        if claim.mode != INPATIENT:
            return ("门诊就医（重特大疾病救助限住院治疗）", "major-disease assistance is for inpatient treatment only",
                    "四（三）", "FS-MAJOR-5", disease)
        if claim.quasi_inpatient and p["quasi_inpatient_major"] == "no":
            return ("门诊费用比照住院救助，不属“进行住院治疗”（FS-AMB-5）",
                    "outpatient cost on inpatient terms is not an admission (FS-AMB-5)", "五（一）", "FS-AMB-5", disease)
        return None  # applies, or the rural carve-out, which has its own reason
    first = per_dx[0] if per_dx else set()
    if p["major_diagnosis_reading"] == "primary" and not first and named:
        tag = sorted(named)[0]
        return ("规定病种不是本次住院的主要（第一）诊断（FS-AMB-20 读法A）",
                "the listed disease is not the admission's primary diagnosis (FS-AMB-20)", "四（三）", "FS-AMB-20",
                MAJOR_ZH.get(tag, tag))
    considered = first if p["major_diagnosis_reading"] == "primary" else named
    child = considered & set(p["major_child_conditions"])
    if child:
        age = ctx.age(case)
        limit = (f"{p['child_only_age']}周岁以下（含{p['child_only_age']}周岁，FS-AMB-10 读法A）"
                 if p["child_age_reading"] == "14_and_under" else f"未满{p['minor_age']}周岁（FS-AMB-10 读法B）")
        return (f"患者入院时{age}周岁，不属“儿童”：{limit}", f"not a child at admission (age {age}; FS-AMB-10)",
                "四（三）", "FS-AMB-10", MAJOR_ZH.get(sorted(child)[0], ""))
    female = considered & set(p["major_female_conditions"])
    if female:
        return ("患者非女性，不属“妇女乳腺癌”", "the listed disease is for women only (身份证号码所示性别)",
                "四（三）", "FS-MAJOR-1", MAJOR_ZH.get(sorted(female)[0], ""))
    return None


def off_list_reasons(case, ctx, claim: Claim) -> list:
    """Each diagnosis of an outpatient episode that is on no special-outpatient entry, said with why,
    so that a gap in the table shows instead of silently moving the claim to the 70-yuan pool."""
    if claim.mode == INPATIENT:
        return []
    out, p, age = [], ctx.params, ctx.age(case)
    for i, (d, found) in enumerate(zip(case.episode.diagnoses, special_by_diagnosis(case, ctx))):
        if found:
            continue
        tags = set(tags_for(d, ctx.deployment.conditions))
        where = f"episode.diagnoses[{i}]（{d}）"
        if tags & CANCER_ENTRY and chemotherapy_not_named(case, ctx):
            out.append(ctx.reason(f"{where}：化疗不属“各类恶性肿瘤放疗或普通治疗”（FS-AMB-21 读法B）",
                                  f"{where}: chemotherapy is not 放疗或普通治疗 under FS-AMB-21 reading B",
                                  "四（二）", "FS-AMB-21"))
        elif any(d.upper().startswith(c) for c in p["child_only_diagnoses"]):
            zh = (f"{where}：脑瘫、自闭症限14周岁以下儿童，患者{age}周岁"
                  + ("；自闭症按部署不作“各类精神疾病”（FS-AMB-11）" if "autism" in tags else ""))
            out.append(ctx.reason(zh, f"{where}: cerebral palsy and autism count for children of 14 or under only",
                                  "四（二）", "FS-AMB-11"))
        elif tags & set(p["minor_only_conditions"]):
            out.append(ctx.reason(f"{where}：糖尿病限未成年人（未满{p['minor_age']}周岁），患者{age}周岁",
                                  f"{where}: diabetes counts for minors only", "四（二）", "FS-BASIC-6"))
        elif not tags:
            out.append(ctx.reason(f"{where}：诊断编码不对应本地区所列任何病种，按普通门诊处理",
                                  f"{where}: the code maps to no disease this region lists", "四（二）", "FS-BASIC-6"))
        else:
            out.append(ctx.reason(f"{where}：不属特病门诊救助病种", f"{where}: not a special-outpatient disease",
                                  "四（二）", "FS-BASIC-6"))
    return out


def listed_conditions(ctx) -> set[str]:
    """Every condition tag a list of this region names: the special-outpatient diseases (§四(二)), the
    minors' diabetes, the eight major diseases (§四(三))."""
    p = ctx.params
    return {*p["special_outpatient_conditions"], *p["minor_only_conditions"], *p["major_conditions"],
            *p["major_child_conditions"], *p["major_female_conditions"]}


def unlisted_diagnoses(case, ctx) -> list[tuple[int, str]]:
    """(index, code) of each diagnosis that maps to no disease any list of this region names (neither a
    condition tag on a list nor a child-only code): a gap in the table or a disease the seed does not
    list, either way the claim is assisted without any disease list."""
    listed, child = listed_conditions(ctx), ctx.params["child_only_diagnoses"]
    out = []
    for i, d in enumerate(case.episode.diagnoses):
        if any(d.upper().startswith(c) for c in child):
            continue
        if not set(tags_for(d, ctx.deployment.conditions)) & listed:
            out.append((i, d))
    return out


@hookimpl
def jiuzhu_warnings(case, ctx, outcome):
    """A diagnosis that maps to nothing the region lists is said in the outcome's warnings, so that a gap
    in the diagnosis table is visible instead of silently moving the claim to another pool (the ordinary
    70-yuan outpatient pool, or inpatient assistance without the major-disease layer)."""
    if not outcome.referral.covered:
        return []
    pool = "按普通门诊救助" if classify(case, ctx).mode == OUTPATIENT else "不适用特病门诊及重特大疾病救助"
    return [OutcomeWarning(
        "diagnosis_unlisted",
        f"诊断编码{d}不对应本地区所列任何病种（特病门诊、重特大疾病），{pool}；如属所列病种，请核对诊断编码",
        f"diagnosis {d} maps to no disease this region lists (special outpatient, major diseases); check the "
        "code if the disease is one of them",
        f"episode.diagnoses[{i}]", ctx.cite("四（二）", "FS-BASIC-6")) for i, d in unlisted_diagnoses(case, ctx)]


def is_designated(case, ctx) -> bool:
    """「医疗救助定点医疗机构按居民医保和新农合定点医疗机构确定」(§五(二)1): a facility designated for assistance,
    or by insurance. FS-AMB-14 reading A (default): the union of both lists, i.e. any insurance designation.
    Reading B: only the list of the person's own scheme (residents' or NCMS); a person in neither scheme
    (employees', uninsured) has no own list and keeps the union, the only list there is. The two lists are
    deployment data, required only under reading B (names or 定点编号)."""
    f = case.facility
    if "assistance" in f.designations:
        return True
    if "insurance" not in f.designations:
        return False
    if ctx.params["designated_list_reading"] == "union":
        return True
    own = {"residents": "residents_designated_facilities", "ncms": "ncms_designated_facilities"}
    names = ([own[case.person.scheme]] if case.person.scheme in own else list(own.values()))
    listed = {x for n in names for x in ctx.params[n]}
    return f.name in listed or bool(f.code and f.code in listed)


def referred_with_filing(case) -> bool:
    """「由定点医疗机构提出意见，并报当地县（区）民政局备案」(§五(二)1): the referring designated facility's
    opinion and the filing with the county/district civil-affairs bureau."""
    e = case.episode
    return e.has("approval", "referring_facility") and e.has("filing", "civil_affairs_bureau")


def provider_route(case, ctx) -> str:
    if is_designated(case, ctx):
        return "designated"
    if referred_with_filing(case):
        return "referred"
    if case.episode.emergency or case.episode.decision == "emergency":
        return "emergency"
    return "violation"


def classify(case, ctx) -> Claim:
    """Sort the episode into one of the three modes of basic assistance (FS-BASIC-2)."""
    quasi = compensated_as_inpatient(case)
    special = special_outpatient_diseases(case, ctx)
    if case.episode.kind == "inpatient" or quasi:
        mode = INPATIENT  # 比照住院救助标准 takes precedence over the special list (FS-AMB-5)
    elif special:
        mode = SPECIAL
    else:
        mode = OUTPATIENT
    major = major_disease(case, ctx)
    rural_smi = major == "severe_mental_illness" and case.person.area == "rural"
    return Claim(benefit_group(case, ctx), mode, quasi, special, major, rural_smi, provider_route(case, ctx))


# -- eligibility --------------------------------------------------------------------------------


@hookimpl
def jiuzhu_eligibility(case, ctx):
    """「医疗救助对象主要包括低保对象、特困供养人员、低保边缘对象。」(§三) The status itself comes from the
    dibao / extreme-poverty / near-dibao determination; the list is read as closed (FS-AMB-17)."""
    p = ctx.params
    groups = tuple(c for c in categories(case, ctx) if c in p["target_groups"])
    local = case.person.hukou.startswith(p["region_prefix"])
    reasons = []
    if local:
        reasons.append(ctx.reason("户籍在抚顺市辖区内", "registered in Fushun City", "主送", "FS-GEN-4"))
    else:
        reasons.append(ctx.reason("户籍不在抚顺市辖区内，不适用本意见", "not registered in Fushun City", "主送",
                                  "FS-GEN-4"))
    if groups:
        reasons.append(ctx.reason("属于医疗救助对象（低保对象、特困供养人员、低保边缘对象）",
                                  "a target of medical assistance (dibao, extreme poverty or near-dibao)", "三",
                                  "FS-ELIG-1"))
    else:
        reasons.append(ctx.reason("不属于低保对象、特困供养人员或低保边缘对象", "not dibao, extreme poverty or near-dibao",
                                  "三", "FS-ELIG-1"))
    return Eligibility(local and bool(groups), groups, tuple(reasons))


# -- care path ------------------------------------------------------------------------------------


@hookimpl
def jiuzhu_referral(case, ctx, eligibility):
    if not eligibility.eligible:
        return ReferralVerdict("not_covered", (ctx.reason("非医疗救助对象", "not a target of assistance", "三",
                                                          "FS-ELIG-1"),))
    claim = classify(case, ctx)
    reasons = [_route_reason(claim.route, ctx)]
    if claim.route == "violation":
        return ReferralVerdict("not_covered", tuple(reasons))
    if claim.route == "emergency" and ctx.params["emergency_reading"] == "not_assisted":
        reasons.append(ctx.reason("按本地区部署，非定点急诊不在本意见下救助（FS-AMB-15 读法B）",
                                  "deployment reading: emergency care at a non-designated facility is not assisted",
                                  "五（二）1", "FS-AMB-15"))
        return ReferralVerdict("not_covered", tuple(reasons))
    if claim.group == NEAR and claim.mode != INPATIENT:
        # 「低保边缘对象享受住院医疗救助」: the outpatient sentences name only 低保对象、特困供养人员.
        reasons.append(ctx.reason("低保边缘对象仅享受住院医疗救助，门诊费用不予救助",
                                  "near-dibao persons get inpatient assistance only", "四（二）", "FS-BASIC-9"))
        return ReferralVerdict("not_covered", tuple(reasons))
    reasons.append(_mode_reason(claim, ctx))
    reasons += off_list_reasons(case, ctx, claim)
    withheld = major_withheld(claim, case, ctx)
    if withheld:
        why_zh, why_en, article, rule, disease = withheld
        reasons.append(ctx.reason(f"不给予重特大疾病救助（{disease}）：{why_zh}",
                                  f"major-disease assistance withheld: {why_en}", article, rule))
    if claim.rural_smi:
        reasons.append(ctx.reason(
            "农村困难家庭重性精神病患者救治标准按抚政办发〔2014〕25号执行"
            + ("，不再给予本意见的重特大疾病救助" if ctx.params["rural_smi_reading"] == "replaced" else "，本意见的重特大疾病救助照常计算"),
            "rural severe mental illness: treatment standard of 抚政办发〔2014〕25号 applies (external rule)",
            "四（三）", "FS-MAJOR-6"))
    if not case.person.scheme or case.person.scheme == "none":
        reasons.append(ctx.reason("未参加基本医疗保险，直接对个人承担的符合规定的医疗费用给予救助",
                                  "uninsured: assisted on the whole compliant cost", "五（一）", "FS-COORD-3"))
    else:
        reasons.append(ctx.reason("在基本医疗保险、大病保险和其他保障按规定补偿后，再给予医疗救助",
                                  "assistance after insurance has paid", "五（一）", "FS-COORD-1"))
    return ReferralVerdict("covered", tuple(reasons))


def _route_reason(route: str, ctx):
    if route == "designated":
        return ctx.reason("在定点医疗机构（居民医保、新农合定点）就医", "treated at a designated facility", "五（二）1",
                          "FS-REF-2")
    if route == "referred":
        return ctx.reason("转诊至非定点医疗机构：有定点医疗机构意见并已报县（区）民政局备案",
                          "referred to a non-designated facility with the designated facility's opinion and filing",
                          "五（二）1", "FS-REF-3")
    if route == "emergency":
        return ctx.reason("疾病突发需紧急治疗，来不及到定点医疗机构，按急诊有关规定办理",
                          "emergency at a non-designated facility: emergency rules apply", "五（二）1", "FS-REF-4")
    return ctx.reason("违规到非定点医院就医，不享受医疗救助待遇",
                      "non-designated hospital without referral filing or emergency: no assistance", "五（二）1",
                      "FS-REF-5")


def _mode_reason(claim: Claim, ctx):
    if claim.quasi_inpatient:
        return ctx.reason("医保比照住院补偿的门诊费用，比照住院救助标准救助", "outpatient cost compensated on inpatient "
                          "terms: assisted on inpatient terms", "五（一）", "FS-COORD-2")
    if claim.mode == SPECIAL:
        return ctx.reason("属特病门诊救助病种，按特病门诊救助", "a listed special-outpatient disease", "四（二）",
                          "FS-BASIC-6")
    return ctx.reason(f"按{MODE_ZH[claim.mode]}模式救助", f"assisted as {claim.mode}", "四（二）", "FS-BASIC-2")


# -- who signs ------------------------------------------------------------------------------------


@hookimpl
def jiuzhu_signature(case, ctx):
    # The seed sets no signature order for treatment decisions (its only consent is the person's
    # own to move from the employees' scheme, FS-PREM-5, handled in premiums.py).
    return None


# -- assistance layers ----------------------------------------------------------------------------


def _terms(expr: str, factor: Fraction = Fraction(1)):
    return tuple((c, k * factor) for c, k in parse_base(expr))


def assistance_base(ctx):
    """「基本医疗救助对象为…个人所支付的起付线费用，作为个人负担部分给予医疗救助」: the deductible stays in
    the self-pay (FS-AMB-8 reading A), or under reading B the deductible alone is assisted."""
    return _terms("deductible") if ctx.params["deductible_reading"] == "deductible_only" else _terms(SELF_PAY)


def inpatient_standard(group: str, ctx) -> tuple[Fraction, int]:
    """Rate and annual cap of inpatient assistance. Near-dibao: 「按低保对象救助标准的60%给予救助」,
    the 60 % scaling rate and cap (FS-AMB-1 reading A), the rate only or the cap only."""
    p = ctx.params
    rate, cap = p["inpatient_rate"], p["inpatient_annual_cap"]
    if group == NEAR:
        f, mode = p["near_dibao_factor"], p["near_dibao_mode"]
        if mode in ("both", "rate_only"):
            rate = rate * f
        if mode in ("both", "cap_only"):
            cap = round_half_up(cap * f)
    return rate, cap


NEAR_POOL = "near_dibao_inpatient_assistance"  # FS-AMB-19 reading B: the near-dibao category's own pool


def rounding(ctx) -> int:
    """FS-AMB-23: the document is silent; each layer is rounded half up to the fen (default) or, under the
    ``rounding = "yuan"`` switch, to the whole yuan (the alternative Jingjiang's inventory names, JJ-AMB-28)."""
    return ROUNDING[ctx.params["rounding"]]


def inpatient_layer(claim: Claim, ctx) -> Layer:
    """「低保对象、特困供养人员住院救助比例为60%，每人每年最高救助上限为5000元」(§四(二)). Under FS-AMB-19
    reading B a near-dibao claim counts in its category's own pool (layer and programme ``NEAR_POOL``)."""
    rate, cap = inpatient_standard(claim.group, ctx)
    rule, note = ("FS-BASIC-8", "低保边缘对象按低保对象救助标准的60%") if claim.group == NEAR else ("FS-BASIC-4", "")
    if claim.quasi_inpatient:
        rule, note = "FS-COORD-2", "比照住院救助标准（门诊费用）"
    lid = "inpatient_assistance"
    if claim.group == NEAR and separate_pools(ctx):
        lid, note = NEAR_POOL, note + "；按类别分设年度限额（FS-AMB-19 读法B）"
    return Layer(lid, "住院救助", "inpatient assistance", payer="medical_assistance",
                 base=assistance_base(ctx), rate=rate, annual_cap=cap, program=lid,
                 cite=ctx.cite("四（二）" if rule != "FS-COORD-2" else "五（一）", rule), note_zh=note,
                 round_to=rounding(ctx))


def outpatient_layer(ctx, base=None, note="") -> Layer:
    """「低保对象、特困供养人员门诊救助比例为60%，每人每年最高救助上限为70元」(§四(二))."""
    p = ctx.params
    return Layer("outpatient_assistance", "门诊救助", "outpatient assistance", payer="medical_assistance",
                 base=base if base is not None else assistance_base(ctx), rate=p["outpatient_rate"],
                 annual_cap=p["outpatient_annual_cap"], program="outpatient_assistance",
                 cite=ctx.cite("四（二）", "FS-BASIC-3"), note_zh=note, round_to=rounding(ctx))


def special_outpatient_layer(ctx) -> Layer:
    """「特病门诊救助比例为60%，每人每年最高救助上限为1000元（不包括基本医疗门诊救助部分）」(§四(二))."""
    p = ctx.params
    return Layer("special_outpatient_assistance", "特病门诊救助", "special-disease outpatient assistance",
                 payer="medical_assistance", base=assistance_base(ctx), rate=p["special_outpatient_rate"],
                 annual_cap=p["special_outpatient_annual_cap"], program="special_outpatient_assistance",
                 cite=ctx.cite("四（二）", "FS-BASIC-5"), round_to=rounding(ctx))


def overflow_base(ctx):
    """FS-AMB-3 reading B: the ordinary pool takes the part of 60 % × self-pay the special cap left
    (60 % × base − special paid, expressed on the ordinary rate)."""
    p = ctx.params
    return assistance_base(ctx) + (("layer.special_outpatient_assistance",
                                    -p["special_outpatient_rate"] / p["outpatient_rate"]),)


def major_layer(claim: Claim, ctx) -> Layer:
    """「经基本医疗救助后，剩余符合规定的住院医疗自负费用，再给予重特大疾病救助。重特大疾病住院救助比例为50%，
    每人每年最高救助限额为10000元（不包括基本医疗住院救助部分）」(§四(三)). The remainder is the
    self-pay less the basic assistance actually paid (FS-AMB-4 reading A) or less an uncapped 60 %."""
    p = ctx.params
    if p["major_remainder"] == "after_basic_paid":
        base = _terms(SELF_PAY) + (("layer.inpatient_assistance", Fraction(-1)),)
    else:
        base = _terms(SELF_PAY, 1 - inpatient_standard(claim.group, ctx)[0])
    return Layer("major_disease_assistance", "重特大疾病救助", "major-disease assistance", payer="medical_assistance",
                 base=base, rate=p["major_rate"], annual_cap=p["major_annual_cap"], program="major_disease_assistance",
                 cite=ctx.cite("四（三）", "FS-MAJOR-4"), note_zh=f"病种：{claim.major}", round_to=rounding(ctx))


def major_applies(claim: Claim, case, ctx) -> bool:
    """「低保对象、特困供养人员患规定病种的重特大疾病进行住院治疗」: dibao/extreme poverty, a listed disease,
    a real admission (quasi-inpatient outpatient costs only under FS-AMB-5 reading B)."""
    if claim.group != FULL or claim.major is None or claim.mode != INPATIENT:
        return False
    if claim.quasi_inpatient and ctx.params["quasi_inpatient_major"] == "no":
        return False
    if claim.rural_smi and ctx.params["rural_smi_reading"] == "replaced":
        return False
    return True


@hookimpl
def jiuzhu_reimbursement(case, ctx, eligibility, referral):
    """Which layers apply, from the case's facts only (never its amounts)."""
    if not referral.covered:
        return Plan()
    if not separate_pools(ctx) and case.history.ytd.get(NEAR_POOL):
        raise InputError(f"history.ytd.{NEAR_POOL}", None, "a near-dibao pool of its own is counted only under "
                         "FS-AMB-19 reading B (category_reading = \"settlement_separate_pools\"); under the default "
                         "one inpatient pool every inpatient payment counts in inpatient_assistance")
    claim = classify(case, ctx)
    if claim.mode == INPATIENT:
        layers = [inpatient_layer(claim, ctx)]
        if major_applies(claim, case, ctx):
            layers.append(major_layer(claim, ctx))
    elif claim.group != FULL:
        layers = []  # FS-BASIC-9
    elif claim.mode == SPECIAL:
        layers = [special_outpatient_layer(ctx)]
        if ctx.params["outpatient_pools"] == "overflow":
            layers.append(outpatient_layer(ctx, overflow_base(ctx), "特病门诊超出上限部分（FS-AMB-3 读法B）"))
    else:
        layers = [outpatient_layer(ctx)]
    return Plan(tuple(layers))


# -- forms ----------------------------------------------------------------------------------------


def handler(case, ctx) -> tuple[str, str, str]:
    """Who settles the assistance (zh, role, rule). 「在我市未开展“一站式”即时结算前，城市低保对象、低保边缘对象
    等发生的医疗救助，由中国人寿保险股份有限公司抚顺分公司承办；农村低保对象、特困供养人员、低保边缘对象等
    发生的医疗救助，由各县（区）民政部门按规定程序实施救助。」(§五(二)3)"""
    p = ctx.params
    if p["one_stop_live"]:
        return "居民医保、新农合“一站式”结算窗口", "insurance_bureau", "FS-SETL-1"
    urban = case.person.area == "urban"
    tekun_only = benefit_group(case, ctx) == FULL and "dibao" not in categories(case, ctx)
    if urban and not (tekun_only and p["urban_tekun_handler"] == "civil_affairs"):
        return p["urban_handler"], "insurer", "FS-SETL-2"
    return f"户籍所在县（区）民政局（{case.person.hukou[:6]}）", "civil_affairs_bureau", "FS-SETL-3"


@hookimpl
def jiuzhu_documents(case, ctx, outcome):
    """The seed prescribes no form layout; these are the records its procedures need."""
    if not outcome.eligibility.eligible:
        return []
    claim = classify(case, ctx)
    docs = []
    if claim.route == "referred":
        opinion, filing = _action(case, "approval", "referring_facility"), _action(case, "filing", "civil_affairs_bureau")
        docs.append(DocumentNeed(
            "referral_filing", "转诊非定点医疗机构备案表", "filing of a referral to a non-designated facility",
            who="referring_facility",
            data={"patient_name": case.person.name, "id_number": case.person.id_number,
                  "from_facility": next((s.origin for s in case.episode.path if s.origin), ""),
                  "to_facility": case.facility.name, "opinion_on": opinion.on if opinion else None,
                  "filed_on": filing.on if filing else None, "bureau": f"县（区）民政局（{case.person.hukou[:6]}）"},
            cite=ctx.cite("五（二）1", "FS-REF-3")))
    if claim.route == "emergency":
        docs.append(DocumentNeed("emergency_statement", "急诊就医情况说明", "statement of emergency treatment",
                                 who="patient", data={"facility": case.facility.name,
                                                      "admitted": case.episode.admitted},
                                 cite=ctx.cite("五（二）1", "FS-REF-4")))
    paid = outcome.settlement.assistance
    if outcome.referral.covered and paid:
        name, role, rule = handler(case, ctx)
        layers = {l.id: l for l in outcome.settlement.layers if not l.given}
        data = {
            "patient_name": case.person.name, "id_number": case.person.id_number,
            "categories": list(categories(case, ctx)), "area": case.person.area, "scheme": case.person.scheme,
            "facility": case.facility.name, "admitted": case.episode.admitted, "discharged": case.episode.discharged,
            "mode": claim.mode, "major_disease": claim.major or "",
            "total": outcome.settlement.total, "in_scope": case.bill.in_scope, "deductible": case.bill.deductible,
            "insurance_paid": case.bill.basic_paid + case.bill.critical_paid + case.bill.other_paid,
            "layers": {lid: {"amount": l.amount, "base": l.base, "annual_cap": l.annual_cap,
                             "used_before": l.used_before} for lid, l in layers.items()},
            "assistance": paid, "burden": outcome.settlement.burden, "handler": name,
        }
        docs.append(DocumentNeed("assistance_settlement", "医疗救助结算审批表", "medical assistance settlement form",
                                 who=role, data=data, cite=ctx.cite("五（二）3", rule)))
    return docs


def _action(case, kind, by):
    e = case.episode
    return next((a for a in (*e.actions, *(a for s in e.path for a in s.actions)) if a.kind == kind and a.by == by),
                None)


# -- data hooks -----------------------------------------------------------------------------------


@hookimpl
def jiuzhu_region():
    return INFO


@hookimpl
def jiuzhu_examples():
    return HERE / "examples"


# -- programmes the annual caps count in ------------------------------------------------------

@hookimpl
def jiuzhu_programs():
    """「门诊救助…每人每年最高救助上限为70元；…住院救助…每人每年最高救助上限为5000元；…特病门诊救助…每人每年
    最高救助上限为1000元（不包括基本医疗门诊救助部分）」(§四(二)); 「重特大疾病住院救助…每人每年最高救助限额为10000元
    （不包括基本医疗住院救助部分）」(§四(三)): four pools, each counting its own layer."""
    from jiuzhu.model.region import Program
    cite = INFO.cite
    return [
        Program("outpatient_assistance", "门诊救助", "outpatient assistance", ("outpatient_assistance",),
                cite=cite("四（二）", "FS-BASIC-3"), cap=_cap("outpatient_annual_cap", (FULL,))),
        Program("special_outpatient_assistance", "特病门诊救助", "special-disease outpatient assistance",
                ("special_outpatient_assistance",), cite=cite("四（二）", "FS-BASIC-5"),
                cap=_cap("special_outpatient_annual_cap", (FULL,))),
        Program("inpatient_assistance", "住院救助", "inpatient assistance", ("inpatient_assistance",),
                cite=cite("四（二）", "FS-BASIC-4"), note="one pool for every category (FS-AMB-19 A); the dibao and "
                "extreme-poverty pool under reading B",
                cap=lambda ctx, case: _group_then(
                    ctx, case, (FULL,) if separate_pools(ctx) else (FULL, NEAR), lambda g: inpatient_standard(g, ctx)[1])),
        Program(NEAR_POOL, "低保边缘对象住院救助", "near-dibao inpatient assistance", (NEAR_POOL,),
                cite=cite("四（二）", "FS-AMB-19"), note="only under FS-AMB-19 reading B (category_reading = "
                "settlement_separate_pools): the near-dibao category's own pool",
                cap=lambda ctx, case: _group_then(ctx, case, (NEAR,) if separate_pools(ctx) else (),
                                                  lambda g: inpatient_standard(g, ctx)[1])),
        Program("major_disease_assistance", "重特大疾病救助", "major-disease assistance", ("major_disease_assistance",),
                cite=cite("四（三）", "FS-MAJOR-4"), cap=_cap("major_annual_cap", (FULL,))),
    ]


def _group_then(ctx, case, groups, cap):
    """A cap for a person of a known benefit group the programme serves (near-dibao persons have no
    outpatient or major-disease assistance and a scaled inpatient cap, FS-BASIC-8); else unknown."""
    group = benefit_group(case, ctx) if case is not None else None
    return cap(group) if group in groups else None


def _cap(param: str, groups):
    return lambda ctx, case: _group_then(ctx, case, groups, lambda g: ctx.params[param])
