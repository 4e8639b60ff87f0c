"""The contract kit catches broken regions with a message that says what to fix."""

from __future__ import annotations

import datetime as dt
import subprocess
import sys
from fractions import Fraction

import pytest

import attrs

from jiuzhu import (DocumentNeed, Eligibility, Layer, Plan, ReferralVerdict, RegionInfo, SignaturePlan, SourceDocument,
                    hookimpl, Program)
from jiuzhu.kit.contract import (Kit, check_annual_caps, check_hooks, check_info, check_money, check_outcome,
                             check_parameters, check_plan)
from jiuzhu.plugins import RegionFault, make_host
from jiuzhu.kit.testing import make_case

START = dt.date(2020, 1, 1)


class GoodRegion:
    """A small, correct region: 70% of what insurance leaves in scope, capped at 10 000 yuan a year."""

    code = "goodtown"
    parameters = {
        "rate": {"unit": "rate", "label": "rate", "rule": "GT-PAY-1",
                 "values": [{"from": START, "value": "0.7", "article": "第四条"}]},
        "cap": {"unit": "yuan", "label": "annual cap", "rule": "GT-PAY-2",
                "values": [{"from": START, "value": "10000", "article": "第四条"}]},
    }

    def info(self):
        return RegionInfo(self.code, "好镇", "Goodtown", "510998",
                          (SourceDocument("好府发〔2020〕1号", "好镇医疗救助办法", effective_from=START),))

    @hookimpl
    def jiuzhu_region(self):
        return self.info()

    @hookimpl
    def jiuzhu_parameters(self):
        return self.parameters

    @hookimpl
    def jiuzhu_rules(self):
        return None

    @hookimpl
    def jiuzhu_templates(self):
        return None

    @hookimpl
    def jiuzhu_examples(self):
        return None

    @hookimpl
    def jiuzhu_eligibility(self, case, ctx):
        ok = case.person.hukou.startswith("510998")
        return Eligibility(ok, (), (ctx.reason("户籍", "hukou", "第二条", "GT-ELIG-1"),))

    @hookimpl
    def jiuzhu_referral(self, case, ctx, eligibility):
        return ReferralVerdict("covered" if eligibility.eligible else "not_covered")

    @hookimpl
    def jiuzhu_signature(self, case, ctx):
        return SignaturePlan("patient", rank=1)

    def layer(self, ctx):
        return Layer("assistance", "医疗救助", "assistance", base="in_scope - deductible - basic_paid",
                     rate=ctx.params["rate"], annual_cap=ctx.params["cap"], cite=ctx.params.cite("rate"))

    @hookimpl
    def jiuzhu_reimbursement(self, case, ctx, eligibility, referral):
        return Plan((self.layer(ctx),)) if referral.covered else Plan()

    @hookimpl
    def jiuzhu_documents(self, case, ctx, outcome):
        return [DocumentNeed("form", "申请表", cite=ctx.cite("第六条", "GT-DOC-1"))]

    @hookimpl
    def jiuzhu_programs(self):
        return [Program("assistance", "医疗救助", "assistance", ("assistance",))]


class UncitedParameter(GoodRegion):
    code = "uncited"
    parameters = {**GoodRegion.parameters,
                  "cap": {"unit": "yuan", "label": "annual cap", "values": [{"from": START, "value": "10000"}]}}


class OverpayingLayer(GoodRegion):
    """Pays 150% of its base: a rate typed as 1.5 instead of 0.15."""

    code = "overpay"

    def layer(self, ctx):
        return Layer("assistance", "医疗救助", "assistance", base="in_scope - deductible - basic_paid",
                     rate=Fraction(3, 2), cite=ctx.params.cite("rate"))


class UncitedLayer(GoodRegion):
    code = "nocite"

    def layer(self, ctx):
        return Layer("assistance", "医疗救助", "assistance", base="in_scope", rate=ctx.params["rate"])


class MissingHooks:
    @hookimpl
    def jiuzhu_region(self):
        return GoodRegion().info()


def kit_for(plugin) -> Kit:
    host = make_host(extra=[plugin], load_entrypoints=False)
    return Kit(host, plugin.jiuzhu_region().code)


def local_case(**bill):
    bill = {"total": "10000", "in_scope": "10000", **bill}
    return make_case({"region": None, "person": {"hukou": "510998104000"}, "facility": {"location": "510998"},
                      "bill": bill})


def test_good_region_passes_every_check():
    kit = kit_for(GoodRegion())
    assert check_hooks(kit) == []
    assert check_info(kit) == []
    assert check_parameters(kit) == []
    case = local_case(basic_paid="5000")
    outcome = kit.engine.evaluate(case, kit.code)
    assert outcome.settlement.assistance == 350000
    assert check_outcome(outcome) == []
    assert check_money(case, outcome) == []


def test_parameter_without_citation_says_what_to_add():
    problems = check_parameters(kit_for(UncitedParameter()))
    assert len(problems) == 1
    assert problems[0].startswith("parameters.uncited.cap (from 2020-01-01): value '10000' has no citation")
    assert 'add article = "…"' in problems[0] and 'rule = "RULE-ID"' in problems[0]


def test_layer_paying_more_than_its_base_is_caught():
    kit = kit_for(OverpayingLayer())
    # base = 6000 in scope − 2000 basic insurance = 4000; 1.5 × 4000 = 6000 would be paid on a base of 4000:
    # the engine refuses the plan at the boundary instead of settling it
    case = local_case(in_scope="6000", fully_self_paid="4000", basic_paid="2000")
    with pytest.raises(RegionFault, match=r"region overpay: jiuzhu_reimbursement returned Plan with field "
                                          r"layers\[0\] \(assistance\)\.rate: expected a rate from 0 to 1, got 3/2"):
        kit.engine.evaluate(case, kit.code)
    plan = kit.region.call("jiuzhu_reimbursement", case=case, ctx=kit.engine.context(kit.code, START),
                           eligibility=Eligibility(True), referral=ReferralVerdict("covered"))
    assert check_plan(plan, "overpay") == ["overpay: layer assistance: rate 3/2 is outside 0…1; "
                                           "a layer pays at most its base (use a rate ≤ 1)"]


def test_uncited_layer_is_caught():
    kit = kit_for(UncitedLayer())
    problems = check_outcome(kit.engine.evaluate(local_case(), kit.code))
    assert problems == ["layer assistance has no citation; pass cite=ctx.cite(article, rule) to Layer(...)"]


def test_missing_hooks_are_named_with_their_signature():
    kit = kit_for(MissingHooks())
    problems = check_hooks(kit)
    assert len(problems) == 10  # every region hook but jiuzhu_region
    assert any("jiuzhu_reimbursement is not implemented; add `@hookimpl def jiuzhu_reimbursement(case, ctx, "
               "eligibility, referral) -> Plan`" in p for p in problems)


def test_annual_cap_holds_across_admissions():
    kit = kit_for(GoodRegion())
    series = [local_case(), local_case(), local_case()]  # 7000 each; the cap is 10 000
    assert check_annual_caps(kit, series) == []
    paid = []
    ytd = {}
    from jiuzhu.model import History
    import attrs
    for i, c in enumerate(series):
        out = kit.engine.evaluate(attrs.evolve(c, history=History(dict(ytd), i)), kit.code)
        paid.append(out.settlement.assistance)
        ytd["assistance"] = ytd.get("assistance", 0) + paid[-1]
    assert paid == [700000, 300000, 0]


KIT_FILE = '''
from jiuzhu.kit.contract import RegionContract
from jiuzhu.plugins import make_host
from test_contract_kit import GoodRegion, OverpayingLayer, UncitedParameter


class TestGood(RegionContract):
    region_code = "goodtown"
    max_examples = 15

    @classmethod
    def make_host(cls):
        return make_host(extra=[GoodRegion()], load_entrypoints=False)


class TestBroken(RegionContract):
    region_code = "overpay"
    max_examples = 15

    @classmethod
    def make_host(cls):
        return make_host(extra=[OverpayingLayer()], load_entrypoints=False)


class TestUncited(RegionContract):
    region_code = "uncited"
    max_examples = 5

    @classmethod
    def make_host(cls):
        return make_host(extra=[UncitedParameter()], load_entrypoints=False)


class TestNoCode(RegionContract):
    pass
'''


def test_region_contract_class_runs_the_kit(tmp_path):
    """The one-line opt-in, run by pytest: the good region passes, the broken ones fail saying what to fix."""
    (tmp_path / "test_kit_run.py").write_text(KIT_FILE, encoding="utf-8")
    (tmp_path / "test_contract_kit.py").write_text(open(__file__, encoding="utf-8").read(), encoding="utf-8")
    r = subprocess.run([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "-rA", "test_kit_run.py"],
                       cwd=tmp_path, capture_output=True, text=True, timeout=300)
    out = r.stdout + r.stderr
    assert r.returncode == 1, out
    for name in ("test_every_hook_is_implemented", "test_parameters_are_cited_and_dated", "test_money_invariants",
                 "test_annual_caps_across_admissions", "test_same_case_same_outcome", "test_outcomes_carry_citations"):
        assert f"PASSED test_kit_run.py::TestGood::{name}" in out, out
    assert "FAILED test_kit_run.py::TestBroken::test_money_invariants" in out, out
    assert "FAILED test_kit_run.py::TestBroken::test_every_hook_answers" in out, out
    assert "jiuzhu_reimbursement returned Plan with field layers[0] (assistance).rate: expected a rate from 0 to 1, got 3/2" in out
    assert "FAILED test_kit_run.py::TestUncited::test_parameters_are_cited_and_dated" in out, out
    assert "parameters.uncited.cap (from 2020-01-01): value '10000' has no citation; add article" in out
    assert "set region_code = 'yourcode' on your RegionContract subclass" in out


class WomenOnly(GoodRegion):
    """Covers women only, yet says it never reads the sex: a batch would group men with women."""

    code = "womenonly"

    def info(self):
        return attrs.evolve(super().info(), reads_sex=False)

    @hookimpl
    def jiuzhu_eligibility(self, case, ctx):
        ok = ctx.sex(case) == "female"
        return Eligibility(ok, (), (ctx.reason("妇女", "women", "第二条", "WO-ELIG-1"),))


def test_a_region_that_reads_the_sex_must_say_so():
    from jiuzhu.kit.contract import check_sex_blind
    # 510998 19800101 002 → 17th digit 2 (even): a woman; the check flips it to 3, a man
    case = local_case(basic_paid="5000")
    case = attrs.evolve(case, person=attrs.evolve(case.person, id_number=with_check("51099819800101002")))
    problems = check_sex_blind(kit_for(WomenOnly()), case)
    assert len(problems) == 1 and "reads_sex = False" in problems[0] and "womenonly" in problems[0]
    # the same hooks declared as reading the sex (the default) pass
    assert check_sex_blind(kit_for(GoodRegion()), case) == []


def with_check(first17: str) -> str:
    from jiuzhu.model.idcard import check_char
    return first17 + check_char(first17)
