"""The documented schemas (docs/*.schema.json) describe what jiuzhu reads and writes."""

import datetime as dt
import json
from pathlib import Path

import jsonschema
import pytest
from click.testing import CliRunner

from jiuzhu.cli import cli
from jiuzhu.model.tomlio import load_toml

ROOT = Path(__file__).resolve().parents[1]
EXAMPLES = sorted(ROOT.glob("examples/*.toml")) + sorted(ROOT.glob("plugins/*/examples/*.toml"))
EXAMPLES = [p for p in EXAMPLES if p.name != "jiuzhu.toml"]


def _jsonable(v):
    if isinstance(v, dict):
        return {k: _jsonable(x) for k, x in v.items()}
    if isinstance(v, list):
        return [_jsonable(x) for x in v]
    if isinstance(v, (dt.date, dt.datetime)):
        return v.isoformat()
    return v


def schema(name):
    s = json.loads((ROOT / "docs" / name).read_text(encoding="utf-8"))
    jsonschema.Draft202012Validator.check_schema(s)
    return s


@pytest.mark.parametrize("path", EXAMPLES, ids=lambda p: f"{p.parent.parent.name}/{p.name}")
def test_example_cases_match_case_schema(path):
    jsonschema.validate(_jsonable(load_toml(path)), schema("case.schema.json"))


def test_outcome_matches_outcome_schema():
    res = CliRunner().invoke(cli, ["--config", str(ROOT / "examples" / "jiuzhu.toml"), "evaluate",
                                   str(ROOT / "examples" / "wusheng-in-county.toml"), "--format", "json"])
    assert res.exit_code == 0, res.output
    jsonschema.validate(json.loads(res.output), schema("outcome.schema.json"))
