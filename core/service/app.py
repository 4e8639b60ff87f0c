"""The ASGI application (FastAPI): the engine and plugins load once, when the app is made.

Bodies are read as raw JSON and structured by the same cattrs converter as case files
(:func:`jiuzhu.io.loader.structure_case`), so the service accepts exactly what ``jiuzhu evaluate``
accepts (the national platform's ``setlinfo`` slip included) and rejects it with the same
field-path messages. Outcomes are written by :func:`jiuzhu.io.report.to_json`.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
import os
import time
from pathlib import Path
from typing import Any

from fastapi import Depends, FastAPI, Path as PathParam, Query, Request
from fastapi.exceptions import RequestValidationError
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.responses import JSONResponse

from jiuzhu.io.loader import structure_case
from jiuzhu.io.report import _plain, explain_layer, to_json
from jiuzhu.model.case import Case
from jiuzhu.model.errors import InputError, JiuzhuError
from jiuzhu.rules.engine import Engine
from jiuzhu.service import openapi as oas
from jiuzhu.service.auth import Principal, Tokens
from jiuzhu.service.problems import Problem, from_jiuzhu, internal, redact, respond

log = logging.getLogger("jiuzhu.service")
access = logging.getLogger("jiuzhu.service.access")

MEDIA = {"docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
         "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
         "pdf": "application/pdf"}

bearer = HTTPBearer(auto_error=False, description="a token from `jiuzhu token new`, configured in "
                                                   "[service.tokens] of jiuzhu.toml")


class Service:
    """What the routes share: the engine, the tokens and (optionally) the settlement store."""

    def __init__(self, engine: Engine, tokens: Tokens, store=None):
        self.engine, self.tokens, self.store = engine, tokens, store
        self.regions = sorted(engine.host.regions)
        self._chains = {c: {r.code for r in engine.host.chain(c)} for c in self.regions}
        for code in self.regions:  # load every parameter file now, not on the first request
            engine.parameter_set(code)

    # -- who may do what ----------------------------------------------------------------------
    def covers(self, who: Principal, code: str) -> bool:
        """A region token acts for its region and the regions below it (Guang'an covers Wusheng)."""
        return who.region in self._chains.get(code, {code})

    def need_role(self, who: Principal, roles: tuple[str, ...], what: str) -> None:
        if who.role not in roles:
            raise Problem(403, "forbidden-role", f"role {who.role} (token {who.name}) may not {what}; "
                                                 f"allowed: {', '.join(roles)}")

    def need_region(self, who: Principal, code: str) -> None:
        if who.role in ("hospital", "civil_affairs") and not self.covers(who, code):
            raise Problem(403, "forbidden-region", f"region: token {who.name} acts for {who.region}, not {code}",
                          field="region", value=code, expected=f"{who.region} or a region below it")

    def sees(self, who: Principal, s, facility: bool = True) -> bool:
        """Whether the token may see the recorded settlement ``s``: its region, and for a hospital (with
        ``facility``) its facility."""
        if who.role in ("hospital", "civil_affairs") and not self.covers(who, s.region):
            return False
        return not (facility and who.role == "hospital" and (s.facility_code or None) != who.facility)

    def need_recorded(self, who: Principal, s, field: str, key: str, facility: bool = True) -> None:
        """A recorded settlement ``s`` (None: no such key) the token may see: one of another region or (for a
        hospital, ``facility``) another facility is answered as no settlement at all, so that a key's
        existence, its region and its hospital are not told to a caller outside them."""
        if s is None or not self.sees(who, s, facility):
            raise Problem(404, "unknown-settlement", f"{field}: no settlement with this key", field=field,
                          value=key, expected="a key returned by POST /v1/settlements to this token's region"
                                               + (" and facility" if facility else ""))

    def need_facility(self, who: Principal, code: str | None, field: str = "facility.code") -> None:
        if who.role == "hospital" and code != who.facility:
            raise Problem(403, "forbidden-facility",
                          f"{field}: token {who.name} acts for facility {who.facility} only",
                          field=field, value=code or None, expected=who.facility)

    def region_for(self, who: Principal, case: Case | None, region: str | None) -> str:
        code = region or (case.region if case else None) or (who.region or None)
        if case is not None:
            return self.engine.resolve_region(case, code)
        if not code:
            raise InputError("region", None, "expected a region code")
        self.engine.host.region(code)
        return code

    def need_store(self):
        if self.store is None:
            raise Problem(503, "no-store", "no settlement store: start the service with --db URL "
                                           "(after `jiuzhu db upgrade --db URL`)")
        return self.store


# -- request helpers ---------------------------------------------------------------------------


def _reject_constant(name: str):
    raise ValueError(f"{name} is not a JSON number")


async def read_json(request: Request) -> Any:
    ctype = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if ctype and ctype != "application/json" and not ctype.endswith("+json"):
        raise Problem(415, "unsupported-media-type", f"content-type: expected application/json (got {ctype})",
                      field="content-type", value=ctype, expected="application/json")
    limit = request.app.state.service.engine.deployment.limits.case_file_bytes  # [limits] case_file_bytes
    raw = await request.body()
    if len(raw) > limit:
        raise Problem(413, "too-large", f"body: at most {limit} bytes (raise [limits] case_file_bytes in jiuzhu.toml)",
                      field="body", expected=f"at most {limit} bytes")
    if not raw.strip():
        raise Problem(400, "malformed-json", "body: expected a JSON object (the body is empty)", field="body",
                      expected="a JSON object")
    try:
        return json.loads(raw, parse_constant=_reject_constant)
    except json.JSONDecodeError as exc:
        raise Problem(400, "malformed-json", f"body: malformed JSON: {exc.msg} at line {exc.lineno} column {exc.colno}",
                      field="body", expected="a JSON object") from None
    except (ValueError, UnicodeDecodeError, RecursionError) as exc:
        raise Problem(400, "malformed-json", f"body: malformed JSON: {str(exc).splitlines()[0][:120]}",
                      field="body", expected="a JSON object") from None


def _secrets(raw: Any) -> tuple[str, ...]:
    """The identity values of a case body, masked in the server log if anything goes wrong."""
    out = []
    p = raw.get("person") if isinstance(raw, dict) else None
    if isinstance(p, dict):
        for k in ("id_number", "name", "card_number", "hukou_address", "residence_address"):
            if isinstance(p.get(k), str):
                out.append(p[k])
        for k in ("guardian", "caregiver"):
            c = p.get(k)
            if isinstance(c, dict):
                out += [v for v in (c.get("name"), c.get("phone")) if isinstance(v, str)]
        for c in p.get("agents") or []:
            if isinstance(c, dict):
                out += [v for v in (c.get("name"), c.get("phone")) if isinstance(v, str)]
    return tuple(out)


async def read_case(request: Request) -> Case:
    raw = await read_json(request)
    request.state.secrets = _secrets(raw)
    limits = request.app.state.service.engine.deployment.limits
    return structure_case(raw, "body", max_depth=limits.nesting_depth)


def parse_date(value: str | None, field: str) -> dt.date | None:
    if value is None:
        return None
    try:
        return dt.date.fromisoformat(value) if len(value) == 10 else _bad_date(value, field)
    except ValueError:
        return _bad_date(value, field)


def _bad_date(value, field):
    raise InputError(field, value, "expected a date YYYY-MM-DD")


def outcome_json(outcome, explain: bool = False) -> dict:
    out = to_json(outcome)
    if explain:  # the same lines as `jiuzhu evaluate --explain`, one per layer
        out["explain"] = [{"layer": l.id, "text": explain_layer(l)} for l in outcome.settlement.layers]
    return out


def without_identity(out, secrets: tuple[str, ...]):
    """An outcome (or comparison) as an analyst gets it: no personal data read back. The forms a
    case needs stay listed, without the data that fills them (names, ID numbers, card numbers);
    the request's identity values and any ID number elsewhere (a signer's name) are masked."""
    if isinstance(out, dict) and isinstance(out.get("documents"), list):
        out["documents"] = [{**d, "data": {}} if isinstance(d, dict) else d for d in out["documents"]]

    def walk(o):
        if isinstance(o, dict):
            return {k: walk(v) for k, v in o.items()}
        if isinstance(o, list):
            return [walk(v) for v in o]
        return redact(o, secrets) if isinstance(o, str) else o
    return walk(out)


def region_json(r) -> dict:
    i = r.info
    return {"code": i.code, "name_zh": i.name_zh, "name_en": i.name_en, "division": i.division,
            "parent": i.parent, "version": i.version, "date_basis": i.date_basis,
            "documents": [{"number": d.number, "title": d.title, "issuer": d.issuer,
                           "issued": d.issued.isoformat() if d.issued else None,
                           "effective_from": d.effective_from.isoformat() if d.effective_from else None,
                           "status": d.status} for d in i.documents]}


def settlement_json(s) -> dict:
    """A recorded settlement as the store writes it (ID number masked: the caller sent it)."""
    return s.to_dict(mask=True)


# -- the app -----------------------------------------------------------------------------------


def create_app(engine: Engine | None = None, tokens: Tokens | None = None, store=None) -> FastAPI:
    """The service for ``engine`` (default: the deployment in ``jiuzhu.toml``)."""
    if engine is None:
        from jiuzhu.io.config import load_config
        engine = Engine(deployment=load_config())
    svc = Service(engine, tokens or Tokens({}), store)
    if store is not None:
        store.default_engine = engine  # recorded outcomes are reproduced with the service's deployment
    from importlib.metadata import version
    app = FastAPI(
        title="jiuzhu 救助 HTTP service",
        version=version("jiuzhu"),
        summary="Medical-assistance (医疗救助) evaluation and settlement for hospital and civil-affairs systems",
        description="JSON in and out: the case and outcome JSON Schemas of `docs/` (components `Case`, "
                    "`Outcome`). Errors are RFC 9457 `application/problem+json` naming the field, the value "
                    "and what was expected. Authenticate with `Authorization: Bearer <token>`.",
        docs_url="/docs", redoc_url=None, openapi_url="/openapi.json",
    )
    app.state.service = svc

    def who(request: Request, cred: HTTPAuthorizationCredentials | None = Depends(bearer)) -> Principal:
        if cred is None:
            raise Problem(401, "unauthenticated", "Authorization: expected a bearer token (Authorization: Bearer …)",
                          headers={"WWW-Authenticate": 'Bearer realm="jiuzhu"'})
        p = svc.tokens.find(cred.credentials)
        if p is None:
            raise Problem(401, "invalid-token", "Authorization: the bearer token is not configured",
                          headers={"WWW-Authenticate": 'Bearer realm="jiuzhu", error="invalid_token"'})
        request.state.actor = p.name
        return p

    # -- errors --------------------------------------------------------------------------------
    @app.exception_handler(Problem)
    async def _problem(request: Request, exc: Problem):
        return respond(exc.status, exc.kind, exc.detail, request, headers=exc.headers or None, field=exc.field,
                       value=exc.value, expected=exc.expected)

    @app.exception_handler(JiuzhuError)
    async def _jiuzhu(request: Request, exc: JiuzhuError):
        return from_jiuzhu(exc, request)

    @app.exception_handler(RequestValidationError)
    async def _validation(request: Request, exc: RequestValidationError):
        e = exc.errors()[0]
        loc = [str(x) for x in e.get("loc", ())]
        where = loc[0] if loc else ""
        field = ".".join(loc[1:]) or where
        value = e.get("input") if where in ("query", "path") and field != "id_number" else None
        status = 422
        return respond(status, "invalid-parameter", f"{where} {field}: {e.get('msg', 'invalid')}".strip(), request,
                       field=field, value=value if isinstance(value, (str, int, float, bool)) else None,
                       expected=e.get("msg", ""))

    @app.exception_handler(StarletteHTTPException)
    async def _http(request: Request, exc: StarletteHTTPException):
        kinds = {404: "not-found", 405: "method-not-allowed"}
        detail = {404: "no such route", 405: f"method {request.method} not allowed here"}.get(exc.status_code,
                                                                                              str(exc.detail))
        return respond(exc.status_code, kinds.get(exc.status_code, "http-error"), detail, request,
                       headers=getattr(exc, "headers", None))

    @app.exception_handler(Exception)
    async def _internal(request: Request, exc: Exception):
        return internal(exc, request)

    # -- access log without personal data: the route template, never the path ------------------
    # (a plain ASGI middleware: Starlette's BaseHTTPMiddleware costs a task per request)
    inner = app.build_middleware_stack

    def build():
        stack = inner()

        async def logged(scope, receive, send):
            if scope["type"] != "http" or not access.isEnabledFor(logging.INFO):
                return await stack(scope, receive, send)
            t0, status = time.perf_counter(), [0]

            async def send_status(message):
                if message["type"] == "http.response.start":
                    status[0] = message["status"]
                await send(message)
            try:
                await stack(scope, receive, send_status)
            finally:
                route = scope.get("route")
                state = scope.get("state") or {}
                access.info("%s %s %s %.1fms %s", scope.get("method"), getattr(route, "path", "-"), status[0],
                            (time.perf_counter() - t0) * 1000, state.get("actor", "-"))
        return logged

    app.build_middleware_stack = build

    # -- meta ----------------------------------------------------------------------------------
    @app.get("/healthz", tags=["meta"], summary="Liveness 健康检查",
             responses={200: oas.json_response("Health")})
    async def healthz():
        return {"status": "ok", "regions": len(svc.regions), "store": "configured" if svc.store else "none"}

    # -- reference data ------------------------------------------------------------------------
    @app.get("/v1/regions", tags=["reference"], summary="Installed regions 已安装的地区",
             responses={200: oas.json_response({"type": "array", "items": oas.ref("Region")})})
    async def regions(p: Principal = Depends(who)):
        return [region_json(engine.host.regions[c]) for c in svc.regions]

    @app.get("/v1/rules/{region}", tags=["reference"], summary="A region's rule register 规则清单",
             responses={200: oas.json_response({"type": "array", "items": oas.ref("Rule")}), 404: {}})
    async def rules(region: str = PathParam(description="region code, e.g. wusheng"), p: Principal = Depends(who)):
        from jiuzhu.rules.register import load_rules
        r = engine.host.region(region)
        path = r.call("jiuzhu_rules")
        if path is None:
            return []
        return [{"id": x["id"], "statement": x.get("statement", ""), "status": x.get("status", "todo"),
                 "reason": x.get("reason", "")} for x in load_rules(Path(path))]

    @app.get("/v1/parameters/{region}", tags=["reference"], summary="Parameters in force on a date 参数及依据",
             responses={200: oas.json_response("Parameters"), 404: {}})
    async def parameters(region: str = PathParam(description="region code"),
                         as_of: str | None = Query(None, description="date YYYY-MM-DD (default: today)",
                                                   json_schema_extra={"format": "date"}),
                         p: Principal = Depends(who)):
        engine.host.region(region)
        day = parse_date(as_of, "as_of") or dt.date.today()
        pset = engine.parameter_set(region)
        rows = []
        for name, prm in sorted(pset.params.items()):
            d = prm.at(day)
            rows.append({"name": name, "label": prm.label, "unit": prm.unit, "required": prm.required,
                         "rule": prm.rule, "value": None if d is None else _plain(d.raw if d.raw is not None else d.value),
                         "from": d.start.isoformat() if d else None, "cite": str(d.cite) if d else None})
        return {"region": region, "as_of": day.isoformat(), "parameters": rows}

    # -- evaluation ----------------------------------------------------------------------------
    CASE_QUERY = dict(description="region code (default: the case's, else the token's, else the deployment's)")

    @app.post("/v1/evaluate", tags=["evaluation"], summary="Evaluate one case; nothing is recorded 评估（不记录）",
              openapi_extra=oas.json_body("Case", "one case, as in a case file (money in yuan)"),
              responses={200: oas.json_response("Outcome", "the outcome (docs/outcome.schema.json); with "
                                                           "explain=true also `explain`, one line per layer"),
                         403: {}, 404: {}, 422: {}})
    async def evaluate(request: Request, region: str | None = Query(None, **CASE_QUERY),
                       as_of: str | None = Query(None, description="judge by the rules in force on this date",
                                                 json_schema_extra={"format": "date"}),
                       explain: bool = Query(False, description="add how every amount was computed"),
                       p: Principal = Depends(who)):
        day = parse_date(as_of, "as_of")
        case = await read_case(request)
        code = svc.region_for(p, case, region)
        svc.need_region(p, code)
        svc.need_facility(p, getattr(case.facility, "code", None) or None)
        out = outcome_json(engine.evaluate(case, code, day), explain)
        if p.role == "analyst":
            out = without_identity(out, request.state.secrets)
        return JSONResponse(out)

    @app.post("/v1/compare", tags=["evaluation"], summary="One case across regions 跨地区比较",
              openapi_extra=oas.json_body("Case"),
              responses={200: oas.json_response("Comparison"), 403: {}, 422: {}})
    async def compare(request: Request,
                      regions: str = Query("all", description="region codes a,b,… or all"),
                      as_is: bool = Query(False, description="evaluate as given instead of re-homing the case"),
                      as_of: str | None = Query(None, json_schema_extra={"format": "date"}),
                      explain: bool = Query(False, description="add the cited reason behind each cell"),
                      p: Principal = Depends(who)):
        from jiuzhu.analysis.compare import compare_case, parse_regions
        from jiuzhu.analysis.compare import to_json as cmp_json
        svc.need_role(p, ("civil_affairs", "analyst"), "compare regions")
        day = parse_date(as_of, "as_of")
        case = await read_case(request)
        try:
            codes = parse_regions(engine, regions)
        except JiuzhuError as exc:
            raise InputError("regions", regions, str(exc).split(": ", 1)[-1]) from None
        out = cmp_json(compare_case(engine, case, codes, as_is=as_is, as_of=day), explain)
        return JSONResponse(without_identity(out, request.state.secrets) if p.role == "analyst" else out)

    # -- settlements ---------------------------------------------------------------------------
    from jiuzhu.service.settlements import add_settlement_routes
    add_settlement_routes(app, svc, who)

    # -- forms ---------------------------------------------------------------------------------
    from jiuzhu.service.paperwork import add_paperwork_routes
    add_paperwork_routes(app, svc, who)

    def openapi():
        if app.openapi_schema is None:
            from fastapi.openapi.utils import get_openapi
            doc = get_openapi(title=app.title, version=app.version, summary=app.summary,
                              description=app.description, routes=app.routes)
            app.openapi_schema = oas.finish(doc)
        return app.openapi_schema

    app.openapi = openapi
    return app


def app_from_env() -> FastAPI:
    """The uvicorn factory behind ``jiuzhu serve`` (each worker process calls it once)."""
    from jiuzhu.service.config import build
    return build(os.environ.get("JIUZHU_CONFIG") or None, os.environ.get("JIUZHU_DB") or None)
