"""The plugin host: a thin pluggy manager built on demand, never at import time.

Regions are discovered through the ``jiuzhu.regions`` entry-point group; the built-in five
register there exactly as a third-party package would. ``JIUZHU_BLOCK_PLUGINS`` (comma list)
keeps named entry points out; ``JIUZHU_TRACE_PLUGINS=1`` traces hook calls to stderr: which
hook, which plugins answered, the argument and result *types* and the time taken — never the
values, which hold the person's name, ID number and diagnoses.
"""

from __future__ import annotations

import os
import sys
from functools import cached_property
from importlib.metadata import entry_points
from pathlib import Path

import pluggy

from jiuzhu import hookspecs
from jiuzhu.model.errors import JiuzhuError, UnknownRegion
from jiuzhu.model.redact import one_line
from jiuzhu.model.region import RegionInfo

GROUP = "jiuzhu.regions"
# Files a region keeps beside its module; a region that does not implement the hook gets these.
CONVENTIONAL = {"jiuzhu_parameters": "parameters.toml", "jiuzhu_rules": "rules.toml",
                "jiuzhu_templates": "templates", "jiuzhu_examples": "examples"}
EXTENSIONS = "jiuzhu.plugins"


class Region:
    """One region plugin and its hooks, called without the other regions' implementations."""

    def __init__(self, pm: pluggy.PluginManager, plugin: object, others: list[object]):
        self.pm, self.plugin, self._others = pm, plugin, others

    @cached_property
    def info(self) -> RegionInfo:
        return self.call("jiuzhu_region")

    @property
    def code(self) -> str:
        return self.info.code

    def call(self, hook: str, **kwargs):
        caller = self.pm.subset_hook_caller(hook, remove_plugins=self._others)
        result = caller(**kwargs)
        if result is None and hook in CONVENTIONAL:
            return self._conventional(CONVENTIONAL[hook])
        return result

    def _conventional(self, name: str) -> Path | None:
        module_file = getattr(self.plugin, "__file__", None)
        if module_file:
            path = Path(module_file).parent / name
            if path.exists():
                return path
        return None


class Host:
    def __init__(self, pm: pluggy.PluginManager, regions: list[object]):
        self.pm = pm
        self._plugins = regions

    @cached_property
    def regions(self) -> dict[str, Region]:
        out = {}
        for p in self._plugins:
            r = Region(self.pm, p, [q for q in self._plugins if q is not p])
            info = r.info
            if not isinstance(info, RegionInfo):
                raise JiuzhuError(f"plugin {self.pm.get_name(p)}: jiuzhu_region() must return a RegionInfo")
            out[info.code] = r
        return out

    def region(self, code: str) -> Region:
        try:
            return self.regions[code]
        except KeyError:
            raise UnknownRegion(code, list(self.regions)) from None

    def chain(self, code: str) -> list[Region]:
        """Root first: ['guangan', 'wusheng'] for Wusheng."""
        out, seen = [], set()
        r = self.region(code)
        while r is not None:
            if r.code in seen:
                raise JiuzhuError(f"region {code}: parent regions form a cycle")
            seen.add(r.code)
            out.append(r)
            r = self.regions.get(r.info.parent) if r.info.parent else None
        return out[::-1]


def make_host(extra: list[object] | None = None, load_entrypoints: bool = True) -> Host:
    """Build a host: add specs, load the entry-point group (less what is blocked), add ``extra``."""
    pm = pluggy.PluginManager("jiuzhu")
    pm.add_hookspecs(hookspecs)
    blocked = {b.strip() for b in os.environ.get("JIUZHU_BLOCK_PLUGINS", "").split(",") if b.strip()}
    regions: list[object] = []
    if load_entrypoints:
        for ep in sorted(entry_points(group=GROUP), key=lambda e: e.name):
            if ep.name in blocked or pm.get_plugin(ep.name) is not None:
                continue
            try:
                obj = ep.load()
            except Exception as exc:  # a broken third-party region must not take the others down
                print(f"jiuzhu: region plugin {ep.name!r} failed to load: {type(exc).__name__}: "
                      f"{one_line(exc, 200)}", file=sys.stderr)
                continue
            pm.register(obj, name=ep.name)
            regions.append(obj)
        for ep in entry_points(group=EXTENSIONS):
            if ep.name not in blocked:
                pm.register(ep.load(), name=ep.name)
    for obj in extra or []:
        pm.register(obj)
        regions.append(obj)
    pm.check_pending()
    if os.environ.get("JIUZHU_TRACE_PLUGINS"):
        enable_trace(pm)
    return Host(pm, regions)


def _kind(v) -> str:
    return type(v).__name__


def enable_trace(pm: pluggy.PluginManager, write=None) -> None:
    """Trace hook calls as ``hook(arg=Type, …) ← plugin, … → Result`` lines (types only, no data)."""
    import time
    write = write or (lambda line: print(line, file=sys.stderr))
    started: list[float] = []

    def before(hook_name, impls, kwargs):
        started.append(time.perf_counter())
        args = ", ".join(f"{k}={_kind(v)}" for k, v in kwargs.items())
        who = ", ".join(pm.get_name(i.plugin) or "?" for i in impls)
        write(f"jiuzhu trace: {hook_name}({args}) ← {who}")

    def after(outcome, hook_name, impls, kwargs):
        ms = (time.perf_counter() - started.pop()) * 1000 if started else 0.0
        exc = outcome.exception
        got = f"raised {_kind(exc)}" if exc is not None else _kind(outcome.get_result())
        write(f"jiuzhu trace: {hook_name} → {got} ({ms:.1f} ms)")

    pm.add_hookcall_monitoring(before, after)


_default: Host | None = None


def default_host() -> Host:
    global _default
    if _default is None:
        _default = make_host()
    return _default
