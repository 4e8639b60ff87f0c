"""The region hooks in two worker processes give exactly what one process gives, claim by claim."""

from __future__ import annotations

import numpy as np
import pyarrow as pa

from jiuzhu.analysis.checks import normalise
from jiuzhu.analysis.claims import ClaimTable, evaluate_regions, region_results, totals
from jiuzhu.analysis.synth import synth_claims

from test_batch_agreement import ENGINE


def _table(n: int):
    cols = synth_claims(n, seed=11)
    table, ok, errs = normalise(pa.table({k: pa.array(v) for k, v in cols.items()}), 0, sorted(ENGINE.host.regions))
    assert not errs
    return table


def test_two_workers_equal_one_process():
    ct = ClaimTable(_table(3000))
    regions = sorted(ENGINE.host.regions)
    one = evaluate_regions(ENGINE, ct, regions, workers=1)
    two = evaluate_regions(ENGINE, ct, regions, workers=2)
    assert [r.region for r in two] == regions
    for a, b in zip(one, two):
        assert a.error == b.error
        if a.error:
            continue
        assert region_results(ct, a).equals(region_results(ct, b))
        assert region_results(ct, a, long=True).equals(region_results(ct, b, long=True))
        assert totals(a) == totals(b)
        # and not trivially: some claims are covered, with money
        assert a.assistance.sum() > 0 or a.region not in ("fushun", "guangan")


def test_a_region_that_fails_in_a_worker_fails_as_in_one_process():
    ct = ClaimTable(_table(1500))
    one = evaluate_regions(ENGINE, ct, ["fushun", "no-such-region"], workers=1)
    two = evaluate_regions(ENGINE, ct, ["fushun", "no-such-region"], workers=2)
    assert one[1].error and one[1].error == two[1].error
    assert np.array_equal(one[0].burden, two[0].burden)


def test_groups_cut_into_many_spans_give_the_same_results(monkeypatch):
    # plans and reasons of each span are renumbered when the spans are merged: cut small to exercise it
    import jiuzhu.analysis.claims as claims
    monkeypatch.setattr(claims, "SPAN_GROUPS", 7)
    ct = ClaimTable(_table(1200))
    regions = ["fushun", "guangan", "wusheng"]
    one = evaluate_regions(ENGINE, ct, regions, workers=1)
    ticks = []
    two = evaluate_regions(ENGINE, ct, regions, workers=2, tick=ticks.append)
    assert sum(ticks) == ct.n * len(regions)  # the progress counts claims
    for a, b in zip(one, two):
        assert not a.error and a.groups == b.groups > 7
        assert region_results(ct, a).equals(region_results(ct, b))
        assert totals(a) == totals(b)


def test_claims_a_region_cannot_evaluate_are_the_same_in_workers(monkeypatch):
    # Guang'an's critical-illness table dated from the middle of the drawn claims' dates: the +5-points claims
    # admitted before it are invalid for Guang'an, found in whichever span and worker decides their group
    import datetime as dt
    import jiuzhu.analysis.claims as claims
    from jiuzhu.io.config import parse_config
    from jiuzhu.rules.engine import Engine
    from test_batch_agreement import GA_SEGMENTS, HOST, deployment_parameters
    monkeypatch.setattr(claims, "SPAN_GROUPS", 7)
    ct = ClaimTable(_table(1200))
    mid = dt.date(1970, 1, 1) + dt.timedelta(days=int(np.median(ct.admitted.astype(np.int64))))
    params = deployment_parameters(HOST)
    eng = Engine(host=HOST, deployment=parse_config({"parameters": {**params, "guangan": {
        **params.get("guangan", {}), "critical_illness_segments": [{"from": mid.isoformat(), "value": GA_SEGMENTS}]}}}))
    one = evaluate_regions(eng, ct, ["guangan", "wusheng"], workers=1)
    two = evaluate_regions(eng, ct, ["guangan", "wusheng"], workers=2)
    for a, b in zip(one, two):
        assert not a.error and a.problems and a.problems == b.problems
        assert np.array_equal(a.invalid, b.invalid)
        assert region_results(ct, a).equals(region_results(ct, b))
        assert totals(a) == totals(b) and totals(a)["invalid_claims"] == len(a.problems)


def test_compare_batch_workers_option(tmp_path, monkeypatch):
    """`jiuzhu compare --batch --workers 2` writes the same results file as `--workers 1`; a worker
    count out of range, or `--workers` without a batch, is one line and exit 2."""
    import pyarrow.parquet as pq
    from click.testing import CliRunner
    import jiuzhu.analysis.claims as claims
    from jiuzhu.analysis.claims import write_claims
    from jiuzhu.cli import cli
    from pathlib import Path
    root = Path(__file__).resolve().parent.parent
    monkeypatch.setattr(claims, "PARALLEL_MIN_CLAIMS", 1)
    src = tmp_path / "claims.parquet"
    write_claims(synth_claims(1500, seed=5), src)
    base = ["--config", str(root / "examples" / "jiuzhu.toml"), "compare", "--batch", str(src), "--no-progress"]
    for w in ("1", "2"):
        res = CliRunner().invoke(cli, base + ["--out", str(tmp_path / f"w{w}.parquet"), "--workers", w])
        assert res.exit_code in (0, 1), res.output  # 1: a region lacking a deployment parameter, in both
    a, b = pq.read_table(tmp_path / "w1.parquet"), pq.read_table(tmp_path / "w2.parquet")
    assert a.num_rows == b.num_rows > 1500 and a.equals(b)
    res = CliRunner().invoke(cli, base + ["--workers", "0"])
    assert res.exit_code == 2 and "--workers" in res.output
    res = CliRunner().invoke(cli, ["compare", str(root / "examples" / "wusheng-in-county.toml"), "--workers", "2"])
    assert res.exit_code == 2 and "--workers goes with --batch" in res.output


STOPPED_EARLY = r'''
import sys, time
sys.path.insert(0, {tests!r})
import pyarrow as pa
import jiuzhu.analysis.claims as claims
from jiuzhu.analysis.checks import normalise
from jiuzhu.analysis.synth import synth_claims
from jiuzhu.io.atomic import install_signal_handlers
from test_batch_agreement import ENGINE
install_signal_handlers()  # as the command line does: SIGTERM unwinds to remove temporary outputs
cols = synth_claims(1200, seed=11)
table, ok, errs = normalise(pa.table({{k: pa.array(v) for k, v in cols.items()}}), 0, sorted(ENGINE.host.regions))
real = claims._decide_one
def slow(*a, **k):  # the workers are still deciding when the caller stops
    time.sleep(0.02)
    return real(*a, **k)
claims._decide_one = slow
claims.SPAN_GROUPS = 4
gen = claims.each_region(ENGINE, claims.ClaimTable(table), ["wusheng", "fushun", "guangan"], workers=2)
next(gen)
gen.close()
print("closed")
'''


def _script(tmp_path, text: str, timeout: int, hung: str) -> tuple:
    """Run ``text`` (a script template of this folder's tests) in its own process group: (exit status,
    stdout, stderr); if it has not ended after ``timeout`` seconds, it and its workers are killed and
    the test fails with ``hung``."""
    import os
    import signal
    import subprocess
    import sys
    from pathlib import Path
    script = tmp_path / "script.py"
    script.write_text(text.format(tests=str(Path(__file__).parent)), encoding="utf-8")
    proc = subprocess.Popen([sys.executable, str(script)], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                            start_new_session=True)
    try:
        out, err = proc.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)  # the script and its workers
        proc.communicate()
        raise AssertionError(hung) from None
    return proc.returncode, out, err


def test_a_caller_that_stops_early_does_not_wait_for_the_workers_forever(tmp_path):
    """Stopping the regions early (an error while writing the first region's results, Ctrl-C, SIGTERM)
    terminates the workers mid-task: each must end, not swallow the signal and wait for a task again."""
    code, out, err = _script(tmp_path, STOPPED_EARLY, 90, "the pool's workers did not end when the caller stopped")
    assert code == 0 and "closed" in out, err[-2000:]


def test_progress_counts_every_claim_of_every_region_even_a_region_that_stops():
    """The bar counts claims × regions (issue: "the progress bar counts claims"): a region stopped by a
    missing required parameter (Wusheng's effective date) or unknown counts its claims as done, in one
    process and with workers alike: 1,500 claims × 4 regions = 6,000."""
    from jiuzhu.io.config import parse_config
    from jiuzhu.rules.engine import Engine
    from test_batch_agreement import HOST, deployment_parameters
    params = deployment_parameters(HOST)
    params["wusheng"] = {k: v for k, v in params.get("wusheng", {}).items() if k != "effective_date"}
    eng = Engine(host=HOST, deployment=parse_config({"parameters": params}))
    table = _table(1500)
    for workers in (1, 2):
        ticks = []
        runs = evaluate_regions(eng, ClaimTable(table), ["fushun", "wusheng", "no-such-region", "jingjiang"],
                                workers=workers, tick=ticks.append)
        assert "effective_date" in runs[1].error and runs[2].error and not runs[0].error and not runs[3].error
        assert sum(ticks) == 1500 * 4, workers


WORKER_DIES = r'''
import os, sys
sys.path.insert(0, {tests!r})
import numpy as np
import pyarrow as pa
import jiuzhu.analysis.claims as claims
from jiuzhu.analysis.checks import normalise
from jiuzhu.analysis.synth import synth_claims
from test_batch_agreement import ENGINE
cols = synth_claims(1200, seed=11)
table, ok, errs = normalise(pa.table({{k: pa.array(v) for k, v in cols.items()}}), 0, sorted(ENGINE.host.regions))
regions = ["wusheng", "fushun", "guangan"]
one = claims.evaluate_regions(ENGINE, claims.ClaimTable(table), regions, workers=1)
parent = os.getpid()
real = claims._decide_one
def dies(engine, case, region, *a):
    if region == "fushun" and os.getpid() != parent:
        os._exit(3)  # the worker is killed (out of memory, a crash in a C extension)
    return real(engine, case, region, *a)
claims._decide_one = dies
ct = claims.ClaimTable(table)
two = claims.evaluate_regions(ENGINE, ct, regions, workers=2)
for a, b in zip(one, two):
    assert a.region == b.region and not a.error and not b.error, (a.error, b.error)
    assert claims.region_results(ct, a).equals(claims.region_results(ct, b)), a.region
print("same")
'''


def test_a_worker_that_dies_does_not_hang_the_batch(tmp_path):
    """A worker process killed mid-task: the regions it left undecided are evaluated in this process, with
    the same results as without workers (a lost task must not leave the batch waiting for ever)."""
    code, out, err = _script(tmp_path, WORKER_DIES, 120, "the batch waited for ever for a worker that died")
    assert code == 0 and "same" in out, err[-2000:]
