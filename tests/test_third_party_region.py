"""A region from an ordinary package is discovered through the entry-point group, with no change to core."""

import json
import subprocess
import sys
import textwrap

import pytest

PLUGIN = '''
import datetime as dt
from jiuzhu import Eligibility, Layer, Plan, ReferralVerdict, RegionInfo, SourceDocument, hookimpl

INFO = RegionInfo(code="moumou", name_zh="某某县", name_en="Moumou County", division="990101",
                  documents=(SourceDocument("某政发〔2024〕1号", "某某县医疗救助办法",
                                            effective_from=dt.date(2024, 1, 1)),))

@hookimpl
def jiuzhu_region():
    return INFO

@hookimpl
def jiuzhu_parameters():
    return {"rate": {"unit": "rate", "values": [{"from": "2024-01-01", "value": "0.5", "article": "第三条",
                                                  "rule": "MM-PAY-1"}]}}

@hookimpl
def jiuzhu_eligibility(case, ctx):
    return Eligibility(True, case.person.categories, (ctx.reason("是", "yes", "第二条", "MM-ELIG-1"),))

@hookimpl
def jiuzhu_referral(case, ctx, eligibility):
    return ReferralVerdict("covered")

@hookimpl
def jiuzhu_reimbursement(case, ctx, eligibility, referral):
    return Plan((Layer("assistance", "医疗救助", "assistance", base="burden", rate=ctx.params["rate"],
                       cite=ctx.params.cite("rate")),))
'''


@pytest.fixture(scope="module")
def installed(tmp_path_factory):
    root = tmp_path_factory.mktemp("pkg")
    (root / "jiuzhu_moumou").mkdir()
    (root / "jiuzhu_moumou" / "__init__.py").write_text(PLUGIN, encoding="utf-8")
    (root / "pyproject.toml").write_text(textwrap.dedent('''
        [build-system]
        requires = ["setuptools>=64"]
        build-backend = "setuptools.build_meta"
        [project]
        name = "jiuzhu-moumou"
        version = "0.0.1"
        [project.entry-points."jiuzhu.regions"]
        moumou = "jiuzhu_moumou"
        [tool.setuptools]
        packages = ["jiuzhu_moumou"]
    '''), encoding="utf-8")
    pip = [sys.executable, "-m", "pip", "--disable-pip-version-check", "-q"]
    subprocess.run([*pip, "install", "--no-deps", "--no-build-isolation", str(root)], check=True)
    yield root
    subprocess.run([*pip, "uninstall", "-y", "jiuzhu-moumou"], check=True)


def jiuzhu(*args):
    return subprocess.run([sys.executable, "-m", "jiuzhu", *args], capture_output=True, text=True)


def test_listed(installed):
    res = jiuzhu("regions", "--format", "json")
    assert res.returncode == 0, res.stderr
    codes = {r["code"] for r in json.loads(res.stdout)}
    assert {"moumou", "wusheng", "liujiang", "guangan", "fushun", "jingjiang"} <= codes


def test_evaluated(installed, tmp_path):
    from jiuzhu.kit.testing import BASE, merge
    case = merge(BASE, {"person": {"hukou": "990101"}, "facility": {"location": "990101"},
                        "bill": {"total": "1000", "in_scope": "1000", "basic_paid": "600"}})
    f = tmp_path / "c.json"
    f.write_text(json.dumps(case, ensure_ascii=False), encoding="utf-8")
    res = jiuzhu("evaluate", str(f), "--region", "moumou", "--format", "json")
    assert res.returncode == 0, res.stderr
    out = json.loads(res.stdout)
    # 1000 − 600 basic = 400 left; 50% → 200 assistance, 200 burden
    layer = next(l for l in out["settlement"]["layers"] if l["id"] == "assistance")
    assert layer["amount"] == "200.00" and out["settlement"]["burden"] == "200.00"
    assert layer["cite"]["rule"] == "MM-PAY-1"
