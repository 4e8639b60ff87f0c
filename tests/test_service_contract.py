"""Property-based contract test: schemathesis drives every operation of /openapi.json, valid and
invalid inputs alike, and finds no 500, no undocumented status or content type and no response
that breaks its own schema. Bounded in examples and time so it runs in every CI build.

``positive_data_acceptance`` is left out on purpose: a JSON Schema cannot say that an ID number's
check digit must match or that in-scope + out-of-scope = total, so schema-valid cases may rightly
get 422.
"""

from __future__ import annotations

import sys
import tempfile
from pathlib import Path

import schemathesis
from hypothesis import HealthCheck, settings
from schemathesis import checks

from jiuzhu.service.app import create_app

sys.path.insert(0, str(Path(__file__).parent))
from service_helpers import auth, engine, sqlite_store, tokens  # noqa: E402

_DB = tempfile.TemporaryDirectory(prefix="jiuzhu-contract-")  # removed when the test process ends
APP = create_app(engine(), tokens(), sqlite_store(Path(_DB.name)))
schema = schemathesis.openapi.from_asgi("/openapi.json", APP)

CHECKS = [checks.not_a_server_error, checks.status_code_conformance, checks.content_type_conformance,
          checks.response_schema_conformance, checks.response_headers_conformance,
          checks.negative_data_rejection, checks.ignored_auth]


@schema.parametrize()
@settings(max_examples=25, deadline=5000, suppress_health_check=list(HealthCheck), derandomize=True)
def test_api_keeps_its_contract(case):
    case.call_and_validate(headers=auth("fs-mz"), checks=CHECKS)


@schema.parametrize()
@settings(max_examples=5, deadline=5000, suppress_health_check=list(HealthCheck), derandomize=True)
def test_api_keeps_its_contract_for_a_hospital(case):
    case.call_and_validate(headers=auth("fs-his"), checks=CHECKS)
