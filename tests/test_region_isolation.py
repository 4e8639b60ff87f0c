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


# -- what a careless region can still get wrong -------------------------------------------------


def test_plan_values_out_of_range_are_refused_at_the_boundary():
    # A negative rate paid −5 250.00 yuan and an unknown base column paid 0.00, both silently.
    from fractions import Fraction
    from jiuzhu.rules.settle import Layer, Plan
    p = lambda **kw: boundary.problems("jiuzhu_reimbursement", Plan((Layer("ma", "救助", "ma", base="in_scope", **kw),)))
    assert p(rate=Fraction(-1, 2)) == ["field layers[0] (ma).rate: expected a rate from 0 to 1, got -1/2"]
    assert p(rate=Fraction(3, 2)) == ["field layers[0] (ma).rate: expected a rate from 0 to 1, got 3/2"]
    assert p(deductible=-1) == ["field layers[0] (ma).deductible: expected integer fen ≥ 0, got -1"]
    assert p(claim_cap=-100) == ["field layers[0] (ma).claim_cap: expected integer fen ≥ 0 or None, got -100"]
    assert p(segments=((0, None, Fraction(2)),)) == \
        ["field layers[0] (ma).segments[0]: expected (from fen, to fen or None, rate from 0 to 1), got (0, None, Fraction(2, 1))"]
    bad_base = boundary.problems("jiuzhu_reimbursement", Plan((Layer("ma", "救助", "ma", base="in_scop - x"),)))
    assert bad_base == ["field layers[0] (ma).base: unknown column 'in_scop'; expected a bill column (in_scope, …), "
                        "paid, burden, others_paid, out_of_scope, items.all, items.approval.STATE, items.tag.TAG, "
                        "items.line.N, other.KIND or layer.ID",
                        "field layers[0] (ma).base: unknown column 'x'; expected a bill column (in_scope, …), "
                        "paid, burden, others_paid, out_of_scope, items.all, items.approval.STATE, items.tag.TAG, "
                        "items.line.N, other.KIND or layer.ID"]
    # one item of the bill (jiuzhu.rules.engine.bill_columns: items.line.N, N from 0), as Liujiang's
    # review-status layers read it; a non-number after items.line. reads as 0 and is refused
    assert boundary.problems("jiuzhu_reimbursement", Plan((Layer("ma", "救助", "ma", base="items.line.0 + items.line.12"),))) == []
    assert boundary.problems("jiuzhu_reimbursement", Plan((Layer("ma", "救助", "ma", base="items.line.first"),))) == \
        ["field layers[0] (ma).base: unknown column 'items.line.first'; expected a bill column (in_scope, …), "
         "paid, burden, others_paid, out_of_scope, items.all, items.approval.STATE, items.tag.TAG, "
         "items.line.N, other.KIND or layer.ID"]
    two = boundary.problems("jiuzhu_reimbursement", Plan((Layer("ma", "a", "a"), Layer("ma", "b", "b"))))
    assert two == ["field layers[1].id: 'ma' is the id of an earlier layer; expected one id per layer"]
    assert boundary.problems("jiuzhu_reimbursement", Plan((Layer(None, "a", "a"),))) == \
        ["field layers[0].id: expected a layer id (str), got None"]
    # what the built-in regions use stays valid
    ok = Plan((Layer("ma", "a", "a", base="in_scope - deductible - basic_paid - items.tag.pet_ct - items.line.0 - layer.x"),
               Layer("mb", "b", "b", base="items.approval.refused", rate=Fraction(1), claim_cap=0)))
    assert boundary.problems("jiuzhu_reimbursement", ok) == []


def test_duties_and_payer_order_are_checked_at_the_boundary():
    from jiuzhu.model.outcome import Duty
    from jiuzhu.rules.settle import SlipPayer
    assert boundary.problems("jiuzhu_duties", ["visit weekly"]) == ["item [0]: expected Duty, got str"]
    assert boundary.problems("jiuzhu_duties", [Duty("探视", "visit", next_due="2024-08-01")]) == \
        ["field [0].next_due: expected a date or None, got str"]
    assert boundary.problems("jiuzhu_duties", None) == []
    assert boundary.problems("jiuzhu_payer_order", "first") == ["expected a tuple of SlipPayer or None, got str"]
    assert boundary.problems("jiuzhu_payer_order", (SlipPayer("santa"),))[0].startswith(
        "field [0].kind: expected one of other, ")
    assert boundary.problems("jiuzhu_payer_order", (SlipPayer("other", ("medical_assistance",)),)) == []


HOSTILE = {
    # a module that calls sys.exit while being imported (a script's `if` forgotten)
    "jiuzhu_exits": "import sys\nsys.exit(3)\n",
    # jiuzhu_region() calls sys.exit
    "jiuzhu_regionexits": "import sys\nfrom jiuzhu import hookimpl\n\n@hookimpl\ndef jiuzhu_region():\n    sys.exit(4)\n",
    # a source document whose date is a string
    "jiuzhu_strdate": GOOD.format(code="strdate", parent=None).replace("effective_from=dt.date(2018, 1, 1)",
                                                                       "effective_from='2018-01-01'"),
    # a hook with a misspelt argument name
    "jiuzhu_misarg": GOOD.format(code="misarg", parent=None).replace("def jiuzhu_eligibility(case, ctx)",
                                                                     "def jiuzhu_eligibility(case, context)"),
    # the hook's message quotes the person's name
    "jiuzhu_leaky": GOOD.format(code="leaky", parent=None).replace(
        'return Eligibility(True', 'raise ValueError(f"no rule for {case.person.name}")\n    return Eligibility(True'),
    # an exception that cannot even be printed
    "jiuzhu_mute": GOOD.format(code="mute", parent=None).replace(
        'return Eligibility(True', 'class E(Exception):\n        def __str__(self):\n            raise RuntimeError()\n'
        '    raise E()\n    return Eligibility(True'),
    # duties and programmes answered with junk
    "jiuzhu_junkduties": GOOD.format(code="junkduties", parent=None)
    + "\n@hookimpl\ndef jiuzhu_duties(case, ctx, outcome):\n    return ['visit weekly']\n",
    "jiuzhu_junkprograms": GOOD.format(code="junkprograms", parent=None)
    + "\n@hookimpl\ndef jiuzhu_programs():\n    return 5\n",
    # a region whose parameters.toml is malformed
    "jiuzhu_badparams": GOOD.format(code="badparams", parent=None).replace("return {}", "return {'rate': 0.7}"),
    # a region that refuses a case its own way: an input error, but only this region's
    "jiuzhu_picky": GOOD.format(code="picky", parent=None).replace(
        'return Eligibility(True', 'from jiuzhu.model.errors import InputError\n'
        '    raise InputError("person.card_number", case.person.card_number, "a Picky County card number")\n'
        '    return Eligibility(True'),
}


@pytest.fixture(scope="module")
def hostile(tmp_path_factory):
    site = tmp_path_factory.mktemp("hostile-site")
    MODULES.update(HOSTILE)
    dist(site, "jiuzhu-hostile", {m[7:]: m for m in HOSTILE})
    return site


def test_a_region_that_exits_while_loading_is_broken_not_fatal(hostile):
    res = jiuzhu(hostile, "regions", "--format", "json")
    assert res.returncode == 0, res.stderr
    rows = {r["code"]: r for r in json.loads(res.stdout)}
    assert {c for c in BUILT_IN if rows[c]["status"] == "ok"} == BUILT_IN
    assert rows["exits"]["status"] == "broken" and "failed to import: SystemExit: 3" in rows["exits"]["error"]
    assert "jiuzhu_region raised SystemExit: 4" in rows["regionexits"]["error"]
    assert rows["strdate"]["status"] == "broken"
    assert "field documents[0].effective_from: expected a date or None, got '2018-01-01'" in rows["strdate"]["error"]
    assert rows["misarg"]["error"].endswith(
        "jiuzhu_eligibility takes argument(s) context, which its specification does not give "
        "(it gives: case, ctx; see jiuzhu.hookspecs)")


def test_a_hook_message_never_carries_the_persons_name(hostile):
    res = jiuzhu(hostile, "evaluate", str(EXAMPLE), "--region", "leaky")
    assert res.returncode == 1
    assert "错误 error: region leaky: jiuzhu_eligibility raised ValueError: no rule for ***" in res.stderr
    assert "李德明" not in res.stderr  # the example's person


def test_junk_answers_are_region_faults_and_compare_completes(hostile):
    for code, hook in (("mute", "jiuzhu_eligibility raised E"), ("junkduties", "jiuzhu_duties returned list"),
                       ("junkprograms", "jiuzhu_programs returned int, expected a list of Program")):
        res = jiuzhu(hostile, "evaluate", str(EXAMPLE), "--region", code)
        assert res.returncode == 1 and f"错误 error: region {code}: {hook}" in res.stderr, res.stderr
    res = jiuzhu(hostile, "compare", str(EXAMPLE), "--format", "json")
    assert res.returncode == 1, res.stderr
    errors = {r["code"]: r["error"] for r in json.loads(res.stdout)["regions"]}
    assert all(errors[c] is None for c in BUILT_IN)
    assert "jiuzhu_duties returned list" in errors["junkduties"]


def test_an_input_error_of_one_region_does_not_stop_the_batch_for_the_others(hostile, tmp_path):
    claims = tmp_path / "claims.csv"
    assert jiuzhu(hostile, "synth", "--n", "10", "--out", str(claims)).returncode == 0
    # the claims picky's hook refuses are invalid for picky (the errors file names row, claim, field and what
    # picky expected): exit 2 without --skip-invalid, no results
    res = jiuzhu(hostile, "compare", "--batch", str(claims), "--regions", "guangan,picky,badparams", "--format", "json",
                 "--no-progress")
    assert res.returncode == 2 and "person.card_number: expected picky: a Picky County card number" in res.stderr
    assert "10 claim(s) could not be evaluated" in res.stderr
    errors = (tmp_path / "claims.errors.csv").read_text(encoding="utf-8").splitlines()
    assert len(errors) == 11 and errors[1].split(",")[2:] == ["person.card_number", "picky: a Picky County card number"]
    res = jiuzhu(hostile, "compare", "--batch", str(claims), "--regions", "guangan,picky,badparams", "--format", "json",
                 "--no-progress", "--skip-invalid")
    # as a region whose deployment parameter is missing: an error in its column, not a fault of its code
    assert res.returncode == 0, res.stderr
    tots = {t["region"]: t for t in json.loads(res.stdout)}
    assert tots["guangan"]["claims"] == 10 and "error" not in tots["guangan"]
    assert tots["picky"]["claims"] == 0 and tots["picky"]["invalid_claims"] == 10 and "error" not in tots["picky"]
    assert tots["badparams"]["error"] == "badparams.parameters.rate: expected a table with unit, label and values"
    # one case, one region: still the user's input error, exit 2
    res = jiuzhu(hostile, "evaluate", str(EXAMPLE), "--region", "picky")
    assert res.returncode == 2 and "person.card_number: a Picky County card number" in res.stderr


def test_check_region_with_a_parent_missing_is_one_line_before_any_check(broken):
    res = jiuzhu(broken, "check-region", "orphan", "--max-examples", "2")
    assert res.returncode == 2 and res.stdout == "", res.stdout
    assert res.stderr.strip().splitlines()[-1] == ("错误 error: region orphan: parent region 'nowhere' is not installed; install it, or "
                                  "set compose_parents = false in jiuzhu.toml (installed: faulty, fushun, guangan, "
                                  "jingjiang, liujiang, orphan, wrongtype, wusheng)")


def test_an_extension_cannot_replace_a_core_command_and_twins_in_one_distribution_are_named(tmp_path):
    MODULES.update({
        "jiuzhu_hijack": "import click\nfrom jiuzhu import hookimpl\n\n@hookimpl\ndef jiuzhu_register_commands(cli):\n"
                         "    @cli.command('evaluate')\n    def evaluate():\n        click.echo('hijacked')\n\n"
                         "    @cli.command('hello')\n    def hello():\n        click.echo('hello from an extension')\n",
        "jiuzhu_twin_a": GOOD.format(code="twin", parent=None),
        "jiuzhu_twin_b": GOOD.format(code="twin", parent=None),
    })
    dist(tmp_path, "jiuzhu-twins", {"twin_a": "jiuzhu_twin_a", "twin_b": "jiuzhu_twin_b"}, {"hijack": "jiuzhu_hijack"})
    res = jiuzhu(tmp_path, "evaluate", str(EXAMPLE), "--format", "json")
    assert res.returncode == 0, res.stderr
    assert json.loads(res.stdout)["region"] == "wusheng"
    assert "警告 warning: extension 'hijack': jiuzhu_register_commands replaced the jiuzhu command evaluate; " \
           "the extension's is ignored (give it another name)" in res.stderr
    assert jiuzhu(tmp_path, "hello").stdout == "hello from an extension\n"  # what it adds still works
    rows = {r["code"]: r for r in json.loads(jiuzhu(tmp_path, "regions", "--format", "json").stdout)}
    assert rows["twin"]["error"] == ("region twin is declared twice by jiuzhu-twins (entry points twin_a and twin_b); "
                                     "keep one out with JIUZHU_BLOCK_PLUGINS=jiuzhu-twins:twin_a or "
                                     "JIUZHU_BLOCK_PLUGINS=jiuzhu-twins:twin_b")


def test_one_item_column_is_a_known_base_but_only_with_a_line_number():
    # Liujiang moves each unapproved item off the person by its bill line (items.line.N, the engine's own
    # column): the boundary refused it, so every case with an unapproved item stopped with an error.
    # A line that is not a number would read as 0 and move nothing, silently.
    from jiuzhu.rules.settle import Layer, Plan
    p = lambda base: boundary.problems("jiuzhu_reimbursement", Plan((Layer("x", "x", "x", base=base),)))
    assert p("items.line.0 + items.line.12") == []
    assert p("items.line.first") == [
        "field layers[0] (x).base: unknown column 'items.line.first'; expected a bill column (in_scope, …), paid, "
        "burden, others_paid, out_of_scope, items.all, items.approval.STATE, items.tag.TAG, items.line.N, "
        "other.KIND or layer.ID"]
