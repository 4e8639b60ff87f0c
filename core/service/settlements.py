"""Settlement routes: record (as ``jiuzhu settle``), read back, reverse, year-to-date usage.

The store (:mod:`jiuzhu.store`) owns the year-to-date and its concurrency: two settlements of one
person are serialised there, so together they never exceed a cap. Each settlement and reversal
records the token's name as the actor; the store stamps the time.

Writes (settlements, reversals) run in at most ``WRITE_THREADS`` threads per worker process,
admitted first come first served (an anyio ``CapacityLimiter``; the others wait on the event
loop, holding no thread and no connection); reads of the store in at most ``READ_THREADS``.
Without the bound, each of 32 concurrent requests took one of the 40 threads of the default
pool: dozens of threads contended for the GIL and for a connection pool of 5, and every
connection above it was opened and closed again (a new PostgreSQL server process per burst).

Why two writers: a settlement is mostly Python (evaluate, serialise), so more threads only take
turns at the GIL while their transactions stay open; two per worker keep a commit in flight while
the other thread computes. Measured with 32 clients on 2 cores, 2 workers (benchmarks/README.md,
2026-12-01 23:05–23:09 UTC, idle machine): 8 writers gave p99 85–92 ms (SQLite) and 138–161 ms
(PostgreSQL); 2 writers 72–81 ms and 77–94 ms, with more throughput on both; 1 writer lost
throughput on PostgreSQL (410/s). The store's pool keeps ``STORE_THREADS`` connections open,
one for each writer and reader thread, so no request ever waits on the pool.
"""

from __future__ import annotations

import datetime as dt
from urllib.parse import quote

import functools
import weakref

import anyio
from fastapi import Depends, FastAPI, Path as PathParam, Query, Request
from starlette.responses import JSONResponse

from jiuzhu.model import idcard
from jiuzhu.model.errors import InputError
from jiuzhu.service import openapi as oas
from jiuzhu.service.auth import Principal
from jiuzhu.service.problems import Problem
from jiuzhu.store import SettlementConflict
from jiuzhu.store.ledger import AlreadyReversed


WRITE_THREADS = 2
READ_THREADS = 6
STORE_THREADS = WRITE_THREADS + READ_THREADS


# event loop -> its limiters (a worker process has one loop; tests start several)
_LIMITERS: "weakref.WeakKeyDictionary" = weakref.WeakKeyDictionary()


async def _in_thread(kind: str, bound: int, fn, *args):
    import asyncio
    loop = asyncio.get_running_loop()
    per_loop = _LIMITERS.setdefault(loop, {})
    limiter = per_loop.get(kind)
    if limiter is None:
        limiter = per_loop[kind] = anyio.CapacityLimiter(bound)
    return await anyio.to_thread.run_sync(functools.partial(fn, *args), limiter=limiter)


async def in_writer_thread(fn, *args):
    """``fn(*args)`` in a worker thread, once one of the ``WRITE_THREADS`` is free (FIFO)."""
    return await _in_thread("write", WRITE_THREADS, fn, *args)


async def in_reader_thread(fn, *args):
    """``fn(*args)``, a read of the store, once one of the ``READ_THREADS`` is free (FIFO)."""
    return await _in_thread("read", READ_THREADS, fn, *args)


def add_settlement_routes(app: FastAPI, svc, who) -> None:
    from jiuzhu.service.app import read_case, read_json, settlement_json

    def taken(key: str) -> Problem:
        """A key recorded outside the token's region or facility: refused without its record or advice to reverse it
        (keys are unique across the ledger, so that it is taken cannot be hidden)."""
        return Problem(409, "settlement-conflict", "key: already used by a settlement this token cannot see; a key is "
                       "paid once", field="key", value=key, expected="the slip's own settlement id (setl_id)")

    def readable(p: Principal, s, key: str) -> None:
        """A hospital reads its own facility's settlements; civil affairs those of its region."""
        svc.need_role(p, ("hospital", "civil_affairs"), "read settlements")
        svc.need_recorded(p, s, "key", key)

    @app.post("/v1/settlements", tags=["settlements"], status_code=201,
              summary="Record a settlement (as `jiuzhu settle`) 记录结算",
              openapi_extra=oas.json_body("Case", "the case at discharge; its settlement slip may be the "
                                                  "national platform's setlinfo"),
              responses={201: oas.json_response("Settlement", "recorded"),
                         200: oas.json_response("Settlement", "a replay of a recorded key: the recorded result"),
                         403: {}, 404: {}, 409: {}, 422: {}, 503: {}})
    async def settle(request: Request, region: str | None = Query(None, description="region code"),
                     p: Principal = Depends(who)):
        svc.need_role(p, ("hospital", "civil_affairs"), "record settlements")
        case = await read_case(request)
        code = svc.region_for(p, case, region)
        svc.need_region(p, code)
        svc.need_facility(p, getattr(case.facility, "code", None) or None)
        store = svc.need_store()
        try:
            res = await in_writer_thread(store.settle, svc.engine, case, code, p.name)
        except SettlementConflict as exc:
            recorded = await in_reader_thread(store.get, exc.key)
            if recorded is not None and not svc.sees(p, recorded):
                raise taken(exc.key) from None
            raise
        if res.replay and not svc.sees(p, res):
            # the same content recorded by another facility or region: its record (who, when) is not this caller's
            raise taken(res.key)
        return JSONResponse(settlement_json(res), status_code=200 if res.replay else 201,
                            # percent-encoded: a key is the caller's text and may hold what a header cannot
                            headers={"Location": f"/v1/settlements/{quote(res.key, safe='')}"})

    @app.get("/v1/settlements/{key}", tags=["settlements"], summary="A recorded settlement 查询结算",
             responses={200: oas.json_response("Settlement"), 403: {}, 404: {}, 503: {}})
    async def get_settlement(key: str = PathParam(description="the settlement key"), p: Principal = Depends(who)):
        svc.need_role(p, ("hospital", "civil_affairs"), "read settlements")
        store = svc.need_store()
        s = await in_reader_thread(store.get, key)
        readable(p, s, key)
        return JSONResponse(settlement_json(s))

    @app.post("/v1/settlements/{key}/reversal", tags=["settlements"], summary="Reverse a settlement 冲正",
              openapi_extra=oas.json_body("ReversalRequest"),
              responses={200: oas.json_response("Reversal"), 403: {}, 404: {}, 409: {}, 422: {}, 503: {}})
    async def reverse(request: Request, key: str = PathParam(description="the settlement key"),
                      p: Principal = Depends(who)):
        svc.need_role(p, ("civil_affairs",), "reverse settlements")
        raw = await read_json(request)
        if not isinstance(raw, dict):
            raise InputError("body", None, "expected a JSON object {\"reason\": \"…\"}")
        extra = set(raw) - {"reason"}
        if extra:
            raise InputError(f"body.{sorted(extra)[0]}", None, "unknown field; expected reason")
        reason = raw.get("reason")
        if not isinstance(reason, str) or not reason.strip():
            raise InputError("body.reason", None, "expected the reason for the reversal (冲正原因)")
        store = svc.need_store()
        s = await in_reader_thread(store.get, key)
        svc.need_recorded(p, s, "key", key, facility=False)  # the office of the settlement's region reverses it

        def already_reversed():
            return Problem(409, "already-reversed", "key: this settlement is already reversed", field="key",
                           value=key, expected="a settlement that stands")

        if s.reversed:
            raise already_reversed()
        try:
            rev = await in_writer_thread(store.reverse, key, reason.strip(), p.name)
        except AlreadyReversed:  # another reversal of this key committed since the read above
            raise already_reversed() from None
        return JSONResponse({"key": rev.key, "actor": rev.actor, "recorded_at": rev.recorded_at.isoformat(),
                             "review": list(rev.review)})

    @app.get("/v1/programs/{region}", tags=["reference"], summary="Programmes annual caps count in 救助项目",
             responses={200: oas.json_response({"type": "array", "items": oas.ref("Program")}), 404: {}})
    async def programs(region: str = PathParam(description="region code"), p: Principal = Depends(who)):
        return [{"region": r, "id": g.id, "name_zh": g.name_zh, "name_en": g.name_en, "layers": list(g.layers),
                 "measure": g.measure, "cite": str(g.cite or "")} for r, g in svc.engine.programs(region)]

    @app.get("/v1/usage/{id_number}", tags=["settlements"], summary="A person's year-to-date use 年度累计",
             responses={200: oas.json_response("Usage"), 403: {}, 422: {}, 503: {}})
    async def usage(id_number: str = PathParam(description="居民身份证号码 (GB 11643)"),
                    year: int | None = Query(None, ge=1900, le=2999, description="calendar year (default: this year)"),
                    region: str | None = Query(None, description="region code (default: the token's)"),
                    p: Principal = Depends(who)):
        svc.need_role(p, ("civil_affairs",), "read a person's year-to-date use")
        why = idcard.problem(id_number)
        if why:
            raise InputError("id_number", None, why)
        code = svc.region_for(p, None, region)
        svc.need_region(p, code)
        store = svc.need_store()
        # a settlement outside the token's region counts in the amounts, but its key is not told (as GET
        # /v1/settlements/{key} answers 404 to it)
        u = await in_reader_thread(functools.partial(store.usage, shown=lambda r: svc.covers(p, r)),
                                   id_number, year or dt.date.today().year, code, svc.engine)
        return JSONResponse(u.to_dict(mask=True))
