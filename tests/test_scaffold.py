"""jiuzhu new-region: what it writes and what it refuses."""

from __future__ import annotations

import ast
import datetime as dt

import pytest
from click.testing import CliRunner

from jiuzhu.cli import cli
from jiuzhu.model.errors import InputError
from jiuzhu.rules.params import ParameterSet
from jiuzhu.kit.scaffold import scaffold
from jiuzhu.model.tomlio import load_toml


def test_scaffold_writes_an_installable_package(tmp_path):
    root = scaffold("moumou", "某某县", "Moumou County", "510999", tmp_path, parent="guangan",
                    document="某府办发〔2024〕12号", effective=dt.date(2024, 7, 1))
    assert root == tmp_path / "jiuzhu-moumou"
    py = load_toml(root / "pyproject.toml", "pyproject")
    assert py["project"]["entry-points"]["jiuzhu.regions"] == {"moumou": "jiuzhu_moumou"}
    assert py["tool"]["setuptools"]["packages"] == ["jiuzhu_moumou"]
    for rel in ("README.md", "jiuzhu_moumou/rules.toml", "jiuzhu_moumou/templates/README.md",
                "jiuzhu_moumou/examples/example.toml", "tests/examples.case.toml", "tests/test_contract.py"):
        assert (root / rel).is_file(), rel
    src = (root / "jiuzhu_moumou" / "__init__.py").read_text(encoding="utf-8")
    tree = ast.parse(src)
    hooks = {f.name for f in tree.body if isinstance(f, ast.FunctionDef)}
    from jiuzhu.kit.contract import REGION_HOOKS
    assert set(REGION_HOOKS) <= hooks
    assert "parent='guangan'" in src and 'division="510999"' in src and "TODO policy" in src
    pset = ParameterSet.load(root / "jiuzhu_moumou" / "parameters.toml", "moumou", "某某县", "某府办发〔2024〕12号")
    for p in pset.params.values():
        assert p.values and all(v.cite.article and v.cite.rule.startswith("MO-") for v in p.values), p.name
        assert p.values[0].start == dt.date(2024, 7, 1)
    case_test = load_toml(root / "tests" / "examples.case.toml", "case test")
    assert case_test["test"][0]["expect"]["layers"]["medical_assistance"] == "2380.00"


@pytest.mark.parametrize("kwargs, field", [
    ({"code": "Mou-mou"}, "code"),
    ({"division": "51099"}, "--division"),
    ({"parent": "Guang An"}, "--parent"),
    ({"rule_prefix": "m1"}, "--rule-prefix"),
])
def test_scaffold_refuses_bad_input(tmp_path, kwargs, field):
    args = {"code": "moumou", "name_zh": "某某县", "name_en": "Moumou County", "division": "510999", "out": tmp_path}
    args.update(kwargs)
    with pytest.raises(InputError) as err:
        scaffold(**args)
    assert str(err.value).startswith(f"{field}:")


def test_scaffold_does_not_overwrite(tmp_path):
    scaffold("moumou", "某某县", "Moumou County", "510999", tmp_path)
    with pytest.raises(InputError, match="exists and is not empty"):
        scaffold("moumou", "某某县", "Moumou County", "510999", tmp_path)
    scaffold("moumou", "某某县", "Moumou County", "510999", tmp_path, force=True)


def test_new_region_command(tmp_path):
    runner = CliRunner()
    r = runner.invoke(cli, ["new-region", "moumou", "--name-zh", "某某县", "--name-en", "Moumou County",
                            "--division", "510999", "--out", str(tmp_path)])
    assert r.exit_code == 0, r.output
    assert "pip install" in r.output and (tmp_path / "jiuzhu-moumou" / "pyproject.toml").exists()
    r = runner.invoke(cli, ["new-region", "moumou", "--name-zh", "某某县", "--name-en", "Moumou County",
                            "--division", "5109", "--out", str(tmp_path / "x")])
    assert r.exit_code == 2
    assert "--division: expected a 6-digit GB/T 2260 division code" in r.output


# -- the generated region works as generated --------------------------------------------------

import os  # noqa: E402
import subprocess  # noqa: E402
import sys  # noqa: E402


def _site(tmp_path, root):
    """The package as pip would register it: a dist-info with its entry point, on PYTHONPATH."""
    info = tmp_path / "site" / "jiuzhu_moumou-0.1.0.dist-info"
    info.mkdir(parents=True)
    (info / "METADATA").write_text("Metadata-Version: 2.1\nName: jiuzhu-moumou\nVersion: 0.1.0\n", encoding="utf-8")
    (info / "entry_points.txt").write_text("[jiuzhu.regions]\nmoumou = jiuzhu_moumou\n", encoding="utf-8")
    env = {k: v for k, v in os.environ.items() if not k.startswith(("JIUZHU_", "PYTEST_"))}
    env["PYTHONPATH"] = os.pathsep.join([str(info.parent), str(root)])
    return env


@pytest.mark.parametrize("parent", [None, "guangan"])
def test_generated_region_passes_its_tests_the_kit_and_the_linter(tmp_path, parent):
    root = scaffold("moumou", "某某县", "Moumou County", "510999", tmp_path, parent=parent,
                    document="某府办发〔2024〕12号", effective=dt.date(2024, 7, 1))
    lint = subprocess.run([sys.executable, "-m", "ruff", "check", "--select", "F", "--no-cache", str(root)],
                          capture_output=True, text=True)
    assert lint.returncode == 0, lint.stdout + lint.stderr
    env = _site(tmp_path, root)
    res = subprocess.run([sys.executable, "-m", "pytest", "-p", "no:cacheprovider"], cwd=root, env=env,
                         capture_output=True, text=True)
    assert res.returncode == 0, res.stdout[-3000:]
    # 3 case tests + 1 form test + 11 contract checks
    assert "15 passed" in res.stdout, res.stdout[-500:]
    res = subprocess.run([sys.executable, "-m", "jiuzhu", "check-region", "moumou", "--max-examples", "5"],
                         cwd=root, env=env, capture_output=True, text=True)
    assert res.returncode == 0, res.stdout + res.stderr
    assert "✓ money invariants" in res.stdout and "every contract check passed" in res.stdout


def test_generated_form_template_has_the_application_form(tmp_path):
    from docx import Document
    root = scaffold("moumou", "某某县", "Moumou County", "510999", tmp_path)
    forms = load_toml(root / "jiuzhu_moumou" / "templates" / "forms.toml", "forms")
    assert forms["application"]["file"] == "application.docx"
    doc = Document(str(root / "jiuzhu_moumou" / "templates" / "application.docx"))
    cells = [c.text for t in doc.tables for row in t.rows for c in row.cells]
    assert "{{ person.name }}" in cells and "{{ assistance.capital }}" in cells
    assert "add_workdays" not in (root / "jiuzhu_moumou" / "__init__.py").read_text(encoding="utf-8")


def test_next_steps_install_from_the_folder(tmp_path):
    r = CliRunner().invoke(cli, ["new-region", "moumou", "--name-zh", "某某县", "--name-en", "Moumou County",
                                 "--division", "510999", "--out", str(tmp_path)])
    assert r.exit_code == 0, r.output
    assert f"pip install --no-build-isolation -e {tmp_path / 'jiuzhu-moumou'}\n" in r.output
    with CliRunner().isolated_filesystem(temp_dir=tmp_path):
        r = CliRunner().invoke(cli, ["new-region", "moumou", "--name-zh", "某某县", "--name-en", "Moumou County",
                                     "--division", "510999"])
        assert "pip install --no-build-isolation -e ./jiuzhu-moumou\n" in r.output


def test_check_region_prints_what_fails(tmp_path):
    root = scaffold("moumou", "某某县", "Moumou County", "510999", tmp_path, effective=dt.date(2024, 7, 1))
    params = root / "jiuzhu_moumou" / "parameters.toml"
    # the rate loses its citation (article and rule), and the referral hook its @hookimpl
    text = params.read_text(encoding="utf-8")
    rate = text.index("[assistance_rate]")
    params.write_text(text[:rate] + text[rate:].replace('rule = "MO-PAY-1"\n', "", 1).replace('article = "第四条"\n', "", 1),
                      encoding="utf-8")
    plugin = root / "jiuzhu_moumou" / "__init__.py"
    plugin.write_text(plugin.read_text(encoding="utf-8").replace("@hookimpl\ndef jiuzhu_referral", "def jiuzhu_referral"),
                      encoding="utf-8")
    res = subprocess.run([sys.executable, "-m", "jiuzhu", "check-region", "moumou", "--max-examples", "5",
                          "--no-shrink"],
                         cwd=root, env=_site(tmp_path, root), capture_output=True, text=True)
    assert res.returncode == 1, res.stdout + res.stderr
    out = res.stdout
    assert "✗ parameters:\n  - parameters.moumou.assistance_rate (from 2024-07-01): value '0.7' has no citation" in out
    assert "✗ hooks:\n  - region moumou: hook jiuzhu_referral is not implemented" in out
    assert "✗ evaluation:\n  - region moumou: evaluation raised RegionFault: region moumou: jiuzhu_referral returned " \
           "None, expected ReferralVerdict (is the hook implemented?" in out
    assert "✓ region information" in out and "check(s) failed" in out
