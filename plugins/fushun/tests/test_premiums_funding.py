"""Premium subsidies (§四(一)), funding checks (§六(二)) and sanctions (§六(四)), by hand from the seed."""

from __future__ import annotations

import datetime as dt
from fractions import Fraction

import pytest

from jiuzhu.model.errors import MissingParameter
from jiuzhu.kit.testing import make_engine
from jiuzhu_fushun import funding
from jiuzhu_fushun.premiums import critical_illness_covered, may_move_to_residents_scheme, premium_subsidy

DAY = dt.date(2025, 1, 1)


def ctx(**params):
    return make_engine(parameters={"fushun": params} if params else None).context("fushun", DAY)


C = 10000  # a hypothetical individual contribution of 100 yuan, in fen


@pytest.mark.rule("FS-PREM-1", "FS-PREM-6")
def test_full_subsidy_dibao_and_extreme_poverty():
    for cat in ("dibao", "extreme_poverty"):
        for scheme in ("residents", "ncms"):
            s = premium_subsidy(ctx(), [cat], scheme, C)
            assert (s.subsidy, s.personal) == (10000, 0)
            assert critical_illness_covered(ctx(), [cat], scheme)
            assert "FS-PREM-6" in [r.cite.rule for r in s.reasons]


@pytest.mark.rule("FS-PREM-2", "FS-AMB-7")
def test_near_dibao_residents_scheme_pays_the_scheme_standard():
    s = premium_subsidy(ctx(), ["near_dibao"], "residents", C)
    assert (s.subsidy, s.personal) == (0, 10000)
    assert s.reasons[0].cite.rule == "FS-PREM-2"


@pytest.mark.rule("FS-PREM-3", "FS-AMB-6")
def test_near_dibao_ncms_sixty_percent_of_dibao_subsidy():
    # dibao subsidy 100 → 60 % = 60; the person pays 40
    s = premium_subsidy(ctx(), ["near_dibao"], "ncms", C)
    assert (s.subsidy, s.personal) == (6000, 4000)


@pytest.mark.rule("FS-AMB-6")
def test_near_dibao_ncms_dibao_line_reading():
    # reading B: 60 % of a deployment's dibao amount of 50 yuan = 30 yuan
    s = premium_subsidy(ctx(near_ncms_premium_basis="dibao_line", dibao_line_premium_basis="50"), ["near_dibao"],
                        "ncms", C)
    assert s.subsidy == 3000
    with pytest.raises(MissingParameter):  # the seed gives no dibao amount: required deployment parameter
        premium_subsidy(ctx(near_ncms_premium_basis="dibao_line"), ["near_dibao"], "ncms", C)


@pytest.mark.rule("FS-PREM-4")
def test_premium_subsidies_through_existing_channels():
    assert premium_subsidy(ctx(), ["dibao"], "ncms", C).funding == "原有渠道"


@pytest.mark.rule("FS-PREM-5", "FS-AMB-9")
def test_dibao_leaving_employees_scheme():
    assert may_move_to_residents_scheme(["dibao"], True, True, True) is True
    assert may_move_to_residents_scheme(["dibao"], True, True, False) is False  # 经本人同意
    assert may_move_to_residents_scheme(["dibao"], True, False, True) is False  # 确实无力缴纳
    assert may_move_to_residents_scheme(["extreme_poverty"], True, True, True) is False  # only 低保对象 named
    assert premium_subsidy(ctx(), ["dibao"], "residents", C, moved_from_employees=True).subsidy == 10000
    assert premium_subsidy(ctx(temporary_move_subsidy="none"), ["dibao"], "residents", C,
                           moved_from_employees=True).subsidy == 0
    # the citation is the clause that covers the person's own category: FS-PREM-5 for 低保对象 who moved,
    # FS-PREM-1 for 特困供养人员 (FS-PREM-5 does not name them), full subsidy 100 either way
    assert premium_subsidy(ctx(), ["dibao"], "residents", C, moved_from_employees=True).reasons[0].cite.rule == "FS-PREM-5"
    tekun = premium_subsidy(ctx(temporary_move_subsidy="none"), ["extreme_poverty"], "residents", C,
                            moved_from_employees=True)
    assert tekun.reasons[0].cite.rule == "FS-PREM-1" and tekun.subsidy == 10000


@pytest.mark.rule("FS-PREM-7")
def test_no_subsidy_for_employees_scheme():
    s = premium_subsidy(ctx(), ["dibao"], "employees", C)
    assert (s.subsidy, s.personal) == (0, 10000)
    assert not critical_illness_covered(ctx(), ["dibao"], "employees")
    assert "FS-PREM-6" not in [r.cite.rule for r in s.reasons]


P = dict(split_tolerance="0.01")


@pytest.mark.rule("FS-FUND-1", "FS-AMB-24")
def test_urban_split_seven_three():
    assert funding.urban_split(ctx(**P), 70000000, 30000000).ok  # 700,000 : 300,000
    c = funding.urban_split(ctx(**P), 65000000, 35000000)  # 65 % → fail
    assert c.status == "fail" and c.value == Fraction(65, 100)
    # premiums 0 : 100,000 on top: excluded by default (still 70 %); included they make 700k/1.1m = 63.6 %
    assert funding.urban_split(ctx(**P), 70000000, 30000000, 0, 10000000).ok
    assert not funding.urban_split(ctx(**P, split_scope="including_premiums"), 70000000, 30000000, 0, 10000000).ok


@pytest.mark.rule("FS-FUND-2")
def test_rural_funding_mainly_county():
    assert funding.rural_funding(ctx(), 800000, 200000).ok
    assert funding.rural_funding(ctx(), 200000, 800000).status == "warn"


@pytest.mark.rule("FS-FUND-4", "FS-FUND-6")
def test_disbursements():
    assert funding.disbursement(ctx(), "medical_assistance", "medical_assistance", True).ok
    assert funding.disbursement(ctx(), "medical_assistance", "living", True).status == "fail"  # 2,000 living allowance
    assert funding.disbursement(ctx(), "general", "medical_assistance", True).reason.cite.rule == "FS-FUND-4"


@pytest.mark.rule("FS-FUND-7", "FS-AMB-22")
def test_balance_ceiling():
    # raised 2,000,000 → limit 300,000: 280,000 (14 %) passes, 350,000 (17.5 %) warns
    assert funding.balance(ctx(), 28000000, 200000000).ok
    c = funding.balance(ctx(), 35000000, 200000000)
    assert c.status == "warn" and c.value == Fraction(175, 1000)
    # reading B: this year's own surplus 100,000 (5 %) passes; 350,000 as the surplus is a failure
    assert funding.balance(ctx(balance_reading="annual_hard"), 35000000, 200000000, 10000000).ok
    assert funding.balance(ctx(balance_reading="annual_hard"), 35000000, 200000000, 35000000).status == "fail"


@pytest.mark.rule("FS-SANC-2", "FS-SANC-5", "FS-SANC-6")
def test_sanctions():
    assert funding.recovery(ctx(), 360000)[0] == 360000  # 3,600 obtained by fraud → recover 3,600
    rules = [r.cite.rule for r in funding.sanctions(ctx(), suspected_crime=True, false_certificate=True)]
    assert rules == ["FS-SANC-5", "FS-SANC-6"]
    assert funding.sanctions(ctx()) == ()


@pytest.mark.rule("FS-PREM-1", "FS-PREM-5", "FS-AMB-9")
def test_dibao_and_extreme_poverty_moved_from_employees_keeps_full_subsidy_under_reading_b():
    # reading B of FS-AMB-9 withholds the subsidy only from what FS-PREM-5 grants 低保对象 who moved; a person who
    # is also 特困供养人员 is in 居民医保/新农合 as one, and FS-PREM-1 pays 「个人缴费部分…全额资助」: 100 → 100
    s = premium_subsidy(ctx(temporary_move_subsidy="none"), ["dibao", "extreme_poverty"], "ncms", C,
                        moved_from_employees=True)
    assert (s.subsidy, s.personal) == (10000, 0)
    assert s.reasons[0].cite.rule == "FS-PREM-1"


@pytest.mark.rule("FS-PREM-1", "FS-PREM-7")
def test_unknown_scheme_is_an_input_error_not_a_zero():
    # 「NCMS」 is not a scheme code (ncms is): a dibao person would silently get 0 as if in the employees' scheme
    from jiuzhu.model.errors import InputError

    for bad in ("NCMS", "none", ""):
        with pytest.raises(InputError, match="scheme"):
            premium_subsidy(ctx(), ["dibao"], bad, C)


def test_contribution_must_be_whole_fen_not_negative():
    from jiuzhu.model.errors import InputError

    for bad in (-10000, 100.5, "100", True):
        for cats in (["dibao"], ["near_dibao"]):
            with pytest.raises(InputError, match="contribution"):
                premium_subsidy(ctx(), cats, "ncms", bad)
    # an odd contribution: 60 % of 250.01 yuan = 150.006 yuan → 15001 fen (half up); the person pays 100.00
    s = premium_subsidy(ctx(), ["near_dibao"], "ncms", 25001)
    assert (s.subsidy, s.personal) == (15001, 10000)
