"""A CSV or JSON Lines file (its row count unknown before reading) spilled to person partitions: no
partition evaluated holds more than ``partition_rows`` claims, however large the file — a spilled part
larger than that is split again, by an independent hash of the person, as it is read back — and the
results are those of one partition: the same rows, totals and annual caps (a person's claims in one
partition, in file order)."""

from __future__ import annotations

from collections import Counter

import pyarrow as pa
import pytest

from jiuzhu.analysis import claims as C
from jiuzhu.analysis.synth import synth_claims
from jiuzhu.kit.testing import ILLUSTRATIVE_PARAMETERS, make_engine

from test_batch_partitions import _run, _sorted, assert_same_results

N = 3000



@pytest.mark.parametrize("ext", ["csv", "jsonl"])
def test_every_partition_is_bounded_and_the_results_are_one_partitions(tmp_path, monkeypatch, ext):
    eng = make_engine(parameters=ILLUSTRATIVE_PARAMETERS)
    src = tmp_path / f"claims.{ext}"
    cols = synth_claims(N, seed=11)
    C.write_claims(cols, src)
    one = _run(eng, src, tmp_path / "one.parquet")  # 3,000 ≤ 250,000: one partition in memory
    sizes, persons = [], []
    real = C.evaluate_partition

    def spy(engine, table, *a, **k):
        sizes.append(table.num_rows)
        persons.append(set(table.column("person.id_number").to_pylist()))
        return real(engine, table, *a, **k)

    monkeypatch.setattr(C, "evaluate_partition", spy)
    # 16 first-level parts of about 3,000 / 16 ≈ 188 claims: each larger than 100, so each splits again
    many = _run(eng, src, tmp_path / "many.parquet", partition_rows=100)
    assert sum(sizes) == N and len(sizes) > C.SPILL_PARTS
    assert max(sizes) <= 100
    # a person is in exactly one partition (annual caps stay exact)
    seen = Counter(p for ps in persons for p in ps)
    assert set(seen.values()) == {1} and len(seen) == len(set(cols["person.id_number"].tolist()))
    assert_same_results(tmp_path / "one.parquet", tmp_path / "many.parquet", one, many)
    assert sum(t["claims"] for t in one if "error" not in t) >= 3 * N  # the regions ran, not only errors


def test_the_split_keeps_a_persons_claims_in_file_order(tmp_path):
    """Six claims of one person interleaved with others', split down to two claims per partition: the
    person's six stay in one partition, in their file order (ROW), which is what ties on a date follow."""
    table = pa.table(synth_claims(400, seed=3))
    ids = table.column("person.id_number").to_pylist()
    busiest = Counter(ids).most_common(1)[0]
    parts = C._Partitions(2, tmp_path, parts=2)
    for at in range(0, 400, 50):
        t = table.slice(at, 50)
        parts.add(t.append_column(C.ROW, pa.array(range(at + 1, at + 1 + t.num_rows), pa.int64())))
    got = list(parts)
    assert sum(t.num_rows for t in got) == 400
    mine = [t for t in got if busiest[0] in t.column("person.id_number").to_pylist()]
    assert len(mine) == 1
    rows = [r for r, i in zip(mine[0].column(C.ROW).to_pylist(), mine[0].column("person.id_number").to_pylist())
            if i == busiest[0]]
    assert rows == [k + 1 for k, i in enumerate(ids) if i == busiest[0]] and len(rows) == busiest[1]
    # partitions larger than 2 hold one person only (who cannot be split)
    for t in got:
        if t.num_rows > 2:
            assert len(set(t.column("person.id_number").to_pylist())) == 1
    assert not list(tmp_path.glob("*.arrow"))  # scratch files removed as they are read


def test_one_person_written_with_x_and_X_is_not_split_again_and_again(tmp_path, monkeypatch):
    """ID 11010119800101007 has check character X (weights over the 17 digits: sum ≡ 2 mod 11 → X); the
    person's claims carry it as "X" and as "x" (both valid). The split hash reads the 17 digits, so it cannot
    part them: after the first split (4 claims > limit 1 → 2 parts, the other person away) the part of three
    is final — one level of splitting, not SPLIT_LEVELS rewrites of the same claims."""
    levels = []
    real = C._person_split
    monkeypatch.setattr(C, "_person_split", lambda t, p, lvl: (levels.append(lvl), real(t, p, lvl))[1])
    ids = ["11010119800101007X", "11010119800101007x", "11010119800101007X", "110101198001010015"]
    parts = C._Partitions(1, tmp_path, parts=2)
    parts.add(pa.table({"person.id_number": ids, C.ROW: pa.array([1, 2, 3, 4], pa.int64())}))
    got = list(parts)
    assert sorted(t.num_rows for t in got) == [1, 3]
    mine = [t for t in got if t.num_rows == 3][0]
    assert mine.column(C.ROW).to_pylist() == [1, 2, 3]  # in file order
    assert len(levels) <= 2  # the first split, and at most one more where the hash put both persons together
    assert not list(tmp_path.glob("*.arrow"))


def test_a_json_lines_file_is_parsed_a_block_of_lines_at_a_time(tmp_path, monkeypatch):
    """Reading a JSON Lines file holds one block of whole lines, not the whole file (which grew by about 1 MB
    per 1,000 claims): in blocks of 4,000 bytes a parse holds at most 4,000 // (shortest line) rows, every line
    is parsed once, and the results and totals are those of the same claims read from CSV."""
    import pyarrow.json as pjson
    eng = make_engine(parameters=ILLUSTRATIVE_PARAMETERS)
    cols = synth_claims(300, seed=5)
    C.write_claims(cols, tmp_path / "c.jsonl")
    C.write_claims(cols, tmp_path / "c.csv")
    parsed = []
    real = pjson.read_json
    monkeypatch.setattr(pjson, "read_json", lambda *a, **k: (lambda t: (parsed.append(t.num_rows), t)[1])(real(*a, **k)))
    monkeypatch.setattr(C, "JSONL_BLOCK", 4000)
    shortest = min(len(line) for line in (tmp_path / "c.jsonl").read_bytes().splitlines(keepends=True))
    a_tot = _run(eng, tmp_path / "c.jsonl", tmp_path / "j.parquet", workers=1)
    assert sum(parsed) == 300 and max(parsed) <= 4000 // shortest + 1 and len(parsed) >= 300 * shortest // 8000
    b_tot = _run(eng, tmp_path / "c.csv", tmp_path / "c.parquet", workers=1)
    a, b = _sorted(tmp_path / "j.parquet"), _sorted(tmp_path / "c.parquet")
    assert a.equals(b.select(a.column_names))
    assert a_tot == b_tot


def test_a_block_of_lines_without_an_amount_reads_as_the_whole_file(tmp_path, monkeypatch):
    """The first 7 lines give null for the optional slip amounts (first self-paid, over limit, …): a block of
    7 lines has those columns empty (Arrow's null type). They are absent amounts (0), as when the whole file
    is parsed at once — so the rows fail the slip identity total = in scope + first self-paid + over limit +
    fully self-paid (field bill.total_fen), not "a whole number of fen" — and the errors file, totals and
    results do not depend on the block size."""
    import json
    eng = make_engine(parameters=ILLUSTRATIVE_PARAMETERS)
    C.write_claims(synth_claims(60, seed=5), tmp_path / "c.jsonl")
    rows = [json.loads(line) for line in (tmp_path / "c.jsonl").read_text(encoding="utf-8").splitlines()]
    amounts = ["bill.first_self_paid_fen", "bill.over_limit_fen", "bill.fully_self_paid_fen", "bill.deductible_fen"]
    for r in rows[:7]:
        r.update({k: None for k in amounts})
    src = tmp_path / "n.jsonl"
    src.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows), encoding="utf-8")
    whole = _run(eng, src, tmp_path / "w.parquet", errors=str(tmp_path / "w.csv"), workers=1)
    monkeypatch.setattr(C, "JSONL_BLOCK", 7 * 600)  # about the 7 lines of null amounts in the first block
    blocks = _run(eng, src, tmp_path / "b.parquet", errors=str(tmp_path / "b.csv"), workers=1)
    errs = (tmp_path / "b.csv").read_text(encoding="utf-8")
    assert errs == (tmp_path / "w.csv").read_text(encoding="utf-8")
    assert {line.split(",")[2] for line in errs.splitlines()[1:8]} == {"bill.total_fen"}
    assert blocks == whole
    assert _sorted(tmp_path / "b.parquet").equals(_sorted(tmp_path / "w.parquet"))
