"""An annual cap shared with the same settlement's earlier layers (``Layer.shares_cap_with``; Guang'an GA-AMB-6 B):
a region that shares its cap with a layer its programme does not count is refused as the region's fault, and the
region contract counts what this settlement's earlier layers took (``shared_before``).

Amounts are yuan in comments, fen in assertions. The critical-illness table is the inventory's ILLUSTRATIVE one
(NOT Guang'an policy): threshold 5,000; 5,000–30,000 at 50%; 30,000–100,000 at 60%; above at 70%.
"""

from __future__ import annotations

import copy
import datetime as dt

import attrs
import pyarrow as pa
import pytest

from jiuzhu import Eligibility, Plan, RegionInfo, ReferralVerdict, SourceDocument, hookimpl
from jiuzhu.analysis.batch import flatten, rows_to_columns
from jiuzhu.analysis.checks import normalise
from jiuzhu.analysis.claims import ClaimTable, evaluate_region
from jiuzhu.kit.contract import Kit, check_annual_caps, check_money
from jiuzhu.kit.testing import ILLUSTRATIVE_PARAMETERS, make_case, make_engine
from jiuzhu.plugins import RegionFault, default_host

PATH = [{"kind": "first_contact", "to": "武胜县中心镇卫生院", "to_level": "primary"},
        {"kind": "referral", "to": "武胜县人民医院", "to_level": "county",
         "actions": [{"kind": "filing", "by": "primary_facility"}]}]
# Ex F of GA-PAY-5: in-scope 50,000, basic insurance 30,000 → K = 20,000, 15,000 of it in segment 1; the slip's
# critical-illness insurance 7,500.00; the +5 points want 15,000 × 5 % = 750.00
EX_F = {"total": "60000", "in_scope": "50000", "fully_self_paid": "10000", "basic_paid": "30000",
        "critical_paid": "7500"}


def dibao(bill=EX_F, admitted="2018-03-02"):
    return make_case({"person": {"categories": ["dibao"], "area": "urban"},
                      "facility": {"name": "武胜县人民医院", "level": "county", "location": "511622"},
                      "episode": {"admitted": admitted, "path": PATH}, "bill": dict(bill)})


def within_cap(cap_yuan):
    params = copy.deepcopy(ILLUSTRATIVE_PARAMETERS)
    params["guangan"].update(tilt_respects_cii_cap="within_cii_cap", critical_illness_annual_cap=str(cap_yuan))
    return Kit(default_host(), "guangan", {"compose_parents": False, "parameters": params})


def tilt(outcome):
    return next(l for l in outcome.settlement.layers if l.id == "critical_illness_tilt")


# -- a cap shared with a layer the programme does not count -------------------------------------------------

class SharesUncounted:
    """A throwaway region: layer pre pays 10 % of the burden, layer x 60 % under an annual cap of 3,000 yuan in
    programme P, shared with pre; but P counts only x. pre would use up the cap on this stay and be forgotten
    on the next (the year-to-date counts what P counts): the region is inconsistent."""

    @hookimpl
    def jiuzhu_region(self):
        return RegionInfo("sharesuncounted", "测试区", "Shares uncounted", "511622",
                          (SourceDocument("T-3", "test", effective_from=dt.date(2000, 1, 1)),))

    @hookimpl
    def jiuzhu_eligibility(self, case, ctx):
        return Eligibility(True, ())

    @hookimpl
    def jiuzhu_referral(self, case, ctx, eligibility):
        return ReferralVerdict("covered")

    @hookimpl
    def jiuzhu_reimbursement(self, case, ctx, eligibility, referral):
        from jiuzhu import Layer
        return Plan((Layer("pre", "前", "pre", rate="0.1"),
                     Layer("x", "限", "x", rate="0.6", annual_cap=300_000, program="P", shares_cap_with=("pre", "x"))))

    @hookimpl
    def jiuzhu_programs(self):
        from jiuzhu import Program
        return [Program("P", "限额", "capped", ("x",))]


MESSAGE = "region sharesuncounted: layer x shares its annual cap with pre, which programme P does not count (Program.layers)"


def test_a_cap_shared_with_an_uncounted_layer_is_the_regions_fault_for_one_case():
    # before: one case settled silently (pre's 10 % came off x's cap on this stay only); the batch failed with
    # a bare ValueError reported as a fault in jiuzhu
    eng = make_engine(parameters=ILLUSTRATIVE_PARAMETERS, extra_plugins=[SharesUncounted()])
    with pytest.raises(RegionFault) as err:
        eng.evaluate(dibao(), "sharesuncounted")
    assert str(err.value) == MESSAGE


def test_a_cap_shared_with_an_uncounted_layer_is_the_regions_fault_in_the_batch():
    eng = make_engine(parameters=ILLUSTRATIVE_PARAMETERS, extra_plugins=[SharesUncounted()])
    table, _ok, errors = normalise(pa.table(rows_to_columns([flatten(dibao())])), 0, ["sharesuncounted"])
    assert not errors
    run = evaluate_region(eng, ClaimTable(table), "sharesuncounted", rehome_to=False)
    assert (run.error, run.fault) == (MESSAGE, True)


# -- the contract: this settlement's shared part comes off the cap ------------------------------------------

def test_the_money_check_subtracts_what_this_settlements_earlier_layers_took():
    # M = 8,000, nothing used earlier, this slip's insurance 7,500 → 500.00 left: the tilt pays 500.00 and passes.
    kit = within_cap(8000)
    case = dibao()
    out = kit.engine.evaluate(case, "guangan")
    assert (tilt(out).amount, tilt(out).shared_before) == (50_000, 750_000)
    assert check_money(case, out) == []
    # a tilt of the full 750.00 would take the year to 7,500 + 750 = 8,250 > 8,000; the check once compared it
    # with 8,000 − 0 used and let it pass
    over = [attrs.evolve(l, amount=75_000, binding="rate") if l.id == "critical_illness_tilt" else l
            for l in out.settlement.layers]
    bad = attrs.evolve(out, settlement=attrs.evolve(out.settlement, layers=tuple(over)))
    problems = [p for p in check_money(case, bad) if "annual cap" in p]
    assert len(problems) == 1 and "pays 750.00 with 0.00 of its annual cap 8000.00 already used and 7500.00 taken " \
                                  "by this settlement's earlier layers" in problems[0]


def test_the_slips_insurance_alone_past_the_cap_is_not_the_regions_fault():
    # M = 7,000; two Ex F stays, each slip's insurance 7,500.00 (the insurer's figure, not the region's). Stay 1:
    # 7,000 − 0 − 7,500 < 0 → tilt 0.00, year 7,500. Stay 2 (A0 20,000: 10,000 in segment 1 and 10,000 in segment 2
    # → 1,000.00 wanted): 7,000 − 7,500 − 7,500 < 0 → 0.00, year 15,000. The programme is past M by the slips alone,
    # and the region paid nothing over it: no contract failure (once: "programme critical_illness paid 7500.00
    # this year, above its annual cap 7000.00").
    kit = within_cap(7000)
    series = [dibao(admitted="2018-03-02"), dibao(admitted="2018-06-02")]
    assert [tilt(kit.engine.evaluate(c, "guangan")).amount for c in series[:1]] == [0]
    assert check_annual_caps(kit, series) == []


def test_a_layer_ignoring_the_shared_part_still_fails_the_annual_cap_check(monkeypatch):
    # the failing path: a tilt that forgets this stay's insurance (shares nothing) pays 750.00 of 7,000 − 0 left,
    # and the year reaches 7,500 + 750 = 8,250 > max(7,000, 0 + 7,500 of the slip).
    import jiuzhu_guangan as G
    real = G.critical_illness_tilt
    monkeypatch.setattr(G, "critical_illness_tilt", lambda case, ctx: attrs.evolve(real(case, ctx), shares_cap_with=()))
    kit = within_cap(7000)
    problems = check_annual_caps(kit, [dibao()])
    assert problems == ["layer critical_illness_tilt: after admission 1 programme critical_illness paid 8250.00 this "
                        "year, above its annual cap 7000.00"]
