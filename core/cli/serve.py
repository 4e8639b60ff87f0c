"""``jiuzhu serve`` (the HTTP service) and ``jiuzhu token new`` (a bearer token for it)."""

from __future__ import annotations

import copy
import os

import click

from jiuzhu.model.errors import JiuzhuError


def _log_config() -> dict:
    """uvicorn's logging, plus the service's own loggers; uvicorn's access log is off because it
    prints raw paths (which may hold an ID number) — the service logs route templates instead."""
    from uvicorn.config import LOGGING_CONFIG
    cfg = copy.deepcopy(LOGGING_CONFIG)
    cfg["loggers"]["jiuzhu.service"] = {"handlers": ["default"], "level": "INFO", "propagate": False}
    cfg["loggers"]["jiuzhu.service.access"] = {"handlers": ["access_plain"], "level": "INFO", "propagate": False}
    cfg["handlers"]["access_plain"] = {"formatter": "default", "class": "logging.StreamHandler",
                                       "stream": "ext://sys.stdout"}
    return cfg


@click.command()
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to listen on. 监听地址")
@click.option("--port", default=8000, show_default=True, type=click.IntRange(0, 65535), help="Port. 端口")
@click.option("--db", "db", default=None, envvar="JIUZHU_DB",
              help="Ledger database URL (sqlite:///jiuzhu.db, postgresql+psycopg://…); default $JIUZHU_DB, "
                   "[store] url, else jiuzhu.db beside jiuzhu.toml. 数据库")
@click.option("--workers", default=1, show_default=True, type=click.IntRange(1, 64), help="Worker processes. 进程数")
@click.option("--access-log/--no-access-log", default=True, help="Log each request (route, status, time, token name).")
@click.pass_context
def serve(ctx, host, port, db, workers, access_log):
    """Serve the HTTP API (OpenAPI at /openapi.json, docs at /docs). 启动服务接口"""
    import uvicorn
    from jiuzhu.io.config import find_config
    from jiuzhu.service.config import build, load
    path = find_config(ctx.obj.get("config_path"))
    engine, tokens, url = load(str(path) if path else None, db)  # fail here, in one line, before forking
    if not len(tokens):
        raise JiuzhuError("service.tokens: no bearer tokens are configured in jiuzhu.toml; make one with "
                          "`jiuzhu token new NAME --role hospital|civil_affairs|analyst …`")
    cfg = _log_config()
    if not access_log:
        cfg["loggers"]["jiuzhu.service.access"]["level"] = "WARNING"
    from jiuzhu.store import Store
    from jiuzhu.store.db import shown
    Store.open(url).close()  # the schema must be at head: `jiuzhu db upgrade` first (one line if not)
    click.echo(f"jiuzhu serve: {len(engine.host.regions)} regions, {len(tokens)} tokens, ledger {shown(url)}; "
               f"http://{host}:{port}/docs", err=True)
    if workers == 1:
        app = build(str(path) if path else None, url)
        uvicorn.run(app, host=host, port=port, access_log=False, log_config=cfg)
        return
    if path:
        os.environ["JIUZHU_CONFIG"] = str(path.resolve())
    os.environ["JIUZHU_DB"] = url
    uvicorn.run("jiuzhu.service.app:app_from_env", factory=True, host=host, port=port, workers=workers,
                access_log=False, log_config=cfg)


@click.group()
def token():
    """Bearer tokens for `jiuzhu serve`. 服务令牌"""


@token.command("new")
@click.argument("name")
@click.option("--role", required=True, type=click.Choice(["hospital", "civil_affairs", "analyst"]))
@click.option("--region", default="", help="The region it acts for (hospital, civil_affairs). 地区")
@click.option("--facility", default="", help="hospital: its facility code (定点医药机构编号). 机构编号")
def token_new(name, role, region, facility):
    """Make a token: print it once, and the lines to add to jiuzhu.toml (only its hash). 生成令牌"""
    from jiuzhu.service.auth import new_token, parse_tokens
    tok, h = new_token()
    entry = {"hash": h, "role": role} | ({"region": region} if region else {}) | ({"facility": facility} if facility else {})
    parse_tokens({name: entry})  # the same checks as at start-up
    click.echo(f"# token (give it to the caller; it is not stored): {tok}", err=True)
    click.echo(f'[service.tokens."{name}"]')
    for k, v in entry.items():
        click.echo(f'{k} = "{v}"')


COMMANDS = (serve, token)
