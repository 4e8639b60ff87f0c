"""Batch commands: ``jiuzhu claims`` (case files to a claims file) and ``compare --batch``."""

from __future__ import annotations

from pathlib import Path

import click

from jiuzhu.cli.guard import encoding_option


def check_scheduler(spec: str, batch, out) -> bool:
    """Whether ``--out`` is a results file (the local path); a cluster scheduler writes a folder."""
    from jiuzhu.analysis.distributed import check_out_dir, parse_scheduler
    if parse_scheduler(spec)[0] == "local":
        return True
    if not batch:
        raise click.UsageError("--scheduler goes with --batch CLAIMS")
    check_out_dir(out)
    return False


def compare_batch(eng, claims, regions, out, as_is, as_of, progress, fmt, long, skip_invalid, errors,
                  encoding=None, scheduler="local", workers=None) -> list[dict]:
    """``compare --batch``: the per-region totals (a region whose plugin failed has ``fault``). The
    command's ``--set`` overrides (kept on the click context, jiuzhu.cli.analysis.set_option) are recorded
    with the results."""
    from rich.console import Console
    ctx = click.get_current_context(silent=True)
    overrides = tuple(((ctx.obj or {}) if ctx else {}).get("overrides", ()))
    if scheduler != "local":
        from jiuzhu.analysis.distributed import parse_scheduler, run_distributed
        if parse_scheduler(scheduler)[0] != "local":
            return run_distributed(eng, claims, regions, out, scheduler, as_is=as_is, as_of=as_of, progress=progress,
                                   fmt=fmt, console=Console(width=200, soft_wrap=fmt in ("csv", "markdown")),
                                   long=long, skip_invalid=skip_invalid, errors=errors, overrides=overrides)
    from jiuzhu.analysis.claims import run_batch
    return run_batch(eng, claims, regions, out, as_is=as_is, as_of=as_of, progress=progress, fmt=fmt,
                     console=Console(width=200, soft_wrap=fmt in ("csv", "markdown")), long=long,
                     skip_invalid=skip_invalid, errors=errors, encoding=encoding, workers=workers,
                     overrides=overrides)


def case_files(paths) -> list[Path]:
    files: list[Path] = []
    for c in paths:
        p = Path(c)
        files += sorted(list(p.rglob("*.toml")) + list(p.rglob("*.json"))) if p.is_dir() else [p]
    return files


@click.command("claims")
@click.argument("cases", nargs=-1, required=True, type=click.Path(exists=True))
@click.option("--out", "out_file", type=click.Path(dir_okay=False), required=True,
              help="Claims file to write (.parquet, .csv or .jsonl); columns in docs/batch.md. 理赔数据文件")
@encoding_option
def claims(cases, out_file, encoding):
    """Turn case files (or folders of them) into one claims file for `compare --batch`. 案例转为批量数据"""
    import pyarrow as pa
    from jiuzhu.analysis.batch import rows_to_columns, flatten, COLUMNS, YTD
    from jiuzhu.analysis.claims import write_table
    from jiuzhu.io.loader import load_case
    from jiuzhu.model.errors import InputError
    rows = []
    for f in case_files(cases):
        try:
            case = load_case(f, encoding)
        except InputError as exc:
            raise InputError(f"{f.name}: {exc.field}", exc.value, exc.expected) from None
        row = flatten(case)
        row["claim_id"] = row["claim_id"] or f.stem
        rows.append(row)
    if not rows:
        raise InputError("cases", None, "at least one .toml or .json case file")
    cols = rows_to_columns(rows)
    types = {c.name: (pa.int64() if c.kind in ("fen", "int") else pa.bool_() if c.kind == "bool" else pa.string())
             for c in COLUMNS}
    table = pa.table({k: pa.array(v, types.get(k, pa.int64() if YTD.match(k) else pa.string()))
                      for k, v in cols.items()})
    write_table(table, out_file)
    click.echo(f"{len(rows)} claims → {out_file}")
