"""Guang'an: urban vs rural dibao premium subsidy (二（一）, person.area required where it moves money) and the
suspension of 五（二） (GA-ID-3) with its effect on the tilt.

Premium: the illustrative individual contribution 180 yuan (a deployment parameter, not policy).
  rural dibao 「全额资助」: 100 % × 180 = 180 subsidy, 0 personal;
  urban dibao 「按年度个人缴费标准的50%给予资助」: 50 % × 180 = 90 subsidy, 90 personal.
Tilt (inventory's ILLUSTRATIVE CII table, threshold 5,000, 50 % to 30,000): Ex F slip, in-scope 50,000 −
basic 30,000 = K 20,000; tilt (20,000 − 5,000) × 5 % = 750.
"""

from pathlib import Path

import pytest
from click.testing import CliRunner

from jiuzhu.cli import cli
from jiuzhu.io.loader import load_case
from jiuzhu.kit.testing import layer, make_case, make_engine
from jiuzhu.model.errors import InputError

EXAMPLES = Path(__file__).parent.parent / "examples"
SEGMENTS = [{"from": "2018-01-01", "value": [{"from": "5000", "to": "30000", "rate": "0.5"},
                                             {"from": "30000", "to": "100000", "rate": "0.6"},
                                             {"from": "100000", "rate": "0.7"}]}]
PARAMS = {"critical_illness_segments": SEGMENTS, "individual_premium": "180"}
GOOD_PATH = [{"kind": "first_contact", "to": "武胜县中心镇卫生院", "to_level": "primary"},
             {"kind": "referral", "to": "武胜县人民医院", "to_level": "county",
              "actions": [{"kind": "filing", "by": "primary_facility"}]}]
EX_F = {"total": "60000", "in_scope": "50000", "fully_self_paid": "10000", "basic_paid": "30000",
        "critical_paid": "7500"}


def engine(**params):
    return make_engine({"compose_parents": False}, parameters={"guangan": {**PARAMS, **params}})


def case(categories=("dibao",), person=None):
    return make_case({"person": {"categories": list(categories), "area": "rural", **(person or {})},
                      "facility": {"name": "武胜县人民医院", "level": "county", "location": "511622"},
                      "episode": {"admitted": "2018-06-01", "discharged": "2018-06-10", "path": GOOD_PATH},
                      "bill": EX_F})


def premium(out):
    return next(d for d in out.documents if d.form_id == "premium_subsidy").data


# -- 15. person.area where it moves money ----------------------------------------------------------

@pytest.mark.rule("GA-PREM-4")
@pytest.mark.rule("GA-PREM-6")
@pytest.mark.parametrize("area, share, subsidy, personal", [("rural", "100%", "180.00", "0.00"),
                                                             ("urban", "50%", "90.00", "90.00")])
def test_dibao_premium_subsidy_by_area(area, share, subsidy, personal):
    d = premium(engine().evaluate(case(person={"area": area}), region="guangan"))
    assert (d["share"], d["subsidy"], d["personal_due"]) == (share, subsidy, personal)


@pytest.mark.rule("GA-PREM-6")
def test_dibao_without_area_is_refused(tmp_path):
    text = (EXAMPLES / "urban-dibao-premium.toml").read_text(encoding="utf-8").replace('area = "urban"\n', "")
    p = tmp_path / "no-area.toml"
    p.write_text(text, encoding="utf-8")
    c = load_case(p)
    assert "person.area" in c.defaulted
    with pytest.raises(InputError) as e:
        engine().evaluate(c, region="guangan")
    assert e.value.field == "person.area"
    cfg = tmp_path / "jiuzhu.toml"
    cfg.write_text('[parameters.guangan]\nindividual_premium = "180"\n', encoding="utf-8")
    res = CliRunner().invoke(cli, ["--config", str(cfg), "evaluate", str(p), "--region", "guangan"])
    assert res.exit_code == 2 and res.output.count("\n") == 1 and "person.area" in res.output
    assert "张丽华" not in res.output and "511602197111210587" not in res.output
    # a person who is not dibao: urban/rural moves nothing, the default is only assumed (and said)
    text2 = text.replace('categories = ["dibao"]', 'categories = ["extreme_poverty"]')
    p.write_text(text2, encoding="utf-8")
    out = engine().evaluate(load_case(p), region="guangan")
    assert premium(out)["share"] == "100%" and "person.area" in {w.field for w in out.warnings}


# -- 16. GA-ID-3: suspension after a confirmed impersonation ----------------------------------------

SUSPENDED = {"statuses": [{"kind": "benefits_suspended", "certified_by": "武胜县医疗保障局", "from": "2018-05-10"}]}


@pytest.mark.rule("GA-ID-3")
@pytest.mark.rule("GA-AMB-14")
def test_suspension_stops_the_tilt_and_treat_first_pay_later():
    eng = engine()
    ok = eng.evaluate(case(), region="guangan")
    assert layer(ok, "critical_illness_tilt") == 75000 and "tfpl_agreement" in {d.form_id for d in ok.documents}
    # confirmed on 2018-05-10, admitted 2018-06-01: suspended → tilt 0, personal 60,000 − 30,000 − 7,500 = 22,500
    out = eng.evaluate(case(person=SUSPENDED), region="guangan")
    assert out.referral.kind == "not_covered" and "GA-ID-3" in {r.cite.rule for r in out.referral.reasons}
    assert layer(out, "critical_illness_tilt") == 0 and out.settlement.burden == 2250000
    forms = {d.form_id for d in out.documents}
    assert "tfpl_agreement" not in forms and "premium_subsidy" in forms  # the premium subsidy is not suspended
    # lifted on 2018-05-31 (to): the 2018-06-01 stay gets its 750 again
    lifted = {"statuses": [{**SUSPENDED["statuses"][0], "to": "2018-05-31"}]}
    assert layer(eng.evaluate(case(person=lifted), region="guangan"), "critical_illness_tilt") == 75000
    # confirmed only after the admission: not suspended on the admission day
    later = {"statuses": [{**SUSPENDED["statuses"][0], "from": "2018-06-02"}]}
    assert layer(eng.evaluate(case(person=later), region="guangan"), "critical_illness_tilt") == 75000


@pytest.mark.rule("GA-PREM-3")
@pytest.mark.rule("GA-PREM-6")
def test_area_not_required_where_it_moves_nothing(tmp_path):
    text = (EXAMPLES / "urban-dibao-premium.toml").read_text(encoding="utf-8").replace('area = "urban"\n', "")
    p = tmp_path / "no-area.toml"
    # 特困 + 低保: 特困 is a full share from the same payer and fund (GA-PREM-3: 区市县、园区财政部门, 医疗救助资金);
    # urban (50 %) or rural (100 %) dibao cannot change it: 180 × 100 % = 180.00 subsidy, 0.00 due
    p.write_text(text.replace('categories = ["dibao"]', 'categories = ["extreme_poverty", "dibao"]'), encoding="utf-8")
    d = premium(engine().evaluate(load_case(p), region="guangan"))
    assert (d["share"], d["subsidy"], d["personal_due"], d["payer"]) == ("100%", "180.00", "0.00", "区市县、园区财政部门")
    # 重度残疾 + 低保: 100 % either way, but rural dibao is paid by finance from the assistance fund (GA-PREM-4) and
    # urban by the disabled persons' federation (GA-PREM-7): the area moves who pays, so it is still required
    p.write_text(text.replace('categories = ["dibao"]', 'categories = ["severe_disability", "dibao"]'), encoding="utf-8")
    with pytest.raises(InputError) as e:
        engine().evaluate(load_case(p), region="guangan")
    assert e.value.field == "person.area"
