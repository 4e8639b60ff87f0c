"""pytest plugin: collects ``*.case.toml`` files as tests (see :mod:`jiuzhu.kit.casetest`).

Registered through the ``pytest11`` entry point, so any project with jiuzhu installed can keep
policy tests as data. Each ``[[test]]`` becomes an item; a failure lists every difference.
"""

from __future__ import annotations

from pathlib import Path

import pytest


def pytest_configure(config):
    # Region packages outside this repository use these markers without declaring them.
    config.addinivalue_line("markers", "rule(id): the inventory rule ID(s) a test checks")
    config.addinivalue_line("markers", "slow: end-to-end tests that install packages (they still run by default)")


def pytest_collect_file(parent, file_path: Path):
    if file_path.name.endswith(".case.toml"):
        return CaseFile.from_parent(parent, path=file_path)
    return None


class CaseFile(pytest.File):
    def collect(self):
        from jiuzhu.kit.casetest import load_tests
        for i, test in enumerate(load_tests(self.path)):
            item = CaseItem.from_parent(self, name=test.get("name", f"test_{i}"), test=test)
            for rid in test.get("rules", []):
                item.add_marker(pytest.mark.rule(rid))
            yield item


class CaseItem(pytest.Item):
    def __init__(self, *, test: dict, **kwargs):
        super().__init__(**kwargs)
        self.test = test

    def runtest(self):
        from jiuzhu.kit.casetest import run_test
        diffs = run_test(self.test, self.path.parent)
        if diffs:
            from jiuzhu.kit.casetest import actual_expect
            raise CaseMismatch(diffs, actual_expect(self.test, self.path.parent))

    def repr_failure(self, excinfo):
        if isinstance(excinfo.value, CaseMismatch):
            lines = [f"case test {self.name!r} ({self.path.name}):", *("  - " + d for d in excinfo.value.diffs)]
            if excinfo.value.actual:
                lines += ["", "  the actual outcome, as [test.expect]:", *("    " + a for a in excinfo.value.actual)]
            return "\n".join(lines)
        return super().repr_failure(excinfo)

    def reportinfo(self):
        return self.path, 0, f"case: {self.name}"


class CaseMismatch(Exception):
    def __init__(self, diffs, actual=()):
        super().__init__("; ".join(diffs))
        self.diffs, self.actual = diffs, list(actual)
