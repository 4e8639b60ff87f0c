"""One case (``jiuzhu evaluate``, ``Engine.evaluate``, the loader, the HTTP service) and the batch
(``jiuzhu compare --batch``) accept and refuse the same input:

1. a year-to-date amount of 0 for a programme the chain lacks says nothing was paid: accepted by both
   (docs/batch.md: a zero and an absent column mean the same); a non-zero amount refused by both;
2. a top-level table (person, facility, episode, bill, history) given as null, text, a number … or
   missing: one line naming it, what it was and what it holds, exit 2 (HTTP 422);
3. a date-time with an offset is on its day in China time (+08:00): the batch's date column must be
   that day, as the loader derives the date from the date-time.

Amounts: the Fushun example FS-EX-001 (plugins/fushun/tests/examples.case.toml): base = in-scope
11,500 − basic 7,630 = 3,870 → 60 % = 2,322.00 (FS-BASIC-4). 抚政办发〔2014〕67号 is in force from
2014-11-27 and Fushun judges on the discharge date: a stay discharged on 2014-11-26 gets 0.
"""

from __future__ import annotations

import csv
import datetime as dt
import json
import os
import sys
from pathlib import Path

import attrs
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from click.testing import CliRunner
from fastapi.testclient import TestClient
from rich.console import Console

from jiuzhu.analysis.batch import flatten, rows_to_columns, unflatten
from jiuzhu.analysis.checks import normalise
from jiuzhu.analysis.claims import run_batch
from jiuzhu.cli import cli
from jiuzhu.io.loader import load_case, loads_case, structure_case
from jiuzhu.kit.testing import make_engine
from jiuzhu.model.errors import InputError
from jiuzhu.model.idcard import make
from jiuzhu.service.app import create_app

sys.path.insert(0, str(Path(__file__).parent))
from service_helpers import auth, case_json, engine as service_engine, tokens  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
CASE = ROOT / "plugins" / "fushun" / "examples" / "dibao-inpatient.toml"
STRAY = "critical_illness_counted"  # Guang'an's programme: Fushun's chain does not declare it


@pytest.fixture(scope="module")
def eng():
    return make_engine()


def _batch(eng, tmp_path, table: pa.Table, regions=("fushun",)):
    """(totals by region, {(region, claim): assistance fen}, [(row, claim, field)] of the errors file)."""
    src, out, errs = tmp_path / "c.parquet", tmp_path / "r.parquet", tmp_path / "e.csv"
    pq.write_table(table, src)
    tots = run_batch(eng, str(src), list(regions), str(out), progress=False, fmt="json", skip_invalid=True,
                     console=Console(file=open(os.devnull, "w")), errors=str(errs))
    got = {(r["region"], r["claim_id"]): r["assistance_fen"] for r in pq.read_table(out).to_pylist()}
    with open(errs, encoding="utf-8") as fh:
        listed = [(e["row"], e["claim_id"], e["field"]) for e in csv.DictReader(fh)]
    return {t["region"]: t for t in tots}, got, listed


def _person(case, seq: int, claim: str):
    """``case`` for another person (no shared annual cap) with its own claim id."""
    return attrs.evolve(case, id=claim, person=attrs.evolve(case.person, id_number=make("210402", dt.date(1956, 4, 12), seq)),
                        bill=attrs.evolve(case.bill, setl_id=claim))


# -- 1. a zero year-to-date amount of a programme the chain lacks ------------------------------


def test_one_case_accepts_a_zero_amount_of_a_programme_the_chain_lacks(eng):
    a = load_case(CASE)
    zero = attrs.evolve(a, history=attrs.evolve(a.history, ytd={STRAY: 0}))
    assert eng.evaluate(zero, "fushun").settlement.assistance == 232_200  # as without the entry
    # a declared programme at 0 beside it changes nothing either
    both = attrs.evolve(a, history=attrs.evolve(a.history, ytd={STRAY: 0, "inpatient_assistance": 0}))
    assert eng.evaluate(both, "fushun").settlement.assistance == 232_200


def test_one_case_still_refuses_a_non_zero_amount_of_a_programme_the_chain_lacks(eng):
    a = load_case(CASE)
    fen = attrs.evolve(a, history=attrs.evolve(a.history, ytd={STRAY: 1}))  # 0.01 yuan
    with pytest.raises(InputError) as exc:
        eng.evaluate(fen, "fushun")
    assert exc.value.field == f"history.ytd.{STRAY}"
    assert exc.value.expected.startswith("unknown programme for fushun; valid: inpatient_assistance")


@pytest.mark.parametrize("amount, code, needle", [
    ('"0"', 0, "2322.00"), ('"0.00"', 0, "2322.00"), ("0", 0, "2322.00"),
    ('"0.01"', 2, f"history.ytd.{STRAY}: unknown programme for fushun"),
])
def test_jiuzhu_evaluate_on_a_zero_and_a_non_zero_amount(tmp_path, amount, code, needle):
    f = tmp_path / "case.toml"
    f.write_text(CASE.read_text(encoding="utf-8") + f"\n[history]\nytd = {{ {STRAY} = {amount} }}\n", encoding="utf-8")
    res = CliRunner().invoke(cli, ["evaluate", str(f), "--region", "fushun"])
    assert res.exit_code == code, res.output
    assert needle in res.output
    if code:
        assert len(res.output.strip().splitlines()) == 1 and "Traceback" not in res.output


def test_batch_and_one_case_agree_on_zero_and_non_zero_amounts(eng, tmp_path):
    a = load_case(CASE)
    amounts = {"Z-0": 0, "Z-1": 1, "Z-2": 123_400, "Z-3": 0}
    cases = [attrs.evolve(_person(a, i, cid), history=attrs.evolve(a.history, ytd={STRAY: v}))
             for i, (cid, v) in enumerate(amounts.items())]
    cols = rows_to_columns([flatten(c) for c in cases])
    assert cols[f"history.ytd.{STRAY}_fen"] == [0, 1, 123_400, 0]
    tots, got, listed = _batch(eng, tmp_path, pa.table(cols))
    assert tots["fushun"]["claims"] == 2 and tots["fushun"]["invalid_claims"] == 2
    assert got == {("fushun", "Z-0"): 232_200, ("fushun", "Z-3"): 232_200}
    assert listed == [("2", "Z-1", f"history.ytd.{STRAY}"), ("3", "Z-2", f"history.ytd.{STRAY}")]
    for c in cases:  # one case: accepted exactly where the batch computed it, to the fen
        if ("fushun", c.id) in got:
            assert eng.evaluate(c, "fushun").settlement.assistance == got[("fushun", c.id)]
        else:
            with pytest.raises(InputError, match=f"history.ytd.{STRAY}"):
                eng.evaluate(c, "fushun")


@pytest.fixture(scope="module")
def client():
    return TestClient(create_app(service_engine(), tokens()), raise_server_exceptions=False)


def test_service_follows_the_engine_on_zero_and_non_zero_amounts(client):
    raw = case_json()
    raw["history"] = {"ytd": {STRAY: "0.00"}}
    r = client.post("/v1/evaluate", json=raw, headers=auth("analyst"))
    assert r.status_code == 200, r.text
    assert r.json()["settlement"]["assistance"] == "2322.00"
    raw["history"] = {"ytd": {STRAY: "0.01"}}
    r = client.post("/v1/evaluate", json=raw, headers=auth("analyst"))
    assert r.status_code == 422, r.text
    assert r.json()["errors"][0]["field"] == f"history.ytd.{STRAY}"


# -- 2. a top-level table that is not a table ---------------------------------------------------

HOLDS = {"person": "id_number, hukou …", "facility": "name, level, location …", "episode": "kind, admitted …",
         "bill": "total, in_scope …", "history": "ytd and admissions"}


def _raw():
    return json.loads(json.dumps(case_json()))


@pytest.mark.parametrize("table", list(HOLDS))
@pytest.mark.parametrize("value, kind", [(None, "null"), ("x", "text"), (3, "a number"), (1.5, "a number"),
                                         (True, "true or false"), ([], "a list"), (["刘桂芝"], "a list")])
def test_a_top_level_table_of_another_type_is_one_line(tmp_path, table, value, kind):
    raw = _raw()
    raw[table] = value
    f = tmp_path / "case.json"
    f.write_text(json.dumps(raw, ensure_ascii=False), encoding="utf-8")
    res = CliRunner().invoke(cli, ["evaluate", str(f), "--region", "fushun"])
    assert res.exit_code == 2, res.output
    assert res.output.strip() == f"错误 error: {table}: expected a table with {HOLDS[table]} (got {kind})"
    assert "刘桂芝" not in res.output  # the value is named by its type, never echoed


def test_toml_person_as_text_is_one_line(tmp_path):
    text = CASE.read_text(encoding="utf-8")
    head, rest = text.split("[person]", 1)
    rest = rest.split("[facility]", 1)[1]
    f = tmp_path / "case.toml"
    f.write_text(head + 'person = "x"\n\n[facility]' + rest, encoding="utf-8")
    res = CliRunner().invoke(cli, ["evaluate", str(f), "--region", "fushun"])
    assert res.exit_code == 2, res.output
    assert res.output.strip() == "错误 error: person: expected a table with id_number, hukou … (got text)"


@pytest.mark.parametrize("table", ["person", "facility", "episode", "bill"])
def test_a_missing_top_level_table_is_one_line(table):
    raw = _raw()
    del raw[table]
    with pytest.raises(InputError) as exc:
        structure_case(raw)
    assert str(exc.value) == f"{table}: missing: expected a table with {HOLDS[table]}"


def test_a_missing_history_is_no_history():
    raw = _raw()
    del raw["history"]
    assert structure_case(raw).history.ytd == {}


def test_service_names_the_table(client):
    raw = _raw()
    raw["person"] = None
    r = client.post("/v1/evaluate", json=raw, headers=auth("analyst"))
    assert r.status_code == 422, r.text
    err = r.json()["errors"][0]
    assert err["field"] == "person" and err["expected"] == "expected a table with id_number, hukou … (got null)"


# -- 3. date-times with an offset: their day in China time -------------------------------------

# (claim, date column, date-time column); the date-time's day in Beijing by hand
ROWS = [
    ("D-1", "2014-11-27", "2014-11-26T20:00:00-05:00"),  # 2014-11-27 09:00 +08:00: on the day
    ("D-2", "2014-11-26", "2014-11-26T20:00:00-05:00"),  # its local date is not China's: refused
    ("D-3", "2014-11-26", "2014-11-26T23:59:00+08:00"),  # on the day
    ("D-4", "2014-11-27", "2014-11-26T16:00:00Z"),  # 2014-11-27 00:00 +08:00: on the day
    ("D-5", "2014-11-26", "2014-11-26T16:00:00Z"),  # refused
    ("D-6", "2014-11-26", "2014-11-26T15:59:00Z"),  # 2014-11-26 23:59 +08:00: on the day
    ("D-7", "2014-11-27", "2014-11-27T00:30:00+09:00"),  # 2014-11-26 23:30 +08:00: refused
    ("D-8", "2014-11-26", "2014-11-27T00:30:00+09:00"),  # on the day
    ("D-9", "2014-11-27", "2014-11-27T10:00:00"),  # no zone: China time, on the day
]
ACCEPTED = {"D-1": 232_200, "D-3": 0, "D-4": 232_200, "D-6": 0, "D-8": 0, "D-9": 232_200}
ADMITTED = "2014-11-20T10:00:00+08:00"


def _dated_text(discharged: str) -> str:
    """The example's case file, admitted at ADMITTED and discharged at ``discharged``."""
    return CASE.read_text(encoding="utf-8").replace("admitted = 2025-05-06", f"admitted = {ADMITTED}") \
        .replace("discharged = 2025-05-15", f"discharged = {discharged}")


def _dated_cases():
    base = loads_case(_dated_text("2014-11-28"))
    return [_person(base, i, cid) for i, (cid, _, _) in enumerate(ROWS)]


def _dated_table():
    rows = [flatten(c) for c in _dated_cases()]
    for row, (_, day, at) in zip(rows, ROWS):  # as an export written in another zone gives them
        row["episode.discharged"], row["episode.discharged_at"] = dt.date.fromisoformat(day), at
    return pa.table(rows_to_columns(rows))


def test_the_loader_reads_a_date_time_on_its_day_in_china():
    for _, _, at in ROWS:
        c = loads_case(_dated_text(at))
        china = dt.datetime.fromisoformat(at)
        china = china.replace(tzinfo=dt.timezone(dt.timedelta(hours=8))) if china.tzinfo is None else \
            china.astimezone(dt.timezone(dt.timedelta(hours=8)))
        assert c.episode.discharged == china.date() and c.episode.discharged_at == china


def test_the_batch_check_refuses_exactly_the_rows_off_their_china_day():
    _, valid, errors = normalise(_dated_table())
    assert [cid for (cid, _, _), ok in zip(ROWS, valid.tolist()) if ok] == list(ACCEPTED)
    assert [(e.row, e.field) for e in errors] == [(2, "episode.discharged_at"), (5, "episode.discharged_at"),
                                                  (7, "episode.discharged_at")]
    assert all(e.expected == "a date-time on the day of episode.discharged in China time (+08:00)" for e in errors)


def test_admitted_at_is_checked_alike():
    rows = [flatten(c) for c in _dated_cases()[:2]]
    rows[0]["episode.admitted"], rows[0]["episode.admitted_at"] = dt.date(2014, 11, 21), "2014-11-20T12:00:00-12:00"
    rows[1]["episode.admitted"], rows[1]["episode.admitted_at"] = dt.date(2014, 11, 20), "2014-11-20T12:00:00-12:00"
    _, valid, errors = normalise(pa.table(rows_to_columns(rows)))
    assert valid.tolist() == [True, False]  # 2014-11-21 08:00 in Beijing
    assert [(e.row, e.field) for e in errors] == [(2, "episode.admitted_at")]


def test_batch_and_one_case_agree_on_date_times_with_offsets(eng, tmp_path):
    table = _dated_table()
    tots, got, listed = _batch(eng, tmp_path, table)
    assert tots["fushun"]["claims"] == 6 and tots["fushun"]["invalid_rows"] == 3  # refused for every region
    assert got == {("fushun", cid): fen for cid, fen in ACCEPTED.items()}
    assert listed == [("2", "D-2", "episode.discharged_at"), ("5", "D-5", "episode.discharged_at"),
                      ("7", "D-7", "episode.discharged_at")]
    for (cid, day, at), row in zip(ROWS, table.to_pylist()):
        # the case file gives the one value; its date is the row's date column exactly where the batch accepts
        one = loads_case(_dated_text(at))
        assert (one.episode.discharged.isoformat() == day) == (cid in ACCEPTED)
        assert eng.evaluate(one, "fushun").settlement.assistance == \
            (232_200 if one.episode.discharged >= dt.date(2014, 11, 27) else 0)
        if cid in ACCEPTED:  # the batch's own case of the row is that case
            assert structure_case(unflatten(row)).episode.discharge == one.episode.discharge
            assert eng.evaluate(one, "fushun").settlement.assistance == got[("fushun", cid)]


def test_a_flattened_case_with_an_offset_passes_the_batch_check():
    c = loads_case(CASE.read_text(encoding="utf-8").replace("discharged = 2025-05-15",
                                                            "discharged = 2025-05-15T23:30:00-05:00"))
    row = flatten(c)
    assert (row["episode.discharged"], row["episode.discharged_at"]) in (
        ("2025-05-16", "2025-05-16T12:30:00+08:00"), (dt.date(2025, 5, 16), "2025-05-16T12:30:00+08:00"))
    _, valid, errors = normalise(pa.table(rows_to_columns([row])))
    assert valid.tolist() == [True] and errors == []


@pytest.mark.parametrize("path, value, expected", [
    (("person", "guardian"), "x", "person.guardian: expected a table (got text)"),
    (("bill", "items"), None, "bill.items: expected a list of tables (name, amount …) (got null)"),
    (("bill", "items"), [5], "bill.items[0]: expected a table (name, amount …) (got a number)"),
    (("episode", "path"), 3, "episode.path: expected a list of tables (to …) (got a number)"),
    (("person", "statuses"), [None], "person.statuses[0]: expected a table (kind …) (got null)"),
])
def test_a_nested_value_of_the_wrong_shape_says_what_the_field_holds(path, value, expected):
    """Below the top level too: the field, what it holds and what was given (never the value itself)."""
    import json as _json
    from jiuzhu.io.loader import load_case as _load, structure_case as _structure, unstructure_case as _unstructure
    from jiuzhu.model.errors import InputError as _InputError
    raw = _json.loads(_json.dumps(_unstructure(_load(ROOT / "examples" / "wusheng-in-county.toml")), default=str))
    raw[path[0]][path[1]] = value
    with pytest.raises(_InputError) as info:
        _structure(raw)
    assert str(info.value) == expected
