"""Benchmarks: python benchmarks/run.py [--n 1000000] [--skip-batch]

1. batch: N synthetic claims × every installed region, read from Parquet and written back;
2. one case: ``jiuzhu evaluate`` of an example as a whole process, and ``Engine.evaluate``
   median after warm-up;
3. the settlement ledger (benchmarks/store.py): sequential and 8 concurrent settlers on SQLite and
   PostgreSQL.

Deployment parameters come from examples/jiuzhu.toml plus plausible values for any other
required parameter, so that every region runs.
"""

from __future__ import annotations

import argparse
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests"))


def engine():
    from jiuzhu.io.config import parse_config
    from jiuzhu.rules.engine import Engine
    from jiuzhu.plugins import default_host
    from jiuzhu.model.tomlio import load_toml
    from test_batch_agreement import deployment_parameters
    raw = load_toml(ROOT / "examples" / "jiuzhu.toml", "config")
    params = deployment_parameters(default_host())
    for code, ps in raw.get("parameters", {}).items():
        params.setdefault(code, {}).update(ps)
    raw["parameters"] = params
    return Engine(deployment=parse_config(raw)), params


def bench_batch(n: int, work: Path, a_workers: int | None = None):
    import resource
    from jiuzhu.analysis.claims import (ClaimTable, batch_workers, evaluate_region, evaluate_regions, read_claims,
                                        results_table, write_table)
    a_workers = batch_workers() if a_workers is None else a_workers
    print(f"worker processes for the region hooks: {a_workers}")
    from jiuzhu.analysis.claims import write_claims
    from jiuzhu.analysis.synth import synth_claims
    eng, _ = engine()
    src = work / f"claims-{n}.parquet"
    if not src.exists():
        t = time.perf_counter()
        write_claims(synth_claims(n, seed=1), src)
        print(f"synth {n:,} claims: {time.perf_counter() - t:.1f} s")
    regions = sorted(eng.host.regions)
    t0 = time.perf_counter()
    table, errors = read_claims(src, regions)
    ct = ClaimTable(table)
    t_read = time.perf_counter() - t0
    print(f"read + every row checked + shared keys: {t_read:.2f} s ({ct.n_facts:,} fact groups, {len(errors)} invalid)")
    t = time.perf_counter()
    runs = evaluate_regions(eng, ct, regions, workers=a_workers)
    print(f"evaluate {len(regions)} regions: {time.perf_counter() - t:.2f} s")
    for run in runs:
        print(f"  {run.region:10s} groups {run.groups:,}" + (f"  ERROR {run.error}" if run.error else ""))
    t = time.perf_counter()
    write_table(results_table(ct, runs), work / "results.parquet")
    t_write = time.perf_counter() - t
    total = time.perf_counter() - t0
    print(f"write {n * len(regions):,} result rows: {t_write:.2f} s")
    print(f"BATCH TOTAL {n:,} claims × {len(regions)} regions: {total:.2f} s "
          f"({n * len(regions) / total:,.0f} claim-evaluations/s)")
    print(f"peak RSS: {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:,.0f} MB (this process), "
          f"{resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024:,.0f} MB (largest worker)")
    cpu = os.times()
    print(f"CPU: {cpu.user + cpu.system:.1f} s this process, {cpu.children_user + cpu.children_system:.1f} s workers")
    print(f"load average: {' '.join(f'{x:.1f}' for x in os.getloadavg())}")
    bench_fushun_layer(eng, ct)
    # the same batch with year-to-date columns: they stay out of the decision key
    import numpy as np
    import pyarrow as pa
    rng = np.random.default_rng(2)
    with_ytd = table.append_column("history.ytd.inpatient_assistance_fen", pa.array(rng.integers(0, 300_000, ct.n)))
    ct2 = ClaimTable(with_ytd)
    # a year-to-date column is only accepted by regions with that programme (as for one case)
    regions = [c for c in regions if "inpatient_assistance" in {p.id for _, p in eng.programs(c)}]
    # both from a fresh ClaimTable, so that both structure their representative cases (ct's are cached)
    t = time.perf_counter()
    for code in regions:
        evaluate_region(eng, ct2, code)
    t_ytd = time.perf_counter() - t
    del ct2
    ct3 = ClaimTable(table)
    t = time.perf_counter()
    for code in regions:
        evaluate_region(eng, ct3, code)
    t_no = time.perf_counter() - t
    print(f"evaluate with a year-to-date column ({', '.join(regions)}): {t_ytd:.2f} s vs without {t_no:.2f} s "
          f"({t_ytd / t_no:.2f}×)")


def bench_fushun_layer(eng, ct):
    """Fushun's inpatient layer (60 % of the self-pay after the slip, annual cap 5,000 yuan per person)
    through settle_columns, against the same integer-fen formula written directly in numpy."""
    import numpy as np
    from jiuzhu.rules.settle import Layer, Plan, settle_columns
    n = ct.n
    from jiuzhu.analysis.batch import OTHER_MONEY
    # the columns evaluate_region passes: other payers by kind only when some claim has one (none here)
    m = {c[5:-4]: ct.money[c] for c in ct.money if c not in OTHER_MONEY or ct.money[c].any()}
    base = ("total", 1), ("basic_paid", -1), ("critical_paid", -1), ("other_paid", -1)
    plan = Plan((Layer("inpatient_assistance", "住院救助", "inpatient", base=base, rate="0.6", annual_cap=500_000),))
    year = ct.admitted.astype("datetime64[Y]").astype(np.int64)
    day = ct.admitted.astype(np.int64)
    t_engine = t_hand = float("inf")
    for _ in range(3):  # interleaved, the best of three each: the machine is shared
        t = time.perf_counter()
        out = settle_columns(m, [plan], np.zeros(n, np.int64), ct.person, year, day)
        t_engine = min(t_engine, time.perf_counter() - t)
        t = time.perf_counter()
        hand = _hand_fushun(m, ct.person, year, day)
        t_hand = min(t_hand, time.perf_counter() - t)
    assert (hand == out["layer.inpatient_assistance"]).all()
    print(f"Fushun inpatient layer, {n:,} claims: settle_columns {t_engine * 1000:.0f} ms, hand-written numpy "
          f"{t_hand * 1000:.0f} ms ({t_engine / t_hand:.1f}×)")


def _hand_fushun(m, person, year, day):
    """The same formula as Fushun's inpatient layer, written directly in numpy int64."""
    import numpy as np
    n = len(person)
    order = np.lexsort((day, year, person))
    paid_slip = np.minimum(m["basic_paid"], m["total"])
    paid_slip = paid_slip + np.minimum(m["critical_paid"], m["total"] - paid_slip)
    paid_slip = paid_slip + np.minimum(m["other_paid"], m["total"] - paid_slip)
    b = np.maximum(0, m["total"] - m["basic_paid"] - m["critical_paid"] - m["other_paid"])
    want = np.minimum((2 * b * 3 + 5) // 10, m["total"] - paid_slip)[order]
    p, y = person[order], year[order]
    start = np.ones(n, bool)
    start[1:] = (p[1:] != p[:-1]) | (y[1:] != y[:-1])
    gid = np.cumsum(start) - 1
    cum = np.cumsum(want)
    before = (cum - want)[np.nonzero(start)[0]][gid]
    run = cum - before
    hand = np.empty(n, np.int64)
    hand[order] = np.minimum(run, 500_000) - np.minimum(run - want, 500_000)
    return hand


PSS_MONITOR = """
import os, threading, time
PEAK = [0]
def _tree(pid):
    out = [pid]
    try:
        for t in os.listdir(f'/proc/{pid}/task'):
            for c in open(f'/proc/{pid}/task/{t}/children').read().split():
                out += _tree(int(c))
    except OSError:
        pass
    return out
def _pss(pid):
    try:
        for l in open(f'/proc/{pid}/smaps_rollup'):
            if l.startswith('Pss:'):
                return int(l.split()[1])
    except OSError:
        pass
    return 0
def _watch():
    while True:
        PEAK[0] = max(PEAK[0], sum(_pss(p) for p in _tree(os.getpid())))
        time.sleep(0.05)
threading.Thread(target=_watch, daemon=True).start()
"""


def bench_stream(n: int, work: Path, partition_rows: int | None = None):
    """The command's own path (``run_batch``, as ``jiuzhu compare --batch`` runs it): read in record
    batches, person partitions, results written per partition, in a fresh process so that its peak
    memory is its own."""
    src = work / f"claims-{n}.parquet"
    arg = "" if partition_rows is None else f", partition_rows={partition_rows}"
    code = (PSS_MONITOR + f"import sys, time, resource; sys.path[:0] = [{str(ROOT / 'benchmarks')!r}, {str(ROOT / 'tests')!r}]\n"
            "import run; from jiuzhu.analysis.claims import run_batch\n"
            "eng, _ = run.engine(); t = time.perf_counter()\n"
            f"run_batch(eng, {str(src)!r}, sorted(eng.host.regions), out={str(work / 'stream-results.parquet')!r}, "
            f"progress=False, fmt='json', console=__import__('rich.console').console.Console(file=open('/dev/null', 'w'))"
            f"{arg})\n"
            # VmHWM, not ru_maxrss: the latter keeps the high-water mark of the parent forked before exec
            "hwm = [l for l in open('/proc/self/status') if l.startswith('VmHWM')][0].split()[1]\n"
            "print(f'{time.perf_counter() - t:.2f} {int(hwm) / 1024:.0f} {PEAK[0] / 1024:.0f}')\n")
    out = subprocess.run([sys.executable, "-c", code], check=True, capture_output=True, text=True).stdout.split()
    secs, mb, pss = float(out[-3]), float(out[-2]), float(out[-1])
    shown = "default" if partition_rows is None else f"{partition_rows:,}"
    print(f"streamed (run_batch, as `jiuzhu compare --batch`), {n:,} claims × every region, partition_rows "
          f"{shown}: {secs:.2f} s, peak RSS {mb:,.0f} MB (this process), peak PSS {pss:,.0f} MB (it and its worker "
          f"processes, sampled every 50 ms); load average "
          f"{' '.join(f'{x:.1f}' for x in os.getloadavg())}")


def bench_single():
    example = ROOT / "examples" / "wusheng-in-county.toml"
    cfg = ROOT / "examples" / "jiuzhu.toml"
    times = []
    for _ in range(5):
        t = time.perf_counter()
        subprocess.run([sys.executable, "-m", "jiuzhu", "--config", str(cfg), "evaluate", str(example)],
                       check=True, capture_output=True)
        times.append(time.perf_counter() - t)
    print(f"jiuzhu evaluate (whole process): median {statistics.median(times) * 1000:.0f} ms, "
          f"min {min(times) * 1000:.0f} ms")
    from jiuzhu.io.loader import load_case
    eng, _ = engine()
    case = load_case(example)
    for _ in range(50):
        eng.evaluate(case)
    lib = []
    for _ in range(500):
        t = time.perf_counter()
        eng.evaluate(case, "wusheng")
        lib.append(time.perf_counter() - t)
    print(f"Engine.evaluate(case): median {statistics.median(lib) * 1000:.3f} ms")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--n", type=int, default=1_000_000)
    ap.add_argument("--skip-batch", action="store_true")
    ap.add_argument("--only-stream", action="store_true", help="only the streamed path (run_batch)")
    ap.add_argument("--partition-rows", type=int, default=None, help="with --only-stream")
    ap.add_argument("--workers", type=int, default=None,
                    help="processes for the region hooks (default: as the batch, one per core; 1: none)")
    ap.add_argument("--skip-store", action="store_true")
    ap.add_argument("--store-n", type=int, default=600, help="settlements per ledger measurement")
    ap.add_argument("--work", default=os.path.join(tempfile.gettempdir(), "jiuzhu-bench"))
    a = ap.parse_args()
    work = Path(a.work)
    work.mkdir(parents=True, exist_ok=True)
    print(f"machine: {platform.processor() or platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}")
    if a.only_stream:
        bench_stream(a.n, work, a.partition_rows)
        return
    bench_single()
    if not a.skip_batch:
        bench_batch(a.n, work, a.workers)
        bench_stream(a.n, work)
    if not a.skip_store:
        sys.path.insert(0, str(ROOT / "benchmarks"))
        import store
        store.run(a.store_n)


if __name__ == "__main__":
    main()
