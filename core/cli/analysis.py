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
