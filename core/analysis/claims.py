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
from pathlib import Path
from typing import Callable, Mapping

import re

import attrs
import numpy as np

from jiuzhu.io.atomic import atomic_path, check_output
from jiuzhu.io.safe import neutralise_table, one_line
from jiuzhu.model.text import transcode_to_utf8

from jiuzhu.analysis.batch import MONEY, NOT_KEY, check_columns, unflatten
from jiuzhu.rules.engine import Engine, bill_columns
from jiuzhu.model.errors import InputError, JiuzhuError
from jiuzhu.io.loader import structure_case
from jiuzhu.model.money import yuan_grouped
from jiuzhu.plugins import BrokenRegion, RegionFault
from jiuzhu.rules.settle import Plan, settle_columns

FORMATS = {".parquet": "parquet", ".pq": "parquet", ".csv": "csv", ".jsonl": "jsonl", ".ndjson": "jsonl"}


def _fmt(path: str | Path) -> str:
    ext = Path(path).suffix.lower()
    if ext not in FORMATS:
        raise InputError("claims file", Path(path).name, "expected a .parquet, .csv or .jsonl file")
    return FORMATS[ext]


def _is_int(name: str) -> bool:
    return name in MONEY or (name.startswith("history.ytd.") and name.endswith("_fen"))


# -- reading and writing --------------------------------------------------------------------------


def _arrow_reason(exc: BaseException) -> str:
    """An Arrow error without the row it quotes (a row holds names and ID numbers)."""
    msg = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
    msg = re.sub(r"(got \d+ columns?)\s*:.*", r"\1", msg)
    msg = re.sub(r"(invalid value|straddling object|Row|value)\s*'.*", r"\1", msg)
    msg = re.sub(r":\s*[^:]*$", "", msg) if len(msg) > 120 else msg
    return one_line(msg, 120)


def read_claims(path: str | Path, encoding: str | None = None):
    """A claims file as a normalised Arrow table: money columns int64 fen, every other column text.

    CSV and JSON Lines are UTF-8 (a BOM is allowed) or, with ``encoding="gb18030"``, GB18030,
    which is transcoded in a stream; bytes invalid in the encoding are reported with their offset.
    """
    import tempfile

    import pyarrow as pa
    import pyarrow.compute as pc
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
        table = _read_table(src, p.name, fmt)
    names = table.column_names
    dup = sorted({n for n in names if names.count(n) > 1})
    if dup:
        raise InputError(f"claims file column {dup[0]}", None, "appears more than once; each column once")
    for need in ("person.id_number", "episode.admitted", "bill.total_fen"):
        if need not in table.column_names:
            raise InputError(f"claims file column {need}", None, "missing; see docs/batch.md for the claim columns")
    cols = {}
    for name in table.column_names:
        col = table.column(name)
        try:
            if _is_int(name):
                col = pc.fill_null(col.cast(pa.int64()), 0)
            else:
                if pa.types.is_timestamp(col.type):  # JSON readers infer dates as timestamps
                    col = col.cast(pa.date32())
                if pa.types.is_boolean(col.type):
                    col = pc.if_else(col, "true", "false")
                col = pc.fill_null(col.cast(pa.string()), "")
        except pa.ArrowException:
            expected = "whole numbers of fen" if _is_int(name) else "text values (not nested lists or tables)"
            raise InputError(f"claims column {name}", None, f"expected {expected}") from None
        cols[name] = col.combine_chunks() if hasattr(col, "combine_chunks") else col
    return pa.table(cols)


def _read_table(p: Path, name: str, fmt: str):
    import pyarrow as pa
    try:
        if fmt == "parquet":
            import pyarrow.parquet as pq
            return pq.read_table(p)
        if fmt == "csv":
            import csv as _csv
            import pyarrow.csv as pcsv
            with p.open(encoding="utf-8-sig", newline="") as fh:
                names = next(_csv.reader(fh), [])
            dup = sorted({n for n in names if names.count(n) > 1})
            if dup:
                raise InputError(f"claims file column {dup[0]}", None, "appears more than once; each column once")
            # ID numbers and division codes look like integers; read every fact as text.
            types = {n: (pa.int64() if _is_int(n) else pa.string()) for n in names}
            return pcsv.read_csv(p, convert_options=pcsv.ConvertOptions(column_types=types, strings_can_be_null=False))
        import pyarrow.json as pjson
        return pjson.read_json(p)
    except InputError:
        raise
    except (pa.ArrowException, OSError, _csv_error()) as exc:
        raise InputError("claims file", name, f"readable {fmt} ({_arrow_reason(exc)})") from None


def _csv_error():
    import csv as _csv
    return _csv.Error


def write_table(table, path: str | Path) -> None:
    """Write an Arrow table as Parquet, CSV or JSON Lines, chosen by the file extension; atomically.

    Text in CSV output is neutralised against formula injection (:func:`jiuzhu.io.safe.csv_field`).
    """
    p = Path(path)
    fmt = _fmt(p)
    with atomic_path(p) as tmp:
        if fmt == "parquet":
            import pyarrow.parquet as pq
            pq.write_table(table, tmp, compression="zstd")
        elif fmt == "csv":
            import pyarrow.csv as pcsv
            pcsv.write_csv(neutralise_table(table), tmp)
        else:
            with tmp.open("w", encoding="utf-8") as fh:
                for batch in table.to_batches(65536):
                    for row in batch.to_pylist():
                        fh.write(json.dumps(row, ensure_ascii=False) + "\n")


def write_claims(cols: Mapping[str, np.ndarray], path: str | Path) -> None:
    import pyarrow as pa
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
    fault: bool = False  # the region's plugin is broken or failed, not the claims
    shifted: frozenset = frozenset()  # layer ids that move cost to a party without being assistance


class ClaimTable:
    """A normalised claims table with what every region shares computed once."""

    def __init__(self, table):
        import pyarrow as pa
        import pyarrow.compute as pc
        self.table = table
        self.n = n = table.num_rows
        col = lambda name: table.column(name).combine_chunks()
        self.money = {c: (table.column(c).to_numpy() if c in table.column_names else np.zeros(n, dtype=np.int64))
                      for c in MONEY}
        check_columns(self.money)
        self.used = {c[12:-4]: table.column(c).to_numpy() for c in table.column_names
                     if c.startswith("history.ytd.") and c.endswith("_fen")}
        ids = col("person.id_number")
        bad = pc.invert(pc.match_substring_regex(ids, r"^\d{17}[\dXx]$"))
        if pc.any(bad).as_py():
            i = int(np.argmax(bad.to_numpy(zero_copy_only=False)))
            raise InputError(f"row {i + 1}: person.id_number", None, "expected 18 characters: 17 digits and a digit or X")
        self.born_y = pc.cast(pc.utf8_slice_codeunits(ids, 6, 10), pa.int32()).to_numpy()
        self.born_md = pc.cast(pc.utf8_slice_codeunits(ids, 10, 14), pa.int32()).to_numpy()
        self.sex = pc.cast(pc.utf8_slice_codeunits(ids, 16, 17), pa.int32()).to_numpy() % 2
        self.person = pc.dictionary_encode(ids).indices.to_numpy()

        def dates(name, fallback=None):
            a = col(name) if name in table.column_names else pa.nulls(n, pa.string())
            a = pc.if_else(pc.equal(a, ""), pa.scalar(None, pa.string()), a)
            try:
                d = a.cast(pa.date32())
            except pa.ArrowInvalid:
                raise InputError(f"claims column {name}", None, "expected dates YYYY-MM-DD") from None
            if fallback is not None:
                d = pc.fill_null(d, fallback)
            elif d.null_count:
                i = int(np.argmax(pc.is_null(d).to_numpy(zero_copy_only=False)))
                raise InputError(f"row {i + 1}: {name}", None, "expected a date YYYY-MM-DD")
            return d

        adm = dates("episode.admitted")
        self.admitted = adm.to_numpy(zero_copy_only=False).astype("datetime64[D]")
        self.discharged = dates("episode.discharged", adm).to_numpy(zero_copy_only=False).astype("datetime64[D]")
        self.ages = self._ages(self.admitted)
        # the region-independent part of the decision key, one integer per claim
        # history stays in the key: a plan may read it (Guang'an's segments continue from the year's count)
        key_cols = [c for c in sorted(table.column_names) if c not in NOT_KEY]
        key = np.zeros(n, dtype=np.int64)
        for c in key_cols:
            enc = pc.dictionary_encode(col(c))
            codes = enc.indices.to_numpy().astype(np.int64)
            card = len(enc.dictionary)
            if card > 1:
                key = key * card + codes
                if key.max(initial=0) > 2 ** 40:  # re-number before the product can overflow
                    key = np.unique(key, return_inverse=True)[1].ravel().astype(np.int64)
        self.facts = np.unique(key, return_inverse=True)[1].ravel().astype(np.int64)
        self.n_facts = int(self.facts.max(initial=-1)) + 1

    def _ages(self, days: np.ndarray) -> np.ndarray:
        dy = days.astype("datetime64[Y]").astype(np.int64) + 1970
        month = days.astype("datetime64[M]")
        dmd = (month.astype(np.int64) % 12 + 1) * 100 + (days - month.astype("datetime64[D]")).astype(np.int64) + 1
        return dy - self.born_y - (dmd < self.born_md)

    def cases(self, rows: np.ndarray) -> list:
        """Structured cases for the given row indices; cached, since regions mostly pick the same
        representatives."""
        cache = self.__dict__.setdefault("_cases", {})
        missing = [int(i) for i in rows if int(i) not in cache]
        if missing:
            for i, raw in zip(missing, self.table.take(np.asarray(missing)).to_pylist()):
                cache[i] = _row_case(raw, i)
        return [cache[int(i)] for i in rows]


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
                thresholds.update(v.value for v in p.values)
    return sorted(thresholds) or [0], sorted(breaks) or [dt.date(1900, 1, 1)]


def evaluate_region(engine: Engine, ct: ClaimTable, region: str, rehome_to: bool = True,
                    as_of: dt.date | None = None, tick: Callable[[int], None] | None = None) -> RegionRun:
    """Evaluate every claim of ``ct`` under ``region``. Errors that stop the region (a missing
    deployment parameter …) are returned in :attr:`RegionRun.error`, not raised."""
    from jiuzhu.analysis.compare import rehome
    try:
        info = engine.host.region(region).info
        day = ct.discharged if engine.date_basis(region) == "discharge" else ct.admitted
        if as_of is not None:
            day = np.full(ct.n, np.datetime64(as_of), dtype="datetime64[D]")
        thresholds, breaks = _thresholds(engine, region)
        age_bucket = np.searchsorted(np.array(thresholds), ct.ages, side="right")
        epoch = np.searchsorted(np.array(breaks, dtype="datetime64[D]"), day, side="right")
        key = (ct.facts * (len(thresholds) + 1) + age_bucket) * (len(breaks) + 1) + epoch
        key = key * 2 + ct.sex
        _, first, group = np.unique(key, return_index=True, return_inverse=True)
        group = group.ravel()
        plans: list[Plan] = []
        plan_index: dict[Plan, int] = {}
        plan_of_group = np.zeros(len(first), dtype=np.int64)
        eligible = np.zeros(len(first), dtype=bool)
        verdict = np.empty(len(first), dtype=object)
        item_cols: dict[str, np.ndarray] = {}
        for gi, case in enumerate(ct.cases(first)):
            if rehome_to:
                case = rehome(case, info.division)
            # self-pay items are part of the decision key, so their sums are the group's own
            for k, v in bill_columns(case).items():
                if k.startswith("items."):
                    item_cols.setdefault(k, np.zeros(len(first), dtype=np.int64))[gi] = v
            results = engine.decide(case, region, as_of)
            plan = Plan()
            for r in results:
                plan = plan + r.plan
            # many groups share one plan; settling per distinct plan keeps the money columnar
            plan_of_group[gi] = plan_index.setdefault(plan, len(plan_index))
            if plan_of_group[gi] == len(plans):
                plans.append(plan)
            eligible[gi] = results[-1].eligibility.eligible
            verdict[gi] = results[-1].referral.kind
            if tick and gi % 256 == 255:
                tick(256)
        if tick:
            tick(len(first) % 256)
    except InputError as exc:
        if not getattr(exc, "raised_by_region", None):
            raise  # bad claims are the user's to fix, for every region alike
        return RegionRun(region, error=str(exc))  # what only this region's chain refuses (its hooks, its data)
    except (BrokenRegion, RegionFault) as exc:
        return RegionRun(region, error=str(exc), fault=True)
    except JiuzhuError as exc:
        return RegionRun(region, error=str(exc))
    money = {c[5:-4]: ct.money[c] for c in MONEY}
    money["out_of_scope"] = money["first_self_paid"] + money["over_limit"] + money["fully_self_paid"]
    money.update({k: v[group] for k, v in item_cols.items()})
    year = day.astype("datetime64[Y]").astype(np.int64)
    out = settle_columns(money, plans, plan_of_group[group], ct.person, year, day.astype(np.int64), ct.used)
    layers = {k[6:]: v for k, v in out.items() if k.startswith("layer.")}
    given = {"basic_insurance", "critical_illness"} | {k for k in layers if k.startswith("other_payers")} \
        | {l.id for p in plans for l in p.layers if l.given}
    shifted = {l.id for p in plans for l in p.layers if not l.assistance}  # lowers the burden, is not assistance
    payers = {"basic_insurance": "basic_insurance", "critical_illness": "critical_illness", "other_payers": "other_payers"}
    for p in plans:
        for l in p.layers:
            payers.setdefault(l.id, l.payer or l.id)
    assistance = sum((v for k, v in layers.items() if k not in given and k not in shifted),
                     np.zeros(ct.n, dtype=np.int64))
    return RegionRun(region, "", eligible[group], verdict[group], layers, payers, frozenset(given), money["total"],
                     assistance, out["burden"], len(first), shifted=frozenset(shifted))


# -- totals and output ----------------------------------------------------------------------------


def totals(run: RegionRun) -> dict:
    """Per-region totals: claims covered / refused / paid first then claimed, assistance by fund,
    personal burden (total, mean, median, 90th percentile). Amounts in fen."""
    if run.error:
        return {"region": run.region, "error": run.error, **({"fault": True} if run.fault else {})}
    n = len(run.total)
    covered = run.eligible & np.isin(run.verdict, ["covered", "pay_first_claim", "reduced"])
    funds: dict[str, int] = {}
    for lid, v in run.layers.items():
        if lid not in run.given and lid not in run.shifted:
            funds[run.payers.get(lid, lid)] = funds.get(run.payers.get(lid, lid), 0) + int(v.sum())
    b = run.burden
    pick = (lambda q: int(np.percentile(b, q, method="inverted_cdf"))) if n else (lambda q: 0)
    return {"region": run.region, "claims": n, "covered": int(covered.sum()), "refused": int(n - covered.sum()),
            "pay_first_claim": int((covered & (run.verdict == "pay_first_claim")).sum()),
            "assistance": int(run.assistance.sum()), "funds": funds,
            "burden_total": int(b.sum()), "burden_mean": int(b.sum() // n) if n else 0,  # floor to the fen
            "burden_median": pick(50), "burden_p90": pick(90), "groups": run.groups}


def results_table(ct: ClaimTable, runs: list[RegionRun]):
    """Per-claim results, one row per claim and region (long format), money in fen."""
    import pyarrow as pa
    ok = [r for r in runs if not r.error]
    ids = ct.table.column("claim_id") if "claim_id" in ct.table.column_names else \
        pa.array(np.arange(1, ct.n + 1).astype(str))
    ids = ids.combine_chunks() if hasattr(ids, "combine_chunks") else ids
    layer_ids: list[str] = []
    for r in ok:
        layer_ids += [l for l in r.layers if l not in layer_ids]
    zeros = np.zeros(ct.n, dtype=np.int64)
    cols = {
        "claim_id": pa.chunked_array([ids] * len(ok), type=ids.type) if ok else pa.array([], pa.string()),
        "region": pa.chunked_array([pa.DictionaryArray.from_arrays(np.zeros(ct.n, dtype=np.int32), [r.region])
                                    for r in ok], type=pa.dictionary(pa.int32(), pa.string())) if ok
        else pa.array([], pa.string()),
        "eligible": np.concatenate([r.eligible for r in ok]) if ok else np.zeros(0, bool),
        "verdict": pa.array(np.concatenate([r.verdict for r in ok]) if ok else [], pa.string()).dictionary_encode(),
        "total_fen": np.concatenate([r.total for r in ok]) if ok else zeros[:0],
        "assistance_fen": np.concatenate([r.assistance for r in ok]) if ok else zeros[:0],
        "burden_fen": np.concatenate([r.burden for r in ok]) if ok else zeros[:0],
    }
    for lid in layer_ids:
        cols[f"layer.{lid}_fen"] = np.concatenate([r.layers.get(lid, zeros) for r in ok])
    return pa.table(cols)


def run_batch(engine: Engine, claims: str, regions: list[str], out: str | None = None, as_is: bool = False,
              as_of: dt.date | None = None, progress: bool = True, fmt: str = "text", console=None,
              encoding: str | None = None) -> list[dict]:
    """Read ``claims``, evaluate each under each region, write per-claim results to ``out`` and print
    per-region totals. Returns the totals."""
    if out:
        check_output(out, tuple(FORMATS))  # before any work
    from rich.console import Console
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
    con = console or Console(width=200)
    with Progress(TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(),
                  console=Console(stderr=True), disable=not progress, transient=False) as bar:
        t = bar.add_task("读取 reading claims", total=1)
        ct = ClaimTable(read_claims(claims, encoding))
        bar.update(t, completed=1)
        runs = []
        for code in regions:
            task = bar.add_task(f"评估 {code}", total=None)
            seen = [0]

            def tick(k, task=task):
                seen[0] += k
                bar.update(task, completed=seen[0])
            run = evaluate_region(engine, ct, code, not as_is, as_of, tick)
            bar.update(task, total=max(run.groups, 1), completed=max(run.groups, 1))
            runs.append(run)
        if out:
            w = bar.add_task(f"写出 writing {Path(out).name}", total=1)
            write_table(results_table(ct, runs), out)
            bar.update(w, completed=1)
    tots = [totals(r) for r in runs]
    if fmt == "json":
        con.print_json(json.dumps(tots, ensure_ascii=False))
    else:
        con.print(render_totals(engine, tots, ct.n, not as_is))
    return tots


def render_totals(engine: Engine, tots: list[dict], n: int, rehomed: bool):
    from rich import box
    from rich.table import Table
    title = (f"各地区合计 totals per region — {n} claims"
             + ("，已迁入各地区 re-homed into each region" if rehomed else "，按原样 as given"))
    t = Table(title=title, box=box.SIMPLE_HEAVY, title_justify="left")
    for c in ("地区 region", "救助 covered", "拒绝 refused", "先垫付后报销 pay first", "救助合计 assistance (元)",
              "各基金 by fund (元)", "个人负担合计 burden total", "均值 mean", "中位数 median", "P90"):
        t.add_column(c, justify="left" if c.startswith(("地区", "各基金")) else "right", overflow="fold")
    for s in tots:
        r = engine.host.regions.get(s["region"])
        name = (r.info.name_zh + " " if r else "") + s["region"]
        if "error" in s:
            t.add_row(name, "错误 error ¹", *["—"] * 8)
            continue
        g = yuan_grouped
        funds = "\n".join(f"{k}: {g(v)}" for k, v in s["funds"].items()) or "—"
        t.add_row(name, f"{s['covered']:,}", f"{s['refused']:,}", f"{s['pay_first_claim']:,}", g(s["assistance"]), funds,
                  g(s["burden_total"]), g(s["burden_mean"]), g(s["burden_median"]), g(s["burden_p90"]))
    from rich.console import Group
    from rich.text import Text
    notes = [Text(f"¹ {s['region']}: {s['error']}") for s in tots if "error" in s]
    return Group(t, *notes)
