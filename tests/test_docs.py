"""Every hook spec is documented in docs/hooks.md (as datasette's test_docs does for its hooks)."""

from pathlib import Path

import pytest

from jiuzhu import hookspecs

HOOKS = [n for n in dir(hookspecs) if n.startswith("jiuzhu_")]
DOC = (Path(__file__).resolve().parents[1] / "docs" / "hooks.md").read_text(encoding="utf-8")


@pytest.mark.parametrize("hook", HOOKS)
def test_hook_documented(hook):
    assert f"## {hook}(" in DOC
    assert getattr(hookspecs, hook).__doc__, f"{hook} has no docstring"
