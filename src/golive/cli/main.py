"""The golive command line: run a profile, list the catalog, drive the demo stack."""

from __future__ import annotations

import json

import click
from rich.console import Console
from rich.table import Table

from golive import __version__
from golive._procs import terminate_as_interrupt
from golive._redact import install, redact_std_streams
from golive.catalog import PROFILES, load_catalog
from golive.cli.attest import attest
from golive.cli.demo import demo
from golive.cli.load import load, load_worker
from golive.cli.run import run
from golive.cli.schema import schema
from golive.cli.verdict import verdict

__all__ = ["main"]

_out = Console()


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="golive")
def main() -> None:
    """golive: is this stack ready to go live?

    Encodes the acceptance plan as a criterion catalog, checks it with pytest against
    real targets, and writes results.json, junit.xml, summary.md and readiness.html.

    Exit codes: 0 GO, 1 NO-GO, 2 usage or configuration error (or a run that executed
    no check), 3 INCOMPLETE (interrupted or crashed), 4 UNVERIFIED (nothing blocking
    failed, a blocking criterion was not verified; 0 with --allow-unverified).
    """
    # SIGTERM and SIGHUP unwind like Ctrl-C in every command: the child processes a command
    # started (Locust, scanners, the demo stack) are stopped on the way out, never orphaned
    terminate_as_interrupt()
    # every line a command prints passes the redaction; the config's secrets join the
    # environment's when a command reads golive.toml
    install()
    redact_std_streams()


@main.command()
@click.option("--format", "fmt", type=click.Choice(["table", "json"]), default="table",
              show_default=True)
@click.option("--profile", "-p", type=click.Choice(PROFILES), default=None,
              help="only the criteria of this profile")
@click.option("--lang", type=click.Choice(["ja", "en"]), default="en", show_default=True)
def criteria(fmt: str, profile: str | None, lang: str) -> None:
    """List the criterion catalog."""
    catalog = load_catalog()
    entries = catalog.in_profile(profile) if profile else list(catalog)
    if fmt == "json":
        click.echo(json.dumps([c.model_dump(mode="json") for c in entries],
                              ensure_ascii=False, indent=2))
        return
    table = Table(title=f"golive criteria ({len(entries)})", show_lines=False)
    for column in ("id", "title", "kind", "severity", "threshold", "profiles"):
        table.add_column(column)
    for c in entries:
        table.add_row(c.id, getattr(c.title, lang), c.kind.value, c.severity.value,
                      str(c.threshold) if c.threshold else "", ",".join(c.profiles))
    _out.print(table)


main.add_command(run)
main.add_command(demo)
main.add_command(load)
main.add_command(load_worker)
main.add_command(schema)
main.add_command(attest)
main.add_command(verdict)
