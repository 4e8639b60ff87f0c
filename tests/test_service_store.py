"""Settlements over HTTP against the real ledger, on SQLite and PostgreSQL (``db_url``).

Fushun 抚顺县 dibao inpatients (抚政办发〔2014〕67号 §四(二), FS-BASIC-4): assistance is 60 % of
in-scope − basic-insurance paid, at most 5,000 yuan a person a year. Each case below:
in-scope 15,000 − basic 9,000 = 6,000 → 60 % = 3,600 yuan alone. A second one in the year gets
what is left of the cap: 5,000 − 3,600 = 1,400.
"""

from __future__ import annotations

import asyncio
import io
import json
import sys
from pathlib import Path

import httpx
import pytest
from fastapi.testclient import TestClient

from jiuzhu.io.loader import unstructure_case
from jiuzhu.service.app import create_app
from jiuzhu.store import Store

sys.path.insert(0, str(Path(__file__).parent))
from service_helpers import WUSHENG, auth, case_json, engine, tokens  # noqa: E402
from store_support import fushun_case  # noqa: E402

ID = "210421195208030336"  # store_support's person


def body(key, admitted="2025-03-02", discharged="2025-03-10", facility="H21042100001", **kw):
    c = fushun_case(key, admitted, discharged, "15000", "9000", facility_code=facility, **kw)
    return json.loads(json.dumps(unstructure_case(c)))


def layer(settlement: dict, layer_id: str) -> str:
    return next(l["amount"] for l in settlement["outcome"]["settlement"]["layers"] if l["id"] == layer_id)


@pytest.fixture
def app(db_url):
    return create_app(engine(), tokens(), Store.open(db_url))


@pytest.fixture
def client(app):
    return TestClient(app, raise_server_exceptions=False)


def test_record_replay_conflict_read_reverse(client):
    his, mz = auth("fs-his"), auth("fs-mz")
    r1 = client.post("/v1/settlements", json=body("S-1"), headers=his)
    assert r1.status_code == 201, r1.text
    s1 = r1.json()
    assert (s1["key"], s1["replay"], s1["actor"], s1["facility_code"]) == ("S-1", False, "fs-his", "H21042100001")
    assert layer(s1, "inpatient_assistance") == "3600.00" and s1["assistance_fen"] == 360000
    assert s1["id_number"] == "210421********0336"
    assert r1.headers["location"] == "/v1/settlements/S-1"
    r2 = client.post("/v1/settlements", json=body("S-1"), headers=his)
    assert r2.status_code == 200 and r2.json()["replay"] is True and r2.json()["recorded_at"] == s1["recorded_at"]
    changed = body("S-1")
    changed["bill"]["basic_paid"] = "8000.00"
    r3 = client.post("/v1/settlements", json=changed, headers=his)
    assert r3.status_code == 409 and r3.headers["content-type"].startswith("application/problem+json")
    # the second stay of the year gets what is left of the 5,000 cap
    s2 = client.post("/v1/settlements", json=body("S-2", "2025-06-01", "2025-06-09"), headers=his).json()
    assert layer(s2, "inpatient_assistance") == "1400.00"
    # reads: the hospital its own facility's, the region's office all of them, nobody else
    assert client.get("/v1/settlements/S-1", headers=his).status_code == 200
    # outside the token's facility or region a recorded key is answered as an unknown one: its existence,
    # region and hospital are not told
    unknown = client.get("/v1/settlements/NO-SUCH-KEY", headers=mz)
    for h in (auth("fs-other-his"), auth("ws-mz")):
        r = client.get("/v1/settlements/S-1", headers=h)
        assert r.status_code == 404 and r.json()["type"] == unknown.json()["type"], r.text
        assert r.json()["detail"] == unknown.json()["detail"] and "fushun" not in r.text and "fs-his" not in r.text
    assert client.post("/v1/settlements/S-1/reversal", json={"reason": "x"}, headers=auth("ws-mz")).status_code == 404
    # recording under a key another facility holds: refused, without that settlement's record or advice to reverse it
    # (keys are unique across the ledger: that the key is taken cannot be hidden)
    other = client.post("/v1/settlements", json=body("S-1", facility="H21042100002"), headers=auth("fs-other-his"))
    assert other.status_code == 409, other.text
    assert other.json()["detail"] == "key: already used by a settlement this token cannot see; a key is paid once"
    assert "reverse" not in other.text and "fs-his" not in other.text and "3600" not in other.text
    assert client.get("/v1/settlements/S-1", headers=mz).json()["actor"] == "fs-his"
    u = client.get(f"/v1/usage/{ID}?year=2025&region=fushun", headers=mz)
    assert u.status_code == 200, u.text
    fushun = {p["program"]: p for p in u.json()["programs"]}["inpatient_assistance"]
    assert (fushun["paid_fen"], fushun["cap_fen"], fushun["left_fen"]) == (500000, 500000, 0)
    assert fushun["settlements"] == ["S-1", "S-2"] and u.json()["id_number"] == "210421********0336"
    # reversal: only the office; it records who; a second one is a conflict
    assert client.post("/v1/settlements/S-1/reversal", json={"reason": "x"}, headers=his).status_code == 403
    rv = client.post("/v1/settlements/S-1/reversal", json={"reason": "重复结算"}, headers=mz)
    assert rv.status_code == 200, rv.text
    assert rv.json()["actor"] == "fs-mz" and "S-2" in rv.json()["review"]
    assert client.post("/v1/settlements/S-1/reversal", json={"reason": "again"}, headers=mz).status_code == 409
    assert client.get("/v1/settlements/S-1", headers=mz).json()["reversed"] is True


def test_hospital_acts_for_its_own_facility_only(client):
    his = auth("fs-his")
    assert client.post("/v1/evaluate", json=body("E-1"), headers=his).status_code == 200
    r = client.post("/v1/settlements", json=body("E-2", facility="H21042100002"), headers=his)
    assert r.status_code == 403 and r.json()["errors"][0]["field"] == "facility.code"
    assert client.get("/v1/settlements/E-2", headers=auth("fs-mz")).status_code == 404  # nothing recorded


def test_two_concurrent_settlements_never_exceed_the_cap(app):
    # alone each would get 3,600; together they may get 5,000 and no more (3,600 + 1,400)
    async def both():
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://t") as c:
            return await asyncio.gather(*[c.post("/v1/settlements", json=body(f"C-{i}", f"2025-0{i + 3}-01",
                                                                              f"2025-0{i + 3}-05"),
                                                 headers=auth("fs-his")) for i in (1, 2)])
    rs = asyncio.run(both())
    assert [r.status_code for r in rs] == [201, 201], [r.text for r in rs]
    got = sorted(layer(r.json(), "inpatient_assistance") for r in rs)
    assert got == ["1400.00", "3600.00"]


def test_form_for_a_recorded_settlement_and_the_month_ledger(client):
    from openpyxl import load_workbook
    raw = case_json(WUSHENG)
    raw["facility"]["code"] = "H51162210001"
    ws_his, ws_mz = auth("ws-his"), auth("ws-mz")
    s = client.post("/v1/settlements", json=raw, headers=ws_his)
    assert s.status_code == 201, s.text
    key = s.json()["key"]
    f = client.post("/v1/forms/attachment_1", json={"settlement": key}, headers=ws_his)
    assert f.status_code == 200 and f.content[:2] == b"PK", f.text
    assert client.post("/v1/forms/attachment_1", json={"settlement": key}, headers=auth("fs-mz")).status_code == 404
    assert client.post("/v1/forms/attachment_1", json={"settlement": "nope"}, headers=ws_mz).status_code == 404
    # ws-01 is discharged 2026-03-11: the March ledger holds it, February's is empty
    led = client.get("/v1/ledgers/wusheng/2026-03", headers=ws_mz)
    assert led.status_code == 200, led.text
    wb = load_workbook(io.BytesIO(led.content))
    cells = [c.value for sh in wb.worksheets for row in sh.iter_rows() for c in row if isinstance(c.value, str)]
    assert "张德福" in cells
    empty = load_workbook(io.BytesIO(client.get("/v1/ledgers/wusheng/2026-02", headers=ws_mz).content))
    assert "张德福" not in [c.value for sh in empty.worksheets for row in sh.iter_rows() for c in row]
    assert client.get("/v1/ledgers/wusheng/2026-13", headers=ws_mz).status_code == 422
    assert client.get("/v1/ledgers/wusheng/2026-03", headers=auth("analyst")).status_code == 403
    assert client.get("/v1/ledgers/wusheng/2026-03", headers=auth("fs-mz")).status_code == 403
    # another hospital of Wusheng gets its own (empty) rows, not this one's
    mine = load_workbook(io.BytesIO(client.get("/v1/ledgers/wusheng/2026-03", headers=ws_his).content))
    assert "张德福" in [c.value for sh in mine.worksheets for row in sh.iter_rows() for c in row]


def test_programs(client):
    rows = client.get("/v1/programs/fushun", headers=auth("analyst")).json()
    assert "inpatient_assistance" in {r["id"] for r in rows}
    assert client.get("/v1/programs/atlantis", headers=auth("analyst")).status_code == 404


def test_store_not_migrated_refuses_to_start(tmp_path):
    from jiuzhu.service.config import build
    from jiuzhu.store import StoreError
    with pytest.raises(StoreError, match="jiuzhu db upgrade"):
        build(None, f"sqlite:///{tmp_path / 'empty.db'}")


@pytest.mark.parametrize("setl_id", ["S" * 101, "S\u2028X", "S\x85X", "S\u202eX"])
def test_a_key_that_cannot_be_one_is_a_422_naming_it(client, setl_id):
    raw = body("S-K")
    raw["bill"]["setl_id"] = setl_id
    r = client.post("/v1/settlements", json=raw, headers=auth("fs-his"))
    assert r.status_code == 422, r.text
    assert r.json()["errors"][0]["field"] == "key", r.text
    assert client.get("/v1/settlements/S-K", headers=auth("fs-mz")).status_code == 404  # nothing recorded


def test_a_reversal_that_loses_the_race_to_another_is_the_same_409(app):
    """Two reversals of one key at once: both read it standing, one records the reversal first. The
    other must answer as a reversal of a reversed settlement always does (409 already-reversed),
    not as bad input (422), whichever of the two checks catches it."""
    client = TestClient(app, raise_server_exceptions=False)
    mz = auth("fs-mz")
    assert client.post("/v1/settlements", json=body("RR-1"), headers=auth("fs-his")).status_code == 201
    from jiuzhu.store import Store as _Store
    stale = {}
    real_get = _Store.get

    def get(self, key):  # the read the other reversal made before this one committed
        return stale.setdefault(key, real_get(self, key))

    import unittest.mock as mock
    with mock.patch.object(_Store, "get", get):
        first = client.post("/v1/settlements/RR-1/reversal", json={"reason": "重复结算"}, headers=mz)
        second = client.post("/v1/settlements/RR-1/reversal", json={"reason": "重复结算"}, headers=mz)
    assert first.status_code == 200, first.text
    assert second.status_code == 409, second.text
    assert second.json()["type"].endswith("/already-reversed")


def test_store_unavailable_names_no_database_to_the_client(caplog):
    # a 503 tells a hospital the store is down and gives an error id; the database's URL (host, port,
    # user) goes to the server log only
    from starlette.requests import Request
    from jiuzhu.service.problems import from_jiuzhu
    from jiuzhu.store import StoreError
    import json as _json
    exc = StoreError("cannot reach the database postgresql+psycopg://jiuzhu@db.internal:5433/ledger")
    req = Request({"type": "http", "method": "POST", "path": "/v1/settlements", "headers": []})
    with caplog.at_level("ERROR"):
        resp = from_jiuzhu(exc, req)
    body = _json.loads(resp.body)
    assert resp.status_code == 503 and body["type"].endswith("store-unavailable")
    assert "db.internal" not in resp.body.decode() and "jiuzhu@" not in resp.body.decode()
    assert body["error_id"] in caplog.text and "db.internal" in caplog.text


def test_ten_concurrent_settlements_and_one_key_sent_ten_times(db_url):
    """Through the service's own store (a pool of STORE_THREADS connections, two writer threads):
    ten settlements of one person at once share the 5,000 cap — 3,600 (6,000 × 60 %), then
    5,000 − 3,600 = 1,400, then 0 for the other eight; one new key sent ten times at once is
    recorded once (201) and replayed nine times (200), with the same amount; thirty readers of
    it and thirty of the year-to-date, while the writers run, all get 200."""
    from jiuzhu.service.config import open_store
    from store_support import person
    app = create_app(engine(), tokens(), open_store(db_url))
    pid = person(77)

    def fresh(key, month):
        b = body(key, f"2025-{month:02d}-01", f"2025-{month:02d}-05")
        b["person"]["id_number"] = pid
        return b

    async def run():
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://t") as c:
            his, mz = auth("fs-his"), auth("fs-mz")
            first = await c.post("/v1/settlements", json=body("K-0"), headers=his)  # store_support's person
            assert first.status_code == 201
            writers = [c.post("/v1/settlements", json=fresh(f"T-{m}", m), headers=his) for m in range(1, 11)]
            same = [c.post("/v1/settlements", json=body("K-1", "2025-04-01", "2025-04-05"), headers=his)
                    for _ in range(10)]
            readers = [c.get("/v1/settlements/K-0", headers=his) for _ in range(30)]
            usage = [c.get(f"/v1/usage/{ID}", params={"year": 2025, "region": "fushun"}, headers=mz)
                     for _ in range(30)]
            return await asyncio.gather(*writers, *same, *readers, *usage)

    rs = asyncio.run(run())
    writers, same, reads = rs[:10], rs[10:20], rs[20:]
    assert [r.status_code for r in writers] == [201] * 10, [r.text for r in writers if r.status_code != 201]
    got = sorted((layer(r.json(), "inpatient_assistance") for r in writers), key=float)
    assert got == ["0.00"] * 8 + ["1400.00", "3600.00"]
    assert sorted(r.status_code for r in same) == [200] * 9 + [201]
    # K-0 took 3,600 of store_support's person's cap, so K-1 gets the 1,400 left, every time
    assert {layer(r.json(), "inpatient_assistance") for r in same} == {"1400.00"}
    assert {r.status_code for r in reads} == {200}, [r.text for r in reads if r.status_code != 200]


def test_a_form_reads_the_recorded_parameters_in_a_reader_thread(app, client, monkeypatch):
    """Filling a form for a recorded settlement reproduces its outcome, which reads the parameter
    values it was recorded with from the store: that read takes one of the READ_THREADS like every
    other read (the pool holds one connection per writer and reader thread), not a thread of the
    unbounded default pool."""
    import threading
    from jiuzhu.service import paperwork
    inside, seen = threading.local(), []
    real_reader, real_params = paperwork.in_reader_thread, Store._params_text

    async def reader(fn, *args):
        def marked(*a):
            inside.flag = True
            try:
                return fn(*a)
            finally:
                inside.flag = False
        return await real_reader(marked, *args)

    def params_text(self, phash):
        seen.append(getattr(inside, "flag", False))
        return real_params(self, phash)

    monkeypatch.setattr(paperwork, "in_reader_thread", reader)
    monkeypatch.setattr(Store, "_params_text", params_text)
    raw = case_json(WUSHENG)
    key = client.post("/v1/settlements", json=raw, headers=auth("ws-mz")).json()["key"]
    app.state.service.store._params_cache.clear()  # a fresh worker: the values are not cached yet
    seen.clear()
    f = client.post("/v1/forms/attachment_1", json={"settlement": key}, headers=auth("ws-mz"))
    assert f.status_code == 200, f.text
    assert seen and all(seen), seen


def test_usage_lists_only_the_keys_of_settlements_the_token_may_read(client):
    """A Guang'an city settlement counts in Wusheng's chain (its critical-illness programmes are
    Guang'an's), so Wusheng's office sees the amounts the person-year holds — but not the key of a
    settlement outside its region, which GET /v1/settlements answers 404 to it."""
    from service_helpers import ROOT
    raw = case_json(ROOT / "plugins" / "guangan" / "examples" / "dibao-in-county.toml")
    r = client.post("/v1/settlements?region=guangan", json=raw, headers=auth("ga-mz"))
    assert r.status_code == 201, r.text
    key, idn, year = r.json()["key"], raw["person"]["id_number"], raw["episode"]["admitted"][:4]
    assert client.get(f"/v1/settlements/{key}", headers=auth("ws-mz")).status_code == 404
    ga = {p["program"]: p for p in client.get(f"/v1/usage/{idn}?year={year}&region=wusheng",
                                              headers=auth("ga-mz")).json()["programs"]}
    ws = {p["program"]: p for p in client.get(f"/v1/usage/{idn}?year={year}",
                                              headers=auth("ws-mz")).json()["programs"]}
    assert ga["critical_illness"]["settlements"] == [key]  # Guang'an covers its own settlement
    assert ws["critical_illness"]["paid_fen"] == ga["critical_illness"]["paid_fen"] > 0
    assert all(key not in p["settlements"] for p in ws.values())
