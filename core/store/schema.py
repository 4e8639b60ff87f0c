"""The settlement ledger's tables (SQLAlchemy Core). Migrations live in ``migrations/`` (Alembic).

Append-only: a settlement row is never updated or deleted; a reversal (冲正) is a row of its own.
Money is integer fen (BIGINT). ID numbers and names are stored because ledgers need them.

Revision 0002: what a settlement adds to each programme is a JSON column of its row
(``programs_json``; its layers are in ``outcome_json``), and the person-year row carries the running
year-to-date and the count of standing settlements, updated under the row's lock in the same
transaction as the settlement or reversal — one read and two writes per settlement. The parameter
values each settlement was evaluated with are kept once per hash (``parameter_sets``), so a past
month's ledger is rebuilt with what was in force then.

Revision 0003: an ID number is stored in its one spelling, the check character ``X`` upper case
(``idcard.canonical``); a ledger that kept ``...x`` and ``...X`` as two person-years has them merged.
"""

from __future__ import annotations

import sqlalchemy as sa

metadata = sa.MetaData()

# One row per person and calendar year: the row every settlement of that person-year locks first,
# so two hospitals settling for one person at the same moment are serialised (PostgreSQL:
# SELECT … FOR UPDATE; SQLite serialises every writer with BEGIN IMMEDIATE).
person_years = sa.Table(
    "person_years", metadata,
    sa.Column("id_number", sa.String(18), primary_key=True),
    sa.Column("year", sa.Integer, primary_key=True),
    sa.Column("settlements", sa.Integer, nullable=False, server_default="0"),  # ever recorded
    # the standing settlements' year-to-date, {program region: {programme: fen}}, and their count
    sa.Column("ytd_json", sa.Text, nullable=False, server_default="{}"),
    sa.Column("admissions", sa.Integer, nullable=False, server_default="0"),
)

settlements = sa.Table(
    "settlements", metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("key", sa.String(100), nullable=False, unique=True),  # setl_id of the slip, or the case id
    sa.Column("content_hash", sa.String(64), nullable=False),  # sha256 of the case and region settled
    sa.Column("region", sa.String(64), nullable=False),
    sa.Column("chain", sa.String(400), nullable=False),  # region codes, root first, comma separated
    sa.Column("id_number", sa.String(18), nullable=False),
    sa.Column("name", sa.String(200), nullable=False, server_default=""),
    sa.Column("facility_code", sa.String(64), nullable=False, server_default=""),
    sa.Column("facility_name", sa.String(200), nullable=False, server_default=""),
    sa.Column("year", sa.Integer, nullable=False),  # the year the annual caps count in
    sa.Column("day", sa.Date, nullable=False),  # the date the rules in force were chosen by
    sa.Column("admitted", sa.Date, nullable=False),
    sa.Column("discharged", sa.Date, nullable=True),
    sa.Column("settled_on", sa.Date, nullable=False),  # discharge, else admission: the ledger month
    sa.Column("recorded_at", sa.DateTime(timezone=True), nullable=False),
    sa.Column("actor", sa.String(200), nullable=True),
    sa.Column("total", sa.BigInteger, nullable=False),
    sa.Column("paid", sa.BigInteger, nullable=False),
    sa.Column("assistance", sa.BigInteger, nullable=False),
    sa.Column("case_json", sa.Text, nullable=False),
    sa.Column("ytd_json", sa.Text, nullable=False),  # the year-to-date the evaluation used
    sa.Column("outcome_json", sa.Text, nullable=False),
    sa.Column("jiuzhu_version", sa.String(40), nullable=False),
    sa.Column("plugins_json", sa.Text, nullable=False),  # region code -> plugin version
    sa.Column("params_hash", sa.String(64), nullable=False),  # parameter_sets.hash (none before 0002)
    # {program region: {programme: {"amount": fen, "cap": fen | null, "bound": bool}}}
    sa.Column("programs_json", sa.Text, nullable=False, server_default="{}"),
    sa.Column("bound", sa.Boolean, nullable=False, server_default=sa.false()),  # some programme's cap bound
    sa.ForeignKeyConstraint(["id_number", "year"], ["person_years.id_number", "person_years.year"]),
    sa.Index("ix_settlements_person_year", "id_number", "year"),
    sa.Index("ix_settlements_region_day", "region", "settled_on"),
)

# The parameter values in force for each region of a chain on the day it was evaluated by (see
# jiuzhu.store.params), once per hash.
parameter_sets = sa.Table(
    "parameter_sets", metadata,
    sa.Column("hash", sa.String(64), primary_key=True),
    sa.Column("values_json", sa.Text, nullable=False),
)

reversals = sa.Table(
    "reversals", metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("settlement_id", sa.Integer, sa.ForeignKey("settlements.id"), nullable=False, unique=True),
    sa.Column("reason", sa.Text, nullable=False),
    sa.Column("actor", sa.String(200), nullable=True),
    sa.Column("recorded_at", sa.DateTime(timezone=True), nullable=False),
)
