"""``golive schema [NAME]``: the JSON Schemas of the plan's files without a public format."""

from __future__ import annotations

import json
import sys

import click

from golive.rules.schemas import load_schema, schema_names

__all__ = ["schema"]


@click.command()
@click.argument("name", required=False)
def schema(name: str | None) -> None:
    """List the deliverables golive ships a schema for, or print NAME's schema (JSON)."""
    names = schema_names()
    if name is None:
        for known in names:
            click.echo(known)
        return
    if name not in names:
        click.echo(f"golive schema: no schema named {name!r} (known: {', '.join(names)})",
                   err=True)
        sys.exit(2)
    click.echo(json.dumps(load_schema(name), ensure_ascii=False, indent=2))
