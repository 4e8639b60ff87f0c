"""Batches of claims under several regions: reading, columnar evaluation, totals, writing.

Claims are flat rows (see :mod:`jiuzhu.analysis.batch`) in CSV, JSON Lines or Parquet. They are read
into an Arrow table once; every text fact is dictionary-encoded so that the *decision key*
(every fact except identity, money and exact dates) is computed once for all regions. Each
region then adds only what is its own (age bucket between its age thresholds, epoch between its
parameter change dates), asks its hooks once per group and settles the money of all claims with
:func:`jiuzhu.rules.settle.settle_columns`. The result agrees to the fen with
:meth:`jiuzhu.rules.engine.Engine.evaluate` on each claim (``tests/test_batch_agreement.py``).

Re-homing (see :mod:`jiuzhu.analysis.compare`) applies per group: hukou, residence and facility location
are part of the decision key, so moving a group's representative moves every claim of the group.
"""

from __future__ import annotations

import datetime as dt
import json
import re
from pathlib import Path
from typing import Callable, Mapping

import attrs
import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from jiuzhu.analysis.batch import MONEY, NOT_KEY, OTHER_MONEY, PRESENCE, YTD, unflatten
from jiuzhu.analysis.checks import check_names, normalise
from jiuzhu.io.atomic import atomic_path, check_output
from jiuzhu.io.safe import neutralise_table, one_line
from jiuzhu.model.text import transcode_to_utf8
from jiuzhu.rules.engine import CALENDAR_PARAMETERS, Engine, bill_columns, deciding_result
from jiuzhu.model.errors import ClaimError, InputError, JiuzhuError
from jiuzhu.io.loader import structure_case
from jiuzhu.plugins import BrokenRegion, RegionFault
from jiuzhu.rules.settle import SLIP_LAYERS, Plan, claim_order, settle_columns

FORMATS = {".parquet": "parquet", ".pq": "parquet", ".csv": "csv", ".jsonl": "jsonl", ".ndjson": "jsonl"}


def _fmt(path: str | Path) -> str:
    ext = Path(path).suffix.lower()
    if ext not in FORMATS:
        raise InputError("claims file", Path(path).name, "expected a .parquet, .csv or .jsonl file")
    return FORMATS[ext]


# -- reading and writing --------------------------------------------------------------------------


def _arrow_reason(exc: BaseException) -> str:
    """An Arrow error without the row it quotes (a row holds names and ID numbers)."""
    msg = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
    msg = re.sub(r"(got \d+ columns?)\s*:.*", r"\1", msg)
    msg = re.sub(r"(invalid value|straddling object|Row|value)\s*'.*", r"\1", msg)
    msg = re.sub(r":\s*[^:]*$", "", msg) if len(msg) > 120 else msg
    return one_line(msg, 120)


def _unique_names(names) -> None:
    names = list(names)
    dup = sorted({n for n in names if names.count(n) > 1})
    if dup:
        raise InputError(f"claims file column {dup[0]}", None, "appears more than once; each column once")


JSONL_BLOCK = 1 << 24  # bytes of a JSON Lines file parsed at once (whole lines), as a CSV's block_size


def _line_blocks(path: Path, size: int):
    """The bytes of ``path`` in blocks of about ``size`` bytes ending at a line break (a longer line whole);
    blocks of blank lines only are skipped."""
    with open(path, "rb") as fh:
        rest = b""
        while True:
            data = fh.read(size)
            if not data:
                break
            data = rest + data
            cut = data.rfind(b"\n") + 1
            block, rest = (data[:cut], data[cut:]) if cut else (b"", data)
            if block.strip():
                yield block
        if rest.strip():
            yield rest


def read_batches(path: str | Path, rows: int = 262_144, encoding: str | None = None):
    """Iterate a claims file as raw Arrow record batches of about ``rows`` rows (CSV cells as text).

    CSV and JSON Lines are UTF-8 (a BOM is allowed) or, with ``encoding="gb18030"``, GB18030,
    which is transcoded in a stream; bytes invalid in the encoding are reported with their offset.
    """
    import csv as _csv
    import tempfile
    p = Path(path)
    fmt = _fmt(p)
    if not p.exists():
        raise InputError("claims file", p.name, "file not found")
    if p.is_dir():
        raise InputError("claims file", p.name, "a file, not a folder")
    with tempfile.TemporaryDirectory(prefix="jiuzhu-claims-") as work:
        src = p
        if fmt != "parquet":
            utf8 = Path(work) / ("claims" + p.suffix)
            with open(utf8, "wb") as dst:
                if not transcode_to_utf8(p, dst, encoding):
                    src = utf8
        try:
            if fmt == "parquet":
                import pyarrow.parquet as pq
                f = pq.ParquetFile(src)
                _unique_names(f.schema_arrow.names)
                check_names(f.schema_arrow.names)
                yield from f.iter_batches(batch_size=rows)
            elif fmt == "csv":
                import pyarrow.csv as pcsv
                with src.open(encoding="utf-8-sig", newline="") as fh:
                    names = next(_csv.reader(fh), [])
                _unique_names(names)
                check_names(names)
                # ID numbers and division codes look like integers: every cell is read as text, checked later
                reader = pcsv.open_csv(src, read_options=pcsv.ReadOptions(block_size=1 << 24),
                                       convert_options=pcsv.ConvertOptions(column_types={n: pa.string() for n in names},
                                                                           strings_can_be_null=False))
                yield from reader
            else:
                import io
                import pyarrow.json as pjson
                # a block of whole lines parsed at a time (the whole file would be held in memory), each block's
                # columns checked as it is read; types are inferred per block and normalise() fixes them
                before = 0  # rows of the blocks already read: a parse error names its row in the file
                for block in _line_blocks(src, JSONL_BLOCK):
                    try:
                        table = pjson.read_json(io.BytesIO(block))
                    except pa.ArrowInvalid as exc:
                        raise pa.ArrowInvalid(re.sub(r"in row (\d+)", lambda m: f"in row {int(m[1]) + before}",
                                                     str(exc))) from None
                    before += table.num_rows
                    _unique_names(table.column_names)
                    check_names(table.column_names)
                    yield from table.to_batches(rows)
                if not before:
                    pjson.read_json(io.BytesIO(b""))  # no line of text: Arrow's own "Empty JSON file", as before
        except (pa.ArrowException, OSError, UnicodeDecodeError, _csv.Error) as exc:
            raise InputError("claims file", p.name, f"readable {fmt} ({_arrow_reason(exc)})") from None


def read_claims(path: str | Path, regions=(), encoding: str | None = None) -> tuple:
    """A whole claims file as (normalised table, errors), every row checked (``encoding``: see
    :func:`read_batches`)."""
    tables, errors, offset = [], [], 0
    for b in read_batches(path, encoding=encoding):
        t, ok, errs = normalise(b, offset, regions)
        offset += len(ok)
        tables.append(t.filter(pa.array(ok)) if errs else t)
        errors += errs
    if not tables:
        raise InputError("claims file", Path(path).name, "at least one claim row")
    pa.default_memory_pool().release_unused()  # what the checks allocated and freed, back to the system
    return pa.concat_tables(tables, promote_options="default"), errors


def write_table(table, path: str | Path, csv_yuan: bool = False) -> None:
    """Write an Arrow table as Parquet, CSV or JSON Lines, chosen by the file extension; atomically.
    In CSV, text is neutralised against formula injection (:func:`jiuzhu.io.safe.csv_field`) and,
    with ``csv_yuan`` (results), ``*_fen`` money columns become ``*_yuan`` plain decimals (12000.00);
    claims files keep their fen columns."""
    p = Path(path)
    fmt = _fmt(p)
    with atomic_path(p) as tmp:
        if fmt == "parquet":
            import pyarrow.parquet as pq
            pq.write_table(table, tmp, **parquet_options(table.schema))
        elif fmt == "csv":
            import pyarrow.csv as pcsv
            pcsv.write_csv(neutralise_table(as_yuan(table) if csv_yuan else table), tmp)
        else:
            with tmp.open("w", encoding="utf-8") as fh:
                for batch in table.to_batches(65536):
                    for row in batch.to_pylist():
                        fh.write(json.dumps(row, ensure_ascii=False, default=str) + "\n")


def parquet_options(schema) -> dict:
    """How results and claims files are written: zstd; dictionary pages for text only (the money and
    count columns are mostly runs of zeros, which their plain encoding compresses as well, and a
    dictionary per integer column costs a fifth of the write)."""
    text = [f.name for f in schema if pa.types.is_dictionary(f.type) or pa.types.is_string(f.type)
            or pa.types.is_large_string(f.type)]
    return {"compression": "zstd", "use_dictionary": text}


def yuan_array(fen: np.ndarray):
    """int64 fen as an exact decimal128(18, 2) Arrow array of yuan (same integers, scale 2)."""
    v = np.ascontiguousarray(fen, dtype=np.int64)
    words = np.empty((len(v), 2), dtype=np.int64)
    words[:, 0], words[:, 1] = v, np.where(v < 0, -1, 0)
    return pa.Array.from_buffers(pa.decimal128(18, 2), len(v), [None, pa.py_buffer(words.tobytes())])


def as_yuan(table):
    cols, names = [], []
    for name in table.column_names:
        col = table.column(name)
        if name.endswith("_fen") and pa.types.is_integer(col.type):
            col = yuan_array(col.to_numpy())
            name = name[:-4] + "_yuan"
        cols.append(col)
        names.append(name)
    return pa.table(cols, names=names)


def write_claims(cols: Mapping, path: str | Path) -> None:
    """Columns of claim rows (the flat schema) as a claims file."""
    write_table(pa.table({k: pa.array(v) for k, v in cols.items()}), path)


# -- evaluation -----------------------------------------------------------------------------------


@attrs.frozen
class RegionRun:
    """One region's per-claim results (fen, input order), or the error that stopped the region."""

    region: str
    error: str = ""
    eligible: np.ndarray | None = None
    verdict: np.ndarray | None = None  # verdict kinds (object)
    layers: dict = attrs.field(factory=dict)  # layer id -> int64 fen
    payers: dict = attrs.field(factory=dict)  # layer id -> payer (fund)
    given: frozenset = frozenset()  # layer ids taken from the slip
    total: np.ndarray | None = None
    assistance: np.ndarray | None = None
    burden: np.ndarray | None = None
    groups: int = 0
    reason: np.ndarray | None = None  # per claim: index into ``reasons``
    reasons: tuple = ()  # (rule id, 中文, English) of each decisive reason
    labels: dict = attrs.field(factory=dict)  # layer id -> (中文, English)
    fault: bool = False  # the region's plugin is broken or failed, not the claims
    shifted: frozenset = frozenset()  # layer ids that move cost to a party without being assistance
    verdicts: tuple = ()  # the verdict kinds, sorted; with ``verdict_code``, ``verdict`` without object compares
    verdict_code: np.ndarray | None = None  # per claim: index into ``verdicts``
    fund_labels: dict = attrs.field(factory=dict)  # payer -> (中文, English, citation): the fund's own label
    # claims this region could not evaluate for a fact of their own (True per claim; not in the results
    # or totals) and, for each, (claim index, field, what was expected): see :func:`evaluate_region`
    invalid: np.ndarray | None = None
    problems: tuple = ()
    # layer id -> per claim, whether the layer is one of the claim's own settlement (its plan's, or an other
    # payer's kind the claim has), for the layers some claims of the partition have and others not: ``--long``
    # writes a claim's own layers only, whatever other claims share its partition
    own: dict = attrs.field(factory=dict)

    def kept(self) -> "RegionRun":
        """The run without its invalid claims (what results and totals show)."""
        if self.invalid is None or not self.invalid.any():
            return self
        k = ~self.invalid
        cut = lambda a: None if a is None else a[k]
        verdict = cut(self.verdict)
        kinds = tuple(sorted(set(verdict.tolist())))  # "invalid" is no longer among them
        code = np.searchsorted(np.array(kinds, dtype=object), verdict).astype(np.int32) if len(verdict) else \
            np.zeros(0, np.int32)
        return attrs.evolve(self, eligible=cut(self.eligible), verdict=verdict,
                            layers={l: v[k] for l, v in self.layers.items()}, total=cut(self.total),
                            own={l: v[k] for l, v in self.own.items()},
                            assistance=cut(self.assistance), burden=cut(self.burden), reason=cut(self.reason),
                            invalid=None, verdicts=kinds if self.verdict_code is not None else self.verdicts,
                            verdict_code=None if self.verdict_code is None else code)


def decisive(eligibility, referral):
    """The reason that decides a claim, or None when the region gives none.

    Not covered (not eligible, or a verdict outside :data:`COVERED`): the verdict's *last* reason, where
    the regions state the refusal (「非医疗救助对象」, 「门诊费用不予救助」); the first reasons are the
    conditions that hold (「户籍在抚顺市辖区内」), which would say the opposite of why. Without a verdict
    reason, the last eligibility reason. Covered: the first reason of the verdict."""
    if not eligibility.eligible or referral.kind not in COVERED:
        if referral.reasons:
            return referral.reasons[-1]
        return eligibility.reasons[-1] if eligibility.reasons else None
    if referral.reasons:
        return referral.reasons[0]
    return eligibility.reasons[0] if eligibility.reasons else None


def _reason_key(r) -> tuple[str, str, str]:
    if r is None:
        return ("", "", "")
    return ((r.cite.rule if r.cite else "") or "", r.zh, r.en)


class ClaimTable:
    """A normalised, checked claims table (:func:`jiuzhu.analysis.checks.normalise`) with what every
    region shares computed once."""

    def __init__(self, table):
        self.table = table
        self.n = n = table.num_rows
        col = lambda name: table.column(name).combine_chunks()
        self.money = {c: (table.column(c).to_numpy() if c in table.column_names else np.zeros(n, dtype=np.int64))
                      for c in MONEY}
        self.used = {c[12:-4]: table.column(c).to_numpy() for c in table.column_names if YTD.match(c)}
        ids = col("person.id_number")
        self.born_y = pc.cast(pc.utf8_slice_codeunits(ids, 6, 10), pa.int32()).to_numpy()
        self.born_md = pc.cast(pc.utf8_slice_codeunits(ids, 10, 14), pa.int32()).to_numpy()
        self.sex = pc.cast(pc.utf8_slice_codeunits(ids, 16, 17), pa.int32()).to_numpy() % 2
        self.person = pc.dictionary_encode(ids).indices.to_numpy()
        adm = col("episode.admitted")
        self.admitted = adm.to_numpy(zero_copy_only=False).astype("datetime64[D]")
        dis = pc.fill_null(col("episode.discharged"), adm) if "episode.discharged" in table.column_names else adm
        self.discharged = dis.to_numpy(zero_copy_only=False).astype("datetime64[D]")
        self.ages = self._ages(self.admitted)
        # the region-independent part of the decision key, one integer per claim: the facts hooks read
        # (year-to-date amounts are not facts; a region declares the ones it reads, see evaluate_region)
        key_cols = [c for c in sorted(table.column_names)
                    if (c not in NOT_KEY or c in PRESENCE) and c != ROW and not YTD.match(c)]
        # the claim's row in the file (1-based), carried by run_batch; else its place in the table
        self.rows = (table.column(ROW).to_numpy() if ROW in table.column_names
                     else np.arange(1, n + 1, dtype=np.int64))
        self.key_cols = key_cols
        self.facts = self._key(key_cols)
        self.n_facts = int(self.facts.max(initial=-1)) + 1

    def fact_values(self) -> list[tuple]:
        """Per fact code, the key columns' values (names, values) of its claims: what a code means in
        any partition."""
        cached = self.__dict__.get("_fact_values")
        if cached is None:
            rows = self._fact_rows()
            names = tuple(self.key_cols)
            at = pa.array(rows)
            sub = {c: self._key_column(c).take(at).to_pylist() for c in names}
            cached = self._fact_values = [(names, tuple(sub[c][i] for c in names)) for i in range(len(rows))]
        return cached

    def _key(self, names) -> np.ndarray:
        key = np.zeros(self.n, dtype=np.int64)
        for c in names:
            enc = pc.dictionary_encode(self._key_column(c))
            card = len(enc.dictionary) + 1  # an empty date (null) is a value of its own
            codes = pc.fill_null(enc.indices, card - 1).to_numpy(zero_copy_only=False).astype(np.int64)
            key = _fold(key, codes, card)
        return _renumber(key)

    def _key_column(self, name: str):
        """The column as it enters the decision key: its values, or for a :data:`PRESENCE` column
        whether each row gives one (a non-empty text)."""
        col = self.table.column(name).combine_chunks()
        if name in PRESENCE:
            col = pc.fill_null(pc.greater(pc.utf8_length(col), 0), False)
        return col

    def _ages(self, days: np.ndarray) -> np.ndarray:
        dy = days.astype("datetime64[Y]").astype(np.int64) + 1970
        month = days.astype("datetime64[M]")
        dmd = (month.astype(np.int64) % 12 + 1) * 100 + (days - month.astype("datetime64[D]")).astype(np.int64) + 1
        return dy - self.born_y - (dmd < self.born_md)

    def cases(self, rows: np.ndarray, errors: bool = False) -> list:
        """Structured cases for the given row indices, each row as the loader reads it; cached. A row
        the loader refuses raises its :class:`InputError`, or with ``errors`` stands as that error in
        the list."""
        cache = self.__dict__.setdefault("_cases", {})
        missing = list(dict.fromkeys(int(i) for i in rows if int(i) not in cache))
        for i, raw in zip(missing, self._rows(missing)):
            try:
                cache[i] = _row_case(raw, int(self.rows[i]) - 1)
            except InputError as exc:
                cache[i] = exc
        return _raise_first([cache[int(i)] for i in rows], errors)

    def _rows(self, rows: list[int]) -> list[dict]:
        """The given rows as Python dicts. Taken batch by batch: ``Table.take`` joins every chunk of
        every column first, which costs as much for ten rows as for the whole table."""
        if not rows:
            return []
        got = self.__dict__.get("_batches")
        if got is None:
            batches = self.table.to_batches()  # zero-copy slices, one chunk layout for every column
            got = self._batches = (batches, np.cumsum([0] + [b.num_rows for b in batches]))
        batches, starts = got
        at = np.asarray(rows, dtype=np.int64)
        which = np.searchsorted(starts, at, side="right") - 1
        out: list = [None] * len(rows)
        for b in np.unique(which):
            pos = np.flatnonzero(which == b)
            for k, raw in zip(pos, batches[b].take(pa.array(at[pos] - starts[b])).to_pylist()):
                out[k] = raw
        return out

    def representatives(self, rows: np.ndarray, errors: bool = False) -> list:
        """Cases of the given rows as a region's hooks decide them (see :meth:`cases` for ``errors``).

        Rows of one fact group (:attr:`facts`) differ only in what is not a fact: identity, names,
        money, exact dates, year-to-date amounts. So the group's first row is structured once (the
        loader's every check) and another row of the group is that case with the row's own ID number,
        admission and discharge dates, claim id and year-to-date amounts: everything a region's key
        adds to the facts (age, sex, date buckets, declared year-to-date). Its names and money stay
        the first row's: no decision reads them (they are not in the key), and settling reads the
        columns. Where the first row is refused by the loader, each row is structured alone."""
        cache = self.__dict__.setdefault("_reps", {})
        missing = [int(i) for i in rows if int(i) not in cache]
        if missing:
            lead = self._fact_rows()
            firsts = self.cases(lead[self.facts[np.asarray(missing, dtype=np.int64)]], errors=True)
            alone = [i for i, t in zip(missing, firsts) if isinstance(t, InputError)]
            for i, t in zip(missing, firsts):
                if not isinstance(t, InputError):
                    cache[i] = t if i == lead[self.facts[i]] else self._like(t, i)
            for i, c in zip(alone, self.cases(alone, errors=True)):
                cache[i] = c
        return _raise_first([cache[int(i)] for i in rows], errors)

    def _fact_rows(self) -> np.ndarray:
        """Per fact code, its first row."""
        lead = self.__dict__.get("_lead")
        if lead is None:
            lead = self._lead = _factorize(self.facts)[0]
        return lead

    def _like(self, template, i: int):
        """Row ``i`` as a case: the case of its fact group's first row (``template``) with row ``i``'s ID
        number, dates, claim id and year-to-date amounts (see :meth:`representatives`)."""
        own = self.__dict__.get("_own")
        if own is None:
            t = self.table
            dis = t.column("episode.discharged") if "episode.discharged" in t.column_names else None
            own = self._own = (
                t.column("person.id_number").combine_chunks(),
                t.column("claim_id").combine_chunks() if "claim_id" in t.column_names else None,
                None if dis is None else dis.is_null().to_numpy(zero_copy_only=False))
        ids, cids, no_discharge = own
        ep = template.episode
        admitted = ep.admitted if ep.admitted_at is not None else self.admitted[i].item()
        if ep.discharged_at is not None:
            discharged = ep.discharged
        else:
            discharged = None if no_discharge is None or no_discharge[i] else self.discharged[i].item()
        ytd = {k: int(v[i]) for k, v in self.used.items() if v[i]}
        return attrs.evolve(
            template, id=str(cids[i].as_py() or "") if cids is not None else template.id,
            person=attrs.evolve(template.person, id_number=ids[i].as_py()),
            episode=attrs.evolve(ep, admitted=admitted, discharged=discharged),
            history=attrs.evolve(template.history, ytd=ytd))


def _raise_first(cases: list, errors: bool) -> list:
    if not errors:
        bad = next((c for c in cases if isinstance(c, InputError)), None)
        if bad is not None:
            raise bad
    return cases


def _renumber(key: np.ndarray) -> np.ndarray:
    """``key`` as 0, 1, 2 … in the order its values first appear."""
    return _factorize(key)[1]


def _factorize(key: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(first row of each distinct value, its number per row), numbered 0, 1, 2 … in the order the
    values first appear: by hashing, a fifth of the time of sorting a million keys."""
    group = pc.dictionary_encode(pa.array(key, pa.int64())).indices.to_numpy(zero_copy_only=False).astype(np.int64)
    if not len(group):
        return np.zeros(0, np.int64), group
    top = np.maximum.accumulate(group)
    new = np.empty(len(group), dtype=bool)
    new[0] = True
    new[1:] = top[1:] > top[:-1]  # a number larger than any before it is a value seen for the first time
    return np.flatnonzero(new), group


def _fold(key: np.ndarray, codes: np.ndarray, card: int) -> np.ndarray:
    """One more column (``codes`` in 0 … card-1) into an integer key: key × card + codes, re-numbered
    first if the product could overflow int64."""
    if card <= 1:
        return key
    if int(key.max(initial=0)) > 2 ** 62 // card:
        key = _renumber(key)
    return key * card + codes


ROW = "_row"  # the column run_batch adds: each claim's 1-based row number in the file


def _row_case(raw: dict, i: int):
    """One claim row as a case; an error names the row, the claim id and the field, never the row."""
    cid = one_line(raw.get("claim_id") or "", 40)
    where = f"row {i + 1}" + (f" (claim {cid})" if cid else "")
    try:
        return structure_case(unflatten(raw), where=where)
    except InputError as exc:
        if exc.field.startswith(where):
            raise
        raise InputError(f"{where}: {exc.field}", exc.value, exc.expected) from None


def _thresholds(engine: Engine, region: str):
    thresholds, breaks = set(), set()
    for r in engine.chain(region):
        pset = engine.parameter_set(r.code)
        breaks.update(pset.breakpoints())
        for d in r.info.documents:
            if d.effective_from:
                breaks.add(d.effective_from)
        for p in pset.params.values():
            if p.unit == "years":
                # both sides of an age limit: 「14周岁以下」 read inclusively (age ≤ 14) tells 14 from 15, and
                # exclusively (age < 14) 13 from 14
                thresholds.update(a for v in p.values for a in (v.value, v.value + 1))
    return sorted(thresholds) or [0], sorted(breaks) or [dt.date(1900, 1, 1)]


_ISO = re.compile(r"\d{4}-\d{2}-\d{2}")


def _dates_in(value) -> set[dt.date]:
    """Every date a parameter value holds: a date, a list of them, or ISO text such as a period
    "2020-01-20/2020-04-30"."""
    if isinstance(value, dt.datetime):
        return {value.date()}
    if isinstance(value, dt.date):
        return {value}
    if isinstance(value, str):
        return {dt.date.fromisoformat(m) for m in _ISO.findall(value)}
    if isinstance(value, (list, tuple, set, frozenset)):
        return {d for v in value for d in _dates_in(v)}
    return set()


def _bucket(days: np.ndarray, bounds) -> np.ndarray:
    return np.searchsorted(np.array(sorted(bounds), dtype="datetime64[D]"), days, side="right")


def _date_facts(engine: Engine, ct: ClaimTable, region: str, day: np.ndarray) -> list[np.ndarray]:
    """What the exact dates decide, which the facts alone do not, as integer columns for the key
    (values that mean the same in every partition of a file):

    * where admission and discharge fall among the dates the region's parameters hold (an insurer
      agreement's end, a declared period): a stay admitted after the agreement ended, or one crossing it;
    * where the admission, the discharge and the day judged by fall among the person's dated statuses
      (低保边缘 until June, 低保 from July): the category on each of those days;
    * for a claim whose path or actions carry dates (a filing 48 hours after admission), its exact
      admission and discharge, since hooks measure those dates from them.
    """
    bounds: set[dt.date] = set()
    for r in engine.chain(region):
        for name, p in engine.parameter_set(r.code).params.items():
            if name in CALENDAR_PARAMETERS:
                # rest days count working days between dated events (a claim with dated actions has its
                # exact dates in the key, below), as the national holidays do, which are not in the key
                continue
            for v in p.values:
                for d in _dates_in(v.value):
                    bounds |= {d, d + dt.timedelta(days=1)}  # both sides of "on or before" and "after"
    extra = []
    if bounds:
        extra += [_bucket(ct.admitted, bounds), _bucket(ct.discharged, bounds)]
    if "person.statuses" in ct.table.column_names:
        enc = pc.dictionary_encode(ct.table.column("person.statuses").combine_chunks())
        codes = pc.fill_null(enc.indices, -1).to_numpy(zero_copy_only=False).astype(np.int64)
        per_value = []
        for text in enc.dictionary.to_pylist():
            ds = set()
            for s in (json.loads(text) if text else []) or []:
                for k, shift in (("from", 0), ("to", 1)):
                    if s.get(k):
                        ds.add(np.datetime64(str(s[k])[:10], "D") + np.timedelta64(shift, "D"))
            per_value.append(sorted(ds))
        if any(per_value):
            counts = np.zeros((3, ct.n), dtype=np.int64)
            for ci, ds in enumerate(per_value):
                if not ds:
                    continue
                rows = np.nonzero(codes == ci)[0]
                arr = np.array(ds, dtype="datetime64[D]")
                for j, days in enumerate((ct.admitted, ct.discharged, day)):
                    counts[j, rows] = np.searchsorted(arr, days[rows], side="right")
            extra += list(counts)
    dated = np.zeros(ct.n, dtype=bool)
    for col in ("episode.actions", "episode.path"):
        if col in ct.table.column_names:
            text = pc.fill_null(ct.table.column(col).combine_chunks().cast(pa.string()), "")
            dated |= pc.match_substring_regex(text, r"\d{4}-\d{2}-\d{2}").to_numpy(zero_copy_only=False)
    if dated.any():
        zero = np.zeros(ct.n, dtype=np.int64)
        extra += [np.where(dated, ct.admitted.astype(np.int64), zero), np.where(dated, ct.discharged.astype(np.int64), zero)]
    return extra


def running_totals(engine: Engine, region: str) -> dict:
    """The running totals of costs a region of the chain reads: programmes of ``measure = "base"`` or
    ``"bill"`` it declares in ``reads_history`` (e.g. Guang'an's compliant burden counted by
    critical-illness insurance, measure ``bill``: each stay's in-scope cost − basic insurance): programme
    id → :class:`~jiuzhu.model.region.Program`.

    Such a total stays out of the decision key: its hooks read it only to measure the segments of the
    programme's layers (``Program.segmented``; for ``base``, else its own layers) from where the year
    stands (GA-PAY-5), so a batch decides with it at 0 (the segments from the start of the year) and
    settles each claim's stretch of the running total over columns, the person's earlier claims of the
    year (date order) adding to it as a ledger would (``Program.counted``)."""
    reads = {k for r in engine.chain(region) for k in r.info.reads_history}
    return {p.id: p for _, p in engine.programs(region) if p.measure in ("base", "bill") and p.id in reads}


def _running_columns(running: dict, money: dict, invalid, n: int) -> tuple[dict, dict]:
    """(``running``, the programme each segmented layer runs on) for :func:`settle_columns`: a base
    measure as its layer ids, a bill measure as what each claim's slip adds (never below 0; nothing for a
    claim the region could not evaluate, which a ledger would not record)."""
    cols, on = {}, {}
    for pid, prog in running.items():
        if prog.measure == "bill":
            v = np.zeros(n, dtype=np.int64)
            for col, k in prog.columns:
                v = v + int(k) * money.get(col, np.zeros(n, dtype=np.int64))
            v = np.maximum(v, 0)
            if invalid is not None:
                v[invalid] = 0
            cols[pid] = v
        else:
            cols[pid] = tuple(prog.layers)
        for lid in prog.segmented or (prog.layers if prog.measure == "base" else ()):
            on[lid] = pid
    return cols, on


def _key_parts(engine: Engine, ct: ClaimTable, region: str, as_of: dt.date | None):
    """(settlement day per claim, the integer columns that join the facts in ``region``'s decision
    key): the age bucket between the region's age thresholds, the epoch between its parameter dates,
    the sex if a region of the chain reads it (``RegionInfo.reads_sex``), what exact dates decide (:func:`_date_facts`) and the year-to-date amounts the region
    declares it reads. Their values mean the same in every partition of a file (no local codes), so
    that a decision can be reused across partitions (:class:`DecisionCache`)."""
    cache = ct.__dict__.setdefault("_key_parts", {})
    k = (region, as_of)
    if k in cache:
        return cache[k]
    day = ct.discharged if engine.date_basis(region) == "discharge" else ct.admitted
    if as_of is not None:
        day = np.full(ct.n, np.datetime64(as_of), dtype="datetime64[D]")
    thresholds, breaks = _thresholds(engine, region)
    parts = [np.searchsorted(np.array(thresholds), ct.ages, side="right"),
             np.searchsorted(np.array(breaks, dtype="datetime64[D]"), day, side="right")]
    if any(r.info.reads_sex for r in engine.chain(region)):  # RegionInfo.reads_sex
        parts.append(ct.sex)
    parts += _date_facts(engine, ct, region, day)
    listed = _listed_ids(engine, region)
    if listed:
        # a parameter listing persons (unit id_numbers: Jingjiang's 救助对象库, JJ-ELIG-13) makes the number
        # a fact: which listed number the claim's is (1 …), or 0 for none — the same codes in every partition
        ids = ct.table.column("person.id_number").combine_chunks()
        parts.append(pc.fill_null(pc.add(pc.index_in(ids, value_set=pa.array(listed, pa.string())), 1), 0)
                     .to_numpy(zero_copy_only=False).astype(np.int64))
    reads = sorted({k for r in engine.chain(region) for k in r.info.reads_history} - set(running_totals(engine, region)))
    # only what the region declares it reads enters its key
    parts += [ct.table.column(f"history.ytd.{k}_fen").to_numpy() for k in reads
              if f"history.ytd.{k}_fen" in ct.table.column_names]
    stray = _stray_ytd(engine, ct, region)
    if stray is not None:
        parts.append(stray)
    cache[k] = day, parts
    return cache[k]


def _listed_ids(engine: Engine, region: str) -> list[str]:
    """The ID numbers any parameter of ``region``'s chain lists (unit ``id_numbers``), sorted."""
    return sorted({i for r in engine.chain(region) for p in engine.parameter_set(r.code).params.values()
                   if p.unit == "id_numbers" for v in p.values for i in v.value})


def _stray_ytd(engine: Engine, ct: ClaimTable, region: str) -> np.ndarray | None:
    """Per claim, 1 where it has a year-to-date amount (≠ 0, an absent entry being 0) of a programme no
    region of ``region``'s chain declares — e.g. Guang'an's running critical-illness total on a claim
    compared under Fushun — else 0; None when no claim column could. One case with such an entry is
    refused (:meth:`Engine.check_history`); in the key, such claims form groups of their own whose
    representative is refused alike, so exactly they are listed as invalid for the region."""
    chain = engine.chain(region)
    if not all(r.declares_programs for r in chain):
        return None  # a region older than jiuzhu_programs accepts any key, as check_history does
    valid = {p.id for _, p in engine.programs(region)}
    stray = [v for k, v in sorted(ct.used.items()) if k not in valid]
    if not stray:
        return None
    return np.logical_or.reduce([np.asarray(v) != 0 for v in stray]).astype(np.int64)


def _groups(engine: Engine, ct: ClaimTable, region: str, as_of: dt.date | None):
    """(settlement day per claim, representative row per decision group, group per claim)."""
    day, parts = _key_parts(engine, ct, region, as_of)
    key = ct.facts
    for e in parts:
        e = np.asarray(e, dtype=np.int64)
        e = e - int(e.min(initial=0))
        key = _fold(key, e, int(e.max(initial=0)) + 1)
    first, group = _factorize(key)
    return day, first, group


def _signatures(engine: Engine, ct: ClaimTable, region: str, as_of: dt.date | None, rows: np.ndarray) -> list:
    """For each representative row, its decision key as values (the key columns' values and the
    parts of :func:`_key_parts`), kept as a 128-bit digest: equal signatures in two partitions are one
    decision. A digest is 16 bytes where the values are half a kilobyte, and a file may hold hundreds
    of thousands of groups (two of them alike by chance: about one in 10¹⁹ for 10⁹ pairs)."""
    import hashlib
    _, parts = _key_parts(engine, ct, region, as_of)
    digests = ct.__dict__.get("_fact_digests")
    if digests is None:
        digests = ct._fact_digests = [hashlib.blake2b(repr(v).encode(), digest_size=16).digest()
                                      for v in ct.fact_values()]
    extra = list(zip(*(np.asarray(p)[rows].tolist() for p in parts))) if parts else [()] * len(rows)
    return [hashlib.blake2b(digests[int(f)] + repr(e).encode(), digest_size=16).digest()
            for f, e in zip(ct.facts[rows], extra)]


def _decide_case(engine: Engine, case, region: str, as_of, home, running):
    """(the case as evaluated, its chain's decisions) for a group's representative: re-homed to
    ``home`` (a RegionInfo) if given; the running totals of costs at 0 (see :func:`running_totals`)."""
    from jiuzhu.analysis.compare import rehome
    if home is not None:
        case = rehome(case, home.division)
    if running and any(k in running for k in case.history.ytd):  # decided from 0 of the year
        case = attrs.evolve(case, history=attrs.evolve(
            case.history, ytd={k: v for k, v in case.history.ytd.items() if k not in running}))
    return case, engine.decide(case, region, as_of)


def _claim_fault(engine: Engine, exc, region: str, as_of) -> tuple[str, str]:
    """(field, what was expected) of a claim the region cannot evaluate; the region named, never the value."""
    if isinstance(exc, InputError):
        field = exc.field.split(": ", 1)[1] if exc.field.startswith("row ") and ": " in exc.field else exc.field
        by = getattr(exc, "raised_by_region", None)
        return field, (f"{by}: {exc.expected}" if by else exc.expected)
    field = exc.field
    if not field:
        at = getattr(exc, "region", None) or getattr(exc, "raised_by_region", None) or region
        field = "--as-of" if as_of is not None else \
            ("episode.discharged" if engine.date_basis(at) == "discharge" else "episode.admitted")
    expected = exc.expected or one_line(str(exc), 200)
    return field, f"{region}: {expected}"


def evaluate_region(engine: Engine, ct: ClaimTable, region: str, rehome_to: bool = True,
                    as_of: dt.date | None = None, tick: Callable[[int], None] | None = None,
                    cache: "DecisionCache | None" = None) -> RegionRun:
    """Evaluate every claim of ``ct`` under ``region``. Errors that stop the region (a missing
    deployment parameter …) are returned in :attr:`RegionRun.error`, not raised. ``tick(k)`` is
    called with the number of claims whose group has been decided. ``cache``: decisions of earlier
    partitions of the same file and engine (:class:`DecisionCache`). A region that stops still
    counts every claim of ``ct`` as done (the progress counts claims × regions)."""
    counted = [0]

    def counting(k: int) -> None:
        counted[0] += k
        tick(k)

    d = _decide(engine, ct, region, rehome_to, as_of, counting if tick else None, cache=cache)
    if isinstance(d, RegionRun):
        if tick and ct.n > counted[0]:
            tick(ct.n - counted[0])  # stopped before all its groups were decided
        return d
    return _settle(engine, ct, region, d, as_of)


@attrs.frozen
class _Decided:
    """A region's hooks asked once per decision group (groups ``lo`` to ``lo + len(eligible)``): what
    the claims of each group share. Small (one entry per group), so it travels cheaply from a worker."""

    plans: list
    plan_of_group: np.ndarray
    eligible: np.ndarray
    verdict: np.ndarray  # object, per group
    reason_of_group: np.ndarray
    reasons: dict  # reason key -> index
    item_cols: dict  # items.* -> int64 per group
    grouped: tuple | None = attrs.field(default=None, eq=False)  # (day, first, group) of :func:`_groups`
    # group (index among all the region's groups) -> (field, expected): the claims of that group are invalid
    # for this region, for a fact of their own (see :func:`_claim_fault`)
    failed: dict = attrs.field(factory=dict)


def _decide_one(engine: Engine, case, region: str, as_of, home, running) -> tuple:
    """A group's decision from its representative ``case`` (or the :class:`InputError` that structuring
    it raised): (plan, eligible, verdict, reason key, self-pay item sums, fault or None)."""
    try:
        if isinstance(case, InputError):
            raise case
        results = _decide_case(engine, case, region, as_of, home, running)
    except (InputError, ClaimError) as exc:
        # one claim's fact (a date no parameter value covers, a value a hook refuses): that group's
        # claims are listed as invalid for this region and every other claim is still computed
        return Plan(), False, "invalid", ("", "", ""), (), _claim_fault(engine, exc, region, as_of)
    case, results = results
    # self-pay items are part of the decision key, so their sums are the group's own
    items = tuple((k, v) for k, v in bill_columns(case).items() if k.startswith("items."))
    plan = Plan()
    for r in results:
        plan = plan + r.plan
    leaf = deciding_result(results)  # the outcome's own verdict region, as Engine.evaluate says
    return (plan, bool(leaf.eligibility.eligible), leaf.referral.kind,
            _reason_key(decisive(leaf.eligibility, leaf.referral)), items, None)


class DecisionCache:
    """Decisions of groups by their signature (:func:`_signatures`), kept across the partitions of one
    file, so that cutting a file into person partitions (bounded memory) does not ask the hooks again
    for a group another partition already decided. One cache per engine (deployment). At most
    ``limit`` signatures per region are kept; beyond, groups are decided as without a cache."""

    def __init__(self, limit: int = 200_000):
        self.limit = limit
        self.by: dict[tuple, dict] = {}
        self.plans: dict = {}
        self.plan_list: list = []
        self.shared: dict = {}  # verdicts, reasons, item sums: one object each, however many entries hold it

    def of(self, region: str, rehome_to: bool, as_of) -> dict:
        return self.by.setdefault((region, rehome_to, as_of), {})

    def intern(self, plan) -> int:
        """A number for ``plan``, the same for equal plans."""
        n = self.plans.setdefault(plan, len(self.plans))
        if n == len(self.plan_list):
            self.plan_list.append(plan)
        return n

    def put(self, known: dict, sig, entry) -> None:
        """Keep ``entry`` (of :func:`_decide_one`, with its plan's number last) under ``sig``: its plan as
        the one object of that number, its other parts shared by the entries equal to them."""
        if len(known) < self.limit:
            plan, eligible, verdict, rkey, items, fault, pkey = entry
            keep = lambda v: self.shared.setdefault(v, v)
            known[sig] = (self.plan_list[pkey], eligible, keep(verdict), keep(rkey), keep(items), fault, pkey)


def _decide(engine: Engine, ct: ClaimTable, region: str, rehome_to: bool = True, as_of: dt.date | None = None,
            tick: Callable[[int], None] | None = None, grouped=None, cache: DecisionCache | None = None,
            given: dict | None = None):
    """The hooks of ``region`` for each decision group (``grouped``: :func:`_groups`, if computed;
    ``cache``: decisions already made in other partitions; ``given``: group → the entry of
    :func:`_decide_one` for every group the cache does not answer (:func:`_undecided`), decided in
    worker processes): a :class:`_Decided`, or the :class:`RegionRun` of an error."""
    try:
        info = engine.host.region(region).info
        # a year-to-date amount of a programme the chain lacks refuses its own claims, as one case
        # (Engine.check_history): such claims are groups of their own (_key_parts), not the region's error
        day, first, group = grouped or _groups(engine, ct, region, as_of)
        running = running_totals(engine, region)
        sizes = np.bincount(group, minlength=len(first)) if tick else None
        plans: list[Plan] = []
        plan_index: dict = {}  # plan (or its number in the cache) -> index in plans
        plan_of_group = np.zeros(len(first), dtype=np.int64)
        eligible = np.zeros(len(first), dtype=bool)
        verdict = np.empty(len(first), dtype=object)
        reason_of_group = np.zeros(len(first), dtype=np.int32)
        reasons: dict[tuple, int] = {}
        item_cols: dict[str, np.ndarray] = {}
        failed: dict[int, tuple[str, str]] = {}  # group → (field, expected): its claims' own facts are at fault
        known, sigs, todo = _undecided(engine, ct, region, rehome_to, as_of, first, cache)
        if given is None:
            fresh = dict(zip(todo, ct.representatives(first[todo], errors=True))) if todo else {}
        else:
            fresh = given
            assert set(given) == set(todo), "decided groups differ from the groups the cache does not answer"
        done = 0
        for gi in range(len(first)):
            if gi in fresh:
                entry = fresh.pop(gi)
                if given is None:
                    entry = _decide_one(engine, entry, region, as_of, info if rehome_to else None, running)
                # the plan's identity: hashing a plan (layers, rates as fractions) for every group costs more
                # than deciding it once the cache answers most groups
                entry += (cache.intern(entry[0]) if known is not None else entry[0],)
                if known is not None:
                    cache.put(known, sigs[gi], entry)
            else:
                entry = known[sigs[gi]]
            plan, eligible[gi], verdict[gi], rkey, items, fault, pkey = entry
            if fault is not None:
                failed[gi] = fault
            reason_of_group[gi] = reasons.setdefault(rkey, len(reasons))
            for k, v in items:
                item_cols.setdefault(k, np.zeros(len(first), dtype=np.int64))[gi] = v
            # many groups share one plan; settling per distinct plan keeps the money columnar
            plan_of_group[gi] = plan_index.setdefault(pkey, len(plan_index))
            if plan_of_group[gi] == len(plans):
                plans.append(plan)
            if tick:
                done += int(sizes[gi])
                if gi % 256 == 255:
                    tick(done)
                    done = 0
        if tick:
            tick(done)
    except InputError as exc:
        if not getattr(exc, "raised_by_region", None):
            raise  # bad claims are the user's to fix, for every region alike
        return RegionRun(region, error=str(exc))  # what only this region's chain refuses (its hooks, its data)
    except (BrokenRegion, RegionFault) as exc:
        return RegionRun(region, error=str(exc), fault=True)
    except JiuzhuError as exc:
        return RegionRun(region, error=str(exc))
    return _Decided(plans, plan_of_group, eligible, verdict, reason_of_group, reasons, item_cols,
                    (day, first, group), failed)


def _undecided(engine: Engine, ct: ClaimTable, region: str, rehome_to: bool, as_of, first: np.ndarray,
               cache: DecisionCache | None) -> tuple:
    """(the cache's decisions for the region or None, each group's signature or None, the groups
    the cache does not answer): those are asked of the hooks."""
    known = cache.of(region, rehome_to, as_of) if cache is not None else None
    sigs = _signatures(engine, ct, region, as_of, first) if known is not None else None
    return known, sigs, [gi for gi in range(len(first)) if sigs is None or sigs[gi] not in known]


def _settle(engine: Engine, ct: ClaimTable, region: str, d: _Decided, as_of: dt.date | None = None,
            grouped=None) -> RegionRun:
    """The money of every claim of ``ct`` under ``region``, from its decided groups, as a :class:`RegionRun`."""
    from jiuzhu.analysis.funds import fund_labels
    day, first, group = grouped or d.grouped or _groups(engine, ct, region, as_of)
    plans, plan_of_group, eligible, verdict = d.plans, d.plan_of_group, d.eligible, d.verdict
    reason_of_group, reasons, item_cols = d.reason_of_group, d.reasons, d.item_cols
    # other payers by kind: only the kinds some claim has become payer layers, as for one case
    money = {c[5:-4]: ct.money[c] for c in MONEY if c not in OTHER_MONEY or ct.money[c].any()}
    money["out_of_scope"] = money["first_self_paid"] + money["over_limit"] + money["fully_self_paid"]
    money.update({k: v[group] for k, v in item_cols.items()})
    year = day.astype("datetime64[Y]").astype(np.int64)
    days = day.astype(np.int64)
    # one sort per date basis, shared by the regions that settle on it
    orders = ct.__dict__.setdefault("_orders", {})
    basis = (engine.date_basis(region), as_of)
    if basis not in orders:
        orders[basis] = claim_order(ct.person, year, days)
    invalid = None
    if d.failed:
        bad = np.zeros(len(first), dtype=bool)
        bad[list(d.failed)] = True
        invalid = bad[group]
    running, on = _running_columns(running_totals(engine, region), money, invalid, ct.n)
    segmented = {l.id for p in plans for l in p.layers if l.segments and not l.given}
    runs_on = {lid: pid for lid, pid in on.items() if lid in segmented}
    counts = {p.id: p.layers for _, p in engine.programs(region) if p.measure == "amount"}
    out = settle_columns(money, plans, plan_of_group[group], ct.person, year, days, ct.used, order=orders[basis],
                         running=running, runs_on=runs_on, counts=counts)
    layers = {k[6:]: v for k, v in out.items() if k.startswith("layer.")}
    given = {"basic_insurance", "critical_illness"} | {k for k in layers if k.startswith("other_payers")} \
        | {l.id for p in plans for l in p.layers if l.given}
    shifted = {l.id for p in plans for l in p.layers if not l.assistance}  # lowers the burden, is not assistance
    payers = {"basic_insurance": "basic_insurance", "critical_illness": "critical_illness", "other_payers": "other_payers"}
    labels = {lid: (zh, en) for _, (lid, zh, en) in SLIP_LAYERS.items()}
    for p in plans:
        for l in p.layers:
            payers.setdefault(l.id, l.payer or l.id)
            labels.setdefault(l.id, (l.name_zh, l.name_en))
    assistance = sum((v for k, v in layers.items() if k not in given and k not in shifted),
                     np.zeros(ct.n, dtype=np.int64))
    own = _own_layers(layers, plans, plan_of_group[group], ct)
    kinds = sorted(set(verdict.tolist()))
    code = np.searchsorted(np.array(kinds, dtype=object), verdict).astype(np.int32) if len(verdict) else \
        np.zeros(0, np.int32)
    problems = () if invalid is None else \
        tuple((int(i), *d.failed[int(group[i])]) for i in np.nonzero(invalid)[0])
    return RegionRun(region, "", eligible[group], verdict[group], layers, payers, frozenset(given), money["total"],
                     assistance, out["burden"], len(first), reason_of_group[group], tuple(reasons), labels,
                     shifted=frozenset(shifted), verdicts=tuple(kinds), verdict_code=code[group],
                     fund_labels=fund_labels(engine, region, payers.values(), labels),
                     invalid=invalid, problems=problems, own=own)


def _own_layers(layers: dict, plans: list, plan_of_claim: np.ndarray, ct: ClaimTable) -> dict:
    """For each layer only some claims have, per claim whether it is the claim's own (see ``RegionRun.own``)."""
    own = {}
    for lid in layers:
        if lid.startswith("other_payers."):  # a kind of other payer: the claims whose slip has it
            col = f"bill.other.{lid.split('.', 1)[1]}_fen"
            if col in ct.money:
                own[lid] = ct.money[col] != 0
            continue
        having = [i for i, p in enumerate(plans) if any(l.id == lid for l in p.layers)]
        if having and len(having) < len(plans):
            own[lid] = np.isin(plan_of_claim, having)
    return own


# -- results, totals ------------------------------------------------------------------------------

COVERED = ("covered", "pay_first_claim", "reduced")


def totals(run: RegionRun) -> dict:
    """Per-region totals that add up across partitions: claims, counts by verdict and by decisive
    rule ID, assistance by fund, personal burden. Amounts in fen. :func:`merge_totals` sums them;
    :func:`finish_totals` adds mean, median and 90th percentile from the burden columns."""
    if run.error:
        return {"region": run.region, "error": run.error, **({"fault": True} if run.fault else {})}
    invalid = len(run.problems)
    run = run.kept()
    n = len(run.total)
    if run.verdict_code is not None:  # small integers, not a million object compares
        code = run.verdict_code
        covered = run.eligible & np.isin(code, [i for i, k in enumerate(run.verdicts) if k in COVERED])
        first_claim = code == (run.verdicts.index("pay_first_claim") if "pay_first_claim" in run.verdicts else -1)
        counts = np.bincount(code, minlength=len(run.verdicts)) if n else ()
        verdicts = [k for k, c in zip(run.verdicts, counts) if c]
        counts = [c for c in counts if c]
    else:
        covered = run.eligible & np.isin(run.verdict, COVERED)
        first_claim = run.verdict == "pay_first_claim"
        verdicts, counts = np.unique(run.verdict.astype(str), return_counts=True) if n else ((), ())
    funds: dict[str, int] = {}
    for lid, v in run.layers.items():
        if lid not in run.given and lid not in run.shifted:
            funds[run.payers.get(lid, lid)] = funds.get(run.payers.get(lid, lid), 0) + int(v.sum())
    by_reason: dict[str, dict] = {}
    for ri, cnt in enumerate(np.bincount(run.reason, minlength=len(run.reasons)) if n else ()):
        if cnt:
            rule, zh, en = run.reasons[ri]
            entry = by_reason.setdefault(rule or "—", {"claims": 0, "not_covered": 0, "zh": zh, "en": en})
            entry["claims"] += int(cnt)
    nc = np.bincount(run.reason[~covered], minlength=len(run.reasons)) if n else ()
    for ri, cnt in enumerate(nc):
        if cnt:
            by_reason[run.reasons[ri][0] or "—"]["not_covered"] += int(cnt)
    return {"region": run.region, "claims": n, "eligible": int(run.eligible.sum()), "covered": int(covered.sum()),
            "refused": int(n - covered.sum()),
            "pay_first_claim": int((covered & first_claim).sum()),
            "by_verdict": {str(k): int(c) for k, c in zip(verdicts, counts)}, "by_reason": by_reason,
            "assistance": int(run.assistance.sum()), "funds": funds, "burden_total": int(run.burden.sum()),
            "fund_labels": _fund_labels(run),
            # each assistance layer (programme) with its own label and its fund, for totals per programme
            "layer_labels": {l: (*run.labels.get(l, (l, l)), run.payers.get(l, l)) for l in run.layers
                             if l not in run.given and l not in run.shifted},
            "layers": sorted(run.layers),  # every layer column its results carry
            "groups": run.groups, "invalid_claims": invalid}


def _fund_labels(run: RegionRun) -> dict:
    """Each fund's own label (:mod:`jiuzhu.analysis.funds`: the region's declaration, cited), never one of
    its layers': the same for a whole file and its partitions, whichever layers a partition holds."""
    return {run.payers.get(l, l): tuple(run.fund_labels.get(run.payers.get(l, l), (run.payers.get(l, l),) * 2))[:2]
            for l in run.layers if l not in run.given}


def merge_totals(a: dict, b: dict) -> dict:
    """Two partitions' totals of one region, summed (errors win)."""
    if "error" in a or "error" in b:
        return a if "error" in a else b
    out = dict(a)
    for k in ("claims", "eligible", "covered", "refused", "pay_first_claim", "assistance", "burden_total", "groups"):
        out[k] = a[k] + b[k]
    out["invalid_claims"] = a.get("invalid_claims", 0) + b.get("invalid_claims", 0)
    for k in ("by_verdict", "funds"):
        out[k] = {x: a[k].get(x, 0) + b[k].get(x, 0) for x in {**a[k], **b[k]}}
    out["by_reason"] = {r: {**(a["by_reason"].get(r) or b["by_reason"][r]),
                            "claims": a["by_reason"].get(r, {}).get("claims", 0) + b["by_reason"].get(r, {}).get("claims", 0),
                            "not_covered": a["by_reason"].get(r, {}).get("not_covered", 0)
                            + b["by_reason"].get(r, {}).get("not_covered", 0)}
                        for r in {**a["by_reason"], **b["by_reason"]}}
    # a fund carries its own label (the same in every partition); the least is kept should two differ
    out["fund_labels"] = {f: min(x for x in (a["fund_labels"].get(f), b["fund_labels"].get(f)) if x is not None)
                          for f in {**a["fund_labels"], **b["fund_labels"]}}
    out["layer_labels"] = {**a.get("layer_labels", {}), **b.get("layer_labels", {})}
    out["layers"] = sorted(set(a.get("layers", ())) | set(b.get("layers", ())))
    return out


class Burdens:
    """A region's per-claim burdens (integer fen) across the partitions of a file, for exact quantiles in
    bounded memory: up to ``keep`` values are held, beyond that every value is appended to an anonymous
    scratch file (8 bytes a claim, removed when closed or collected). :meth:`quantiles` selects the exact
    order statistics by radix selection over that file — four passes, each counting one 16-bit digit of
    the values that share the digits already chosen — so memory stays at one chunk and 65,536 counts per
    quantile whatever the number of claims, and no value is approximated."""

    DIGITS = 4  # 16-bit digits of a 64-bit value
    CHUNK = 1 << 20  # values read at once from the scratch file (8 MB)

    def __init__(self, keep: int = 1 << 20):
        self.keep, self.n = keep, 0
        self.held: list[np.ndarray] = []
        self.file = None

    def add(self, values) -> None:
        v = np.ascontiguousarray(values, dtype="<i8")
        self.n += len(v)
        if self.file is None and self.n <= self.keep:
            self.held.append(v)
            return
        if self.file is None:
            import tempfile
            self.file = tempfile.TemporaryFile(prefix="jiuzhu-burdens-")
            for h in self.held:
                self.file.write(h.tobytes())
            self.held = []
        self.file.write(v.tobytes())

    def __len__(self) -> int:
        return self.n

    def _chunks(self):
        if self.file is None:
            yield from self.held
            return
        self.file.flush()
        self.file.seek(0)
        while True:
            buf = self.file.read(self.CHUNK * 8)
            if not buf:
                return
            yield np.frombuffer(buf, dtype="<i8")

    def quantiles(self, qs) -> dict:
        """For each percent ``q`` (an integer 0–100), the smallest burden whose share of claims at or below
        it is at least q % — NumPy's ``inverted_cdf``: the value of rank ⌈n·q/100⌉ (at least 1) in
        ascending order, the rank computed in integers; 0 when there are no claims."""
        if not self.n:
            return {q: 0 for q in qs}
        sign = np.uint64(1 << 63)  # int64 → uint64 keeping the order (negative values first)
        want = {q: max(1, -(-self.n * int(q) // 100)) for q in qs}  # 1-based rank still to find
        prefix = {q: 0 for q in qs}  # the digits chosen so far
        for d in range(self.DIGITS):
            shift = np.uint64(16 * (self.DIGITS - 1 - d))
            counts = {q: np.zeros(1 << 16, dtype=np.int64) for q in qs}
            for chunk in self._chunks():
                u = chunk.view(np.uint64) ^ sign
                digit = ((u >> shift) & np.uint64(0xFFFF)).astype(np.int64)
                high = u >> np.uint64(16 * (self.DIGITS - d)) if d else None
                every = np.bincount(digit, minlength=1 << 16) if high is None else None  # first digit: all values
                for q in qs:
                    counts[q] += every if every is not None else \
                        np.bincount(digit[high == np.uint64(prefix[q])], minlength=1 << 16)
            for q in qs:
                cum = np.cumsum(counts[q])
                j = int(np.searchsorted(cum, want[q]))  # the first digit whose count reaches the rank
                want[q] -= int(cum[j - 1]) if j else 0
                prefix[q] = (prefix[q] << 16) | j
        out = {}
        for q in qs:
            raw = prefix[q] ^ (1 << 63)  # the value's 64 bits, back from the order-keeping map
            out[q] = raw - (1 << 64) if raw >= 1 << 63 else raw
        return out

    def close(self) -> None:
        if self.file is not None:
            self.file.close()
            self.file = None
        self.held = []


def finish_totals(tot: dict, burden: "Burdens | np.ndarray | None") -> dict:
    """``tot`` with the burden's mean (floored to the fen), median and 90th percentile (exact, see
    :meth:`Burdens.quantiles`) from ``burden``: the :class:`Burdens` of the region (closed here), or
    its burden column."""
    if "error" in tot:
        return tot
    n = tot["claims"]
    if not isinstance(burden, Burdens):
        column, burden = burden, Burdens()
        if column is not None:
            burden.add(column)
    q = burden.quantiles((50, 90))
    burden.close()
    return {**tot, "burden_mean": tot["burden_total"] // n if n else 0,  # floor to the fen
            "burden_median": q[50], "burden_p90": q[90]}


def _dict(values: list[str], idx: np.ndarray):
    return pa.DictionaryArray.from_arrays(pa.array(idx.astype(np.int32)), pa.array(values, pa.string()))


def region_results(ct: ClaimTable, run: RegionRun, long: bool = False):
    """One region's per-claim results: one row per claim (``long``: one row per claim and layer).
    Text columns are dictionary-encoded; money in fen."""
    ids = ct.table.column("claim_id").combine_chunks()
    if run.invalid is not None and run.invalid.any():  # claims it could not evaluate are in the errors file
        ids = ids.filter(pa.array(~run.invalid))
        run = run.kept()
    n = len(ids)
    if run.verdict_code is not None:
        verdicts, v_idx = list(run.verdicts) or [""], run.verdict_code
    else:
        verdicts = sorted(set(run.verdict.tolist())) or [""]
        v_idx = np.searchsorted(np.array(verdicts, dtype=object), run.verdict) if n else np.zeros(0, np.int64)
    rules = [r[0] for r in run.reasons] or [""]
    base = {
        "claim_id": ids,
        "region": _dict([run.region], np.zeros(n, np.int64)),
        "eligible": pa.array(run.eligible),
        "verdict": _dict(verdicts, v_idx),
        "reason_rule": _dict(rules, run.reason),
        "reason_zh": _dict([r[1] for r in run.reasons] or [""], run.reason),
        "reason_en": _dict([r[2] for r in run.reasons] or [""], run.reason),
        "total_fen": pa.array(run.total),
    }
    if not long:
        for lid, v in run.layers.items():
            base[f"layer.{lid}_fen"] = pa.array(v)
        base["assistance_fen"] = pa.array(run.assistance)
        base["burden_fen"] = pa.array(run.burden)
        return pa.table(base)
    lids = list(run.layers)
    k = len(lids)
    rep = np.repeat(np.arange(n), k)
    t = pa.table(base).take(pa.array(rep))
    amounts = np.stack([run.layers[l] for l in lids], axis=1).ravel() if k else np.zeros(0, np.int64)
    lidx = np.tile(np.arange(k), n)
    t = t.append_column("layer", _dict(lids, lidx)) \
        .append_column("payer", _dict([run.payers.get(l, l) for l in lids], lidx)) \
        .append_column("layer_zh", _dict([run.labels.get(l, (l, l))[0] for l in lids], lidx)) \
        .append_column("layer_en", _dict([run.labels.get(l, (l, l))[1] for l in lids], lidx)) \
        .append_column("amount_fen", pa.array(amounts)) \
        .append_column("given", pa.array(np.array([l in run.given for l in lids] * n, dtype=bool)))
    if k and any(l in run.own for l in lids):  # each claim's own layers, not its partition's
        keep = np.stack([run.own.get(l, np.ones(n, dtype=bool)) for l in lids], axis=1).ravel()
        t = t.filter(pa.array(keep))
    return t


def results_table(ct: ClaimTable, runs: list[RegionRun], long: bool = False):
    """Per-claim results of every region that ran, one row per claim and region (``long``: and layer)."""
    tables = [region_results(ct, r, long) for r in runs if not r.error]
    if not tables:
        return pa.table({"claim_id": pa.array([], pa.string()), "region": pa.array([], pa.string())})
    return unify(tables)


_SLIP_ORDER = ("basic_insurance", "critical_illness", "other_payers")


def _layer_rank(column: str) -> tuple:
    """Where a ``layer.<id>_fen`` column stands, the same in every partition: the slip's layers as the slip
    lists them (the other payers' kinds after ``other_payers``), the slip's assistance, then the regions'
    layers by id."""
    lid = column[6:-4] if column.endswith("_fen") else column[6:]
    head = lid.split(".", 1)[0]
    if head in _SLIP_ORDER:
        return (0, _SLIP_ORDER.index(head), lid)
    if lid == "medical_assistance_slip":
        return (1, 0, lid)
    return (2, 0, lid)


def unify(tables):
    """Concatenate result tables whose layer columns differ: a missing layer is 0 fen."""
    names: list[str] = []
    for t in tables:
        names += [c for c in t.column_names if c not in names]
    layer = sorted((c for c in names if c.startswith("layer.")), key=_layer_rank)
    order = [c for c in names if not c.startswith("layer.") and c not in ("assistance_fen", "burden_fen")] + layer + \
        [c for c in ("assistance_fen", "burden_fen") if c in names]
    out = []
    for t in tables:
        cols = [t.column(c) if c in t.column_names else pa.array(np.zeros(t.num_rows, np.int64)) for c in order]
        out.append(pa.table(cols, names=order))
    # one chunk per region: writers take chunked columns, and copying 5M rows into one chunk costs seconds
    return pa.concat_tables(out, promote_options="permissive").unify_dictionaries() if len(out) > 1 else out[0]


MAX_WORKERS = 4  # the parent settles, reads and writes: beyond a few workers it is the bottleneck


def batch_workers() -> int:
    """Worker processes a batch uses for the region hooks by default: one per core, at most
    :data:`MAX_WORKERS`; 1 (none) where processes cannot be forked."""
    import multiprocessing as mp
    import os
    if "fork" not in mp.get_all_start_methods() or mp.current_process().daemon:
        return 1  # e.g. inside a Dask worker (daemonic: no children) or without fork
    return max(1, min(MAX_WORKERS, len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1))


# Below this many claims worker processes cost more (fork, results sent back) than they could save.
PARALLEL_MIN_CLAIMS = 1_000
SPAN_GROUPS = 1_024  # decision groups per task handed to a worker
_SHARED: tuple = ()  # (engine, claim table, rehome_to, as_of, groups by region) of the parent, inherited by forked workers


def _decide_in_worker(task):
    """Decisions of some groups of a region, in a forked worker: (task, distinct plans, one entry of
    :func:`_decide_one` per group with its plan as an index), or (task, None, None) if it failed."""
    region, gis = task
    engine, ct, rehome_to, as_of, grouped = _SHARED
    try:
        home = engine.host.region(region).info if rehome_to else None
        running = running_totals(engine, region)
        plans: dict = {}
        entries = []
        for case in ct.representatives(grouped[region][1][gis], errors=True):
            plan, *rest = _decide_one(engine, case, region, as_of, home, running)
            entries.append((plans.setdefault(plan, len(plans)), *rest))
        return task, list(plans), entries
    except Exception:  # re-raised in the parent by evaluating the region there (exact exception)
        return task, None, None


def _worker_signals() -> None:
    """A worker ends at once when the pool terminates it (SIGTERM), whatever it is doing: the
    command's own handlers (:func:`jiuzhu.io.atomic.install_signal_handlers`), inherited by the fork,
    would unwind the worker's task instead, which answers and then waits for another task for ever.
    Ctrl-C is the parent's to handle: it terminates the pool."""
    import signal
    for sig in (signal.SIGTERM, getattr(signal, "SIGHUP", None)):
        if sig is not None:
            signal.signal(sig, signal.SIG_DFL)
    signal.signal(signal.SIGINT, signal.SIG_IGN)


def evaluate_regions(engine: Engine, ct: ClaimTable, regions: list[str], rehome_to: bool = True,
                     as_of: dt.date | None = None, tick: Callable[[int], None] | None = None,
                     workers: int | None = None, cache: "DecisionCache | None" = None) -> list[RegionRun]:
    """:func:`evaluate_region` for each region, in the order given (see :func:`each_region`)."""
    return list(each_region(engine, ct, regions, rehome_to, as_of, tick, workers, cache))


def each_region(engine: Engine, ct: ClaimTable, regions: list[str], rehome_to: bool = True,
                as_of: dt.date | None = None, tick: Callable[[int], None] | None = None,
                workers: int | None = None, cache: "DecisionCache | None" = None):
    """:func:`evaluate_region` for each region, yielded in the order given. The region hooks are
    Python, one call per decision group: with ``workers`` ≥ 2 and a partition of at least
    :data:`PARALLEL_MIN_CLAIMS` claims, the groups the ``cache`` does not answer are cut into tasks of
    :data:`SPAN_GROUPS` and decided in that many forked processes, which share the claim table
    copy-on-write and structure their groups' representative cases themselves; each sends back one
    small entry per group (plan, eligibility, verdict, reason) and this process settles the money of
    a region's claims as soon as its last task is in, while the workers go on with the next regions.
    The results are the same as one region after another; a region whose task fails in a worker is
    evaluated here, so it fails exactly as in one process."""
    global _SHARED
    workers = 1 if workers is None or ct.n < PARALLEL_MIN_CLAIMS else workers
    if workers < 2:
        for code in regions:
            yield evaluate_region(engine, ct, code, rehome_to, as_of, tick, cache)
        return
    import multiprocessing as mp
    grouped: dict = {}
    todo: dict = {}
    for code in dict.fromkeys(regions):
        try:
            grouped[code] = _groups(engine, ct, code, as_of)
            todo[code] = _undecided(engine, ct, code, rehome_to, as_of, grouped[code][1], cache)[2]
        except Exception:  # the region's own evaluation reports it, as in one process
            grouped.pop(code, None)
    tasks = [(code, np.asarray(t[lo:lo + SPAN_GROUPS], dtype=np.int64)) for code, t in todo.items()
             for lo in range(0, len(t), SPAN_GROUPS)]
    last = {code: i for i, (code, _) in enumerate(tasks)}
    sizes = {code: np.bincount(g[2], minlength=len(g[1])) for code, g in grouped.items()} if tick else {}
    ticked = dict.fromkeys(regions, 0)  # claims counted as done per region: ct.n once it is yielded

    def count(code, k: int) -> None:
        if tick and k:
            ticked[code] += k
            tick(k)
    runs: dict[str, RegionRun] = {}
    given: dict[str, dict] = {code: {} for code in grouped}
    state = {code: "pending" for code in grouped}  # → "done", or "failed": evaluated here as in one process

    def finish(code):
        if state[code] != "pending":
            return
        if tick:  # the groups the cache answered
            count(code, int(sizes[code].sum() - sizes[code][todo[code]].sum()))
        d = _decide(engine, ct, code, rehome_to, as_of, None, grouped[code], cache, given.pop(code))
        runs[code] = d if isinstance(d, RegionRun) else _settle(engine, ct, code, d, as_of, grouped[code])
        state[code] = "done"

    pending = list(regions)

    def ready():
        """The regions asked for, in their order, as far as they are settled."""
        while pending and state.get(pending[0], "failed") != "pending":
            code = pending.pop(0)
            run = runs[code] if state.get(code) == "done" else \
                evaluate_region(engine, ct, code, rehome_to, as_of, None, cache)
            count(code, ct.n - ticked[code])  # what a failed task or a region evaluated here left
            ticked[code] = 0  # the region asked for again (twice in ``regions``) counts again
            yield run

    for code in grouped:
        if code not in last:  # every group answered by the cache
            finish(code)
    from concurrent.futures import ProcessPoolExecutor
    from concurrent.futures.process import BrokenProcessPool
    _SHARED = (engine, ct, rehome_to, as_of, grouped)
    # an executor, not a multiprocessing.Pool: a worker that dies (out of memory, a crash in a C
    # extension) breaks it, which is then said, where a Pool would wait for the lost task for ever
    import gc
    # the workers' garbage collector leaves what they inherit alone: it would walk (and so copy) every
    # page of this process's objects at each full collection
    gc.freeze()
    pool = ProcessPoolExecutor(workers, mp_context=mp.get_context("fork"), initializer=_worker_signals)
    try:
        answers = pool.map(_decide_in_worker, tasks)
        for i in range(len(tasks)):
            try:
                (code, gis), plans, entries = next(answers)
            except BrokenProcessPool:  # the regions not yet decided are evaluated here, as in one process
                for code in state:
                    if state[code] == "pending":
                        state[code] = "failed"
                break
            if entries is None:
                state[code] = "failed"
            elif state[code] == "pending":
                given[code].update((int(g), (plans[e[0]], *e[1:])) for g, e in zip(gis, entries))
            if tick:
                count(code, int(sizes[code][gis].sum()))
            if last[code] == i:
                finish(code)
            yield from ready()
    finally:
        _SHARED = ()
        pool.shutdown(wait=True, cancel_futures=True)  # a task under way ends (a span of groups)
        gc.unfreeze()
    yield from ready()


def evaluate_partition(engine: Engine, table, regions: list[str], rehome_to: bool = True,
                       as_of: dt.date | None = None, long: bool = False, tick=None, problems: list | None = None,
                       cache: "DecisionCache | None" = None, workers: int | None = None):
    """Evaluate one partition of claims under each region: (results, totals, burdens).

    ``table`` is a normalised, checked table (:func:`jiuzhu.analysis.checks.normalise`) holding all
    of each person's claims of a year (annual caps accumulate within it, in date order).
    ``results`` is one Arrow table per region that ran (rows per claim, or per claim and layer);
    ``totals`` maps region to :func:`totals` (sum partitions with :func:`merge_totals`); ``burdens``
    maps region to the int64 burden column (for the median and percentiles). This is the unit of
    work a distributed scheduler hands to a worker. Claims a region could not evaluate for a fact of
    their own are left out of its results and totals and, if ``problems`` is a list, added to it as
    :class:`jiuzhu.analysis.checks.RowError` (row in the file, claim id, field, what was expected).
    ``cache``: a :class:`DecisionCache` shared by the partitions of one file; ``workers``: processes for
    the region hooks (:func:`each_region`). A region's per-claim columns are turned into its results
    and let go as soon as it is settled."""
    ct = ClaimTable(table)
    results, tots, burdens = [], {}, {}
    for code, run in zip(regions, each_region(engine, ct, regions, rehome_to, as_of, tick, workers, cache)):
        if problems is not None and run.problems:
            problems += claim_problems(ct, run)
        tots[code] = totals(run)
        if not run.error:
            results.append(region_results(ct, run, long))
            burdens[code] = run.kept().burden
    return results, tots, burdens


def claim_problems(ct: ClaimTable, run: RegionRun) -> list:
    """A region's invalid claims as errors-file rows: row number, claim id, field, expected."""
    from jiuzhu.analysis.checks import RowError
    ids = ct.table.column("claim_id")
    return [RowError(int(ct.rows[i]), one_line(str(ids[i].as_py() or ""), 40), field, expected)
            for i, field, expected in run.problems]


# -- a whole file, streamed -----------------------------------------------------------------------

SPILL_PARTS = 16  # person partitions of a spilled file whose size is not known in advance (CSV, JSON Lines)
# at most this many further splits of a spilled partition larger than partition_rows: two persons share every
# level's part with a chance of at most 1/2 each, so this bound is a safety net, not a limit met in practice
SPLIT_LEVELS = 32
PARTITION_ROWS = 250_000  # claims evaluated at once: about 0.3 GB of this process's memory per 100,000
MAX_PARTS = 256  # at most this many person partitions (open scratch files); beyond 64M claims they grow


def spill_parts(rows: int | None, partition_rows: int) -> int:
    """How many person partitions a file of ``rows`` claims is spilled to, so that each holds about
    ``partition_rows`` (:data:`SPILL_PARTS` when the count is not known before reading)."""
    if rows is None:
        return SPILL_PARTS
    # a footer's count is the file's word, not a fact: bounded so that a forged one (a billion rows in a file
    # of 600) cannot ask for millions of partitions and as many open files
    return min(MAX_PARTS, max(2, -(-rows // max(1, partition_rows))))


def _person_part(table, parts: int) -> np.ndarray:
    """A partition number per claim from the person's ID number (birth month-day and sequence), so
    that all of a person's claims land in one partition and annual caps stay exact."""
    tail = pc.utf8_slice_codeunits(table.column("person.id_number").combine_chunks(), 10, 17)
    return pc.cast(tail, pa.int64()).to_numpy() % parts


def _person_split(table, parts: int, level: int) -> np.ndarray:
    """A sub-partition number per claim from a hash of the person's ID number (its 17 digits, mixed
    with ``level``), independent of :func:`_person_part` and of the other levels, so that a spilled
    partition too large to evaluate at once splits evenly, a person's claims staying together."""
    ids = table.column("person.id_number")
    ids = ids.combine_chunks() if isinstance(ids, pa.ChunkedArray) else ids
    hi = pc.cast(pc.utf8_slice_codeunits(ids, 0, 9), pa.uint64()).to_numpy()
    lo = pc.cast(pc.utf8_slice_codeunits(ids, 9, 17), pa.uint64()).to_numpy()
    with np.errstate(over="ignore"):  # splitmix64-style mixing, modulo 2**64 by design
        h = hi * np.uint64(0x9E3779B97F4A7C15) ^ lo * np.uint64(0xC2B2AE3D27D4EB4F) ^ np.uint64(level * 0x94D049BB133111EB % 2 ** 64)
        h ^= h >> np.uint64(30)
        h *= np.uint64(0xBF58476D1CE4E5B9)
        h ^= h >> np.uint64(27)
        h *= np.uint64(0x94D049BB133111EB)
        h ^= h >> np.uint64(31)
    return (h % np.uint64(parts)).astype(np.int64)


# Scratch files (spilled partitions, a partition's results) are written once and read once: Arrow IPC
# with LZ4 buffers, which costs little more than a copy, not Parquet's encoding (the files people keep).
def _scratch_writer(path: Path, schema):
    return pa.ipc.new_file(pa.OSFile(str(path), "wb"), schema, options=pa.ipc.IpcWriteOptions(compression="lz4"))


def _scratch_write(table, path: Path) -> None:
    with _scratch_writer(path, table.schema) as w:
        w.write_table(table)


def _scratch_read(path: Path):
    with pa.OSFile(str(path), "rb") as f:
        return pa.ipc.open_file(f).read_all()


def _scratch_take(path: Path):
    """The table in ``path``, the file removed (read once)."""
    table = _scratch_read(path)
    path.unlink()
    return table


def _scratch_schema(path: Path):
    with pa.OSFile(str(path), "rb") as f:
        return pa.ipc.open_file(f).schema


def _scratch_batches(path: Path):
    with pa.OSFile(str(path), "rb") as f:
        r = pa.ipc.open_file(f)
        for i in range(r.num_record_batches):
            yield r.get_batch(i)


class _Partitions:
    """Checked claims kept in memory up to ``limit`` rows; beyond it, spilled to person-partitioned
    scratch files in ``work`` so that memory does not grow with the file. A spilled partition that turns
    out larger than ``limit`` (the file's size was not known, CSV and JSON Lines, or its footer was wrong)
    is split further as it is read back, streamed, by an independent hash of the person
    (:func:`_person_split`), until each part holds at most ``limit`` claims — unless one person alone has
    more — so that no partition evaluated grows with the file. A person's claims stay in one partition, in
    file order."""

    def __init__(self, limit: int, work: Path, parts: int = SPILL_PARTS):
        self.limit, self.work, self.rows, self.parts = max(1, limit), work, 0, parts
        self.buffer: list = []
        self.writers: dict[int, object] = {}
        self.schemas: dict[int, object] = {}
        self.counts: dict[int, int] = {}

    def add(self, table) -> None:
        self.rows += table.num_rows
        if not self.writers and self.rows <= self.limit:
            self.buffer.append(table)
            return
        for t in self.buffer + [table]:
            self._spill(t)
        self.buffer = []

    def _spill(self, table) -> None:
        part = _person_part(table, self.parts)
        for k in np.unique(part).tolist():  # only the partitions this batch has claims for
            sub = table.filter(pa.array(part == k))
            if k not in self.writers:
                self.writers[k] = _scratch_writer(self.work / f"part-{k:02d}.arrow", sub.schema)
                self.schemas[k] = sub.schema
            self.writers[k].write_table(sub.cast(self.schemas[k]))
            self.counts[k] = self.counts.get(k, 0) + sub.num_rows

    def __iter__(self):
        if not self.writers:
            if self.buffer:
                yield pa.concat_tables(self.buffer, promote_options="default")
            return
        for k, w in sorted(self.writers.items()):
            w.close()
        for k in sorted(self.writers):
            yield from self._read(self.work / f"part-{k:02d}.arrow", self.counts[k], 1)

    def _read(self, path: Path, rows: int, level: int, one_person: bool = False):
        """The partition in ``path`` (``rows`` claims): whole if it fits (or is one person's), else split
        into about ⌈rows / limit⌉ parts, each read (and split again if need be) in turn."""
        if rows <= self.limit or one_person or level > SPLIT_LEVELS:
            yield _scratch_take(path)  # no reference kept here: the caller lets the partition go
            return
        parts = min(MAX_PARTS, max(2, -(-rows // self.limit)))
        writers: dict[int, object] = {}
        counts: dict[int, int] = {}
        # sub-part -> (least, greatest) of the 17 digits the hash reads: equal when no further split can part
        # its claims (one person, even written with both "X" and "x" as check character)
        bounds: dict[int, tuple] = {}
        sub = lambda j: path.with_name(f"{path.stem}.{j:03d}.arrow")
        try:
            for batch in _scratch_batches(path):
                part = _person_split(batch, parts, level)
                for j in np.unique(part).tolist():
                    piece = batch.filter(pa.array(part == j))  # keeps the file order of a person's claims
                    if j not in writers:
                        writers[j] = _scratch_writer(sub(j), batch.schema)
                    writers[j].write_batch(piece)
                    counts[j] = counts.get(j, 0) + piece.num_rows
                    mm = pc.min_max(pc.utf8_slice_codeunits(piece.column("person.id_number"), 0, 17))
                    lo, hi = mm["min"].as_py(), mm["max"].as_py()
                    was = bounds.get(j, (lo, hi))
                    bounds[j] = (min(was[0], lo), max(was[1], hi))
        finally:
            for w in writers.values():
                w.close()
        path.unlink()
        for j in sorted(writers):
            yield from self._read(sub(j), counts[j], level + 1, bounds[j][0] == bounds[j][1])


def _row_count(src: Path) -> int | None:
    """The claims in a Parquet file, from its footer; None for other formats (or an unreadable file,
    which reading reports)."""
    if src.suffix.lower() != ".parquet":
        return None
    try:
        import pyarrow.parquet as pq
        return pq.ParquetFile(src).metadata.num_rows
    except Exception:  # reading it reports what is wrong, as one line
        return None


def drop_regions(table: pa.Table, codes, layers) -> pa.Table:
    """``table`` (results) without the rows of the regions in ``codes`` — regions stopped in some partition,
    whose totals are an error — nor the layer columns only they had (``layers``: the layer ids of the
    regions that ran, :func:`ran_layers`): a region is computed in every partition or in none, whichever
    partition met what stopped it."""
    if not codes or not table.num_rows:
        return table
    region = pc.cast(table.column("region"), pa.string())
    table = table.filter(pc.invert(pc.is_in(region, value_set=pa.array(sorted(codes), pa.string()))))
    keep = {f"layer.{lid}_fen" for lid in layers}
    return table.drop_columns([c for c in table.column_names if c.startswith("layer.") and c not in keep])


def ran_layers(tots) -> set:
    """The layer ids of the regions whose totals (``tots``: region → totals) are not an error."""
    return {lid for t in tots.values() if "error" not in t for lid in t.get("layers", ())}


def overrides_record(overrides) -> list[dict]:
    """The ``--set`` overrides of a run as its results record them (sidecar, Parquet schema metadata):
    each as written, with its region, parameter, first day (None: every date) and value as text."""
    from jiuzhu.io.config import parse_set
    out = []
    for spec in overrides or ():
        region, name, start, _ = parse_set(spec)  # checked already (with_overrides): only split here
        out.append({"set": spec.strip(), "region": region, "parameter": name,
                    "from": start.isoformat() if start else None, "value": spec.partition("=")[2].strip()})
    return out


OVERRIDES_KEY = b"jiuzhu.overrides"  # Parquet schema metadata of a results file: JSON list, overrides_record


def _write_results(parts: list, out: Path, work: Path, meta: dict | None = None) -> None:
    """Write result parts (tables or Parquet files) as one file whose columns are their union;
    ``meta``: schema metadata of a Parquet file (e.g. :data:`OVERRIDES_KEY`)."""
    import pyarrow.parquet as pq
    load = lambda p: _scratch_read(p) if isinstance(p, Path) else p
    with_meta = lambda t: t.replace_schema_metadata({**(t.schema.metadata or {}), **meta}) if meta else t
    if len(parts) == 1 or all(not isinstance(p, Path) for p in parts):
        write_table(with_meta(unify([load(p) for p in parts])), out, csv_yuan=True)
        return
    names: list[str] = []
    for p in parts:
        names += [c for c in _scratch_schema(p).names if c not in names]
    first = _scratch_schema(parts[0]).empty_table()
    empty = unify([first, pa.table({**{c: first.column(c) for c in first.column_names},
                                    **{c: pa.array([], pa.int64()) for c in names if c not in first.column_names}})])
    fmt = _fmt(out)

    def pieces():
        """Every part in record batches: one partition's results (all regions) are never held at once."""
        for p in parts:
            for b in _scratch_batches(p):
                for at in range(0, b.num_rows, 131_072):
                    yield pa.Table.from_batches([b.slice(at, 131_072)])

    with atomic_path(out) as tmp:  # complete at ``out``, or not there at all
        writer = None
        try:
            for piece in pieces():
                t = unify([empty, piece])
                t = neutralise_table(as_yuan(t)) if fmt == "csv" else t
                if fmt != "parquet":  # Parquet takes each piece's own dictionaries (text stays encoded)
                    t = t.cast(pa.schema([f.with_type(f.type.value_type) if pa.types.is_dictionary(f.type) else f
                                          for f in t.schema]))
                if fmt == "parquet":
                    t = with_meta(t)
                    writer = writer or pq.ParquetWriter(tmp, t.schema, **parquet_options(t.schema))
                    writer.write_table(t)
                elif fmt == "csv":
                    import pyarrow.csv as pcsv
                    writer = writer or pcsv.CSVWriter(tmp, t.schema)
                    writer.write_table(t)
                else:
                    with tmp.open("a", encoding="utf-8") as fh:
                        for row in t.to_pylist():
                            fh.write(json.dumps(row, ensure_ascii=False, default=str) + "\n")
        finally:
            if writer is not None:
                writer.close()


def write_errors(errors: list, path: Path) -> None:
    """Invalid rows: row number, claim id, field and what was expected (never the value)."""
    import csv as _csv
    from jiuzhu.io.atomic import atomic_open
    from jiuzhu.io.safe import csv_field
    with atomic_open(path, "w", encoding="utf-8", newline="") as fh:
        w = _csv.writer(fh)
        w.writerow(["row", "claim_id", "field", "expected"])
        for e in errors:
            w.writerow([e.row, csv_field(e.claim_id), e.field, e.expected])


def check_programmes(engine: Engine, names) -> None:
    """A year-to-date column for a programme no installed region has is a misspelling (the caps
    would forget what was paid): the whole file stops, naming it. A programme only some compared
    regions have is those regions' error, as for one case (:func:`evaluate_region`)."""
    known: set = set()
    for r in engine.host.regions:
        try:
            known |= {p.id for _, p in engine.programs(r)}
        except (JiuzhuError, BrokenRegion, RegionFault):
            pass  # a broken region is reported as that region's fault when it runs
    unknown = [n for n in names if YTD.match(n) and YTD.match(n).group(1) not in known]
    if unknown:
        raise InputError("claims file columns", ", ".join(unknown[:5]),
                         f"history.ytd.<programme>_fen of a programme an installed region has "
                         f"({', '.join(sorted(known)) or 'none'}; see `jiuzhu programs REGION`)")


class InvalidRows(InputError):
    pass


def _invalid_rows(first, bad: int, rows: int, err_path: Path) -> InvalidRows:
    """One line: the first invalid row by number, claim id and field (the loader's words where it
    names the field more exactly, e.g. the list index), then how many rows and where they are listed."""
    err, raw = first
    where = f"row {err.row}" + (f" (claim {one_line(err.claim_id, 40)})" if err.claim_id else "")
    field, value, expected = f"{where}: {err.field}", None, f"expected {err.expected}"
    try:
        _row_case(raw, err.row - 1)
    except InputError as exc:
        if exc.field.split(": ", 1)[-1].split("[")[0].split(".")[:2] == err.field.split(".")[:2]:
            field, value, expected = exc.field, exc.value, exc.expected
    except (JiuzhuError, ValueError, TypeError, KeyError):
        pass  # only a more exact wording is lost; the row is reported as checked
    more = f"{bad:,} of {rows:,} rows invalid, every one listed in {err_path} (use --skip-invalid to evaluate the others)"
    return InvalidRows(field, value, f"{expected}; {more}")


def _unevaluated(failed: list, err_path: Path) -> InvalidRows:
    """One line for claims found invalid while a region evaluated them: the first by row, then how many."""
    e = min(failed, key=lambda e: e.row)
    where = f"row {e.row}" + (f" (claim {one_line(e.claim_id, 40)})" if e.claim_id else "")
    more = (f"{len(failed):,} claim(s) could not be evaluated by a region, every one listed in {err_path} "
            f"(use --skip-invalid to evaluate the others)")
    return InvalidRows(f"{where}: {e.field}", None, f"expected {e.expected}; {more}")


def run_batch(engine: Engine, claims: str, regions: list[str], out: str | None = None, as_is: bool = False,
              as_of: dt.date | None = None, progress: bool = True, fmt: str = "text", console=None,
              long: bool = False, skip_invalid: bool = False, errors: str | None = None,
              partition_rows: int = PARTITION_ROWS, encoding: str | None = None,
              workers: int | None = None, overrides=()) -> list[dict]:
    """Read ``claims`` in record batches (every row checked), evaluate each claim under each region
    one person-partition at a time, write per-claim results to ``out`` and print per-region totals
    in ``fmt`` (text, json, csv, markdown). Invalid rows go to the errors file; unless
    ``skip_invalid`` nothing is computed then and :class:`InvalidRows` is raised. ``encoding``: of a
    CSV or JSON Lines file (:func:`read_batches`). ``workers``: processes for the region hooks
    (default :func:`batch_workers`; 1 decides in this process). ``overrides``: the ``--set`` specs
    ``engine`` was built with (:func:`jiuzhu.io.config.with_overrides`), recorded in the sidecar and the
    Parquet schema metadata of ``out`` (:func:`overrides_record`). Returns the totals; a region whose
    plugin is broken or failed has ``error`` and ``fault``."""
    if out:
        check_output(out, tuple(FORMATS))  # before any work
    import tempfile
    from rich.console import Console
    from rich.progress import (BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn,
                               TimeRemainingColumn, TaskProgressColumn)
    from jiuzhu.analysis.batchreport import render_totals
    con = console or Console(width=200)
    src = Path(claims)
    err_path = Path(errors) if errors else (Path(out).parent if out else src.parent) / f"{src.stem}.errors.csv"
    known = sorted(engine.host.regions)
    with tempfile.TemporaryDirectory(prefix="jiuzhu-batch-") as tmp, \
            Progress(TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TaskProgressColumn(),
                     TimeElapsedColumn(), TimeRemainingColumn(),
                     console=Console(stderr=True), disable=not progress, transient=False) as bar:
        work = Path(tmp)
        parts = _Partitions(partition_rows, work, spill_parts(_row_count(src), partition_rows))
        bad: list = []
        t = bar.add_task("读取 reading and checking claims", total=None)
        offset = 0
        first_bad = None  # the first invalid row as read, for the one error line
        for b in read_batches(src, encoding=encoding):
            if not offset:
                check_programmes(engine, b.schema.names)
            table, ok, errs = normalise(b, offset, known)
            if errs and first_bad is None:
                first_bad = (errs[0], table.slice(errs[0].row - 1 - offset, 1).to_pylist()[0])
            # each claim keeps its row in the file, for an error found when a region evaluates it
            table = table.append_column(ROW, pa.array(np.arange(offset + 1, offset + 1 + len(ok), dtype=np.int64)))
            offset += len(ok)
            bad += errs
            parts.add(table.filter(pa.array(ok)) if errs else table)
            bar.update(t, completed=offset)
        bar.update(t, total=offset)
        pa.default_memory_pool().release_unused()  # what reading and spilling freed, back to the system
        if bad:
            write_errors(bad, err_path)
            if not skip_invalid:
                raise _invalid_rows(first_bad, len(bad), offset, err_path)
        valid = offset - len(bad)
        task = bar.add_task(f"评估 evaluating {valid:,} claims × {len(regions)} regions", total=valid * len(regions))
        tick = lambda k: bar.advance(task, k)
        tots: dict[str, dict] = {}
        burdens: dict[str, Burdens] = {}  # exact quantiles in bounded memory (a scratch file beyond 1M claims)
        written: list = []
        failed: list = []  # claims a region could not evaluate for a fact of their own
        cache = DecisionCache()  # a group decided in one partition is not asked again in the next
        for i, table in enumerate(parts):
            res, pt, pb = evaluate_partition(engine, table, regions, not as_is, as_of, long, tick, failed, cache,
                                             batch_workers() if workers is None else workers)
            del table
            for code in regions:
                tots[code] = merge_totals(tots[code], pt[code]) if code in tots else pt[code]
                if code in pb:
                    burdens.setdefault(code, Burdens()).add(pb[code])
            if out and res:
                if parts.writers:
                    pth = work / f"result-{i:02d}.arrow"
                    _scratch_write(unify(res), pth)
                    written.append(pth)
                    del res
                    pa.default_memory_pool().release_unused()
                else:
                    written += res
        z = np.zeros(0, dtype=np.int64)
        for code in regions:  # a file without claims (a header only): no partition, totals of 0 claims
            if code not in tots:
                tots[code] = totals(RegionRun(code, eligible=np.zeros(0, dtype=bool), verdict=np.zeros(0, dtype=object),
                                              total=z, assistance=z, burden=z, reason=np.zeros(0, dtype=np.int32)))
        failed = list(dict.fromkeys(failed))  # a row every region refuses alike (the loader's) once
        if failed:
            write_errors(sorted(bad + failed, key=lambda e: e.row), err_path)
            if not skip_invalid:
                raise _unevaluated(failed, err_path)
        if out:
            w = bar.add_task(f"写出 writing {Path(out).name}", total=1)
            stopped = {c for c, t in tots.items() if "error" in t}  # in one partition: in none
            if stopped:
                kept = ran_layers(tots)
                for i, p in enumerate(written):
                    if isinstance(p, Path):
                        _scratch_write(drop_regions(_scratch_read(p), stopped, kept), p)
                    else:
                        written[i] = drop_regions(p, stopped, kept)
            record = overrides_record(overrides)
            _write_results(written or [results_table(None, [])], Path(out), work,
                           {OVERRIDES_KEY: json.dumps(record, ensure_ascii=False).encode()})
            _write_labels(tots, Path(out), long, record)
            bar.update(w, completed=1)
    if not bad and not failed and err_path.exists():
        write_errors([], err_path)  # an earlier run's list would be taken for this run's
    final = [finish_totals(tots[c], burdens.get(c)) for c in regions]
    for f in final:
        f["invalid_rows"] = len(bad)
    render_totals(engine, final, valid, not as_is, fmt, con, invalid=len(bad) + len(failed),
                  errors_file=err_path if bad or failed else None)
    return final


def _write_labels(tots: dict, out: Path, long: bool, overrides: list | None = None) -> None:
    """Sidecar ``<out>.labels.json``: every result column and fund with its Chinese and English label,
    and the ``--set`` overrides the results were computed with (:func:`overrides_record`; [] for none)."""
    cols = {"claim_id": ["结算单号", "claim id"], "region": ["地区", "region"], "eligible": ["救助对象", "eligible"],
            "verdict": ["救助结论", "verdict"], "reason_rule": ["决定性依据规则号", "decisive rule ID"],
            "reason_zh": ["决定性依据", "decisive reason (Chinese)"],
            "reason_en": ["决定性依据（英文）", "decisive reason (English)"],
            "total_fen": ["医疗费总额（分）", "total cost (fen)"],
            "assistance_fen": ["救助合计（分）", "assistance (fen)"], "burden_fen": ["个人负担（分）", "personal burden (fen)"]}
    funds: dict = {}
    layers: dict = {}
    by_region: dict = {}
    for code, t in tots.items():
        funds.update({k: list(v) for k, v in t.get("fund_labels", {}).items()})
        # per region (two regions may name one id differently): layer -> [中文, English, fund], fund -> [中文, English]
        layers[code] = {k: list(v) for k, v in t.get("layer_labels", {}).items()}
        by_region[code] = {k: list(v) for k, v in t.get("fund_labels", {}).items()}
    from jiuzhu.io.atomic import write_text
    write_text(out.parent / f"{out.name}.labels.json", json.dumps(
        {"columns": cols, "funds": funds, "funds_by_region": by_region, "layers": layers, "money": "integer fen in Parquet/JSON Lines; yuan with two decimals "
                                                   "(*_yuan) in CSV", "long": long,
         "overrides": list(overrides or ())}, ensure_ascii=False, indent=2))
