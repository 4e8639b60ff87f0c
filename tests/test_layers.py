"""Imports only go down: each subpackage of jiuzhu may import only the layers below it.

model → hookspecs → plugins (the host) → rules → io → paperwork, analysis → kit, store → service → cli.
The package's own ``__init__`` is the public facade and may import anything.
"""

import ast
from pathlib import Path

CORE = Path(__file__).resolve().parents[1] / "core"

# name → the jiuzhu units it may import (besides itself)
LAYERS = [
    {"model"},
    {"hookspecs"},
    {"plugins"},
    {"rules"},
    {"io"},
    {"paperwork", "analysis"},
    {"kit", "store"},
    {"service"},
    {"cli"},
    {"__main__"},
]
RANK = {unit: i for i, layer in enumerate(LAYERS) for unit in layer}


def unit_of(path: Path, core: Path) -> str:
    rel = path.relative_to(core)
    return rel.parts[0] if len(rel.parts) > 1 else rel.stem


IMPORTERS = {"import_module", "__import__", "resolve_name", "find_spec"}  # importlib & co. given a module name


def imported_units(tree: ast.AST):
    """(line, unit) for every reference to another unit: import statements anywhere (also inside functions),
    ``import jiuzhu`` used as ``jiuzhu.unit…``, and module names given as strings to ``importlib.import_module``,
    ``__import__``, ``pkgutil.resolve_name`` or ``importlib.util.find_spec``."""
    facade = set()  # local names bound to the package itself (import jiuzhu [as j])
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom):
            if node.level:
                yield node.lineno, "relative import"
                continue
            mod = node.module or ""
            if mod == "jiuzhu":
                for a in node.names:
                    yield node.lineno, a.name
            elif mod.startswith("jiuzhu."):
                yield node.lineno, mod.split(".")[1]
        elif isinstance(node, ast.Import):
            for a in node.names:
                if a.name.startswith("jiuzhu."):
                    yield node.lineno, a.name.split(".")[1]
                elif a.name == "jiuzhu":
                    facade.add(a.asname or "jiuzhu")
        elif isinstance(node, ast.Call):
            f = node.func
            name = f.id if isinstance(f, ast.Name) else f.attr if isinstance(f, ast.Attribute) else ""
            if name in IMPORTERS and node.args and isinstance(node.args[0], ast.Constant) \
                    and isinstance(node.args[0].value, str):
                target = node.args[0].value.replace(":", ".")
                if target == "jiuzhu" or target.startswith("jiuzhu."):
                    yield node.lineno, target.split(".")[1] if "." in target else "jiuzhu"
    if facade:
        for node in ast.walk(tree):
            if isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name) and node.value.id in facade:
                yield node.lineno, node.attr


def violations(core: Path = CORE):
    out = []
    for path in sorted(core.rglob("*.py")):
        unit = unit_of(path, core)
        if unit == "__init__":
            continue  # the public facade
        assert unit in RANK, f"{path.relative_to(core)}: unit {unit!r} has no place in LAYERS"
        for line, target in imported_units(ast.parse(path.read_text(encoding="utf-8"))):
            if target == unit:
                continue
            if target == "relative import":
                out.append(f"{path.relative_to(core)}:{line}: relative import; write jiuzhu.<unit>... in full")
                continue
            if target not in RANK:
                out.append(f"{path.relative_to(core)}:{line} imports jiuzhu.{target}, which has no layer")
            elif RANK[target] >= RANK[unit]:
                out.append(f"{path.relative_to(core)}:{line}: {unit} imports {target} (same or higher layer)")
    return out


def test_imports_only_go_down():
    assert violations() == []


def test_checker_sees_an_upward_import(tmp_path, monkeypatch):
    fake = tmp_path / "core"
    (fake / "model").mkdir(parents=True)
    (fake / "model" / "case.py").write_text("from jiuzhu.cli import main\nfrom jiuzhu import plugins\n")
    assert violations(fake) == ["model/case.py:1: model imports cli (same or higher layer)",
                            "model/case.py:2: model imports plugins (same or higher layer)"]


def test_checker_is_not_fooled_by_other_spellings(tmp_path):
    # each line reaches the cli (the top layer) from model (the bottom one) a different way
    probes = {
        "bare.py": "import jiuzhu\n\ndef f():\n    return jiuzhu.cli.main\n",
        "alias.py": "import jiuzhu as j\nj.cli.main()\n",
        "importlib_.py": "import importlib\nm = importlib.import_module('jiuzhu.cli')\n",
        "bare_call.py": "from importlib import import_module\nm = import_module('jiuzhu.cli.kit')\n",
        "dunder.py": "m = __import__('jiuzhu.cli')\n",
        "resolve.py": "import pkgutil\nf = pkgutil.resolve_name('jiuzhu.cli:main')\n",
        "lazy.py": "def f():\n    from jiuzhu.cli import main\n    return main\n",
        "relative.py": "from ..cli import main\n",
    }
    core = tmp_path / "core"
    (core / "model").mkdir(parents=True)
    for name, src in probes.items():
        (core / "model" / name).write_text(src)
    found = violations(core)
    assert sorted(found) == sorted([
        "model/alias.py:2: model imports cli (same or higher layer)",
        "model/bare.py:4: model imports cli (same or higher layer)",
        "model/bare_call.py:2: model imports cli (same or higher layer)",
        "model/dunder.py:1: model imports cli (same or higher layer)",
        "model/importlib_.py:2: model imports cli (same or higher layer)",
        "model/lazy.py:2: model imports cli (same or higher layer)",
        "model/relative.py:1: relative import; write jiuzhu.<unit>... in full",
        "model/resolve.py:2: model imports cli (same or higher layer)",
    ])


def test_checker_accepts_downward_spellings(tmp_path):
    core = tmp_path / "core"
    (core / "cli").mkdir(parents=True)
    (core / "cli" / "__init__.py").write_text(
        "import importlib\nimport jiuzhu.model.case\nm = importlib.import_module('jiuzhu.io.report')\n"
        "import jiuzhu\nx = jiuzhu.rules\n")
    assert violations(core) == []


def test_every_subpackage_is_packaged():
    # a subpackage missing from pyproject's packages works in the editable install and vanishes from a wheel
    import tomllib

    listed = set(tomllib.loads((CORE.parent / "pyproject.toml").read_text(encoding="utf-8"))["tool"]["setuptools"]["packages"])
    present = {"jiuzhu." + ".".join(p.parent.relative_to(CORE).parts) if p.parent != CORE else "jiuzhu"
               for p in CORE.rglob("__init__.py")}
    assert present - listed == set()


def test_modules_of_the_flat_layout_still_import(recwarn):
    import importlib

    old = importlib.import_module("jiuzhu.settle")
    from jiuzhu.rules import settle

    assert old is settle
    assert any("jiuzhu.rules.settle" in str(w.message) for w in recwarn.list)


def _fresh(*names):
    import sys

    for n in names:
        sys.modules.pop(n, None)
    import jiuzhu

    for n in names:
        head, _, attr = n.partition(".")
        if head == "jiuzhu" and "." not in attr and getattr(jiuzhu, attr, None) is not None \
                and n not in ("jiuzhu.rules", "jiuzhu.model"):
            delattr(jiuzhu, attr)


def test_flat_layout_warning_names_the_importing_line(tmp_path):
    # the warning points at the line that wrote the old name, so `python -W error::DeprecationWarning` and
    # pytest's summary show the region's own file, not importlib's or pytest's
    import runpy
    import warnings

    _fresh("jiuzhu.settle", "jiuzhu.testing", "jiuzhu.signature")
    src = tmp_path / "old_region.py"
    src.write_text("import importlib\n"
                   "from jiuzhu.settle import Layer\n"
                   "import jiuzhu.testing\n"
                   "importlib.import_module('jiuzhu.signature')\n")
    with warnings.catch_warnings(record=True) as got:
        warnings.simplefilter("always")
        runpy.run_path(str(src))
    moved = [(w.filename, w.lineno, str(w.message)) for w in got if issubclass(w.category, DeprecationWarning)]
    assert moved == [(str(src), 2, "jiuzhu.settle moved to jiuzhu.rules.settle"),
                     (str(src), 3, "jiuzhu.testing moved to jiuzhu.kit.testing"),
                     (str(src), 4, "jiuzhu.signature moved to jiuzhu.rules.signature")]


def test_old_name_leaves_the_module_its_own_spec(recwarn):
    import importlib

    _fresh("jiuzhu.workdays")
    importlib.import_module("jiuzhu.workdays")
    from jiuzhu.rules import workdays

    assert workdays.__spec__.name == "jiuzhu.rules.workdays"
    assert importlib.reload(workdays) is workdays


def test_old_rules_module_names_still_resolve():
    # the flat layout's jiuzhu.rules was the rule register; jiuzhu.rules is now the package of the engine
    import pytest

    import jiuzhu.rules
    from jiuzhu.rules import register

    with pytest.warns(DeprecationWarning, match="jiuzhu.rules.register"):
        from jiuzhu.rules import load_rules
    assert load_rules is register.load_rules
    for name in ("RuleEntry", "STATUSES", "coverage", "scan_tests"):
        with pytest.warns(DeprecationWarning):
            assert getattr(jiuzhu.rules, name) is getattr(register, name)
    with pytest.raises(AttributeError):
        jiuzhu.rules.no_such_name


def test_readme_layout_table_names_every_room():
    # README's layout table is the map a newcomer reads; a subpackage missing from it is a room nobody finds
    readme = (CORE.parent / "README.md").read_text(encoding="utf-8")
    table = readme[readme.index("## Layout"):]
    table = table[:table.index("\n## ") if "\n## " in table else len(table)]
    rooms = {f"`core/{p.parent.relative_to(CORE).parts[0]}/`" for p in CORE.glob("*/__init__.py")}
    assert {r for r in rooms if r not in table} == set()
    for row in ("`core/__init__.py`", "`core/hookspecs.py`", "`core/plugins.py`"):
        assert row in table


def test_a_region_written_before_programmes_existed_still_settles_its_caps():
    """A third-party region from before ``jiuzhu_programs``: its capped layer names its pool, as it did."""
    import datetime as dt

    from jiuzhu import Eligibility, Layer, Plan, ReferralVerdict, RegionInfo, SourceDocument, hookimpl
    from jiuzhu.kit.testing import make_engine
    from jiuzhu.io.loader import structure_case

    class OldRegion:
        @hookimpl
        def jiuzhu_region(self):
            return RegionInfo("oldtown", "旧县", "Old County", "511699",
                              (SourceDocument("旧府〔2019〕1号", "old", effective_from=dt.date(2019, 1, 1)),))

        @hookimpl
        def jiuzhu_eligibility(self, case, ctx):
            return Eligibility(True, ("dibao",))

        @hookimpl
        def jiuzhu_referral(self, case, ctx, eligibility):
            return ReferralVerdict("covered")

        @hookimpl
        def jiuzhu_reimbursement(self, case, ctx, eligibility, referral):
            return Plan((Layer("ma", "医疗救助", "assistance", base="in_scope - basic_paid", rate="0.5",
                               annual_cap=100_000, program="ma"),))

    eng = make_engine(extra_plugins=[OldRegion()])
    raw = {"person": {"id_number": "511699195208030312", "hukou": "511699", "categories": ["dibao"]},
           "facility": {"name": "县医院", "level": "county", "location": "511699"},
           "episode": {"kind": "inpatient", "admitted": "2026-03-02", "discharged": "2026-03-09"},
           "bill": {"total": "5000", "in_scope": "5000", "basic_paid": "1000"},
           "history": {"ytd": {"ma": "800"}}}
    out = eng.evaluate(structure_case(raw), region="oldtown")
    # (5000 − 1000) × 50 % = 2000, but the 1,000-yuan cap has 1000 − 800 = 200 left
    assert [(l.id, l.amount) for l in out.settlement.layers if l.id == "ma"] == [("ma", 20_000)]
