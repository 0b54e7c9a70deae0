"""``sonitus plugins`` and ``sonitus stages``."""

from __future__ import annotations

import json

import click
from sonitus.registry import STAGE_HOOKS

from . import cli


@cli.command()
@click.option("--all", "show_all", is_flag=True, help="Include the built-in plugins.")
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
def plugins(show_all: bool, as_json: bool) -> None:
    """List installed plugins: name, version, hooks, stages and load errors.

    Plugins that failed to load are always listed, with the reason. Control what loads
    with SONITUS_LOAD_PLUGINS (empty: built-ins only) and SONITUS_DISABLE_PLUGINS=a,b.
    """
    from sonitus.registry import get_registry

    records = [r for r in get_registry().plugins() if show_all or r.source != "builtin" or r.error]
    if as_json:
        click.echo(json.dumps([r.to_dict() for r in records], indent=2))
        return
    if not records:
        click.echo("No third-party plugins installed (use --all to list the built-ins).")
        return
    for r in records:
        status = click.style("FAILED", fg="red") if r.error else click.style("ok", fg="green")
        click.echo(f"{r.name} {r.version or ''} [{r.source}] {status}")
        if r.hooks:
            click.echo(f"  hooks:  {', '.join(r.hooks)}")
        if r.stages:
            click.echo(f"  stages: {', '.join(r.stages)}")
        if r.error:
            click.echo(f"  error:  {r.error}")


_KINDS = tuple(k.kind for k in STAGE_HOOKS)


@cli.command()
@click.option("--kind", type=click.Choice(_KINDS), help="Only stages of this kind.")
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
def stages(kind: str | None, as_json: bool) -> None:
    """List every stage: kind, consumes -> produces, and the plugin that provides it.

    Use a stage in Python with sonitus.dsl.stage("name", **options).
    """
    from sonitus.registry import get_registry

    specs = get_registry().specs(kind)
    if not specs and not as_json:
        what = f"{kind} stages are" if kind else "stages are"
        click.echo(f"No {what} registered yet. Install a plugin that provides one (see docs/plugins.md), "
                   "or run `sonitus plugins` to see plugins that failed to load.")
        return
    if as_json:
        click.echo(json.dumps([{"name": s.name, "kind": s.kind, "consumes": _tn(s.consumes),
                                "produces": _tn(s.produces), "plugin": s.plugin,
                                "description": s.description} for s in specs], indent=2))
        return
    width = max((len(s.name) for s in specs), default=4)
    kinds = max((len(s.kind) for s in specs), default=4)
    for s in specs:
        click.echo(f"{s.name:<{width}}  {s.kind:<{kinds}}  {s.signature:<28}  {s.plugin}"
                   + (f"\n{'':<{width}}  {s.description}" if s.description else ""))


def _tn(t: object) -> str:
    from sonitus.stages import type_name

    return type_name(t)
