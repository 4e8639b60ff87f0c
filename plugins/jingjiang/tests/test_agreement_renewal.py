"""第九条 「初次合作协议期限自协议生效之日起至2020年12月31日止……另行签订合作协议」: the renewed agreement
follows the first, so its end date (a deployment parameter) lies after 2020-12-31. A stay admitted within
the first agreement is never refused because of a mistyped renewal."""

from __future__ import annotations

import pytest
from jiuzhu.kit.testing import make_case, make_engine
from jiuzhu.model.errors import InputError

BASE = {"person": {"name": "测试人", "id_number": "32128219680702052X", "hukou": "321282104203",
                   "categories": ["dibao"], "scheme": "residents", "card_number": "JJJZ2019000001"},
        "facility": {"name": "靖江市新桥镇卫生院", "level": "primary", "ownership": "public",
                     "designations": ["insurance", "assistance"], "location": "321282104"},
        "episode": {"kind": "inpatient", "admitted": "2020-12-28", "discharged": "2021-01-05"},
        "bill": {"total": "10000", "in_scope": "10000", "basic_paid": "6000"}}


def evaluate(end, over=None):
    eng = make_engine(parameters={"jingjiang": {"renewed_agreement_end": end}})
    return eng.evaluate(make_case(over or {}, base=BASE), region="jingjiang")


@pytest.mark.rule("JJ-FUND-3")
def test_a_renewal_continues_the_first_agreement():
    # admitted 2020-12-28 under the first agreement, discharged 2021-01-05 under the renewal (to 2023-12-31):
    # the whole stay is covered, 80 % × (10,000 − 6,000) = 3,200, and no period is crossed
    o = evaluate("2023-12-31")
    assert o.referral.covered and o.settlement.assistance == 320000
    assert "policy_period_crossed" not in [w.kind for w in o.warnings]


@pytest.mark.rule("JJ-FUND-3")
@pytest.mark.parametrize("end", ["2020-06-30", "2020-12-31", "2019-01-01"])
def test_a_renewal_ending_before_the_first_agreement_is_refused_naming_the_parameter(end):
    # a renewed agreement that ends on or before 2020-12-31 would refuse this stay, admitted within the first
    # agreement: the deployment value is wrong, said on one line naming it
    with pytest.raises(InputError, match=r"parameters\.jingjiang\.renewed_agreement_end: a date after .*2020-12-31"):
        evaluate(end)
