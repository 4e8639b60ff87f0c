"""What the service hands back about people: an analyst gets outcomes without identity data, and a
settlement key the service cannot put in a header as is still gets its answer.

Amounts: the Fushun example (抚政办发〔2014〕67号 §四(二), FS-BASIC-4): base = in-scope 11,500 −
basic 7,630 = 3,870 → 60 % = 2,322 yuan, under the 5,000 cap.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import jsonschema
import pytest
from fastapi.testclient import TestClient

from jiuzhu.service.app import create_app

sys.path.insert(0, str(Path(__file__).parent))
from service_helpers import ROOT, auth, case_json, engine, sqlite_store, tokens, with_facility  # noqa: E402

LEUKAEMIA = ROOT / "plugins" / "fushun" / "examples" / "child-leukaemia.toml"
WUSHENG_CARE = ROOT / "plugins" / "wusheng" / "examples" / "ws-01-in-county-township.toml"


@pytest.fixture(scope="module")
def client(tmp_path_factory):
    store = sqlite_store(tmp_path_factory.mktemp("privacy"))
    return TestClient(create_app(engine(), tokens(), store), raise_server_exceptions=False)


def identity(raw: dict) -> list[str]:
    """The identity values of a case: name, ID number, card number, guardian, caregiver, agents."""
    p = raw["person"]
    out = [p["id_number"], p["id_number"][-4:] and p["id_number"][:6] + "*" * 8 + p["id_number"][-4:],
           p.get("name"), p.get("card_number")]
    for k in ("guardian", "caregiver"):
        out += [(p.get(k) or {}).get("name"), (p.get(k) or {}).get("phone")]
    for a in p.get("agents") or []:
        out += [a.get("name"), a.get("phone")]
    return [v for v in out if v]


@pytest.mark.parametrize("path", [None, LEUKAEMIA, WUSHENG_CARE], ids=["dibao", "guardian", "caregiver"])
def test_analyst_evaluate_returns_no_identity_data(client, path):
    raw = case_json(path) if path else case_json()
    secrets = identity(raw)
    assert len(secrets) >= 2  # the probe is meaningful: a name and an ID number at least
    r = client.post("/v1/evaluate?explain=true", json=raw, headers=auth("analyst"))
    assert r.status_code == 200, r.text
    leaked = [s for s in secrets if s in r.text]
    assert leaked == [], leaked
    out = r.json()
    assert out["documents"] and all(d["data"] == {} for d in out["documents"])  # which forms, not their data
    jsonschema.validate({k: v for k, v in out.items() if k != "explain"},
                        json.loads((ROOT / "docs" / "outcome.schema.json").read_text()))


def test_analyst_keeps_the_amounts(client):
    out = client.post("/v1/evaluate", json=case_json(), headers=auth("analyst")).json()
    assert (out["settlement"]["assistance"], out["settlement"]["burden"]) == ("2322.00", "2848.00")


def test_analyst_compare_returns_no_identity_data(client):
    raw = case_json(LEUKAEMIA)
    r = client.post("/v1/compare?explain=true", json=raw, headers=auth("analyst"))
    assert r.status_code == 200, r.text
    assert [s for s in identity(raw) if s in r.text] == []


def test_hospital_still_gets_its_patients_form_data(client):
    raw = with_facility(case_json(), "H21042100001")
    out = client.post("/v1/evaluate", json=raw, headers=auth("fs-his")).json()
    assert any(d["data"].get("patient_name") == "刘桂芝" for d in out["documents"])


def test_a_key_with_control_characters_is_refused_before_anything_is_recorded(client):
    # A key is one line of visible text (the ledger's key column): CR LF in it is a 422 naming the
    # key, no header is forged and nothing is recorded under the case id either.
    raw = with_facility(case_json(), "H21042100001")
    raw["id"] = "FS-CTRL-1"
    raw["bill"]["setl_id"] = "S-1\r\nX-Injected: 1"
    r = client.post("/v1/settlements", json=raw, headers=auth("fs-his"))
    assert r.status_code == 422, r.text
    assert "x-injected" not in r.headers and "location" not in r.headers
    assert r.json()["errors"][0]["field"] == "key"
    assert client.get("/v1/settlements/FS-CTRL-1", headers=auth("fs-his")).status_code == 404
