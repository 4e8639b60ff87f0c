"""Every row of a claims batch checked, over columns: the same checks the loader makes on one case.

:func:`normalise` takes one Arrow record batch as read (CSV text, Parquet types, JSON types) and
returns the normalised table (text as strings, money int64 fen) with a boolean ``valid`` mask and
the list of :class:`RowError` — row number, claim id, field and what was expected; never the value
(it may be personal data). Text checks run once per distinct value (dictionary encoding), ID
numbers and money over whole columns. A file-level problem (an unknown or a missing column)
raises :class:`InputError`.
"""

from __future__ import annotations

import datetime as dt
import json
from typing import Iterable

import attrs
import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from jiuzhu.analysis.batch import COLUMNS, OTHER_MONEY, column_of
from jiuzhu.model import idcard, vocab
from jiuzhu.model.errors import InputError
from jiuzhu.model.limits import MAX_COUNT_DIGITS
from jiuzhu.model.money import MAX_FEN

REQUIRED = [c.name for c in COLUMNS if c.required]
_WEIGHTS = np.array([7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2], dtype=np.int64)
_CHECK = np.frombuffer(b"10X98765432", dtype=np.uint8)


@attrs.frozen
class RowError:
    row: int  # 1-based row number in the file
    claim_id: str
    field: str
    expected: str


def check_names(names: Iterable[str]) -> None:
    """Unknown columns (a misspelt prior-use column would make caps forget payments) and missing
    required ones are errors for the whole file."""
    names = list(names)
    unknown = [n for n in names if column_of(n) is None]
    if unknown:
        raise InputError("claims file columns", ", ".join(unknown[:5]) + (" …" if len(unknown) > 5 else ""),
                         "known claim columns (see docs/batch.md; year-to-date amounts as history.ytd.<programme>_fen)")
    missing = [n for n in REQUIRED if n not in names]
    if missing:
        raise InputError("claims file columns", None, f"missing {', '.join(missing)}; see docs/batch.md")


def _text(col: pa.ChunkedArray | pa.Array, name: str = "") -> pa.Array:
    a = col.combine_chunks() if isinstance(col, pa.ChunkedArray) else col
    if pa.types.is_nested(a.type) or pa.types.is_binary(a.type) or pa.types.is_large_binary(a.type):
        # a list or struct is not a cell of the flat schema (lists are terms joined by ';', nested
        # structures JSON text); binary may not be text at all
        raise InputError(f"claims file column {name}", None,
                         f"expected text, not {a.type} (see docs/batch.md)")
    if pa.types.is_dictionary(a.type):
        a = a.cast(a.type.value_type)
    if pa.types.is_boolean(a.type):
        a = pc.if_else(a, "true", "false")
    elif pa.types.is_timestamp(a.type):
        a = a.cast(pa.date32())
    if not pa.types.is_string(a.type):
        a = a.cast(pa.string())
    return pc.fill_null(a, "")


# C0 controls other than tab, line feed and carriage return: no form can hold them, and the loader
# refuses them in every text of a case (jiuzhu.io.loader._check_text); Arrow text is valid UTF-8, so
# it holds no lone surrogates
CONTROL = r"[\x00-\x08\x0B\x0C\x0E-\x1F]"


def _control_rows(a: pa.Array) -> np.ndarray | None:
    """Rows of a string array (no nulls) holding a control character, or None if no row does: one pass
    over the bytes first, since almost every file has none."""
    data = a.buffers()[2]
    if data is None or not len(a):
        return None
    offs = np.frombuffer(a.buffers()[1], dtype=np.int32, count=len(a) + 1, offset=a.offset * 4)
    raw = np.frombuffer(data, dtype=np.uint8)[offs[0]:offs[-1]]
    if not ((raw < 32) & (raw != 9) & (raw != 10) & (raw != 13)).any():
        return None
    return pc.match_substring_regex(a, CONTROL).to_numpy(zero_copy_only=False)


class _Errors:
    def __init__(self, n: int, offset: int, ids: pa.Array):
        self.bad = np.zeros(n, dtype=bool)
        # an id is named in the errors file: without the control characters its own check reports
        ids = pc.replace_substring_regex(ids, CONTROL, "\ufffd") if _control_rows(ids) is not None else ids
        self.offset, self.ids, self.list = offset, ids, []

    def add(self, mask, field: str, expected: str) -> None:
        mask = np.asarray(mask, dtype=bool)
        rows = np.nonzero(mask & ~self.bad)[0]  # one error per row: the first field at fault
        if not len(rows):
            return
        self.bad[rows] = True
        ids = self.ids.take(pa.array(rows)).to_pylist()
        self.list += [RowError(int(r) + self.offset + 1, i, field, expected) for r, i in zip(rows, ids)]


def _per_value(arr: pa.Array, ok) -> np.ndarray:
    """Apply a Python predicate once per distinct value; a bad-row mask."""
    enc = pc.dictionary_encode(arr).combine_chunks() if isinstance(arr, pa.ChunkedArray) else pc.dictionary_encode(arr)
    good = np.array([bool(ok(v)) for v in enc.dictionary.to_pylist()] or [True], dtype=bool)
    return ~good[enc.indices.to_numpy(zero_copy_only=False)]


def _table(name: str) -> dict:
    """A vocabulary by name: jiuzhu.model.vocab's, or the roles of jiuzhu.model.case."""
    if name == "ROLES":
        from jiuzhu.model.case import ROLES
        return ROLES
    return getattr(vocab, name)


def _vocab(name: str):
    if name == "conditions":
        from jiuzhu.model.conditions import unknown_diagnosis
        return lambda t: not unknown_diagnosis(t)
    table = _table(name)
    return lambda t: t in table


def _json_check(name: str):
    """Structure a JSON cell with the loader's converter and run its checks for that part."""
    from jiuzhu.io import loader
    from jiuzhu.model.case import Action, BillItem, Contact, ReferralStep, Status

    typ = {"person.guardian": Contact, "person.caregiver": Contact, "person.agents": tuple[Contact, ...],
           "person.statuses": tuple[Status, ...], "episode.diagnosis_names": tuple[str, ...],
           "episode.path": tuple[ReferralStep, ...], "episode.actions": tuple[Action, ...],
           "bill.items": tuple[BillItem, ...]}[name]

    def ok(text: str) -> bool:
        if text == "":
            return True
        try:
            data = json.loads(text)
            if name == "bill.items":
                if not isinstance(data, list):
                    return False
                for it in data:
                    if it.get("amount") is not None and loader.to_fen(it["amount"], "amount") > MAX_FEN:
                        return False
            if name in ("episode.path", "episode.actions"):
                # date-times are split as in a case file (``on`` keeps the date, ``at`` the time of day)
                value = loader.converter.structure(_split_moments(data, name), typ)
            elif name == "episode.diagnosis_names":
                if not isinstance(data, list) or not all(isinstance(x, str) for x in data):
                    return False
                value = data
            else:
                value = loader.converter.structure(data, typ)
            if name == "episode.path":
                for s in value:
                    if s.to_level:
                        loader._one_of("to_level", s.to_level, vocab.FACILITY_LEVELS)
                    loader._one_of("kind", s.kind, {"first_contact": "", "referral": "", "transfer": "", "self": ""})
                    for a in s.actions:
                        loader._action("action", a)
            elif name == "episode.actions":
                for a in value:
                    loader._action("action", a)
            elif name == "bill.items":
                for it in value:
                    loader._one_of("approval", it.approval, vocab.ITEM_APPROVAL)
            elif name == "person.statuses":
                for st in value:
                    loader._one_of("kind", st.kind, vocab.STATUS_KINDS)
                    if st.from_ and st.to and st.to < st.from_:
                        return False
        except Exception:
            return False
        return True
    return ok


def _split_moments(data, name: str):
    """A path's steps and actions, or the episode's actions, with date-times split as the loader does."""
    from jiuzhu.io.loader import INTERNAL, _split_moments as split
    if not isinstance(data, list):
        return data
    if name == "episode.actions":
        return [split(a, "action", INTERNAL["action"]) if isinstance(a, dict) else a for a in data]
    out = []
    for step in data:
        if isinstance(step, dict):
            step = split(step, "step", INTERNAL["step"])
            if isinstance(step.get("actions"), list):
                step["actions"] = [split(a, "action", INTERNAL["action"]) if isinstance(a, dict) else a
                                   for a in step["actions"]]
        out.append(step)
    return out


EXPECT_JSON = {"person.guardian": "a JSON object {name, relation, present, able}",
               "person.caregiver": "a JSON object {name, relation, present, able}",
               "person.agents": "a JSON list of contacts", "episode.path": "a JSON list of referral steps",
               "episode.actions": "a JSON list of actions {kind, by, on, method}",
               "bill.items": "a JSON list of self-pay items {name, amount (yuan), tags, approval, …}",
               "person.statuses": "a JSON list of certified statuses {kind, certified_by, from, to}",
               "episode.diagnosis_names": "a JSON list of diagnosis names (text), one per diagnosis"}


def _money(col, required: bool) -> tuple[np.ndarray, np.ndarray]:
    """(fen int64, bad mask). Text must be a whole number of fen; floats must be whole. Bounds are
    compared in the column's own type (an int64 beyond 2^53 is not exact as a float; a uint64 beyond
    2^63 is not an int64), so nothing wraps into a small or negative amount."""
    a = col.combine_chunks() if isinstance(col, pa.ChunkedArray) else col
    if pa.types.is_null(a.type):  # a column empty on every row of its batch (JSON): absent amounts
        a = a.cast(pa.int64())
    n = len(a)
    null = pc.is_null(a).to_numpy(zero_copy_only=False)
    if pa.types.is_string(a.type) or pa.types.is_large_string(a.type):
        a = pc.utf8_trim_whitespace(a)
        empty = pc.fill_null(pc.equal(a, ""), True).to_numpy(zero_copy_only=False)
        # up to 13 digits: MAX_FEN (10^12) itself has 13; a larger value is refused below
        digits = pc.fill_null(pc.match_substring_regex(a, r"^\d{1,13}$"), False).to_numpy(zero_copy_only=False)
        safe = pc.if_else(pa.array(digits), a, "0")
        fen = safe.cast(pa.int64()).to_numpy(zero_copy_only=False)
        bad = ~digits & ~empty
        missing = empty
    elif pa.types.is_integer(a.type):
        # every integer type but uint64 fits int64 as it is; uint64 is compared as uint64 first
        wide = pa.uint64() if a.type == pa.uint64() else pa.int64()
        a = a.cast(wide)
        out = pc.greater(a, pa.scalar(MAX_FEN, wide))
        if wide == pa.int64():
            out = pc.or_(out, pc.less(a, pa.scalar(0, wide)))
        bad = np.asarray(pc.fill_null(out, False).to_numpy(zero_copy_only=False), dtype=bool)
        fen = pc.fill_null(pc.if_else(pa.array(bad), pa.scalar(0, wide), a), 0).cast(pa.int64()) \
            .to_numpy(zero_copy_only=False)
        missing = null
    elif pa.types.is_floating(a.type):
        v = pc.fill_null(a.cast(pa.float64()), 0).to_numpy(zero_copy_only=False)
        with np.errstate(invalid="ignore"):
            bad = ~np.isfinite(v) | (v < 0) | (v > MAX_FEN) | (v != np.floor(v))
        fen = np.where(bad, 0, v).astype(np.int64)
        missing = null
    else:
        return np.zeros(n, np.int64), np.ones(n, bool)
    bad = bad | (fen > MAX_FEN)
    if required:
        bad = bad | missing
    fen = np.where(bad | missing, 0, fen).astype(np.int64)
    return fen, bad


def _ymd(a: pa.Array, at: tuple[int, int, int]) -> tuple[np.ndarray, np.ndarray]:
    """Days since 1970 and a real-date mask, from the year, month and day digits at offsets ``at``
    (strings already checked to be digits there); over columns, without a parser per value."""
    part = lambda i, k: pc.cast(pc.utf8_slice_codeunits(a, i, i + k), pa.int64()).to_numpy(zero_copy_only=False)
    y, m, d = part(at[0], 4), part(at[1], 2), part(at[2], 2)
    ok = (m >= 1) & (m <= 12) & (d >= 1) & (d <= 31) & (y >= 1)
    month = np.where(ok, (y - 1970) * 12 + m - 1, 0).astype("datetime64[M]")
    days = month.astype("datetime64[D]") + np.where(ok, d - 1, 0).astype("timedelta64[D]")
    ok &= days.astype("datetime64[M]") == month  # 2026-02-30 would roll over into March
    return days.astype(np.int64), ok


def _dates(a: pa.Array) -> tuple[pa.Array, np.ndarray, np.ndarray]:
    """(date32 with nulls for empty, empty mask, bad mask). A year of claims has a few hundred
    distinct dates: each is checked once, and the rows take their date's result."""
    enc = pc.dictionary_encode(a)
    if len(enc.dictionary) * 4 < len(a):
        d, empty, bad = _distinct_dates(enc.dictionary)
        idx = enc.indices.to_numpy(zero_copy_only=False)
        return d.take(enc.indices), empty[idx], bad[idx]
    return _distinct_dates(a)


def _distinct_dates(a: pa.Array) -> tuple[pa.Array, np.ndarray, np.ndarray]:
    empty = pc.equal(a, "").to_numpy(zero_copy_only=False)
    ok_form = pc.match_substring_regex(a, r"^\d{4}-\d{2}-\d{2}$").to_numpy(zero_copy_only=False)
    days, real = _ymd(pc.if_else(pa.array(ok_form), a, "1970-01-01"), (0, 5, 8))
    good = ok_form & real
    d = pa.array(days.astype(np.int32), pa.date32(), mask=~good)
    return d, empty, ~good & ~empty


def normalise(batch: pa.RecordBatch | pa.Table, offset: int = 0, regions: Iterable[str] = ()):
    """(normalised table, valid mask, errors) for one batch whose first row is row ``offset + 1``.

    Normalised columns: every declared column present (absent ones get their model default), text as
    strings, money and year-to-date amounts as int64 fen, dates as date32 (discharge defaulting to
    admission in ``episode.day``)."""
    table = pa.Table.from_batches([batch]) if isinstance(batch, pa.RecordBatch) else batch
    check_names(table.column_names)
    n = table.num_rows
    ids_claim = _text(table.column("claim_id"), "claim_id") if "claim_id" in table.column_names else \
        pa.array([str(offset + i + 1) for i in range(n)], pa.string())
    err = _Errors(n, offset, ids_claim)
    out: dict[str, pa.Array] = {"claim_id": ids_claim}
    control = "text without control characters (U+0000–U+001F other than tab, line feed, carriage return)"
    if (rows := _control_rows(ids_claim)) is not None:
        err.add(rows, "claim_id", control)
    admitted = None
    for name in table.column_names:
        col = column_of(name)
        if name == "claim_id":
            continue
        if col.kind == "fen":
            fen, bad = _money(table.column(name), col.required)
            err.add(bad, name, f"a whole number of fen from 0 to {MAX_FEN:,} (at most two decimals in yuan)")
            out[name] = pa.array(fen, pa.int64())
            continue
        a = _text(table.column(name), name)
        if (rows := _control_rows(a)) is not None:
            err.add(rows, name, control)
        if col.kind == "id":
            a = _canonical_ids(a)
            out[name] = a
            err.add(_id_problems(a), name, "a valid resident ID number (18 characters, real birth date, check digit)")
        elif col.kind == "division":
            pattern = r"^(\d{6}|\d{9}|\d{12})$" if col.required else r"^(|\d{6}|\d{9}|\d{12})$"
            err.add(~pc.match_substring_regex(a, pattern).to_numpy(zero_copy_only=False), name,
                    "a division code of 6, 9 or 12 digits")
            out[name] = a
        elif col.kind == "choice":
            table_ = _table(col.vocab)
            err.add(_per_value(a, lambda t: t in table_ or (t == "" and not col.required)), name,
                    f"one of {', '.join(table_)}")
            out[name] = a
        elif col.kind == "list":
            ok = _vocab(col.vocab)
            err.add(_per_value(a, lambda t: all(ok(x) for x in t.split(";") if x)), name,
                    "terms joined by ';', each " + ("a condition tag or an ICD-10 code" if col.vocab == "conditions"
                                                    else f"one of {', '.join(_table(col.vocab))}"))
            out[name] = a
        elif col.kind == "bool":
            err.add(~pc.is_in(a, pa.array(["true", "false", ""])).to_numpy(zero_copy_only=False), name,
                    "true or false")
            out[name] = a
        elif col.kind == "int":
            err.add(~pc.match_substring_regex(a, rf"^\d{{0,{MAX_COUNT_DIGITS}}}$").to_numpy(zero_copy_only=False), name,
                    "a whole number of 0 or more")
            out[name] = a
        elif col.kind == "json":
            err.add(_per_value(a, _json_check(name)), name, EXPECT_JSON[name])
            out[name] = a
        elif col.kind == "date":
            d, empty, bad = _dates(a)
            if col.required:
                bad = bad | empty
            err.add(bad, name, "a date YYYY-MM-DD")
            out[name] = d
            if name == "episode.admitted":
                admitted = d
        elif col.kind == "datetime":
            err.add(_per_value(a, _is_datetime), name, "a date-time YYYY-MM-DDTHH:MM[:SS][+08:00], or empty")
            out[name] = a
        elif name == "region":
            known = set(regions)
            if known:
                err.add(_per_value(a, lambda t: t == "" or t in known), name,
                        f"empty or an installed region ({', '.join(sorted(known))})")
            out[name] = a
        else:
            out[name] = a
    # cross-field checks, as the loader makes them on one case
    g = lambda c: out[c].to_numpy(zero_copy_only=False) if c in out else np.zeros(n, np.int64)
    if "episode.discharged" in out:
        dis = out["episode.discharged"]
        before = pc.fill_null(pc.less(dis, admitted), False).to_numpy(zero_copy_only=False)
        err.add(before, "episode.discharged", "a date on or after admission")
    if "episode.claimed_on" in out:
        early = pc.fill_null(pc.less(out["episode.claimed_on"], admitted), False).to_numpy(zero_copy_only=False)
        err.add(early, "episode.claimed_on", "a date on or after admission")
    for name in ("episode.admitted_at", "episode.discharged_at"):
        # the date-time's date is the date column's as the loader splits one value into the two: its
        # day in China time (+08:00), which deadlines count (2026-03-12T23:30-05:00 is on 2026-03-13)
        day = name[:-3]
        if name in out and day in out:
            given = pc.not_equal(out[name], "").to_numpy(zero_copy_only=False)
            dates = pc.fill_null(out[day].cast(pa.int32()), -2).to_numpy(zero_copy_only=False).astype(np.int64)
            err.add(given & (_per_value_map(out[name], _china_day) != dates), name,
                    f"a date-time on the day of {day} in China time (+08:00)")
        elif name in out:
            err.add(pc.not_equal(out[name], "").to_numpy(zero_copy_only=False), name, f"empty without {day}")
    if "episode.admitted_at" in out and "episode.discharged_at" in out:
        at, dis = _per_value_map(out["episode.admitted_at"], _seconds), _per_value_map(out["episode.discharged_at"], _seconds)
        err.add((at >= 0) & (dis >= 0) & (dis < at), "episode.discharged_at", "a date-time on or after admission")
    if "episode.diagnosis_names" in out:
        names = _per_value_map(out["episode.diagnosis_names"], _json_length)
        diag = out["episode.diagnoses"] if "episode.diagnoses" in out else pa.array([""] * n, pa.string())
        terms = _per_value_map(diag, lambda t: len([x for x in t.split(";") if x]))
        err.add(names > terms, "episode.diagnosis_names", "at most one name per diagnosis (episode.diagnoses)")
    if "bill.items" in out:
        # the loader's check: a column's self-pay items never add up to more than the column (items
        # are facts shared by many claims, the slip's amounts each claim's own: so every row)
        sums = _per_value_sums(out["bill.items"])
        over = np.zeros(n, dtype=bool)
        for column, per_row in sums.items():
            over |= per_row > g(f"bill.{column}_fen")
        err.add(over, "bill.items", "self-pay items of each slip column together at most that column "
                                    "(bill.<column>_fen; each item's `column`)")
    ids = out["person.id_number"]
    born, _ = _ymd(pc.if_else(pa.array(err.bad), "110101190001010011", ids), (6, 10, 12))
    adm = pc.fill_null(admitted.cast(pa.int32()), 2 ** 30).to_numpy(zero_copy_only=False).astype(np.int64)
    late = born > adm
    err.add(late, "person.id_number", "a person born on or before admission")
    parts = g("bill.in_scope_fen") + g("bill.first_self_paid_fen") + g("bill.over_limit_fen") + g("bill.fully_self_paid_fen")
    err.add(parts != g("bill.total_fen"), "bill.total_fen",
            "in_scope + first_self_paid + over_limit + fully_self_paid")
    err.add(g("bill.deductible_fen") > g("bill.in_scope_fen"), "bill.deductible_fen", "at most bill.in_scope_fen")
    paid = g("bill.basic_paid_fen") + g("bill.critical_paid_fen") + g("bill.assistance_paid_fen") + g("bill.other_paid_fen")
    for c in OTHER_MONEY:  # other payers by kind are on the slip too
        paid = paid + g(c)
    err.add(paid > g("bill.total_fen"), "bill.basic_paid_fen",
            "basic + critical + assistance + other payers (every kind) on the slip at most bill.total_fen")
    return pa.table(out), ~err.bad, sorted(err.list, key=lambda e: e.row)  # stable: a row's fields in check order


def _is_datetime(text: str) -> bool:
    from jiuzhu.io.loader import moment
    if text == "":
        return True
    try:
        return len(text) > 10 and isinstance(moment(text), dt.datetime)
    except InputError:
        return False


def _seconds(text: str) -> int:
    """A checked date-time as UTC seconds; -1 for empty or unreadable (the cell's own check reports it)."""
    from jiuzhu.io.loader import moment
    try:
        m = moment(text) if text else None
    except InputError:
        return -1
    return int(m.timestamp()) if isinstance(m, dt.datetime) else -1


def _china_day(text: str) -> int:
    """A checked date-time's date in China time (+08:00, as the loader reads it) as days since 1970;
    -1 for empty or unreadable (the cell's own check reports it)."""
    from jiuzhu.io.loader import moment
    try:
        m = moment(text) if text else None
    except InputError:
        return -1
    return (m.date() - dt.date(1970, 1, 1)).days if isinstance(m, dt.datetime) else -1


def _json_length(text: str) -> int:
    try:
        v = json.loads(text) if text else []
    except (ValueError, RecursionError):
        return 0
    return len(v) if isinstance(v, list) else 0


def _item_sums(text: str) -> dict:
    """Fen per slip column of a ``bill.items`` cell; empty for an unreadable cell (its own check reports it)."""
    from jiuzhu.model.money import to_fen
    try:
        out: dict = {}
        for it in json.loads(text) if text else []:
            column = it.get("column", "fully_self_paid")
            out[column] = out.get(column, 0) + to_fen(it.get("amount", 0), "amount")
        return out
    except Exception:
        return {}


def _per_value_sums(arr: pa.Array) -> dict:
    """Slip column → int64 per row: what the row's items put in that column, each distinct cell read once."""
    enc = pc.dictionary_encode(arr.combine_chunks() if isinstance(arr, pa.ChunkedArray) else arr)
    per_value = [_item_sums(v) for v in enc.dictionary.to_pylist()]
    idx = enc.indices.to_numpy(zero_copy_only=False)
    out = {}
    for column in vocab.ITEM_COLUMNS:
        # beyond any slip amount (MAX_FEN) is enough to tell: no int64 overflow for a cell of many items
        vals = np.array([min(d.get(column, 0), MAX_FEN + 1) for d in per_value] or [0], dtype=np.int64)
        if vals.any():
            out[column] = vals[idx]
    return out


def _per_value_map(arr: pa.Array, f) -> np.ndarray:
    """An int64 column from a Python function applied once per distinct value."""
    enc = pc.dictionary_encode(arr.combine_chunks() if isinstance(arr, pa.ChunkedArray) else arr)
    vals = np.array([f(v) for v in enc.dictionary.to_pylist()] or [0], dtype=np.int64)
    return vals[enc.indices.to_numpy(zero_copy_only=False)]


def _canonical_ids(ids: pa.Array) -> pa.Array:
    """The ID numbers as :func:`jiuzhu.model.idcard.canonical` spells them (check character ``X``, as the
    loader makes it on one case), so that a person written ``x`` on one claim and ``X`` on another is
    one person; only the rows ending in ``x`` are rewritten."""
    low = pc.ends_with(ids, "x").to_numpy(zero_copy_only=False)
    if not low.any():
        return ids
    fixed = [idcard.canonical(v) for v in ids.filter(pa.array(low)).to_pylist()]
    return pc.replace_with_mask(ids, pa.array(low), pa.array(fixed, pa.string()))


def _id_problems(ids: pa.Array) -> np.ndarray:
    """Bad-row mask of resident ID numbers: form, real birth date (1880 – today), check character;
    each distinct number checked once (a person has several claims)."""
    enc = pc.dictionary_encode(ids)
    if len(enc.dictionary) * 2 < len(ids):
        return _distinct_id_problems(enc.dictionary)[enc.indices.to_numpy(zero_copy_only=False)]
    return _distinct_id_problems(ids)


def _distinct_id_problems(ids: pa.Array) -> np.ndarray:
    form = pc.match_substring_regex(ids, r"^\d{17}[\dXx]$").to_numpy(zero_copy_only=False)
    safe = pc.utf8_upper(pc.if_else(pa.array(form), ids, "110101190001010011"))
    # every value is now 18 ASCII bytes: view the data buffer as an (n, 18) byte matrix
    safe = pa.array(safe.to_pylist(), pa.string()) if safe.offset else safe
    offs = np.frombuffer(safe.buffers()[1], dtype=np.int32, count=len(safe) + 1)
    raw = np.frombuffer(safe.buffers()[2], dtype=np.uint8, count=int(offs[-1]))[offs[0]:]
    m = raw.reshape(len(safe), 18) if len(safe) else np.zeros((0, 18), np.uint8)
    digits = m[:, :17].astype(np.int64) - 48
    check = _CHECK[(digits @ _WEIGHTS) % 11]
    ok_check = check == m[:, 17]
    days, real = _ymd(safe, (6, 10, 12))
    lo, hi = (np.datetime64(d, "D").astype(np.int64) for d in ("1880-01-01", dt.date.today().isoformat()))
    ok_born = (days >= lo) & (days <= hi)
    return ~(form & ok_check & real & ok_born)
