"""Commands for region authors: ``jiuzhu check-region``."""

from __future__ import annotations

from pathlib import Path

import click

from jiuzhu.model.errors import InputError


@click.command("check-region")
@click.argument("code")
@click.option("--deployment", "deployment_file", type=click.Path(dir_okay=False), default=None,
              help="Deployment settings the region needs (a jiuzhu.toml), e.g. its required parameters. 部署配置")
@click.option("--max-examples", type=click.IntRange(1, None), default=25, show_default=True,
              help="Random cases per property.")
@click.option("--shrink/--no-shrink", default=True, show_default=True,
              help="Shrink a failing random case to the smallest one (slower) or report it as drawn.")
def check_region(code, deployment_file, max_examples, shrink):
    """Run the region contract kit against an installed region and print what fails. 检查地区插件"""
    from jiuzhu.kit.contract import run_contract
    from jiuzhu.model.tomlio import load_toml
    from jiuzhu.plugins import default_host
    deployment = {}
    if deployment_file:
        if not Path(deployment_file).is_file():
            raise InputError("--deployment", deployment_file, "expected an existing jiuzhu.toml")
        deployment = load_toml(Path(deployment_file), "deployment")
    failed = 0
    for title, problems in run_contract(default_host(), code, deployment, max_examples, shrink=shrink):
        if not problems:
            click.echo(f"✓ {title}")
            continue
        failed += 1
        click.echo(f"✗ {title}:")
        for p in problems[:15]:
            click.echo(f"  - {p}")
        if len(problems) > 15:
            click.echo(f"  … and {len(problems) - 15} more")
        if title == "parameters" and any("not given to the kit" in p for p in problems):
            click.echo("  (here: set them in a jiuzhu.toml and pass it with --deployment)")
    click.echo(f"region {code}: " + (f"{failed} check(s) failed" if failed else "every contract check passed"))
    if failed:
        raise click.exceptions.Exit(1)
