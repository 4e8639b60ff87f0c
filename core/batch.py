"""Many claims at once: the flat claim table and its columnar evaluation.

A claim row is a case flattened to columns (docs/batch.md): identity and facts as text,
lists joined by ``;``, the referral path as JSON, and money as **integer fen** (``bill.total_fen``
…) so that a million rows load without a Python call per amount.

Evaluation groups rows by their *decision key* (every fact except identity, money and exact
dates: age becomes a bucket between the regions' age thresholds, the date an epoch between
their parameter change dates), asks the region hooks once per group, and evaluates the money
of all rows with :func:`jiuzhu.settle.settle_columns`. The per-case path
(:meth:`jiuzhu.engine.Engine.evaluate`) and this path agree to the fen; a property test checks it.
"""

from __future__ import annotations

import datetime as dt
import json
from typing import Iterable, Mapping

import attrs
import numpy as np

from . import idcard
from .engine import Engine
from .errors import InputError
from .loader import structure_case
from .model import Case
from .money import yuan
from .settle import BILL_COLUMNS, Plan, settle_columns

MONEY = tuple(f"bill.{c}_fen" for c in BILL_COLUMNS)
LISTS = ("person.categories", "facility.designations", "episode.diagnoses")
JSONS = ("episode.path", "episode.actions", "person.guardian", "person.agents", "bill.items")
BOOLS = ("person.has_full_capacity", "person.conscious", "person.entrusted", "episode.emergency",
         "episode.admission_indicated")
DATES = ("episode.admitted", "episode.discharged")
TEXT = ("region", "person.hukou", "person.residence", "person.area", "person.support_mode", "person.scheme",
        "person.care_level", "person.institution", "person.village_committee", "person.certified_by",
        "facility.name", "facility.level", "facility.ownership", "facility.location", "episode.kind",
        "episode.decision")
# Not part of the decision key: identity, names, money and exact dates.
NOT_KEY = {"claim_id", "person.id_number", "person.name", *MONEY, *DATES}


def flatten(case: Case) -> dict:
    """A case as one claim row (the inverse of :func:`unflatten`)."""
    p, f, e, b = case.person, case.facility, case.episode, case.bill
    row = {"claim_id": case.id, "region": case.region or "", "person.id_number": p.id_number, "person.name": p.name,
           "person.categories": ";".join(p.categories), "facility.designations": ";".join(f.designations),
           "episode.diagnoses": ";".join(e.diagnoses),
           "episode.admitted": e.admitted.isoformat(), "episode.discharged": e.discharged.isoformat() if e.discharged else "",
           "history.admissions": case.history.admissions}
    for col in TEXT:
        obj, attr = col.split(".") if "." in col else (None, col)
        if obj:
            row[col] = getattr({"person": p, "facility": f, "episode": e}[obj], attr)
    for col in BOOLS:
        obj, attr = col.split(".")
        row[col] = bool(getattr({"person": p, "episode": e}[obj], attr))
    from .loader import converter
    row["episode.path"] = json.dumps(converter.unstructure(e.path), ensure_ascii=False) if e.path else ""
    row["episode.actions"] = json.dumps(converter.unstructure(e.actions), ensure_ascii=False) if e.actions else ""
    row["person.guardian"] = json.dumps(converter.unstructure(p.guardian), ensure_ascii=False) if p.guardian else ""
    row["person.agents"] = json.dumps(converter.unstructure(p.agents), ensure_ascii=False) if p.agents else ""
    items = [dict(converter.unstructure(it), amount=yuan(it.amount)) for it in b.items]
    row["bill.items"] = json.dumps(items, ensure_ascii=False) if items else ""
    for c in BILL_COLUMNS:
        row[f"bill.{c}_fen"] = getattr(b, c)
    for k, v in case.history.ytd.items():
        row[f"history.ytd.{k}_fen"] = v
    return row


def unflatten(row: Mapping) -> dict:
    """A claim row to the raw case structure the loader reads."""
    raw: dict = {"person": {}, "facility": {}, "episode": {}, "bill": {}, "history": {"ytd": {}}}
    for key, val in row.items():
        if val is None or (isinstance(val, float) and np.isnan(val)) or val == "" and key not in TEXT:
            continue
        if key == "claim_id":
            raw["id"] = str(val)
        elif key == "region":
            if val:
                raw["region"] = str(val)
        elif key in MONEY:
            raw["bill"][key[5:-4]] = yuan(int(val))
        elif key.startswith("history.ytd."):
            raw["history"]["ytd"][key[12:-4]] = yuan(int(val))
        elif key == "history.admissions":
            raw["history"]["admissions"] = int(val)
        elif key in LISTS:
            obj, attr = key.split(".")
            raw[obj][attr] = [x for x in str(val).split(";") if x]
        elif key in JSONS:
            obj, attr = key.split(".")
            raw[obj][attr] = json.loads(val)
        elif key in BOOLS:
            obj, attr = key.split(".")
            raw[obj][attr] = val if isinstance(val, bool) else str(val).lower() in ("true", "1", "yes")
        elif key in DATES:
            obj, attr = key.split(".")
            raw[obj][attr] = val if isinstance(val, dt.date) else str(val)
        elif "." in key:
            obj, attr = key.split(".", 1)
            if obj in raw and val != "":
                raw[obj][attr] = val if isinstance(val, str) else str(val)
    return raw


@attrs.frozen
class BatchResult:
    """Per-claim results as columns (fen), in input order."""

    region: str
    eligible: np.ndarray
    verdict: np.ndarray  # object array of verdict kinds
    layers: dict  # layer id -> int64 fen
    total: np.ndarray
    paid: np.ndarray
    assistance: np.ndarray
    burden: np.ndarray


def _ages(ids: np.ndarray, days: np.ndarray) -> np.ndarray:
    """Age in whole years from ID numbers and dates (datetime64[D])."""
    s = ids.astype("U18")
    y = np.char.ljust(s, 18).view("U1").reshape(-1, 18)
    born_y = (y[:, 6:10].view(f"U4").ravel()).astype(int)
    born_md = (y[:, 10:14].view("U4").ravel()).astype(int)
    dy = days.astype("datetime64[Y]").astype(int) + 1970
    dmd = (days.astype("datetime64[M]").astype(int) % 12 + 1) * 100 + (
        days - days.astype("datetime64[M]")).astype(int) + 1
    return dy - born_y - (dmd < born_md)


def check_columns(cols: Mapping[str, np.ndarray]) -> None:
    """Money invariants on every row, vectorised; the first bad row is named."""
    n = len(cols["bill.total_fen"])
    for c in MONEY:
        if c in cols and (np.asarray(cols[c]) < 0).any():
            i = int(np.argmax(np.asarray(cols[c]) < 0))
            raise InputError(f"row {i + 1}: {c}", int(cols[c][i]), "expected an amount of 0 or more")
    g = lambda c: np.asarray(cols.get(c, np.zeros(n, dtype=np.int64)), dtype=np.int64)
    parts = g("bill.in_scope_fen") + g("bill.first_self_paid_fen") + g("bill.over_limit_fen") + g("bill.fully_self_paid_fen")
    bad = parts != g("bill.total_fen")
    if bad.any():
        i = int(np.argmax(bad))
        raise InputError(f"row {i + 1}: bill.total_fen", int(g("bill.total_fen")[i]),
                         f"in-scope + out-of-scope parts = {int(parts[i])}")
    paid = g("bill.basic_paid_fen") + g("bill.critical_paid_fen") + g("bill.assistance_paid_fen") + g("bill.other_paid_fen")
    bad = paid > g("bill.total_fen")
    if bad.any():
        i = int(np.argmax(bad))
        raise InputError(f"row {i + 1}: bill.basic_paid_fen", int(g("bill.basic_paid_fen")[i]),
                         f"payers on the slip together ({int(paid[i])}) must not exceed the total")


def evaluate_columns(engine: Engine, cols: Mapping[str, np.ndarray], region: str,
                     as_of: dt.date | None = None) -> BatchResult:
    """Evaluate every claim row under ``region``. ``cols`` maps column names to equal-length arrays."""
    n = len(cols["bill.total_fen"])
    check_columns(cols)
    chain = engine.chain(region)
    info = engine.host.region(region).info
    adm = np.asarray(cols["episode.admitted"]).astype("datetime64[D]")
    dis_raw = np.asarray(cols.get("episode.discharged", np.full(n, "", dtype=object)))
    if info.date_basis == "discharge":
        dis = np.where(dis_raw == "", np.asarray(cols["episode.admitted"]), dis_raw).astype("datetime64[D]")
        day = dis
    else:
        day = adm
    if as_of is not None:
        day = np.full(n, np.datetime64(as_of), dtype="datetime64[D]")
    ids = np.asarray(cols["person.id_number"]).astype("U18")
    # decision key: facts, plus age bucket and epoch
    thresholds, breaks = set(), set()
    for r in chain:
        pset = engine.parameter_set(r.code)
        breaks.update(pset.breakpoints())
        for d in r.info.documents:
            if d.effective_from:
                breaks.add(d.effective_from)
        for p in pset.params.values():
            if p.unit == "years":
                thresholds.update(v.value for v in p.values)
    ages = _ages(ids, adm)
    age_bucket = np.searchsorted(np.array(sorted(thresholds) or [0]), ages, side="right")
    epoch = np.searchsorted(np.array(sorted(breaks) or [dt.date(1900, 1, 1)], dtype="datetime64[D]"), day, side="right")
    sex = (np.char.ljust(ids, 18).view("U1").reshape(-1, 18)[:, 16].astype(int) % 2)
    # history stays in the key: a plan may read it (Guang'an's critical-illness segments continue
    # from what the year already counted)
    key_cols = [c for c in sorted(cols) if c not in NOT_KEY]
    codes = [np.unique(np.asarray(cols[c]).astype(str), return_inverse=True)[1] for c in key_cols]
    codes += [age_bucket, epoch, sex]
    stacked = np.stack(codes, axis=1) if codes else np.zeros((n, 1), dtype=np.int64)
    _, first, group = np.unique(stacked, axis=0, return_index=True, return_inverse=True)
    group = group.ravel()
    plans: list[Plan] = []
    eligible = np.zeros(len(first), dtype=bool)
    verdict = np.empty(len(first), dtype=object)
    all_cols = list(cols)
    for gi, row_i in enumerate(first):
        row = {c: cols[c][row_i] for c in all_cols}
        case = structure_case(unflatten(row), where=f"row {row_i + 1}")
        results = engine.decide(case, region, as_of)
        plan = Plan()
        for r in results:
            plan = plan + r.plan
        plans.append(plan)
        eligible[gi] = results[-1].eligibility.eligible
        verdict[gi] = results[-1].referral.kind
    money = {c[5:-4]: np.asarray(cols.get(c, np.zeros(n, dtype=np.int64)), dtype=np.int64) for c in MONEY}
    money["out_of_scope"] = money["first_self_paid"] + money["over_limit"] + money["fully_self_paid"]
    person = np.unique(ids, return_inverse=True)[1].ravel()
    year = day.astype("datetime64[Y]").astype(np.int64)
    used = {c[12:-4]: np.asarray(cols[c], dtype=np.int64) for c in cols if c.startswith("history.ytd.")}
    out = settle_columns(money, plans, group, person, year, day.astype(np.int64), used)
    layers = {k[6:]: v for k, v in out.items() if k.startswith("layer.")}
    given = {"basic_insurance", "critical_illness", "other_payers"}
    given |= {l.id for p in plans for l in p.layers if l.given}
    assistance = sum((v for k, v in layers.items() if k not in given), np.zeros(n, dtype=np.int64))
    return BatchResult(region, eligible[group], verdict[group], layers, money["total"], out["paid"], assistance,
                       out["burden"])


def rows_to_columns(rows: Iterable[Mapping]) -> dict[str, np.ndarray]:
    rows = list(rows)
    keys: list[str] = []
    for r in rows:
        for k in r:
            if k not in keys:
                keys.append(k)
    cols = {}
    for k in keys:
        vals = [r.get(k, 0 if k in MONEY or k.startswith("history.ytd.") else "") for r in rows]
        cols[k] = np.asarray(vals, dtype=np.int64) if (k in MONEY or k.startswith("history.ytd.")) else np.asarray(vals, dtype=object)
    return cols
