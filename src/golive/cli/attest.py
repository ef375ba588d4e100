"""`golive attest CRITERION --run results.json`: write the sign-off record to sign.

The record names the run (its id, its verdict, a digest of its check results) and an
expiry; the approver signs it with ssh-keygen and ``golive verdict`` counts it.
"""

from __future__ import annotations

import datetime as dt
import re
import shutil
import subprocess
import sys
from pathlib import Path

import click

from golive._errors import ConfigError
from golive.finish.signoff import write_record
from golive.judging.signoff import NAMESPACE

__all__ = ["DEFAULT_DAYS", "attest"]

DEFAULT_DAYS = 30  # a sign-off is for this release, not for ever


def _fail(line: str) -> None:
    click.echo(f"golive attest: {line}", err=True)
    sys.exit(2)


def _git_email() -> str | None:
    git = shutil.which("git")
    if git is None:
        return None
    done = subprocess.run([git, "config", "--get", "user.email"], capture_output=True,
                          text=True, timeout=10, check=False)  # fmt: skip
    return done.stdout.strip() or None


def _date(_ctx: click.Context, _param: click.Parameter, value: str | None) -> dt.date | None:
    if value is None:
        return None
    if not re.fullmatch(r"\d{4}-\d{2}-\d{2}", value):
        raise click.BadParameter("must be a date (YYYY-MM-DD)")
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        raise click.BadParameter("is not a valid date (YYYY-MM-DD)") from None


@click.command()
@click.argument("criterion")
@click.option(
    "--run",
    "results",
    required=True,
    type=click.Path(path_type=Path),
    help="results.json of the run being signed off",
)
@click.option(
    "--by",
    default=None,
    help="the signer: a principal of the allowed-signers file (default: git's user.email)",
)
@click.option(
    "--expires",
    callback=_date,
    default=None,
    help=f"YYYY-MM-DD (default: {DEFAULT_DAYS} days from today)",
)
@click.option("--evidence", default=None, help="what was reviewed (a link, a minutes file)")
@click.option(
    "-o",
    "--output",
    type=click.Path(path_type=Path),
    default=None,
    help="the record file (default: attestations/CRITERION.BY.yaml)",
)
def attest(criterion: str, results: Path, by: str | None, expires: dt.date | None,
           evidence: str | None, output: Path | None) -> None:  # fmt: skip
    """Write the sign-off record of CRITERION for the run in results.json, to be signed
    with the approver's SSH key; `golive verdict` then counts it."""
    signer = (by or _git_email() or "").strip()
    if not signer:
        _fail("--by: not given and git has no user.email")
    if re.search(r"[\s,]", signer):
        _fail(f"--by: {signer!r} holds a space or comma: not an allowed-signers principal")
    slug = re.sub(r"[^A-Za-z0-9@._-]", "_", signer)
    output = output or Path("attestations") / f"{criterion}.{slug}.yaml"
    until = expires or dt.date.today() + dt.timedelta(days=DEFAULT_DAYS)
    try:
        write_record(criterion, results, by=signer, expires=until, evidence=evidence,
                     output=output)  # fmt: skip
    except ConfigError as exc:
        _fail(exc.problems[0])
    click.echo(f"wrote {output}")
    click.echo(f"sign it:  ssh-keygen -Y sign -f ~/.ssh/id_ed25519 -n {NAMESPACE} {output}")
    click.echo(f"then:     golive verdict {results} --attestations {output.parent}")
