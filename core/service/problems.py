"""Errors as RFC 9457 problem details (``application/problem+json``).

Every client error names the field path, the value (only for the one field at fault, never an
identity value) and what was expected, like the CLI's one-line errors. An internal error is a 500
carrying an error id only; its details go to the server log with personal data redacted.
"""

from __future__ import annotations

import logging
import re
import uuid

from starlette.requests import Request
from starlette.responses import JSONResponse

from jiuzhu.model.errors import InputError, JiuzhuError, MissingParameter, UnknownRegion
from jiuzhu.model.redact import mask_ids

PROBLEM = "application/problem+json"
BASE = "https://jiuzhu.example/problems/"

log = logging.getLogger("jiuzhu.service")

# Fields whose values are identity data: the message names the field, never the value.
IDENTITY = re.compile(r"(^|\.)(id_number|name|card_number|phone|guardian|agents|caregiver)(\.|\[|$)")


class Problem(Exception):
    """A client error raised by a route: status, a short type slug, a one-line detail."""

    def __init__(self, status: int, kind: str, detail: str, field: str | None = None, value=None,
                 expected: str | None = None, headers: dict | None = None):
        super().__init__(detail)
        self.status, self.kind, self.detail = status, kind, detail
        self.field, self.value, self.expected = field, value, expected
        self.headers = headers or {}


TITLES = {
    400: "Bad request 请求格式错误", 401: "Unauthorized 未认证", 403: "Forbidden 无权限",
    404: "Not found 未找到", 405: "Method not allowed 方法不允许", 406: "Not acceptable 不可接受的格式",
    409: "Conflict 冲突", 413: "Payload too large 请求过大", 415: "Unsupported media type 不支持的内容类型",
    422: "Unprocessable content 内容无法处理", 500: "Internal error 内部错误",
    503: "Service unavailable 服务不可用",
}


def body(status: int, kind: str, detail: str, instance: str = "", field: str | None = None, value=None,
         expected: str | None = None, **extra) -> dict:
    out = {"type": BASE + kind, "title": TITLES.get(status, "Error"), "status": status, "detail": detail}
    if instance:
        out["instance"] = instance
    if field is not None or expected is not None:
        err = {"field": field or "", "expected": expected or ""}
        if value is not None and not (field and IDENTITY.search(field)):
            err["value"] = value if isinstance(value, (str, int, float, bool)) else repr(value)
        out["errors"] = [err]
    out.update(extra)
    return out


def respond(status: int, kind: str, detail: str, request: Request | None = None, headers: dict | None = None,
            **kw) -> JSONResponse:
    # The route template, not the path: a path may hold an ID number (/v1/usage/{id_number}).
    route = request.scope.get("route") if request is not None else None
    instance = getattr(route, "path", "") or ""
    return JSONResponse(body(status, kind, detail, instance, **kw), status_code=status, media_type=PROBLEM,
                        headers=headers)


def from_jiuzhu(exc: JiuzhuError, request: Request) -> JSONResponse:
    """A jiuzhu error to its problem: bad input 422, unknown region 404 (in the path) or 422."""
    from jiuzhu.store import SettlementConflict, StoreError
    if isinstance(exc, SettlementConflict):
        return respond(409, "settlement-conflict", str(exc), request, field=exc.field, expected=exc.expected)
    if isinstance(exc, StoreError):  # the database is unreachable or not migrated: not the client's fault
        # the cause names the database (host, port, user): the operator's to read, not a hospital's
        error_id = uuid.uuid4().hex[:12]
        log.error("store unavailable %s: %s", error_id, redact(str(exc)))
        return respond(503, "store-unavailable", f"the settlement store is unavailable; quote error id {error_id} "
                       "to the operator 结算库暂不可用", request, error_id=error_id)
    if isinstance(exc, InputError):
        shown = None if IDENTITY.search(exc.field or "") else exc.value
        detail = f"{exc.field}: {exc.expected}" + (f" (got {shown})" if shown is not None else "")
        return respond(422, "invalid-input", detail, request, field=exc.field,
                       value=exc.value, expected=exc.expected)
    if isinstance(exc, UnknownRegion):
        in_path = "region" in (request.path_params or {})
        return respond(404 if in_path else 422, "unknown-region", str(exc), request, field="region",
                       expected=str(exc).split("; ", 1)[-1])
    if isinstance(exc, MissingParameter):
        # The deployment lacks a number this case needs (a date outside its parameters, or a region
        # it did not configure): the client can choose another region or date; not a server fault.
        return respond(422, "missing-parameter", str(exc), request, field=f"parameters.{exc.region}.{exc.name}",
                       expected="a deployment parameter set in jiuzhu.toml")
    return respond(422, "unprocessable", str(exc), request)


# -- redaction for the server log ------------------------------------------------------------

_PHONE = re.compile(r"1[3-9]\d{9}")


def redact(text: str, secrets: tuple[str, ...] = ()) -> str:
    """Mask ID numbers, mobile numbers and the request's own identity values."""
    for s in sorted((s for s in secrets if s and len(s) >= 2), key=len, reverse=True):
        text = text.replace(s, "***")
    text = mask_ids(text)
    return _PHONE.sub("1**********", text)


def internal(exc: BaseException, request: Request) -> JSONResponse:
    import traceback
    error_id = uuid.uuid4().hex[:12]
    secrets = tuple(getattr(request.state, "secrets", ()) or ())
    tb = "".join(traceback.format_exception(type(exc), exc, exc.__traceback__))
    route = request.scope.get("route")
    log.error("internal error %s on %s %s\n%s", error_id, request.method,
              getattr(route, "path", "?"), redact(tb, secrets))
    return respond(500, "internal", f"internal error; quote error id {error_id} to the operator", request,
                   error_id=error_id)
