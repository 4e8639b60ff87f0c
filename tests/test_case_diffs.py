"""A failing case test lists every difference and shows the actual outcome in the test's own format."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

EXAMPLE = Path(__file__).resolve().parents[1] / "examples" / "wusheng-in-county.toml"


def test_failing_case_test_shows_differences_and_actual_outcome(tmp_path):
    (tmp_path / "wrong.case.toml").write_text(f'''
[[test]]
name = "a wrong expectation"
case = "{EXAMPLE.as_posix()}"
region = "wusheng"
config = {{ compose_parents = false, parameters = {{ wusheng = {{ effective_date = 2025-10-01 }} }} }}
[test.expect]
verdict = "reduced"
layers = {{ relief_fund = "2000.00" }}
burden = "0.00"
''', encoding="utf-8")
    r = subprocess.run([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "wrong.case.toml"],
                       cwd=tmp_path, capture_output=True, text=True, timeout=120)
    out = r.stdout
    assert r.returncode == 1, out + r.stderr
    assert "case test 'a wrong expectation' (wrong.case.toml):" in out
    assert "  - verdict: expected 'reduced', got 'covered'" in out
    assert "  - layer relief_fund: expected '2000.00', got '2325.00'" in out
    assert "burden: expected" not in out  # what matches is not reported
    assert "the actual outcome, as [test.expect]:" in out
    assert 'layers = { basic_insurance = "7875.00", critical_illness = "0.00", other_payers = "0.00", ' \
           'medical_assistance_slip = "1800.00", relief_fund = "2325.00" }' in out
