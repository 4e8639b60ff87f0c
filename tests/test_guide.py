"""docs/adding-a-region.md, followed literally: scaffold, install, list, evaluate, test."""

from __future__ import annotations

import os
import shlex
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

pytestmark = pytest.mark.slow

GUIDE = Path(__file__).resolve().parents[1] / "docs" / "adding-a-region.md"
STEPS = [
    'jiuzhu new-region moumou --name-zh 某某县 --name-en "Moumou County" --division 510999 '
    '--document "某府办发〔2024〕12号" --effective 2024-07-01 --out .',
    "pip install ./jiuzhu-moumou",
    "jiuzhu regions",
    "jiuzhu evaluate jiuzhu-moumou/jiuzhu_moumou/examples/example.toml",
    "cd jiuzhu-moumou && python -m pytest",
]


def _jiuzhu() -> list[str]:
    exe = Path(sys.executable).with_name("jiuzhu")
    return [str(exe)] if exe.exists() else [shutil.which("jiuzhu") or "jiuzhu"]


def run(args, cwd, env):
    r = subprocess.run(args, cwd=cwd, env=env, capture_output=True, text=True, timeout=120)
    assert r.returncode == 0, f"{shlex.join(args)} exited {r.returncode}:\n{r.stdout}\n{r.stderr}"
    return r.stdout


def test_guide_lists_the_steps_this_test_runs():
    text = GUIDE.read_text(encoding="utf-8")
    for step in STEPS:
        assert f"$ {step}\n" in text, f"the guide no longer says: {step}"


def test_scaffold_install_list_evaluate_test(tmp_path):
    env = {k: v for k, v in os.environ.items() if not k.startswith(("JIUZHU_", "PYTEST_"))}
    env["PATH"] = str(Path(sys.executable).parent) + os.pathsep + env.get("PATH", "")
    jiuzhu = _jiuzhu()
    try:
        out = run(jiuzhu + shlex.split(STEPS[0])[1:], tmp_path, env)
        assert "created jiuzhu-moumou" in out
        # step 2, offline and fast: the current environment already has jiuzhu and a build backend
        run([sys.executable, "-m", "pip", "install", "-q", "--no-deps", "--no-build-isolation", "./jiuzhu-moumou"],
            tmp_path, env)
        out = run(jiuzhu + ["regions", "--format", "json"], tmp_path, env)
        assert '"code": "moumou"' in out and '"name_zh": "某某县"' in out
        out = run(jiuzhu + shlex.split(STEPS[2])[1:], tmp_path, env)
        assert "moumou" in out
        out = run(jiuzhu + shlex.split(STEPS[3])[1:], tmp_path, env)
        assert "某某县 Moumou County" in out and "2,380.00" in out and "某府办发〔2024〕12号 · 第四条 · MO-PAY-1" in out
        out = run([sys.executable, "-m", "pytest", "-p", "no:cacheprovider"], tmp_path / "jiuzhu-moumou", env)
        assert " passed" in out and "failed" not in out
    finally:
        subprocess.run([sys.executable, "-m", "pip", "uninstall", "-y", "-q", "jiuzhu-moumou"], capture_output=True)
