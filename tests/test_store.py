"""The settlement ledger (jiuzhu.store, `jiuzhu settle`): every test runs on SQLite and PostgreSQL.

Hand computation from the seed (抚政办发〔2014〕67号 §四(二)): 「低保对象、特困供养人员住院救助比例为60%，
每人每年最高救助上限为5000元」; the base is 个人承担的符合规定的自负费用 = in-scope − basic insurance
(− critical illness − other payers, both 0 here); the deductible stays in it (FS-AMB-8 reading A).
"""

import json

import pytest
from click.testing import CliRunner

from jiuzhu.cli import cli
from jiuzhu.io.loader import unstructure_case
from jiuzhu.rules.engine import Engine
from jiuzhu.store import SettlementConflict, Store, StoreError
from store_support import PERSON, fushun_case

ID = PERSON["id_number"]

# Admission 1, March: in-scope 11,000 − basic 5,000 = 6,000 × 60 % = 3,600.00 (cap left 5,000 → pays 3,600)
A1 = ("FS-2025-001", "2025-03-02", "2025-03-12", "11000", "5000", "1000")
# Admission 2, September: 8,500 − 4,500 = 4,000 × 60 % = 2,400; cap left 5,000 − 3,600 = 1,400 → pays 1,400.00
A2 = ("FS-2025-002", "2025-09-03", "2025-09-14", "8500", "4500", "500")
# Admission 3, November: 3,000 − 1,800 = 1,200 × 60 % = 720; cap left 0 → pays 0.00
A3 = ("FS-2025-003", "2025-11-05", "2025-11-09", "3000", "1800", "0")


def write(tmp_path, case, name=None):
    p = tmp_path / f"{name or case.id}.json"
    p.write_text(json.dumps(unstructure_case(case), ensure_ascii=False), encoding="utf-8")
    return str(p)


def settle_cli(url, path, *extra):
    res = CliRunner().invoke(cli, ["settle", path, "--db", url, "--format", "json", *extra])
    return res


def inpatient(out: dict) -> str:
    return next(l["amount"] for l in out["outcome"]["settlement"]["layers"] if l["id"] == "inpatient_assistance")


def test_three_admissions_settled_one_by_one(db_url, tmp_path):
    paths = [write(tmp_path, fushun_case(*a)) for a in (A1, A2, A3)]
    got = []
    for p in paths:
        res = settle_cli(db_url, p)
        assert res.exit_code == 0, res.output
        got.append(json.loads(res.output))
    assert [inpatient(g) for g in got] == ["3600.00", "1400.00", "0.00"]
    assert [g["replay"] for g in got] == [False, False, False]
    # the year-to-date each one was evaluated with came from the ledger, not from the case
    assert [g["ytd_before_fen"]["inpatient_assistance"] if g["ytd_before_fen"] else 0 for g in got] == [0, 360000, 500000]
    # replay of admission 2: the stored result, marked, and nothing paid twice
    res = settle_cli(db_url, paths[1])
    assert res.exit_code == 0, res.output
    again = json.loads(res.output)
    assert again["replay"] is True and inpatient(again) == "1400.00"
    res = CliRunner().invoke(cli, ["usage", ID, "--year", "2025", "--db", db_url, "--format", "json"])
    assert res.exit_code == 0, res.output
    prog = {p["program"]: p for p in json.loads(res.output)["programs"]}["inpatient_assistance"]
    assert prog["paid_fen"] == 500000 and prog["cap_fen"] == 500000 and prog["left_fen"] == 0
    assert prog["settlements"] == ["FS-2025-001", "FS-2025-002"]  # admission 3 paid nothing
    # reversing admission 1 frees its 3,600; admissions 2 and 3 met the cap and are listed for review
    res = CliRunner().invoke(cli, ["reverse", "FS-2025-001", "--reason", "录入错误 wrong slip", "--db", db_url])
    assert res.exit_code == 0, res.output
    assert "FS-2025-002" in res.output and "FS-2025-003" in res.output
    store = Store.open(db_url)
    u = {p.program: p for p in store.usage(ID, 2025, "fushun").programs}["inpatient_assistance"]
    assert (u.paid, u.left) == (140000, 360000)  # 1,400 stands; 5,000 − 1,400 = 3,600 left
    assert store.get("FS-2025-001").reversed and not store.get("FS-2025-002").reversed
    # the corrected admission 1 under a new key: 6,000 × 60 % = 3,600, cap left 3,600 → 3,600.00
    fixed = fushun_case("FS-2025-001R", *A1[1:])
    res = settle_cli(db_url, write(tmp_path, fixed))
    assert res.exit_code == 0, res.output
    assert inpatient(json.loads(res.output)) == "3600.00"
    # reversing twice is refused
    res = CliRunner().invoke(cli, ["reverse", "FS-2025-001", "--reason", "again", "--db", db_url])
    assert res.exit_code == 2 and "already reversed" in res.output


def test_same_key_other_content_is_a_conflict(db_url, tmp_path):
    assert settle_cli(db_url, write(tmp_path, fushun_case(*A2))).exit_code == 0
    changed = fushun_case(A2[0], *A2[1:3], "9000", "4500", "500")
    res = settle_cli(db_url, write(tmp_path, changed, "changed"))
    assert res.exit_code == 2
    assert res.output.count("\n") == 1 and "key: already settled with different content" in res.output
    assert "FS-2025-002" in res.output and ID not in res.output
    store = Store.open(db_url)
    with pytest.raises(SettlementConflict):
        store.settle(Engine(), changed)
    assert store.usage(ID, 2025).programs and sum(p.paid for p in store.usage(ID, 2025).programs) == 240000


def test_setl_id_is_the_key_and_facility_code_is_recorded(db_url):
    raw = unstructure_case(fushun_case(*A2))
    raw["id"] = ""
    del raw["facility"]["code"]
    bill = raw.pop("bill")
    raw["bill"] = {"setlinfo": {"setl_id": "SETL-9001", "fixmedins_code": "H21042100007", "medfee_sumamt": bill["total"],
                                "inscp_scp_amt": bill["in_scope"], "fulamt_ownpay_amt": bill["fully_self_paid"],
                                "act_pay_dedc": bill["deductible"], "hifp_pay": bill["basic_paid"]}}
    from jiuzhu.io.loader import structure_case
    res = Store.open(db_url).settle(Engine(), structure_case(raw), actor="HIS")
    assert (res.key, res.facility_code, res.actor, res.year) == ("SETL-9001", "H21042100007", "HIS", 2025)
    assert res.assistance == 240000  # 4,000 × 60 %
    assert [s.key for s in Store.open(db_url).settlements("fushun", "2025-09", "H21042100007")] == ["SETL-9001"]
    assert Store.open(db_url).settlements("fushun", "2025-09", "H-OTHER") == []


def test_refusals(db_url, tmp_path):
    no_key = fushun_case("", *A2[1:])
    res = settle_cli(db_url, write(tmp_path, no_key, "nokey"))
    assert res.exit_code == 2 and "bill.setl_id: missing" in res.output
    raw = unstructure_case(fushun_case(*A2))
    raw["history"] = {"ytd": {"inpatient_assistance": "3600"}, "admissions": 0}
    p = tmp_path / "hist.json"
    p.write_text(json.dumps(raw), encoding="utf-8")
    res = settle_cli(db_url, str(p))
    assert res.exit_code == 2 and "history: not allowed when settling against a ledger" in res.output
    assert Store.open(db_url).get(A2[0]) is None


def test_missing_schema_is_refused(tmp_path):
    url = f"sqlite:///{tmp_path / 'empty.db'}"
    with pytest.raises(StoreError, match="no jiuzhu ledger schema; run `jiuzhu db upgrade"):
        Store.open(url)
    res = CliRunner().invoke(cli, ["settle", write(tmp_path, fushun_case(*A2)), "--db", url])
    assert res.exit_code == 2 and "jiuzhu db upgrade" in res.output
    res = CliRunner().invoke(cli, ["db", "upgrade", "--db", url])
    assert res.exit_code == 0 and "→ 0003" in res.output
    Store.open(url)


def test_ledger_from_the_database_shows_reversals(db_url, tmp_path):
    from openpyxl import load_workbook
    from jiuzhu.kit.testing import BASE, merge
    base = merge(BASE, {})
    cfg = str(__import__("pathlib").Path(__file__).resolve().parents[1] / "examples" / "jiuzhu.toml")
    ws = __import__("pathlib").Path(__file__).resolve().parents[1] / "examples" / "wusheng-in-county.toml"
    from jiuzhu.io.loader import load_case
    from jiuzhu.io.config import load_config
    eng = Engine(deployment=load_config(cfg))
    case = load_case(ws)
    store = Store.open(db_url)
    first = store.settle(eng, case)
    assert first.assistance > 0
    month = f"{case.episode.day.year}-{case.episode.day.month:02d}"
    out1 = tmp_path / "before.xlsx"
    r = CliRunner().invoke(cli, ["--config", cfg, "ledger", "--db", db_url, "--region", "wusheng", "--month", month,
                                 "--out", str(out1)])
    assert r.exit_code == 0, r.output
    store.reverse(first.key, "重复结算 settled twice")
    out2 = tmp_path / "after.xlsx"
    r2 = CliRunner().invoke(cli, ["--config", cfg, "ledger", "--db", db_url, "--region", "wusheng", "--month", month,
                                  "--out", str(out2)])
    assert r2.exit_code == 0, r2.output
    # every sheet with the settlement gains its red-ink reversal row; the amounts total to zero
    assert "1 行 rows" in r.output and "2 行 rows" in r2.output
    for line in r2.output.splitlines():
        if "2 行 rows" in line:
            assert all(v.endswith("=0.00") for v in line.split("\t")[2].split("  ") if v), line
    wb = load_workbook(out2)
    names = [c.value for s in wb.worksheets for row in s.iter_rows() for c in row if isinstance(c.value, str)]
    assert any(v.startswith("（冲正）") for v in names)
    del base


def test_unknown_history_key_names_the_valid_ones(tmp_path):
    # tried as a new user would: a misspelt programme used to skip Liujiang's 60,000 cap silently
    root = __import__("pathlib").Path(__file__).resolve().parents[1]
    text = (root / "plugins" / "liujiang" / "examples" / "annual-cap.toml").read_text(encoding="utf-8")
    bad = tmp_path / "bad.toml"
    bad.write_text(text.replace("inpatient_assistance =", "inpatient_asistance ="), encoding="utf-8")
    res = CliRunner().invoke(cli, ["--config", str(root / "examples" / "jiuzhu.toml"), "evaluate", str(bad)])
    assert res.exit_code == 2
    assert res.output.strip() == ("错误 error: history.ytd.inpatient_asistance: unknown programme for liujiang; "
                                  "valid: inpatient_assistance (see `jiuzhu programs liujiang`)")
    res = CliRunner().invoke(cli, ["programs", "liujiang"])
    assert res.exit_code == 0 and res.output.startswith("inpatient_assistance\t住院医疗救助")


def test_usage_masks_nothing_typed_and_settle_masks_the_id(db_url, tmp_path):
    # text output masks the ID number (it came from a file); --format json is the full record for systems
    res = CliRunner().invoke(cli, ["settle", write(tmp_path, fushun_case(*A2)), "--db", db_url])
    assert res.exit_code == 0 and ID not in res.output and "210421********0336" in res.output
    res = CliRunner().invoke(cli, ["usage", ID, "--year", "2025", "--db", db_url])
    assert res.exit_code == 0 and res.output.startswith(ID)  # the user typed it
    res = CliRunner().invoke(cli, ["usage", "210421195208030335", "--year", "2025", "--db", db_url])
    assert res.exit_code == 2 and "210421195208030335" not in res.output
