"""Form and ledger routes: a filled form for a case (Word, Excel, or PDF through LibreOffice) and
the month's ledger workbook of a region, built from the recorded settlements."""

from __future__ import annotations

import tempfile
from pathlib import Path
from urllib.parse import quote

from fastapi import Depends, FastAPI, Path as PathParam, Query, Request
from starlette.concurrency import run_in_threadpool
from starlette.responses import Response

from jiuzhu.model.errors import InputError, JiuzhuError
from jiuzhu.service import openapi as oas
from jiuzhu.service.auth import Principal
from jiuzhu.service.problems import Problem
from jiuzhu.service.settlements import in_reader_thread

MEDIA = {"docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
         "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
         "pdf": "application/pdf"}


def _binary(kinds: tuple[str, ...], description: str) -> dict:
    return {"description": description,
            "content": {MEDIA[k]: {"schema": {"type": "string", "format": "binary"}} for k in kinds}}


def _attachment(data: bytes, name: str, kind: str) -> Response:
    ascii_name = name.encode("ascii", "replace").decode().replace("?", "_")
    return Response(data, media_type=MEDIA[kind], headers={
        "Content-Disposition": f"attachment; filename=\"{ascii_name}\"; filename*=UTF-8''{quote(name)}"})


def fill_form(engine, case, code: str, form_id: str, fmt: str | None, as_of=None,
              outcome=None) -> tuple[bytes, str, str]:
    """One filled form as (bytes, file name, kind); runs in a worker thread (PDF takes seconds).
    ``outcome``: a recorded settlement's, else the case is evaluated now."""
    from jiuzhu.paperwork.forms import TemplateError, convert, need_for, region_forms, render_need
    if outcome is None:
        outcome = engine.evaluate(case, code, as_of)
    need = next((d for d in outcome.documents if d.form_id == form_id), None)
    specs = {}
    for c in outcome.chain:
        specs.update(region_forms(engine, c))
    if form_id not in specs and form_id not in engine.deployment.templates.get(outcome.region, {}):
        if need is not None:
            raise Problem(404, "no-template", f"form_id: {form_id} ({need.title_zh}) has no template; its data is in "
                                              f"the outcome's documents", field="form_id", value=form_id,
                          expected="a form with a template")
        raise Problem(404, "unknown-form", f"form_id: no form {form_id} in {outcome.region}", field="form_id",
                      value=form_id, expected=f"one of {', '.join(sorted(specs)) or 'none'}")
    native = specs[form_id].kind if form_id in specs else None
    if fmt and fmt != "pdf" and native and fmt != native:
        raise InputError("format", fmt, f"form {form_id} is a {native} form; expected {native} or pdf")
    with tempfile.TemporaryDirectory(prefix="jiuzhu-form-") as tmp:
        try:
            path = render_need(engine, case, outcome, need or need_for(specs[form_id]), Path(tmp))
        except TemplateError as exc:
            raise Problem(422, "template", str(exc)) from None
        kind = path.suffix[1:]
        if fmt == "pdf":
            try:
                path = convert(path, "pdf", Path(tmp))
            except JiuzhuError as exc:
                raise Problem(503, "no-converter", str(exc)) from None
            kind = "pdf"
        return path.read_bytes(), path.name, kind


def add_paperwork_routes(app: FastAPI, svc, who) -> None:
    from jiuzhu.service.app import parse_date, read_json
    from jiuzhu.io.loader import structure_case
    from jiuzhu.service.app import _secrets

    body = {"requestBody": {"required": True, "description": "a case, or {\"settlement\": KEY} for a recorded one",
                            "content": {"application/json": {"schema": {"oneOf": [oas.ref("Case"),
                                                                                  oas.ref("SettlementRef")]}}}}}

    @app.post("/v1/forms/{form_id}", tags=["paperwork"], summary="A filled form for a case or a settlement 填写表单",
              openapi_extra=body,
              responses={200: _binary(("docx", "xlsx", "pdf"), "the filled form"),
                         403: {}, 404: {}, 422: {}, 503: {}})
    async def form(request: Request, form_id: str = PathParam(description="form id, e.g. attachment_1"),
                   format: str | None = Query(None, pattern="^(docx|xlsx|pdf)$",
                                              description="docx, xlsx (the form's own) or pdf; default: its own"),
                   region: str | None = Query(None, description="region code"),
                   as_of: str | None = Query(None, json_schema_extra={"format": "date"}),
                   p: Principal = Depends(who)):
        svc.need_role(p, ("hospital", "civil_affairs"), "fill forms")
        day = parse_date(as_of, "as_of")
        raw = await read_json(request)
        outcome = None
        if isinstance(raw, dict) and set(raw) == {"settlement"}:
            key = raw["settlement"]
            if not isinstance(key, str):
                raise InputError("body.settlement", None, "expected a settlement key (text)")
            s = await in_reader_thread(svc.need_store().get, key)
            svc.need_recorded(p, s, "settlement", key)
            case, code = s.case, s.region
            # reproducing the outcome reads the recorded parameter values from the store
            outcome = await in_reader_thread(lambda: s.outcome)
        else:
            request.state.secrets = _secrets(raw)
            case = structure_case(raw, "body", max_depth=svc.engine.deployment.limits.nesting_depth)
            code = svc.region_for(p, case, region)
            svc.need_region(p, code)
            svc.need_facility(p, case.facility.code or None)
        data, name, kind = await run_in_threadpool(fill_form, svc.engine, case, code, form_id, format, day, outcome)
        return _attachment(data, name, kind)

    @app.get("/v1/ledgers/{region}/{month}", tags=["paperwork"], summary="A month's ledger workbook 月度台账",
             responses={200: _binary(("xlsx",), "the region's ledgers and claim sheets for the month; a reversed "
                                                "settlement is followed by its red-ink reversal row"),
                        403: {}, 404: {}, 422: {}, 503: {}})
    async def ledger(region: str = PathParam(description="region code"),
                     month: str = PathParam(description="YYYY-MM", pattern=r"^\d{4}-\d{2}$"),
                     p: Principal = Depends(who)):
        from jiuzhu.paperwork.ledger import parse_month
        svc.need_role(p, ("hospital", "civil_affairs"), "read ledgers")
        svc.engine.host.region(region)
        parse_month(month)
        svc.need_region(p, region)
        store = svc.need_store()
        facility = p.facility if p.role == "hospital" else None  # a hospital gets its own rows only
        data = await in_reader_thread(build_ledger_bytes, svc.engine, store, region, month, facility)
        suffix = f"-{facility}" if facility else ""
        return _attachment(data, f"ledger-{region}-{month}{suffix}.xlsx", "xlsx")


def build_ledger_bytes(engine, store, region: str, month: str, facility: str | None) -> bytes:
    """The month's workbook from the store's settlements (as ``jiuzhu ledger --db``)."""
    from jiuzhu.paperwork.ledger import build_ledger_entries
    entries = [(s.case, s.outcome, s.reversed) for s in store.settlements(region, month, facility)]
    with tempfile.TemporaryDirectory(prefix="jiuzhu-ledger-") as tmp:
        out = Path(tmp) / "ledger.xlsx"
        build_ledger_entries(engine, entries, region, month, out)
        return out.read_bytes()
