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


def _shares(profile: dict, key: str, names, default) -> tuple[np.ndarray, list[float]]:
    table = profile.get(key)
    if table is None:
        return np.array(names), list(default)
    keys = list(table)
    w = np.array([float(table[k]) for k in keys])
    return np.array(keys), list(w / w.sum())


def synth_claims(n: int, seed: int = 1, year: int = 2026, profile: dict | None = None) -> dict[str, np.ndarray]:
    """``n`` synthetic claim rows as columns (the flat claim schema, money in fen).

    ``profile`` (see :func:`load_profile`) replaces the mix described above, key by key; without
    one the draw is the generic county above."""
    prof = profile or {}
    rng = np.random.default_rng(seed)
    county = prof.get("county", COUNTY)
    persons = max(1, int(n / float(prof.get("claims_per_person", 2.5))))
    pid = _ids(rng, persons, county)
    cats, cat_p = _shares(prof, "categories", CATEGORIES, CATEGORY_P)
    p_cat = rng.choice(cats, persons, p=cat_p)
    p_area = np.where(rng.random(persons) < float(prof.get("rural_share", 0.7)), "rural", "urban")
    p_support = np.where(p_cat == "extreme_poverty", np.where(
        rng.random(persons) < float(prof.get("institutional_share", 0.2)), "institutional", "home"), "none")
    p_town = rng.choice(prof.get("townships", ["104000", "105000", "110000"]), persons)
    who = rng.integers(0, persons, n)
    levels, level_p = _shares(prof, "levels", LEVELS, LEVEL_P)
    level = rng.choice(levels, n, p=level_p)
    location = np.where(level == "city", prof.get("city", "511602"),
                        np.where(level == "provincial", prof.get("province", "510104"), county))
    kinds, kind_p = _shares(prof, "kinds", KINDS, [0.7, 0.2, 0.1])
    kind = rng.choice(kinds, n, p=kind_p)
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
    home = np.char.add(county, p_town[who])
    names = {**FACILITY, **prof.get("facility_names", {})}
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
        "facility.name": np.vectorize(names.get, otypes=[object])(level),
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
    if prof.get("certified_by"):  # the body that recognised the person's status (drawn last: the generic
        p_cert = np.where(rng.random(persons) < float(prof.get("certified_share", 1.0)),  # draw is unchanged)
                          prof["certified_by"], "")
        cols["person.certified_by"] = p_cert[who].astype(object)
    if prof.get("approved_share") is not None:  # the care path: township approval, county appraisal for
        _paths(rng, cols, prof, names, adm, level, kind)  # care outside the county, emergencies
    if profile is not None:
        cols["claim_id"] = np.char.add(f"S{county}-", np.char.zfill(np.arange(1, n + 1).astype(str), 7)).astype(object)
    return cols


def _paths(rng, cols, prof, names, adm, level, kind) -> None:
    """``episode.path`` and ``emergency`` as JSON: a share of stays with the township's approval of the
    first contact (and, outside the county, an appraisal and referral by the county hospital), the
    rest self-referred; a share of emergencies with a phone report."""
    import json
    n = len(adm)
    approved = rng.random(n) < float(prof["approved_share"])
    emergency = rng.random(n) < float(prof.get("emergency_share", 0.0))
    day = adm.astype(str)
    county = names["county"]
    paths = []
    for i in range(n):
        if kind[i] != "inpatient":
            paths.append("")
            continue
        lv, d = str(level[i]), day[i]
        if emergency[i] or not approved[i]:
            paths.append(json.dumps([{"to": names[lv], "to_level": lv, "kind": "first_contact" if emergency[i] else "self",
                                      "on": d, "actions": []}], ensure_ascii=False))
            continue
        first_to = names[lv] if lv in ("primary", "county") else county
        first = {"to": first_to, "to_level": lv if lv in ("primary", "county") else "county", "kind": "first_contact",
                 "on": d, "actions": [{"kind": "approval", "by": "township", "on": d, "method": "form"},
                                      {"kind": "signature", "by": "business_leader", "on": d, "method": "form"}]}
        steps = [first]
        if lv in ("city", "provincial"):
            steps.append({"to": names[lv], "to_level": lv, "kind": "referral", "origin": county, "on": d,
                          "actions": [{"kind": "appraisal", "by": "county_hospital", "on": d, "method": "form"},
                                      {"kind": "referral_slip", "by": "county_hospital", "on": d, "method": "form"}]})
        paths.append(json.dumps(steps, ensure_ascii=False))
    cols["episode.path"] = np.array(paths, dtype=object)
    cols["episode.emergency"] = np.where(emergency & (kind == "inpatient"), "true", "false").astype(object)
    cols["episode.actions"] = np.where(emergency & (kind == "inpatient"), json.dumps(
        [{"kind": "notification", "by": "institution", "method": "phone"}]), "").astype(object)


# -- profiles: the mix as data ------------------------------------------------------------------

PROFILE_KEYS = {"name", "description", "county", "city", "province", "townships", "claims_per_person",
                "categories", "rural_share", "institutional_share", "levels", "facility_names", "kinds",
                "certified_by", "certified_share", "approved_share", "emergency_share"}


def load_profile(path) -> dict:
    """A synthetic-population profile (TOML), read strictly: unknown keys name the valid ones."""
    from pathlib import Path
    from jiuzhu.model.errors import InputError
    from jiuzhu.model.tomlio import load_toml
    raw = load_toml(Path(path), "profile")
    extra = sorted(set(raw) - PROFILE_KEYS)
    if extra:
        raise InputError(f"profile {extra[0]}", None, f"unknown key; valid: {', '.join(sorted(PROFILE_KEYS))}")
    for key in ("categories", "levels", "kinds"):
        t = raw.get(key)
        if t is None:
            continue
        if not isinstance(t, dict) or not t or any(isinstance(v, bool) or not isinstance(v, (int, float)) or v < 0
                                                   for v in t.values()) or sum(t.values()) <= 0:
            raise InputError(f"profile {key}", t, "expected a table of name = share (numbers ≥ 0, not all 0)")
    known = {"levels": set(LEVELS), "kinds": set(KINDS)}
    for key, valid in known.items():
        bad = sorted(set(raw.get(key, {})) - valid)
        if bad:
            raise InputError(f"profile {key}.{bad[0]}", None, f"expected one of {', '.join(sorted(valid))}")
    for key in ("rural_share", "institutional_share", "certified_share", "approved_share", "emergency_share"):
        v = raw.get(key)
        if v is not None and (isinstance(v, bool) or not isinstance(v, (int, float)) or not 0 <= v <= 1):
            raise InputError(f"profile {key}", v, "expected a share between 0 and 1")
    for key in ("county", "city", "province"):
        v = raw.get(key)
        if v is not None and (not isinstance(v, str) or len(v) != 6 or not v.isdigit()):
            raise InputError(f"profile {key}", v, "expected a 6-digit division code in quotes")
    return raw


def region_profile(region) -> dict | None:
    """The profile a region package ships beside its plugin (``synth.toml``), or None."""
    from pathlib import Path
    f = Path(getattr(region.plugin, "__file__", "") or ".").parent / "synth.toml"
    return load_profile(f) if f.is_file() else None


def draw(n: int, seed: int, year: int, profiles: list[dict]) -> dict[str, np.ndarray]:
    """``n`` claims split evenly over ``profiles`` (the remainder to the first), each drawn with its own
    seed, concatenated."""
    parts = []
    k = len(profiles)
    for i, prof in enumerate(profiles):
        m = n // k + (1 if i < n % k else 0)
        if m:
            parts.append(synth_claims(m, seed * 1000 + i, year, prof))
    names = list(parts[0])
    for p in parts[1:]:
        names += [c for c in p if c not in names]
    out = {}
    for c in names:
        cols = [p[c] if c in p else np.full(len(p["claim_id"]), "", dtype=object) for p in parts]
        out[c] = np.concatenate(cols)
    return out
