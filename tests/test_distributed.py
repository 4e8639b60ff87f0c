"""The batch on a Dask LocalCluster of 2 worker processes gives the single-machine results row for row,
survives a killed worker without losing or duplicating a claim, and fails with one line when a worker
lacks a region (docs/scale.md)."""

from __future__ import annotations

import datetime as dt
import os
import signal
import sys
import threading
import time
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from click.testing import CliRunner
from rich.console import Console

from jiuzhu.analysis.claims import run_batch, write_claims
from jiuzhu.analysis.distributed import parse_scheduler, person_bucket, read_results, run_distributed
from jiuzhu.analysis.synth import synth_claims
from jiuzhu.model.errors import InputError
from jiuzhu.model.idcard import make

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(Path(__file__).resolve().parent))

# fushun and liujiang have an inpatient_assistance programme with an annual cap; guangan has none,
# so guangan refuses each claim with a non-zero history.ytd.inpatient_assistance_fen (as one case with the
# entry), in both paths alike; the runs skip those claims (--skip-invalid)
REGIONS = ["fushun", "guangan", "liujiang"]
N = 2000


def _engine():
    from jiuzhu.io.config import parse_config
    from jiuzhu.model.tomlio import load_toml
    from jiuzhu.plugins import default_host
    from jiuzhu.rules.engine import Engine
    from test_batch_agreement import deployment_parameters
    raw = load_toml(ROOT / "examples" / "jiuzhu.toml", "config")
    params = deployment_parameters(default_host())
    for code, ps in raw.get("parameters", {}).items():
        params.setdefault(code, {}).update(ps)
    raw["parameters"] = params
    return Engine(deployment=parse_config(raw))


def _quiet():
    return Console(file=open(os.devnull, "w"))


def _drop_groups(tots):
    return [{k: v for k, v in t.items() if k != "groups"} for t in tots]  # decision groups are per partition


def _rows(table):
    return sorted(table.to_pylist(), key=lambda r: (r["claim_id"], r["region"]))


@pytest.fixture(scope="module")
def client():
    from distributed import Client, LocalCluster
    cluster = LocalCluster(n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None)
    c = Client(cluster, timeout=60)
    yield c
    c.close()
    cluster.close()


@pytest.fixture(scope="module")
def claims(tmp_path_factory):
    """N synthetic claims (about 2.5 per person, so annual caps bind), a third of them with a year-to-date
    amount already paid, as one file and as three files of consecutive rows (a person's claims spread
    over files: the repartition step must bring them together)."""
    d = tmp_path_factory.mktemp("claims")
    cols = synth_claims(N, seed=5)
    rng = np.random.default_rng(7)
    cols["history.ytd.inpatient_assistance_fen"] = np.where(rng.random(N) < 0.33, rng.integers(0, 2_000_000, N), 0)
    one = d / "claims.parquet"
    write_claims(cols, one)
    parts = d / "parts"
    parts.mkdir()
    t = pq.read_table(one)
    for i, (a, b) in enumerate([(0, 700), (700, 1400), (1400, N)]):
        pq.write_table(t.slice(a, b - a), parts / f"p{i}.parquet", row_group_size=300)
    eng = _engine()
    local = run_batch(eng, str(one), REGIONS, str(d / "local.parquet"), progress=False, console=_quiet(),
                      skip_invalid=True)
    # without the year-to-date column fushun pays more: the column is read and the caps bind
    no_ytd = d / "no-ytd.parquet"
    write_claims({k: v for k, v in cols.items() if not k.startswith("history.ytd")}, no_ytd)
    free = run_batch(eng, str(no_ytd), ["fushun"], None, progress=False, console=_quiet())
    assert free[0]["assistance"] > local[0]["assistance"]
    refused = int((cols["history.ytd.inpatient_assistance_fen"] != 0).sum())
    assert "error" not in local[1] and local[1]["invalid_claims"] == refused > 0 and local[1]["claims"] == N - refused
    return {"refused": refused, "one": one, "parts": parts, "local": local, "results": pq.read_table(d / "local.parquet"), "engine": eng}


def test_two_workers_give_the_single_machine_results_row_for_row(client, claims, tmp_path):
    out = tmp_path / "out"
    tots = run_distributed(claims["engine"], str(claims["parts"]), REGIONS, str(out), client=client, parts=6,
                           progress=False, console=_quiet(), skip_invalid=True)
    assert _drop_groups(tots) == _drop_groups(claims["local"])
    got = read_results(out)
    # fushun and liujiang; guangan without the claims it refuses for their year-to-date amount
    assert got.num_rows == 3 * N - claims["refused"]
    assert _rows(got) == _rows(claims["results"])
    assert sorted(p.name for p in (out / "results").iterdir()) == [f"part-{k:04d}.parquet" for k in range(6)]
    assert not (out / ".staging").exists()
    # every person's claims are in one partition
    seen: dict = {}
    src = pq.read_table(claims["one"]).select(["claim_id", "person.id_number"]).to_pylist()
    person = {r["claim_id"]: r["person.id_number"] for r in src}
    for p in (out / "results").iterdir():
        for cid in pq.read_table(p, columns=["claim_id"]).column("claim_id").to_pylist():
            assert seen.setdefault(person[cid], p.name) == p.name


def test_a_glob_of_files_is_the_same_batch(client, claims, tmp_path):
    out = tmp_path / "out"
    tots = run_distributed(claims["engine"], str(claims["parts"] / "p*.parquet"), REGIONS, str(out), client=client,
                           parts=3, progress=False, console=_quiet(), skip_invalid=True)
    assert _drop_groups(tots) == _drop_groups(claims["local"])


def test_a_killed_worker_loses_and_duplicates_nothing(client, claims, tmp_path):
    out = tmp_path / "out"
    parts = 24
    box: dict = {}

    def job():
        try:
            box["tots"] = run_distributed(claims["engine"], str(claims["one"]), REGIONS, str(out), client=client,
                                          parts=parts, progress=False, console=_quiet(), skip_invalid=True)
        except BaseException as exc:  # reported by the assertion below
            box["error"] = exc

    th = threading.Thread(target=job, daemon=True)
    th.start()
    pids = client.run(os.getpid)
    killed, deadline = None, time.monotonic() + 120
    while killed is None and th.is_alive() and time.monotonic() < deadline:
        busy = {a for a, keys in client.processing().items() if any("evaluate" in str(k) for k in keys)}
        if busy and (out / "results").exists():
            done = len(list((out / "results").glob("part-*.parquet")))
            addr = sorted(busy)[0]
            os.kill(pids[addr], signal.SIGKILL)
            killed = (addr, done)
        time.sleep(0.01)
    th.join(180)
    assert killed is not None, "the job ended before a worker could be killed"
    assert killed[1] < parts  # killed mid-job: partitions remained
    assert "error" not in box, box.get("error")
    assert _drop_groups(box["tots"]) == _drop_groups(claims["local"])
    got = read_results(out)
    ids = got.filter(pa.compute.equal(got.column("region"), "fushun")).column("claim_id").to_pylist()
    assert len(ids) == N and len(set(ids)) == N
    assert _rows(got) == _rows(claims["results"])
    assert not list((out / "results").glob(".*"))  # no temporary file of the killed worker left


def test_a_worker_lacking_a_region_fails_the_job_naming_it(client, claims, tmp_path):
    """The client has a region (registered in-process) that the workers' environment does not."""
    from test_batch_agreement import CappedRegion
    from jiuzhu.plugins import make_host
    from jiuzhu.rules.engine import Engine
    eng = Engine(host=make_host(extra=[CappedRegion()]), deployment=claims["engine"].deployment)
    assert "capped" in eng.host.regions
    with pytest.raises(InputError) as exc:
        run_distributed(eng, str(claims["one"]), ["fushun", "capped"], str(tmp_path / "out"), client=client,
                        progress=False, console=_quiet())
    msg = str(exc.value)
    assert "region capped" in msg and "worker" in msg and "\n" not in msg
    assert not (tmp_path / "out" / "results").exists()


def test_scheduler_specs_and_bad_ones():
    assert parse_scheduler("local") == ("local", None)
    assert parse_scheduler("processes") == ("processes", None)
    assert parse_scheduler("processes:2") == ("processes", 2)
    assert parse_scheduler("tcp://10.0.0.5:8786") == ("tcp", "tcp://10.0.0.5:8786")
    for bad in ("processes:0", "processes:two", "tcp://host", "yarn", "tcp://:8786"):
        with pytest.raises(InputError, match="--scheduler"):
            parse_scheduler(bad)


def test_cli_bad_scheduler_and_used_out_folder_exit_2(claims, tmp_path):
    from jiuzhu.cli import cli
    r = CliRunner().invoke(cli, ["compare", "--batch", str(claims["one"]), "--out", str(tmp_path / "o"),
                                 "--scheduler", "processes:x", "--no-progress"])
    assert r.exit_code == 2 and "--scheduler" in r.output and "Traceback" not in r.output
    used = tmp_path / "used"
    used.mkdir()
    (used / "old.parquet").write_bytes(b"")
    r = CliRunner().invoke(cli, ["compare", "--batch", str(claims["one"]), "--out", str(used),
                                 "--scheduler", "processes:2", "--no-progress"])
    assert r.exit_code == 2 and "empty folder" in r.output


def test_person_bucket_is_a_fixed_hash_of_the_id_number():
    """The hash reads the 17 digits (the check character follows from them), the same on every machine:
    pinned values, so that a change to it (which would move persons between partitions of an existing
    partitioned output) is noticed."""
    ids = pa.array(["11010119500101003X", "110101195001010038", "511622198807150015"])
    assert person_bucket(ids, 1_000_003).tolist() == [758244, 758244, 829727]
    cols = synth_claims(100_000, seed=1)
    counts = np.bincount(person_bucket(pa.array(cols["person.id_number"].astype(str)), 8), minlength=8)
    assert counts.min() > 0.95 * 100_000 / 8  # even partitions


def test_invalid_rows_are_numbered_across_files_and_nothing_is_computed(client, claims, tmp_path):
    from jiuzhu.analysis.claims import InvalidRows
    src = tmp_path / "in"
    src.mkdir()
    for p in sorted(claims["parts"].iterdir()):
        t = pq.read_table(p)
        if p.name == "p1.parquet":  # rows 701–1400 of the input; its 50th row is row 750
            amounts = t.column("bill.total_fen").to_pylist()
            amounts[49] = -5
            t = t.set_column(t.column_names.index("bill.total_fen"), "bill.total_fen", pa.array(amounts, pa.int64()))
        pq.write_table(t, src / p.name)
    out = tmp_path / "out"
    with pytest.raises(InvalidRows) as exc:
        run_distributed(claims["engine"], str(src), REGIONS, str(out), client=client, progress=False,
                        console=_quiet())
    assert str(exc.value).startswith("row 750 (claim S00000750): bill.total_fen")
    assert "1 of 2,000 rows invalid" in str(exc.value)
    assert not (out / "results").exists() and not (out / ".staging").exists()
    with open(out / "errors.csv", encoding="utf-8") as fh:
        assert fh.read().splitlines()[1].startswith("750,S00000750,bill.total_fen,")


def test_a_fund_of_two_layers_has_one_label_whatever_the_merge_order():
    """Guang'an's two tilted payments share the fund guangan_tilt: partitions holding one or the other
    layer (or both, in either order) must merge to the label the whole file gives."""
    from jiuzhu.analysis.claims import merge_totals
    base = {"claims": 1, "eligible": 1, "covered": 1, "refused": 0, "pay_first_claim": 0, "assistance": 5,
            "burden_total": 0, "groups": 1, "by_verdict": {"covered": 1}, "funds": {"guangan_tilt": 5}, "by_reason": {}}
    a = {**base, "fund_labels": {"guangan_tilt": ("倾斜支付（建档立卡…）", "tilted payment (registered poor)")}}
    b = {**base, "fund_labels": {"guangan_tilt": ("倾斜支付（大病保险…）", "tilted payment (+5 points)")}}
    assert merge_totals(a, b)["fund_labels"] == merge_totals(b, a)["fund_labels"] == \
        {"guangan_tilt": min(a["fund_labels"]["guangan_tilt"], b["fund_labels"]["guangan_tilt"])}
    assert merge_totals(a, b)["funds"] == {"guangan_tilt": 10}


def test_a_claim_a_region_cannot_evaluate_is_listed_as_on_one_machine(client, tmp_path):
    """Guang'an's critical-illness table dated from 2026-07-01 (a deployment's choice): the dibao claim of
    2026-03-01 (row 1) cannot get its +5 points and is listed for Guang'an, on a cluster as on one machine;
    with --skip-invalid the other two are computed: A2 (2026-08-01, B = 10,000 → 250.00) and B1 (2026-09-01,
    B = 20,000 → 750.00). Fushun computes all three."""
    from jiuzhu.analysis.batch import flatten, rows_to_columns
    from jiuzhu.analysis.claims import InvalidRows
    from jiuzhu.kit.testing import ILLUSTRATIVE_PARAMETERS, make_engine
    from test_batch_running_total import TABLE, B, claim
    params = {k: dict(v) for k, v in ILLUSTRATIVE_PARAMETERS.items()}
    params["guangan"]["critical_illness_segments"] = [{"from": "2026-07-01", "value": TABLE}]
    eng = make_engine({"compose_parents": False}, parameters=params)
    src = tmp_path / "c.parquet"
    cases = [claim("A1", "2026-03-01", 10000), claim("A2", "2026-08-01", 10000), claim("B1", "2026-09-01", 20000, B)]
    write_claims(rows_to_columns([flatten(c) for c in cases]), src)
    out = tmp_path / "out"
    with pytest.raises(InvalidRows, match=r"^row 1 \(claim A1\): episode.admitted"):
        run_distributed(eng, str(src), ["fushun", "guangan"], str(out), client=client, progress=False, console=_quiet())
    assert not (out / "results").exists()
    with open(out / "errors.csv", encoding="utf-8") as fh:
        assert fh.read().splitlines()[1].startswith("1,A1,episode.admitted,guangan: a date on or after 2026-07-01")
    run_distributed(eng, str(src), ["fushun", "guangan"], str(tmp_path / "out2"), client=client, progress=False,
                    console=_quiet(), skip_invalid=True)
    res = pq.read_table(tmp_path / "out2" / "results").to_pylist()
    ga = {r["claim_id"]: r["layer.critical_illness_tilt_fen"] for r in res if r["region"] == "guangan"}
    assert ga == {"A2": 25_000, "B1": 75_000}
    assert sorted(r["claim_id"] for r in res if r["region"] == "fushun") == ["A1", "A2", "B1"]


def test_a_claim_refused_in_one_partition_is_left_out_of_that_region_only(client, tmp_path):
    """A year-to-date amount of Guang'an's running total (claim b1 only) refuses that claim under Fushun
    (no such programme), as one case with the entry is refused: Fushun computes every other claim and
    lists b1, on a cluster as on one machine, spilled to person partitions or not (only B's partition
    meets the amount). Guang'an (TABLE: +5 % from 5,000; B yuan = in_scope − basic_paid):
    A: a3 Jan 15 B = 100 → 0 → 100: 0; a1 Feb 1 B = 5,000 → 100 → 5,100: 100 × 5 % = 5.00; a2 Feb 1 (after a1
       in the file) B = 0.10 → 5,100.10: 0.005 yuan = 0.5 fen → 1 fen (half up);
    B: 29,999.99 counted before; b1 Feb 1 B = 0.02 → 0.1 fen → 0; b2 Mar 1 B = 10 → 30,000.01 → 30,010.01: 0.50."""
    from jiuzhu.analysis.batch import flatten, rows_to_columns
    from jiuzhu.kit.testing import ILLUSTRATIVE_PARAMETERS, make_engine
    from test_batch_running_total import B, claim
    eng = make_engine({"compose_parents": False}, parameters={k: dict(v) for k, v in ILLUSTRATIVE_PARAMETERS.items()})
    cases = [claim("a1", "2026-02-01", "5000"), claim("a2", "2026-02-01", "0.10"), claim("a3", "2026-01-15", "100"),
             claim("b1", "2026-02-01", "0.02", B, ytd_fen=2_999_999), claim("b2", "2026-03-01", "10", B)]
    cases += [claim(f"p{i}", "2026-04-01", "1000", make("511622", dt.date(1950 + i, 1, 1), 11)) for i in range(8)]
    src = tmp_path / "c.parquet"
    write_claims(rows_to_columns([flatten(c) for c in cases]), src)
    expect = {"a1": 500, "a2": 1, "a3": 0, "b1": 0, "b2": 50, **{f"p{i}": 0 for i in range(8)}}
    runs = [("one", lambda out: run_batch(eng, str(src), ["fushun", "guangan"], str(out), progress=False,
                                          console=_quiet(), skip_invalid=True), lambda out: pq.read_table(out)),
            ("spilled", lambda out: run_batch(eng, str(src), ["fushun", "guangan"], str(out), progress=False,
                                              console=_quiet(), partition_rows=2, skip_invalid=True),
             lambda out: pq.read_table(out)),
            ("cluster", lambda out: run_distributed(eng, str(src), ["fushun", "guangan"], str(out), client=client,
                                                    parts=6, progress=False, console=_quiet(), skip_invalid=True),
             read_results)]
    for name, run, read in runs:
        out = tmp_path / f"{name}.parquet" if name != "cluster" else tmp_path / name
        tots = run(out)
        assert "error" not in tots[0] and tots[0]["invalid_claims"] == 1 and tots[0]["claims"] == len(cases) - 1, name
        rows = read(out).to_pylist()
        assert sorted(r["claim_id"] for r in rows if r["region"] == "fushun") == sorted(set(expect) - {"b1"}), name
        ga = [r for r in rows if r["region"] == "guangan"]
        assert {r["claim_id"]: r["layer.critical_illness_tilt_fen"] for r in ga} == expect, name


def test_the_cluster_results_carry_the_overrides_in_their_parquet_metadata(client, claims, tmp_path):
    """As one machine's results file: every part of a cluster's results records the --set overrides in its
    schema metadata (jiuzhu.overrides), and [] without any."""
    import json
    from jiuzhu.analysis.claims import OVERRIDES_KEY
    spec = "fushun.inpatient_rate=0.7"
    want = [{"set": spec, "region": "fushun", "parameter": "inpatient_rate", "from": None, "value": "0.7"}]
    for sets, expected in (((spec,), want), ((), [])):
        out = tmp_path / f"out{len(sets)}"
        run_distributed(claims["engine"], str(claims["one"]), REGIONS, str(out), client=client, parts=3,
                        progress=False, console=_quiet(), skip_invalid=True, overrides=sets)
        parts = sorted((out / "results").glob("part-*.parquet"))
        assert parts
        for p in parts:
            assert json.loads(pq.read_schema(p).metadata[OVERRIDES_KEY]) == expected
