"""Benchmarks: python benchmarks/run.py [--n 1000000] [--skip-batch]

1. batch: N synthetic claims × every installed region, read from Parquet and written back;
2. one case: ``jiuzhu evaluate`` of an example as a whole process, and ``Engine.evaluate``
   median after warm-up.

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


def bench_batch(n: int, work: Path):
    from jiuzhu.analysis.claims import ClaimTable, evaluate_region, read_claims, results_table, write_table
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
    ct = ClaimTable(read_claims(src))
    t_read = time.perf_counter() - t0
    print(f"read + shared keys: {t_read:.2f} s ({ct.n_facts:,} fact groups)")
    runs = []
    for code in regions:
        t = time.perf_counter()
        run = evaluate_region(eng, ct, code)
        dt_ = time.perf_counter() - t
        runs.append(run)
        print(f"  {code:10s} {dt_:6.2f} s  {n / dt_:12,.0f} claims/s  groups {run.groups:,}"
              + (f"  ERROR {run.error}" if run.error else ""))
    t = time.perf_counter()
    write_table(results_table(ct, runs), work / "results.parquet")
    t_write = time.perf_counter() - t
    total = time.perf_counter() - t0
    print(f"write {n * len(regions):,} result rows: {t_write:.2f} s")
    print(f"BATCH TOTAL {n:,} claims × {len(regions)} regions: {total:.2f} s "
          f"({n * len(regions) / total:,.0f} claim-evaluations/s)")


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
    ap.add_argument("--work", default=os.path.join(tempfile.gettempdir(), "jiuzhu-bench"))
    a = ap.parse_args()
    work = Path(a.work)
    work.mkdir(parents=True, exist_ok=True)
    print(f"machine: {platform.processor() or platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}")
    bench_single()
    if not a.skip_batch:
        bench_batch(a.n, work)


if __name__ == "__main__":
    main()
