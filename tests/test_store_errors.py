"""The ledger database refused in one line, exit 2, no traceback, no password: bad URLs, unreachable
servers, a schema this jiuzhu does not know, values the columns cannot hold."""

import json

import pytest
import sqlalchemy as sa
from click.testing import CliRunner

from jiuzhu.cli import cli
from jiuzhu.io.loader import unstructure_case
from jiuzhu.store import Store
from store_support import fushun_case

SECRET = "s3cretPW"
# 8,500 − 4,500 = 4,000 × 60 % = 2,400.00 (抚政办发〔2014〕67号 §四(二)), under the 5,000 cap
A = ("FS-ERR-001", "2025-09-03", "2025-09-14", "8500", "4500", "500")


def write(tmp_path, raw, name="case"):
    p = tmp_path / f"{name}.json"
    p.write_text(json.dumps(raw, ensure_ascii=False), encoding="utf-8")
    return str(p)


def one_line_refusal(res, *must):
    assert res.exit_code == 2, res.output
    assert res.output.count("\n") == 1 and res.output.startswith("错误 error: "), res.output
    assert "Traceback" not in res.output and "internal error" not in res.output and SECRET not in res.output
    for m in must:
        assert m in res.output, res.output


@pytest.mark.parametrize("cmd", [["db", "upgrade"], ["db", "current"], ["usage", "210421195208030336", "--year", "2025"]])
def test_unreachable_server_is_one_line_without_the_password(cmd):
    url = f"postgresql+psycopg://bob:{SECRET}@127.0.0.1:1/x"  # port 1: nothing listens
    res = CliRunner().invoke(cli, [*cmd, "--db", url])
    one_line_refusal(res, "bob:***@127.0.0.1:1/x", "cannot connect")


@pytest.mark.parametrize("url", [f"postgresql+psycopg://bob:{SECRET}@host:notaport/x", f"://:{SECRET}@"])
def test_malformed_url_does_not_echo_the_password(url, tmp_path):
    res = CliRunner().invoke(cli, ["settle", write(tmp_path, unstructure_case(fushun_case(*A))), "--db", url])
    one_line_refusal(res, "--db: expected a database URL")


def test_malformed_url_names_where_it_came_from(tmp_path, monkeypatch):
    monkeypatch.setenv("JIUZHU_DB", "garbage")
    res = CliRunner().invoke(cli, ["db", "current"])
    one_line_refusal(res, "JIUZHU_DB: expected a database URL", "'garbage'")
    monkeypatch.delenv("JIUZHU_DB")
    cfg = tmp_path / "jiuzhu.toml"
    cfg.write_text(f'region = "fushun"\n[store]\nurl = "postgresql://bob:{SECRET}@h:xx/x"\n', encoding="utf-8")
    res = CliRunner().invoke(cli, ["--config", str(cfg), "db", "current"])
    one_line_refusal(res, "store.url: expected a database URL")


@pytest.mark.parametrize("url", ["postgresql+asyncpg://u:pw@127.0.0.1/x", "postgresql+psycopg2://u:pw@127.0.0.1/x"])
def test_driver_other_than_psycopg_is_refused(url):
    res = CliRunner().invoke(cli, ["db", "upgrade", "--db", url])
    one_line_refusal(res, "--db: unsupported driver", "postgresql+psycopg://")


def test_schema_at_a_revision_this_jiuzhu_does_not_know(tmp_path):
    url = f"sqlite:///{tmp_path / 'newer.db'}"
    Store.open(url, upgrade=True).close()
    eng = sa.create_engine(url)
    with eng.begin() as c:  # as a newer jiuzhu would leave it
        c.exec_driver_sql("UPDATE alembic_version SET version_num = '0099_future'")
    eng.dispose()
    case = write(tmp_path, unstructure_case(fushun_case(*A)))
    res = CliRunner().invoke(cli, ["settle", case, "--db", url])
    one_line_refusal(res, "revision 0099_future", "unknown to this jiuzhu", "newer jiuzhu")
    assert "run `jiuzhu db upgrade" not in res.output  # upgrading cannot help
    res = CliRunner().invoke(cli, ["db", "upgrade", "--db", url])
    one_line_refusal(res, "revision 0099_future", "unknown to this jiuzhu")


def test_upgrade_over_tables_without_a_revision(tmp_path):
    url = f"sqlite:///{tmp_path / 'foreign.db'}"
    eng = sa.create_engine(url)
    with eng.begin() as c:
        c.exec_driver_sql("CREATE TABLE settlements (id INTEGER PRIMARY KEY)")
    eng.dispose()
    res = CliRunner().invoke(cli, ["db", "upgrade", "--db", url])
    one_line_refusal(res, "cannot migrate")


@pytest.mark.parametrize("field,change", [
    ("key", lambda r: r.update(id="K" * 101)),
    ("id", lambda r: r.update(id="FS\x00ERR")),  # the loader refuses it first, naming the case's id
    # the slip's setl_id is the key: at most 100 characters, one line of visible text
    ("key", lambda r: r["bill"].update(setl_id="S" * 101)),
    ("key", lambda r: r["bill"].update(setl_id="FS\x85ERR")),  # NEL (C1)
    ("key", lambda r: r["bill"].update(setl_id="FS\u2028ERR")),  # line separator
    ("key", lambda r: r["bill"].update(setl_id="FS\u202eRRE")),  # right-to-left override
    ("key", lambda r: r["bill"].update(setl_id="   ")),
    ("facility.name", lambda r: r["facility"].update(name="医" * 201)),
    ("facility.code", lambda r: r["facility"].update(code="H" * 65)),
    ("person.name", lambda r: r["person"].update(name="张" * 201)),
])
def test_values_the_ledger_cannot_hold_are_refused_on_every_database(db_url, tmp_path, field, change):
    raw = unstructure_case(fushun_case(*A))
    change(raw)
    res = CliRunner().invoke(cli, ["settle", write(tmp_path, raw), "--db", db_url])
    one_line_refusal(res, f"{field}: ")
    with Store.open(db_url).engine.connect() as c:
        assert c.exec_driver_sql("SELECT count(*) FROM settlements").scalar_one() == 0


def test_actor_and_reason_the_ledger_cannot_hold(db_url, tmp_path):
    case = write(tmp_path, unstructure_case(fushun_case(*A)))
    res = CliRunner().invoke(cli, ["settle", case, "--db", db_url, "--actor", "a" * 201])
    one_line_refusal(res, "actor: ")
    res = CliRunner().invoke(cli, ["settle", case, "--db", db_url, "--format", "json"])
    assert res.exit_code == 0 and json.loads(res.output)["assistance_fen"] == 240000  # 4,000 × 60 %
    res = CliRunner().invoke(cli, ["reverse", A[0], "--reason", "bad\x00reason", "--db", db_url])
    one_line_refusal(res, "reason: ")
    assert not Store.open(db_url).get(A[0]).reversed


def test_usage_text_tells_two_regions_programmes_apart(db_url, tmp_path):
    # one person settled in Fushun (60 % × 4,000 = 2,400.00 of a 5,000 cap, §四(二)) and, having moved, in
    # Liujiang (100 % of 40,000 − 20,000 = 20,000.00 of a 60,000 cap, 第六条): both caps are called
    # inpatient_assistance; each region's pool stands alone and the text says which is which
    from pathlib import Path
    from jiuzhu.io.loader import load_case
    root = Path(__file__).resolve().parents[1]
    cfg = str(root / "examples" / "jiuzhu.toml")
    lj = unstructure_case(load_case(root / "plugins" / "liujiang" / "examples" / "annual-cap.toml"))
    lj.pop("history")
    fs = unstructure_case(fushun_case(*A, id_number=lj["person"]["id_number"]))
    fs["episode"].update(admitted="2026-02-03", discharged="2026-02-14")
    for raw, name in ((fs, "fs"), (lj, "lj")):
        res = CliRunner().invoke(cli, ["--config", cfg, "settle", write(tmp_path, raw, name), "--db", db_url])
        assert res.exit_code == 0, res.output
    res = CliRunner().invoke(cli, ["--config", cfg, "usage", lj["person"]["id_number"], "--year", "2026", "--db", db_url])
    assert res.exit_code == 0, res.output
    lines = [l.strip() for l in res.output.splitlines() if "inpatient_assistance" in l]
    assert lines == [f"fushun.inpatient_assistance 住院救助: 已付 paid 2400.00  限额 cap 5000.00  剩余 left 2600.00  ({A[0]})",
                     # FS-AMB-19 reading B's near-dibao pool: no cap under the default reading
                     "fushun.near_dibao_inpatient_assistance 低保边缘对象住院救助: 已付 paid 0.00  限额 cap —  剩余 left —  (—)",
                     "liujiang.inpatient_assistance 住院医疗救助: 已付 paid 20000.00  限额 cap 60000.00  剩余 left 40000.00  "
                     "(LJ-EX-010)"]
