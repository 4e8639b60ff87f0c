"""The HTTP service: endpoints, roles, problem+json errors, the OpenAPI contract.

Expected amounts are the Fushun example worked by hand from 抚政办发〔2014〕67号 (FS-BASIC-4):
低保对象住院救助比例为 60%，每人每年最高救助上限为 5000 元.
"""

from __future__ import annotations

import json
import logging
import sys
from pathlib import Path

import jsonschema
import pytest
from fastapi.testclient import TestClient

from jiuzhu.service.app import create_app
from jiuzhu.service.openapi import SCHEMAS

sys.path.insert(0, str(Path(__file__).parent))
from service_helpers import ROOT, WUSHENG, auth, case_json, engine, sqlite_store, tokens

ID = "210402195604120625"  # the Fushun example's ID number: must never appear in errors or logs


@pytest.fixture(scope="module")
def eng():
    return engine()


@pytest.fixture
def store(tmp_path):
    return sqlite_store(tmp_path)


@pytest.fixture
def client(eng, store):
    return TestClient(create_app(eng, tokens(), store), raise_server_exceptions=False)


@pytest.fixture
def bare(eng):
    """No store configured."""
    return TestClient(create_app(eng, tokens(), None), raise_server_exceptions=False)


def problem(r, status):
    assert r.status_code == status, r.text
    assert r.headers["content-type"].startswith("application/problem+json")
    body = r.json()
    assert body["status"] == status and body["type"].startswith("https://") and body["detail"]
    assert ID not in r.text
    return body


# -- evaluation ---------------------------------------------------------------------------------


def test_evaluate_fushun_dibao_inpatient(client):
    # base = in-scope 11,500 − basic 7,630 = 3,870 (the 700 deductible inside) → 60 % = 2,322 < 5,000
    # burden = 12,800 − 7,630 − 2,322 = 2,848
    r = client.post("/v1/evaluate", json=case_json(), headers=auth("analyst"))
    assert r.status_code == 200, r.text
    out = r.json()
    layers = {l["id"]: l["amount"] for l in out["settlement"]["layers"]}
    assert layers["inpatient_assistance"] == "2322.00"
    assert (out["settlement"]["assistance"], out["settlement"]["burden"]) == ("2322.00", "2848.00")
    assert "explain" not in out
    jsonschema.validate(out, json.loads((ROOT / "docs" / "outcome.schema.json").read_text()))


def test_evaluate_explain_gives_one_line_per_layer(client):
    r = client.post("/v1/evaluate?explain=true", json=case_json(), headers=auth("analyst"))
    lines = {e["layer"]: e["text"] for e in r.json()["explain"]}
    assert set(lines) == {l["id"] for l in r.json()["settlement"]["layers"]}
    assert "3870.00" in lines["inpatient_assistance"] and "60%" in lines["inpatient_assistance"]
    assert lines["inpatient_assistance"].endswith("→ 2322.00")


def test_setlinfo_slip_is_accepted_as_the_bill(client):
    raw = case_json()
    raw["bill"] = {"setlinfo": {"medfee_sumamt": "12800", "inscp_scp_amt": "11500", "fulamt_ownpay_amt": "1300",
                                "act_pay_dedc": "700", "hifp_pay": "7630"}}
    r = client.post("/v1/evaluate", json=raw, headers=auth("analyst"))
    assert r.status_code == 200, r.text
    assert r.json()["settlement"]["burden"] == "2848.00"


def test_as_of_before_the_policy_is_judged_by_then(client):
    # 抚政办发〔2014〕67号 is in force from 2014-11-27; on 2014-01-01 no Fushun assistance applies.
    r = client.post("/v1/evaluate?as_of=2014-01-01", json=case_json(), headers=auth("analyst"))
    assert r.status_code == 200, r.text
    assert r.json()["settlement"]["assistance"] == "0.00"


def test_compare_one_case_across_regions(client):
    r = client.post("/v1/compare?regions=fushun,jingjiang", json=case_json(), headers=auth("analyst"))
    assert r.status_code == 200, r.text
    assert [x["code"] for x in r.json()["regions"]] == ["fushun", "jingjiang"]
    body = problem(client.post("/v1/compare?regions=fushun,atlantis", json=case_json(), headers=auth("analyst")), 422)
    assert body["errors"][0]["field"] == "regions" and "atlantis" in body["detail"]


def test_reference_endpoints(client):
    h = auth("analyst")
    codes = [r["code"] for r in client.get("/v1/regions", headers=h).json()]
    assert codes == ["fushun", "guangan", "jingjiang", "liujiang", "wusheng"]
    rules = client.get("/v1/rules/fushun", headers=h).json()
    assert any(r["id"] == "FS-BASIC-4" for r in rules)
    ps = client.get("/v1/parameters/fushun?as_of=2025-05-06", headers=h).json()
    by = {p["name"]: p for p in ps["parameters"]}
    assert by["inpatient_annual_cap"]["value"] == "5000" and by["inpatient_rate"]["value"] == "0.6"
    assert "FS-BASIC-4" in by["inpatient_annual_cap"]["cite"]
    problem(client.get("/v1/rules/atlantis", headers=h), 404)
    problem(client.get("/v1/parameters/fushun?as_of=2025-02-30", headers=h), 422)
    assert client.get("/healthz").json()["status"] == "ok"


# -- errors ------------------------------------------------------------------------------------


@pytest.mark.parametrize("mutate, field", [
    (lambda r: r["person"].update(id_number=ID[:-1] + "4"), "person.id_number"),
    (lambda r: r["bill"].update(total="12800.001"), "bill.total"),
    (lambda r: r["bill"].update(total=True), "bill.total"),
    (lambda r: r["episode"].update(admitted="2025-13-06"), "episode.admitted"),
    (lambda r: r["person"].update(nickname="x"), "person.nickname"),
    (lambda r: r.pop("facility"), "facility"),
    (lambda r: r["bill"].update(total="13000.00"), "bill.total"),
    (lambda r: r["person"].update(categories=["dibao", "nobility"]), "person.categories[1]"),
])
def test_bad_case_is_422_naming_the_field(client, mutate, field):
    raw = case_json()
    mutate(raw)
    body = problem(client.post("/v1/evaluate", json=raw, headers=auth("analyst")), 422)
    assert body["errors"][0]["field"] == field, body


def test_bad_id_number_is_not_echoed(client):
    raw = case_json()
    raw["person"]["id_number"] = bad = ID[:-1] + "4"
    r = client.post("/v1/evaluate", json=raw, headers=auth("analyst"))
    body = problem(r, 422)
    assert bad not in r.text and "value" not in body["errors"][0]


@pytest.mark.parametrize("content, ctype, status", [
    (b"{\"person\": ", "application/json", 400),
    (b"", "application/json", 400),
    (b"[1, 2]", "application/json", 422),
    (b"{\"a\": NaN}", "application/json", 400),
    (b"person = 1", "text/plain", 415),
])
def test_malformed_bodies(client, content, ctype, status):
    problem(client.post("/v1/evaluate", content=content, headers=auth("analyst") | {"content-type": ctype}), status)


def test_unknown_region_and_route(client):
    body = problem(client.post("/v1/evaluate?region=atlantis", json=case_json(), headers=auth("analyst")), 422)
    assert "installed regions" in body["detail"]
    problem(client.get("/v1/nothing"), 404)
    problem(client.delete("/v1/regions", headers=auth("analyst")), 405)


def test_internal_error_is_500_with_an_id_and_no_personal_data(eng, caplog):
    app = create_app(eng, tokens(), None)

    def boom(case, region=None, as_of=None):
        raise RuntimeError(f"cannot evaluate {case.person.id_number} {case.person.name}")

    app.state.service.engine.evaluate, saved = boom, eng.evaluate
    try:
        with caplog.at_level(logging.ERROR, logger="jiuzhu.service"):
            r = TestClient(app, raise_server_exceptions=False).post("/v1/evaluate", json=case_json(),
                                                                    headers=auth("analyst"))
    finally:
        eng.evaluate = saved
        del eng.__dict__["evaluate"]
    body = problem(r, 500)
    assert body["error_id"] in body["detail"] and "刘桂芝" not in r.text
    logged = "\n".join(rec.getMessage() for rec in caplog.records)
    assert body["error_id"] in logged and "RuntimeError" in logged
    assert ID not in logged and "刘桂芝" not in logged


# -- authentication and roles -----------------------------------------------------------------


def test_no_or_unknown_token_is_401(client):
    r = client.get("/v1/regions")
    problem(r, 401)
    assert r.headers["www-authenticate"].startswith("Bearer")
    problem(client.get("/v1/regions", headers={"Authorization": "Bearer nope"}), 401)
    problem(client.get("/v1/regions", headers={"Authorization": "Basic dTpw"}), 401)


def test_region_tokens_act_for_their_region_and_below(client):
    fs, ws = case_json(), case_json(WUSHENG)
    assert client.post("/v1/evaluate", json=fs, headers=auth("fs-mz")).status_code == 200
    body = problem(client.post("/v1/evaluate", json=fs, headers=auth("ws-mz")), 403)
    assert body["errors"][0]["field"] == "region"
    assert client.post("/v1/evaluate", json=ws, headers=auth("ws-mz")).status_code == 200
    # Guang'an is Wusheng's parent region: its office covers Wusheng's cases, not the other way round
    assert client.post("/v1/evaluate", json=ws, headers=auth("ga-mz")).status_code == 200
    ws_as_guangan = client.post("/v1/evaluate?region=guangan", json=ws, headers=auth("ws-mz"))
    problem(ws_as_guangan, 403)


def test_hospital_needs_its_own_facility(client):
    body = problem(client.post("/v1/evaluate", json=case_json(), headers=auth("fs-his")), 403)
    assert body["errors"][0]["field"] == "facility.code"


def test_analyst_has_no_personal_data_routes(client):
    h = auth("analyst")
    problem(client.post("/v1/settlements", json=case_json(), headers=h), 403)
    problem(client.get("/v1/settlements/FS-EX-001", headers=h), 403)
    problem(client.get(f"/v1/usage/{ID}?year=2025", headers=h), 403)
    problem(client.post("/v1/forms/assistance_settlement", json=case_json(), headers=h), 403)
    problem(client.post("/v1/compare", json=case_json(), headers=auth("fs-his")), 403)


# -- settlements (the flows are in test_service_store.py) ------------------------------------------------


def test_usage_checks_the_id_number_without_echoing_it(client):
    bad = ID[:-1] + "4"
    r = client.get(f"/v1/usage/{bad}?year=2025", headers=auth("fs-mz"))
    assert problem(r, 422)["errors"][0]["field"] == "id_number" and bad not in r.text
    assert client.get(f"/v1/usage/{ID}?year=2025", headers=auth("fs-mz")).json()["year"] == 2025
    problem(client.get(f"/v1/usage/{ID}?year=2025&region=wusheng", headers=auth("fs-mz")), 403)


def test_no_store_is_503(bare):
    problem(bare.post("/v1/settlements", json=case_json(), headers=auth("fs-mz")), 503)
    problem(bare.get("/v1/settlements/x", headers=auth("fs-mz")), 503)


def test_access_log_names_the_route_not_the_id_number(client, caplog):
    with caplog.at_level(logging.INFO, logger="jiuzhu.service.access"):
        client.get(f"/v1/usage/{ID}?year=2025", headers=auth("fs-mz"))
    logged = "\n".join(r.getMessage() for r in caplog.records)
    assert "/v1/usage/{id_number} 200" in logged and "fs-mz" in logged and ID not in logged


# -- forms ------------------------------------------------------------------------------------


def test_form_for_a_case(client, monkeypatch):
    h = auth("ws-mz")
    r = client.post("/v1/forms/attachment_1", json=case_json(WUSHENG), headers=h)
    assert r.status_code == 200, r.text
    assert r.headers["content-type"].startswith("application/vnd.openxmlformats-officedocument.wordprocessingml")
    assert r.content[:2] == b"PK" and "attachment_1.docx" in r.headers["content-disposition"]
    body = problem(client.post("/v1/forms/attachment_1?format=xlsx", json=case_json(WUSHENG), headers=h), 422)
    assert body["errors"][0]["field"] == "format"
    body = problem(client.post("/v1/forms/attachment_99", json=case_json(WUSHENG), headers=h), 404)
    assert "attachment_1" in body["errors"][0]["expected"]
    import jiuzhu.paperwork.forms as forms
    monkeypatch.setattr(forms, "soffice", lambda: None)
    body = problem(client.post("/v1/forms/attachment_1?format=pdf", json=case_json(WUSHENG), headers=h), 503)
    assert "LibreOffice" in body["detail"]


# -- the contract --------------------------------------------------------------------------------


def test_openapi_embeds_the_documented_schemas(client):
    doc = client.get("/openapi.json").json()
    assert doc["openapi"].startswith("3.1")
    for name, file in (("Case", "case.schema.json"), ("Outcome", "outcome.schema.json")):
        published = json.loads((ROOT / "docs" / file).read_text(encoding="utf-8"))
        assert doc["components"]["schemas"][name] == published
        # what the package ships (symlinks in a checkout) is the published file
        assert (SCHEMAS / file).read_text(encoding="utf-8") == (ROOT / "docs" / file).read_text(encoding="utf-8")
    ev = doc["paths"]["/v1/evaluate"]["post"]
    assert ev["requestBody"]["content"]["application/json"]["schema"] == {"$ref": "#/components/schemas/Case"}
    assert ev["responses"]["200"]["content"]["application/json"]["schema"] == {"$ref": "#/components/schemas/Outcome"}
    for path, ops in doc["paths"].items():
        for method, op in ops.items():
            for code, resp in op["responses"].items():
                if code[0] in "45":
                    assert list(resp["content"]) == ["application/problem+json"], (path, method, code)
    assert doc["components"]["securitySchemes"]["HTTPBearer"]["scheme"] == "bearer"
    assert client.get("/docs").status_code == 200


def test_bodies_are_bounded_by_the_deployment_limits(client):
    # [limits] case_file_bytes defaults to 1,000,000 bytes, nesting_depth to 20
    big = b'{"id": "' + b"x" * 1_000_001 + b'"}'
    problem(client.post("/v1/evaluate", content=big, headers=auth("analyst") | {"content-type": "application/json"}), 413)
    raw = case_json()
    deep = {}
    for _ in range(25):
        deep = {"a": deep}
    raw["bill"]["setlinfo"] = deep
    body = problem(client.post("/v1/evaluate", json=raw, headers=auth("analyst")), 422)
    assert "nested" in body["detail"]


def test_serve_refuses_to_start_without_tokens_and_token_new_round_trips(tmp_path):
    from click.testing import CliRunner
    from jiuzhu.cli import cli
    from jiuzhu.service.config import load
    cfg = tmp_path / "jiuzhu.toml"
    cfg.write_text((ROOT / "examples" / "jiuzhu.toml").read_text(encoding="utf-8"), encoding="utf-8")
    r = CliRunner().invoke(cli, ["--config", str(cfg), "serve"])
    assert r.exit_code == 2 and "service.tokens" in r.output and "Traceback" not in r.output
    r = CliRunner().invoke(cli, ["token", "new", "zx-his", "--role", "hospital", "--region", "wusheng",
                                 "--facility", "H51162200017"])
    assert r.exit_code == 0, r.output
    token = r.stderr.split(": ")[-1].strip() if hasattr(r, "stderr") else None
    toml_lines = "\n".join(l for l in r.output.splitlines() if not l.startswith("# token"))
    cfg.write_text(cfg.read_text(encoding="utf-8") + "\n" + toml_lines + "\n", encoding="utf-8")
    _, toks, _ = load(str(cfg))
    who = toks.find(token)
    assert (who.name, who.role, who.region, who.facility) == ("zx-his", "hospital", "wusheng", "H51162200017")
    assert token not in cfg.read_text(encoding="utf-8")
    r = CliRunner().invoke(cli, ["token", "new", "x", "--role", "analyst", "--facility", "H1"])
    assert r.exit_code == 2 and "service.tokens.x.facility" in r.output
