"""Ledger commands: ``jiuzhu db upgrade``, ``settle``, ``programs``, ``reverse``, ``usage``; ``ledger --db``."""

from __future__ import annotations

import json
from pathlib import Path

import click

from jiuzhu.model.errors import InputError
from jiuzhu.cli.guard import encoding_option

DB_HELP = "Ledger database URL (default: $JIUZHU_DB, [store] url in jiuzhu.toml, or sqlite:///jiuzhu.db beside it). 台账数据库"


def _deployment(ctx):
    from jiuzhu.cli import _engine
    return _engine(ctx).deployment


def open_store(ctx, db_url, upgrade=False):
    from jiuzhu.store import Store
    from jiuzhu.store.db import resolve
    url, source = resolve(db_url, _deployment(ctx))
    return Store.open(url, upgrade=upgrade, source=source)


def bare_store(ctx, db_url):
    """The database at the URL without the revision check (``db upgrade``, ``db current``)."""
    from jiuzhu.store import Store
    from jiuzhu.store.db import make_engine, resolve
    url, source = resolve(db_url, _deployment(ctx))
    return Store(make_engine(url, source), url)


@click.group("db")
def db_group():
    """The ledger database: create or migrate its schema. 台账数据库"""


@db_group.command("upgrade")
@click.option("--db", "db_url", default=None, help=DB_HELP)
@click.pass_context
def db_upgrade(ctx, db_url):
    """Create the schema or migrate it to this version's head. 创建或升级数据库结构"""
    from jiuzhu.store import StoreError
    from jiuzhu.store.db import head, in_memory, shown
    store = bare_store(ctx, db_url)
    if in_memory(store.engine):  # migrated, then gone with this process: no later command could use it
        raise StoreError(f"database {shown(store.url)}: in memory, so it vanishes when this command ends (no "
                         f"upgrade can last); use a file, e.g. sqlite:///jiuzhu.db")
    before = store.revision()
    store.upgrade()
    click.echo(f"{shown(store.url)}: {before or '(empty)'} → {head()}")


@db_group.command("current")
@click.option("--db", "db_url", default=None, help=DB_HELP)
@click.pass_context
def db_current(ctx, db_url):
    """Show the schema revision of the database and this version's head. 当前版本"""
    from jiuzhu.store.db import head, shown
    store = bare_store(ctx, db_url)
    click.echo(f"{shown(store.url)}: {store.revision() or '(no schema)'} (head {head()})")


def _layers_text(outcome_json: dict) -> list[str]:
    from jiuzhu.model.money import yuan
    lines = []
    for l in outcome_json.get("settlement", {}).get("layers", []):
        amt = l.get("amount_fen", l.get("amount"))
        shown = yuan(amt) if isinstance(amt, int) else str(amt)
        lines.append(f"  {l.get('name_zh', l.get('id'))} {l.get('id')}: {shown}")
    return lines


@click.command()
@click.argument("case_file", type=click.Path(dir_okay=False))
@click.option("--db", "db_url", default=None, help=DB_HELP)
@click.option("--region", default=None, help="Region code (default: the case's or the deployment's). 地区")
@click.option("--actor", default=None, help="Who records the settlement (operator, system). 经办")
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text")
@encoding_option
@click.pass_context
def settle(ctx, case_file, db_url, region, actor, fmt, encoding):
    """Settle a case against the ledger: year-to-date from the database, recorded atomically. 结算并记账"""
    from jiuzhu.cli import _engine, _load
    from jiuzhu.model.money import yuan
    from jiuzhu.store import mask_id
    eng = _engine(ctx)
    case = _load(ctx, case_file, encoding)  # the command's --encoding and the deployment's [limits]
    store = open_store(ctx, db_url)
    res = store.settle(eng, case, region, actor)
    if fmt == "json":
        click.echo(json.dumps(res.to_dict(), ensure_ascii=False, indent=2))
        return
    mark = "重复提交，返回已记录结果 replay: already recorded, nothing paid again" if res.replay else "已记账 recorded"
    click.echo(f"{res.key}\t{mark}{'（已冲正 reversed）' if res.reversed else ''}")
    click.echo(f"地区 region: {','.join(res.chain)}  人员 person: {mask_id(res.id_number)}  "
               f"机构 facility: {res.facility_name}{' ' + res.facility_code if res.facility_code else ''}  "
               f"年度 year: {res.year}")
    for (preg, prog), before in sorted(((k, res.ytd.get(k[1], 0)) for k in res.programs), key=lambda kv: kv[0]):
        add = res.programs[(preg, prog)]
        if before or add:
            click.echo(f"  累计 ytd {prog}: {yuan(before)} + {yuan(add)} = {yuan(before + add)}")
    for line in _layers_text(res.outcome_json):
        click.echo(line)
    click.echo(f"救助合计 assistance: {yuan(res.assistance)}  支付合计 paid: {yuan(res.paid)}")


@click.command()
@click.argument("region")
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text")
@click.pass_context
def programs(ctx, region, fmt):
    """The programmes a region's annual caps count in (the keys of history.ytd). 年度限额所计项目"""
    from jiuzhu.cli import _engine
    eng = _engine(ctx)
    eng.host.region(region)
    rows = [{"region": r, "id": p.id, "name_zh": p.name_zh, "name_en": p.name_en, "layers": list(p.layers),
             "measure": p.measure, "cite": str(p.cite or ""),
             **({"columns": " ".join(f"{'+' if k > 0 else '-'} {c}" for c, k in p.columns).lstrip("+ ")}
                if p.columns else {})} for r, p in eng.programs(region)]
    if fmt == "json":
        click.echo(json.dumps(rows, ensure_ascii=False, indent=2))
        return
    if not rows:
        click.echo(f"{region}: 无年度限额项目 no programmes (no annual caps)")
    for r in rows:
        what = {"amount": "计入各层金额 amounts of", "base": "计入各层基数 bases of",
                "bill": "计入每次结算单 every slip's"}.get(r["measure"], r["measure"])
        counts = ', '.join(r['layers']) or r.get("columns", "")
        click.echo(f"{r['id']}\t{r['name_zh']} {r['name_en']}\t[{r['region']}] {what} {counts}\t{r['cite']}")


@click.command()
@click.argument("key")
@click.option("--reason", required=True, help="Why the settlement is reversed. 冲正原因")
@click.option("--db", "db_url", default=None, help=DB_HELP)
@click.option("--actor", default=None, help="Who records the reversal. 经办")
@click.pass_context
def reverse(ctx, key, reason, db_url, actor):
    """Reverse (冲正/撤销) a settlement: its amounts leave the year-to-date; the record stays. 冲正"""
    rev = open_store(ctx, db_url).reverse(key, reason, actor)
    click.echo(f"{rev.key}\t已冲正 reversed ({rev.recorded_at.isoformat(timespec='seconds')})")
    if rev.review:
        click.echo("请复核 to review — later settlements this person-year the reversal may change (an annual cap bound, "
                   "or a running total their segments start from moved; not recomputed):")
        for k in rev.review:
            click.echo(f"  {k}")


@click.command()
@click.argument("id_number")
@click.option("--year", type=int, required=True, help="Calendar year. 年度")
@click.option("--region", default=None, help="Only this region's programmes (and its parents'). 地区")
@click.option("--db", "db_url", default=None, help=DB_HELP)
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text")
@click.pass_context
def usage(ctx, id_number, year, region, db_url, fmt):
    """What each programme paid a person this year, by which settlements, and what is left. 年度累计"""
    from jiuzhu.model import idcard
    from jiuzhu.model.money import yuan
    why = idcard.problem(id_number)
    if why:
        raise InputError("ID_NUMBER", None, why)
    from jiuzhu.cli import _engine
    u = open_store(ctx, db_url).usage(id_number, year, region, _engine(ctx))
    if fmt == "json":
        click.echo(json.dumps(u.to_dict(), ensure_ascii=False, indent=2))
        return
    click.echo(f"{u.id_number} {year}")
    if not u.programs:
        click.echo("  无记录 no settlements recorded")
    for p in u.programs:
        cap = "—" if p.cap is None else yuan(p.cap)
        left = "—" if p.left is None else yuan(p.left)
        keys = ", ".join(p.settlements) or "—"
        # region.programme: two regions may name their pools alike (a person who moved)
        click.echo(f"  {p.region}.{p.program} {p.name_zh}: 已付 paid {yuan(p.paid)}  限额 cap {cap}  剩余 left {left}  ({keys})")


def ledger_from_db(ctx, db_url, region, month, out_file, facility_code=None):
    """``jiuzhu ledger --db``: the month's ledgers from recorded settlements, reversals shown."""
    from jiuzhu.cli import _engine
    from jiuzhu.model.money import yuan
    from jiuzhu.paperwork.ledger import build_ledger_entries
    eng = _engine(ctx)
    store = open_store(ctx, db_url)
    store.default_engine = eng
    entries = [(s.case, s.outcome, s.reversed) for s in store.settlements(region, month, facility_code)]
    sheets = build_ledger_entries(eng, entries, region, month, Path(out_file))
    for s in sheets:
        totals = "  ".join(f"{k}={yuan(v)}" for k, v in s.totals.items())
        click.echo(f"{s.title}\t{s.rows} 行 rows\t{totals}")
    click.echo(str(out_file))


def register(cli):
    for cmd in (db_group, settle, programs, reverse, usage):
        cli.add_command(cmd)
