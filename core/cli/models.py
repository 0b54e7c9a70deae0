"""``sonitus models``: the models stages load by name, and where each one is."""

from __future__ import annotations

import json

import click
from sonitus.registry import get_registry

from .app import cli


@cli.command()
@click.option("--json", "as_json", is_flag=True, help="Print one JSON list.")
def models(as_json: bool) -> None:
    """List the models stages load by name, and where each one is (or how to install it).

    Give a name to the stage's model option: sonitus transcribe --model base, or
    recognize(model="base") in the DSL. Models split over several packages are joined
    into the user cache the first time they are listed or used.

    \b
    Examples:
      sonitus models
      sonitus models --json
    """

    found = get_registry().models()
    if as_json:
        click.echo(json.dumps([m.to_dict() for m in found], indent=2))
        return
    if not found:
        click.echo("No plugin registers a model.")
        return
    for m in found:
        path, problem = m.where()
        mark = click.style("ok", fg="green") if path else click.style("not installed", fg="yellow")
        default = " (default)" if m.default else ""
        click.echo(f"{m.stage} --model {m.name}{default}: {m.description} [{mark}]")
        click.echo(f"  {path or problem}")
