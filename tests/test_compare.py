"""compare, sweep and synth: behaviour that does not depend on any region's specifics.

Two throwaway regions (one generous, one stingy, one needing a deployment parameter) are
registered on a private host, so these tests hold whatever the real regions encode.
"""

from __future__ import annotations

import csv
import datetime as dt
import json

import pyarrow.parquet as pq
import pytest
from click.testing import CliRunner

from jiuzhu import Eligibility, Layer, Plan, RegionInfo, ReferralVerdict, SourceDocument, hookimpl
from jiuzhu.analysis.compare import compare_case, render, rehome
from jiuzhu.io.config import parse_config
from jiuzhu.rules.engine import Engine
from jiuzhu.plugins import make_host
from jiuzhu.kit.testing import make_case


class Toy:
    def __init__(self, code, division, rate, needs_param=False):
        self.code, self.division, self.rate, self.needs = code, division, rate, needs_param

    @hookimpl
    def jiuzhu_region(self):
        return RegionInfo(self.code, f"{self.code}区", self.code.title(), self.division,
                          (SourceDocument(f"{self.code}-1", "t", effective_from=dt.date(2000, 1, 1)),))

    @hookimpl
    def jiuzhu_parameters(self):
        p = {"rate": {"unit": "rate", "label": "rate", "values": [{"from": "2000-01-01", "value": self.rate}]}}
        if self.needs:
            p["start"] = {"unit": "date", "label": "start", "required": True}
        return p

    @hookimpl
    def jiuzhu_eligibility(self, case, ctx):
        if self.needs:
            ctx.params["start"]
        ok = case.person.hukou.startswith(self.division[:6])
        return Eligibility(ok, (), (ctx.reason("户籍" + ("符合" if ok else "不符合"), "hukou", "第一条", "T-1"),))

    @hookimpl
    def jiuzhu_referral(self, case, ctx, eligibility):
        return ReferralVerdict("covered" if eligibility.eligible else "not_covered")

    @hookimpl
    def jiuzhu_reimbursement(self, case, ctx, eligibility, referral):
        return Plan((Layer("assist", "救助", "assistance", base="burden", rate=ctx.params["rate"],
                           cite=ctx.cite("第二条", "T-2")),))


def toy_engine(params=None):
    host = make_host(extra=[Toy("rich", "110101", "0.9"), Toy("poor", "220102", "0.3"),
                            Toy("needy", "330102", "0.5", needs_param=True)], load_entrypoints=False)
    return Engine(host=host, deployment=parse_config({"parameters": params or {}}))


CASE = {"bill": {"total": "10000", "in_scope": "10000", "basic_paid": "6000"}}


def test_rehome_keeps_suffix_and_scope():
    c = make_case({"person": {"hukou": "511622104000", "residence": "511622104000"},
                   "facility": {"location": "511622"}})
    r = rehome(c, "450206")
    assert r.person.hukou == "450206104000" and r.person.residence == "450206104000"
    assert r.facility.location == "450206"  # in-county stays in-county
    far = rehome(make_case({"facility": {"location": "510104"}}), "450206")
    assert far.facility.location == "510104"  # elsewhere stays elsewhere


def test_compare_rehomes_by_default_and_as_is_does_not():
    eng = toy_engine()
    case = make_case(CASE)
    cmp = compare_case(eng, case, ["rich", "poor"])
    cells = dict((k, c) for k, _, c in cmp.rows)
    assert [c.raw for c in cells["eligibility"]] == [True, True]
    assert [c.raw for c in cells["assistance"]] == [360000, 120000]  # 90 % and 30 % of 4,000 yuan
    assert [c.raw for c in cells["burden"]] == [40000, 280000]
    assert cmp.differs("assistance") and not cmp.differs("eligibility")
    as_is = compare_case(eng, case, ["rich", "poor"], as_is=True)
    assert [c.raw for c in dict((k, c) for k, _, c in as_is.rows)["eligibility"]] == [False, False]
    assert "re-homed" in render(cmp) and "as given" in render(as_is)


def test_missing_parameter_is_a_cell_not_an_abort():
    eng = toy_engine()
    cmp = compare_case(eng, make_case(CASE), ["rich", "needy"])
    assert cmp.columns[1].error and "parameters.needy.start" in cmp.columns[1].error
    text = render(cmp)
    assert "错误 error" in text and "[parameters.needy]" in text  # markup not swallowed
    ok = compare_case(toy_engine({"needy": {"start": dt.date(2020, 1, 1)}}), make_case(CASE), ["rich", "needy"])
    assert not ok.columns[1].error


@pytest.mark.parametrize("fmt", ["json", "csv", "markdown"])
def test_formats_mark_differences_and_explain(fmt):
    cmp = compare_case(toy_engine(), make_case(CASE), ["rich", "poor"])
    out = render(cmp, fmt, explain=True)
    if fmt == "json":
        rows = {r["key"]: r for r in json.loads(out)["rows"]}
        assert rows["assistance"]["differs"] is True and rows["total"]["differs"] is False
        assert "T-2" in rows["layer.assist"]["cells"]["rich"]["why"]
    elif fmt == "csv":
        rows = {r[0]: r for r in csv.reader(out.splitlines())}
        assert rows["assistance"][2] == "True" and rows["assistance"][3:5] == ["3,600.00", "1,200.00"]
    else:
        assert "**3,600.00**" in out and "T-2" in out


def _claims_file(tmp_path, n=300, fmt="parquet"):
    from jiuzhu.analysis.claims import write_claims
    from jiuzhu.analysis.synth import synth_claims
    p = tmp_path / f"claims.{fmt}"
    write_claims(synth_claims(n, seed=3), p)
    return p


@pytest.mark.parametrize("fmt", ["parquet", "csv", "jsonl"])
def test_batch_reads_each_format_and_totals_add_up(tmp_path, fmt):
    from jiuzhu.analysis.claims import run_batch
    from rich.console import Console
    eng = toy_engine()
    src = _claims_file(tmp_path, 300, fmt)
    out = tmp_path / "results.parquet"
    tots = run_batch(eng, str(src), ["rich", "poor", "needy"], str(out), progress=False,
                     console=Console(file=open(tmp_path / "log.txt", "w"), width=200))
    by = {t["region"]: t for t in tots}
    assert "error" in by["needy"]
    res = pq.read_table(out).to_pylist()
    assert len(res) == 600  # one row per claim and region that ran
    for code in ("rich", "poor"):
        mine = [r for r in res if r["region"] == code]
        assert by[code]["claims"] == 300 and by[code]["covered"] + by[code]["refused"] == 300
        assert by[code]["assistance"] == sum(r["assistance_fen"] for r in mine) == by[code]["funds"]["assist"]
        assert by[code]["burden_total"] == sum(r["burden_fen"] for r in mine)
        bs = sorted(r["burden_fen"] for r in mine)
        assert by[code]["burden_median"] == bs[149] and by[code]["burden_p90"] == bs[269]
    assert by["rich"]["assistance"] > by["poor"]["assistance"]


def test_bad_claims_file_is_one_line(tmp_path):
    from jiuzhu.cli import cli
    p = tmp_path / "c.csv"
    p.write_text("claim_id,bill.total_fen\nA,100\n", encoding="utf-8")
    res = CliRunner().invoke(cli, ["compare", "--batch", str(p), "--no-progress"])
    assert res.exit_code == 2, res.output
    assert "person.id_number" in res.output and "Traceback" not in res.output


def test_synth_is_valid_and_reproducible(tmp_path):
    from jiuzhu.analysis.batch import unflatten
    from jiuzhu.io.loader import structure_case
    from jiuzhu.analysis.synth import synth_claims
    a, b = synth_claims(2000, seed=7), synth_claims(2000, seed=7)
    assert (a["bill.total_fen"] == b["bill.total_fen"]).all()
    parts = a["bill.in_scope_fen"] + a["bill.first_self_paid_fen"] + a["bill.over_limit_fen"] + a["bill.fully_self_paid_fen"]
    assert (parts == a["bill.total_fen"]).all() and (a["bill.in_scope_fen"] >= 0).all()
    assert len(set(a["person.id_number"])) < 2000  # persons have several claims
    for i in range(0, 2000, 97):  # every row is a valid case (ID check digit, dates, bill)
        structure_case(unflatten({k: v[i] for k, v in a.items()}))


def test_sweep_writes_csv_and_chart(tmp_path):
    from jiuzhu.analysis.sweep import parse_vary, run_sweep
    field, values = parse_vary("bill.total=0:20000:5000")
    assert values == [0, 500000, 1000000, 1500000, 2000000]
    run_sweep(toy_engine(), make_case(CASE), field, values, ["rich", "poor", "needy"], tmp_path)
    rows = list(csv.DictReader(open(tmp_path / "sweep.csv", encoding="utf-8")))
    rich = [r for r in rows if r["region"] == "rich"]
    assert [r["bill.total"] for r in rich] == ["0.00", "5000.00", "10000.00", "15000.00", "20000.00"]
    # the bill scales with its shares: basic insurance pays 60 %, rich assists 90 % of the rest
    assert rich[2]["assistance"] == "3600.00" and rich[4]["burden"] == "800.00"
    assert any(r["region"] == "needy" and r["error"] for r in rows)
    png, svg = tmp_path / "sweep.png", tmp_path / "sweep.svg"
    assert png.stat().st_size > 10_000 and "rich" in svg.read_text(encoding="utf-8")


def test_vary_rejects_bad_spec():
    from jiuzhu.model.errors import InputError
    from jiuzhu.analysis.sweep import parse_vary
    with pytest.raises(InputError, match="--vary"):
        parse_vary("bill.total=0:10")
    with pytest.raises(InputError, match="person.name"):
        parse_vary("person.name=0:10:1")


def _sweep_figure_args():
    values = [i * 100_00 for i in range(17)]
    same = {"assistance": [v // 2 for v in values], "burden": [v // 2 for v in values]}
    series = {"a": same, "b": dict(same), "c": {"assistance": values, "burden": [0] * len(values)}}
    return "bill.total", values, series, {"a": "甲县", "b": "乙县", "c": "丙县"}, {}


def test_sweep_chart_labels_in_chinese_with_an_installed_cjk_font(tmp_path, recwarn):
    from jiuzhu.analysis.sweep import CJK_WANTED, chart, cjk_font
    assert cjk_font() in CJK_WANTED  # .ci/run installs fonts-noto-cjk
    png, svg = chart(*_sweep_figure_args(), tmp_path / "s")
    text = svg.read_text(encoding="utf-8")
    assert "个人负担" in text and "甲县" in text
    assert not [w for w in recwarn if "Glyph" in str(w.message) or "CJK" in str(w.message)]


def test_sweep_chart_without_cjk_font_says_once_what_to_install(tmp_path, monkeypatch):
    import warnings
    from jiuzhu.analysis import sweep
    monkeypatch.setattr(sweep, "cjk_font", lambda: None)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        png, svg = sweep.chart(*_sweep_figure_args(), tmp_path / "s")
    assert len(caught) == 1 and "fonts-noto-cjk" in str(caught[0].message)
    text = svg.read_text(encoding="utf-8")
    assert "personal burden" in text and "个人负担" not in text  # English only, no empty boxes


def test_sweep_chart_coinciding_regions_stay_distinguishable():
    from jiuzhu.analysis.sweep import figure
    fig = figure(*_sweep_figure_args())
    a, b = fig.axes[0].lines[:2]
    assert list(a.get_ydata()) == list(b.get_ydata())  # the same line twice …
    # … drawn with a different dash, marker and width, markers on different points
    assert a.get_linestyle() != b.get_linestyle() and a.get_marker() != b.get_marker()
    assert a.get_linewidth() != b.get_linewidth() and a.get_markevery() != b.get_markevery()
