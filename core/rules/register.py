"""Rule coverage: every inventory rule ID of a region, its status and the tests that check it.

A region's ``rules.toml`` lists each rule::

    [[rule]]
    id = "WS-PAY-2"
    statement = "Residual of a compliant in-county stay is paid by the relief fund"
    status = "implemented"        # implemented / duty / info / todo
    reason = ""                   # for duty/info: why nothing is computed

Tests are found by reading the region's ``tests/`` folder (and the project's ``tests/``):
a test checks a rule when it is marked ``@pytest.mark.rule("WS-PAY-2")`` (class and module
``pytestmark`` count), is named ``test_ws_pay_2…``, or is a case-test file listing the ID in
``rules = [...]``.
"""

from __future__ import annotations

import ast
import re
from pathlib import Path

import attrs

from jiuzhu.model.tomlio import load_toml

STATUSES = {"implemented": "已实现", "duty": "部门职责（无需计算）", "info": "说明性条款", "todo": "未实现"}
_ID = re.compile(r"\b(?:WS|LJ|GA|FS|JJ|[A-Z]{2,4})-[A-Z]+-\d+[a-z]?\b")
_NAME = re.compile(r"(?<![a-z])([a-z]{2,4})_([a-z]+)_(\d+[a-z]?)(?![0-9])")


@attrs.frozen
class RuleEntry:
    id: str
    statement: str
    status: str
    reason: str = ""
    tests: tuple[str, ...] = ()

    @property
    def state(self) -> str:
        """What `jiuzhu rules` reports: implemented+tested, untested, todo, duty, info."""
        if self.status == "implemented":
            return "tested" if self.tests else "untested"
        if self.status in ("duty", "info") and not self.reason:
            return "unexplained"
        return self.status


def load_rules(path: Path) -> list[dict]:
    return load_toml(Path(path), "rules").get("rule", [])


def _ids_in(text: str) -> set[str]:
    return set(_ID.findall(text))


def scan_tests(folders: list[Path]) -> dict[str, list[str]]:
    """rule ID -> test names found in the folders."""
    found: dict[str, list[str]] = {}
    for folder in folders:
        if not folder.is_dir():
            continue
        for f in sorted(folder.rglob("test*.py")):
            src = f.read_text(encoding="utf-8")
            try:
                tree = ast.parse(src)
            except SyntaxError:
                continue
            module_ids: set[str] = set()
            for node in tree.body:
                if isinstance(node, ast.Assign) and any(getattr(t, "id", "") == "pytestmark" for t in node.targets):
                    module_ids |= _ids_in(ast.get_source_segment(src, node) or "")
            _walk(tree.body, src, f"{f.name}", module_ids, found)
        for f in sorted(folder.rglob("*.case.toml")):
            raw = load_toml(f, "case test")
            for test in raw.get("test", [raw]):
                for rid in test.get("rules", []):
                    found.setdefault(rid, []).append(f"{f.name}::{test.get('name', f.stem)}")
    return found


def _walk(body, src, prefix, inherited, found):
    for node in body:
        if isinstance(node, ast.ClassDef) and node.name.startswith("Test"):
            ids = inherited | set().union(*(_ids_in(ast.get_source_segment(src, d) or "") for d in node.decorator_list))
            for stmt in node.body:
                if isinstance(stmt, ast.Assign) and any(getattr(t, "id", "") == "pytestmark" for t in stmt.targets):
                    ids |= _ids_in(ast.get_source_segment(src, stmt) or "")
            _walk(node.body, src, f"{prefix}::{node.name}", ids, found)
        elif isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)) and node.name.startswith("test"):
            ids = set(inherited)
            for d in node.decorator_list:
                ids |= _ids_in(ast.get_source_segment(src, d) or "")
            for pre, area, num in _NAME.findall(node.name):
                ids.add(f"{pre.upper()}-{area.upper()}-{num}")
            for rid in ids:
                found.setdefault(rid, []).append(f"{prefix}::{node.name}")


def coverage(rules_file: Path, test_folders: list[Path]) -> list[RuleEntry]:
    tests = scan_tests(test_folders)
    out = []
    for r in load_rules(rules_file):
        out.append(RuleEntry(r["id"], r.get("statement", ""), r.get("status", "todo"), r.get("reason", ""),
                             tuple(tests.get(r["id"], ()))))
    return out
