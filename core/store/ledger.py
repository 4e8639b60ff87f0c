"""The settlement ledger (结算台账): jiuzhu as the system of record for what it decided.

:meth:`Store.settle` evaluates a case with the year-to-date *derived from the ledger* and records
the settlement in one transaction; the same key with the same content is a replay, with other
content a conflict. Each settlement first locks its person-year (``person_years`` row), so
concurrent settlements for one person never exceed a cap. A reversal (冲正) is its own row: the
original stays, its amounts leave the year-to-date.

The year a settlement counts in is the year of the date the rules in force are chosen by (the
region's date basis: admission, or discharge), as in the batch path; the ledger month is the
settlement date (discharge, else admission), as in :mod:`jiuzhu.paperwork.ledger`.
"""

from __future__ import annotations

import datetime as dt
import functools
import hashlib
import json
import time
import unicodedata
from typing import Callable

import attrs
import sqlalchemy as sa
from sqlalchemy import exc as sa_exc

from jiuzhu.model import idcard
from jiuzhu.model.case import Case, History
from jiuzhu.model.errors import InputError
from jiuzhu.store import db
from jiuzhu.store.db import StoreError, shown
from jiuzhu.store.schema import parameter_sets, person_years, reversals, settlements


class AlreadyReversed(InputError):
    """The settlement is already reversed (found under the person-year's lock)."""

    def __init__(self, key: str):
        self.key = key
        super().__init__("key", key, "already reversed")


class SettlementConflict(InputError):
    """The same key was settled with different content: never a second payment."""

    def __init__(self, key: str):
        self.key = key
        super().__init__("key", key, "already settled with different content; a key is paid once "
                                     "(reverse the settlement and settle the corrected case under a new key)")


def mask_id(id_number: str) -> str:
    """210421********0336: region and last four digits only (GUIDE: personal data)."""
    return id_number[:6] + "*" * max(0, len(id_number) - 10) + id_number[-4:] if len(id_number) > 10 else "*" * len(id_number)


@attrs.define(eq=False)
class Settlement:
    key: str
    replay: bool
    outcome_json: dict
    region: str
    chain: tuple[str, ...]
    facility_code: str
    facility_name: str
    id_number: str
    name: str
    year: int
    settled_on: dt.date
    recorded_at: dt.datetime
    actor: str | None
    reversed: bool
    paid: int
    assistance: int
    programs: dict  # (program region, programme) -> fen this settlement added
    ytd: dict  # the year-to-date the evaluation used (programme -> fen)
    admissions: int  # earlier settlements of the person-year the evaluation was told of
    params_hash: str
    versions: dict
    case_json: dict
    _outcome: object = None
    _rebuild: Callable | None = None

    @property
    def outcome(self):
        """The jiuzhu Outcome. For a stored settlement it is reproduced by evaluating the recorded case
        with the recorded year-to-date; a mismatch with the recorded amounts is an error."""
        if self._outcome is None and self._rebuild is not None:
            self._outcome = self._rebuild(self)
        return self._outcome

    @property
    def case(self) -> Case:
        from jiuzhu.io.loader import structure_case
        return structure_case(self.case_json)

    def to_dict(self, mask: bool = True) -> dict:
        return {"key": self.key, "replay": self.replay, "region": self.region, "chain": list(self.chain),
                "facility_code": self.facility_code, "facility_name": self.facility_name,
                "id_number": mask_id(self.id_number) if mask else self.id_number, "year": self.year,
                "settled_on": self.settled_on.isoformat(), "recorded_at": self.recorded_at.isoformat(),
                "actor": self.actor, "reversed": self.reversed, "paid_fen": self.paid,
                "assistance_fen": self.assistance, "ytd_before_fen": dict(self.ytd),
                "programs_fen": {f"{r}.{p}": v for (r, p), v in self.programs.items()},
                "params_hash": self.params_hash, "versions": self.versions, "outcome": self.outcome_json}


def _moves_segments(progs: dict, host) -> bool:
    """Did a settlement add to a running total that layers' segments start from (``Program.segmented``, or a
    programme of costs rather than payments: measure ``base`` or ``bill``)? ``progs``: its programmes_json."""
    from jiuzhu.plugins import BrokenRegion, RegionFault
    for preg, per in progs.items():
        if preg not in host.regions or not any(v.get("amount") for v in per.values()):
            continue
        try:
            declared = {p.id: p for p in host.region(preg).programs}
        except (BrokenRegion, RegionFault):
            return True  # cannot tell: review every later settlement rather than miss one
        for prog, v in per.items():
            p = declared.get(prog)
            if v.get("amount") and p is not None and (p.segmented or p.measure != "amount"):
                return True
    return False


@attrs.frozen
class Reversal:
    key: str
    reason: str
    recorded_at: dt.datetime
    actor: str | None
    # later settlements of the person-year whose cap bound (all later ones after a running total moved): to review
    review: tuple[str, ...]


@attrs.frozen
class ProgramUsage:
    region: str
    program: str
    name_zh: str
    name_en: str
    paid: int
    settlements: tuple[str, ...]
    cap: int | None  # the cap in the latest settlement that applied one
    measure: str = "amount"

    @property
    def left(self) -> int | None:
        return None if self.cap is None else max(0, self.cap - self.paid)

    def to_dict(self) -> dict:
        return {"region": self.region, "program": self.program, "name_zh": self.name_zh, "name_en": self.name_en,
                "measure": self.measure, "paid_fen": self.paid, "settlements": list(self.settlements),
                "cap_fen": self.cap, "left_fen": self.left}


@attrs.frozen
class Usage:
    id_number: str
    year: int
    programs: tuple[ProgramUsage, ...]

    def to_dict(self, mask: bool = False) -> dict:
        return {"id_number": mask_id(self.id_number) if mask else self.id_number, "year": self.year,
                "programs": [p.to_dict() for p in self.programs]}


def _now() -> dt.datetime:
    return dt.datetime.now(dt.timezone.utc)


def _canonical(obj) -> str:
    return json.dumps(obj, ensure_ascii=False, sort_keys=True, separators=(",", ":"), default=str)


def params_hash(engine, chain: list[str], day: dt.date | list[dt.date]) -> str:
    """sha256 of every parameter value in force for each region of the chain (on ``day``, or on
    each region's own day), as recorded in ``parameter_sets``."""
    from jiuzhu.store.params import recorded
    days = day if isinstance(day, list) else [day] * len(chain)
    return recorded(engine, chain, days)[0]


RETRIES = 20

# The widths of the ledger's text columns (schema.py): a longer value is refused before anything is
# written, on SQLite (which would store it) as on PostgreSQL (which would fail mid-transaction).
COLUMN_CHARS = {"key": settlements.c.key.type.length, "person.name": settlements.c.name.type.length,
                "facility.name": settlements.c.facility_name.type.length,
                "facility.code": settlements.c.facility_code.type.length, "actor": settlements.c.actor.type.length}


def fit(field: str, value: str | None, limit: int | None) -> None:
    """One line naming the field when ``value`` cannot be stored: too long, or a control character
    (PostgreSQL text holds no NUL; a key or name with a line break would forge ledger lines)."""
    if value is None:
        return
    if limit is not None and len(value) > limit:
        raise InputError(field, value, f"at most {limit} characters ({len(value)} given)")
    for ch in value:
        if field == "reason" and ch in ("\n", "\t"):
            continue
        if _control(ch) or (field == "key" and unicodedata.category(ch) == "Cf"):
            raise InputError(field, value, "no control characters (NUL, line breaks) in a ledger value"
                             + ("; a key is one line of visible text" if field == "key" else ""))
    if field == "key" and not value.strip():
        raise InputError(field, value, "a key of visible text (the slip's setl_id or the case id)")


def _control(ch: str) -> bool:
    """C0, DEL, C1 (NEL included) and the Unicode line and paragraph separators: what breaks a line."""
    o = ord(ch)
    return o < 32 or 0x7F <= o <= 0x9F or ch in ("\u2028", "\u2029")


class Store:
    """A settlement ledger in a database. ``Store.open(url)`` refuses a database whose schema is
    missing or not at the head revision unless ``upgrade=True``."""

    def __init__(self, engine: sa.Engine, url: str):
        self.engine, self.url = engine, url
        self.default_engine = None  # a jiuzhu Engine to reproduce stored outcomes (set by settle)
        self._stmts: dict = {}  # dialect -> the lock-and-read statement
        self._stored_params: set[str] = set()  # parameter-set hashes known to be committed
        self._params_cache: dict[str, str] = {}
        # SQLite: evaluate before taking the write lock (True), under it (False), or before it when
        # other threads of the process are writing (None)
        self.optimistic: bool | None = None

    @classmethod
    def open(cls, url: str, upgrade: bool = False, source: str = "--db", pool_size: int | None = None) -> "Store":
        store = cls(db.make_engine(url, source, pool_size), url)
        have, want = db.current(store.engine), db.head()
        if have != want:
            if have is not None and not db.known(have):
                raise db.unknown_revision(url, have)
            if upgrade:
                store.upgrade()
            elif have is None and db.in_memory(store.engine):
                raise StoreError(f"database {shown(url)}: in memory, so empty in each process (no upgrade can "
                                 f"last); use a file, e.g. sqlite:///jiuzhu.db")
            elif have is None:
                raise StoreError(f"database {shown(url)}: no jiuzhu ledger schema; run `jiuzhu db upgrade --db URL`")
            else:
                raise StoreError(f"database {shown(url)}: schema at revision {have}, this jiuzhu needs {want}; "
                                 f"run `jiuzhu db upgrade --db URL`")
        return store

    def upgrade(self) -> None:
        """Create or migrate the schema to the head revision (alembic upgrade head)."""
        db.upgrade(self.engine)

    def revision(self) -> str | None:
        return db.current(self.engine)

    def close(self) -> None:
        self.engine.dispose()

    # transactions ------------------------------------------------------------------------------
    def _run(self, fn):
        """Run ``fn(conn)`` in one transaction; retry on lock timeouts, serialisation failures and
        a concurrent insert of the same key."""
        for attempt in range(RETRIES):
            try:
                with db.writer(self.engine), self.engine.begin() as conn:
                    return fn(conn)
            except sa_exc.IntegrityError:
                if attempt == RETRIES - 1:
                    raise StoreError("database: a settlement could not be recorded (integrity conflict)") from None
            except sa_exc.OperationalError as exc:
                if attempt == RETRIES - 1 or not _transient(exc):
                    raise StoreError(f"database {shown(self.url)}: {type(exc.orig).__name__} "
                                     f"({db.reason(exc)})") from None
                time.sleep(0.01 * (attempt + 1))
            except sa_exc.DBAPIError as exc:  # a value the columns cannot hold: nothing was written
                raise StoreError(f"database {shown(self.url)}: the settlement could not be recorded "
                                 f"({type(exc.orig).__name__})") from None

    def _lock_stmt(self, dialect: str):
        """Lock (creating it if new) the person-year row and read, in the same round trip, its
        year-to-date, its count of standing settlements and the content hash a key was recorded with.

        PostgreSQL: an upsert that always updates takes the row lock every settlement of this
        person-year waits on; RETURNING reads the row as locked (the newest version). The key's
        subquery reads the statement's snapshot: a same-key settlement committed while this one
        waited is caught by the key's unique index, and the retry replays it. SQLite: BEGIN IMMEDIATE
        already holds the database's write lock."""
        stmt = self._stmts.get(dialect)
        if stmt is None:
            if dialect == "postgresql":
                from sqlalchemy.dialects.postgresql import insert
            else:
                from sqlalchemy.dialects.sqlite import insert
            py = person_years
            stmt = (insert(py).values(id_number=sa.bindparam("b_idn"), year=sa.bindparam("b_year"), settlements=0,
                                      ytd_json="{}", admissions=0)
                    .on_conflict_do_update(index_elements=["id_number", "year"], set_={"settlements": py.c.settlements})
                    .returning(py.c.ytd_json, py.c.admissions,
                               sa.select(settlements.c.content_hash).where(settlements.c.key == sa.bindparam("b_key"))
                               .scalar_subquery()))
            self._stmts[dialect] = stmt
        return stmt

    def _lock(self, conn, id_number: str, year: int, key: str = ""):
        """``(ytd {region: {programme: fen}}, standing settlements, content hash of key or None)``."""
        ytd, n, have = conn.execute(self._lock_stmt(conn.dialect.name),
                                    {"b_idn": id_number, "b_year": year, "b_key": key}).one()
        return json.loads(ytd), int(n), have

    # settle ------------------------------------------------------------------------------------
    def settle(self, engine, case: Case, region: str | None = None, actor: str | None = None) -> Settlement:
        """Evaluate ``case`` with the year-to-date from the ledger and record it, atomically.

        Per settlement: one statement locks the person-year and reads its year-to-date, count and
        whether the key is known; one inserts the settlement (programmes as a JSON column, layers in
        the outcome); one writes the person-year's new year-to-date. The parameter values are
        stored once per hash."""
        from jiuzhu.io.loader import unstructure_case
        from jiuzhu.io.report import to_json
        from jiuzhu.store.params import recorded
        from jiuzhu.rules.engine import bill_columns

        key = case.bill.setl_id or case.id
        if not key:
            raise InputError("bill.setl_id", None, "missing: a settlement needs a key, the slip's setl_id "
                                                   "(结算ID) or the case id")
        fit("key", key, COLUMN_CHARS["key"])
        for field, value in (("person.name", case.person.name), ("facility.name", case.facility.name),
                             ("facility.code", case.facility.code), ("actor", actor)):
            fit(field, value, COLUMN_CHARS[field])
        if case.history.ytd or case.history.admissions:
            raise InputError("history", None, "not allowed when settling against a ledger: the ledger keeps "
                                              "the year-to-date (remove [history], or evaluate without --db)")
        code = engine.resolve_region(case, region)
        chain = [r.code for r in engine.chain(code)]
        days = [engine.day_for(case, c, None) for c in chain]
        day = days[-1]
        year = day.year
        case_json = unstructure_case(case)
        case_text = _canonical(case_json)
        content = hashlib.sha256(('{"case":' + case_text + ',"region":' + json.dumps(code, ensure_ascii=False)
                                  + "}").encode()).hexdigest()  # = sha256(_canonical({"case": …, "region": …}))
        programs = engine.programs(code)
        phash, ptext = recorded(engine, chain, days)
        self.default_engine = self.default_engine or engine
        idn = case.person.id_number  # the person key, in its one spelling (Person.id_number: ...x is ...X)

        def evaluate(have: dict, earlier: int):
            """Everything a settlement writes, from a person-year state ``(have, earlier)``: pure CPU,
            done before the lock is taken (and again under it only if the state moved meanwhile)."""
            start = (have, earlier)
            have = {preg: dict(per) for preg, per in have.items()}
            ytd = {}
            for preg, prog in programs:
                if prog.id in have.get(preg, {}):
                    ytd[prog.id] = ytd.get(prog.id, 0) + have[preg][prog.id]
            outcome = engine.evaluate(attrs.evolve(case, history=History(dict(ytd), earlier)), code)
            st = outcome.settlement
            out_json = to_json(outcome)
            versions = {"jiuzhu": _version(), **{c: engine.host.region(c).info.version for c in chain}}
            counted, progs_json, bound = {}, {}, False
            cols = bill_columns(case)
            for preg, prog in programs:
                capped = [l for l in st.layers if l.annual_cap is not None and l.program == prog.id]
                amount = prog.counted(st.layers, cols)
                hit = any(l.binding == "annual_cap" for l in capped)
                counted[(preg, prog.id)] = amount
                progs_json.setdefault(preg, {})[prog.id] = {
                    "amount": amount, "cap": capped[-1].annual_cap if capped else None, "bound": hit}
                bound = bound or hit
                if amount:
                    per = have.setdefault(preg, {})
                    per[prog.id] = per.get(prog.id, 0) + amount
            row = {
                "key": key, "content_hash": content, "region": code, "chain": ",".join(chain), "id_number": idn,
                "name": case.person.name, "facility_code": case.facility.code,
                "facility_name": case.facility.name, "year": year, "day": day, "admitted": case.episode.admitted,
                "discharged": case.episode.discharged, "settled_on": case.episode.day, "recorded_at": None,
                "actor": actor, "total": st.total, "paid": st.paid, "assistance": st.assistance,
                "case_json": case_text, "ytd_json": _canonical({"ytd": ytd, "admissions": earlier}),
                "outcome_json": json.dumps(out_json, ensure_ascii=False, separators=(",", ":"), default=str),
                "jiuzhu_version": versions["jiuzhu"], "plugins_json": _canonical({c: versions[c] for c in chain}),
                "params_hash": phash, "programs_json": _canonical(progs_json), "bound": bound}
            return start, row, _canonical(have), (out_json, st, counted, ytd, versions, outcome)

        # SQLite (one write lock for the whole file), when other threads of this process are writing:
        # optimistic. Read the person-year without any lock and evaluate; under the lock the state is
        # read again and, if another settlement of this person-year committed meanwhile, evaluated
        # again with it, so what is written is always computed from the state read under the lock,
        # and the lock is held for the writes only. A lone writer (the CLI, a batch) saves the extra
        # read and evaluates under the lock. PostgreSQL locks the person-year row alone: evaluating
        # under it delays nobody else, and saves the extra round trip.
        early = None
        if self.engine.dialect.name == "sqlite" and (self.optimistic or
                                                     (self.optimistic is None and db.writer_busy(self.engine))):
            try:
                with db.reading(self.engine) as conn:
                    seen_ytd, seen_n, seen_key = conn.execute(_PY_READ, {"b_idn": idn, "b_year": year,
                                                                         "b_key": key}).one()
            except sa_exc.DBAPIError as exc:  # the same one line as a failure under the lock
                raise StoreError(f"database {shown(self.url)}: {type(exc.orig).__name__} "
                                 f"({db.reason(exc)})") from None
            if seen_key is not None and seen_key != content:
                raise SettlementConflict(key)  # a recorded key's content never changes
            if seen_key is None:
                early = evaluate(json.loads(seen_ytd or "{}"), int(seen_n or 0))

        def work(conn):
            have, earlier, known = self._lock(conn, idn, year, key)
            if known is not None:
                if known != content:
                    raise SettlementConflict(key)
                row = conn.execute(sa.select(settlements).where(settlements.c.key == key)).mappings().one()
                return self._from_row(conn, row, replay=True, engine=engine)
            done = early if early is not None and early[0] == (have, earlier) else evaluate(have, earlier)
            _state, row, have_text, (out_json, st, counted, ytd, versions, outcome) = done
            now = _now()
            if phash not in self._stored_params:
                self._put_params(conn, phash, ptext)
            conn.execute(settlements.insert(), row | {"recorded_at": now})
            conn.execute(_PY_ADD, {"b_idn": idn, "b_year": year, "b_ytd": have_text, "b_n": 1})
            return Settlement(key, False, out_json, code, tuple(chain), case.facility.code, case.facility.name,
                              idn, case.person.name, year, case.episode.day, now, actor, False,
                              st.paid, st.assistance, counted, ytd, earlier, phash, versions,
                              case_json, outcome)

        res = self._run(work)
        self._stored_params.add(phash)  # committed (or already there): no need to offer it again
        return res

    def _put_params(self, conn, phash: str, text: str) -> None:
        if conn.dialect.name == "postgresql":
            from sqlalchemy.dialects.postgresql import insert
        else:
            from sqlalchemy.dialects.sqlite import insert
        conn.execute(insert(parameter_sets).values(hash=phash, values_json=text)
                     .on_conflict_do_nothing(index_elements=["hash"]))

    # reading -----------------------------------------------------------------------------------
    _REVERSED = sa.exists().where(reversals.c.settlement_id == settlements.c.id).label("reversed_")

    def _from_row(self, conn, row, replay: bool = False, engine=None) -> Settlement:
        if "reversed_" in row:
            rev = bool(row["reversed_"])
        else:
            rev = conn.execute(sa.select(reversals.c.id).where(reversals.c.settlement_id == row["id"])).first() is not None
        progs = {(r, p): int(v["amount"]) for r, per in json.loads(row["programs_json"]).items() for p, v in per.items()}
        versions = {"jiuzhu": row["jiuzhu_version"], **json.loads(row["plugins_json"])}
        hist = json.loads(row["ytd_json"])
        recorded = row["recorded_at"]
        if recorded.tzinfo is None:
            recorded = recorded.replace(tzinfo=dt.timezone.utc)
        return Settlement(row["key"], replay, json.loads(row["outcome_json"]), row["region"],
                          tuple(row["chain"].split(",")), row["facility_code"], row["facility_name"],
                          row["id_number"], row["name"], row["year"], row["settled_on"], recorded, row["actor"],
                          rev, int(row["paid"]), int(row["assistance"]), progs,
                          hist["ytd"], hist["admissions"], row["params_hash"], versions, json.loads(row["case_json"]),
                          None, lambda s, e=engine: self._reproduce(s, e))

    def _reproduce(self, s: Settlement, engine=None):
        """The Outcome of a stored settlement, evaluated with the parameter values it was recorded with
        (settlements recorded before revision 0002 kept none: today's are used) and its recorded
        year-to-date; amounts that differ from the recorded ones are an error, never a silent change."""
        from jiuzhu.io.loader import structure_case
        from jiuzhu.store.params import recorded_engine
        eng = engine or self.default_engine
        if eng is None:
            from jiuzhu.io.config import load_config
            from jiuzhu.rules.engine import Engine
            eng = self.default_engine = Engine(deployment=load_config())
        text = self._params_text(s.params_hash)
        if text is not None:
            eng = recorded_engine(eng, text)
        case = structure_case(dict(s.case_json))
        out = eng.evaluate(attrs.evolve(case, history=History(dict(s.ytd), s.admissions)), s.region)
        if out.settlement.paid != s.paid or out.settlement.assistance != s.assistance:
            what = ("with the parameters it was recorded with (the rules changed since: versions "
                    f"{s.versions})" if text is not None else
                    f"with the parameters in force now (recorded with parameters {s.params_hash[:12]}, "
                    f"whose values a ledger before revision 0002 did not keep)")
            raise StoreError(f"settlement {s.key}: no longer reproduces {what}; use its recorded outcome_json")
        return out

    def _params_text(self, phash: str) -> str | None:
        hit = self._params_cache.get(phash)
        if hit is None:
            with db.reading(self.engine) as conn:
                hit = conn.execute(sa.select(parameter_sets.c.values_json)
                                   .where(parameter_sets.c.hash == phash)).scalar_one_or_none()
            if hit is not None:
                self._params_cache[phash] = hit
        return hit

    def get(self, key: str) -> Settlement | None:
        with db.reading(self.engine) as conn:
            row = conn.execute(sa.select(settlements, self._REVERSED).where(settlements.c.key == key)).mappings().first()
            return None if row is None else self._from_row(conn, row)

    def settlements(self, region: str, month: str, facility_code: str | None = None) -> list[Settlement]:
        """The settlements of ``region`` settled in ``month`` (YYYY-MM), reversed ones flagged, in date order."""
        from jiuzhu.paperwork.ledger import parse_month
        y, m = parse_month(month)
        start = dt.date(y, m, 1)
        end = dt.date(y + (m == 12), m % 12 + 1, 1)
        q = sa.select(settlements, self._REVERSED).where(settlements.c.region == region,
                                                         settlements.c.settled_on >= start,
                                                         settlements.c.settled_on < end)
        if facility_code is not None:
            q = q.where(settlements.c.facility_code == facility_code)
        with db.reading(self.engine) as conn:
            rows = conn.execute(q.order_by(settlements.c.settled_on, settlements.c.id)).mappings().all()
            return [self._from_row(conn, r) for r in rows]

    # reversal ----------------------------------------------------------------------------------
    def reverse(self, key: str, reason: str, actor: str | None = None) -> Reversal:
        """Record a reversal (冲正/撤销): the settlement's amounts leave the year-to-date; its row stays.
        Later settlements of the person-year whose cap bound are returned for review, not recomputed; all the
        later ones when this one added to a running total that segments start from (Guang'an's A0, GA-PAY-5)."""
        fit("key", key, COLUMN_CHARS["key"])
        if not reason or not reason.strip():
            raise InputError("reason", None, "expected the reason for the reversal (冲正原因)")
        fit("reason", reason, None)
        fit("actor", actor, COLUMN_CHARS["actor"])
        with db.reading(self.engine) as conn:
            row = conn.execute(sa.select(settlements.c.id, settlements.c.id_number, settlements.c.year,
                                         settlements.c.programs_json).where(settlements.c.key == key)).first()
        if row is None:
            raise InputError("key", key, "no settlement with this key in the ledger")
        sid, idn, year, progs = row
        from jiuzhu.plugins import default_host
        host = self.default_engine.host if self.default_engine is not None else default_host()

        def work(conn):
            have, _n, _ = self._lock(conn, idn, year)
            if conn.execute(sa.select(reversals.c.id).where(reversals.c.settlement_id == sid)).first():
                raise AlreadyReversed(key)
            now = _now()
            conn.execute(reversals.insert().values(settlement_id=sid, reason=reason.strip(), actor=actor,
                                                   recorded_at=now))
            for preg, per in json.loads(progs).items():
                for prog, v in per.items():
                    if v["amount"]:
                        have.setdefault(preg, {})[prog] = have.get(preg, {}).get(prog, 0) - v["amount"]
            conn.execute(_PY_ADD, {"b_idn": idn, "b_year": year, "b_ytd": _canonical(have), "b_n": -1})
            # a later settlement whose segments started where a running total this one added to stood (Guang'an's
            # A0, GA-PAY-5) moved with it whether a cap bound or not: every later one is to be reviewed then
            review = [] if _moves_segments(json.loads(progs), host) else [settlements.c.bound.is_(True)]
            later = conn.execute(
                sa.select(settlements.c.key).where(
                    settlements.c.id_number == idn, settlements.c.year == year, settlements.c.id > sid,
                    ~sa.exists().where(reversals.c.settlement_id == settlements.c.id), *review)
                .order_by(settlements.c.id)).scalars().all()
            return Reversal(key, reason.strip(), now, actor, tuple(later))

        return self._run(work)

    # usage -------------------------------------------------------------------------------------
    def usage(self, id_number: str, year: int, region: str | None = None, engine=None,
              today: dt.date | None = None, shown=None) -> Usage:
        """Per programme: what was paid this year, by which settlements, and what is left of the cap.

        The programmes listed: those of ``region``'s chain, else of the chains this person was settled
        in, else of the deployment's region. The cap: the one the person's latest standing settlement
        in the programme applied (it may depend on the person), else the programme's cap in the
        parameters in force (``Program.cap``) on today's date within ``year`` (its last day for a past
        year, its first for a future one)."""
        from jiuzhu.plugins import default_host
        host = engine.host if engine is not None else default_host()
        id_number = idcard.canonical(id_number)  # as settle keys the person
        with db.reading(self.engine) as conn:
            rows = conn.execute(
                sa.select(settlements.c.key, settlements.c.chain, settlements.c.programs_json, self._REVERSED,
                          settlements.c.case_json, settlements.c.region)
                .where(settlements.c.id_number == id_number, settlements.c.year == year)
                .order_by(settlements.c.id)).all()
        if region is not None:
            chains = [[r.code for r in host.chain(region)]]
        else:
            chains = [c.split(",") for c in dict.fromkeys(r[1] for r in rows)]
            if not chains and engine is not None and engine.deployment.region:
                chains = [[r.code for r in host.chain(engine.deployment.region)]]
        declared: dict[tuple[str, str], object] = {}
        for chain in chains:
            for code in chain:
                if code in host.regions:
                    for p in host.region(code).programs:
                        declared.setdefault((code, p.id), p)
        acc: dict[tuple[str, str], dict] = {k: {"paid": 0, "keys": [], "cap": None} for k in declared}
        latest = next((r[4] for r in reversed(rows) if not r[3]), None)
        for key, _chain, progs, rev, _case, where in rows:
            for preg, per in json.loads(progs).items():
                for prog, v in per.items():
                    if region is not None and (preg, prog) not in declared:
                        continue
                    a = acc.setdefault((preg, prog), {"paid": 0, "keys": [], "cap": None})
                    if rev:
                        continue
                    if v["amount"]:
                        a["paid"] += int(v["amount"])
                        if shown is None or shown(where):
                            a["keys"].append(key)
                    if v["cap"] is not None:
                        a["cap"] = int(v["cap"])
        day = min(max(today or dt.date.today(), dt.date(year, 1, 1)), dt.date(year, 12, 31))
        out = []
        for (preg, prog), a in acc.items():
            p = declared.get((preg, prog))
            if p is None and preg in host.regions:
                p = next((x for x in host.region(preg).programs if x.id == prog), None)
            cap = a["cap"]
            if cap is None and p is not None and engine is not None:
                cap = _cap_in_force(engine, preg, p, day, latest)
            out.append(ProgramUsage(preg, prog, getattr(p, "name_zh", prog), getattr(p, "name_en", prog), a["paid"],
                                    tuple(a["keys"]), cap, getattr(p, "measure", "amount")))
        return Usage(id_number, year, tuple(out))


def _cap_in_force(engine, code: str, program, day: dt.date, case_json: str | None) -> int | None:
    """The programme's annual cap in the parameters in force on ``day`` (None: no cap, the region
    does not say it without a case, or a required parameter is not set)."""
    from jiuzhu.model.errors import JiuzhuError
    if getattr(program, "cap", None) is None:
        return None
    try:
        from jiuzhu.io.loader import structure_case
        case = structure_case(json.loads(case_json)) if case_json else None
        return program.cap(engine.context(code, day), case)
    except JiuzhuError:
        return None


# the person-year's year-to-date and standing count, and the content hash of a key, read without a lock
_PY_READ = sa.select(
    sa.select(person_years.c.ytd_json).where(person_years.c.id_number == sa.bindparam("b_idn"),
                                             person_years.c.year == sa.bindparam("b_year")).scalar_subquery(),
    sa.select(person_years.c.admissions).where(person_years.c.id_number == sa.bindparam("b_idn"),
                                               person_years.c.year == sa.bindparam("b_year")).scalar_subquery(),
    sa.select(settlements.c.content_hash).where(settlements.c.key == sa.bindparam("b_key")).scalar_subquery())

# the person-year's new year-to-date and standing count, under the lock taken by Store._lock
_PY_ADD = (person_years.update()
           .where(person_years.c.id_number == sa.bindparam("b_idn"), person_years.c.year == sa.bindparam("b_year"))
           .values(ytd_json=sa.bindparam("b_ytd"), admissions=person_years.c.admissions + sa.bindparam("b_n"),
                   settlements=person_years.c.settlements + sa.case((sa.bindparam("b_n") > 0, 1), else_=0)))


def _transient(exc: sa_exc.OperationalError) -> bool:
    text = str(exc.orig).lower() if exc.orig is not None else ""
    code = getattr(exc.orig, "sqlstate", None)
    return code in ("40001", "40P01", "55P03") or "locked" in text or "busy" in text or "deadlock" in text


@functools.cache
def _version() -> str:
    from importlib.metadata import PackageNotFoundError, version
    try:
        return version("jiuzhu")
    except PackageNotFoundError:
        return "unknown"
