"""settlement ledger: person-years, settlements, their layers and programmes, reversals

Revision ID: 0001
Revises:
Create Date: 2026-01-01
"""

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "person_years",
        sa.Column("id_number", sa.String(18), primary_key=True),
        sa.Column("year", sa.Integer, primary_key=True),
        sa.Column("settlements", sa.Integer, nullable=False, server_default="0"),
    )
    op.create_table(
        "settlements",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("key", sa.String(100), nullable=False, unique=True),
        sa.Column("content_hash", sa.String(64), nullable=False),
        sa.Column("region", sa.String(64), nullable=False),
        sa.Column("chain", sa.String(400), nullable=False),
        sa.Column("id_number", sa.String(18), nullable=False),
        sa.Column("name", sa.String(200), nullable=False, server_default=""),
        sa.Column("facility_code", sa.String(64), nullable=False, server_default=""),
        sa.Column("facility_name", sa.String(200), nullable=False, server_default=""),
        sa.Column("year", sa.Integer, nullable=False),
        sa.Column("day", sa.Date, nullable=False),
        sa.Column("admitted", sa.Date, nullable=False),
        sa.Column("discharged", sa.Date, nullable=True),
        sa.Column("settled_on", sa.Date, nullable=False),
        sa.Column("recorded_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("actor", sa.String(200), nullable=True),
        sa.Column("total", sa.BigInteger, nullable=False),
        sa.Column("paid", sa.BigInteger, nullable=False),
        sa.Column("assistance", sa.BigInteger, nullable=False),
        sa.Column("case_json", sa.Text, nullable=False),
        sa.Column("ytd_json", sa.Text, nullable=False),
        sa.Column("outcome_json", sa.Text, nullable=False),
        sa.Column("jiuzhu_version", sa.String(40), nullable=False),
        sa.Column("plugins_json", sa.Text, nullable=False),
        sa.Column("params_hash", sa.String(64), nullable=False),
        sa.ForeignKeyConstraint(["id_number", "year"], ["person_years.id_number", "person_years.year"]),
    )
    op.create_index("ix_settlements_person_year", "settlements", ["id_number", "year"])
    op.create_index("ix_settlements_region_day", "settlements", ["region", "settled_on"])
    op.create_table(
        "settlement_layers",
        sa.Column("settlement_id", sa.Integer, sa.ForeignKey("settlements.id"), primary_key=True),
        sa.Column("seq", sa.Integer, primary_key=True),
        sa.Column("layer", sa.String(100), nullable=False),
        sa.Column("payer", sa.String(100), nullable=False, server_default=""),
        sa.Column("program", sa.String(100), nullable=False, server_default=""),
        sa.Column("amount", sa.BigInteger, nullable=False),
        sa.Column("base", sa.BigInteger, nullable=False),
        sa.Column("annual_cap", sa.BigInteger, nullable=True),
        sa.Column("binding", sa.String(20), nullable=False, server_default=""),
    )
    op.create_table(
        "settlement_programs",
        sa.Column("settlement_id", sa.Integer, sa.ForeignKey("settlements.id"), primary_key=True),
        sa.Column("program_region", sa.String(64), primary_key=True),
        sa.Column("program", sa.String(100), primary_key=True),
        sa.Column("id_number", sa.String(18), nullable=False),
        sa.Column("year", sa.Integer, nullable=False),
        sa.Column("amount", sa.BigInteger, nullable=False),
        sa.Column("cap", sa.BigInteger, nullable=True),
        sa.Column("bound", sa.Boolean, nullable=False),
    )
    op.create_index("ix_settlement_programs_person_year", "settlement_programs", ["id_number", "year"])
    op.create_table(
        "reversals",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("settlement_id", sa.Integer, sa.ForeignKey("settlements.id"), nullable=False, unique=True),
        sa.Column("reason", sa.Text, nullable=False),
        sa.Column("actor", sa.String(200), nullable=True),
        sa.Column("recorded_at", sa.DateTime(timezone=True), nullable=False),
    )


def downgrade() -> None:
    for t in ("reversals", "settlement_programs", "settlement_layers", "settlements", "person_years"):
        op.drop_table(t)
