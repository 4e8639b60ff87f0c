"""Every disease the five seeds name, with its range stated from the ICD-10 classification itself
(WHO ICD-10 2019 chapters and blocks), not read back from data/icd10.toml.

Each entry: (seed and wording, tag, ICD-10 categories or subcategories that ARE the disease,
codes hospitals send for it, neighbouring codes that are NOT it).
"""

from __future__ import annotations

import pytest

from jiuzhu.model.conditions import tags_for


def categories(first: str, last: str) -> list[str]:
    """Three-character categories from first to last inclusive, counted independently of the table."""
    letters = [chr(c) for c in range(ord(first[0]), ord(last[0]) + 1)]
    out = []
    for L in letters:
        lo = int(first[1:]) if L == first[0] else 0
        hi = int(last[1:]) if L == last[0] else 99
        out += [f"{L}{n:02d}" for n in range(lo, hi + 1)]
    return out


DISEASES = [
    # Fushun 四(二) 「各类恶性肿瘤」, Jingjiang 第十八条 「各种恶性肿瘤」: ICD-10 chapter II blocks C00-C97
    # (malignant neoplasms, including lymphoid and haematopoietic C81-C96).
    ("fushun/jingjiang 恶性肿瘤", "cancer", categories("C00", "C97"),
     ["C16.9", "C34.1", "C92.1", "C92.100x001", "C81.0", "C90.0", "C97"], ["D00.0", "D05.1", "D06.9", "D37.0", "D45", "B21.0"]),
    # Fushun 四(三) 「儿童白血病」: C91 lymphoid, C92 myeloid, C93 monocytic, C94 other specified, C95 unspecified;
    # C90.1 plasma cell leukaemia. Leukaemia is a malignant neoplasm, so it is cancer too.
    ("fushun 白血病", "leukaemia", categories("C91", "C95") + ["C90.1"],
     ["C91.0", "C92.1", "C92.10", "C95.9"], ["C90.0", "C90.2", "C96.0", "C88.0", "D46.9", "D47.1"]),
    ("fushun 白血病 = 恶性肿瘤", "cancer", categories("C91", "C95"), ["C92.1"], []),
    # Fushun 「妇女乳腺癌」: C50 malignant neoplasm of breast (D05 in situ is not).
    ("fushun 乳腺癌", "breast_cancer", ["C50"], ["C50.9", "C50.4"], ["D05.1", "C51", "C49", "D24"]),
    # Fushun 「宫颈癌」: C53 malignant neoplasm of cervix uteri.
    ("fushun 宫颈癌", "cervical_cancer", ["C53"], ["C53.0", "C53.9"], ["D06.9", "C54.1", "C52", "N87.2"]),
    # 放化疗 (Fushun 「放疗」, Jingjiang 「放化疗」, Wusheng 「门诊放化疗」): Z51.0 radiotherapy session,
    # Z51.1 chemotherapy session for neoplasm (Z51.2 other chemotherapy is not for a neoplasm).
    ("放化疗", "chemo_radiotherapy", ["Z51.0", "Z51.1"], ["Z51.0", "Z51.1", "Z51.100x001"], ["Z51.2", "Z51.3", "Z50.0"]),
    # Transplant (Fushun 「器官、组织、细胞移植术后治疗」, Jingjiang 「器官移植抗排斥治疗」, Wusheng 「器官移植抗排异治疗」):
    # Z94 transplanted organ and tissue status; T86 failure and rejection of transplanted organs and tissues.
    ("移植术后/抗排斥", "transplant_antirejection", ["Z94", "T86"],
     ["Z94.0", "Z94.4", "Z94.8", "T86.1", "T86.0"], ["Z95.0", "T85.0", "T87.0", "Z52.4"]),
    # 终末期肾病 (Fushun 四(三), Jingjiang 第十八条): N18.0 end-stage renal disease (ICD-10 to 2009),
    # N18.5 chronic kidney disease stage 5 (2010 on), N18.6 (ICD-10-CM).
    ("终末期肾病", "end_stage_renal_disease", ["N18.0", "N18.5", "N18.6"], ["N18.5", "N18.500x001"],
     ["N18.4", "N18.3", "N18.9", "N17.9", "N19"]),
    # 尿毒症 (Wusheng 「尿毒症」): end-stage renal disease or N19 unspecified kidney failure.
    ("wusheng 尿毒症", "uremia", ["N18.0", "N18.5", "N18.6", "N19"], ["N19", "N18.5"], ["N18.4", "N17.9", "N20.0"]),
    # 透析 (Fushun 「腹膜透析、血液透析」, Jingjiang 「透析治疗」, Wusheng 「血液透析」): Z49 care involving dialysis
    # (Z49.1 extracorporeal, Z49.2 other, i.e. peritoneal), Z99.2 dependence on renal dialysis.
    ("透析", "dialysis", ["Z49", "Z99.2"], ["Z49.1", "Z49.2", "Z49.0", "Z99.2"], ["Z99.1", "Z99.3", "Z48.0", "Z50.9"]),
    # Fushun 「各类病毒性肝炎」: B15-B19 viral hepatitis.
    ("fushun 病毒性肝炎", "viral_hepatitis", categories("B15", "B19"), ["B16.9", "B18.1", "B19.9"],
     ["B20.0", "B14", "K73.9", "K75.4"]),
    # Fushun 「慢性肝炎」: B18 chronic viral hepatitis; K73 chronic hepatitis, not elsewhere classified.
    ("fushun 慢性肝炎", "chronic_hepatitis", ["B18", "K73"], ["B18.1", "B18.2", "K73.2"], ["B17.1", "B16.9", "K72.1", "K74.6"]),
    # Fushun 「肝硬化」: K70.3 alcoholic cirrhosis, K71.7 toxic liver disease with cirrhosis, K74.3 primary biliary,
    # K74.4 secondary biliary, K74.5 biliary unspecified, K74.6 other and unspecified cirrhosis.
    ("fushun 肝硬化", "cirrhosis", ["K70.3", "K71.7", "K74.3", "K74.4", "K74.5", "K74.6"], ["K74.6", "K74.60", "K70.3"],
     ["K74.0", "K74.1", "K74.2", "K70.0", "K76.0"]),
    # Fushun 「各类结核」: A15-A19 tuberculosis; P37.0 congenital tuberculosis.
    ("fushun 各类结核", "tuberculosis", categories("A15", "A19") + ["P37.0"], ["A15.0", "A16.2", "A18.0", "A19.9"],
     ["B90.9", "A20.0", "A14", "P37.1", "A31.0"]),
    # Fushun 「耐多药肺结核」: the TB code with the resistance code U84.3 (tuberculostatic drugs; WHO)
    # or Z16.342 (multiple antimycobacterial drugs; ICD-10-CM).
    ("fushun 耐多药肺结核", "mdr_tuberculosis", ["U84.3", "Z16.342"], ["U84.3"], ["U84.2", "U84.7", "A15.0"]),
    # Fushun 「艾滋病机会性感染」: B20 HIV disease resulting in infectious and parasitic diseases.
    ("fushun 艾滋病机会性感染", "aids_opportunistic_infection", ["B20"], ["B20.0", "B20.6", "B20.9"],
     ["B21.0", "B22.1", "B23.0", "B24", "Z21"]),
    # Fushun 「各类精神疾病」, Wusheng 「精神病」, Liujiang 「精神障碍」: chapter V F00-F99.
    ("各类精神疾病", "mental_illness", categories("F00", "F99"), ["F32.9", "F41.1", "F84.0", "F20.0"],
     ["G30.9", "G40.9", "E00.0", "R41.0"]),
    # Fushun 「重性精神疾病」, Jingjiang 「重度精神病」: schizophrenia F20, persistent delusional disorders F22,
    # schizoaffective F25, bipolar F31, mental disorders due to brain dysfunction (epilepsy) F06, intellectual
    # disability F70-F79.
    ("重性精神疾病", "severe_mental_illness", ["F20", "F22", "F25", "F31", "F06"] + categories("F70", "F79"),
     ["F20.0", "F31.2", "F25.1", "F72"], ["F32.9", "F21", "F23.0", "F30.0", "F84.0", "F41.1"]),
    # Fushun 「自闭症」: F84 pervasive developmental disorders (F84.0 childhood autism, F84.1 atypical).
    ("fushun 自闭症", "autism", ["F84"], ["F84.0", "F84.1", "F84.5"], ["F83", "F88", "F90.0"]),
    # Fushun 「脑瘫」: G80 infantile cerebral palsy.
    ("fushun 脑瘫", "cerebral_palsy", ["G80"], ["G80.0", "G80.9"], ["G81.9", "G82.0", "G71.0"]),
    # Fushun 「再生障碍性贫血」: D61 other aplastic anaemias (D60 pure red cell aplasia is not aplastic anaemia).
    ("fushun 再生障碍性贫血", "aplastic_anaemia", ["D61"], ["D61.0", "D61.9", "D61.3"], ["D60.0", "D62", "D64.9"]),
    # Fushun 「血友病」: D66 hereditary factor VIII deficiency (A), D67 factor IX (B), D68.1 factor XI (C).
    ("fushun 血友病", "haemophilia", ["D66", "D67", "D68.1"], ["D66", "D67", "D68.1"], ["D68.0", "D68.2", "D69.6", "D65"]),
    # Fushun 「未成年人糖尿病」: E10-E14 diabetes mellitus (type 1, type 2, malnutrition-related, other, unspecified).
    ("fushun 糖尿病", "diabetes", categories("E10", "E14"), ["E10.9", "E11.9", "E12.9", "E13.9", "E14.9"],
     ["E15", "E16.2", "R73.0", "O24.4", "E09"]),
    # Fushun 「儿童先天性心脏病」: Q20-Q24 congenital malformations of the heart, Q25-Q26 of the great arteries
    # and veins (patent ductus Q25.0, anomalous pulmonary venous return Q26.2).
    ("fushun 先天性心脏病", "congenital_heart_disease", categories("Q20", "Q26"), ["Q21.0", "Q21.3", "Q25.0", "Q26.2"],
     ["Q27.3", "Q28.2", "Q19", "I42.0"]),
    # Jingjiang 第二十一条（三） 「生育」: chapter XV O00-O99; Z32-Z37 supervision of pregnancy and delivery; Z39 postpartum.
    ("jingjiang 生育", "maternity", categories("O00", "O99") + categories("Z32", "Z37") + ["Z39"],
     ["O80", "O82.0", "Z37.0", "Z34.0", "Z39.0"], ["Z38.0", "Z30.0", "Z31.0", "N97.9", "P07.3"]),
    # Jingjiang 「计划生育」: Z30 contraceptive management (Z30.2 sterilisation), O04 medical abortion,
    # Z31.0 tuboplasty or vasoplasty after previous sterilisation.
    ("jingjiang 计划生育", "family_planning", ["Z30", "O04", "Z31.0"], ["Z30.2", "Z30.1", "Z30.5", "O04.9", "Z31.0"],
     ["Z31.2", "Z31.4", "N97.0", "O03.9", "Z32.0"]),
    # Jingjiang 「意外伤害」: injury S00-T79 and sequelae T90-T98 (T80-T88 complications of care are not injuries) ...
    ("jingjiang 损伤", "injury", categories("S00", "T79") + categories("T90", "T98"), ["S72.0", "S06.0", "T20.2", "T79.3"],
     ["T80.0", "T86.1", "T88.7", "R52.9"]),
    # ... with an external cause of chapter XX: accidents V01-X59 (and their sequelae Y85-Y86).
    ("jingjiang 意外事故外因", "accident_cause", categories("V01", "X59") + ["Y85", "Y86"], ["W19", "V43.5", "X59.9", "W01"],
     ["X60", "X84", "X85", "Y09", "Y10", "Y40.0", "Y96"]),
    ("外因 交通事故", "traffic_accident", categories("V01", "V99"), ["V43.5", "V89.2"], ["W00", "X59"]),
    ("外因 故意自害", "self_harm", categories("X60", "X84"), ["X70", "X84"], ["X59", "X85"]),
    ("外因 加害", "assault", categories("X85", "Y09"), ["X99", "Y04", "Y09"], ["X84", "Y10"]),
    ("外因 意图不确定", "undetermined_intent", categories("Y10", "Y34"), ["Y30", "Y34"], ["Y09", "Y35"]),
    # Liujiang 第五条 「传染病」: ICD-10 chapter I A00-B99 (certain infectious and parasitic diseases), with the
    # notifiable infectious diseases classified elsewhere: influenza J09-J11, SARS U04, COVID-19 U07.1/U07.2.
    ("liujiang 传染病", "infectious_disease", categories("A00", "B99") + categories("J09", "J11") + ["U04", "U07.1", "U07.2"],
     ["A01.0", "A15.0", "B16.9", "B20.0", "J10.1", "U07.1", "B99"], ["J12.9", "J18.9", "J06.9", "C00.0", "U07.0", "U08.9"]),
    # Jingjiang 第二十一条（九） work injury: Y96 work-related condition.
    ("jingjiang 工伤", "work_injury", ["Y96"], ["Y96"], ["Y97", "Y95", "Z56.6"]),
]


@pytest.mark.parametrize("name,tag,codes,sent,outside", DISEASES, ids=[d[0] for d in DISEASES])
def test_disease_range(name, tag, codes, sent, outside):
    for code in codes:
        assert tag in tags_for(code), f"{name}: {code} is {tag} in ICD-10"
        # every subcategory of a covered category too (hospitals send four- and six-character codes)
        assert tag in tags_for(code + ("9" if "." in code else ".9")), code
    for code in sent:
        assert tag in tags_for(code), f"{name}: hospitals send {code}"
    for code in outside:
        assert tag not in tags_for(code), f"{name}: {code} is not {tag}"


def test_every_disease_the_seeds_name_has_a_range():
    """The condition tags the regions' disease lists use, each covered above."""
    tested = {d[1] for d in DISEASES}
    named = {"cancer", "leukaemia", "breast_cancer", "cervical_cancer", "chemo_radiotherapy", "transplant_antirejection",
             "end_stage_renal_disease", "uremia", "dialysis", "viral_hepatitis", "chronic_hepatitis", "cirrhosis",
             "tuberculosis", "mdr_tuberculosis", "aids_opportunistic_infection", "mental_illness", "severe_mental_illness",
             "autism", "cerebral_palsy", "aplastic_anaemia", "haemophilia", "diabetes", "congenital_heart_disease",
             "maternity", "family_planning", "injury", "accident_cause", "work_injury", "infectious_disease"}
    assert named <= tested


def test_deployment_can_add_and_remove_keys():
    assert "cancer" not in tags_for("D45")
    assert "cancer" in tags_for("D45", {"D45": ["cancer"]})  # polycythaemia vera counted by a deployment
    assert "congenital_heart_disease" not in tags_for("Q26.2", {"Q20-Q26": [], "Q20-Q24": ["congenital_heart_disease"]})
