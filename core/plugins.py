"""The plugin host: a thin pluggy manager built on demand, never at import time.

Regions are discovered through the ``jiuzhu.regions`` entry-point group; the built-in five
register there exactly as a third-party package would. ``JIUZHU_BLOCK_PLUGINS`` (comma list)
keeps entry points out: an entry-point name (``moumou``), a distribution (``jiuzhu-moumou``) or
both (``jiuzhu-moumou:wusheng``). ``JIUZHU_TRACE_PLUGINS=1`` traces hook calls to stderr: which
hook, which plugins answered, the argument and result *types* and the time taken — never the
values, which hold the person's name, ID number and diagnoses.

A region that fails — its module does not import, it implements a hook no spec knows, its
``jiuzhu_region()`` raises or answers the wrong type, another distribution declares the same
code — is *broken*: it is listed with one line saying why (:attr:`Host.broken`) and every other
region keeps working. A hook that raises during evaluation becomes a :class:`RegionFault`
naming the region and the hook.
"""

from __future__ import annotations

import datetime as dt
import inspect
import os
import re
import sys
from functools import cached_property
from importlib.metadata import entry_points
from pathlib import Path

import pluggy

from jiuzhu import hookspecs
from jiuzhu.model.errors import JiuzhuError, UnknownRegion
from jiuzhu.model.redact import one_line
from jiuzhu.model.region import Program, RegionInfo, SourceDocument

GROUP = "jiuzhu.regions"
# What a plugin's code may raise that must not end the process: a module that calls sys.exit while
# imported takes only itself down. (KeyboardInterrupt is the user's and still stops jiuzhu.)
PLUGIN_ERRORS = (Exception, SystemExit)
# Files a region keeps beside its module; a region that does not implement the hook gets these.
CONVENTIONAL = {"jiuzhu_parameters": "parameters.toml", "jiuzhu_rules": "rules.toml",
                "jiuzhu_templates": "templates", "jiuzhu_examples": "examples"}
EXTENSIONS = "jiuzhu.plugins"
CODE = re.compile(r"^[a-z][a-z0-9_]{1,30}$")


class RegionFault(JiuzhuError):
    """A region plugin failed (a hook raised or answered the wrong type): the region's code is at
    fault, not the user's input. One line naming the region and the hook."""

    exit_code = 1


class BrokenRegion(JiuzhuError):
    """The region asked for is installed but cannot be used (see :attr:`Host.broken`)."""


def first_line(exc: BaseException, personal: tuple[str, ...] = ()) -> str:
    """The exception as one bounded line, ID numbers masked and the case's ``personal`` strings
    (name, contacts' names, diagnoses) starred: a plugin's message may quote the case."""
    try:
        text = str(exc)
    except Exception:  # an exception whose __str__ fails still names its type
        text = ""
    for value in sorted(personal, key=len, reverse=True):
        text = text.replace(value, "***")
    text = one_line(text, 200)
    return f"{type(exc).__name__}: {text}" if text else type(exc).__name__


def personal_strings(case) -> tuple[str, ...]:
    """The personal data of a case a plugin's error message could quote (ID numbers are masked anyway)."""
    person = getattr(case, "person", None)
    if person is None:
        return ()
    contacts = [person.guardian, person.caregiver, *person.agents]
    out = [person.name, person.id_number, *(c.name for c in contacts if c is not None)]
    out += list(getattr(getattr(case, "episode", None), "diagnoses", ()))
    return tuple(v for v in out if isinstance(v, str) and len(v) > 1)


def _norm(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def check_info(info: object, where: str) -> str:
    """Why ``info`` is not a usable RegionInfo ("" when it is): the field at fault and what was expected."""
    if not isinstance(info, RegionInfo):
        return f"{where} returned {type(info).__name__}, expected RegionInfo"
    if not isinstance(info.code, str) or not CODE.match(info.code):
        return f"{where} field code: expected lower-case letters, digits or _ (e.g. moumou), got {info.code!r}"
    for f in ("name_zh", "name_en", "division"):
        if not isinstance(getattr(info, f), str):
            return f"{where} field {f}: expected a string, got {type(getattr(info, f)).__name__}"
    if not isinstance(info.documents, tuple) or not info.documents \
            or not all(isinstance(d, SourceDocument) for d in info.documents):
        return f"{where} field documents: expected a non-empty tuple of SourceDocument"
    for i, d in enumerate(info.documents):  # `jiuzhu regions` and every citation read these
        for f in ("number", "title", "issuer", "status"):
            if not isinstance(getattr(d, f), str) or (f == "number" and not d.number):
                return f"{where} field documents[{i}].{f}: expected a string, got {getattr(d, f)!r}"
        for f in ("issued", "effective_from", "effective_to"):
            v = getattr(d, f)
            if v is not None and (not isinstance(v, dt.date) or isinstance(v, dt.datetime)):
                return f"{where} field documents[{i}].{f}: expected a date or None, got {v!r}"
    if info.parent is not None and (not isinstance(info.parent, str) or not CODE.match(info.parent)):
        return f"{where} field parent: expected a region code or None, got {info.parent!r}"
    if info.date_basis not in ("admission", "discharge"):
        return f"{where} field date_basis: expected 'admission' or 'discharge', got {info.date_basis!r}"
    return ""


_PATH_HOOKS = {"jiuzhu_rules", "jiuzhu_templates", "jiuzhu_examples"}


class Region:
    """One region plugin and its hooks, called without the other regions' implementations."""

    def __init__(self, pm: pluggy.PluginManager, plugin: object, others: list[object], name: str = "",
                 dist: str = ""):
        self.pm, self.plugin, self._others = pm, plugin, others
        self.name = name or pm.get_name(plugin) or ""  # the entry-point name
        self.dist = dist  # the distribution that declares it
        # one caller per hook: pluggy's subset caller follows later registrations by itself, and building
        # it on every call cost a tenth of a batch decision
        self._callers: dict[str, object] = {}

    @cached_property
    def info(self) -> RegionInfo:
        info = self.call("jiuzhu_region")
        problem = check_info(info, f"region plugin {self.name!r}: jiuzhu_region()")
        if problem:
            raise RegionFault(problem)
        return info

    @property
    def code(self) -> str:
        return self.info.code

    @property
    def label(self) -> str:
        """How messages name the region before and after its info is known."""
        info = self.__dict__.get("info")
        return info.code if info is not None else self.name

    @cached_property
    def declares_programs(self) -> bool:
        """Whether the region implements ``jiuzhu_programs`` (regions written before it existed do not)."""
        return any(impl.plugin is self.plugin for impl in self.pm.hook.jiuzhu_programs.get_hookimpls())

    @cached_property
    def programs(self) -> tuple[Program, ...]:
        """The programmes the region's annual caps count in (``jiuzhu_programs``; none if not implemented)."""
        got = self.call("jiuzhu_programs") or ()
        if not isinstance(got, (list, tuple)):
            raise RegionFault(f"region {self.code}: jiuzhu_programs returned {type(got).__name__}, "
                              f"expected a list of Program")
        seen = set()
        for i, p in enumerate(got):
            if not isinstance(p, Program):
                raise RegionFault(f"region {self.code}: jiuzhu_programs returned {type(got).__name__} with item "
                                  f"[{i}]: expected Program, got {type(p).__name__}")
            if p.id in seen:
                raise RegionFault(f"region {self.code}: jiuzhu_programs declares programme {p.id!r} twice")
            seen.add(p.id)
        return tuple(got)

    def call(self, hook: str, **kwargs):
        caller = self._callers.get(hook)
        if caller is None:
            caller = self._callers[hook] = self.pm.subset_hook_caller(hook, remove_plugins=self._others)
        try:
            result = caller(**kwargs)
        except JiuzhuError as exc:
            # the region's own one-line errors (a missing deployment parameter …) pass as they are, marked
            # as this region's: a batch over many regions fails only this one's column
            exc.raised_by_region = self.label
            raise
        except PLUGIN_ERRORS as exc:  # the region's code failed: name it, never a traceback
            why = first_line(exc, personal_strings(kwargs.get("case")))
            raise RegionFault(f"region {self.label}: {hook} raised {why}") from exc
        if result is None and hook in CONVENTIONAL:
            return self._conventional(CONVENTIONAL[hook])
        if hook in _PATH_HOOKS and result is not None and not isinstance(result, (str, Path)):
            raise RegionFault(f"region {self.label}: {hook} returned {type(result).__name__}, expected a path or None")
        if hook == "jiuzhu_parameters" and result is not None and not isinstance(result, (str, Path, dict)):
            raise RegionFault(f"region {self.label}: {hook} returned {type(result).__name__}, "
                              f"expected a path to parameters.toml or a table")
        return result

    def _conventional(self, name: str) -> Path | None:
        module_file = getattr(self.plugin, "__file__", None)
        if module_file:
            path = Path(module_file).parent / name
            if path.exists():
                return path
        return None


class Host:
    """The installed regions, those that work and those that are broken.

    ``failures`` are plugins that could not even be registered ({entry-point name: (distribution,
    why)}); :attr:`broken` adds regions whose identity fails and codes declared twice.
    """

    def __init__(self, pm: pluggy.PluginManager, regions: list[object],
                 failures: dict[str, tuple[str, str]] | None = None, dists: dict[int, tuple[str, str]] | None = None,
                 extension_failures: dict[str, str] | None = None):
        self.pm = pm
        self._plugins = regions
        self.failures = dict(failures or {})
        self._dists = dists or {}
        self.extension_failures = dict(extension_failures or {})

    @cached_property
    def _index(self) -> tuple[dict[str, Region], dict[str, str]]:
        ok: dict[str, list[Region]] = {}
        broken = {name: why for name, (_dist, why) in self.failures.items()}
        for p in self._plugins:
            dist, name = self._dists.get(id(p), ("", ""))
            r = Region(self.pm, p, [q for q in self._plugins if q is not p], name=name, dist=dist)
            try:
                code = r.info.code
            except JiuzhuError as exc:
                broken[r.name] = str(exc)
                continue
            ok.setdefault(code, []).append(r)
        regions = {}
        for code, rs in ok.items():
            if len(rs) == 1:
                regions[code] = rs[0]
                continue
            choose = " or ".join(f"JIUZHU_BLOCK_PLUGINS={r.dist}:{r.name}" for r in rs if r.dist)
            if len({r.dist for r in rs}) == 1 and rs[0].dist:  # one package's entry-point table names it twice
                who = f"twice by {rs[0].dist} (entry points {' and '.join(r.name for r in rs)})"
            else:
                who = "by two distributions: " + " and ".join(
                    f"{r.dist or 'a directly registered plugin'} (entry point {r.name})" for r in rs)
            broken[code] = f"region {code} is declared {who}; keep one out with {choose or 'JIUZHU_BLOCK_PLUGINS'}"
        return regions, broken

    @property
    def regions(self) -> dict[str, Region]:
        """The working regions by code."""
        return self._index[0]

    @property
    def broken(self) -> dict[str, str]:
        """{region code or entry-point name: one line saying why it cannot be used}."""
        return self._index[1]

    def register_commands(self, cli) -> list[str]:
        """Let each extension add its commands; return one line per extension that failed (its
        import, or its ``jiuzhu_register_commands`` raising), so the core commands always work."""
        out = list(self.extension_failures.values())
        core = dict(getattr(cli, "commands", {}))  # jiuzhu's own commands: an extension adds, never replaces
        for impl in self.pm.hook.jiuzhu_register_commands.get_hookimpls():
            try:
                impl.function(**{a: cli for a in impl.argnames if a == "cli"})
            except PLUGIN_ERRORS as exc:
                out.append(f"extension {impl.plugin_name!r}: jiuzhu_register_commands raised {first_line(exc)}")
            for name, command in core.items():
                if cli.commands.get(name) is not command:
                    cli.commands[name] = command
                    out.append(f"extension {impl.plugin_name!r}: jiuzhu_register_commands replaced the jiuzhu "
                               f"command {name}; the extension's is ignored (give it another name)")
        return out

    def status(self) -> list[tuple[str, Region | None, str]]:
        """Every installed region, working or not: (code, region or None, "" or why it cannot be used)."""
        rows = [(code, r, self.problem(code)) for code, r in self.regions.items()]
        rows += [(code, None, why) for code, why in self.broken.items()]
        return sorted(rows, key=lambda row: row[0])

    def problem(self, code: str) -> str:
        """Why a working region still cannot be evaluated with its parents ("" when it can)."""
        try:
            self.chain(code)
        except JiuzhuError as exc:
            return str(exc)
        return ""

    def region(self, code: str) -> Region:
        try:
            return self.regions[code]
        except KeyError:
            if code in self.broken:
                why = self.broken[code]
                raise BrokenRegion(why if why.startswith(f"region {code}") else f"region {code}: {why}") from None
            raise UnknownRegion(code, list(self.regions)) from None

    def chain(self, code: str) -> list[Region]:
        """Root first: ['guangan', 'wusheng'] for Wusheng. A parent that is not installed is an error."""
        out, seen = [], set()
        r = self.region(code)
        while r is not None:
            if r.code in seen:
                raise JiuzhuError(f"region {code}: parent regions form a cycle")
            seen.add(r.code)
            out.append(r)
            parent = r.info.parent
            if not parent:
                break
            if parent not in self.regions:
                if parent in self.broken:
                    raise BrokenRegion(f"region {r.code}: parent region {parent!r} is broken: {self.broken[parent]}")
                raise JiuzhuError(f"region {r.code}: parent region {parent!r} is not installed; install it, or set "
                                  f"compose_parents = false in jiuzhu.toml (installed: {', '.join(sorted(self.regions))})")
            r = self.regions[parent]
        return out[::-1]


def _blocked(ep, dist: str, blocked: set[str]) -> bool:
    return ep.name in blocked or (dist and (_norm(dist) in blocked or f"{_norm(dist)}:{ep.name}" in blocked))


def _dist_name(ep) -> str:
    d = getattr(ep, "dist", None)
    return d.metadata["Name"] if d is not None and d.metadata["Name"] else ""


def _unknown_hooks(pm: pluggy.PluginManager, plugin: object) -> list[str]:
    return sorted(hc.name for hc in (pm.get_hookcallers(plugin) or [])
                  if not hc.has_spec() and any(not i.optionalhook for i in hc.get_hookimpls() if i.plugin is plugin))


def _misnamed_arguments(pm: pluggy.PluginManager, obj: object) -> str:
    """A hook implementation asking for an argument its specification does not give (pluggy's
    PluginValidationError, said in one line): "" when there is none."""
    for name in dir(obj):
        caller = getattr(pm.hook, name, None)
        if not name.startswith("jiuzhu_") or caller is None or caller.spec is None:
            continue
        impl = getattr(obj, name, None)
        if not callable(impl) or pm.parse_hookimpl_opts(obj, name) is None:
            continue
        try:
            args = [p.name for p in inspect.signature(impl).parameters.values()
                    if p.default is inspect.Parameter.empty]
        except (TypeError, ValueError):
            continue
        extra = [a for a in args if a not in caller.spec.argnames]
        if extra:
            return (f"{name} takes argument(s) {', '.join(extra)}, which its specification does not give "
                    f"(it gives: {', '.join(caller.spec.argnames) or 'nothing'}; see jiuzhu.hookspecs)")
    return ""


def _register(pm: pluggy.PluginManager, obj: object, name: str | None) -> str:
    """Register one plugin; return why it cannot be ("" when it is registered)."""
    try:
        pm.register(obj, name=name)
    except Exception as exc:  # pluggy's validation: a hook implementation with arguments no spec has
        return f"not registered: {_misnamed_arguments(pm, obj) or first_line(exc)}"
    unknown = _unknown_hooks(pm, obj)
    if unknown:
        pm.unregister(obj)
        return (f"implements {', '.join(unknown)}, which no hook specification defines (a misspelt hook name? "
                f"see jiuzhu.hookspecs)")
    return ""


def make_host(extra: list[object] | None = None, load_entrypoints: bool = True) -> Host:
    """Build a host: add specs, load the entry-point group (less what is blocked), add ``extra``."""
    pm = pluggy.PluginManager("jiuzhu")
    pm.add_hookspecs(hookspecs)
    blocked = {_norm(b.strip()) if ":" not in b else ":".join((_norm(b.split(":")[0].strip()), b.split(":")[1].strip()))
               for b in os.environ.get("JIUZHU_BLOCK_PLUGINS", "").split(",") if b.strip()}
    regions: list[object] = []
    failures: dict[str, tuple[str, str]] = {}
    dists: dict[int, tuple[str, str]] = {}  # id(plugin) -> (distribution, entry-point name)
    ext_failures: dict[str, str] = {}
    if load_entrypoints:
        seen: dict[str, str] = {}
        for ep in sorted(entry_points(group=GROUP), key=lambda e: (e.name, _dist_name(e))):
            dist = _dist_name(ep)
            if _blocked(ep, dist, blocked):
                continue
            if ep.name in seen and seen[ep.name] != dist:
                # the same entry-point name from two distributions: register both and let the codes collide
                name = f"{ep.name}@{dist}"
            elif ep.name in seen:
                continue  # one distribution seen twice on the path
            else:
                name = ep.name
            seen.setdefault(ep.name, dist)
            try:
                obj = ep.load()
            except PLUGIN_ERRORS as exc:  # a broken third-party region must not take the others down
                failures[ep.name] = (dist, f"region plugin {ep.name!r} ({dist or 'unknown distribution'}) failed to "
                                           f"import: {first_line(exc)}")
                continue
            if pm.is_registered(obj):
                continue
            why = _register(pm, obj, name)
            if why:
                failures[ep.name] = (dist, f"region plugin {ep.name!r} ({dist or 'unknown distribution'}) {why}")
                continue
            regions.append(obj)
            dists[id(obj)] = (dist, ep.name)
        for ep in entry_points(group=EXTENSIONS):
            if _blocked(ep, _dist_name(ep), blocked):
                continue
            try:
                obj = ep.load()
                why = _register(pm, obj, ep.name)
            except PLUGIN_ERRORS as exc:
                why = f"failed to import: {first_line(exc)}"
            if why:
                ext_failures[ep.name] = f"extension {ep.name!r} ({_dist_name(ep) or 'unknown distribution'}) {why}"
    for obj in extra or []:
        why = _register(pm, obj, None)
        if why:
            failures[getattr(obj, "__name__", None) or type(obj).__name__] = ("", why)
            continue
        regions.append(obj)
    pm.check_pending()  # every remaining implementation has a spec: the offenders were unregistered above
    if os.environ.get("JIUZHU_TRACE_PLUGINS"):
        enable_trace(pm)
    return Host(pm, regions, failures, dists, ext_failures)


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
