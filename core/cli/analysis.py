"""Commands and options for analysts: parameter overrides (``--set``), reforms, supervision reports."""

from __future__ import annotations

import click


def _store_sets(ctx, param, value):
    if value:
        ctx.ensure_object(dict)
        ctx.obj.setdefault("overrides", []).extend(value)
    return value


set_option = click.option(
    "--set", "overrides", multiple=True, expose_value=False, callback=_store_sets,
    metavar="REGION.PARAM[@YYYY-MM-DD]=VALUE",
    help="Override a region's parameter for this run (repeatable); with @DATE, from that date on. "
         "Checked like jiuzhu.toml. 临时调整参数")


@click.command()
@click.argument("claims_file", type=click.Path(dir_okay=False))
@click.option("--region", required=True, help="Region code the reform applies to. 地区")
@click.option("--reform", "reform_file", type=click.Path(dir_okay=False), default=None,
              help="A reform file (TOML: name, description, citations, [parameters.REGION]). 改革方案文件")
@click.option("--set", "sets", multiple=True, metavar="REGION.PARAM[@YYYY-MM-DD]=VALUE",
              help="The reform's overrides (repeatable), instead of or on top of --reform. 调整参数")
@click.option("--name", default=None, help="The reform's name (default: the overrides). 方案名称")
@click.option("--out", "out_dir", type=click.Path(file_okay=False), required=True,
              help="Folder for reform_claims.parquet/.csv, summary.json and reform.png. 输出目录")
@click.option("--format", "fmt", type=click.Choice(["text", "json", "csv", "markdown"]), default="text")
@click.option("--as-is", "as_is", is_flag=True, help="Evaluate the claims as given instead of re-homing them.")
@click.option("--encoding", default=None, help="Encoding of a CSV or JSON Lines claims file (utf-8, gb18030).")
@click.pass_context
def reform(ctx, claims_file, region, reform_file, sets, name, out_dir, fmt, as_is, encoding):
    """Baseline against a reform over the same claims: cost change, who gains. 改革测算"""
    from pathlib import Path

    from jiuzhu.analysis.claims import read_claims, write_errors
    from jiuzhu.analysis.reform import Reform, load_reform, reform_from_sets, render, run_reform, write_reform
    from jiuzhu.cli import _engine
    from jiuzhu.io.atomic import check_output
    from jiuzhu.model.errors import InputError
    check_output(out_dir, option="--out", folder=True)
    if not reform_file and not sets:
        raise click.UsageError("give --reform FILE or at least one --set REGION.PARAM=VALUE")
    eng = _engine(ctx)
    if region not in eng.host.regions:
        raise InputError("--region", region, f"an installed region: {', '.join(sorted(eng.host.regions))}")
    r = load_reform(reform_file) if reform_file else None
    if sets:
        extra = reform_from_sets(sets, name)
        r = Reform(name or (f"{r.name} + {extra.name}" if r else extra.name), (r.overrides if r else ()) + extra.overrides,
                   r.description if r else "", r.citations if r else (), "--set") if r else extra
    elif name:
        import attrs
        r = attrs.evolve(r, name=name)
    r.apply(eng)  # every override checked before the claims are read
    table, errors = read_claims(claims_file, sorted(eng.host.regions), encoding)
    if errors:
        err_path = Path(out_dir) / f"{Path(claims_file).stem}.errors.csv"
        Path(out_dir).mkdir(parents=True, exist_ok=True)
        write_errors(errors, err_path)
        e = errors[0]
        raise InputError(f"row {e.row}: {e.field}", None, f"expected {e.expected}; {len(errors):,} invalid rows, "
                                                          f"every one listed in {err_path}")
    res = run_reform(eng, table, region, r, rehome=not as_is)
    paths = write_reform(res, Path(out_dir))
    click.echo(render(res.summary, fmt).rstrip("\n"))
    if fmt == "text":
        for p in paths:
            click.echo(str(p), err=True)


def compare_reform(ctx, case, regions, reform_file, as_is, as_of, fmt):
    """One case under the baseline and under a reform, region by region."""
    import json

    from jiuzhu.analysis.compare import compare_case
    from jiuzhu.analysis.reform import load_reform
    from jiuzhu.cli import _engine
    from jiuzhu.model.money import yuan, yuan_grouped
    eng = _engine(ctx)
    r = load_reform(reform_file)
    new = r.apply(eng)
    base = compare_case(eng, case, regions, as_is=as_is, as_of=as_of)
    ref = compare_case(new, case, regions, as_is=as_is, as_of=as_of)
    rows = []
    for cb, cn in zip(base.columns, ref.columns):
        code, b, n = cb.region, cb.outcome, cn.outcome
        if b is None or n is None:
            rows.append({"region": code, "error": cb.error or cn.error})
            continue
        rows.append({"region": code, "baseline_verdict": b.referral.kind, "reform_verdict": n.referral.kind,
                     "baseline_assistance": b.settlement.assistance, "reform_assistance": n.settlement.assistance,
                     "change": n.settlement.assistance - b.settlement.assistance,
                     "baseline_burden": b.settlement.burden, "reform_burden": n.settlement.burden})
    if fmt == "json":
        click.echo(json.dumps({"reform": r.name, "citations": list(r.citations), "rows": [
            {k: (yuan(v) if isinstance(v, int) and k != "region" else v) for k, v in x.items()} for x in rows]},
            ensure_ascii=False, indent=2))
        return
    click.echo(f"改革方案 reform: {r.name}" + (f"（{'; '.join(r.citations)}）" if r.citations else ""))
    click.echo(f"{'地区 region':<14}{'基线救助 baseline':>18}{'改革救助 reform':>18}{'变化 change':>14}"
               f"{'基线负担 burden':>18}{'改革负担 burden':>18}")
    for x in rows:
        if "error" in x:
            click.echo(f"{x['region']:<14}错误 error: {x['error']}")
            continue
        sign = "+" if x["change"] > 0 else ""
        click.echo(f"{x['region']:<14}{yuan_grouped(x['baseline_assistance']):>18}{yuan_grouped(x['reform_assistance']):>18}"
                   f"{sign + yuan_grouped(x['change']):>14}{yuan_grouped(x['baseline_burden']):>18}"
                   f"{yuan_grouped(x['reform_burden']):>18}")


@click.command("report")
@click.argument("source", metavar="RESULTS", type=click.Path(exists=True))
@click.option("--region", required=True, help="Region code. 地区")
@click.option("--out", "out_file", type=click.Path(dir_okay=False), required=True,
              help="report.xlsx (charts in the workbook) or report.html (charts embedded). 输出文件")
@click.option("--claims", "claims_file", type=click.Path(dir_okay=False, exists=True), default=None,
              help="With RESULTS of compare --batch or a reform folder: the claims they were computed from "
                   "(admission dates, facilities, areas). 理赔数据")
@click.option("--scenario", type=click.Choice(["reform", "baseline"]), default="reform",
              help="With a reform folder: which of its two runs to report (default reform). 方案")
@click.option("--insured", type=click.IntRange(1, None), default=None,
              help="Persons insured in the year (Jingjiang: premiums = insured × premium per person). 参保人数")
@click.option("--funds-raised", "funds_raised", default=None,
              help="Funds raised in the year, yuan (Fushun: the 15 % balance ceiling). 当年筹集资金（元）")
@click.option("--balance-carried", "carried", default=None,
              help="Balance carried over from earlier years, yuan (Fushun: the cumulative balance, FS-AMB-22). "
                   "上年结转结余（元）")
@click.option("--as-is", "as_is", is_flag=True, help="Evaluate the claims as given instead of re-homing them.")
@click.option("--encoding", default=None, help="Encoding of a CSV or JSON Lines claims file (utf-8, gb18030).")
@set_option
@click.pass_context
def report_cmd(ctx, source, region, out_file, claims_file, scenario, insured, funds_raised, carried, as_is, encoding):
    """Supervision report: totals, the seeds' indicators, self-pay by facility, charts. 监管报表

    RESULTS is a claims file (evaluated here, with --set overrides if any), the Parquet results of
    `compare --batch --out` or a `reform --out` folder; results are reported as computed, with --claims
    naming the claims they came from."""
    from pathlib import Path

    from jiuzhu.analysis.claims import read_claims
    from jiuzhu.analysis.report import from_results, supervision, write_html, write_xlsx
    from jiuzhu.cli import _engine
    from jiuzhu.io.atomic import check_output
    from jiuzhu.model.errors import InputError
    from jiuzhu.model.money import to_fen
    check_output(out_file, (".xlsx", ".html"))
    raised = to_fen(funds_raised, "--funds-raised") if funds_raised is not None else None
    carried = to_fen(carried, "--balance-carried") if carried is not None else None
    if raised == 0:  # the balance ratio divides by it
        raise InputError("--funds-raised", funds_raised, "expected the funds raised in the year, more than 0 yuan")
    src = Path(source)
    results = src.is_dir() or _is_results(src)
    if results and not claims_file:
        raise InputError("--claims", None, f"expected the claims file {src.name} was computed from (results hold "
                                           "amounts, not admission dates or facilities)")
    if results and ((ctx.obj or {}).get("overrides") or as_is):
        raise InputError("--set" if (ctx.obj or {}).get("overrides") else "--as-is", None,
                         "expected no overrides with results already computed (give the claims file to evaluate)")
    if not results and claims_file:
        raise InputError("--claims", claims_file, f"expected only with results; {src.name} is a claims file")
    eng = _engine(ctx)
    if region not in eng.host.regions:
        raise InputError("--region", region, f"an installed region: {', '.join(sorted(eng.host.regions))}")
    table, errors = read_claims(claims_file or source, sorted(eng.host.regions), encoding)
    if errors:
        e = errors[0]
        raise InputError(f"row {e.row}: {e.field}", None, f"expected {e.expected}; {len(errors):,} invalid rows "
                                                          f"(jiuzhu compare --batch lists them all)")
    rep = from_results(eng, table, src, region, insured, raised, scenario, carried=carried) if results else \
        supervision(eng, table, region, insured, raised, rehome=not as_is, carried=carried)
    path = Path(out_file)
    (write_xlsx if path.suffix.lower() == ".xlsx" else write_html)(rep, path)
    for i in rep["indicators"]:
        click.echo(f"{i['indicator']}: {i['value'] or '—'}（{i['threshold']}）{i['status']}  {i['citation']}")
    click.echo(str(path))


def _is_results(path) -> bool:
    """A file with the columns compare --batch writes (a claims file has none of them)."""
    if path.suffix.lower() in (".csv", ".jsonl", ".ndjson"):  # results in these are refused by name, not misread
        try:
            with open(path, encoding="utf-8", errors="replace") as fh:
                head = fh.readline()
        except OSError:
            return False
        return all(k in head for k in ('region', 'verdict', 'assistance'))
    if path.suffix.lower() not in (".parquet", ".pq"):
        return False
    import pyarrow as pa
    import pyarrow.parquet as pq
    try:
        names = set(pq.read_schema(path).names)
    except (OSError, pa.ArrowException):  # not Parquet: read_claims says so in one line
        return False
    return {"region", "verdict", "assistance_fen"} <= names or {"region", "verdict", "layer"} <= names
