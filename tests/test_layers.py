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


def imported_units(tree: ast.AST):
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom):
            if node.level:
                raise AssertionError(f"line {node.lineno}: relative import; write jiuzhu.<unit>... in full")
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


def test_modules_of_the_flat_layout_still_import(recwarn):
    import importlib

    old = importlib.import_module("jiuzhu.settle")
    from jiuzhu.rules import settle

    assert old is settle
    assert any("jiuzhu.rules.settle" in str(w.message) for w in recwarn.list)
