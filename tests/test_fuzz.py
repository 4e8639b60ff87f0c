"""A bounded fuzz test: mutated example cases, a claims file and the example deployment.

Whatever the mutation, jiuzhu answers with exit 0 (the input still made sense) or exit 2 and
one line on stderr naming a field; never a traceback, never an internal error, and never a
person's ID number (names and diagnoses only when the line is about that very field).

Bounded: ``JIUZHU_FUZZ_EXAMPLES`` inputs per target (default 40) and derandomised, so CI is
repeatable; ``JIUZHU_FUZZ_EXAMPLES=1000 JIUZHU_FUZZ_RANDOM=1 pytest tests/test_fuzz.py`` is a
fresh, larger run.
"""

import os
import re
from pathlib import Path

import pytest
from click.testing import CliRunner
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from jiuzhu.cli import cli

ROOT = Path(__file__).resolve().parents[1]
CASES = sorted((ROOT / "plugins").glob("*/examples/*.toml"))
DEPLOYMENT = ROOT / "examples" / "jiuzhu.toml"
N = int(os.environ.get("JIUZHU_FUZZ_EXAMPLES", "40"))
FUZZ = settings(max_examples=N, deadline=None, derandomize=not os.environ.get("JIUZHU_FUZZ_RANDOM"),
                suppress_health_check=list(HealthCheck), database=None)

# values that have broken parsers, spreadsheets and log lines elsewhere
HOSTILE = ['"=HYPERLINK(\\"http://x\\"&A1)"', '"+1"', '"@SUM(A1)"', '"a\\nb\\r错误 error: forged"', "5", "-1",
           "true", '"no"', "[]", "{}", '""', '"\\u0000"', '"' + "长" * 3000 + '"', "1e400", '"1e400"',
           '"40000000000000000000"', "9223372036854775808", "2026-13-40", "1900-01-01", '"../../etc/passwd"',
           '"{{ cycler.__init__.__globals__ }}"', "nan", "inf", '"0.001"', '"511622195604080131"', "[[[[[[]]]]]]"]


def _pii(text: str) -> dict[str, set[str]]:
    """The personal data of an input, by the field it belongs to."""
    out = {"id": set(re.findall(r"(?<!\d)\d{17}[\dXx](?!\d)", text)), "name": set()}
    for m in re.finditer(r'(?m)^\s*name\s*=\s*"([^"]{2,})"|name = "([^"]{2,})"', text):
        out["name"].add(m.group(1) or m.group(2))
    return out


@st.composite
def mutated(draw, text: str):
    lines = text.splitlines()
    for _ in range(draw(st.integers(1, 3))):
        kind = draw(st.sampled_from(["value", "value", "value", "drop", "dup", "truncate", "bytes", "key", "nest"]))
        if not lines:
            break
        i = draw(st.integers(0, len(lines) - 1))
        if kind == "value" and "=" in lines[i]:
            key = lines[i].split("=", 1)[0]
            lines[i] = f"{key}= {draw(st.sampled_from(HOSTILE))}"
        elif kind == "drop":
            del lines[i]
        elif kind == "dup":
            lines.insert(i, lines[i])
        elif kind == "truncate":
            lines[i] = lines[i][: draw(st.integers(0, len(lines[i])))]
        elif kind == "bytes":
            lines[i] = lines[i] + draw(st.text(max_size=8))
        elif kind == "key" and "=" in lines[i]:
            lines[i] = "unknown_" + lines[i].lstrip()
        elif kind == "nest":
            lines.append("deep = " + "[" * 200 + "]" * 200)
    out = "\n".join(lines) + "\n"
    enc = draw(st.sampled_from(["utf-8", "utf-8", "utf-8", "utf-8-sig", "gb18030"]))
    return out.encode(enc, errors="replace")


def check(res, pii: dict[str, set[str]]):
    err = res.stderr.strip()
    assert "Traceback" not in res.output and "Traceback" not in err, err
    assert res.exit_code in (0, 2), (res.exit_code, err)
    if res.exit_code == 2:
        assert len(err.splitlines()) == 1, err
        line = err.removeprefix("错误 error: ")
        assert ":" in line, err  # "field: expected … (got …)"
    for ident in pii["id"]:
        assert ident not in err, err
    field = err.removeprefix("错误 error: ").split(":", 1)[0]
    for name in pii["name"]:
        assert name not in err or "name" in field, err


def _run(args):
    return CliRunner().invoke(cli, [str(a) for a in args])


@pytest.fixture(scope="module")
def claims_file(tmp_path_factory):
    p = tmp_path_factory.mktemp("fuzz") / "claims.csv"
    assert _run(["synth", "--n", "8", "--out", p]).exit_code == 0
    return p


@FUZZ
@given(data=st.data())
def test_mutated_cases(tmp_path_factory, data):
    src = data.draw(st.sampled_from(CASES))
    text = src.read_text(encoding="utf-8")
    raw = data.draw(mutated(text))
    f = tmp_path_factory.mktemp("case") / src.name
    f.write_bytes(raw)
    fmt = data.draw(st.sampled_from(["text", "json"]))
    enc = data.draw(st.sampled_from(["utf-8", "gb18030"]))
    check(_run(["--config", DEPLOYMENT, "evaluate", f, "--format", fmt, "--encoding", enc]), _pii(text))


@FUZZ
@given(data=st.data())
def test_mutated_deployment(tmp_path_factory, data):
    raw = data.draw(mutated(DEPLOYMENT.read_text(encoding="utf-8")))
    cfg = tmp_path_factory.mktemp("cfg") / "jiuzhu.toml"
    cfg.write_bytes(raw)
    case = ROOT / "examples" / "wusheng-in-county.toml"
    check(_run(["--config", cfg, "evaluate", case]), _pii(case.read_text(encoding="utf-8")))


@FUZZ
@given(data=st.data())
def test_mutated_claims(tmp_path_factory, claims_file, data):
    text = claims_file.read_text(encoding="utf-8")
    lines = text.splitlines()
    for _ in range(data.draw(st.integers(1, 3))):
        i = data.draw(st.integers(0, len(lines) - 1))
        cells = lines[i].split(",")
        j = data.draw(st.integers(0, len(cells) - 1))
        kind = data.draw(st.sampled_from(["cell", "cell", "cell", "drop_cell", "extra_cell", "dup_header", "bytes"]))
        if kind == "cell":
            cells[j] = data.draw(st.sampled_from(["", "=1+1", "-5", "abc", "99999999999999999999", "[", '"{"',
                                                  "1.5", "2026-02-30", "X" * 300, "中文", "\t@x", "true"]))
        elif kind == "drop_cell":
            del cells[j]
        elif kind == "extra_cell":
            cells.append("extra")
        elif kind == "dup_header":
            lines[0] = lines[0] + "," + lines[0].split(",")[j]
        else:
            cells[j] += data.draw(st.text(max_size=4))
        lines[i] = ",".join(cells)
    f = tmp_path_factory.mktemp("claims") / "c.csv"
    f.write_bytes(("\n".join(lines) + "\n").encode(data.draw(st.sampled_from(["utf-8", "gb18030"])), errors="replace"))
    out = f.with_name("r.csv")
    check(_run(["--config", DEPLOYMENT, "compare", "--batch", f, "--regions", "fushun,wusheng", "--no-progress",
                "--format", "json", "--out", out]), _pii(text))
