"""docs/adding-a-region.md, run as written: every shell line and every file block, in order, in a
fresh virtual environment and an empty folder.

The guide's conventions (stated in the guide itself):

- a ``console`` block: each ``$ `` line is run by bash in the current folder (a ``cd`` carries over
  to the next line, as in a terminal) and must exit 0; each other non-empty line is output the
  command must print (a trailing ``…`` matches the rest of the line);
- a block whose info string says ``file=PATH``: a TOML block's tables replace the same tables of
  PATH (``[[x]]`` entries are added), a Python block's functions replace the same functions; what
  PATH does not have yet is added at its end, and a missing PATH is created. With ``check`` the
  block must already be in PATH;
- any other block is an illustration and is not run.

The fresh environment sees the packages of the one running the tests (a ``.pth`` line, so nothing
is downloaded) and gets jiuzhu installed into it, editable, so ``jiuzhu`` and ``pip`` there are the
reader's. pip runs with no index at all: the guide's own ``--no-build-isolation`` is what lets the region
build offline with the setuptools already installed.
"""

from __future__ import annotations

import ast
import os
import re
import subprocess
import sys
import sysconfig
import tomllib
from pathlib import Path

import pytest

pytestmark = pytest.mark.slow

ROOT = Path(__file__).resolve().parents[1]
GUIDE = ROOT / "docs" / "adding-a-region.md"
FENCE = re.compile(r"^```([\w-]*)([^\n]*)\n(.*?)^```\s*$", re.S | re.M)


def blocks(text: str) -> list[tuple[str, dict, str]]:
    """(language, options, body) of every fenced block, in order. Options: file=PATH, check."""
    out = []
    for m in FENCE.finditer(text):
        opts = {}
        for word in m.group(2).split():
            k, _, v = word.partition("=")
            opts[k] = v or True
        out.append((m.group(1), opts, m.group(3)))
    return out


# -- merging a block into a file ---------------------------------------------------------------

_HEADER = re.compile(r"^(\[\[?)\s*([^\]\s]+)\s*\]\]?[ \t]*$", re.M)


def _toml_sections(text: str) -> list[tuple[str, bool, str]]:
    """The text split into top-level tables: (key, is an [[array]] entry, text with its sub-tables);
    the first item is what comes before any table (key "")."""
    heads = [(m.start(), m.group(2), m.group(1) == "[[") for m in _HEADER.finditer(text)]
    groups, key = [], None
    for pos, name, array in heads:
        top = name.split(".")[0]
        if top != key or (array and name == top):
            groups.append((pos, top, array and name == top))
            key = top
    out = [("", False, text[:groups[0][0]] if groups else text)]
    for i, (pos, top, array) in enumerate(groups):
        end = groups[i + 1][0] if i + 1 < len(groups) else len(text)
        out.append((top, array, text[pos:end]))
    return out


def _para(text: str) -> str:
    return text.rstrip("\n") + "\n\n"


def merge_toml(path: Path, block: str) -> None:
    tomllib.loads(block)  # the guide's block is valid TOML on its own
    if not path.exists():
        path.write_text(block, encoding="utf-8")
        return
    old = _toml_sections(path.read_text(encoding="utf-8"))
    new = _toml_sections(block)[1:]
    tables = {key: text for key, array, text in new if not array}
    out, emitted = [], set()
    for key, array, text in old:
        if key in tables:  # replaced where it was, so the file reads in the same order
            if key not in emitted:
                out.append(_para(tables[key]))
                emitted.add(key)
            continue
        out.append(_para(text) if key else text)
    out += [_para(text) for key, array, text in new if array or key not in emitted]
    result = "".join(out).rstrip("\n") + "\n"
    tomllib.loads(result)
    path.write_text(result, encoding="utf-8")


def merge_python(path: Path, block: str) -> None:
    tree = ast.parse(block)
    if not path.exists():
        path.write_text(block, encoding="utf-8")
        return
    src = path.read_text(encoding="utf-8")
    lines = src.splitlines(keepends=True)
    for node in tree.body:
        if not isinstance(node, (ast.FunctionDef, ast.ClassDef)):
            raise AssertionError(f"a file block for {path.name} may hold only functions and classes")
        start = min([node.lineno] + [d.lineno for d in node.decorator_list]) - 1
        code = "".join(block.splitlines(keepends=True)[start:node.end_lineno])
        old = next((n for n in ast.parse("".join(lines)).body if isinstance(n, type(node)) and n.name == node.name), None)
        if old is None:
            lines += ["\n", "\n", *code.splitlines(keepends=True)]
        else:
            o_start = min([old.lineno] + [d.lineno for d in old.decorator_list]) - 1
            lines[o_start:old.end_lineno] = code.splitlines(keepends=True)
    result = "".join(lines)
    ast.parse(result)
    path.write_text(result, encoding="utf-8")


def apply_file_block(lang: str, opts: dict, body: str, cwd: Path) -> None:
    path = cwd / opts["file"]
    if opts.get("check"):
        assert path.exists(), f"the guide shows {opts['file']}, which does not exist"
        assert body.strip() in path.read_text(encoding="utf-8"), f"{opts['file']} no longer says what the guide shows"
        return
    path.parent.mkdir(parents=True, exist_ok=True)
    {"toml": merge_toml, "python": merge_python}[lang](path, body)


# -- running the console lines -----------------------------------------------------------------


def expect_output(cmd: str, stdout: str, expected: list[str]) -> None:
    for line in expected:
        want = line.strip()
        if want.endswith("…"):
            want = want[:-1].rstrip()
        assert want in stdout, f"`{cmd}` no longer prints {line.strip()!r}; it printed:\n{stdout[-3000:]}"


def run_console(body: str, state: dict, env: dict) -> None:
    cmd, expected = None, []

    def flush():
        if cmd is None:
            return
        marker = state["tmp"] / ".cwd"
        script = f"{cmd}\nrc=$?\npwd > {marker}\nexit $rc\n"
        r = subprocess.run(["bash", "-c", script], cwd=state["cwd"], env=env, capture_output=True, text=True,
                           timeout=300)
        assert r.returncode == 0, f"`{cmd}` exited {r.returncode}:\n{r.stdout[-3000:]}\n{r.stderr[-3000:]}"
        state["cwd"] = Path(marker.read_text().strip())
        state["ran"].append(cmd)
        expect_output(cmd, r.stdout, expected)

    for line in body.splitlines():
        if line.startswith("$ "):
            flush()
            cmd, expected = line[2:], []
        elif line.strip():
            assert cmd is not None, f"output line before any command: {line!r}"
            expected.append(line)
    flush()


@pytest.fixture(scope="module")
def fresh_env(tmp_path_factory):
    """A new virtual environment that sees this one's packages and has jiuzhu installed, editable."""
    venv = tmp_path_factory.mktemp("venv")
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(venv)], check=True)
    py = venv / "bin" / "python"
    site = Path(subprocess.run([str(py), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
                               capture_output=True, text=True, check=True).stdout.strip())
    # this environment's packages (pip, setuptools, pytest, jiuzhu's dependencies), found after the venv's own
    (site / "outer.pth").write_text(sysconfig.get_paths()["purelib"] + "\n", encoding="utf-8")
    env = {k: v for k, v in os.environ.items() if not k.startswith(("JIUZHU_", "PYTEST_", "PYTHON", "VIRTUAL_ENV"))}
    env.update(PATH=f"{venv / 'bin'}{os.pathsep}{env.get('PATH', '')}", VIRTUAL_ENV=str(venv),
               PIP_DISABLE_PIP_VERSION_CHECK="1", PIP_NO_INDEX="1")
    (venv / "bin" / "pip").write_text(f"#!/bin/sh\nexec {py} -m pip \"$@\"\n", encoding="utf-8")
    (venv / "bin" / "pip").chmod(0o755)
    subprocess.run([str(py), "-m", "pip", "install", "-q", "--no-deps", "--no-build-isolation", "-e", str(ROOT)], env=env, check=True,
                   capture_output=True)
    return env


def test_the_guide_runs_as_written(tmp_path, fresh_env):
    text = GUIDE.read_text(encoding="utf-8")
    work = tmp_path / "work"
    work.mkdir()
    state = {"cwd": work, "tmp": tmp_path, "ran": []}
    for lang, opts, body in blocks(text):
        if lang == "console":
            run_console(body, state, fresh_env)
        elif "file" in opts:
            apply_file_block(lang, opts, body, state["cwd"])
    # the guide covers what a region author does, in this order
    ran = "\n".join(state["ran"])
    for step in ("jiuzhu new-region moumou", "pip install --no-build-isolation -e ./jiuzhu-moumou", "jiuzhu evaluate", "python -m pytest",
                 "python make_notice.py", "jiuzhu forms", "jiuzhu check-region moumou"):
        assert step in ran, f"the guide no longer runs {step!r}"
    # the filled notice carries the amounts worked out by hand in the guide's case test
    from docx import Document
    pkg = work / "jiuzhu-moumou"
    cells = [c.text for t in Document(str(pkg / "forms" / "MO-EX-002-notice.docx")).tables
             for row in t.rows for c in row.cells]
    assert "示例特困" in cells and "2720.00" in cells and "贰仟柒佰贰拾元整" in cells and "2180.00" in cells


def test_merge_rules(tmp_path):
    f = tmp_path / "p.toml"
    f.write_text('[a]\nx = 1\n[[a.values]]\nv = 1\n\n[b]\ny = 2\n', encoding="utf-8")
    merge_toml(f, '[a]\nx = 3\n[[a.values]]\nv = 3\n\n[c]\nz = 4\n')
    assert tomllib.loads(f.read_text()) == {"a": {"x": 3, "values": [{"v": 3}]}, "b": {"y": 2}, "c": {"z": 4}}
    t = tmp_path / "t.toml"
    t.write_text('[[test]]\nname = "one"\n[test.expect]\nx = 1\n', encoding="utf-8")
    merge_toml(t, '[[test]]\nname = "two"\n[test.expect]\nx = 2\n')
    assert [x["name"] for x in tomllib.loads(t.read_text())["test"]] == ["one", "two"]
    py = tmp_path / "m.py"
    py.write_text("import os\n\n\n@dec\ndef f():\n    return 1\n\n\ndef g():\n    return 2\n", encoding="utf-8")
    merge_python(py, "@dec\ndef f():\n    return 3\n")
    src = py.read_text()
    assert "return 3" in src and "return 1" not in src and "def g" in src and src.startswith("import os")
