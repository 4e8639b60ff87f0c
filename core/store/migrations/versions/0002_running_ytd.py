"""running year-to-date on the person-year row; programmes as a JSON column; recorded parameter sets

Revision ID: 0002
Revises: 0001
Create Date: 2026-12-01

What a settlement adds to each programme moves from ``settlement_programs`` into the settlement's
own ``programs_json`` (and ``bound``); its layers were already in ``outcome_json``, so
``settlement_layers`` goes. Each person-year row gets the standing settlements' year-to-date and
their count, computed here from the rows being migrated (reversed settlements left out).
``parameter_sets`` starts empty: settlements recorded before this revision did not keep the values
they were evaluated with.
"""

import json
from collections import defaultdict

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def _dumps(obj) -> str:
    return json.dumps(obj, ensure_ascii=False, sort_keys=True, separators=(",", ":"))


def upgrade() -> None:
    op.add_column("person_years", sa.Column("ytd_json", sa.Text, nullable=False, server_default="{}"))
    op.add_column("person_years", sa.Column("admissions", sa.Integer, nullable=False, server_default="0"))
    op.add_column("settlements", sa.Column("programs_json", sa.Text, nullable=False, server_default="{}"))
    op.add_column("settlements", sa.Column("bound", sa.Boolean, nullable=False, server_default=sa.false()))
    op.create_table("parameter_sets", sa.Column("hash", sa.String(64), primary_key=True),
                    sa.Column("values_json", sa.Text, nullable=False))

    conn = op.get_bind()
    reversed_ids = {r[0] for r in conn.execute(sa.text("SELECT settlement_id FROM reversals"))}
    programs: dict[int, dict] = defaultdict(dict)
    for sid, preg, prog, amount, cap, bound in conn.execute(sa.text(
            "SELECT settlement_id, program_region, program, amount, cap, bound FROM settlement_programs")):
        programs[sid].setdefault(preg, {})[prog] = {"amount": int(amount), "cap": None if cap is None else int(cap),
                                                    "bound": bool(bound)}
    ytd: dict[tuple, dict] = defaultdict(dict)
    count: dict[tuple, int] = defaultdict(int)
    upd = sa.text("UPDATE settlements SET programs_json = :p, bound = :b WHERE id = :i")
    for sid, idn, year in conn.execute(sa.text("SELECT id, id_number, year FROM settlements ORDER BY id")).all():
        progs = programs.get(sid, {})
        bound = any(v["bound"] for per in progs.values() for v in per.values())
        conn.execute(upd, {"p": _dumps(progs), "b": bound, "i": sid})
        if sid in reversed_ids:
            continue
        count[(idn, year)] += 1
        acc = ytd[(idn, year)]
        for preg, per in progs.items():
            for prog, v in per.items():
                if not v["amount"]:
                    continue
                acc.setdefault(preg, {})[prog] = acc.get(preg, {}).get(prog, 0) + v["amount"]
    upy = sa.text("UPDATE person_years SET ytd_json = :y, admissions = :a WHERE id_number = :i AND year = :yr")
    for (idn, year), n in count.items():
        conn.execute(upy, {"y": _dumps(ytd[(idn, year)]), "a": n, "i": idn, "yr": year})

    op.drop_index("ix_settlement_programs_person_year", table_name="settlement_programs")
    op.drop_table("settlement_programs")
    op.drop_table("settlement_layers")


def _fen(text) -> int:
    from decimal import Decimal
    return int(Decimal(str(text)) * 100)


def downgrade() -> None:
    """Back to 0001: the two tables are rebuilt from the JSON columns (layers from outcome_json)."""
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
    conn = op.get_bind()
    lay = sa.text("INSERT INTO settlement_layers (settlement_id, seq, layer, payer, program, amount, base, annual_cap,"
                  " binding) VALUES (:s, :q, :l, :p, :g, :a, :b, :c, :n)")
    prg = sa.text("INSERT INTO settlement_programs (settlement_id, program_region, program, id_number, year, amount,"
                  " cap, bound) VALUES (:s, :r, :g, :i, :y, :a, :c, :b)")
    for sid, idn, year, out, progs in conn.execute(sa.text(
            "SELECT id, id_number, year, outcome_json, programs_json FROM settlements ORDER BY id")).all():
        for q, l in enumerate(json.loads(out).get("settlement", {}).get("layers", [])):
            conn.execute(lay, {"s": sid, "q": q, "l": l["id"], "p": l.get("payer") or "", "g": l.get("program") or "",
                               "a": _fen(l["amount"]), "b": _fen(l["base"]),
                               "c": None if l.get("annual_cap") is None else _fen(l["annual_cap"]),
                               "n": l.get("binding") or ""})
        for preg, per in json.loads(progs).items():
            for prog, v in per.items():
                conn.execute(prg, {"s": sid, "r": preg, "g": prog, "i": idn, "y": year, "a": v["amount"],
                                   "c": v["cap"], "b": v["bound"]})
    op.drop_table("parameter_sets")
    # ALTER TABLE … DROP COLUMN (SQLite ≥ 3.35 too): copying the tables, as batch mode does, would
    # drop a table other rows refer to while foreign keys are enforced
    for table, column in (("settlements", "bound"), ("settlements", "programs_json"),
                          ("person_years", "admissions"), ("person_years", "ytd_json")):
        op.execute(f"ALTER TABLE {table} DROP COLUMN {column}")
