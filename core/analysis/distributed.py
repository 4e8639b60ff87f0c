"""The claims batch on Dask (``dask.distributed``): the same rules as :func:`jiuzhu.analysis.claims.run_batch`,
on a :class:`distributed.LocalCluster` or an existing Dask scheduler.

Two stages of tasks, both idempotent so that Dask may recompute any of them when a worker is lost:

1. *check and split* — one task per chunk of Parquet row groups reads the rows, checks every row
   (:func:`jiuzhu.analysis.checks.normalise`), numbers it by its place in the input, and writes the
   valid rows to one staging file per *person partition* (a hash of the ID number, :func:`person_bucket`):
   this is the repartition step, so every person's claims of a year meet in one partition whatever
   the input's partitioning;
2. *evaluate* — one task per person partition reads its staging files, restores input order (so the
   claims of a person accumulate against annual caps in exactly the order of the single-machine
   path), evaluates them under every region (:func:`jiuzhu.analysis.claims.evaluate_partition`), writes
   ``results/part-NNNN.parquet`` and returns the partition's totals and burden column.

Files are written atomically under fixed names: a recomputed task rewrites the same file, and the
client counts each partition's totals once (from the task's result), so a killed worker neither loses
nor duplicates claims. The staging folder and the results lie under ``--out``, which every worker
must see (a shared filesystem on a cluster; docs/scale.md).

The engine is built once per worker process (:class:`EngineLoader`, a worker plugin, and the cached
:func:`worker_engine`) from the deployment the client sends with the job, so every worker uses the
client's parameters. A worker that lacks a compared region's plugin fails the job before any claim is
evaluated, with one line naming the region and the worker.
"""

from __future__ import annotations

import datetime as dt
import glob
import hashlib
import json
import math
import os
import pickle
import shutil
import uuid
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from jiuzhu.model.errors import InputError, JiuzhuError

ROW = "__row"  # the claim's place in the input (file order, then row order); dropped before evaluation
CHUNK_ROWS = 1_000_000  # rows of one check-and-split task (read in record batches of BATCH_ROWS)
BATCH_ROWS = 262_144
PARTITION_ROWS = 500_000  # about this many claims per person partition


class WorkerMissingRegion(Exception):
    """A worker cannot evaluate a compared region (its plugin is not installed there)."""


# -- scheduler and input ---------------------------------------------------------------------------


def parse_scheduler(spec: str) -> tuple[str, object]:
    """``local`` → ("local", None); ``processes[:N]`` → ("processes", N or None); ``tcp://HOST:PORT`` →
    ("tcp", address)."""
    s = (spec or "local").strip()
    if s == "local":
        return "local", None
    if s == "processes" or s.startswith("processes:"):
        n = s.partition(":")[2]
        if n and not (n.isdigit() and 1 <= int(n) <= 1024):
            raise InputError("--scheduler", spec, "processes:N with N a whole number of workers from 1 to 1024")
        return "processes", int(n) if n else None
    if s.startswith("tcp://") and s[6:].rpartition(":")[2].isdigit() and s[6:].rpartition(":")[0]:
        return "tcp", s
    raise InputError("--scheduler", spec, "local, processes[:N] or tcp://HOST:PORT")


def claim_files(claims: str) -> list[Path]:
    """The Parquet files of CLAIMS: one file, a folder (its ``*.parquet`` files, recursively) or a glob."""
    p = Path(claims)
    if p.is_dir():
        files = sorted(f for f in p.rglob("*.parquet") if not f.name.startswith((".", "_")))
    elif p.exists():
        files = [p]
    elif glob.has_magic(claims):
        files = sorted(Path(f) for f in glob.glob(claims, recursive=True) if Path(f).is_file())
    else:
        raise InputError("claims file", p.name, "file not found")
    if not files:
        raise InputError("claims", p.name, "a Parquet file, a folder of them or a glob matching some")
    bad = [f for f in files if f.suffix.lower() not in (".parquet", ".pq")]
    if bad:
        raise InputError("claims file", bad[0].name, "a Parquet file (.parquet) with a cluster scheduler")
    return files


def plan_chunks(files: list[Path], rows: int = CHUNK_ROWS) -> tuple[list[tuple], int]:
    """Check-and-split tasks as (file, row groups, first row number), and the number of rows. Every file
    must have the same columns (a column missing in one file would silently change its claims)."""
    import pyarrow.parquet as pq
    from jiuzhu.analysis.checks import check_names
    from jiuzhu.analysis.claims import _arrow_reason, _unique_names
    chunks, offset, names0 = [], 0, None
    for f in files:
        try:
            meta = pq.ParquetFile(f).metadata
            names = pq.read_schema(f).names
        except (pa.ArrowException, OSError) as exc:
            raise InputError("claims file", f.name, f"readable parquet ({_arrow_reason(exc)})") from None
        _unique_names(names)
        check_names(names)
        if names0 is None:
            names0 = (f, set(names))
        elif set(names) != names0[1]:
            col = sorted(set(names) ^ names0[1])[0]
            raise InputError(f"claims file {f.name} column {col}", None,
                             f"the same columns in every file ({names0[0].name} differs)")
        group, n = [], 0
        for rg in range(meta.num_row_groups):
            group.append(rg)
            n += meta.row_group(rg).num_rows
            if n >= rows:
                chunks.append((str(f), group, offset))
                offset, group, n = offset + n, [], 0
        if group:
            chunks.append((str(f), group, offset))
            offset += n
    return chunks, offset


def person_bucket(ids, parts: int) -> np.ndarray:
    """A partition number per claim from a hash of the ID number (its 17 digits, mixed so that
    partitions are even whatever the regions' division codes and birth dates), the same on every
    machine."""
    ids = ids.combine_chunks() if isinstance(ids, pa.ChunkedArray) else ids
    hi = pc.cast(pc.utf8_slice_codeunits(ids, 0, 9), pa.uint64()).to_numpy()
    lo = pc.cast(pc.utf8_slice_codeunits(ids, 9, 17), pa.uint64()).to_numpy()
    with np.errstate(over="ignore"):
        h = hi * np.uint64(0x9E3779B97F4A7C15) ^ lo * np.uint64(0xC2B2AE3D27D4EB4F)
        h ^= h >> np.uint64(31)
        h *= np.uint64(0xBF58476D1CE4E5B9)
        h ^= h >> np.uint64(29)
    return (h % np.uint64(parts)).astype(np.int64)


# -- the engine, once per worker -------------------------------------------------------------------

_ENGINES: dict[str, object] = {}
_CACHES: dict[str, object] = {}  # deployment key -> the DecisionCache of this worker process


def deployment_key(deployment) -> str:
    return hashlib.sha256(pickle.dumps(deployment)).hexdigest()[:16]


def worker_engine(deployment, key: str, regions=()):
    """The engine of this process for ``deployment`` (built on first use, then cached), checked to have
    every region of ``regions``."""
    eng = _ENGINES.get(key)
    if eng is None:
        from jiuzhu.rules.engine import Engine
        eng = _ENGINES[key] = Engine(deployment=deployment)
    missing = [r for r in regions if r not in eng.host.regions]
    if missing:
        raise WorkerMissingRegion(missing[0])
    return eng


try:
    from distributed.diagnostics.plugin import WorkerPlugin
except ImportError:  # pragma: no cover - dask is a dependency; keep the module importable without it
    WorkerPlugin = object


class EngineLoader(WorkerPlugin):
    """Builds the job's engine when a worker starts (or joins), so that no task pays for it."""

    name = "jiuzhu-engine"

    def __init__(self, deployment, key: str):
        self.deployment, self.key = deployment, key

    def setup(self, worker):
        worker_engine(self.deployment, self.key)


def _missing_regions(deployment, key: str, regions: list[str]) -> list[str]:
    eng = worker_engine(deployment, key)
    return [r for r in regions if r not in eng.host.regions]


# -- the tasks -------------------------------------------------------------------------------------


def _write_parquet(table, path: Path) -> None:
    import pyarrow.parquet as pq
    from jiuzhu.analysis.claims import parquet_options
    from jiuzhu.io.atomic import atomic_path
    with atomic_path(path) as tmp:  # hidden temporary name: readers never see half a file
        pq.write_table(table, tmp, **parquet_options(table.schema))


def check_and_split(path: str, row_groups: list[int], offset: int, parts: int, staging: str, known: list[str],
                    keep_invalid_rows: bool) -> dict:
    """Stage 1: check every row of the chunk, write its valid rows to ``staging/bucket-K/chunk-OFFSET``."""
    import pyarrow.parquet as pq
    from jiuzhu.analysis.checks import normalise
    f = pq.ParquetFile(path)
    pieces: dict[int, list] = {}
    errors, first, n = [], None, 0
    for b in f.iter_batches(batch_size=BATCH_ROWS, row_groups=row_groups):
        at = offset + n
        table, ok, errs = normalise(b, at, known)
        if errs and first is None:
            first = (errs[0], table.slice(errs[0].row - 1 - at, 1).to_pylist()[0])
        errors += errs
        n += len(ok)
        rows = np.arange(at, at + len(ok), dtype=np.int64)
        if errs:
            mask = pa.array(ok)
            table, rows = table.filter(mask), rows[np.asarray(ok, dtype=bool)]
        table = table.append_column(ROW, pa.array(rows))
        bucket = person_bucket(table.column("person.id_number"), parts)
        for k in np.unique(bucket):
            pieces.setdefault(int(k), []).append(table.filter(pa.array(bucket == k)))
    if not errors or keep_invalid_rows:
        for k, ts in pieces.items():
            _write_parquet(pa.concat_tables(ts, promote_options="default"),
                           Path(staging) / f"bucket-{k:04d}" / f"chunk-{offset:012d}.parquet")
    return {"rows": n, "errors": errors, "first": first}


def evaluate_bucket(k: int, staging: str, results: str, deployment, key: str, regions: list[str],
                    rehome_to: bool, as_of, long: bool, meta: dict | None = None):
    """Stage 2: one person partition, in input order, under every region: (totals, burdens, claims a region
    could not evaluate) or None. ``meta``: schema metadata of its results file (the --set overrides, as
    one machine's results file records them)."""
    import pyarrow.parquet as pq
    from jiuzhu.analysis.claims import ROW as FILE_ROW, DecisionCache, evaluate_partition, unify
    eng = worker_engine(deployment, key, regions)
    files = sorted((Path(staging) / f"bucket-{k:04d}").glob("chunk-*.parquet"))
    if not files:
        return None
    table = pa.concat_tables([pq.read_table(f) for f in files], promote_options="default")
    table = table.take(pc.sort_indices(table.column(ROW)))
    # the 1-based row in the input, for a claim a region finds invalid (the errors file)
    table = table.append_column(FILE_ROW, pc.add(table.column(ROW), 1)).drop_columns([ROW])
    problems: list = []
    # a group this worker decided for an earlier partition of the job is not asked again
    cache = _CACHES.setdefault(key, DecisionCache())
    res, tots, burdens = evaluate_partition(eng, table, regions, rehome_to, as_of, long, problems=problems,
                                            cache=cache)
    if res:
        t = unify(res)
        _write_parquet(t.replace_schema_metadata({**(t.schema.metadata or {}), **(meta or {})}),
                       Path(results) / f"part-{k:04d}.parquet")
    return tots, burdens, problems


# -- the job ---------------------------------------------------------------------------------------


def open_client(kind: str, arg, spec: str):
    """A client of a new LocalCluster (``processes``) or of the scheduler at ``tcp://…``; (client, cluster)."""
    from distributed import Client, LocalCluster
    try:
        if kind == "processes":
            cluster = LocalCluster(n_workers=arg or os.cpu_count() or 1, threads_per_worker=1, processes=True,
                                   dashboard_address=None)
            return Client(cluster), cluster
        return Client(arg, timeout=30), None
    except (OSError, TimeoutError) as exc:
        raise InputError("--scheduler", spec, f"a reachable Dask scheduler ({type(exc).__name__})") from None


def check_out_dir(out: str | None) -> Path:
    if not out:
        raise InputError("--out", None, "a folder for the results (required with a cluster scheduler)")
    d = Path(out)
    if d.exists() and (not d.is_dir() or any(d.iterdir())):
        raise InputError("--out", d.name, "a new or empty folder (results are written as Parquet partitions)")
    return d


def run_distributed(engine, claims: str, regions: list[str], out: str, scheduler: str = "processes",
                    as_is: bool = False, as_of: dt.date | None = None, progress: bool = True, fmt: str = "text",
                    console=None, long: bool = False, skip_invalid: bool = False, errors: str | None = None,
                    parts: int | None = None, client=None, overrides=()) -> list[dict]:
    """``compare --batch CLAIMS --out DIR --scheduler SPEC`` beyond one process. Writes
    ``DIR/results/part-NNNN.parquet`` (one per person partition), ``DIR/results.labels.json`` and
    ``DIR/totals.json``; prints the totals as :func:`jiuzhu.analysis.claims.run_batch` does and returns
    them. ``client``: an existing :class:`distributed.Client` (``scheduler`` is then ignored)."""
    from rich.console import Console
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
    from distributed import as_completed
    from jiuzhu.analysis.batchreport import render_totals
    from jiuzhu.analysis.claims import (Burdens, _invalid_rows, _unevaluated, OVERRIDES_KEY, _write_labels,
                                        finish_totals, merge_totals, overrides_record, write_errors)
    dest = check_out_dir(out)
    files = claim_files(claims)
    chunks, rows = plan_chunks(files)
    own = None
    if client is None:
        kind, arg = parse_scheduler(scheduler)
        if kind == "local":
            raise InputError("--scheduler", scheduler, "processes[:N] or tcp://HOST:PORT (local runs run_batch)")
        client, own = open_client(kind, arg, scheduler)
    dest.mkdir(parents=True, exist_ok=True)
    staging, results = dest / ".staging", dest / "results"
    err_path = Path(errors) if errors else dest / "errors.csv"
    dep, key = engine.deployment, deployment_key(engine.deployment)
    job = uuid.uuid4().hex[:12]  # task names of this job only: another job's finished task is never reused
    known = sorted(engine.host.regions)
    con = console or Console(width=200)
    try:
        client.register_plugin(EngineLoader(dep, key))
        for addr, missing in sorted(client.run(_missing_regions, dep, key, regions).items()):
            if missing:
                raise InputError(f"region {missing[0]}", None, f"installed on every worker; worker {addr} lacks its "
                                 "plugin (install the same environment on every worker)")
        workers = max(1, len(client.scheduler_info().get("workers", {})))
        nparts = parts or max(2 * workers, math.ceil(rows / PARTITION_ROWS))
        with Progress(TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(),
                      console=Console(stderr=True), disable=not progress) as bar:
            t = bar.add_task(f"读取 checking {rows:,} claims on {workers} workers", total=len(chunks))
            futs = [client.submit(check_and_split, f, rg, off, nparts, str(staging), known, skip_invalid,
                                  key=f"jiuzhu-check-{job}-{off}", pure=False) for f, rg, off in chunks]
            checked = []
            for fut in as_completed(futs):
                checked.append(fut.result())
                bar.advance(t)
            del futs
            bad = sorted((e for c in checked for e in c["errors"]), key=lambda e: e.row)
            if bad:
                write_errors(bad, err_path)
                if not skip_invalid:
                    first = min((c["first"] for c in checked if c["first"]), key=lambda f: f[0].row)
                    raise _invalid_rows(first, len(bad), rows, err_path)
            valid = rows - len(bad)
            if not valid:
                raise InputError("claims file", Path(claims).name, "at least one valid claim row")
            t = bar.add_task(f"评估 evaluating {valid:,} claims × {len(regions)} regions", total=nparts)
            meta = {OVERRIDES_KEY: json.dumps(overrides_record(overrides), ensure_ascii=False).encode()}
            futs = [client.submit(evaluate_bucket, k, str(staging), str(results), dep, key, regions, not as_is, as_of,
                                  long, meta, key=f"jiuzhu-evaluate-{job}-{k}", pure=False) for k in range(nparts)]
            tots: dict[str, dict] = {}
            burdens: dict = {}  # region -> claims.Burdens: exact quantiles in bounded memory
            failed: list = []  # claims a region could not evaluate for a fact of their own
            for fut in as_completed(futs):
                got = fut.result()
                bar.advance(t)
                if got is None:
                    continue
                pt, pb, pf = got
                failed += pf
                for code in regions:
                    tots[code] = merge_totals(tots[code], pt[code]) if code in tots else pt[code]
                    if code in pb:
                        burdens.setdefault(code, Burdens()).add(pb[code])
            del futs
            stopped = {c for c, t in tots.items() if "error" in t}  # in one partition: in none
            if stopped:
                import pyarrow.parquet as pq
                from jiuzhu.analysis.claims import drop_regions, ran_layers
                kept = ran_layers(tots)
                for p in sorted(results.glob("part-*.parquet")):
                    _write_parquet(drop_regions(pq.read_table(p), stopped, kept), p)
            failed = list(dict.fromkeys(failed))  # a row every region refuses alike (the loader's) once
            if failed:
                write_errors(sorted(bad + failed, key=lambda e: e.row), err_path)
                if not skip_invalid:
                    raise _unevaluated(failed, err_path)
    except BaseException as exc:
        shutil.rmtree(results, ignore_errors=True)  # never a partial set of results
        if not isinstance(exc, WorkerMissingRegion):
            raise
        raise InputError(f"region {exc.args[0]}", None, "installed on every worker; a worker lacks its plugin "
                         "(install the same environment on every worker)") from None
    finally:
        shutil.rmtree(staging, ignore_errors=True)
        if own is not None:
            client.close()
            own.close()
    for tmp in results.glob(".*.part"):  # a worker killed while writing leaves its temporary file
        tmp.unlink(missing_ok=True)
    _write_labels(tots, results, long, overrides_record(overrides))  # the --set overrides, as run_batch records
    if not bad and not failed and err_path.exists():
        write_errors([], err_path)  # an earlier run's list would be taken for this run's
    final = [finish_totals(tots[c], burdens.get(c)) for c in regions]
    for f in final:
        f["invalid_rows"] = len(bad)
    from jiuzhu.io.atomic import write_text
    write_text(dest / "totals.json", json.dumps({"claims": valid, "invalid_rows": len(bad), "regions": final},
                                                ensure_ascii=False, indent=2, default=str))
    render_totals(engine, final, valid, not as_is, fmt, con, invalid=len(bad) + len(failed),
                  errors_file=err_path if bad or failed else None)
    return final


def read_results(out: str | Path):
    """All result partitions of a distributed run as one Arrow table (layer columns unified)."""
    import pyarrow.parquet as pq
    from jiuzhu.analysis.claims import unify
    parts = sorted((Path(out) / "results").glob("part-*.parquet"))
    if not parts:
        raise JiuzhuError(f"no result partitions in {Path(out).name}/results")
    return unify([pq.read_table(p) for p in parts])
