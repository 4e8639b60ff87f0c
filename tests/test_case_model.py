"""The case model a real year needs: times of day, unknown calendar years, new fields, every region's
verdict, duties, warnings and the payer order. Expected values are worked out by hand from the seeds."""

from __future__ import annotations

import copy
import datetime as dt
import json
from fractions import Fraction
from pathlib import Path

import attrs
import numpy as np
import pytest
from click.testing import CliRunner

from jiuzhu.cli import cli
from jiuzhu.io.config import load_config
from jiuzhu.io.loader import structure_case, unstructure_case
from jiuzhu.io.report import render_text, to_json
from jiuzhu.model.errors import InputError
from jiuzhu.model.tomlio import load_toml
from jiuzhu.rules.engine import Engine
from jiuzhu.rules.settle import Layer, Plan, SlipPayer, settle, settle_columns
from jiuzhu.rules.workdays import add_hours, is_late

ROOT = Path(__file__).resolve().parents[1]
CONFIG = ROOT / "examples" / "jiuzhu.toml"
EMERGENCY = ROOT / "plugins" / "liujiang" / "examples" / "emergency-rescue.toml"
COMPOSED = ROOT / "plugins" / "wusheng" / "examples" / "ws-09-composed-with-guangan.toml"
CHINA = dt.timezone(dt.timedelta(hours=8))
ENGINE = Engine(deployment=load_config(CONFIG))


def raw(path: Path, **episode) -> dict:
    r = copy.deepcopy(load_toml(path))
    r["episode"].update(episode)
    return r


def emergency_due(outcome):
    return next(d for d in outcome.deadlines if d.cite and d.cite.rule == "LJ-DEC-7")


# -- date-times ---------------------------------------------------------------------------------------


@pytest.mark.rule("LJ-DEC-7")
def test_liujiang_emergency_at_2130_is_due_next_day_2130():
    # 第十一条: 紧急送医后24小时内报备. Admitted 2026-03-12 21:30 (+08:00 when no zone is given) → 2026-03-13 21:30.
    case = structure_case(raw(EMERGENCY, admitted="2026-03-12T21:30"))
    assert case.episode.admitted == dt.date(2026, 3, 12)
    assert case.episode.admitted_at == dt.datetime(2026, 3, 12, 21, 30, tzinfo=CHINA)
    d = emergency_due(ENGINE.evaluate(case))
    assert d.due == dt.datetime(2026, 3, 13, 21, 30, tzinfo=CHINA) and d.basis == "time"
    out = to_json(ENGINE.evaluate(case))
    j = next(x for x in out["deadlines"] if x["cite"] and x["cite"]["rule"] == "LJ-DEC-7")
    assert j["due"] == "2026-03-13T21:30+08:00" and j["basis"] == "time"


def test_a_date_only_admission_uses_the_day_rule_and_says_so():
    # the same 24 hours from a date: whole days counted up → 2026-03-13, by the day rule
    d = emergency_due(ENGINE.evaluate(structure_case(raw(EMERGENCY))))
    assert d.due == dt.date(2026, 3, 13) and not isinstance(d.due, dt.datetime) and d.basis == "day"
    text = render_text(ENGINE.evaluate(structure_case(raw(EMERGENCY))))
    assert "2026-03-13（按日计，未载明时刻）" in text


def test_a_given_zone_is_kept_and_toml_datetimes_are_read():
    # 13:30 UTC is 21:30 in China: due 24 h later, 2026-03-13 13:30 UTC
    case = structure_case(raw(EMERGENCY, admitted=dt.datetime(2026, 3, 12, 13, 30, tzinfo=dt.timezone.utc)))
    d = emergency_due(ENGINE.evaluate(case)).due
    assert d == dt.datetime(2026, 3, 13, 21, 30, tzinfo=CHINA)
    naive = structure_case(raw(EMERGENCY, admitted=dt.datetime(2026, 3, 12, 21, 30)))  # TOML local date-time
    assert naive.episode.admitted_at.utcoffset() == dt.timedelta(hours=8)


def test_datetimes_round_trip_and_actions_take_times():
    r = raw(EMERGENCY, admitted="2026-03-12T21:30:00+08:00", discharged="2026-03-26T10:00:00+08:00")
    r["episode"]["actions"][0]["on"] = "2026-03-12T22:05"
    case = structure_case(r)
    assert case.episode.actions[0].when == dt.datetime(2026, 3, 12, 22, 5, tzinfo=CHINA)
    back = unstructure_case(case)
    assert back["episode"]["admitted"] == "2026-03-12T21:30:00+08:00" and "admitted_at" not in back["episode"]
    assert structure_case(back) == attrs.evolve(case, defaulted=())  # written out, every field is stated


def test_hour_arithmetic_and_lateness_to_the_minute():
    at = dt.datetime(2026, 3, 12, 21, 30, tzinfo=CHINA)
    assert add_hours(at, 48) == dt.datetime(2026, 3, 14, 21, 30, tzinfo=CHINA)
    assert add_hours(dt.date(2026, 3, 12), 25) == dt.date(2026, 3, 14)  # 25 h by the day rule: 2 days up
    due = add_hours(at, 24)
    assert not is_late(dt.datetime(2026, 3, 13, 21, 30, tzinfo=CHINA), due)
    assert is_late(dt.datetime(2026, 3, 13, 21, 31, tzinfo=CHINA), due)
    assert not is_late(dt.date(2026, 3, 13), due)  # a date against a date-time: by the day
    assert is_late(dt.date(2026, 3, 14), due)


@pytest.mark.parametrize("field,value,expected", [
    ("admitted", "2026-03-12 25:00", "expected a date YYYY-MM-DD or a date-time"),
    ("claimed_on", "2026-03-27T09:00", "a time of day is not used here"),
    ("admitted_at", "2026-03-12T21:30", "unknown field"),
    ("settlement", "by_post", "expected one of one_stop, manual, not_networked"),
    ("proposed_by", "neighbour", "expected one of"),
    ("claimed_on", "2026-03-01", "on or after admission"),
])
def test_bad_times_and_new_fields_are_one_line_errors(field, value, expected):
    with pytest.raises(InputError) as e:
        structure_case(raw(EMERGENCY, **{field: value}))
    assert str(e.value).startswith(f"episode.{field}:") and expected in str(e.value)


def test_discharge_before_admission_to_the_minute_is_an_error():
    with pytest.raises(InputError, match="episode.discharged"):
        structure_case(raw(EMERGENCY, admitted="2026-03-12T21:30", discharged="2026-03-12T08:00"))


# -- new fields ---------------------------------------------------------------------------------------


def test_new_fields_are_read():
    r = raw(EMERGENCY, settlement="not_networked", claimed_on="2026-03-30", proposed_by="village_committee")
    r["person"]["statuses"] = [{"kind": "severe_mental_illness", "certified_by": "柳江区民政局",
                                "from": "2025-01-01", "to": "2026-12-31"}]
    case = structure_case(r)
    e, p = case.episode, case.person
    assert (e.settlement, e.claimed_on, e.proposed_by) == ("not_networked", dt.date(2026, 3, 30), "village_committee")
    assert p.holds("severe_mental_illness", dt.date(2026, 3, 12))
    assert not p.holds("severe_mental_illness", dt.date(2027, 1, 1))  # after `to`
    assert not p.holds("dibao", dt.date(2026, 3, 12))
    assert structure_case(unstructure_case(case)) == attrs.evolve(case, defaulted=())
    r["person"]["statuses"][0]["to"] = "2024-12-31"
    with pytest.raises(InputError, match=r"person.statuses\[0\].to"):
        structure_case(r)
    r["person"]["statuses"][0] = {"kind": "vip"}
    with pytest.raises(InputError, match=r"person.statuses\[0\].kind"):
        structure_case(r)


# -- unknown calendar years ---------------------------------------------------------------------------


def _liujiang_2027() -> dict:
    # institutional person at a non-assistance-designated facility: paid first, then claimed by hand
    # within 15 working days of discharge (第十三条) — the one deadline that needs the 2027 calendar
    r = raw(EMERGENCY, admitted="2027-03-02", discharged="2027-03-10", emergency=False, decision="routine",
            actions=[{"kind": "filing", "by": "institution", "on": "2027-03-02"}])
    r["person"].update(support_mode="institutional", institution="柳江区社会福利院", conscious=True)
    r["facility"]["designations"] = ["insurance"]
    return r


def test_a_2027_case_returns_its_money_with_one_unknown_deadline_and_a_warning():
    out = ENGINE.evaluate(structure_case(_liujiang_2027()))
    # 第六条: 30,000 − 21,000 basic = 9,000 at 100 %, no deductible
    assert next(l.amount for l in out.settlement.layers if l.id == "medical_assistance") == 900_000
    unknown = [d for d in out.deadlines if d.basis == "unknown"]
    assert [d.cite.rule for d in unknown] == ["LJ-SET-4"]
    cal = [w for w in out.warnings if w.kind == "deadline_unknown"]
    assert len(cal) == 1 and "[calendar]" in cal[0].en and "chinesecalendar" in cal[0].en
    j = to_json(out)
    assert [d["due"] for d in j["deadlines"] if d["basis"] == "unknown"] == ["unknown"]
    assert j["warnings"][0]["kind"] == "deadline_unknown"


def test_strict_makes_an_unknown_deadline_exit_2(tmp_path):
    case = tmp_path / "c.json"
    case.write_text(json.dumps(_liujiang_2027(), default=str), encoding="utf-8")
    run = CliRunner().invoke(cli, ["--config", str(CONFIG), "evaluate", str(case), "--format", "json"])
    assert run.exit_code == 0, run.output
    run = CliRunner().invoke(cli, ["--config", str(CONFIG), "evaluate", str(case), "--strict"])
    assert run.exit_code == 2 and "calendar" in run.output and "Traceback" not in run.output
    assert len(run.output.strip().splitlines()) == 1


# -- every region of the chain ------------------------------------------------------------------------


def test_composed_wusheng_shows_guangans_verdict_and_the_tilt():
    out = ENGINE.evaluate(structure_case(load_toml(COMPOSED)))
    ga, ws = out.regions
    assert (ga.code, ga.referral.kind, ws.code) == ("guangan", "covered", "wusheng")
    # plugins/wusheng/tests/composed.case.toml: (52,000 − 36,000 − 5,000) × 5 % = 550
    tilt = next(e for e in ga.effects if e.id == "critical_illness_tilt")
    assert (tilt.status, tilt.amount) == ("paid", 55_000)
    text = render_text(out)
    assert "── 广安市 (guangan) ──" in text and "── 武胜县 (wusheng) ──" in text
    assert "倾斜支付（大病保险分段比例提高5个百分点）: 已支付 550.00" in text


def test_guangan_tilt_not_paid_when_its_path_is_not_followed():
    # 四: no primary first contact (went straight to the county hospital) — Guang'an's tilt is not paid
    r = load_toml(COMPOSED)
    r["episode"]["path"] = [{"kind": "self", "to": "武胜县人民医院", "to_level": "county", "on": "2026-04-05"}]
    out = ENGINE.evaluate(structure_case(r))
    ga = out.regions[0]
    assert ga.referral.kind != "covered"
    tilt = next(e for e in ga.effects if e.id == "critical_illness_tilt")
    assert tilt.status == "not_paid"
    assert all(l.id != "critical_illness_tilt" for l in out.settlement.layers)
    assert "倾斜支付（大病保险分段比例提高5个百分点）: 未支付" in render_text(out)


EXAMPLES = [p for p in sorted(ROOT.glob("plugins/*/examples/*.toml"))]


@pytest.mark.parametrize("path", EXAMPLES, ids=lambda p: f"{p.parent.parent.name}/{p.name}")
def test_headline_and_sections_agree_with_the_layers(path):
    out = ENGINE.evaluate(structure_case(load_toml(path)))
    computed = {l.id: l.amount for l in out.settlement.layers if not l.given}
    for sec in out.regions:
        if not sec.eligibility.eligible:  # a region that does not cover the person pays none of its layers
            assert not any(e.status == "paid" and not e.given for e in sec.effects), sec.code
        for e in sec.effects:
            if e.status == "paid" and not e.given:
                assert computed.get(e.id) == e.amount
    zh, _ = out.headline
    if out.settlement.assistance:
        assert "救助支付合计" in zh and "不符合" not in zh
    else:
        assert "无救助支付" in zh


# -- duties and assumptions ---------------------------------------------------------------------------


@pytest.mark.rule("LJ-VISIT-7")
def test_liujiang_visit_duty_for_a_home_based_person():
    # 第十六条: self-care → 年度巡访一次; the episode (discharged 2026-03-26) falls in 2026 → due by 2026-12-31
    out = ENGINE.evaluate(structure_case(raw(EMERGENCY)))
    (d,) = out.duties
    assert d.next_due == dt.date(2026, 12, 31) and d.period_zh == "每年巡访一次" and d.cite.rule == "LJ-VISIT-7"
    r = raw(EMERGENCY)
    r["person"]["care_level"] = "fully_disabled"  # 每月至少一次 → by the end of March
    assert ENGINE.evaluate(structure_case(r)).duties[0].next_due == dt.date(2026, 3, 31)


def test_assumed_facts_are_warnings_and_stated_facts_are_not():
    out = ENGINE.evaluate(structure_case(raw(EMERGENCY)))
    assumed = {w.field for w in out.warnings if w.kind == "assumed"}
    assert "episode.settlement" in assumed and "person.area" in assumed
    assert "person.has_full_capacity" not in assumed and "person.conscious" not in assumed  # the example states them
    r = raw(EMERGENCY)
    del r["person"]["has_full_capacity"]
    out = ENGINE.evaluate(structure_case(r))
    assert "person.has_full_capacity" in {w.field for w in out.warnings}


# -- payer order --------------------------------------------------------------------------------------


def _liujiang_slip(**bill) -> dict:
    r = raw(EMERGENCY)
    r["bill"] = {"total": "12000", "in_scope": "10000", "fully_self_paid": "2000", "basic_paid": "7000", **bill}
    return r


@pytest.mark.rule("LJ-PAY-4", "LJ-PAY-6")
def test_liujiang_other_scheme_after_medical_assistance_never_reduces_its_base():
    # 第六条: basic → critical → medical assistance → other schemes → support fund.
    # MA base = 10,000 in-scope − 7,000 basic = 3,000 → 3,000 (100 %). Burden left 12,000 − 7,000 − 3,000 = 2,000;
    # the commercial insurer's 1,500 on the slip takes 1,500 of it; the support fund's base
    # 10,000 − 7,000 − 1,500 − 3,000 < 0 → 0. The person bears 500 (had the insurer come first: MA 1,500, burden 2,000).
    r = _liujiang_slip(other_payers=[{"kind": "commercial", "amount": "1500"}])
    out = ENGINE.evaluate(structure_case(r))
    ids = [l.id for l in out.settlement.layers]
    amt = {l.id: l.amount for l in out.settlement.layers}
    assert ids.index("medical_assistance") < ids.index("other_payers.commercial") < ids.index("relief_fund")
    assert (amt["medical_assistance"], amt["other_payers.commercial"], amt["relief_fund"]) == (300_000, 150_000, 0)
    assert out.settlement.burden == 50_000
    assert not [w for w in out.warnings if w.kind == "payer_excess"]


def test_a_later_payers_excess_is_not_counted_and_is_said():
    # the slip's commercial 2,500 exceeds the 2,000 left after medical assistance: 2,000 counted, 500 excess
    out = ENGINE.evaluate(structure_case(_liujiang_slip(other_payers=[{"kind": "commercial", "amount": "2500"}])))
    layer = next(l for l in out.settlement.layers if l.id == "other_payers.commercial")
    assert (layer.amount, layer.computed, layer.binding) == (200_000, 250_000, "burden")
    assert out.settlement.paid == out.settlement.total == 1_200_000
    (w,) = [w for w in out.warnings if w.kind == "payer_excess"]
    assert "500.00" in w.zh


def test_setlinfo_civil_servant_subsidy_is_its_own_kind():
    r = raw(EMERGENCY)
    r["bill"] = {"setlinfo": {"medfee_sumamt": "12000", "inscp_scp_amt": "10000", "fulamt_ownpay_amt": "2000",
                              "hifp_pay": "7000", "cvlserv_pay": "800"}}
    case = structure_case(r)
    assert [(o.kind, o.amount) for o in case.bill.other_payers] == [("civil_servant", 80_000)]
    assert case.bill.paid_on_slip == 780_000


def test_settle_and_columns_follow_the_same_order():
    # plan: A pays half the burden; charity on the slip stands after A.
    # total 10,000, charity 3,000: A = 10,000 × 50 % = 5,000 (its base is not reduced by charity), charity 3,000,
    # burden 2,000. Placed before A: charity 3,000, A = 7,000 × 50 % = 3,500, burden 3,500.
    a = Layer("a", "甲", "A", rate=Fraction(1, 2))
    after = Plan((a,), (SlipPayer("charity", ("a",)),))
    before = Plan((a,))
    cols = {"total": 1_000_000, "other.charity": 300_000}
    s1, s2 = settle(cols, after), settle(cols, before)
    assert [(l.id, l.amount) for l in s1.layers if l.amount] == [("a", 500_000), ("other_payers.charity", 300_000)]
    assert s1.burden == 200_000 and s2.burden == 350_000
    arr = {k: np.array([v]) for k, v in cols.items()}
    one = (np.array([0]), np.array([0]), np.array([2026]), np.array([1]))
    out_after, out_before = settle_columns(arr, [after], *one), settle_columns(arr, [before], *one)
    assert (out_after["burden"][0], out_after["layer.a"][0]) == (200_000, 500_000)
    assert (out_before["burden"][0], out_before["layer.a"][0]) == (350_000, 350_000)


# -- schemas ------------------------------------------------------------------------------------------


def _schema(name):
    import jsonschema
    s = json.loads((ROOT / "docs" / name).read_text(encoding="utf-8"))
    jsonschema.Draft202012Validator.check_schema(s)
    return s


def test_new_fields_are_in_the_case_schema_with_examples():
    import jsonschema
    s = _schema("case.schema.json")
    props = {"episode": ("settlement", "claimed_on", "proposed_by", "admitted"), "person": ("statuses",),
             "bill": ("other_payers",)}
    for obj, names in props.items():
        for n in names:
            assert s["properties"][obj]["properties"][n].get("examples"), f"{obj}.{n}"
    r = _liujiang_slip(other_payers=[{"kind": "commercial", "amount": "1500"}])
    r["episode"].update(admitted="2026-03-12T21:30", settlement="manual", claimed_on="2026-03-30",
                        proposed_by="village_committee")
    r["person"]["statuses"] = [{"kind": "severe_mental_illness", "certified_by": "柳江区民政局", "from": "2025-01-01"}]
    r = json.loads(json.dumps(r, default=str))
    jsonschema.validate(r, s)
    bad = copy.deepcopy(r)
    bad["episode"]["settlement"] = "by_post"
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate(bad, s)


@pytest.mark.parametrize("build", ["composed", "time", "2027"])
def test_outcomes_with_times_unknowns_and_sections_match_the_outcome_schema(build):
    import jsonschema
    r = {"composed": lambda: load_toml(COMPOSED), "time": lambda: raw(EMERGENCY, admitted="2026-03-12T21:30"),
         "2027": _liujiang_2027}[build]()
    out = to_json(ENGINE.evaluate(structure_case(r)))
    assert out["schema_version"] == "1.1"
    jsonschema.validate(json.loads(json.dumps(out)), _schema("outcome.schema.json"))


# -- zones and spellings of a moment ------------------------------------------------------------------


def test_a_foreign_zone_is_read_as_china_time_with_its_china_date():
    # 2026-12-31T20:00Z is 2027-01-01 04:00 in China (+8 h): the episode's date, its year (caps, parameters
    # in force) and its deadlines are China's. 第十一条 24 h → 2027-01-02 04:00+08:00.
    case = structure_case(raw(EMERGENCY, admitted="2026-12-31T20:00:00Z", discharged="2027-01-05"))
    assert case.episode.admitted == dt.date(2027, 1, 1)
    assert case.episode.admitted_at.utcoffset() == dt.timedelta(hours=8)
    assert case.episode.admitted_at.hour == 4
    j = to_json(ENGINE.evaluate(case))
    d = next(x for x in j["deadlines"] if x["cite"] and x["cite"]["rule"] == "LJ-DEC-7")
    assert d["due"] == "2027-01-02T04:00+08:00"
    # 21:30 at +09:00 is 20:30 in China → due 2026-03-13 20:30+08:00
    case = structure_case(raw(EMERGENCY, admitted="2026-03-12T21:30+09:00"))
    j = to_json(ENGINE.evaluate(case))
    d = next(x for x in j["deadlines"] if x["cite"] and x["cite"]["rule"] == "LJ-DEC-7")
    assert d["due"] == "2026-03-13T20:30+08:00"


@pytest.mark.parametrize("value", ["20260312", "2026-03-12T2130", "2026-W11-4", "2026-03-12T21:30+08:00:30",
                                   "2026-03-12T21:30+0800"])
def test_only_extended_iso_dates_and_times_are_moments(value):
    # a compact date would otherwise read as a date-time at 00:00 and claim a time of day the case never gave
    with pytest.raises(InputError) as e:
        structure_case(raw(EMERGENCY, admitted=value))
    assert str(e.value).startswith("episode.admitted:") and "\n" not in str(e.value)


def test_a_status_error_names_the_field_as_the_case_spells_it():
    r = raw(EMERGENCY)
    r["person"]["statuses"] = [{"kind": "dibao", "from": "2026-01-01T08:00"}]
    with pytest.raises(InputError) as e:
        structure_case(r)
    assert str(e.value).startswith("person.statuses[0].from:")


def test_a_headline_without_region_assistance_still_names_the_slips_medical_assistance():
    # ws-09 with no hardship category: no region covers the person, yet the slip's one-stop medical assistance
    # (3000.00) stays in the table; the headline says so instead of "no assistance" alone.
    # burden = 60000 − 36000 basic − 5500 critical − 3000 slip assistance = 15500
    r = raw(COMPOSED)
    r["person"]["categories"] = []
    del r["person"]["certified_by"]
    out = ENGINE.evaluate(structure_case(r))
    zh, en = out.headline
    assert "不符合" in zh and "结算单所列医疗救助3000.00元" in zh and "15500.00" in zh
    assert "3000.00" in en
    # no path at all (self-referral): not covered by either region; the slip's 3000.00 is still named
    r = raw(COMPOSED)
    r["episode"]["path"] = []
    out = ENGINE.evaluate(structure_case(r))
    zh, _ = out.headline
    assert out.settlement.assistance == 0 and "结算单所列医疗救助3000.00元" in zh
