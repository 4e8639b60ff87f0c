"""Hypothesis strategies for valid random cases, used by the contract kit (:mod:`jiuzhu.kit.contract`).

Every case drawn passes :func:`jiuzhu.io.loader.structure_case`: the ID number is well formed and
born before admission, the bill's parts add up to its total, the slip's payers never exceed it.
Amounts are integer fen. Names are synthetic, so no real personal data reaches a failure report::

    from hypothesis import given
    from jiuzhu.kit.strategies import cases

    @given(cases(division="511622", start=dt.date(2024, 1, 1)))
    def test_something(case): ...
"""

from __future__ import annotations

import datetime as dt

from hypothesis import strategies as st

from jiuzhu.model import idcard

from jiuzhu.model import vocab
from jiuzhu.io.loader import structure_case
from jiuzhu.model.case import ACTION_KINDS, ROLES, Case
from jiuzhu.model.money import yuan

# chinese-calendar knows working days up to 2026; deadlines after late-2026 episodes would
# run into a year no calendar knows, which is a deployment question, not a region bug.
LAST_DAY = dt.date(2026, 6, 30)
FIRST_DAY = dt.date(2005, 1, 1)
MAX_FEN = 60_000_000  # 600 000 yuan: large enough to reach every cap the seeds know
ITEM_TAGS = ("pet_ct", "maternity", "off_catalogue", "imported_device", "cosmetic")


def _money(hi: int) -> st.SearchStrategy[int]:
    # Round amounts and edge values are where caps and thresholds bind; bias towards them.
    return st.one_of(st.integers(0, hi), st.sampled_from([0, 1, 100, 50_000, 100_000, 1_000_000]).map(lambda v: min(v, hi)))


def home_codes(division: str) -> list[str]:
    """County codes a person of the region may hold: the county itself, or for a city (…00) some of its counties."""
    d = division[:6]
    if d.endswith("0000"):
        return [d[:2] + "0102", d[:2] + "0121"]
    if d.endswith("00"):
        return [d[:4] + s for s in ("02", "03", "21", "22", "23")]
    return [d]


@st.composite
def contacts(draw) -> dict:
    return {"name": "联系人", "relation": draw(st.sampled_from(["子女", "配偶", "侄女", "兄弟"])),
            "present": draw(st.booleans()), "able": draw(st.booleans())}


@st.composite
def actions(draw, start: dt.date, end: dt.date) -> dict:
    return {"kind": draw(st.sampled_from(sorted(ACTION_KINDS))), "by": draw(st.sampled_from(sorted(ROLES))),
            "on": draw(st.dates(start - dt.timedelta(days=3), end)).isoformat(),
            "method": draw(st.sampled_from(["form", "phone", "online"]))}


@st.composite
def bills(draw, max_total: int = MAX_FEN) -> dict:
    """A settlement slip whose parts add up and whose payers never exceed the total."""
    in_scope = draw(_money(max_total))
    first, over, fully = (draw(_money(max_total // 10)) for _ in range(3))
    deductible = draw(st.integers(0, min(in_scope, 200_000)))
    left = in_scope - deductible
    basic = draw(st.integers(0, left))
    left -= basic
    critical = draw(st.integers(0, left))
    left -= critical
    assistance = draw(st.one_of(st.just(0), st.integers(0, left)))
    left -= assistance
    other = draw(st.one_of(st.just(0), st.integers(0, left)))
    left -= other
    # other payers by kind: where each stands is the region's payer order (before or after its layers)
    others = []
    for kind in draw(st.lists(st.sampled_from(sorted(vocab.OTHER_PAYER_KINDS)), max_size=2, unique=True)):
        amount = draw(st.integers(0, left))
        left -= amount
        others.append({"kind": kind, "amount": yuan(amount)})
    items = []
    # each item sits in one slip column, and a column's items never exceed it (the loader checks it)
    room = {"in_scope": in_scope, "first_self_paid": first, "over_limit": over, "fully_self_paid": fully}
    for i in range(draw(st.integers(0, 2))):
        column = draw(st.sampled_from(sorted(vocab.ITEM_COLUMNS)))
        amount = draw(st.integers(0, room[column]))
        room[column] -= amount
        items.append({"name": f"费用项目{i + 1}", "amount": yuan(amount), "column": column,
                      "tags": draw(st.lists(st.sampled_from(ITEM_TAGS), max_size=2, unique=True)),
                      "approval": draw(st.sampled_from(sorted(vocab.ITEM_APPROVAL))),
                      "consent": draw(st.booleans()), "filed": draw(st.booleans()),
                      "proposer": draw(st.sampled_from(["", "attending_doctor", "patient", "guardian"]))})
    total = in_scope + first + over + fully
    return {"total": yuan(total), "in_scope": yuan(in_scope), "first_self_paid": yuan(first), "over_limit": yuan(over),
            "fully_self_paid": yuan(fully), "deductible": yuan(deductible), "basic_paid": yuan(basic),
            "critical_paid": yuan(critical), "assistance_paid": yuan(assistance), "other_paid": yuan(other),
            "items": items, **({"other_payers": others} if others else {})}


@st.composite
def episodes(draw, start: dt.date, end: dt.date) -> dict:
    kind = draw(st.sampled_from(sorted(vocab.EPISODE_KINDS)))
    admitted = draw(st.dates(start, end))
    stay = draw(st.integers(0, 45)) if kind == "inpatient" else 0
    discharged = min(admitted + dt.timedelta(days=stay), max(end, admitted))
    steps = []
    for i in range(draw(st.integers(0, 2))):
        steps.append({"to": f"医院{i + 1}", "to_level": draw(st.sampled_from(sorted(vocab.FACILITY_LEVELS))),
                      "kind": "first_contact" if i == 0 else draw(st.sampled_from(["referral", "transfer", "self"])),
                      "on": admitted.isoformat(),
                      "actions": draw(st.lists(actions(admitted, discharged), max_size=3))})
    return {"kind": kind, "admitted": admitted.isoformat(), "discharged": discharged.isoformat(),
            "emergency": draw(st.booleans()),
            "diagnoses": draw(st.lists(st.sampled_from(sorted(vocab.CONDITIONS)), max_size=2, unique=True)),
            "decision": draw(st.sampled_from(sorted(vocab.DECISION_KINDS))),
            "admission_indicated": draw(st.booleans()), "path": steps,
            "actions": draw(st.lists(actions(admitted, discharged), max_size=2))}


@st.composite
def people(draw, home: str, born_by: dt.date, prefer: tuple[str, ...] = ()) -> dict:
    born = draw(st.dates(dt.date(1925, 1, 1), born_by))
    categories = draw(st.lists(st.sampled_from(sorted(vocab.CATEGORIES)), max_size=3, unique=True))
    if prefer and draw(st.integers(0, 3)):  # mostly someone the region assists, so settlement is exercised
        first = draw(st.sampled_from(sorted(prefer)))
        categories = [first] + [c for c in categories if c != first]
    return {"name": "测试对象", "id_number": idcard.make(home[:6], born, draw(st.integers(0, 999))),
            "hukou": home, "residence": home, "categories": categories,
            "area": draw(st.sampled_from(sorted(vocab.AREAS))),
            "support_mode": draw(st.sampled_from(sorted(vocab.SUPPORT_MODES))),
            "institution": "供养服务中心", "scheme": draw(st.sampled_from(sorted(vocab.SCHEMES))),
            "care_level": draw(st.sampled_from(sorted(vocab.CARE_LEVELS))),
            "has_full_capacity": draw(st.booleans()), "conscious": draw(st.booleans()),
            "guardian": draw(st.one_of(st.none(), contacts())),
            "agents": draw(st.lists(contacts(), max_size=2)),
            "caregiver": draw(st.one_of(st.none(), contacts())),
            "village_committee": "某村民委员会", "entrusted": draw(st.booleans())}


@st.composite
def facilities(draw, home: str) -> dict:
    location = draw(st.sampled_from([home[:6], home[:4] + "99", home[:2] + "0100", "110101", "440106"]))
    return {"name": "某医院", "level": draw(st.sampled_from(sorted(vocab.FACILITY_LEVELS))),
            "ownership": draw(st.sampled_from(sorted(vocab.OWNERSHIP))), "location": location,
            "designations": draw(st.lists(st.sampled_from(sorted(vocab.DESIGNATIONS)), min_size=0, max_size=2,
                                          unique=True))}


@st.composite
def every_field(draw, raw: dict) -> dict:
    """``raw`` with the fields most cases leave at their default drawn too: addresses, certified
    statuses, the facility's national code, the times of day of admission and discharge, the
    settlement mode, the claim date, who proposed the stay, diagnosis names and the settlement id."""
    p, f, e, b = (dict(raw[k]) for k in ("person", "facility", "episode", "bill"))
    p["hukou_address"] = draw(st.sampled_from(["", "中心镇桂花村3组"]))
    p["residence_address"] = draw(st.sampled_from(["", "城关镇解放路1号"]))
    p["statuses"] = [{"kind": draw(st.sampled_from(sorted(vocab.STATUS_KINDS))), "certified_by": "县民政局",
                      "from": "2020-01-01", **({"to": "2030-12-31"} if draw(st.booleans()) else {})}
                     for _ in range(draw(st.integers(0, 2)))]
    f["code"] = draw(st.sampled_from(["", "H51162200001"]))
    admitted = dt.date.fromisoformat(e["admitted"])
    discharged = dt.date.fromisoformat(e["discharged"])
    if draw(st.booleans()):  # the time of day, as hospitals send it
        at = draw(st.integers(0, 23 * 60 + 59))
        e["admitted"] = f"{admitted.isoformat()}T{at // 60:02d}:{at % 60:02d}:00+08:00"
        if draw(st.booleans()):
            lo = at if discharged == admitted else 0
            dt_ = draw(st.integers(lo, 23 * 60 + 59))
            e["discharged"] = f"{discharged.isoformat()}T{dt_ // 60:02d}:{dt_ % 60:02d}:00+08:00"
    e["settlement"] = draw(st.sampled_from(sorted(vocab.SETTLEMENT_MODES)))
    if draw(st.booleans()):
        e["claimed_on"] = (discharged + dt.timedelta(days=draw(st.integers(0, 120)))).isoformat()
    if draw(st.booleans()):
        e["proposed_by"] = draw(st.sampled_from(sorted(ROLES)))
    if e["diagnoses"] and draw(st.booleans()):
        e["diagnoses"] = [{"code": d, "name": draw(st.sampled_from(["", "诊断名称"]))} for d in e["diagnoses"]]
    b["setl_id"] = draw(st.sampled_from(["", "S2026000001"]))
    return {**raw, "person": p, "facility": f, "episode": e, "bill": b}


@st.composite
def case_data(draw, division: str = "511622", start: dt.date = FIRST_DAY, end: dt.date = LAST_DAY,
              region: str | None = None, outsiders: bool = True, prefer: tuple[str, ...] = (),
              full: bool = False) -> dict:
    """A case as plain data (what a case file holds). ``outsiders`` also draws people from elsewhere;
    ``prefer`` lists hardship categories (vocabulary keys) most people drawn should have; ``full``
    also draws the fields most cases leave at their default (:func:`every_field`)."""
    start, end = max(start, FIRST_DAY), max(min(end, LAST_DAY), max(start, FIRST_DAY))
    homes = home_codes(division)
    county = draw(st.sampled_from(homes + (["440106"] if outsiders else [])))
    home = county + draw(st.sampled_from(["", "104", "104000"]))
    ep = draw(episodes(start, end))
    raw = {"id": "KIT", "person": draw(people(home, dt.date.fromisoformat(ep["admitted"]), prefer)),
           "facility": draw(facilities(home)), "episode": ep, "bill": draw(bills())}
    if region:
        raw["region"] = region
    return draw(every_field(raw)) if full else raw


def cases(division: str = "511622", start: dt.date = FIRST_DAY, end: dt.date = LAST_DAY,
          region: str | None = None, outsiders: bool = True, prefer: tuple[str, ...] = (),
          full: bool = False) -> st.SearchStrategy[Case]:
    """Valid random cases for a region whose division code is ``division``, admitted between ``start`` and ``end``
    (``full``: every field drawn, see :func:`every_field`)."""
    return case_data(division, start, end, region, outsiders, prefer, full).map(structure_case)


@st.composite
def admission_series(draw, division: str = "511622", start: dt.date = FIRST_DAY, end: dt.date = LAST_DAY,
                     region: str | None = None, size: tuple[int, int] = (2, 5),
                     prefer: tuple[str, ...] = ()) -> list[dict]:
    """Several admissions of one person within one calendar year, in date order (as plain data).

    The caller evaluates them in order, carrying what each programme paid into the next case's
    ``history.ytd``: that is how annual caps are checked across a year.
    """
    first = draw(case_data(division, start, end, region, outsiders=False, prefer=prefer))
    year = dt.date.fromisoformat(first["episode"]["admitted"]).year
    born = idcard.birth_date(first["person"]["id_number"])
    lo, hi = max(start, dt.date(year, 1, 1), born), min(max(end, start), dt.date(year, 12, 31), LAST_DAY)
    n = draw(st.integers(*size))
    days = sorted(draw(st.lists(st.dates(lo, max(lo, hi)), min_size=n - 1, max_size=n - 1)))
    out = [first]
    for day in days:
        ep = draw(episodes(day, day))
        out.append({**first, "episode": {**first["episode"], "admitted": ep["admitted"], "discharged": ep["discharged"]},
                    "bill": draw(bills())})
    out.sort(key=lambda r: r["episode"]["admitted"])
    return out


@st.composite
def claim_batches(draw, division: str = "511622", max_persons: int = 3, max_claims: int = 12) -> list[dict]:
    """Flat claim rows (:mod:`jiuzhu.analysis.batch`) of a few persons with several claims each in one year,
    so that annual caps bind across claims (for fuzzing claims files; the agreement test draws
    :func:`case_batches` instead, independently of the flattening)."""
    from jiuzhu.analysis.batch import flatten

    start = dt.date(LAST_DAY.year, 1, 1)
    persons = draw(st.lists(case_data(division, start, LAST_DAY, outsiders=False), min_size=1,
                            max_size=max_persons, unique_by=lambda c: c["person"]["id_number"]))
    rows = []
    for i in range(draw(st.integers(1, max_claims))):
        who = draw(st.sampled_from(persons))
        born = idcard.birth_date(who["person"]["id_number"])
        raw = {**who, "id": f"C{i:04d}", "facility": draw(facilities(who["person"]["hukou"])),
               "episode": draw(episodes(max(start, born), max(LAST_DAY, born))), "bill": draw(bills())}
        rows.append(flatten(structure_case(raw)))
    return rows


@st.composite
def histories(draw) -> dict:
    """What programmes already paid this year (each amount at least one fen: zero means absent)."""
    keys = draw(st.lists(st.sampled_from(["inpatient_assistance", "major_disease_assistance", "critical_illness",
                                          "critical_illness_counted", "major_program", "basic"]),
                         max_size=3, unique=True))
    return {"ytd": {k: yuan(draw(st.integers(1, 3_000_000))) for k in keys},
            "admissions": draw(st.integers(0, 3))}


@st.composite
def case_batches(draw, division: str = "511622", max_persons: int = 3, max_claims: int = 10,
                 full: bool = False) -> list[Case]:
    """Several Case objects of a few persons in one year, drawn as cases (never as flat rows), so a
    batch path can be checked against the per-case one without trusting its own flattening.
    Designations (including none), referral paths, actions, self-pay items and year-to-date
    history are drawn (``full``: every field, see :func:`every_field`); each person's history is the
    same on every claim of the year."""
    start = dt.date(LAST_DAY.year, 1, 1)
    persons = draw(st.lists(case_data(division, start, LAST_DAY, outsiders=False), min_size=1,
                            max_size=max_persons, unique_by=lambda c: c["person"]["id_number"]))
    history = {p["person"]["id_number"]: draw(st.one_of(st.just({}), histories())) for p in persons}
    out = []
    for i in range(draw(st.integers(1, max_claims))):
        who = draw(st.sampled_from(persons))
        born = idcard.birth_date(who["person"]["id_number"])
        raw = {**who, "id": f"C{i:04d}", "facility": draw(facilities(who["person"]["hukou"])),
               "episode": draw(episodes(max(start, born), max(LAST_DAY, born))), "bill": draw(bills()),
               "history": history[who["person"]["id_number"]]}
        out.append(structure_case(draw(every_field(raw)) if full else raw))
    return out
