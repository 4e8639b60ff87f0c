"""The ledger keeps what it decided: past ledgers after a parameter change, caps of unused
programmes, the upgrade of a database at revision 0001, and keys of one visible line."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pytest
import sqlalchemy as sa
from click.testing import CliRunner

from jiuzhu.cli import cli
from jiuzhu.io.config import load_config
from jiuzhu.io.loader import load_case, unstructure_case
from jiuzhu.rules.engine import Engine
from jiuzhu.store import Store
from jiuzhu.store.params import recorded, recorded_engine
from store_support import PERSON, fushun_case

ROOT = Path(__file__).resolve().parents[1]
CFG = ROOT / "examples" / "jiuzhu.toml"
WS_CASE = ROOT / "examples" / "wusheng-in-county.toml"


def changed_config(tmp_path) -> Path:
    """The example deployment after the county changes the relief fund's share from 1 to 0.5."""
    text = CFG.read_text(encoding="utf-8").replace("[parameters.wusheng]\n", "[parameters.wusheng]\nrelief_fund_rate = \"0.5\"\n", 1)
    assert "relief_fund_rate" in text
    p = tmp_path / "jiuzhu.toml"
    p.write_text(text, encoding="utf-8")
    return p


def ledger(cfg, db_url, month, out):
    return CliRunner().invoke(cli, ["--config", str(cfg), "ledger", "--db", db_url, "--region", "wusheng",
                                    "--month", month, "--out", str(out)])


def test_past_ledger_after_a_parameter_change_has_the_recorded_amounts(db_url, tmp_path):
    # Wusheng example: the relief fund bears the whole residual, 2,325.00 (relief_fund_rate 1, WS-PAY-2);
    # after the change to 0.5 a new evaluation gives 1,162.50, but the month settled before keeps 2,325.00
    case = load_case(WS_CASE)
    store = Store.open(db_url)
    first = store.settle(Engine(deployment=load_config(CFG)), case)
    relief = next(l for l in first.outcome.settlement.layers if l.id == "relief_fund")
    assert relief.amount == 232500
    month = f"{case.episode.day.year}-{case.episode.day.month:02d}"
    before = ledger(CFG, db_url, month, tmp_path / "before.xlsx")
    assert before.exit_code == 0, before.output
    new = changed_config(tmp_path)
    now = Engine(deployment=load_config(new)).evaluate(case)
    assert next(l for l in now.settlement.layers if l.id == "relief_fund").amount == 116250  # 2,325.00 × 0.5
    after = ledger(new, db_url, month, tmp_path / "after.xlsx")
    assert after.exit_code == 0, after.output
    assert "2325.00" in after.output
    assert after.output.splitlines()[:-1] == before.output.splitlines()[:-1]  # same sheets, rows and totals
    # and the stored settlement, read back under the new deployment, is the recorded one
    again = Store.open(db_url)
    again.default_engine = Engine(deployment=load_config(new))
    s = again.get(first.key)
    assert next(l for l in s.outcome.settlement.layers if l.id == "relief_fund").amount == 232500


@pytest.mark.parametrize("region", ["fushun", "wusheng", "guangan", "liujiang", "jingjiang"])
def test_recorded_parameters_replay_every_value(region):
    # every parameter in force (deployment overrides included: dates, segment tables) comes back equal
    eng = Engine(deployment=load_config(CFG))
    chain = [r.code for r in eng.chain(region)]
    day = dt.date(2026, 6, 1)
    _, text = recorded(eng, chain, [day] * len(chain))
    back = recorded_engine(eng, text)
    for code in chain:
        for name, p in eng.parameter_set(code).params.items():
            a, b = p.at(day), back.parameter_set(code).params[name].at(day)
            assert (a is None) == (b is None), name
            if a is not None:
                assert (a.value, a.start, a.cite) == (b.value, b.start, b.cite), name


def test_usage_shows_the_cap_of_programmes_not_yet_used(db_url):
    # a Fushun dibao person with one inpatient stay: 60 % × (1,000 − 600) = 240.00 of the 5,000 cap
    # (§四(二)); the other three programmes show their caps in force though nothing was paid:
    # outpatient 70, special outpatient 1,000 (§四(二)), major disease 10,000 (§四(三))
    store = Store.open(db_url)
    eng = Engine()
    store.settle(eng, fushun_case("U-1", "2025-05-01", "2025-05-08", "1000", "600"))
    u = {p.program: p for p in store.usage(PERSON["id_number"], 2025, "fushun", eng).programs}
    assert {k: (p.paid, p.cap, p.left) for k, p in u.items()} == {
        "inpatient_assistance": (24000, 500000, 476000),
        "outpatient_assistance": (0, 7000, 7000),
        "special_outpatient_assistance": (0, 100000, 100000),
        "major_disease_assistance": (0, 1000000, 1000000),
        # the near-dibao pool of FS-AMB-19 reading B: no cap under the default one-pool reading
        "near_dibao_inpatient_assistance": (0, None, None)}
    res = CliRunner().invoke(cli, ["usage", PERSON["id_number"], "--year", "2025", "--db", db_url])
    assert res.exit_code == 0, res.output
    assert "fushun.outpatient_assistance 门诊救助: 已付 paid 0.00  限额 cap 70.00  剩余 left 70.00  (—)" in res.output


def test_usage_of_a_near_dibao_person_scales_the_inpatient_cap_and_has_no_outpatient_cap(db_url):
    # 低保边缘: 「按低保对象救助标准的60%给予救助」 (FS-BASIC-8, FS-AMB-1 default reading): with no settlement in a
    # programme the cap shown is the person's, not the dibao one; near-dibao persons get no outpatient
    # assistance (no cap to show); the person's group comes from their latest recorded case
    store = Store.open(db_url)
    eng = Engine()
    raw = unstructure_case(fushun_case("N-1", "2025-05-01", "2025-05-08", "1000", "600"))
    raw["person"]["categories"] = ["near_dibao"]
    from jiuzhu.io.loader import structure_case
    case = structure_case(raw)
    out = store.settle(eng, case)
    ip = next(l for l in out.outcome.settlement.layers if l.id == "inpatient_assistance")
    u = {p.program: p for p in store.usage(PERSON["id_number"], 2025, "fushun", eng).programs}
    assert u["inpatient_assistance"].cap == ip.annual_cap  # recorded, the person's own
    assert u["outpatient_assistance"].cap is None


def test_upgrade_from_revision_0001_keeps_year_to_date_and_reversals(db_url):
    # a ledger at 0001 with rows as 0001's code wrote them: two settlements of one person, the second
    # reversed; after `jiuzhu db upgrade` the year-to-date counts the first only
    from alembic import command
    from jiuzhu.store import db
    url = db_url
    eng = db.make_engine(url)
    with eng.begin() as conn:
        command.downgrade(db._alembic_config(conn), "0001")
    now = dt.datetime(2025, 5, 9, tzinfo=dt.timezone.utc)
    row = dict(content_hash="x" * 64, region="fushun", chain="fushun", id_number=PERSON["id_number"], name="张德顺",
               facility_code="H1", facility_name="县医院", year=2025, day=dt.date(2025, 5, 1),
               admitted=dt.date(2025, 5, 1), discharged=dt.date(2025, 5, 8), settled_on=dt.date(2025, 5, 8),
               recorded_at=now, actor=None, total=100000, paid=100000, assistance=24000, case_json="{}",
               ytd_json='{"admissions":0,"ytd":{}}', outcome_json='{"settlement":{"layers":[]}}', jiuzhu_version="0",
               plugins_json="{}", params_hash="p" * 64)
    with eng.begin() as c:
        c.execute(sa.text("INSERT INTO person_years (id_number, year, settlements) VALUES (:i, 2025, 2)"),
                  {"i": PERSON["id_number"]})
        meta = sa.MetaData()
        s = sa.Table("settlements", meta, autoload_with=c)
        sp = sa.Table("settlement_programs", meta, autoload_with=c)
        c.execute(s.insert(), [dict(row, key="OLD-1"), dict(row, key="OLD-2", assistance=30000)])
        ids = dict(c.execute(sa.select(s.c.key, s.c.id)).all())
        c.execute(sp.insert(), [
            dict(settlement_id=ids["OLD-1"], program_region="fushun", program="inpatient_assistance",
                 id_number=PERSON["id_number"], year=2025, amount=24000, cap=500000, bound=False),
            dict(settlement_id=ids["OLD-2"], program_region="fushun", program="inpatient_assistance",
                 id_number=PERSON["id_number"], year=2025, amount=30000, cap=500000, bound=False)])
        c.execute(sa.text("INSERT INTO reversals (settlement_id, reason, recorded_at) VALUES (:s, 'dup', :t)"),
                  {"s": ids["OLD-2"], "t": now})
    eng.dispose()
    from jiuzhu.store import StoreError
    with pytest.raises(StoreError, match="revision 0001, this jiuzhu needs 0003"):
        Store.open(url)  # an older revision is never silently used
    res = CliRunner().invoke(cli, ["db", "upgrade", "--db", url])
    assert res.exit_code == 0 and "0001 → 0003" in res.output, res.output
    store = Store.open(url)
    with store.engine.connect() as c:
        ytd, n = c.exec_driver_sql("SELECT ytd_json, admissions FROM person_years").one()
        assert sa.inspect(c).has_table("settlement_programs") is False
    assert (json.loads(ytd), n) == ({"fushun": {"inpatient_assistance": 24000}}, 1)
    assert store.get("OLD-2").reversed and store.get("OLD-1").programs == {("fushun", "inpatient_assistance"): 24000}
    # the next settlement counts on from 240.00: 60 % × (1,000 − 600) = 240.00 again, ytd 480.00
    new = store.settle(Engine(), fushun_case("NEW-1", "2025-06-01", "2025-06-08", "1000", "600"))
    assert (new.ytd, new.admissions, new.assistance) == ({"inpatient_assistance": 24000}, 1, 24000)
    u = {p.program: p for p in store.usage(PERSON["id_number"], 2025, "fushun").programs}["inpatient_assistance"]
    assert (u.paid, u.settlements) == (48000, ("OLD-1", "NEW-1"))
    # and back down to 0001 and up again: the tables are rebuilt from the JSON columns
    with store.engine.begin() as conn:
        command.downgrade(db._alembic_config(conn), "0001")
    with store.engine.connect() as c:
        assert c.exec_driver_sql("SELECT sum(amount) FROM settlement_programs").scalar_one() == 24000 + 30000 + 24000
    store.upgrade()
    with store.engine.connect() as c:
        assert json.loads(c.exec_driver_sql("SELECT ytd_json FROM person_years").scalar_one()) == \
            {"fushun": {"inpatient_assistance": 48000}}


@pytest.mark.parametrize("key", ["K\nFORGED", "K\x85X", "K\u2028X", "K\u202eX", "K" * 101])
def test_reverse_refuses_a_key_that_cannot_be_one(db_url, key):
    res = CliRunner().invoke(cli, ["reverse", key, "--reason", "r", "--db", db_url])
    assert res.exit_code == 2 and res.output.count("\n") == 1 and res.output.startswith("错误 error: key: "), res.output
