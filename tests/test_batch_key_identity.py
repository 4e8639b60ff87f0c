"""A deployment that lists persons by ID number in a parameter (Jingjiang's 救助对象库,
``catalogue_recipients``, 第六条 JJ-ELIG-13: 「列入医疗救助对象」) makes the ID number a fact: two claims
alike in every other fact, one of a listed person and one of an unlisted one, are two decisions.

JJ-EX-001 (a dibao member at a town health centre, 2019): listed, the insurer's layer pays 80 % of the
burden left after the slip's one-stop assistance less the fully self-paid part,
(10,000 − 6,000 − 500 − 1,000 − 800) × 80 % = 1,360.00 yuan; unlisted, not eligible, 0."""

from __future__ import annotations

from pathlib import Path

import attrs
import pyarrow.parquet as pq
from click.testing import CliRunner

from jiuzhu.analysis import claims as C
from jiuzhu.analysis.batch import flatten, rows_to_columns
from jiuzhu.cli import cli
from jiuzhu.io.loader import load_case

ROOT = Path(__file__).resolve().parent.parent
CASE = ROOT / "plugins" / "jingjiang" / "examples" / "primary-residents-dibao.toml"
LISTED, OTHER = "32128219680702052X", "321282197001010220"  # both women, both adults


def _claims(tmp_path):
    a = load_case(CASE)
    b = attrs.evolve(a, id="JJ-2", person=attrs.evolve(a.person, id_number=OTHER))
    src = tmp_path / "claims.parquet"
    C.write_claims(rows_to_columns([flatten(a), flatten(b)]), src)
    return src


def _run(tmp_path, registry: str):
    out = tmp_path / "r.parquet"
    res = CliRunner().invoke(cli, ["compare", "--batch", str(_claims(tmp_path)), "--regions", "jingjiang",
                                   "--out", str(out), "--no-progress", "--workers", "1",
                                   "--set", f"jingjiang.catalogue_recipients={registry}"])
    assert res.exit_code == 0, res.output
    return pq.read_table(out).to_pydict()


def test_a_registry_of_id_numbers_tells_listed_from_unlisted(tmp_path):
    t = _run(tmp_path, f'["{LISTED}"]')
    assert t["eligible"] == [True, False]
    assert t["assistance_fen"] == [136_000, 0]


def test_the_registry_lists_a_check_character_x_as_x(tmp_path):
    # 「…052x」 in the registry is the person of 「…052X」 (idcard.canonical)
    t = _run(tmp_path, f'["{LISTED[:-1]}x"]')
    assert t["eligible"] == [True, False]
    assert t["assistance_fen"] == [136_000, 0]


def test_a_registry_entry_that_is_no_id_number_is_one_line_without_its_value(tmp_path):
    bad = LISTED[:-1] + "7"  # the check character of 32128219680702052 is X
    res = CliRunner().invoke(cli, ["compare", "--batch", str(_claims(tmp_path)), "--regions", "jingjiang",
                                   "--out", str(tmp_path / "r.parquet"), "--no-progress", "--workers", "1",
                                   "--set", f'jingjiang.catalogue_recipients=["{LISTED}", "{bad}"]'])
    assert res.exit_code == 2, res.output
    assert "catalogue_recipients" in res.output and "[1]" in res.output and "resident ID number" in res.output
    assert bad not in res.output and not (tmp_path / "r.parquet").exists()
