"""Every kind of bad input gives one line naming the field, the value and what was expected, exit 2."""

import json
from pathlib import Path

import pytest

from click.testing import CliRunner

from jiuzhu.cli import cli
from jiuzhu.kit.testing import BASE, merge

VALID_ID = BASE["person"]["id_number"]


def run(tmp_path, raw=None, text=None, args=(), suffix=".json"):
    f = tmp_path / f"case{suffix}"
    f.write_text(text if text is not None else json.dumps(raw, ensure_ascii=False), encoding="utf-8")
    res = CliRunner().invoke(cli, ["evaluate", str(f), "--region", "fushun", *args])
    return res


def one_line_error(res, *needles):
    assert res.exit_code == 2, res.output
    out = res.output.strip()
    assert len(out.splitlines()) == 1, out
    assert "Traceback" not in out
    for n in needles:
        assert n in out, out
    return out


def bad(**over):
    return merge(BASE, over)


def test_id_check_digit(tmp_path):
    wrong = VALID_ID[:17] + ("0" if VALID_ID[17] != "0" else "1")
    out = one_line_error(run(tmp_path, bad(person={"id_number": wrong})), "person.id_number",
                         f"check digit is {wrong[17]}, expected {VALID_ID[17]}")
    assert wrong not in out  # the number itself is not echoed


def test_id_birth_date(tmp_path):
    body = VALID_ID[:6] + "19500230" + VALID_ID[14:17]
    from jiuzhu.model.idcard import check_char
    one_line_error(run(tmp_path, bad(person={"id_number": body + check_char(body)})), "person.id_number",
                   "1950-02-30 is not a real date")


def test_id_length(tmp_path):
    one_line_error(run(tmp_path, bad(person={"id_number": "12345"})), "person.id_number", "18 characters")


def test_unknown_category(tmp_path):
    one_line_error(run(tmp_path, bad(person={"categories": ["poor"]})), "person.categories[0]", "poor", "expected one of")


def test_unknown_condition(tmp_path):
    one_line_error(run(tmp_path, bad(episode={"diagnoses": ["flu-ish"]})), "episode.diagnoses[0]", "flu-ish")


def test_icd_code_accepted_and_mapped():
    from jiuzhu.model.conditions import condition_tags
    assert condition_tags(["N18.5"]) == {"uremia", "end_stage_renal_disease"}
    assert condition_tags(["C50.9"]) == {"breast_cancer", "cancer"}


def test_unknown_region(tmp_path):
    res = CliRunner().invoke(cli, ["evaluate", str(_write(tmp_path, BASE)), "--region", "atlantis"])
    one_line_error(res, "region", "atlantis", "wusheng")


def _write(tmp_path, raw):
    f = tmp_path / "c.json"
    f.write_text(json.dumps(raw, ensure_ascii=False), encoding="utf-8")
    return f


def test_discharge_before_admission(tmp_path):
    one_line_error(run(tmp_path, bad(episode={"admitted": "2026-03-10", "discharged": "2026-03-01"})),
                   "episode.discharged", "2026-03-01", "on or after admission 2026-03-10")


def test_impossible_date(tmp_path):
    one_line_error(run(tmp_path, bad(episode={"admitted": "2026-02-30"})), "episode.admitted", "YYYY-MM-DD")


def test_negative_amount(tmp_path):
    one_line_error(run(tmp_path, bad(bill={"total": "-5"})), "bill.total", "-5", "0 or more")


def test_parts_do_not_add_up(tmp_path):
    one_line_error(run(tmp_path, bad(bill={"total": "1000", "in_scope": "800", "fully_self_paid": "100"})),
                   "bill.total", "1000.00", "800.00", "100.00")


def test_insurance_paid_more_than_bill(tmp_path):
    one_line_error(run(tmp_path, bad(bill={"basic_paid": "9000", "critical_paid": "2000"})),
                   "bill.basic_paid", "must not exceed the total 10000.00")


def test_too_many_decimals(tmp_path):
    one_line_error(run(tmp_path, bad(bill={"total": "10000.001"})), "bill.total", "two decimals")


def test_malformed_toml(tmp_path):
    one_line_error(run(tmp_path, text="[person\nname = 1", suffix=".toml"), "malformed TOML")


def test_malformed_json(tmp_path):
    one_line_error(run(tmp_path, text="{\"person\": ", suffix=".json"), "malformed JSON")


def test_wrong_type(tmp_path):
    one_line_error(run(tmp_path, bad(episode={"emergency": "yes"})), "episode.emergency", "true or false")


def test_unknown_field(tmp_path):
    one_line_error(run(tmp_path, bad(person={"nmae": "x"})), "person.nmae", "unknown field")


def test_missing_field(tmp_path):
    raw = merge(BASE, {})
    del raw["person"]["hukou"]
    one_line_error(run(tmp_path, raw), "person.hukou", "missing")


def test_missing_file(tmp_path):
    res = CliRunner().invoke(cli, ["evaluate", str(tmp_path / "nope.toml"), "--region", "fushun"])
    one_line_error(res, "file not found")


def test_bad_division_code(tmp_path):
    one_line_error(run(tmp_path, bad(person={"hukou": "5116"})), "person.hukou", "6, 9 or 12 digits")


def test_bad_as_of(tmp_path):
    res = CliRunner().invoke(cli, ["evaluate", str(_write(tmp_path, BASE)), "--region", "fushun", "--as-of", "2026-13-01"])
    assert res.exit_code == 2 and "YYYY-MM-DD" in res.output


def test_unknown_config_parameter(tmp_path):
    cfg = tmp_path / "jiuzhu.toml"
    cfg.write_text('[parameters.fushun]\nno_such_rate = "0.5"\n', encoding="utf-8")
    res = CliRunner().invoke(cli, ["--config", str(cfg), "evaluate", str(_write(tmp_path, BASE)), "--region", "fushun"])
    one_line_error(res, "parameters.fushun.no_such_rate", "unknown parameter; valid:")


def test_unknown_config_key(tmp_path):
    cfg = tmp_path / "jiuzhu.toml"
    cfg.write_text('regoin = "fushun"\n', encoding="utf-8")
    res = CliRunner().invoke(cli, ["--config", str(cfg), "regions"])
    one_line_error(res, "regoin", "unknown configuration key")


def test_missing_deployment_parameter(tmp_path):
    # Wusheng's plan is a draft: its effective date is a deployment parameter the seed does not give.
    (tmp_path / "empty.toml").write_text("", encoding="utf-8")
    res = CliRunner().invoke(cli, ["evaluate", str(_write(tmp_path, BASE)), "--region", "wusheng"],
                             env={"JIUZHU_CONFIG": str(tmp_path / "empty.toml")})
    assert res.exit_code == 2
    assert "effective_date" in res.output and "required deployment parameter" in res.output


def test_setlinfo_slip_is_read(tmp_path):
    raw = merge(BASE, {})
    raw["bill"] = {"setlinfo": {"medfee_sumamt": "5000.00", "fulamt_ownpay_amt": "300.00", "overlmt_selfpay": "0",
                                "preselfpay_amt": "200.00", "inscp_scp_amt": "4500.00", "act_pay_dedc": "500",
                                "hifp_pay": "2800.00", "hifmi_pay": "0", "maf_pay": "0", "oth_pay": "0"}}
    from jiuzhu.io.loader import structure_case
    case = structure_case(raw)
    assert (case.bill.total, case.bill.in_scope, case.bill.basic_paid, case.bill.deductible) == (500000, 450000, 280000, 50000)


@pytest.mark.parametrize("command", [["compare"], ["sweep", "--vary", "bill.total=1000:2000:1000", "--out", "OUT"],
                                     ["evaluate"]])
def test_a_case_naming_a_region_not_installed_is_refused_by_every_command(tmp_path, command):
    ROOT = Path(__file__).resolve().parents[1]
    src = (ROOT / "examples" / "wusheng-in-county.toml").read_text(encoding="utf-8")
    case = tmp_path / "case.toml"
    case.write_text(src.replace('region = "wusheng"', 'region = "atlantis"', 1), encoding="utf-8")
    args = [a.replace("OUT", str(tmp_path / "out")) for a in command]
    res = CliRunner().invoke(cli, ["--config", str(ROOT / "examples" / "jiuzhu.toml"), args[0], str(case), *args[1:]])
    assert res.exit_code == 2, res.output
    assert res.output.strip().splitlines() == [
        "错误 error: region: unknown region 'atlantis'; installed regions: fushun, guangan, jingjiang, liujiang, wusheng"]


def test_an_empty_conditions_list_removes_a_key_and_a_non_list_is_refused():
    from jiuzhu.io.config import parse_config
    from jiuzhu.model.conditions import tags_for
    from jiuzhu.model.errors import InputError
    d = parse_config({"conditions": {"N18.5": []}})
    assert tags_for("N18.5") == ("uremia", "end_stage_renal_disease")  # the built-in table
    # N18.5's own key is removed; the N18 category still has no key, so nothing is left
    assert tags_for("N18.5", d.conditions) == ()
    with pytest.raises(InputError, match="conditions.N18.5"):
        parse_config({"conditions": {"N18.5": "uremia"}})


def test_a_list_given_as_text_is_refused_not_read_letter_by_letter(tmp_path):
    # "dibao" read as a list would be the categories d, i, b, a, o: refused, naming the field
    one_line_error(run(tmp_path, bad(person={"categories": "dibao"})), "person.categories",
                   "expected a list of text")
    one_line_error(run(tmp_path, bad(person={"categories": ["dibao", 3]})), "person.categories[1]", "expected text")


@pytest.mark.parametrize("n", [-1, 1_000_000, None, "2"])
def test_earlier_admissions_are_a_count_as_in_the_batch(tmp_path, n):
    # the batch's history.admissions is a whole number of 0 or more (six digits at most); one case alike
    one_line_error(run(tmp_path, bad(history={"admissions": n})), "history.admissions", "0 or more")


def test_earlier_admissions_at_the_bounds(tmp_path):
    for n in (0, 999_999):
        assert run(tmp_path, bad(history={"admissions": n})).exit_code == 0
