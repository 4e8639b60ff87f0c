"""Case tests as data: a policy expert writes the case and the expected outcome in TOML.

A file named ``*.case.toml`` holds one or more ``[[test]]`` tables::

    [[test]]
    name = "in-county admission via the township"
    case = "../examples/in_county.toml"     # a case file, relative to this file …
    # input = { person = {...}, ... }       # … or the case inline
    region = "wusheng"
    as_of = 2026-03-02                      # optional: judge by the rules in force that day
    config = { compose_parents = false }    # optional: deployment settings (as in jiuzhu.toml)
    rules = ["WS-REF-1", "WS-PAY-2"]        # the inventory rules this test checks

    [test.expect]                           # every key optional; only what is given is checked
    eligible = true
    verdict = "covered"                     # covered / pay_first_claim / reduced / not_covered / case_by_case / not_applicable
    layers = { relief_fund = "2325.00" }    # layer id = amount in yuan ("0.00" for a layer that pays nothing)
    absent_layers = ["tilted_payment"]      # layers that must not appear
    assistance = "2325.00"                  # all layers computed by the regions
    burden = "0.00"                         # personal burden
    signer = "guardian"                     # signer role
    signer_rank = 2
    decision = "routine"
    forms = ["attachment_1", "attachment_3"]  # exactly these form ids, in any order
    deadlines = [{ due = 2026-04-05, what = "申报" }]  # each must appear (what: a substring of the description)
    cited_rules = ["WS-PAY-2"]              # each must be cited somewhere in the outcome
    error = "effective_date"                # instead of an outcome: evaluation fails with this in its message

:func:`run_test` returns the list of differences (empty when the test passes); the pytest plugin
(:mod:`jiuzhu.kit.pytest_plugin`) turns each ``[[test]]`` into a test item.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from jiuzhu.io.config import parse_config
from jiuzhu.rules.engine import Engine
from jiuzhu.model.errors import JiuzhuError
from jiuzhu.io.loader import load_case, structure_case
from jiuzhu.model.money import to_fen, yuan
from jiuzhu.model.tomlio import load_toml

EXPECT_KEYS = {"eligible", "verdict", "layers", "absent_layers", "assistance", "burden", "signer", "signer_rank",
               "decision", "forms", "deadlines", "cited_rules", "error"}


def load_tests(path: Path) -> list[dict]:
    raw = load_toml(path, "case test")
    tests = raw.get("test", [])
    if not tests:
        raise JiuzhuError(f"{path}: no [[test]] tables")
    return tests


def run_test(test: dict, base_dir: Path, host=None) -> list[str]:
    """Evaluate one case test; return human-readable differences."""
    expect = test.get("expect", {})
    unknown = set(expect) - EXPECT_KEYS
    if unknown:
        return [f"expect: unknown key(s) {', '.join(sorted(unknown))}; valid: {', '.join(sorted(EXPECT_KEYS))}"]
    engine = Engine(host=host, deployment=parse_config(test.get("config", {})))
    try:
        case = load_case(base_dir / test["case"]) if "case" in test else structure_case(test["input"])
        as_of = test.get("as_of")
        if isinstance(as_of, str):
            as_of = dt.date.fromisoformat(as_of)
        outcome = engine.evaluate(case, test.get("region"), as_of)
    except JiuzhuError as exc:
        if "error" in expect and expect["error"] in str(exc):
            return []
        return [f"evaluation failed: {exc}"]
    if "error" in expect:
        return [f"expected an error containing {expect['error']!r}, but evaluation succeeded"]
    return compare(outcome, expect)


def compare(outcome, expect: dict) -> list[str]:
    diffs = []

    def check(what, got, want):
        if got != want:
            diffs.append(f"{what}: expected {want!r}, got {got!r}")

    if "eligible" in expect:
        check("eligible", outcome.eligibility.eligible, expect["eligible"])
    if "verdict" in expect:
        check("verdict", outcome.referral.kind, expect["verdict"])
    layers = {l.id: l for l in outcome.settlement.layers}
    for lid, amount in expect.get("layers", {}).items():
        if lid not in layers:
            diffs.append(f"layer {lid}: expected {amount}, but the layer is absent (present: {', '.join(layers)})")
        else:
            check(f"layer {lid}", yuan(layers[lid].amount), yuan(to_fen(amount, f"expect.layers.{lid}")))
    for lid in expect.get("absent_layers", []):
        if lid in layers:
            diffs.append(f"layer {lid}: expected absent, got {yuan(layers[lid].amount)}")
    if "assistance" in expect:
        check("assistance", yuan(outcome.settlement.assistance), yuan(to_fen(expect["assistance"], "expect.assistance")))
    if "burden" in expect:
        check("burden", yuan(outcome.settlement.burden), yuan(to_fen(expect["burden"], "expect.burden")))
    sig = outcome.signature
    if "signer" in expect:
        check("signer", sig.signer_role if sig else None, expect["signer"])
    if "signer_rank" in expect:
        check("signer_rank", sig.rank if sig else None, expect["signer_rank"])
    if "decision" in expect:
        check("decision", sig.decision if sig else None, expect["decision"])
    if "forms" in expect:
        check("forms", sorted(d.form_id for d in outcome.documents), sorted(expect["forms"]))
    for want in expect.get("deadlines", []):
        due = want.get("due")
        due = dt.date.fromisoformat(due) if isinstance(due, str) else due
        text = want.get("what", "")
        hits = [d for d in outcome.deadlines if (due is None or d.due == due) and (text in d.what_zh or text in d.what_en)]
        if not hits:
            got = "; ".join(f"{d.due} {d.what_zh}" for d in outcome.deadlines) or "none"
            diffs.append(f"deadline {due} {text!r}: not found (deadlines: {got})")
    cited = {c.rule for c in outcome.citations}
    for rid in expect.get("cited_rules", []):
        if rid not in cited:
            diffs.append(f"cited_rules: {rid} is not cited (cited: {', '.join(sorted(r for r in cited if r))})")
    return diffs


def actual_expect(test: dict, base_dir: Path, host=None) -> list[str]:
    """What the outcome actually is, written as ``[test.expect]`` lines, so a failing test shows the
    whole outcome in its own format (and an expert can copy what is right)."""
    from jiuzhu.model.money import yuan as _y
    try:
        engine = Engine(host=host, deployment=parse_config(test.get("config", {})))
        case = load_case(base_dir / test["case"]) if "case" in test else structure_case(test["input"])
        as_of = test.get("as_of")
        as_of = dt.date.fromisoformat(as_of) if isinstance(as_of, str) else as_of
        out = engine.evaluate(case, test.get("region"), as_of)
    except JiuzhuError as exc:
        return [f'error = "{exc}"']
    sig = out.signature
    layers = ", ".join(f'{l.id} = "{_y(l.amount)}"' for l in out.settlement.layers)
    lines = [f"eligible = {'true' if out.eligibility.eligible else 'false'}", f'verdict = "{out.referral.kind}"',
             f"layers = {{ {layers} }}", f'assistance = "{_y(out.settlement.assistance)}"',
             f'burden = "{_y(out.settlement.burden)}"']
    if sig:
        lines += [f'signer = "{sig.signer_role}"', f"signer_rank = {sig.rank}" if sig.rank else "",
                  f'decision = "{sig.decision}"']
    lines.append("forms = [" + ", ".join(f'"{d.form_id}"' for d in out.documents) + "]")
    if out.deadlines:
        lines.append("deadlines = [" + ", ".join(f'{{ due = {d.due}, what = "{d.what_zh}" }}' if d.due else
                                                 f'{{ what = "{d.what_zh}" }}' for d in out.deadlines) + "]")
    lines.append("cited_rules = [" + ", ".join(f'"{r}"' for r in sorted({c.rule for c in out.citations if c.rule})) + "]")
    return [l for l in lines if l]
