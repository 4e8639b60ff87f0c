"""The OpenAPI 3.1 document: FastAPI's paths, with the documented case and outcome JSON Schemas
(``docs/case.schema.json``, ``docs/outcome.schema.json``; ``jiuzhu/service/schemas`` holds symlinks
to them, which a wheel build turns into copies)
embedded as components, and every error described as RFC 9457 problem details."""

from __future__ import annotations

import copy
import json
from functools import lru_cache
from pathlib import Path

from jiuzhu.service.problems import PROBLEM

SCHEMAS = Path(__file__).with_name("schemas")


@lru_cache(maxsize=None)
def json_schema(name: str) -> dict:
    """``case`` or ``outcome``: the documented JSON Schema, as published in docs/."""
    return json.loads((SCHEMAS / f"{name}.schema.json").read_text(encoding="utf-8"))


def ref(name: str) -> dict:
    return {"$ref": f"#/components/schemas/{name}"}


def json_body(name: str, description: str = "", required: bool = True) -> dict:
    return {"requestBody": {"required": required, "description": description,
                            "content": {"application/json": {"schema": ref(name)}}}}


def json_response(schema: dict | str, description: str = "OK") -> dict:
    return {"description": description,
            "content": {"application/json": {"schema": ref(schema) if isinstance(schema, str) else schema}}}


ERROR_TEXT = {
    400: "Malformed request (e.g. body is not JSON) 请求格式错误",
    401: "No or unknown bearer token 未认证",
    403: "The token's role, region or facility does not allow this 无权限",
    404: "No such region, form, settlement or route 未找到",
    409: "A replay of a settlement key with different content 结算冲突",
    413: "Body too large 请求过大",
    415: "Body is not JSON 内容类型错误",
    422: "A field is wrong: the problem names it, its value and what was expected 字段错误",
    500: "Internal error: an error id, no details 内部错误",
    503: "The settlement store (or LibreOffice for PDF) is not available 服务不可用",
}


def problems(*codes: int) -> dict:
    return {str(c): {"description": ERROR_TEXT[c], "content": {PROBLEM: {"schema": ref("Problem")}}} for c in codes}


ERROR_VALUE = {"description": "what was given (never for identity fields such as id_number or name)"}

COMPONENTS = {
    "Problem": {
        "type": "object", "description": "RFC 9457 problem details",
        "required": ["type", "title", "status", "detail"],
        "properties": {
            "type": {"type": "string"}, "title": {"type": "string"},
            "status": {"type": "integer", "minimum": 400, "maximum": 599}, "detail": {"type": "string"},
            "instance": {"type": "string"},
            "errors": {"type": "array", "items": {
                "type": "object", "required": ["field", "expected"],
                "properties": {"field": {"type": "string", "description": "dotted path, e.g. person.id_number"},
                               "value": ERROR_VALUE, "expected": {"type": "string"}}}},
            "error_id": {"type": "string", "description": "500 only: quote it to the operator"},
        },
    },
    "Region": {
        "type": "object", "required": ["code", "name_zh", "name_en", "division", "parent", "version", "documents"],
        "properties": {
            "code": {"type": "string"}, "name_zh": {"type": "string"}, "name_en": {"type": "string"},
            "division": {"type": "string"}, "parent": {"type": ["string", "null"]}, "version": {"type": "string"},
            "date_basis": {"type": "string"},
            "documents": {"type": "array", "items": {"type": "object", "required": ["number", "title"], "properties": {
                "number": {"type": "string"}, "title": {"type": "string"}, "issuer": {"type": "string"},
                "issued": {"type": ["string", "null"], "format": "date"},
                "effective_from": {"type": ["string", "null"], "format": "date"},
                "status": {"type": "string"}}}},
        },
    },
    "Rule": {"type": "object", "required": ["id", "statement", "status"],
             "properties": {"id": {"type": "string"}, "statement": {"type": "string"}, "status": {"type": "string"},
                            "reason": {"type": "string"}}},
    "Parameters": {
        "type": "object", "required": ["region", "as_of", "parameters"],
        "properties": {
            "region": {"type": "string"}, "as_of": {"type": "string", "format": "date"},
            "parameters": {"type": "array", "items": {
                "type": "object", "required": ["name", "label", "unit", "required", "value", "from", "cite"],
                "properties": {
                    "name": {"type": "string"}, "label": {"type": "string"}, "unit": {"type": "string"},
                    "required": {"type": "boolean", "description": "a deployment parameter the seed does not give"},
                    "rule": {"type": "string"}, "value": {"description": "as written (yuan and rates as text); "
                                                                         "null when not in force or not set"},
                    "from": {"type": ["string", "null"], "format": "date"},
                    "cite": {"type": ["string", "null"]}}}},
        },
    },
    "Comparison": {
        "type": "object", "required": ["case_id", "rehomed", "regions", "rows"],
        "properties": {
            "case_id": {"type": "string"}, "rehomed": {"type": "boolean"},
            "regions": {"type": "array", "items": {"type": "object", "required": ["code", "name", "error"],
                                                   "properties": {"code": {"type": "string"}, "name": {"type": "string"},
                                                                  "error": {"type": ["string", "null"]}}}},
            "rows": {"type": "array", "items": {"type": "object", "required": ["key", "label", "differs", "cells"],
                                                "properties": {"key": {"type": "string"}, "label": {"type": "string"},
                                                               "differs": {"type": "boolean"},
                                                               "cells": {"type": "object"}}}},
        },
    },
    "Settlement": {
        "type": "object",
        "required": ["key", "replay", "region", "chain", "facility_code", "id_number", "year", "settled_on",
                     "recorded_at", "actor", "reversed", "paid_fen", "assistance_fen", "outcome"],
        "properties": {
            "key": {"type": "string", "description": "the slip's setl_id, else the case id"},
            "replay": {"type": "boolean", "description": "true: this key was already recorded; the recorded result"},
            "region": {"type": "string"}, "chain": {"type": "array", "items": {"type": "string"}},
            "facility_code": {"type": "string"}, "facility_name": {"type": "string"},
            "id_number": {"type": "string", "description": "masked: division code and last four characters"},
            "year": {"type": "integer"}, "settled_on": {"type": "string", "format": "date"},
            "recorded_at": {"type": "string", "description": "when it was recorded (audit)"},
            "actor": {"type": ["string", "null"], "description": "the token name that recorded it (audit)"},
            "reversed": {"type": "boolean"},
            "paid_fen": {"type": "integer"}, "assistance_fen": {"type": "integer"},
            "ytd_before_fen": {"type": "object", "description": "the year-to-date the evaluation used"},
            "programs_fen": {"type": "object", "description": "what this settlement added to each programme"},
            "params_hash": {"type": "string"}, "versions": {"type": "object"},
            "outcome": ref("Outcome"),
        },
    },
    "ReversalRequest": {"type": "object", "required": ["reason"], "additionalProperties": False,
                        "properties": {"reason": {"type": "string", "minLength": 1,
                                                  "description": "why it is reversed 冲正原因"}}},
    "Reversal": {"type": "object", "required": ["key", "review"],
                 "properties": {"key": {"type": "string"}, "actor": {"type": ["string", "null"]},
                                "review": {"type": "array", "items": {"type": "string"},
                                           "description": "later settlements of the person to review"}}},
    "Usage": {"type": "object", "description": "year-to-date use of each programme by one person"},
    "Program": {"type": "object", "required": ["region", "id", "name_zh", "name_en", "layers", "measure", "cite"],
                "description": "a programme (救助项目) an annual cap counts in",
                "properties": {"region": {"type": "string", "description": "the region that declares it"},
                               "id": {"type": "string", "description": "the history.ytd key"},
                               "name_zh": {"type": "string"}, "name_en": {"type": "string"},
                               "layers": {"type": "array", "items": {"type": "string"}},
                               "measure": {"enum": ["amount", "base", "bill"]}, "cite": {"type": "string"}}},
    "SettlementRef": {"type": "object", "required": ["settlement"], "additionalProperties": False,
                      "properties": {"settlement": {"type": "string", "description": "a recorded settlement key"}}},
    "Health": {"type": "object", "required": ["status"],
               "properties": {"status": {"const": "ok"}, "regions": {"type": "integer"},
                              "store": {"type": "string"}}},
}


def finish(doc: dict) -> dict:
    """Embed the case/outcome schemas and make every error response a Problem."""
    doc = copy.deepcopy(doc)
    comps = doc.setdefault("components", {})
    schemas = comps.setdefault("schemas", {})
    for k in ("HTTPValidationError", "ValidationError"):
        schemas.pop(k, None)
    schemas.update(copy.deepcopy(COMPONENTS))
    schemas["Case"] = json_schema("case")
    schemas["Outcome"] = json_schema("outcome")
    for path, ops in doc.get("paths", {}).items():
        for method, op in ops.items():
            resp = op.get("responses", {})
            for code, r in list(resp.items()):
                if code.startswith(("4", "5")):
                    resp[code] = problems(int(code))[code]
            if "security" in op:
                resp.update({k: v for k, v in problems(401, 403).items() if k not in resp})
            resp.update({k: v for k, v in problems(500).items() if k not in resp})
            if any(p.get("in") == "query" or p.get("in") == "path" for p in op.get("parameters", [])) \
                    or "requestBody" in op:
                resp.update({k: v for k, v in problems(400, 422).items() if k not in resp})
            if "requestBody" in op:
                resp.update({k: v for k, v in problems(413, 415).items() if k not in resp})
    return doc
