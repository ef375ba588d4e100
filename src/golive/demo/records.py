"""The demo's sample records: sign-offs for the criteria only a person can confirm, and
waivers for what the demo machine cannot verify (``demo-attestations.yaml``,
``demo-waivers.yaml`` beside this module). Each record says in ``by``/``approver`` and its
evidence that it is a golive demo sample, so the report never passes it off as a team's
sign-off.

Sign-offs work in the demo as in a team: a record names the run it signs off, so the demo
signs after its final run, the way a board signs after reading the report. At start-up
:func:`write_records` makes a throwaway SSH key and the allowed-signers file naming it
(:data:`DEMO_SIGNER_PRINCIPAL`), and writes the dated waivers; after the run
:func:`sign_run` writes one record per human-process criterion for that run
(``golive attest``'s format), signs each with ``ssh-keygen -Y sign`` and recomputes the
verdict (``golive verdict``'s code), rewriting the reports.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import yaml

from golive.config import load_config
from golive.facts.sshsig import generate_key, sign_file
from golive.finish.signoff import read_results, reverdict, write_record
from golive.judging.results import RunData

__all__ = [
    "ALLOWED_SIGNERS_FILE",
    "ATTESTATIONS_FILE",
    "DEMO_SIGNER",
    "DEMO_SIGNER_PRINCIPAL",
    "KEY_FILE",
    "SIGNED_OFF_BY_BOARD",
    "VALID_DAYS",
    "WAIVERS_FILE",
    "config_lines",
    "sign_run",
    "signoff_tables",
    "write_records",
]

DEMO_SIGNER = "golive demo (sample record)"  # waivers' approver
# the sign-offs' principal: an allowed-signers principal holds no space; .invalid: no one's
DEMO_SIGNER_PRINCIPAL = "demo-sample-record@golive.invalid"
ATTESTATIONS_FILE = "attestations"  # a folder: one signed record per criterion
WAIVERS_FILE = "waivers.yaml"
ALLOWED_SIGNERS_FILE = "allowed_signers"
KEY_FILE = "demo-signing-key"  # throwaway, made at start-up, never leaves the run folder
VALID_DAYS = 30  # like a real sign-off, a sample one is for this run, not for ever
# the demo's golive.toml names approvers per criterion for these ([[signoff]])
SIGNED_OFF_BY_BOARD = (
    "ops.final-review-security", "ops.final-review-performance", "ops.final-review-operations",
)  # fmt: skip
_HERE = Path(__file__).resolve().parent


def _shipped(name: str) -> list[dict[str, Any]]:
    records = yaml.safe_load((_HERE / name).read_text(encoding="utf-8")) or []
    if not isinstance(records, list):
        raise ValueError(f"{name}: must be a list of records")
    return records


def config_lines(run_dir: Path) -> list[str]:
    """The demo golive.toml's top-level lines for its records (absolute paths, so a copy of
    the file elsewhere still finds them)."""
    folder = run_dir.resolve()
    return [
        "# golive demo's sample records (golive.demo.records), marked as samples: sign-offs",
        "# signed with a throwaway key after the final run, waivers with their reasons",
        f"attestations = {_quoted(folder / ATTESTATIONS_FILE)}",
        f"allowed_signers = {_quoted(folder / ALLOWED_SIGNERS_FILE)}",
        f"waivers = {_quoted(folder / WAIVERS_FILE)}",
    ]


def signoff_tables() -> list[str]:
    """[[signoff]] tables: who may sign off the final reviews (TOML: after the keys)."""
    lines = ["# who may sign off the final reviews (others: anyone in allowed_signers)"]
    for criterion in SIGNED_OFF_BY_BOARD:
        lines += ["[[signoff]]", f'criterion = "{criterion}"',
                  f'approvers = ["{DEMO_SIGNER_PRINCIPAL}"]']  # fmt: skip
    return [*lines, ""]


def _quoted(path: Path) -> str:
    return '"' + str(path).replace("\\", "\\\\").replace('"', '\\"') + '"'


def write_records(run_dir: Path, today: dt.date | None = None) -> tuple[Path, Path]:
    """The throwaway signing key and its allowed-signers file, an empty folder for the
    sign-offs, and the dated waivers; returns (sign-off folder, waivers file)."""
    today = today or dt.date.today()
    expires = today + dt.timedelta(days=VALID_DAYS)
    public = generate_key(run_dir / KEY_FILE, "golive demo throwaway key (sample sign-offs)")
    (run_dir / ALLOWED_SIGNERS_FILE).write_text(
        "# golive demo: its throwaway key, for sample sign-offs only\n"
        f'{DEMO_SIGNER_PRINCIPAL} namespaces="golive-attestation" {public}\n',
        encoding="utf-8",
    )
    folder = run_dir / ATTESTATIONS_FILE
    folder.mkdir(parents=True, exist_ok=True)
    for old in folder.iterdir():  # records of an earlier demo name runs of that demo
        if old.is_file():
            old.unlink()
    waivers = [{**r, "approver": DEMO_SIGNER, "expires": expires}
               for r in _shipped("demo-waivers.yaml")]  # fmt: skip
    (run_dir / WAIVERS_FILE).write_text(
        "# Written by golive demo: sample records, not a team's sign-off.\n"
        + yaml.safe_dump(waivers, allow_unicode=True, sort_keys=False),
        encoding="utf-8",
    )
    return folder, run_dir / WAIVERS_FILE


def sign_run(run_dir: Path, output: Path, today: dt.date | None = None) -> RunData:
    """Sign off the run in ``output`` with the demo's sample records and its throwaway key,
    then recompute its verdict and rewrite its reports (no check runs again)."""
    today = today or dt.date.today()
    results = output / "results.json"
    data = read_results(results)
    in_scope = {c.id for c in data.criteria if not c.automated}
    folder = run_dir / ATTESTATIONS_FILE
    for sample in _shipped("demo-attestations.yaml"):
        criterion = str(sample["criterion"])
        if criterion not in in_scope:
            continue
        path = folder / f"{criterion}.yaml"
        path.with_name(path.name + ".sig").unlink(missing_ok=True)  # a record of an older run
        write_record(criterion, results, by=DEMO_SIGNER_PRINCIPAL,
                     expires=today + dt.timedelta(days=VALID_DAYS),
                     evidence=str(sample["evidence"]), output=path, today=today)  # fmt: skip
        sign_file(path, run_dir / KEY_FILE)
    return reverdict(results, load_config(run_dir / "golive.toml"), [], output, today=today)
