"""The ``jiuzhu`` command."""

from __future__ import annotations

import datetime as dt
import json
import sys
from pathlib import Path

import click

from jiuzhu.cli.analysis import set_option
from jiuzhu.cli.guard import encoding_option, quiet_unraisable
from jiuzhu.model.errors import JiuzhuError

LANGS = click.Choice(["zh", "en", "both"])


class JiuzhuGroup(click.Group):
    """Turns every :class:`JiuzhuError` into one line on stderr and exit status 2; anything else
    into one line with an error id (see :mod:`jiuzhu.cli.guard`)."""

    def invoke(self, ctx):
        from jiuzhu.cli.guard import error_line, internal_error
        from jiuzhu.io.atomic import Terminated
        try:
            return super().invoke(ctx)
        except JiuzhuError as exc:
            limits = getattr(getattr((ctx.obj or {}).get("engine"), "deployment", None), "limits", None)
            click.echo(f"错误 error: {error_line(exc, limits.error_line_chars if limits else None)}", err=True)
            ctx.exit(exc.exit_code)
        except click.UsageError as exc:  # one line too, naming the option (click prints four)
            hint = f" (see: jiuzhu {exc.ctx.command_path.split(' ', 1)[-1]} --help)" if exc.ctx else ""
            click.echo(f"错误 error: {error_line(exc.format_message())}{hint}", err=True)
            ctx.exit(exc.exit_code)
        except (click.exceptions.Exit, click.ClickException, click.Abort):
            raise
        except Terminated as exc:
            click.echo(f"错误 error: stopped by signal {exc.signum}; no partial output was left", err=True)
            ctx.exit(128 + exc.signum)
        except KeyboardInterrupt:
            click.echo("错误 error: interrupted; no partial output was left", err=True)
            ctx.exit(130)
        except Exception as exc:  # never a traceback for the user; JIUZHU_DEBUG=1 shows it
            click.echo(internal_error(exc), err=True)
            ctx.exit(1)


def _date(ctx, param, value):
    if value is None:
        return None
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        raise click.BadParameter(f"expected a date YYYY-MM-DD (got {value})")


@click.group(cls=JiuzhuGroup)
@click.version_option(package_name="jiuzhu")
@click.option("--config", "config_path", type=click.Path(dir_okay=False), default=None,
              help="Deployment configuration (default: $JIUZHU_CONFIG or ./jiuzhu.toml). 部署配置文件")
@click.pass_context
def cli(ctx, config_path):
    """jiuzhu 救助: rules as code for medical assistance (医疗救助) policy."""
    ctx.ensure_object(dict)
    ctx.obj["config_path"] = config_path


def _engine(ctx, tolerate_broken: bool = False):
    """The engine under the deployment, checked against the installed regions.

    ``tolerate_broken``: a deployment naming a broken region is not fatal (``regions`` is how an
    operator sees why it is broken); every other deployment error still is."""
    from jiuzhu.io.config import check_deployment, load_config
    from jiuzhu.plugins import BrokenRegion
    from jiuzhu.rules.engine import Engine
    if "engine" not in ctx.obj:
        eng = Engine(deployment=load_config(ctx.obj.get("config_path")))
        try:
            check_deployment(eng)
        except BrokenRegion:
            if not tolerate_broken:
                raise
        if ctx.obj.get("overrides"):  # --set (jiuzhu.cli.analysis.set_option)
            from jiuzhu.io.config import with_overrides
            eng = with_overrides(eng, ctx.obj["overrides"])
        ctx.obj["engine"] = eng
    return ctx.obj["engine"]


def _load(ctx, path, encoding="utf-8"):
    """A case file read with the command's --encoding and the deployment's [limits].

    A case naming a region that is not installed is refused here, for every command: ``compare``,
    ``sweep`` and ``ledger`` do not otherwise read the case's own region, and a misspelt one would
    pass silently."""
    from jiuzhu.io.loader import load_case
    eng = _engine(ctx)
    case = load_case(path, encoding, eng.deployment.limits)
    if case.region:
        eng.host.region(case.region)  # unknown or broken: one line naming it
    return case


@cli.command()
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text")
@click.pass_context
def regions(ctx, fmt):
    """List installed regions and whether each works. 已安装的地区及其状态"""
    eng = _engine(ctx, tolerate_broken=True)
    rows = []
    for code, r, problem in eng.host.status():
        if r is None:  # broken: listed with the one line saying why
            rows.append({"code": code, "name_zh": "", "name_en": "", "division": "", "parent": None, "version": "",
                         "documents": [], "status": "broken", "error": problem})
            continue
        i = r.info
        rows.append({"code": i.code, "name_zh": i.name_zh, "name_en": i.name_en, "division": i.division,
                     "parent": i.parent, "version": i.version, "status": "error" if problem else "ok",
                     "error": problem or None,
                     "documents": [{"number": d.number, "title": d.title, "issuer": d.issuer,
                                    "issued": d.issued.isoformat() if d.issued else None,
                                    "effective_from": d.effective_from.isoformat() if d.effective_from else None,
                                    "status": d.status} for d in i.documents]})
    if fmt == "json":
        click.echo(json.dumps(rows, ensure_ascii=False, indent=2))
        return
    from rich.console import Console
    from rich.table import Table
    t = Table("代码 code", "名称 name", "区划 division", "上级 parent", "文件 document", "施行 in force", "版本 version",
              "状态 status")
    for r in rows:
        d = r["documents"][0] if r["documents"] else {}
        eff = d.get("effective_from") or ("部署参数 deployment parameter" if d else "")
        status = {"ok": "正常 ok", "broken": "损坏 broken", "error": "错误 error"}[r["status"]]
        t.add_row(r["code"], f"{r['name_zh']} {r['name_en']}".strip(), r["division"], r["parent"] or "",
                  d.get("number", ""), eff + (f" ({d['status']})" if d and d.get("status") != "in force" else ""),
                  r["version"], status + (f": {r['error']}" if r["error"] else ""))
    Console(width=200).print(t)


@cli.command()
@click.argument("case_file", type=click.Path(dir_okay=False))
@click.option("--region", default=None, help="Region code (default: the case's or the deployment's). 地区")
@click.option("--as-of", "as_of", callback=_date, default=None, help="Judge by the rules in force on this date.")
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text")
@click.option("--explain", is_flag=True, help="Show how every amount was computed. 显示计算过程")
@click.option("--lang", type=LANGS, default="zh", help="Label language. 标签语言")
@click.option("--strict", is_flag=True, help="A deadline that cannot be computed (unknown calendar year) is an "
                                             "error (exit 2), not a warning. 严格模式")
@encoding_option
@set_option
@click.pass_context
def evaluate(ctx, case_file, region, as_of, fmt, explain, lang, strict, encoding):
    """Evaluate one case: eligibility, referral, signature, settlement, forms. 评估一个案例"""
    from jiuzhu.io.report import render_text, to_json
    eng = _engine(ctx)
    eng.strict = strict
    case = _load(ctx, case_file, encoding)
    outcome = eng.evaluate(case, region, as_of)
    if fmt == "json":
        click.echo(json.dumps(to_json(outcome), ensure_ascii=False, indent=2))
    else:
        info = eng.host.region(outcome.region).info
        click.echo(render_text(outcome, lang, explain, f"{info.name_zh} {info.name_en}"))


@cli.command("rules")
@click.argument("region")
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text")
@click.option("--check", is_flag=True, help="Exit 1 if any rule is todo, untested or unexplained.")
@click.pass_context
def rules_cmd(ctx, region, fmt, check):
    """Rule coverage of a region: ID, statement, status, tests. 规则覆盖情况"""
    from jiuzhu.rules.register import coverage
    eng = _engine(ctx)
    r = eng.host.region(region)
    path = r.call("jiuzhu_rules")
    if path is None:
        raise JiuzhuError(f"region {region}: publishes no rule register")
    path = Path(path)
    folders = [path.parent / "tests", Path.cwd() / "tests"]
    entries = coverage(path, folders)
    if fmt == "json":
        click.echo(json.dumps([{"id": e.id, "statement": e.statement, "status": e.status, "state": e.state,
                                "reason": e.reason, "tests": list(e.tests)} for e in entries], ensure_ascii=False, indent=2))
    else:
        from rich.console import Console
        from rich.table import Table
        t = Table("ID", "规则 statement", "状态 status", "测试/理由 tests or reason", show_lines=False)
        for e in entries:
            t.add_row(e.id, e.statement, e.state, ", ".join(e.tests[:2]) + (f" (+{len(e.tests) - 2})" if len(e.tests) > 2 else "")
                      if e.tests else e.reason)
        con = Console(width=180)
        con.print(t)
        counts = {}
        for e in entries:
            counts[e.state] = counts.get(e.state, 0) + 1
        con.print("  ".join(f"{k}: {v}" for k, v in sorted(counts.items())) + f"  total: {len(entries)}")
    bad = [e for e in entries if e.state in ("todo", "untested", "unexplained")]
    if check and bad:
        ctx.exit(1)


@cli.command()
@click.argument("region")
@click.option("--as-of", "as_of", callback=_date, default=None)
@click.pass_context
def params(ctx, region, as_of):
    """A region's parameters in force on a date, with citations. 参数及依据"""
    from jiuzhu.model.money import pct, yuan
    eng = _engine(ctx)
    pset = eng.parameter_set(region)
    day = as_of or dt.date.today()
    from rich.console import Console
    from rich.table import Table
    t = Table("参数 parameter", "值 value", "自 from", "依据 citation")
    for name, p in sorted(pset.params.items()):
        d = p.at(day)
        if d is None:
            t.add_row(f"{name}\n{p.label}", "（部署时必填 required deployment parameter）" if p.required else "—", "", p.rule)
            continue
        v = d.value
        shown = yuan(v) + " 元" if p.unit == "yuan" else pct(v) if p.unit == "rate" else str(d.raw)
        t.add_row(f"{name}\n{p.label}", shown, d.start.isoformat(), str(d.cite))
    Console(width=160).print(t)


@cli.command()
@click.argument("what", type=click.Choice(["categories", "conditions", "roles", "actions", "levels", "schemes"]))
def vocab(what):
    """The controlled vocabularies a case may use. 词表"""
    from jiuzhu.model import case as model
    from jiuzhu.model import vocab as v
    table = {"categories": v.CATEGORIES, "conditions": v.CONDITIONS, "roles": model.ROLES,
             "actions": model.ACTION_KINDS, "levels": v.FACILITY_LEVELS, "schemes": v.SCHEMES}[what]
    for k, zh in table.items():
        click.echo(f"{k}\t{zh}")


@cli.command()
@click.argument("case_file", type=click.Path(dir_okay=False))
@click.option("--region", default=None, help="Region code (default: the case's or the deployment's). 地区")
@click.option("--out", "out_dir", type=click.Path(file_okay=False), required=True, help="Output folder. 输出目录")
@click.option("--format", "formats", type=click.Choice(["docx", "xlsx", "pdf"]), multiple=True,
              help="docx/xlsx: keep Word/Excel forms in their own format; pdf: also convert to PDF "
                   "(LibreOffice). Repeatable; default docx and xlsx. 输出格式")
@click.option("--form", "form_ids", multiple=True, help="Only these form ids (repeatable). 指定表单")
@click.option("--all", "all_forms", is_flag=True, help="Every form of the region, not only those the case needs.")
@click.option("--as-of", "as_of", callback=_date, default=None)
@encoding_option
@click.pass_context
def forms(ctx, case_file, region, out_dir, formats, form_ids, all_forms, as_of, encoding):
    """Fill the forms a case needs (Word, Excel, PDF). 填写案例所需表单"""
    from jiuzhu.io.atomic import check_output
    from jiuzhu.paperwork.forms import check_converter, convert_many, need_for, region_forms, render_need
    check_output(out_dir, option="--out", folder=True)
    if "pdf" in formats:
        check_converter("pdf")  # before the first form, so nothing is half-done
    eng = _engine(ctx)
    case = _load(ctx, case_file, encoding)
    outcome = eng.evaluate(case, region, as_of)
    needs = list(outcome.documents)
    if all_forms or form_ids:
        have = {n.form_id for n in needs}
        specs = {}
        for code in outcome.chain:
            specs.update(region_forms(eng, code))
        for fid in form_ids:
            if fid not in specs and fid not in have:
                raise JiuzhuError(f"--form: unknown form {fid!r}; forms of {outcome.region}: {', '.join(sorted(specs))}")
        needs += [need_for(s) for fid, s in specs.items() if fid not in have]
        if form_ids:
            needs = [n for n in needs if n.form_id in form_ids]
    if not needs:
        click.echo(f"本案例无需填写表单 no forms needed for this case ({outcome.region}); use --all to fill every form")
        return
    formats = set(formats or ("docx", "xlsx"))
    out = Path(out_dir)
    templated = {fid for code in outcome.chain for fid in region_forms(eng, code)}
    filled = []
    for need in needs:
        if need.form_id not in templated and need.form_id not in eng.deployment.templates.get(outcome.region, {}):
            # a record the region produces as data only (JSON output), with no paper form in the seed
            click.echo(f"说明 note: {need.form_id}（{need.title_zh}）无表单模板，数据见 --format json 输出 "
                       f"(no template; its data is in the JSON outcome)", err=True)
            continue
        filled.append(render_need(eng, case, outcome, need, out))
    if "pdf" in formats:  # one LibreOffice process for all of them
        for pdf in convert_many(filled, "pdf", out):
            click.echo(str(pdf))
    for path in filled:
        if path.suffix[1:] in formats:
            click.echo(str(path))
        else:
            path.unlink()


@cli.command()
@click.argument("cases", nargs=-1, type=click.Path(exists=True))
@click.option("--region", required=True, help="Region code. 地区")
@click.option("--month", required=True, help="The month, YYYY-MM (cases settled in it). 月份")
@click.option("--out", "out_file", type=click.Path(dir_okay=False), required=True, help="Output workbook (.xlsx).")
@click.option("--db", "db_url", default=None, help="Build from the settlements recorded in this ledger database.")
@encoding_option
@click.pass_context
def ledger(ctx, cases, region, month, out_file, db_url, encoding):
    """A region's ledgers and monthly itemised claim sheets from many cases, with totals. 台账与明细表"""
    from jiuzhu.io.atomic import check_output
    if db_url or not cases:
        if cases:
            raise click.UsageError("give either CASES or --db, not both")
        from jiuzhu.cli.store import ledger_from_db
        return ledger_from_db(ctx, db_url, region, month, out_file)
    from jiuzhu.paperwork.ledger import build_ledger, parse_month
    from jiuzhu.model.money import yuan
    check_output(out_file, (".xlsx",))
    parse_month(month)
    eng = _engine(ctx)
    files = []
    for c in cases:
        p = Path(c)
        files += sorted(p.rglob("*.toml")) + sorted(p.rglob("*.json")) if p.is_dir() else [p]
    loaded = [_load(ctx, f, encoding) for f in files]
    sheets = build_ledger(eng, loaded, region, month, Path(out_file))
    for s in sheets:
        totals = "  ".join(f"{k}={yuan(v)}" for k, v in s.totals.items())
        click.echo(f"{s.title}\t{s.rows} 人 rows\t{totals}")
    click.echo(str(out_file))


@cli.command("new-region")
@click.argument("code")
@click.option("--name-zh", required=True, help="Chinese name, e.g. 某某县. 中文名称")
@click.option("--name-en", required=True, help='English name, e.g. "Moumou County".')
@click.option("--division", required=True, help="6-digit GB/T 2260 division code. 行政区划代码")
@click.option("--parent", default=None, help="Parent region code whose layers apply first (e.g. guangan).")
@click.option("--document", default=None, help="The source document's number (文号).")
@click.option("--effective", callback=_date, default=None, help="The date the document is in force from (YYYY-MM-DD).")
@click.option("--rule-prefix", default=None, help="2-4 capital letters for rule IDs (default: from the code).")
@click.option("--out", "out_dir", type=click.Path(file_okay=False), default=".", help="Folder to create the package in.")
@click.option("--force", is_flag=True, help="Overwrite an existing package folder.")
def new_region(code, name_zh, name_en, division, parent, document, effective, rule_prefix, out_dir, force):
    """Generate an installable region package with hooks, parameters and passing tests. 新建地区插件"""
    from jiuzhu.kit.scaffold import scaffold
    if parent is not None:
        from jiuzhu.plugins import default_host
        default_host().chain(parent)  # a parent must be installed (and work): one line naming it otherwise
    root = scaffold(code, name_zh, name_en, division, out_dir, parent, document, effective, rule_prefix, force)
    pkg = f"jiuzhu_{code}"
    local = root if root.is_absolute() else f"./{root}"  # a path, so pip never looks the name up in an index
    click.echo(f"created {root}\n"
               f"next:  pip install --no-build-isolation -e {local}\n"
               f"       jiuzhu regions\n"
               f"       jiuzhu evaluate {root / pkg / 'examples' / 'example.toml'}\n"
               f"       cd {root} && python -m pytest")


@cli.command()
@click.argument("case_file", required=False, type=click.Path(dir_okay=False))
@click.option("--regions", "regions_spec", default="all", show_default=True, help="Region codes a,b,… or all. 地区")
@click.option("--format", "fmt", type=click.Choice(["text", "json", "csv", "markdown"]), default="text")
@click.option("--explain", is_flag=True, help="Add the cited reason behind each cell. 显示依据")
@click.option("--as-is", "as_is", is_flag=True, help="Evaluate the case as given instead of re-homing it into each region.")
@click.option("--as-of", "as_of", callback=_date, default=None, help="Judge by the rules in force on this date.")
@click.option("--batch", "batch_file", type=click.Path(dir_okay=False), default=None,
              help="Evaluate a file of claims (.csv, .jsonl, .parquet) instead of one case. 批量")
@click.option("--out", "out_file", type=click.Path(), default=None,
              help="With --batch: where to write per-claim results (.parquet, .csv or .jsonl; a folder with --scheduler).")
@click.option("--scheduler", default="local", show_default=True,
              help="With --batch: local, processes[:N] (a Dask LocalCluster) or tcp://HOST:PORT (docs/scale.md).")
@click.option("--progress/--no-progress", default=True, help="With --batch: show a progress bar.")
@click.option("--long", is_flag=True, help="With --batch: one result row per claim, region and layer.")
@click.option("--skip-invalid", is_flag=True, help="With --batch: evaluate the valid rows; invalid ones are still reported.")
@click.option("--errors", "errors_file", type=click.Path(dir_okay=False), default=None,
              help="With --batch: where to list invalid rows (default: CLAIMS.errors.csv beside --out).")
@click.option("--workers", type=click.IntRange(1, 64), default=None,
              help="With --batch: processes for the region hooks (default: one per core, at most 4; 1: none). 进程数")
@click.option("--reform", "reform_file", type=click.Path(dir_okay=False), default=None,
              help="Show the case under the baseline and under this reform file. 改革方案对比")
@encoding_option
@set_option
@click.pass_context
def compare(ctx, case_file, regions_spec, fmt, explain, as_is, as_of, batch_file, out_file, scheduler, progress,
            long, skip_invalid, errors_file, workers, reform_file, encoding):
    """Compare outcomes across regions: one case, or a batch of claims. 跨地区比较"""
    from jiuzhu.analysis.compare import compare_case, parse_regions, render
    from jiuzhu.cli.batch import check_scheduler
    if out_file and check_scheduler(scheduler, batch_file, out_file):
        from jiuzhu.analysis.claims import FORMATS
        from jiuzhu.io.atomic import check_output
        check_output(out_file, tuple(FORMATS))
    eng = _engine(ctx)
    regions = parse_regions(eng, regions_spec)
    if batch_file:
        from jiuzhu.cli.batch import compare_batch
        if case_file:
            raise click.UsageError("give either CASE or --batch CLAIMS, not both")
        tots = compare_batch(eng, batch_file, regions, out_file, as_is, as_of, progress, fmt, long, skip_invalid,
                             errors_file, encoding, scheduler, workers)
        if any(t.get("fault") for t in tots):
            ctx.exit(1)  # the other regions are complete; a broken region is not silently left out
        return
    if workers is not None:
        raise click.UsageError("--workers goes with --batch CLAIMS")
    if not case_file:
        raise click.UsageError("give a CASE file or --batch CLAIMS")
    if reform_file:  # baseline against a reform (jiuzhu.cli.analysis)
        from jiuzhu.cli.analysis import compare_reform
        return compare_reform(ctx, _load(ctx, case_file, encoding), regions, reform_file, as_is, as_of, fmt)
    cmp = compare_case(eng, _load(ctx, case_file, encoding), regions, as_is=as_is, as_of=as_of)
    click.echo(render(cmp, fmt, explain, color=fmt == "text" and sys.stdout.isatty()), nl=fmt != "csv")
    if any(c.fault for c in cmp.columns):
        ctx.exit(1)  # the other regions are complete; a broken region is not silently left out


@cli.command()
@click.argument("case_file", type=click.Path(dir_okay=False))
@click.option("--vary", required=True, help="FIELD=START:STOP:STEP in yuan, e.g. bill.total=0:200000:1000. 变量")
@click.option("--regions", "regions_spec", default="all", show_default=True)
@click.option("--as-is", "as_is", is_flag=True, help="Evaluate the case as given instead of re-homing it.")
@click.option("--out", "out_dir", type=click.Path(file_okay=False), required=True, help="Folder for sweep.csv/.png/.svg.")
@encoding_option
@set_option
@click.pass_context
def sweep(ctx, case_file, vary, regions_spec, as_is, out_dir, encoding):
    """Evaluate a case over a range of one input; write a CSV and a chart. 参数扫描"""
    from jiuzhu.analysis.compare import parse_regions
    from jiuzhu.analysis.sweep import parse_vary, run_sweep
    from jiuzhu.io.atomic import check_output
    check_output(out_dir, option="--out", folder=True)
    field, values = parse_vary(vary)
    eng = _engine(ctx)
    paths = run_sweep(eng, _load(ctx, case_file, encoding), field, values, parse_regions(eng, regions_spec), Path(out_dir),
                      as_is=as_is)
    for p in paths:
        click.echo(str(p))


@cli.command()
@click.option("--n", "n", type=click.IntRange(1, None), default=1000, show_default=True, help="Number of claims.")
@click.option("--seed", type=int, default=1, show_default=True)
@click.option("--year", type=int, default=2026, show_default=True, help="Calendar year of the episodes.")
@click.option("--region", "regions_spec", default=None,
              help="Draw for these regions (a,b,… or all; default all) with the profile each ships. 地区")
@click.option("--profile", "profile_file", type=click.Path(dir_okay=False), default=None,
              help="A TOML mix profile instead of the regions' own (jiuzhu.analysis.synth). 人群配置")
@click.option("--generic", is_flag=True, help="The generic county mix of earlier versions (no region profile).")
@click.option("--out", "out_file", type=click.Path(dir_okay=False), required=True,
              help="Claims file (.parquet, .csv or .jsonl).")
@click.pass_context
def synth(ctx, n, seed, year, regions_spec, profile_file, generic, out_file):
    """Draw a synthetic population of claims (no real persons). 合成数据"""
    from jiuzhu.analysis.claims import FORMATS, write_claims
    from jiuzhu.analysis.synth import draw, load_profile, region_profile, synth_claims
    from jiuzhu.io.atomic import check_output
    check_output(out_file, tuple(FORMATS))
    if profile_file:
        cols = synth_claims(n, seed, year, load_profile(profile_file))
    elif generic:
        cols = synth_claims(n, seed, year)
    else:
        from jiuzhu.plugins import default_host
        host = default_host()
        if regions_spec in (None, "all"):
            codes = sorted(host.regions)  # working regions only: a broken one is listed by `jiuzhu regions`
        else:
            from jiuzhu.analysis.compare import parse_regions
            codes = parse_regions(_engine(ctx), regions_spec)
        profiles = [p for p in (region_profile(host.region(c)) for c in codes) if p]
        cols = draw(n, seed, year, profiles) if profiles else synth_claims(n, seed, year)
    write_claims(cols, out_file)
    click.echo(f"{n} claims → {out_file}")


from jiuzhu.cli.serve import COMMANDS as _serve_commands  # noqa: E402

for _c in _serve_commands:
    cli.add_command(_c)
from jiuzhu.cli.kit import check_region  # noqa: E402  (commands for region authors)

cli.add_command(check_region)
from jiuzhu.cli.store import register as _register_store  # noqa: E402  (settle, reverse, usage, programs, db)
_register_store(cli)
from jiuzhu.cli.batch import claims as _claims  # noqa: E402  (case files to a claims file)

cli.add_command(_claims)
from jiuzhu.cli.analysis import reform as _reform, report_cmd as _report  # noqa: E402  (reforms, reports)

cli.add_command(_reform)
cli.add_command(_report)


def _register_extensions():
    from jiuzhu.plugins import default_host
    for problem in default_host().register_commands(cli):  # a broken extension never stops the core commands
        click.echo(f"警告 warning: {problem}", err=True)


def main():
    from jiuzhu.io.atomic import install_signal_handlers
    install_signal_handlers()
    quiet_unraisable()
    _register_extensions()
    cli(prog_name="jiuzhu")



# -- comparison across regions, batches, sweeps, synthetic claims ------------------------------


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
