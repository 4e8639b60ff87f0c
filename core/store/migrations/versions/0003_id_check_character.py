"""one spelling of a person: an ID number's check character x stored as X

Revision ID: 0003
Revises: 0002
Create Date: 2026-12-02

jiuzhu reads a check character written ``x`` as ``X`` (``idcard.canonical``), so one person is one
person-year in the ledger. A ledger written before kept ``...x`` and ``...X`` as two persons, each with
its own year-to-date. Here every stored number becomes the one spelling:

- ``settlements``: ``id_number``, the case's ``person.id_number`` in ``case_json`` and the number in
  ``outcome_json`` (the forms' data) become ``...X``; ``content_hash`` is computed again from the
  rewritten case, as ``Store.settle`` computes it, so the same key sent again (with ``x`` or ``X``,
  both read as ``X``) is a replay, not a conflict. ``ytd_json`` (what the evaluation used) stays.
- ``person_years``: a ``...x`` row with no ``...X`` row of its year is renamed. Where both exist the two
  become the ``...X`` row, computed from its settlements as the ledger keeps it: ``settlements`` every
  settlement recorded, ``admissions`` the standing ones (not reversed), ``ytd_json`` each programme's
  amounts of the standing ones; a programme either row listed keeps its entry (0 when what was paid
  in it was reversed, as a reversal leaves it).

Settlements already recorded are not evaluated again: one evaluated against half the person's
year-to-date keeps what it paid (a cap may have been exceeded); the next settlement sees the whole.

Not reversible: which settlements were written ``x`` is not kept. Downgrading past it leaves the
data as it is, which revision 0002's schema holds as it stands.
"""

import hashlib
import json

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None

# 18 characters ending in a lower-case x (substr and = are case-sensitive on SQLite and PostgreSQL alike;
# SQLite's LIKE is not)
_LOWER = "length(id_number) = 18 AND substr(id_number, 18, 1) = 'x'"


def _canonical(obj) -> str:
    # jiuzhu.store.ledger._canonical, as of this revision
    return json.dumps(obj, ensure_ascii=False, sort_keys=True, separators=(",", ":"), default=str)


def _upper(id_number: str) -> str:
    return id_number[:17] + "X"


def _content_hash(case_text: str, region: str) -> str:
    # as Store.settle computes it: sha256 of {"case": …, "region": …}
    return hashlib.sha256(('{"case":' + case_text + ',"region":' + json.dumps(region, ensure_ascii=False)
                           + "}").encode()).hexdigest()


def upgrade() -> None:
    conn = op.get_bind()
    lower_rows = conn.execute(sa.text(
        f"SELECT id_number, year, settlements, ytd_json, admissions FROM person_years WHERE {_LOWER}")).all()
    upper = sa.text("SELECT ytd_json FROM person_years WHERE id_number = :i AND year = :y")
    merged: dict[tuple, set] = {}  # (X number, year) -> the (region, programme) entries either row listed
    for idn, year, n, ytd, adm in lower_rows:
        up = (_upper(idn), year)
        their = conn.execute(upper, {"i": up[0], "y": year}).scalar_one_or_none()
        if their is not None:
            merged[up] = {(preg, prog) for text in (ytd, their)
                          for preg, per in json.loads(text).items() for prog in per}
        else:
            # the X row first: settlements refer to (id_number, year), and foreign keys are enforced
            conn.execute(sa.text("INSERT INTO person_years (id_number, year, settlements, ytd_json, admissions) "
                                 "VALUES (:i, :y, :n, :t, :a)"),
                         {"i": up[0], "y": year, "n": n, "t": ytd, "a": adm})

    # every settlement has its person-year row (a foreign key): the lower-case rows find them all, by index
    rows = sa.text("SELECT id, region, case_json, content_hash, outcome_json FROM settlements "
                   "WHERE id_number = :i AND year = :y ORDER BY id")
    upd = sa.text("UPDATE settlements SET id_number = :i, case_json = :c, content_hash = :h, outcome_json = :o "
                  "WHERE id = :s")
    for idn, year, *_ in lower_rows:
        up = _upper(idn)
        for sid, region, case_text, content, outcome_text in conn.execute(rows, {"i": idn, "y": year}).all():
            case = json.loads(case_text)
            person = case.get("person")
            if isinstance(person, dict) and person.get("id_number") == idn:
                person["id_number"] = up
                case_text = _canonical(case)
                content = _content_hash(case_text, region)
            # the number as a JSON string (digits and x: no escaping), wherever the outcome repeats it
            outcome = outcome_text.replace(f'"{idn}"', f'"{up}"')
            conn.execute(upd, {"i": up, "c": case_text, "h": content, "o": outcome, "s": sid})

    conn.execute(sa.text(f"DELETE FROM person_years WHERE {_LOWER}"))

    for (idn, year), entries in merged.items():
        ytd: dict = {}
        for preg, prog in entries:
            ytd.setdefault(preg, {})[prog] = 0
        recorded = standing = 0
        for progs, rev in conn.execute(sa.text(
                "SELECT s.programs_json, EXISTS (SELECT 1 FROM reversals r WHERE r.settlement_id = s.id) "
                "FROM settlements s WHERE s.id_number = :i AND s.year = :y ORDER BY s.id"),
                {"i": idn, "y": year}).all():
            recorded += 1
            if rev:  # a reversal takes its amounts out of the year-to-date, and it out of the standing count
                continue
            standing += 1
            for preg, per in json.loads(progs).items():
                for prog, v in per.items():
                    if v["amount"]:  # as Store.settle adds: a programme it paid nothing in gets no entry
                        acc = ytd.setdefault(preg, {})
                        acc[prog] = acc.get(prog, 0) + int(v["amount"])
        conn.execute(sa.text("UPDATE person_years SET settlements = :n, ytd_json = :t, admissions = :a "
                             "WHERE id_number = :i AND year = :y"),
                     {"n": recorded, "t": _canonical(ytd), "a": standing, "i": idn, "y": year})


def downgrade() -> None:
    """Nothing to undo in the schema; the data stays canonical (which rows were written x is not kept)."""
