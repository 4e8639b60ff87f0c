"""Benchmark: python benchmarks/dask.py [--n 1000000 ...] [--workers 2] [--skip-local]

For each N: N synthetic claims (``jiuzhu synth``, cached in $TMPDIR/jiuzhu-bench) × every installed region,
``compare --batch`` through :func:`jiuzhu.analysis.claims.run_batch` (``--scheduler local``) and through
:func:`jiuzhu.analysis.distributed.run_distributed` on a LocalCluster of ``--workers`` processes
(``--scheduler processes:N``). Prints wall time, the local process's peak RSS, each worker's peak RSS
(sampled every 0.2 s with psutil: ``ru_maxrss`` would be inherited from the process that started the
worker) and whether the totals agree, naming the first field that differs. Deployment parameters as in
benchmarks/run.py. Measurements, not timed tests.
"""

from __future__ import annotations

import argparse
import os
import resource
import shutil
import sys
import tempfile
import time
from pathlib import Path

# this file is named dask.py: its folder must not shadow the dask package (nor in the spawned workers)
HERE = Path(__file__).resolve().parent
sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != HERE]


def _bench_run():
    import importlib.util
    spec = importlib.util.spec_from_file_location("_bench_run", HERE / "run.py")
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


def _peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--n", type=int, nargs="+", default=[1_000_000])
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--skip-local", action="store_true")
    args = ap.parse_args()
    from rich.console import Console
    from distributed import Client, LocalCluster
    engine = _bench_run().engine
    from jiuzhu.analysis.claims import run_batch, write_claims
    from jiuzhu.analysis.distributed import run_distributed
    from jiuzhu.analysis.synth import synth_claims
    eng, _ = engine()
    regions = sorted(eng.host.regions)
    cache = Path(tempfile.gettempdir()) / "jiuzhu-bench"
    cache.mkdir(exist_ok=True)
    quiet = Console(file=open(os.devnull, "w"))
    print(f"{os.uname().machine}, {os.cpu_count()} cores, load average {os.getloadavg()[0]:.1f} at start, "
          f"{time.strftime('%Y-%m-%d %H:%M')}")
    for n in args.n:
        src = cache / f"claims-{n}.parquet"
        if not src.exists():
            t = time.perf_counter()
            write_claims(synth_claims(n, seed=1), src)
            print(f"synth {n:,}: {time.perf_counter() - t:.1f} s")
        drop = lambda ts: [{k: v for k, v in t.items() if k != "groups"} for t in ts]
        local = None
        if not args.skip_local:
            with tempfile.TemporaryDirectory() as d:
                t = time.perf_counter()
                local = run_batch(eng, str(src), regions, str(Path(d) / "r.parquet"), progress=False, console=quiet)
                t_local = time.perf_counter() - t
            print(f"{n:,} × {len(regions)} local: {t_local:.1f} s, peak RSS of this process so far {_peak_mb():,.0f} MB")
        cluster = LocalCluster(n_workers=args.workers, threads_per_worker=1, processes=True, dashboard_address=None)
        client = Client(cluster)
        try:
            import threading
            import psutil
            procs = {a: psutil.Process(pid) for a, pid in client.run(os.getpid).items()}
            peaks = dict.fromkeys(procs, 0.0)
            stop = threading.Event()

            def sample():
                while not stop.wait(0.2):
                    for a, pr in procs.items():
                        try:
                            peaks[a] = max(peaks[a], pr.memory_info().rss / 2 ** 20)
                        except psutil.Error:
                            pass
            sampler = threading.Thread(target=sample, daemon=True)
            sampler.start()
            with tempfile.TemporaryDirectory() as d:
                load = os.getloadavg()[0]
                t = time.perf_counter()
                dist = run_distributed(eng, str(src), regions, str(Path(d) / "out"), client=client, progress=False,
                                       console=quiet)
                t_dist = time.perf_counter() - t
            stop.set()
            if local and drop(local) != drop(dist):
                for a, b in zip(drop(local), drop(dist)):
                    diff = sorted(k for k in set(a) | set(b) if a.get(k) != b.get(k))
                    if diff:
                        print(f"  differs: {a['region']} {diff[0]}: local {a.get(diff[0])!r:.300} vs {b.get(diff[0])!r:.300}")
            print(f"{n:,} × {len(regions)} processes:{args.workers}: {t_dist:.1f} s (load {load:.1f}); worker peak RSS "
                  + ", ".join(f"{v:,.0f} MB" for v in peaks.values())
                  + (f"; {t_dist / t_local:.2f}× local, totals agree: {drop(local) == drop(dist)}" if local else ""))
        finally:
            client.close()
            cluster.close()
        shutil.rmtree(cache / "dask-scratch-space", ignore_errors=True)


if __name__ == "__main__":
    main()
