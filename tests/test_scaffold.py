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
