"""Controlled vocabularies, each term with its Chinese name (see shared glossary)."""

from __future__ import annotations

CATEGORIES = {
    "extreme_poverty": "特困人员",
    "dibao": "最低生活保障对象（低保）",
    "near_dibao": "低保边缘对象",
    "registered_poor": "建档立卡贫困人口",
    "priority_care": "重点优抚对象",
    "severe_disability": "重度残疾人",
    "low_income": "低收入人群",
    "child_in_difficulty": "困境儿童",
    "retrenched_1960s": "20世纪60年代精减退职职工",
    "hardship_worker": "特困职工",
    "orphan": "孤儿",
}
# Some seeds distinguish urban and rural dibao (Guang'an premium subsidies): that is the
# person's ``area`` (urban/rural), not a separate category.

SUPPORT_MODES = {"institutional": "集中供养", "home": "分散供养", "none": "非供养"}
SCHEMES = {"residents": "城乡居民基本医疗保险", "employees": "职工基本医疗保险", "ncms": "新型农村合作医疗", "none": "未参保"}
AREAS = {"urban": "城镇", "rural": "农村"}
CARE_LEVELS = {"self_care": "自理", "semi_disabled": "半失能", "fully_disabled": "全失能"}
FACILITY_LEVELS = {"primary": "乡镇卫生院/社区卫生服务中心", "county": "县级", "city": "市级", "provincial": "省级"}
OWNERSHIP = {"public": "公立", "private": "民营"}
DESIGNATIONS = {"insurance": "医保定点", "assistance": "医疗救助定点"}
EPISODE_KINDS = {"inpatient": "住院", "outpatient": "普通门诊", "special_outpatient": "门诊特殊病种"}
DECISION_KINDS = {"routine": "一般诊疗", "major": "重大诊疗", "emergency": "紧急抢救"}
# The slip column a bill item's amount sits in (bill.items[].column): the items of a column never
# add up to more than it.
ITEM_COLUMNS = {"fully_self_paid": "全自费", "over_limit": "超限价自付", "first_self_paid": "先行自付（乙类）",
                "in_scope": "政策范围内费用"}
ITEM_APPROVAL = {"approved": "已审核同意", "pending": "待审核", "refused": "未同意", "none": "未申请"}

# Policy condition tags the seeds use. ICD-10 codes map onto these through data/icd10.toml.
CONDITIONS = {
    "uremia": "尿毒症",
    "end_stage_renal_disease": "终末期肾病",
    "dialysis": "血液透析/腹膜透析",
    "chemo_radiotherapy": "放化疗",
    "transplant_antirejection": "器官移植抗排异治疗",
    "severe_mental_illness": "重性精神病",
    "mental_illness": "精神病",
    "child_leukaemia": "儿童白血病",
    "leukaemia": "白血病",
    "congenital_heart_disease": "先天性心脏病",
    "breast_cancer": "乳腺癌",
    "cervical_cancer": "宫颈癌",
    "mdr_tuberculosis": "耐多药肺结核",
    "aids_opportunistic_infection": "艾滋病机会性感染",
    "cancer": "恶性肿瘤",
    "diabetes": "糖尿病",
    "hypertension": "高血压",
    "heart_disease": "心脏病",
    "cerebrovascular_sequelae": "脑血管病后遗症",
    "chronic_hepatitis": "慢性肝炎",
    "viral_hepatitis": "病毒性肝炎",
    "cirrhosis": "肝硬化",
    "aplastic_anaemia": "再生障碍性贫血",
    "haemophilia": "血友病",
    "systemic_lupus": "系统性红斑狼疮",
    "parkinson": "帕金森病",
    "tuberculosis": "肺结核",
    "copd": "慢性阻塞性肺疾病",
    "rheumatoid_arthritis": "类风湿性关节炎",
    "epilepsy": "癫痫",
    "infectious_disease": "传染病",
    "cerebral_palsy": "脑瘫",
    "autism": "孤独症",
    "maternity": "生育",
    "family_planning": "计划生育",
    "injury": "损伤（ICD-10 第十九章）",
    "accident_cause": "意外事故（外因 V01-X59）",
    "assault": "他人加害（外因 X85-Y09）",
    "undetermined_intent": "意图不确定的事件（外因 Y10-Y34）",
    "accidental_injury": "意外伤害",
    "injury_third_party": "第三方责任伤害",
    "work_injury": "工伤",
    "cosmetic": "美容整形",
    "self_harm": "自伤自残",
    "traffic_accident": "交通事故",
    "crime": "违法犯罪",
    "surgery": "手术",
    "high_risk_procedure": "高风险诊疗",
}

# Who pays a settlement layer (LayerResult.payer), as forms print it.
PAYERS = {
    "basic_insurance": "基本医疗保险统筹基金",
    "critical_illness": "大病保险",
    "other_payers": "其他支付（第三方、补充保险等）",
    "medical_assistance_slip": "医疗救助（一站式结算）",
    "medical_assistance": "医疗救助",
    "insurer": "承办保险公司",
    "guangan_tilt": "倾斜支付",
    "emergency_relief": "疾病应急救助",
    "health_poverty_fund": "卫生扶贫救助基金",
    "proposer": "提出方承担",
}
# A payer not listed here (a region's own fund, e.g. relief_fund) prints as its layer's Chinese name.

SCOPES = {"in_county": "县域内", "out_county": "县域外（市内）", "out_city": "市外（省内）", "out_province": "省外"}

# How the stay was settled (结算方式). Liujiang 第十三条: a claim made by hand when one-stop settlement
# failed or the facility is not networked runs on its own clock.
SETTLEMENT_MODES = {"one_stop": "“一站式”即时结算", "manual": "手工报销（一站式结算未成功）",
                    "not_networked": "未联网医疗机构，手工报销"}

# Certified personal statuses held independently of an admission's diagnosis (person.statuses[].kind):
# every hardship category, and the statuses some seeds combine with one (Jingjiang 低收入家庭中的重度精神病患者).
STATUS_KINDS = {**CATEGORIES, "severe_mental_illness": "重度精神病患者（经认定）",
                "severe_disability_certified": "持证重度残疾人（一、二级）",
                # a suspension, not a status held: e.g. Guang'an 五（二）「情况属实暂停享受待遇」 (GA-ID-3), from the
                # department's confirmation until it lifts it (``to``)
                "benefits_suspended": "暂停享受待遇（冒名顶替等查实）"}

# Kinds of other payers on the slip (bill.other_payers[].kind), beyond basic insurance, critical-illness
# insurance and medical assistance. Where each stands relative to a region's own layers is the region's
# cited data (jiuzhu.rules.settle.SlipPayer).
OTHER_PAYER_KINDS = {
    "other": "其他支付（未注明）",
    "civil_servant": "公务员医疗补助",
    "employer_supplement": "企业补充医疗保险",
    "commercial": "商业补充医疗保险",
    "emergency_relief": "疾病应急救助",
    "tilted_payment": "医保倾斜支付（一站式结算，如广安市115号）",
    "health_poverty_fund": "卫生扶贫救助基金",
    "charity": "慈善救助",
    "third_party": "第三方责任方",
}

# Facts the engine assumes when a case is silent, said in the outcome's warnings (field: zh, en).
ASSUMABLE = {
    "person.has_full_capacity": ("未载明民事行为能力，按具有完全民事行为能力处理",
                                 "capacity not stated: full civil capacity assumed"),
    "person.conscious": ("未载明意识状态，按意识清醒处理", "consciousness not stated: conscious assumed"),
    "person.area": ("未载明城乡属性，按农村处理", "urban/rural not stated: rural assumed"),
    "person.scheme": ("未载明参保类型，按城乡居民基本医疗保险处理", "insurance scheme not stated: residents' scheme assumed"),
    "person.support_mode": ("未载明供养方式，按非供养处理", "support mode not stated: none assumed"),
    "facility.designations": ("未载明定点资质，按医保定点（非医疗救助定点）处理",
                              "designations not stated: insurance-designated only assumed"),
    "facility.ownership": ("未载明医疗机构性质，按公立处理", "ownership not stated: public assumed"),
    "episode.settlement": ("未载明结算方式，按“一站式”即时结算处理", "settlement mode not stated: one-stop assumed"),
}
