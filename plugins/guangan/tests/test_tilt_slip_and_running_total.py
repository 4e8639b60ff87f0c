"""Guang'an's tilt: where it comes from (三（三） one-stop settlement, GA-FLOW-4) and the yearly running total
the +5 points continue on (二（二）, GA-PAY-5 A0), alone, composed under Wusheng, and on a SQLite ledger.

The critical-illness table is the inventory's ILLUSTRATIVE one (NOT Guang'an policy): threshold 5,000;
5,000–30,000 at 50 %; 30,000–100,000 at 60 %; above at 70 %. +5 points on each segment (GA-PAY-6).

One stay, the slip of examples/ws-09 (yuan): total 60,000; in-scope 52,000; basic 36,000; critical illness
5,500; medical assistance 3,000. Compliant burden K = 52,000 − 36,000 = 16,000 (GA-PAY-4).
  first stay of the year (A0 = 0): CII (16,000 − 5,000) × 50 % = 5,500 (the slip agrees); tilt 11,000 × 5 % = 550.
  second stay (A0 = 16,000): interval [16,000, 32,000] = 14,000 in segment 1 + 2,000 in segment 2;
      CII 14,000 × 50 % + 2,000 × 60 % = 8,200; tilt 14,000 × 5 % + 2,000 × 5 % = 800.
  third stay (A0 = 32,000): [32,000, 48,000] all in segment 2: CII 16,000 × 60 % = 9,600; tilt 16,000 × 5 % = 800.
"""

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from jiuzhu.cli import cli
from jiuzhu.io.loader import load_case, structure_case, unstructure_case
from jiuzhu.kit.testing import layer, make_engine, merge

EXAMPLE = Path(__file__).parents[2] / "wusheng" / "examples" / "ws-09-composed-with-guangan.toml"
SEGMENTS = [{"from": "2018-01-01", "value": [{"from": "5000", "to": "30000", "rate": "0.5"},
                                             {"from": "30000", "to": "100000", "rate": "0.6"},
                                             {"from": "100000", "rate": "0.7"}]}]
GA = {"critical_illness_segments": SEGMENTS, "individual_premium": "180"}
WS = {"effective_date": "2025-10-01"}


def engine(compose=True, **ga):
    return make_engine({"compose_parents": compose}, parameters={"guangan": {**GA, **ga}, "wusheng": WS})


def ws09(over=None):
    raw = unstructure_case(load_case(EXAMPLE))
    return structure_case(merge(raw, over or {}))


def a3(out):
    return next(d for d in out.documents if d.form_id == "attachment_3").data


def kinds(out):
    return {w.kind for w in out.warnings}


TILT_ON_SLIP = {"bill": {"other_payers": [{"kind": "tilted_payment", "amount": "550"}]}}


# -- 2. the source of the tilt, and 附件3 against the slip ----------------------------------------

@pytest.mark.rule("GA-FLOW-4")
@pytest.mark.rule("WS-AMB-14")
def test_computed_tilt_and_attachment_3_reconciles_with_the_slip():
    out = engine().evaluate(ws09(), region="wusheng")
    # default tilt_source = computed: the slip has no tilt; jiuzhu computes 550
    assert layer(out, "critical_illness_tilt") == 55000
    # relief fund: 60,000 − 36,000 − 5,500 − 550 − 3,000 = 14,950; the person pays 0
    assert layer(out, "relief_fund") == 1495000 and out.settlement.burden == 0
    d = a3(out)
    # 医保报销费用 = what the slip shows: 36,000 + 5,500 + 3,000 = 44,500 (= the slip's paid); 个人自付 60,000 − 44,500
    # = 15,500 = the computed tilt 550 (its own column) + the relief fund's 14,950 + 0 left to the person
    assert (d["insurance_paid"], d["personal_self_pay"], d["other_security_paid"], d["assistance_claimed"]) == \
        ("44500.00", "15500.00", "550.00", "14950.00")
    assert d["insurance_layers"] == {"basic_insurance": "36000.00", "critical_illness": "5500.00",
                                     "medical_assistance_slip": "3000.00"}


@pytest.mark.rule("GA-FLOW-4")
@pytest.mark.rule("WS-PAY-2")
def test_tilt_read_from_the_slip_is_not_computed_again():
    out = engine(tilt_source="slip").evaluate(ws09(TILT_ON_SLIP), region="wusheng")
    ids = [l.id for l in out.settlement.layers]
    assert "critical_illness_tilt" not in ids and "other_payers.tilted_payment" not in ids
    assert layer(out, "tilted_payment_slip") == 55000
    # relief fund 60,000 − 36,000 − 5,500 − 550 − 3,000 = 14,950: the slip's 550 once, not 1,100
    assert layer(out, "relief_fund") == 1495000 and out.settlement.burden == 0
    d = a3(out)
    # the slip carries the tilt: 医保报销费用 36,000 + 5,500 + 550 + 3,000 = 45,050; 个人自付 14,950 = the claim
    assert (d["insurance_paid"], d["personal_self_pay"], d["other_security_paid"], d["assistance_claimed"]) == \
        ("45050.00", "14950.00", "0.00", "14950.00")
    assert "tilt_not_on_slip" not in kinds(out)
    # Guang'an's section names the layer as the slip's figure
    ga = next(r for r in out.regions if r.code == "guangan")
    assert [(e.id, e.given, e.amount) for e in ga.effects if e.id == "tilted_payment_slip"] == \
        [("tilted_payment_slip", True, 55000)]


@pytest.mark.rule("GA-FLOW-4")
def test_slip_source_but_no_tilt_on_the_slip_warns_and_counts_zero():
    out = engine(tilt_source="slip").evaluate(ws09(), region="wusheng")
    # nothing read, nothing computed: relief fund 60,000 − 36,000 − 5,500 − 3,000 = 15,500
    assert layer(out, "tilted_payment_slip") == 0 and layer(out, "relief_fund") == 1550000
    assert "tilt_not_on_slip" in kinds(out)


@pytest.mark.rule("GA-FLOW-4")
@pytest.mark.parametrize("on_slip, computed_rest", [("550", 0), ("200", 35000), ("800", 0)])
def test_computed_source_with_a_tilt_on_the_slip_counts_it_once(on_slip, computed_rest):
    c = ws09({"bill": {"other_payers": [{"kind": "tilted_payment", "amount": on_slip}]}})
    out = engine().evaluate(c, region="wusheng")
    # the slip's tilt stands after CII; the computed 550 is reduced by it: 550 − 550 = 0, or 550 − 200 = 350
    assert layer(out, "other_payers.tilted_payment") == int(on_slip) * 100
    assert layer(out, "critical_illness_tilt") == computed_rest
    # relief fund: 60,000 − 36,000 − 5,500 − 550 − 3,000 = 14,950 (14,700 when the slip's tilt is 800)
    assert layer(out, "relief_fund") == 1495000 - max(0, int(on_slip) - 550) * 100
    assert "tilt_on_slip" in kinds(out)
    # the explanation tells the same story: 11,000 × 5 % = 550, less the slip's tilt, gives what is paid
    from jiuzhu.io.report import explain_layer, to_json
    tilt = next(l for l in out.settlement.layers if l.id == "critical_illness_tilt")
    assert (tilt.less, tilt.less_amount, tilt.computed) == ("other.tilted_payment", int(on_slip) * 100, computed_rest)
    line = explain_layer(tilt)
    assert "→ 550.00" in line and f"other.tilted_payment({int(on_slip)}.00) → {computed_rest // 100}.00" in line
    js = next(l for l in to_json(out)["settlement"]["layers"] if l["id"] == "critical_illness_tilt")
    assert js["less"] == {"column": "other.tilted_payment", "amount": f"{on_slip}.00", "before": "550.00"}


@pytest.mark.rule("GA-FLOW-4")
@pytest.mark.rule("GA-PAY-2")
def test_registered_poor_cap_with_the_tilt_on_the_slip():
    # registered poor, GA-PAY-2 Ex A numbers: total 20,000, basic 13,500 → R2 6,500; C = 2,000; P3 = 4,500.
    # With tilt_source = slip and the window's 4,500 on the slip: read, not recomputed; the person pays 2,000.
    bill = {"total": "20000", "in_scope": "18000", "first_self_paid": "0", "over_limit": "0", "fully_self_paid": "2000",
            "deductible": "0", "basic_paid": "13500", "critical_paid": "0", "assistance_paid": "0",
            "other_payers": [{"kind": "tilted_payment", "amount": "4500"}]}
    c = ws09({"person": {"categories": ["registered_poor"]}, "bill": bill})
    out = engine(compose=False, tilt_source="slip").evaluate(c, region="guangan")
    assert layer(out, "tilted_payment_slip") == 450000 and layer(out, "tilted_payment_poor") == 0
    assert out.settlement.burden == 200000


# -- 3. the running total ---------------------------------------------------------------------

DIBAO = {"person": {"categories": ["dibao"], "area": "rural"}}


def stay(n: int, setl_id: str, admitted: str, history=None):
    """The ws-09 slip for a rural dibao person (Guang'an's +5 group, not a Wusheng 特困 person), with the
    critical-illness payment of the n-th stay of the year (5,500 / 8,200 / 9,600, see the module docstring)."""
    cii = {1: "5500", 2: "8200", 3: "9600"}[n]
    over = merge(DIBAO, {"id": setl_id, "episode": {"admitted": admitted, "discharged": admitted},
                         "bill": {"critical_paid": cii, "setl_id": setl_id}})
    over["episode"]["path"] = [{**s, "on": admitted, "actions": [{**a, "on": admitted} for a in s.get("actions", [])]}
                               for s in unstructure_case(load_case(EXAMPLE))["episode"]["path"]]
    if history:
        over["history"] = history
    return ws09(over)


@pytest.mark.rule("GA-PAY-5")
def test_second_and_third_stays_continue_the_segments_via_history():
    eng = engine()
    assert layer(eng.evaluate(stay(1, "S1", "2026-04-05"), region="wusheng"), "critical_illness_tilt") == 55000
    two = eng.evaluate(stay(2, "S2", "2026-06-05", {"ytd": {"critical_illness_counted": "16000"}, "admissions": 1}),
                       region="wusheng")
    assert layer(two, "critical_illness_tilt") == 80000 and "running_total_missing" not in kinds(two)
    # the dibao person pays 60,000 − 36,000 − 8,200 − 800 − 3,000 = 12,000 (Wusheng's relief fund is not theirs)
    assert two.settlement.burden == 1200000
    three = eng.evaluate(stay(3, "S3", "2026-09-05", {"ytd": {"critical_illness_counted": "32000"}, "admissions": 2}),
                         region="wusheng")
    assert layer(three, "critical_illness_tilt") == 80000


@pytest.mark.rule("GA-PAY-5")
def test_missing_running_total_is_warned():
    eng = engine()
    # the second stay without a running total: the year restarts, tilt 550 instead of 800 (the person pays 250 more)
    out = eng.evaluate(stay(2, "S2", "2026-06-05"), region="wusheng")
    assert layer(out, "critical_illness_tilt") == 55000
    # the slip's CII 8,200 > the 5,500 a first stay would get: a running total is implied
    w = next(w for w in out.warnings if w.kind == "running_total_missing")
    assert w.field == "history.ytd.critical_illness_counted" and w.cite.rule == "GA-PAY-5"
    # an earlier admission recorded, the slip consistent with a first stay: still warned
    out = eng.evaluate(stay(1, "S1", "2026-06-05", {"admissions": 1}), region="wusheng")
    assert "running_total_missing" in kinds(out)
    # a genuine first stay: no warning
    assert "running_total_missing" not in kinds(eng.evaluate(stay(1, "S1", "2026-04-05"), region="wusheng"))


@pytest.mark.rule("GA-PAY-5")
def test_programme_counts_every_stay_from_the_slip():
    from jiuzhu.rules.engine import bill_columns
    prog = next(p for _, p in engine().programs("wusheng") if p.id == "critical_illness_counted")
    c = stay(1, "S1", "2026-04-05")
    # K = 52,000 − 36,000 = 16,000, whatever the layers paid (also when no tilt is paid)
    assert prog.counted((), bill_columns(c)) == 1600000


@pytest.mark.rule("GA-PAY-5")
def test_settle_on_a_sqlite_ledger_continues_the_year(tmp_path):
    url = f"sqlite:///{tmp_path / 'ledger.db'}"
    cfg = tmp_path / "jiuzhu.toml"
    seg = ", ".join('{ from = "%s"%s, rate = "%s" }' % (s["from"], f', to = "{s["to"]}"' if "to" in s else "", s["rate"])
                    for s in SEGMENTS[0]["value"])
    cfg.write_text(f'region = "wusheng"\n[parameters.wusheng]\neffective_date = 2025-10-01\n'
                   f'[parameters.guangan]\nindividual_premium = "180"\ncritical_illness_segments = [{seg}]\n',
                   encoding="utf-8")
    assert CliRunner().invoke(cli, ["db", "upgrade", "--db", url]).exit_code == 0
    tilts = []
    for n, day in ((1, "2026-04-05"), (2, "2026-06-05"), (3, "2026-09-05")):
        p = tmp_path / f"s{n}.json"
        p.write_text(json.dumps(unstructure_case(stay(n, f"S{n}", day)), ensure_ascii=False), encoding="utf-8")
        res = CliRunner().invoke(cli, ["--config", str(cfg), "settle", str(p), "--db", url, "--format", "json"])
        assert res.exit_code == 0, res.output
        out = json.loads(res.output)["outcome"]
        tilts.append(next(l["amount"] for l in out["settlement"]["layers"] if l["id"] == "critical_illness_tilt"))
        assert "running_total_missing" not in {w["kind"] for w in out["warnings"]}
    # 550, then 800 (A0 16,000 from the ledger), then 800 (A0 32,000)
    assert tilts == ["550.00", "800.00", "800.00"]
