"""Hostile inputs found by probing beyond the first security suite: templates that allocate
gigabytes in one C call, full disks under openpyxl, GB18030 through ``settle``, control
characters in case text."""

import time
from pathlib import Path

import pytest
from docx import Document
from openpyxl import Workbook

from jiuzhu.kit.testing import ILLUSTRATIVE_PARAMETERS, make_engine
from jiuzhu.paperwork.forms import TemplateError, render_docx, render_xlsx, standard_context

ROOT = Path(__file__).resolve().parents[1]
EXAMPLE = ROOT / "plugins/wusheng/examples/ws-01-in-county-township.toml"

# Each payload passes the "x" * n and ** checks but would build a string (or integer) of
# gigabytes in one call, which no render-time bound can interrupt. 3e9 characters = 3 GB.
BIG = [
    "{{ 'a'|center(3000000000) }}",
    "{{ 'a'.center(3000000000) }}",
    "{{ 'a'.ljust(3000000000) }}",
    "{{ 'a'.zfill(3000000000) }}",
    "{{ 'x'|indent(3000000000) }}",
    "{{ ('x' * 100000)|replace('x', 'x' * 100000) }}",        # 10^5 × 10^5 = 10^10 characters
    "{{ ('x' * 100000).replace('x', 'x' * 100000) }}",
    "{{ ('x' * 100000)|join('y' * 100000) }}",                # 10^5 separators of 10^5 characters
    "{{ ('y' * 100000).join('x' * 100000) }}",
    "{{ '{:>3000000000}'.format(1) }}",
    "{{ '{0:{1}}'.format(1, 3000000000) }}",
    "{{ '%3000000000d'|format(1) }}",
    "{{ '%3000000000d' % 1 }}",
    "{{ '%*d' % (3000000000, 1) }}",
    "{% set x = 10**64 %}{% set x = x*x %}{% set x = x*x %}{% set x = x*x %}{% set x = x*x %}{% set x = x*x %}"
    "{% set x = x*x %}{% set x = x*x %}{% set x = x*x %}{% set x = x*x %}{% set x = x*x %}{% set x = x*x %}"
    "{% set x = x*x %}{% set x = x*x %}{% set x = x*x %}{% set x = x*x %}{% set x = x*x %}{% set x = x*x %}"
    "{% set x = x*x %}{% set x = x*x %}{% set x = x*x %}{% set x = x*x %}{% set x = x*x %}{{ x > 1 }}",
    "{{ (((9 ** 64) ** 64) ** 64) ** 64 }}",
    # 10^5 references to one 10^5-character string: printed, 10^10 characters
    "{{ ['x' * 100000] * 100000 }}",
    # a loop of 10^5 passes each printing 10^5 characters: cheap per pass, 10^10 characters joined
    "{% for i in 'x' * 100000 %}{{ 'y' * 100000 }}{% endfor %}",
]


@pytest.fixture(scope="module")
def ctx():
    from jiuzhu.io.loader import load_case
    case = load_case(EXAMPLE)
    return standard_context(case, make_engine(parameters=ILLUSTRATIVE_PARAMETERS).evaluate(case, "wusheng"))


@pytest.mark.parametrize("payload", BIG)
def test_template_cannot_allocate_gigabytes(ctx, tmp_path, payload):
    d = Document()
    d.add_paragraph(payload)
    d.save(tmp_path / "big.docx")
    t0 = time.monotonic()
    with pytest.raises(TemplateError, match=r"^template big\.docx: not allowed in a template: ") as e:
        render_docx(tmp_path / "big.docx", ctx, tmp_path / "o.docx")
    assert "\n" not in str(e.value)
    assert time.monotonic() - t0 < 5  # refused before the allocation, not after a timeout
    assert not (tmp_path / "o.docx").exists()


@pytest.mark.parametrize("payload", BIG[:3] + BIG[5:6] + BIG[11:12])
def test_excel_template_cannot_allocate_gigabytes(tmp_path, payload):
    wb = Workbook()
    wb.active["A1"] = payload
    wb.save(tmp_path / "big.xlsx")
    with pytest.raises(TemplateError, match=r"^template big\.xlsx: not allowed in a template: "):
        render_xlsx(tmp_path / "big.xlsx", {"sheet": {}}, [], tmp_path / "o.xlsx")


@pytest.mark.parametrize("payload, text", [
    ("{{ 'ab'|center(6) }}", "  ab  "),
    ("{{ 'a-b'|replace('-', '——') }}", "a——b"),
    ("{{ ['x', 'y']|join('、') }}", "x、y"),
    ("{{ '{:>5}'.format(7) }}", "    7"),
    ("{{ '%05d'|format(42) }}", "00042"),
    ("{{ '%.2f' % 1.5 }}", "1.50"),
    ("{{ 10 ** 12 }}", "1000000000000"),
    ("{{ bill.total.fen * 3 }}", "1800000"),  # the example's bill: 6000.00 yuan = 600000 fen, × 3
    ("{{ 'x'|indent(4, first=True) }}", "    x"),
    # amounts in fen above the size bound are still ordinary numbers to format
    ("{{ '%d' % bill.total.fen }}", "600000"),
    ("{{ '%d'|format(bill.total.fen) }}", "600000"),
    ("{{ '{}'.format(bill.total.fen) }}", "600000"),
    ("{{ '{:,}'.format(10 ** 12) }}", "1,000,000,000,000"),
    ("{{ 'abc'|truncate(1000000, leeway=0) }}", "abc"),
])
def test_ordinary_template_expressions_still_work(ctx, tmp_path, payload, text):
    d = Document()
    d.add_paragraph(payload)
    d.save(tmp_path / "ok.docx")
    render_docx(tmp_path / "ok.docx", ctx, tmp_path / "o.docx")
    assert Document(tmp_path / "o.docx").paragraphs[0].text == text


def _capped_run(args, cwd, fsize=3_000):
    """``jiuzhu ARGS`` in a process whose files cannot grow past ``fsize`` bytes: a real write
    error (EFBIG) deep inside the zip writer of openpyxl/python-docx, like a full disk."""
    import resource
    import signal
    import subprocess
    import sys

    def cap():
        signal.signal(signal.SIGXFSZ, signal.SIG_IGN)  # then write() fails with EFBIG instead
        resource.setrlimit(resource.RLIMIT_FSIZE, (fsize, fsize))
    return subprocess.run([sys.executable, "-c", "from jiuzhu.cli import main; main()", *map(str, args)],
                          cwd=cwd, capture_output=True, text=True, preexec_fn=cap, timeout=300,
                          env={**__import__("os").environ, "JIUZHU_CONFIG": str(ROOT / "examples/jiuzhu.toml")})


@pytest.mark.parametrize("cmd", [
    ["ledger", EXAMPLE, "--region", "wusheng", "--month", "2026-03", "--out", "out/l.xlsx"],
    ["forms", EXAMPLE, "--out", "out", "--form", "attachment_3"],  # an Excel form
    ["forms", EXAMPLE, "--out", "out", "--form", "attachment_1"],  # a Word form
])
def test_write_error_inside_the_zip_writer_is_one_line(tmp_path, cmd):
    res = _capped_run(cmd, tmp_path)
    assert res.returncode == 2, res.stderr
    err = [l for l in res.stderr.splitlines() if not l.startswith("说明 note")]
    assert len(err) == 1 and "Traceback" not in res.stderr and "Exception ignored" not in res.stderr, res.stderr
    assert "cannot write (file too large)" in err[0], err
    assert not [p for p in (tmp_path / "out").rglob("*") if p.is_file()]


def test_settle_reads_gb18030_with_the_option(tmp_path):
    # The error for GB18030 bytes tells the user to try --encoding gb18030; settle must take it.
    from click.testing import CliRunner
    from jiuzhu.cli import cli
    gb = tmp_path / "gb.toml"
    gb.write_bytes(EXAMPLE.read_text(encoding="utf-8").encode("gb18030"))
    cfg = str(ROOT / "examples/jiuzhu.toml")
    r = CliRunner()
    for db in "abc":
        assert r.invoke(cli, ["--config", cfg, "db", "upgrade", "--db", f"sqlite:///{tmp_path}/{db}.db"]).exit_code == 0
    bad = r.invoke(cli, ["--config", cfg, "settle", str(gb), "--db", f"sqlite:///{tmp_path}/a.db"])
    assert bad.exit_code == 2 and "--encoding gb18030" in bad.stderr
    got = r.invoke(cli, ["--config", cfg, "settle", str(gb), "--db", f"sqlite:///{tmp_path}/b.db",
                         "--encoding", "gb18030", "--format", "json"])
    ref = r.invoke(cli, ["--config", cfg, "settle", str(EXAMPLE), "--db", f"sqlite:///{tmp_path}/c.db",
                         "--format", "json"])
    assert got.exit_code == 0 and ref.exit_code == 0, got.stderr
    import json
    a, b = json.loads(got.stdout), json.loads(ref.stdout)
    assert (a["assistance_fen"], a["paid_fen"]) == (b["assistance_fen"], b["paid_fen"])  # same case, other bytes
    assert a["id_number"] == "511622********0131"


@pytest.mark.parametrize("fmt, field, raw", [
    ("toml", "person.name", 'name = "张德福\\u0000"'),                     # NUL: Excel and Word cannot hold it
    ("toml", "person.caregiver.name", 'caregiver = { name = "张秀兰\\u001b[2J", relation = "妹妹" }'),
    ("json", "facility.name", None),                                         # a lone surrogate, only JSON can carry it
])
def test_control_characters_in_case_text_are_a_field_error(tmp_path, fmt, field, raw):
    # Before: evaluate accepted the name; forms then failed at the third form with "template
    # attachment_3.xlsx: cannot be rendered (IllegalCharacterError)", two forms already written.
    import json
    import tomllib
    from click.testing import CliRunner
    from jiuzhu.cli import cli
    text = EXAMPLE.read_text(encoding="utf-8")
    if fmt == "toml":
        key = raw.split(" = ")[0]
        lines = [raw if l.startswith(key + " = ") else l for l in text.splitlines()]
        case = tmp_path / "c.toml"
        case.write_text("\n".join(lines) + "\n", encoding="utf-8")
    else:
        data = tomllib.loads(text)
        case = tmp_path / "c.json"
        case.write_text(json.dumps(data, default=str, ensure_ascii=False).replace("武胜县中心镇卫生院", "武胜县\\ud800卫生院", 1),
                        encoding="utf-8")
    cfg = str(ROOT / "examples/jiuzhu.toml")
    for cmd in (["evaluate", str(case)], ["forms", str(case), "--out", str(tmp_path / "out")]):
        res = CliRunner().invoke(cli, ["--config", cfg, *cmd])
        assert res.exit_code == 2, (cmd, res.output)
        err = res.stderr.strip()
        assert len(err.splitlines()) == 1 and err.startswith(f"错误 error: {field}: ") and "control" in err, err
        assert "511622195604080131" not in err
    assert not (tmp_path / "out").exists() or not any((tmp_path / "out").iterdir())
