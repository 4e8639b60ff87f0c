"""A synthetic population of claims (合成数据) for trying batches without real data.

Nothing here describes a real person: ID numbers are drawn (valid check characters, random
birth dates and sequence numbers) and names are left empty. The distributions are plausible,
not calibrated:

- persons: ``n / 2.5`` of them, so that most have several claims a year and annual caps bind;
  claims per person are drawn uniformly among persons;
- age: born 1935–2020, weighted towards the elderly (years drawn as 2020 − 85·Beta(2, 1.3));
- category (one each): extreme_poverty 15 %, dibao 45 %, near_dibao 10 %, registered_poor 10 %,
  severe_disability 10 %, low_income 10 %; support mode ``home`` for extreme poverty (20 % of them
  ``institutional``), else ``none``; area rural 70 %;
- hukou: one of three townships of a county (the compare command re-homes it to each region);
- facility level: primary 30 %, county 50 %, city 15 %, provincial 5 %; city and provincial
  facilities lie outside the county (same city / another city of the province);
- episode: inpatient 70 %, outpatient 20 %, special outpatient 10 %; admission uniform over the
  year; stays of 1–20 days (outpatient: same day); diagnoses from a short list of common tags;
- bill: total cost log-normal (median 6,000 yuan inpatient, 300 yuan outpatient, σ = 1.0),
  capped at 500,000 yuan, in whole fen; out-of-scope parts 5 % / 2 % / 8 % of the total on
  average; deductible 0–800 yuan within the in-scope cost; basic insurance pays 50–75 % of the
  in-scope cost above the deductible; critical-illness insurance 60 % of what basic insurance
  leaves above 15,000 yuan.
"""

from __future__ import annotations


import numpy as np

from jiuzhu.model.idcard import _CHECK, _WEIGHTS

CATEGORIES = np.array(["extreme_poverty", "dibao", "near_dibao", "registered_poor", "severe_disability", "low_income"])
CATEGORY_P = [0.15, 0.45, 0.10, 0.10, 0.10, 0.10]
LEVELS = np.array(["primary", "county", "city", "provincial"])
LEVEL_P = [0.30, 0.50, 0.15, 0.05]
FACILITY = {"primary": "乡镇卫生院", "county": "县人民医院", "city": "市中心医院", "provincial": "省人民医院"}
KINDS = np.array(["inpatient", "outpatient", "special_outpatient"])
DIAGNOSES = np.array(["", "J44.1", "I10", "E11.9", "C50.9", "N18.5", "I63.9", "K74.6", "S72.0"])
DIAG_P = [0.30, 0.15, 0.15, 0.12, 0.06, 0.04, 0.08, 0.05, 0.05]
COUNTY = "511622"  # synthetic home county; re-homing moves it into each compared region


def _ids(rng: np.random.Generator, persons: int, area: str) -> np.ndarray:
    born = (2020 - np.floor(85 * rng.beta(2, 1.3, persons))).astype(np.int64)
    doy = rng.integers(0, 365, persons)
    dates = (born - 1970).astype("datetime64[Y]").astype("datetime64[D]") + doy
    ymd = np.char.replace(dates.astype(str), "-", "")
    seq = np.char.zfill(rng.integers(0, 1000, persons).astype(str), 3)
    body = np.char.add(np.char.add(area, ymd), seq)
    digits = body.view("U1").reshape(persons, 17).astype(np.int64)
    check = np.array(list(_CHECK))[(digits @ np.array(_WEIGHTS)) % 11]
    return np.char.add(body, check).astype(object)


def synth_claims(n: int, seed: int = 1, year: int = 2026) -> dict[str, np.ndarray]:
    """``n`` synthetic claim rows as columns (the flat claim schema, money in fen)."""
    rng = np.random.default_rng(seed)
    persons = max(1, int(n / 2.5))
    pid = _ids(rng, persons, COUNTY)
    p_cat = rng.choice(CATEGORIES, persons, p=CATEGORY_P)
    p_area = np.where(rng.random(persons) < 0.7, "rural", "urban")
    p_support = np.where(p_cat == "extreme_poverty", np.where(rng.random(persons) < 0.2, "institutional", "home"),
                         "none")
    p_town = rng.choice(["104000", "105000", "110000"], persons)
    who = rng.integers(0, persons, n)
    level = rng.choice(LEVELS, n, p=LEVEL_P)
    location = np.where(level == "city", "511602", np.where(level == "provincial", "510104", COUNTY))
    kind = rng.choice(KINDS, n, p=[0.7, 0.2, 0.1])
    inpatient = kind == "inpatient"
    start = np.datetime64(f"{year}-01-01")
    adm = start + rng.integers(0, 365, n).astype("timedelta64[D]")
    stay = np.where(inpatient, rng.integers(1, 21, n), 0).astype("timedelta64[D]")
    dis = np.minimum(adm + stay, np.datetime64(f"{year}-12-31"))
    median = np.where(inpatient, 600_000, 30_000)
    total = np.minimum(np.round(median * rng.lognormal(0, 1.0, n)), 50_000_000).astype(np.int64) + 100
    first = (total * rng.uniform(0, 0.10, n)).astype(np.int64)
    over = (total * rng.uniform(0, 0.04, n)).astype(np.int64)
    fully = (total * rng.uniform(0, 0.16, n)).astype(np.int64)
    in_scope = total - first - over - fully
    deductible = np.minimum(in_scope, np.where(inpatient, rng.integers(0, 80_001, n), 0))
    basic = ((in_scope - deductible) * rng.uniform(0.5, 0.75, n)).astype(np.int64)
    left = in_scope - deductible - basic
    critical = np.where(in_scope > 1_500_000, (np.maximum(0, left - 1_500_000) * 0.6).astype(np.int64), 0)
    home = np.char.add(COUNTY, p_town[who])
    cols = {
        "claim_id": np.char.add("S", np.char.zfill(np.arange(1, n + 1).astype(str), 8)).astype(object),
        "region": np.full(n, "", dtype=object),
        "person.id_number": pid[who],
        "person.name": np.full(n, "", dtype=object),
        "person.hukou": home.astype(object),
        "person.residence": home.astype(object),
        "person.categories": p_cat[who].astype(object),
        "person.area": p_area[who].astype(object),
        "person.support_mode": p_support[who].astype(object),
        "person.scheme": np.full(n, "residents", dtype=object),
        "facility.name": np.vectorize(FACILITY.get, otypes=[object])(level),
        "facility.level": level.astype(object),
        "facility.ownership": np.full(n, "public", dtype=object),
        "facility.location": location.astype(object),
        "facility.designations": np.full(n, "insurance;assistance", dtype=object),
        "episode.kind": kind.astype(object),
        "episode.admitted": adm.astype(str).astype(object),
        "episode.discharged": dis.astype(str).astype(object),
        "episode.diagnoses": rng.choice(DIAGNOSES, n, p=DIAG_P).astype(object),
        "bill.total_fen": total,
        "bill.in_scope_fen": in_scope,
        "bill.first_self_paid_fen": first,
        "bill.over_limit_fen": over,
        "bill.fully_self_paid_fen": fully,
        "bill.deductible_fen": deductible,
        "bill.basic_paid_fen": basic,
        "bill.critical_paid_fen": critical,
        "bill.assistance_paid_fen": np.zeros(n, dtype=np.int64),
        "bill.other_paid_fen": np.zeros(n, dtype=np.int64),
    }
    return cols
