"""A broken region plugin is listed with why, and every other region keeps working.

The plugins here are installed the way pip would leave them (a ``*.dist-info`` folder with the
entry points beside the modules) in a folder put on ``PYTHONPATH`` of a subprocess, so nothing is
installed into the environment the rest of the suite runs in.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from jiuzhu.rules import boundary

ROOT = Path(__file__).resolve().parents[1]
EXAMPLE = ROOT / "examples" / "wusheng-in-county.toml"
BUILT_IN = {"wusheng", "liujiang", "guangan", "fushun", "jingjiang"}

GOOD = '''
import datetime as dt
from jiuzhu import Eligibility, Plan, ReferralVerdict, RegionInfo, SourceDocument, hookimpl

INFO = RegionInfo(code="{code}", name_zh="某某县", name_en="Moumou County", division="510999", parent={parent!r},
                  documents=(SourceDocument("某府办发〔2024〕12号", "某某县医疗救助办法", effective_from=dt.date(2018, 1, 1)),))

@hookimpl
def jiuzhu_region():
    return INFO

@hookimpl
def jiuzhu_parameters():
    return {{}}

@hookimpl
def jiuzhu_eligibility(case, ctx):
    return Eligibility(True, (), (ctx.reason("是", "yes", "第二条", "MO-ELIG-1"),))

@hookimpl
def jiuzhu_referral(case, ctx, eligibility):
    return ReferralVerdict("covered", (ctx.reason("是", "yes", "第三条", "MO-REF-1"),))

@hookimpl
def jiuzhu_reimbursement(case, ctx, eligibility, referral):
    return Plan()
'''

MODULES = {
    # import error
    "jiuzhu_noimport": "import jiuzhu_no_such_module  # noqa\n",
    # jiuzhu_region() raises
    "jiuzhu_raising": "from jiuzhu import hookimpl\n\n@hookimpl\ndef jiuzhu_region():\n    raise RuntimeError('no info yet')\n",
    # jiuzhu_region() answers the wrong type
    "jiuzhu_junk": "from jiuzhu import hookimpl\n\n@hookimpl\ndef jiuzhu_region():\n    return {'code': 'junk'}\n",
    # a misspelt hook name: pluggy's check_pending would refuse the whole host
    "jiuzhu_misspelt": GOOD.format(code="misspelt", parent=None)
    + "\n@hookimpl\ndef jiuzhu_eligibilty(case, ctx):\n    return None\n",
    # a policy hook raises during evaluation
    "jiuzhu_faulty": GOOD.format(code="faulty", parent=None).replace(
        'return Eligibility(True', 'raise ValueError("boom")\n    return Eligibility(True'),
    # a policy hook answers with a wrong field
    "jiuzhu_wrongtype": GOOD.format(code="wrongtype", parent=None).replace('ReferralVerdict("covered"',
                                                                           'ReferralVerdict("ok"'),
    # a parent that is not installed
    "jiuzhu_orphan": GOOD.format(code="orphan", parent="nowhere"),
    # a command extension that raises
    "jiuzhu_badext": "from jiuzhu import hookimpl\n\n@hookimpl\ndef jiuzhu_register_commands(cli):\n"
                     "    raise KeyError('cli')\n",
    # another distribution's region with a built-in code
    "jiuzhu_impostor": GOOD.format(code="wusheng", parent=None),
}


def dist(site: Path, name: str, regions: dict[str, str], extensions: dict[str, str] | None = None):
    info = site / f"{name.replace('-', '_')}-0.1.dist-info"
    info.mkdir(parents=True)
    (info / "METADATA").write_text(f"Metadata-Version: 2.1\nName: {name}\nVersion: 0.1\n", encoding="utf-8")
    eps = "[jiuzhu.regions]\n" + "".join(f"{k} = {v}\n" for k, v in regions.items())
    if extensions:
        eps += "[jiuzhu.plugins]\n" + "".join(f"{k} = {v}\n" for k, v in extensions.items())
    (info / "entry_points.txt").write_text(eps, encoding="utf-8")
    for mod in [*regions.values(), *(extensions or {}).values()]:
        (site / f"{mod}.py").write_text(textwrap.dedent(MODULES[mod]), encoding="utf-8")


@pytest.fixture(scope="module")
def broken(tmp_path_factory):
    site = tmp_path_factory.mktemp("broken-site")
    dist(site, "jiuzhu-broken", {m[7:]: m for m in MODULES if m not in ("jiuzhu_badext", "jiuzhu_impostor")},
         {"badext": "jiuzhu_badext"})
    return site


@pytest.fixture(scope="module")
def impostor(tmp_path_factory):
    site = tmp_path_factory.mktemp("impostor-site")
    dist(site, "jiuzhu-impostor", {"wusheng": "jiuzhu_impostor"})
    return site


def jiuzhu(site: Path, *args, block: str = "", cwd: Path = ROOT / "examples"):
    env = {k: v for k, v in os.environ.items() if not k.startswith(("JIUZHU_", "PYTEST_"))}
    env["PYTHONPATH"] = str(site)
    if block:
        env["JIUZHU_BLOCK_PLUGINS"] = block
    return subprocess.run([sys.executable, "-m", "jiuzhu", *args], capture_output=True, text=True, env=env, cwd=cwd)


def test_regions_lists_the_broken_with_why_and_the_built_in_ones_working(broken):
    res = jiuzhu(broken, "regions", "--format", "json")
    assert res.returncode == 0, res.stderr
    rows = {r["code"]: r for r in json.loads(res.stdout)}
    assert {c for c in BUILT_IN if rows[c]["status"] == "ok"} == BUILT_IN
    assert rows["noimport"]["status"] == "broken"
    assert "failed to import: ModuleNotFoundError: No module named 'jiuzhu_no_such_module'" in rows["noimport"]["error"]
    assert "jiuzhu_region raised RuntimeError: no info yet" in rows["raising"]["error"]
    assert "jiuzhu_region() returned dict, expected RegionInfo" in rows["junk"]["error"]
    assert "implements jiuzhu_eligibilty, which no hook specification defines" in rows["misspelt"]["error"]
    assert rows["orphan"]["status"] == "error" and "parent region 'nowhere' is not installed" in rows["orphan"]["error"]
    assert rows["faulty"]["status"] == "ok"  # it fails only when evaluated
    for r in rows.values():
        assert "\n" not in (r["error"] or "")
    # the broken command extension is reported on every command, not swallowed
    assert "警告 warning: extension 'badext': jiuzhu_register_commands raised KeyError: 'cli'" in res.stderr
    text = jiuzhu(broken, "regions")
    assert text.returncode == 0 and "损坏 broken" in text.stdout and "正常 ok" in text.stdout


def test_the_built_in_regions_still_evaluate(broken):
    res = jiuzhu(broken, "evaluate", str(EXAMPLE), "--format", "json")
    assert res.returncode == 0, res.stderr
    assert json.loads(res.stdout)["region"] == "wusheng"


def test_a_broken_region_asked_for_is_one_line(broken):
    res = jiuzhu(broken, "evaluate", str(EXAMPLE), "--region", "noimport")
    assert res.returncode == 2 and res.stderr.count("\n") <= 2, res.stderr
    assert "错误 error: region noimport: region plugin 'noimport' (jiuzhu-broken) failed to import" in res.stderr


def test_a_hook_raising_names_the_region_and_hook(broken):
    res = jiuzhu(broken, "evaluate", str(EXAMPLE), "--region", "faulty")
    assert res.returncode == 1
    assert "错误 error: region faulty: jiuzhu_eligibility raised ValueError: boom" in res.stderr
    assert "Traceback" not in res.stderr


def test_a_wrong_answer_names_region_hook_and_field(broken):
    res = jiuzhu(broken, "evaluate", str(EXAMPLE), "--region", "wrongtype")
    assert res.returncode == 1
    assert ("region wrongtype: jiuzhu_referral returned ReferralVerdict with field kind: expected one of covered, "
            "pay_first_claim") in res.stderr and "got 'ok'" in res.stderr


def test_a_missing_parent_is_one_line_naming_it(broken):
    res = jiuzhu(broken, "evaluate", str(EXAMPLE), "--region", "orphan")
    assert res.returncode == 2
    assert "region orphan: parent region 'nowhere' is not installed" in res.stderr


def test_compare_shows_the_error_in_the_broken_column_and_completes_the_others(broken):
    res = jiuzhu(broken, "compare", str(EXAMPLE), "--format", "json")
    assert res.returncode == 1, res.stderr
    out = json.loads(res.stdout)
    errors = {r["code"]: r["error"] for r in out["regions"]}
    assert BUILT_IN | {"faulty", "noimport", "junk", "misspelt", "wrongtype", "orphan", "raising"} == set(errors)
    assert all(errors[c] is None for c in BUILT_IN)
    assert "jiuzhu_eligibility raised ValueError: boom" in errors["faulty"]
    burden = next(r for r in out["rows"] if r["key"] == "burden")["cells"]
    assert all(burden[c] != "—" and "error" not in burden[c] for c in BUILT_IN)
    text = jiuzhu(broken, "compare", str(EXAMPLE), "--regions", "wusheng,faulty")
    assert text.returncode == 1 and "¹ 某某县 Moumou County: region faulty: jiuzhu_eligibility raised ValueError: boom" in text.stdout


def test_compare_batch_completes_the_others(broken, tmp_path):
    claims = tmp_path / "claims.csv"
    res = jiuzhu(broken, "synth", "--n", "20", "--out", str(claims))
    assert res.returncode == 0, res.stderr
    res = jiuzhu(broken, "compare", "--batch", str(claims), "--regions", "guangan,faulty", "--format", "json",
                 "--no-progress")
    assert res.returncode == 1, res.stderr
    tots = {t["region"]: t for t in json.loads(res.stdout)}
    assert tots["guangan"]["claims"] == 20 and "error" not in tots["guangan"]
    assert "jiuzhu_eligibility raised ValueError: boom" in tots["faulty"]["error"]


def test_two_distributions_declaring_one_code(impostor):
    res = jiuzhu(impostor, "evaluate", str(EXAMPLE), "--region", "wusheng")
    assert res.returncode == 2
    line = res.stderr.strip()
    assert "\n" not in line
    assert "region wusheng is declared by two distributions: jiuzhu (entry point wusheng) and jiuzhu-impostor " \
           "(entry point wusheng)" in line
    assert "JIUZHU_BLOCK_PLUGINS=jiuzhu:wusheng or JIUZHU_BLOCK_PLUGINS=jiuzhu-impostor:wusheng" in line
    rows = {r["code"]: r for r in json.loads(jiuzhu(impostor, "regions", "--format", "json").stdout)}
    assert rows["wusheng"]["status"] == "broken" and rows["guangan"]["status"] == "ok"


@pytest.mark.parametrize("block, name", [("jiuzhu-impostor:wusheng", "武胜县"), ("jiuzhu-impostor", "武胜县"),
                                         ("jiuzhu:wusheng", "某某县")])
def test_choosing_one_of_two_with_the_block_list(impostor, block, name, tmp_path):
    # no deployment here: the example one sets Wusheng's parameters, which the impostor does not have
    res = jiuzhu(impostor, "regions", "--format", "json", block=block, cwd=tmp_path)
    assert res.returncode == 0, res.stderr
    rows = {r["code"]: r for r in json.loads(res.stdout)}
    assert rows["wusheng"]["status"] == "ok" and rows["wusheng"]["name_zh"] == name
    assert rows["guangan"]["status"] == "ok"


def test_new_region_refuses_a_parent_not_installed(tmp_path):
    res = subprocess.run([sys.executable, "-m", "jiuzhu", "new-region", "moumou", "--name-zh", "某某县", "--name-en",
                          "Moumou County", "--division", "510999", "--parent", "nowhere", "--out", str(tmp_path)],
                         capture_output=True, text=True)
    assert res.returncode == 2 and "unknown region 'nowhere'" in res.stderr
    assert not (tmp_path / "jiuzhu-moumou").exists()


# -- the boundary checks, one hook at a time ---------------------------------------------------


def test_boundary_names_the_field():
    from jiuzhu.model.outcome import Deadline, DocumentNeed, Eligibility, ReferralVerdict, SignaturePlan
    from jiuzhu.rules.settle import Layer, Plan
    assert boundary.problems("jiuzhu_eligibility", Eligibility("yes")) == \
        ["field eligible: expected True or False, got 'yes'"]
    assert boundary.problems("jiuzhu_eligibility", Eligibility(True, (), ("a reason",))) == \
        ["field reasons[0]: expected Reason (ctx.reason(zh, en, article, rule)), got str"]
    assert boundary.problems("jiuzhu_referral", ReferralVerdict("covered", (), (Deadline("申请", "apply", due="2024-08-20"),))) \
        == ["field deadlines[0].due: expected a date, a date-time, UnknownDue or None, got str"]
    assert boundary.problems("jiuzhu_signature", SignaturePlan("mayor")) == \
        ["field signer_role: expected one of " + ", ".join(__import__("jiuzhu.model.case").model.case.ROLES) + ", got 'mayor'"]
    assert boundary.problems("jiuzhu_reimbursement", Plan((Layer("x", "x", "x", annual_cap="10000"),))) == \
        ["field layers[0] (x).annual_cap: expected integer fen or None, got '10000'"]
    assert boundary.problems("jiuzhu_reimbursement", [Layer("x", "x", "x")]) == ["expected Plan or None, got list"]
    assert boundary.problems("jiuzhu_documents", [DocumentNeed("application", "表", data=[1])]) == \
        ["field [0].data: expected a table (dict), got list"]
    assert boundary.problems("jiuzhu_documents", ["application"]) == ["item [0]: expected DocumentNeed, got str"]
    assert boundary.problems("jiuzhu_eligibility", Eligibility(True)) == []
