"""The parameter values a settlement was evaluated with: recorded once per hash, replayed later.

A deployment changes a parameter (a new annual cap, a rate set by the county); the settlements
recorded before stay what they were. Each settlement keeps the hash of every parameter value in
force for each region of its chain on the day that region's rules were chosen by; the values
themselves are stored once per hash (``parameter_sets``). :func:`recorded_engine` gives an engine
that evaluates with those values, so a past month's ledger and forms are rebuilt from what was in
force then, not from today's parameters.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import weakref

from jiuzhu.model.outcome import Citation
from jiuzhu.rules.params import Dated, ParameterSet, convert


def _plain(v):
    """A parameter's raw deployment or TOML value as JSON; dates tagged so they come back as dates."""
    if isinstance(v, dt.datetime):
        return {"$datetime": v.isoformat()}
    if isinstance(v, dt.date):
        return {"$date": v.isoformat()}
    if isinstance(v, (list, tuple)):
        return [_plain(x) for x in v]
    if isinstance(v, dict):
        return {str(k): _plain(x) for k, x in v.items()}
    return v


def _unplain(v):
    if isinstance(v, dict):
        if set(v) == {"$date"}:
            return dt.date.fromisoformat(v["$date"])
        if set(v) == {"$datetime"}:
            return dt.datetime.fromisoformat(v["$datetime"])
        return {k: _unplain(x) for k, x in v.items()}
    if isinstance(v, list):
        return [_unplain(x) for x in v]
    return v


def snapshot(engine, chain: list[str], days: list[dt.date]) -> dict:
    """``{region: {"day": ISO, "params": {name: {"from", "value", "cite"} | None}}}``: every parameter
    in force for each region on its day (None: the region declares it, nothing is in force)."""
    out = {}
    for code, day in zip(chain, days):
        pset = engine.parameter_set(code)
        params = {}
        for name in sorted(pset.params):
            d = pset.params[name].at(day)
            params[name] = None if d is None else {
                "from": d.start.isoformat(), "value": _plain(d.raw if d.raw is not None else d.value),
                "cite": [d.cite.region, d.cite.document, d.cite.article, d.cite.rule] if d.cite else None}
        out[code] = {"day": day.isoformat(), "params": params}
    return out


_CACHE: "weakref.WeakKeyDictionary" = weakref.WeakKeyDictionary()


def recorded(engine, chain: list[str], days: list[dt.date]) -> tuple[str, str]:
    """``(hash, values_json)`` of the parameters in force, cached per engine, chain and days (an
    engine's parameters are loaded once and never change)."""
    per = _CACHE.get(engine)
    if per is None:
        per = _CACHE[engine] = {}
    key = (tuple(chain), tuple(days))
    hit = per.get(key)
    if hit is None:
        text = json.dumps(snapshot(engine, chain, days), ensure_ascii=False, sort_keys=True, separators=(",", ":"))
        hit = per[key] = (hashlib.sha256(text.encode()).hexdigest(), text)
    return hit


def recorded_engine(engine, values_json: str):
    """An engine like ``engine`` whose regions of the recorded chain use the recorded values (each
    parameter as recorded, in force from its recorded start; a parameter unknown when the
    settlement was recorded keeps today's values)."""
    from jiuzhu.rules.engine import Engine
    snap = json.loads(values_json)

    class Recorded(Engine):
        def parameter_set(self, code):
            if code not in self._psets:
                pset = engine.parameter_set(code)
                if code in snap:
                    pset = _replay(pset, snap[code]["params"])
                self._psets[code] = pset
            return self._psets[code]

    return Recorded(engine.host, engine.deployment, engine.strict)


def _replay(pset: ParameterSet, params: dict) -> ParameterSet:
    import attrs
    out = dict(pset.params)
    for name, p in pset.params.items():
        if name not in params:
            continue
        rec = params[name]
        if rec is None:
            out[name] = attrs.evolve(p, values=())
            continue
        raw = _unplain(rec["value"])
        cite = Citation(*rec["cite"]) if rec.get("cite") else None
        out[name] = attrs.evolve(p, values=(Dated(dt.date.fromisoformat(rec["from"]),
                                                  convert(p.unit, raw, f"parameters.{pset.region}.{name}", p.choices),
                                                  cite, raw),))
    return ParameterSet(pset.region, out)
