"""Many claims at once: the flat claim table (evaluated by :mod:`jiuzhu.analysis.claims`).

A claim row is a case flattened to columns (docs/batch.md): identity and facts as text,
lists joined by ``;``, the referral path as JSON, and money as **integer fen** (``bill.total_fen``
…) so that a million rows load without a Python call per amount.

Evaluation (:func:`jiuzhu.analysis.claims.evaluate_region`) groups rows by their *decision key* (every
fact except identity, money and exact dates: age becomes a bucket between the regions' age
thresholds, the date an epoch between their parameter change dates; history stays in the key
because a plan may read it), asks the region hooks once per group, and evaluates the money of
all rows with :func:`jiuzhu.rules.settle.settle_columns`. The per-case path
(:meth:`jiuzhu.rules.engine.Engine.evaluate`) and this path agree to the fen; a property test checks it.
"""

from __future__ import annotations

import datetime as dt
import json
from typing import Iterable, Mapping

import numpy as np

from jiuzhu.model.errors import InputError
from jiuzhu.model.case import Case
from jiuzhu.model.money import yuan
from jiuzhu.model.vocab import OTHER_PAYER_KINDS
from jiuzhu.rules.settle import BILL_COLUMNS

# other payers by kind are money columns of their own (bill.other.KIND_fen); kind ``other`` is other_paid
OTHER_KINDS = tuple(k for k in OTHER_PAYER_KINDS if k != "other")
MONEY = tuple(f"bill.{c}_fen" for c in BILL_COLUMNS) + tuple(f"bill.other.{k}_fen" for k in OTHER_KINDS)
LISTS = ("person.categories", "facility.designations", "episode.diagnoses")
JSONS = ("episode.path", "episode.actions", "person.guardian", "person.agents", "bill.items", "person.statuses")
BOOLS = ("person.has_full_capacity", "person.conscious", "person.entrusted", "episode.emergency",
         "episode.admission_indicated")
DATES = ("episode.admitted", "episode.discharged", "episode.claimed_on")
TEXT = ("region", "person.hukou", "person.residence", "person.area", "person.support_mode", "person.scheme",
        "person.care_level", "person.institution", "person.village_committee", "person.certified_by",
        "facility.name", "facility.level", "facility.ownership", "facility.location", "episode.kind",
        "episode.decision", "episode.settlement", "episode.proposed_by")
# Not part of the decision key: identity, names, money and exact dates.
NOT_KEY = {"claim_id", "person.id_number", "person.name", *MONEY, *DATES}


def flatten(case: Case) -> dict:
    """A case as one claim row (the inverse of :func:`unflatten`)."""
    p, f, e, b = case.person, case.facility, case.episode, case.bill
    row = {"claim_id": case.id, "region": case.region or "", "person.id_number": p.id_number, "person.name": p.name,
           "person.categories": ";".join(p.categories), "facility.designations": ";".join(f.designations),
           "episode.diagnoses": ";".join(e.diagnoses),
           "episode.admitted": e.admitted.isoformat(), "episode.discharged": e.discharged.isoformat() if e.discharged else "",
           "episode.claimed_on": e.claimed_on.isoformat() if e.claimed_on else "",
           "history.admissions": case.history.admissions}
    for col in TEXT:
        obj, attr = col.split(".") if "." in col else (None, col)
        if obj:
            row[col] = getattr({"person": p, "facility": f, "episode": e}[obj], attr)
    for col in BOOLS:
        obj, attr = col.split(".")
        row[col] = bool(getattr({"person": p, "episode": e}[obj], attr))
    from jiuzhu.io.loader import converter
    row["episode.path"] = json.dumps(converter.unstructure(e.path), ensure_ascii=False) if e.path else ""
    row["episode.actions"] = json.dumps(converter.unstructure(e.actions), ensure_ascii=False) if e.actions else ""
    row["person.guardian"] = json.dumps(converter.unstructure(p.guardian), ensure_ascii=False) if p.guardian else ""
    row["person.agents"] = json.dumps(converter.unstructure(p.agents), ensure_ascii=False) if p.agents else ""
    row["person.statuses"] = json.dumps(converter.unstructure(p.statuses), ensure_ascii=False) if p.statuses else ""
    items = [dict(converter.unstructure(it), amount=yuan(it.amount)) for it in b.items]
    row["bill.items"] = json.dumps(items, ensure_ascii=False) if items else ""
    for c in BILL_COLUMNS:
        row[f"bill.{c}_fen"] = getattr(b, c)
    by_kind = b.other_by_kind()
    for k in OTHER_KINDS:
        row[f"bill.other.{k}_fen"] = by_kind.get(k, 0)
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
        elif key.startswith("bill.other.") and key in MONEY:
            if int(val):
                raw["bill"].setdefault("other_payers", []).append({"kind": key[11:-4], "amount": yuan(int(val))})
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
            try:
                raw[obj][attr] = json.loads(val)
            except (json.JSONDecodeError, RecursionError, TypeError):
                raise InputError(key, None, "expected JSON (see docs/batch.md)") from None
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


def check_columns(cols: Mapping[str, np.ndarray]) -> None:
    """Money invariants on every row, vectorised; the first bad row is named."""
    from jiuzhu.model.limits import MAX_FEN

    n = len(cols["bill.total_fen"])
    for c in MONEY:
        if c in cols and (np.asarray(cols[c]) < 0).any():
            i = int(np.argmax(np.asarray(cols[c]) < 0))
            raise InputError(f"row {i + 1}: {c}", int(cols[c][i]), "expected an amount of 0 or more")
        if c in cols and (np.asarray(cols[c]) > MAX_FEN).any():  # sums of a million rows stay inside int64
            i = int(np.argmax(np.asarray(cols[c]) > MAX_FEN))
            raise InputError(f"row {i + 1}: {c}", int(cols[c][i]), f"expected at most {MAX_FEN} fen")
    g = lambda c: np.asarray(cols.get(c, np.zeros(n, dtype=np.int64)), dtype=np.int64)
    parts = g("bill.in_scope_fen") + g("bill.first_self_paid_fen") + g("bill.over_limit_fen") + g("bill.fully_self_paid_fen")
    bad = parts != g("bill.total_fen")
    if bad.any():
        i = int(np.argmax(bad))
        raise InputError(f"row {i + 1}: bill.total_fen", int(g("bill.total_fen")[i]),
                         f"in-scope + out-of-scope parts = {int(parts[i])}")
    paid = g("bill.basic_paid_fen") + g("bill.critical_paid_fen") + g("bill.assistance_paid_fen") + g("bill.other_paid_fen")
    for k in OTHER_KINDS:
        paid = paid + g(f"bill.other.{k}_fen")
    bad = paid > g("bill.total_fen")
    if bad.any():
        i = int(np.argmax(bad))
        raise InputError(f"row {i + 1}: bill.basic_paid_fen", int(g("bill.basic_paid_fen")[i]),
                         f"payers on the slip together ({int(paid[i])}) must not exceed the total")


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
