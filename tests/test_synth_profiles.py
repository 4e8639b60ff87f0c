"""Synthetic populations shaped per region: the mix is data (each region's synth.toml), and the default
all-region draw gives every installed region a non-trivial covered share."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from click.testing import CliRunner

from jiuzhu.analysis.checks import normalise
from jiuzhu.analysis.claims import evaluate_partition
from jiuzhu.analysis.synth import draw, load_profile, region_profile, synth_claims
from jiuzhu.cli import cli
from jiuzhu.io.config import load_config
from jiuzhu.model.errors import InputError
from jiuzhu.rules.engine import Engine

ROOT = Path(__file__).resolve().parents[1]


def test_every_region_ships_a_profile_and_it_shapes_the_draw():
    eng = Engine()
    for code in sorted(eng.host.regions):
        prof = region_profile(eng.host.region(code))
        assert prof is not None, code
        cols = synth_claims(400, 1, 2026, prof)
        assert all(h.startswith(prof["county"]) for h in cols["person.hukou"])
        assert set(cols["person.categories"]) <= set(prof["categories"])
    ws = region_profile(eng.host.region("wusheng"))
    cols = synth_claims(2000, 1, 2026, ws)
    certified = np.mean(cols["person.certified_by"] == "武胜县民政局")
    assert 0.85 < certified < 0.95  # certified_share = 0.9 of persons, drawn
    inpatient = cols["episode.kind"] == "inpatient"
    approved = np.array(["township" in p for p in cols["episode.path"]])
    assert not approved[~inpatient].any() and 0.75 < approved[inpatient].mean() < 0.9  # 0.85 less emergencies


def test_default_draw_covers_every_region():
    eng = Engine(deployment=load_config(ROOT / "examples" / "jiuzhu.toml"))
    profiles = [region_profile(eng.host.region(c)) for c in sorted(eng.host.regions)]
    cols = draw(2000, 3, 2026, profiles)
    import pyarrow as pa
    table, ok, errors = normalise(pa.table({k: pa.array(list(v)) for k, v in cols.items()}), 0, sorted(eng.host.regions))
    assert not errors, errors[:2]
    _, tots, _ = evaluate_partition(eng, table, sorted(eng.host.regions))
    for code, t in tots.items():
        assert "error" not in t, t
        assert t["covered"] / t["claims"] > 0.05, (code, t["covered"])  # every region a non-trivial share


def test_profile_errors(tmp_path):
    f = tmp_path / "p.toml"
    for text, expected in (('colour = "red"\n', "profile colour: unknown key; valid:"),
                           ('[levels]\nmoon = 1\n', "profile levels.moon: expected one of city, county"),
                           ('[categories]\ndibao = -1\n', "profile categories: expected a table of name = share"),
                           ('rural_share = 1.5\n', "profile rural_share: expected a share between 0 and 1"),
                           ('county = 511622\n', "profile county: expected a 6-digit division code")):
        f.write_text(text, encoding="utf-8")
        with pytest.raises(InputError, match=expected):
            load_profile(f)


def test_cli_synth_region_and_profile(tmp_path):
    out = tmp_path / "c.csv"
    res = CliRunner().invoke(cli, ["synth", "--n", "50", "--region", "liujiang", "--out", str(out)])
    assert res.exit_code == 0, res.output
    assert "450206" in out.read_text(encoding="utf-8")
    f = tmp_path / "p.toml"
    f.write_text('county = "210402"\n[categories]\ndibao = 1\n', encoding="utf-8")
    res = CliRunner().invoke(cli, ["synth", "--n", "50", "--profile", str(f), "--out", str(out)])
    assert res.exit_code == 0 and "210402" in out.read_text(encoding="utf-8")
    res = CliRunner().invoke(cli, ["synth", "--n", "5", "--region", "atlantis", "--out", str(out)])
    assert res.exit_code == 2 and len(res.output.strip().splitlines()) == 1
