"""A Parquet footer is a claim about the file, not a fact: one that says a billion rows for a file of 600
must not cut the file into millions of person partitions (a run that never ends, a file per person
beyond the open-file limit); the results are those of the honest file."""

from __future__ import annotations

import struct

import pyarrow as pa
import pyarrow.parquet as pq
from rich.console import Console

from jiuzhu.analysis import claims as C
from jiuzhu.analysis.synth import synth_claims
from jiuzhu.kit.testing import ILLUSTRATIVE_PARAMETERS, make_engine

REGIONS = ["fushun", "guangan", "jingjiang", "liujiang", "wusheng"]


def _varint(v: int) -> bytes:
    out = bytearray()
    while True:
        low, v = v & 0x7F, v >> 7
        out.append(low | (0x80 if v else 0))
        if not v:
            return bytes(out)


def _lying_copy(src, dst, says: int) -> None:
    """``src`` with its footer's row count (FileMetaData field 3, Thrift compact i64, zigzag) set to ``says``."""
    b = src.read_bytes()
    n = pq.ParquetFile(src).metadata.num_rows
    flen = struct.unpack("<I", b[-8:-4])[0]
    foot = b[-8 - flen:-8]
    zz = lambda v: v << 1
    old = b"\x16" + _varint(zz(n))
    i = foot.find(old)
    new = foot[:i] + b"\x16" + _varint(zz(says)) + foot[i + len(old):]
    dst.write_bytes(b[:-8 - flen] + new + struct.pack("<I", len(new)) + b"PAR1")
    assert pq.ParquetFile(dst).metadata.num_rows == says and pq.read_table(dst).num_rows == n


def test_partitions_are_bounded_whatever_the_count():
    assert C.spill_parts(None, 100) == C.SPILL_PARTS
    assert C.spill_parts(1_000, 100) == 10  # ⌈1,000 / 100⌉
    assert C.spill_parts(10 ** 9, 100) == C.MAX_PARTS  # not 10,000,000


def _run(eng, src, out):
    C.run_batch(eng, str(src), REGIONS, out=str(out), progress=False, fmt="json", partition_rows=100,
                console=Console(file=open("/dev/null", "w")), skip_invalid=True)
    t = pq.read_table(out)
    t = t.cast(pa.schema([f.with_type(f.type.value_type) if pa.types.is_dictionary(f.type) else f for f in t.schema]))
    return t.sort_by([("claim_id", "ascending"), ("region", "ascending")]).to_pylist()


def test_a_footer_that_lies_about_its_rows(tmp_path, monkeypatch):
    eng = make_engine(parameters=ILLUSTRATIVE_PARAMETERS)
    honest, lying = tmp_path / "honest.parquet", tmp_path / "lying.parquet"
    pq.write_table(pa.table(synth_claims(600, seed=2)), honest)
    _lying_copy(honest, lying, 10 ** 9)
    opened = []
    real = C._scratch_writer

    def counting(path, *a, **k):
        opened.append(path)
        return real(path, *a, **k)

    monkeypatch.setattr(C, "_scratch_writer", counting)
    got = _run(eng, lying, tmp_path / "lying-out.parquet")
    # 600 claims, 100 per partition: at most MAX_PARTS person partitions, each a file, never one per person
    spilled = [p for p in opened if "part-" in str(p)]
    assert 1 <= len(spilled) <= C.MAX_PARTS
    assert got == _run(eng, honest, tmp_path / "honest-out.parquet")
    assert len(got) == 600 * 5
