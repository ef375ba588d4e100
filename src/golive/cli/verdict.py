"""`golive verdict results.json`: the run's verdict again, with the sign-offs added.

No check runs: the board signs after reading the report, and this recomputes the verdict
from the run's recorded results and the signed records, then rewrites readiness.html,
summary.md, junit.xml and results.json.
"""

from __future__ import annotations

import sys
from pathlib import Path

import click

from golive._errors import ConfigError
from golive._redact import install
from golive.config import load_config
from golive.facts.sshsig import SshKeygenMissing
from golive.finish.signoff import reverdict
from golive.report.signoffs import attestation_lines

__all__ = ["verdict"]


@click.command()
@click.argument("results", type=click.Path(path_type=Path))
@click.option(
    "--attestations",
    "extra",
    multiple=True,
    type=click.Path(path_type=Path),
    help="a folder of signed records or one record file (repeatable), beside the"
    " `attestations` of golive.toml",
)
@click.option(
    "--config",
    "-c",
    type=click.Path(path_type=Path),
    default=None,
    help="golive.toml (default: ./golive.toml when present): approvers, allowed_signers",
)
@click.option(
    "-o",
    "--output",
    type=click.Path(path_type=Path),
    default=None,
    help="where the reports go (default: beside results.json)",
)
def verdict(results: Path, extra: tuple[Path, ...], config: Path | None,
            output: Path | None) -> None:  # fmt: skip
    """Recompute the verdict of a finished run with the signed sign-off records and
    rewrite its reports, without running a check. Exit code as `golive run`."""
    if config is None and Path("golive.toml").is_file():
        config = Path("golive.toml")
    try:
        loaded = load_config(config)
        install(loaded)
        data = reverdict(results, loaded, list(extra), output)
    except ConfigError as exc:
        for line in exc.problems:
            click.echo(f"golive verdict: {line}", err=True)
        sys.exit(2)
    except SshKeygenMissing as exc:
        click.echo(f"golive verdict: {exc}", err=True)
        sys.exit(2)
    for line in attestation_lines(data):
        click.echo(line)
    folder = output or results.parent
    click.echo(f"verdict: {data.verdict.value} (exit {data.exit_code}) · reports in {folder}")
    sys.exit(data.exit_code)
