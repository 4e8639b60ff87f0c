"""Revision 0003: a ledger that kept an ID number's check character as written (``x`` and ``X``, two persons)
is made one person per number, with one year-to-date.

A 0002 ledger as that era's code wrote it (it keyed the person-year by the number as given). Amounts
(抚政办发〔2014〕67号 §四(二)): inpatient assistance 60 % of in-scope − basic insurance, at most 5,000 yuan a
person a year (tests/store_support.py: a rural dibao person of 抚顺县, county hospital, J44.1).
  person 21042119520803007X (check character X, see tests/test_id_check_character.py):
    March, sent as ...x:       11,000 − 5,000 = 6,000 × 60 % = 3,600.00 (person-year ...x)
    May, sent as ...x:          2,000 − 1,000 = 1,000 × 60 % =   600.00 (cap left 1,400), then reversed
    September, sent as ...X:    8,500 − 4,500 = 4,000 × 60 % = 2,400.00 — a fresh person-year ...X, the cap
                                seen whole (as one person: 1,400.00)
  after the upgrade, one person-year ...X: 3 settlements recorded, 2 standing, 3,600 + 2,400 = 6,000.00;
    November:                   3,000 − 2,000 = 1,000 × 60 % = 600, cap left 5,000 − 6,000 → 0.00
  person 21042119600615102X, only ever sent as ...x:
    June:                       3,000 − 1,000 = 2,000 × 60 % = 1,200.00; renamed, unchanged
"""

from __future__ import annotations

import hashlib
import json

import pytest
import sqlalchemy as sa
from click.testing import CliRunner

from jiuzhu.cli import cli
from jiuzhu.kit.testing import layer
from jiuzhu.rules.engine import Engine
from jiuzhu.store import Store, StoreError, db
from jiuzhu.store.ledger import AlreadyReversed
from store_support import fushun_case

UPPER, LOWER = "21042119520803007X", "21042119520803007x"
OTHER_UPPER, OTHER_LOWER = "21042119600615102X", "21042119600615102x"
MARCH = ("FS-X-1", "2025-03-02", "2025-03-12", "11000", "5000", "1000")
MAY = ("FS-X-R", "2025-05-06", "2025-05-10", "2000", "1000")
SEPTEMBER = ("FS-X-2", "2025-09-03", "2025-09-14", "8500", "4500", "500")
NOVEMBER = ("FS-X-3", "2025-11-03", "2025-11-10", "3000", "2000")
JUNE = ("FS-Y-1", "2025-06-02", "2025-06-09", "3000", "1000")
IP = "inpatient_assistance"


def _canonical(obj) -> str:
    return json.dumps(obj, ensure_ascii=False, sort_keys=True, separators=(",", ":"))


def spelled_lower(conn, upper: str, lower: str, year: int) -> None:
    """The person-year ``upper`` and its settlements as the 0002-era code wrote them for a case sent with
    ``lower``: that spelling in the row keys, in the case (and so in its content hash) and in the outcome."""
    py = conn.execute(sa.text("SELECT settlements, ytd_json, admissions FROM person_years WHERE id_number = :i "
                              "AND year = :y"), {"i": upper, "y": year}).one()
    conn.execute(sa.text("INSERT INTO person_years (id_number, year, settlements, ytd_json, admissions) "
                         "VALUES (:i, :y, :n, :t, :a)"), {"i": lower, "y": year, "n": py[0], "t": py[1], "a": py[2]})
    for sid, region, case_text, out in conn.execute(sa.text(
            "SELECT id, region, case_json, outcome_json FROM settlements WHERE id_number = :i AND year = :y"),
            {"i": upper, "y": year}).all():
        case = json.loads(case_text)
        case["person"]["id_number"] = lower
        text = _canonical(case)
        content = hashlib.sha256(('{"case":' + text + ',"region":' + json.dumps(region) + "}").encode()).hexdigest()
        assert out.count(f'"{upper}"') == 1  # the forms' data
        conn.execute(sa.text("UPDATE settlements SET id_number = :i, case_json = :c, content_hash = :h, "
                             "outcome_json = :o WHERE id = :s"),
                     {"i": lower, "c": text, "h": content, "o": out.replace(f'"{upper}"', f'"{lower}"'), "s": sid})
    conn.execute(sa.text("DELETE FROM person_years WHERE id_number = :i AND year = :y"), {"i": upper, "y": year})


def person_years(url) -> dict:
    eng = db.make_engine(url)
    with eng.connect() as c:
        rows = c.execute(sa.text("SELECT id_number, year, settlements, admissions, ytd_json FROM person_years")).all()
    eng.dispose()
    return {(r[0], r[1]): (r[2], r[3], json.loads(r[4])) for r in rows}


def settlement_rows(url) -> dict:
    eng = db.make_engine(url)
    with eng.connect() as c:
        rows = c.execute(sa.text("SELECT key, id_number, case_json, content_hash, outcome_json FROM settlements")).all()
    eng.dispose()
    return {r[0]: tuple(r[1:]) for r in rows}


@pytest.fixture
def ledger_0002(db_url):
    """``db_url`` holding the rows above at revision 0002."""
    from alembic import command
    eng = Engine()
    store = Store.open(db_url)
    try:
        assert layer(store.settle(eng, fushun_case(*MARCH, id_number=UPPER)).outcome, IP) == 360000
        assert layer(store.settle(eng, fushun_case(*MAY, id_number=UPPER)).outcome, IP) == 60000
        store.reverse(MAY[0], "录入错误")
        with store.engine.begin() as conn:
            spelled_lower(conn, UPPER, LOWER, 2025)
        sept = store.settle(eng, fushun_case(*SEPTEMBER, id_number=UPPER))
        assert (sept.ytd, sept.admissions, layer(sept.outcome, IP)) == ({}, 0, 240000)  # the split
        assert layer(store.settle(eng, fushun_case(*JUNE, id_number=OTHER_UPPER)).outcome, IP) == 120000
        with store.engine.begin() as conn:
            spelled_lower(conn, OTHER_UPPER, OTHER_LOWER, 2025)
        with store.engine.begin() as conn:
            command.downgrade(db._alembic_config(conn), "0002")
    finally:
        store.close()
    assert person_years(db_url) == {
        (LOWER, 2025): (2, 1, {"fushun": {IP: 360000}}),  # May's 600.00 added, then taken off
        (UPPER, 2025): (1, 1, {"fushun": {IP: 240000}}),
        (OTHER_LOWER, 2025): (1, 1, {"fushun": {IP: 120000}}),
    }
    return db_url


def test_upgrade_merges_the_two_spellings_into_one_person_year(ledger_0002):
    url = ledger_0002
    before = settlement_rows(url)
    with pytest.raises(StoreError, match="revision 0002, this jiuzhu needs 0003"):
        Store.open(url)
    res = CliRunner().invoke(cli, ["db", "upgrade", "--db", url])
    assert res.exit_code == 0 and "0002 → 0003" in res.output, res.output
    # settlements 3 recorded (March, May, September), 2 standing; 3,600.00 + 2,400.00; the other person renamed
    assert person_years(url) == {
        (UPPER, 2025): (3, 2, {"fushun": {IP: 600000}}),
        (OTHER_UPPER, 2025): (1, 1, {"fushun": {IP: 120000}}),
    }
    after = settlement_rows(url)
    assert {k: v[0] for k, v in after.items()} == {k: UPPER for k in (MARCH[0], MAY[0], SEPTEMBER[0])} | {
        JUNE[0]: OTHER_UPPER}
    for key, (_idn, case_text, _h, out) in after.items():
        assert json.loads(case_text)["person"]["id_number"] in (UPPER, OTHER_UPPER)
        assert LOWER not in out and OTHER_LOWER not in out
    assert after[SEPTEMBER[0]] == before[SEPTEMBER[0]]  # written X: untouched
    assert after[MARCH[0]][2] != before[MARCH[0]][2]  # the content hash of the case as now spelled

    eng = Engine()
    store = Store.open(url)
    try:
        for spelling in (LOWER, UPPER):
            u = {p.program: p for p in store.usage(spelling, 2025, "fushun").programs}[IP]
            assert (u.paid, u.settlements, u.cap, u.left) == (600000, (MARCH[0], SEPTEMBER[0]), 500000, 0)
        u = {p.program: p for p in store.usage(OTHER_LOWER, 2025, "fushun").programs}[IP]
        assert (u.paid, u.settlements) == (120000, (JUNE[0],))
        # a recorded case sent again, in either spelling, is the same content: a replay, nothing paid twice
        for spelling in (LOWER, UPPER):
            again = store.settle(eng, fushun_case(*MARCH, id_number=spelling))
            assert (again.replay, again.id_number, again.assistance) == (True, UPPER, 360000)
        again = store.settle(eng, fushun_case(*JUNE, id_number=OTHER_LOWER))
        assert again.replay and again.id_number == OTHER_UPPER
        # the recorded outcome still reproduces from the rewritten case and its recorded year-to-date
        assert layer(store.get(MARCH[0]).outcome, IP) == 360000
        # November sees the whole year: 6,000.00 paid, over the 5,000.00 cap, so nothing is left
        nov = store.settle(eng, fushun_case(*NOVEMBER, id_number=LOWER))
        assert (nov.replay, nov.ytd, nov.admissions, layer(nov.outcome, IP)) == (False, {IP: 600000}, 2, 0)
        # a settlement written x before, reversed now, leaves the one person-year: 6,000 − 3,600 = 2,400.00
        store.reverse(MARCH[0], "录入错误")
        assert person_years(url)[(UPPER, 2025)] == (4, 2, {"fushun": {IP: 240000}})
        with pytest.raises(AlreadyReversed):
            store.reverse(MAY[0], "录入错误")
    finally:
        store.close()


def test_a_person_year_with_a_programme_reversed_to_nothing_keeps_its_entry(db_url):
    """What the ledger's own arithmetic leaves: a reversal takes a programme's amount off and keeps its entry
    at 0. One person's May settlement written x and September's written X, each reversed: after the upgrade
    the one person-year lists the programme at 0.00 with no settlement standing, as if both had been settled
    and reversed under one spelling."""
    from alembic import command
    eng = Engine()
    store = Store.open(db_url)
    try:
        store.settle(eng, fushun_case(*MAY, id_number=UPPER))
        store.reverse(MAY[0], "录入错误")
        with store.engine.begin() as conn:
            spelled_lower(conn, UPPER, LOWER, 2025)
        store.settle(eng, fushun_case(*SEPTEMBER, id_number=UPPER))
        store.reverse(SEPTEMBER[0], "录入错误")
        with store.engine.begin() as conn:
            command.downgrade(db._alembic_config(conn), "0002")
        assert person_years(db_url) == {(LOWER, 2025): (1, 0, {"fushun": {IP: 0}}),
                                        (UPPER, 2025): (1, 0, {"fushun": {IP: 0}})}
        store.upgrade()
        assert person_years(db_url) == {(UPPER, 2025): (2, 0, {"fushun": {IP: 0}})}
        nov = store.settle(eng, fushun_case(*NOVEMBER, id_number=UPPER))  # 600.00: the whole cap is left
        assert (nov.ytd, nov.admissions, layer(nov.outcome, IP)) == ({IP: 0}, 0, 60000)
    finally:
        store.close()
