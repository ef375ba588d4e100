"""The demo's sample records: attestations for the criteria only a person can confirm, and
waivers for what the demo machine cannot verify (``demo-attestations.yaml``,
``demo-waivers.yaml`` beside this module). Each record says in ``by``/``approver`` that
it is a golive demo sample, so the report never passes it off as a team's sign-off.

:func:`write_records` dates them today with a short expiry and writes them into the run
folder, where the demo's golive.toml names them.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import yaml

__all__ = ["ATTESTATIONS_FILE", "DEMO_SIGNER", "VALID_DAYS", "WAIVERS_FILE", "write_records"]

DEMO_SIGNER = "golive demo (sample record)"
ATTESTATIONS_FILE = "attestations.yaml"
WAIVERS_FILE = "waivers.yaml"
VALID_DAYS = 30  # like a real sign-off, a sample one is for this run, not for ever
_HERE = Path(__file__).resolve().parent


def _shipped(name: str) -> list[dict[str, Any]]:
    records = yaml.safe_load((_HERE / name).read_text(encoding="utf-8")) or []
    if not isinstance(records, list):
        raise ValueError(f"{name}: must be a list of records")
    return records


def write_records(run_dir: Path, today: dt.date | None = None) -> tuple[Path, Path]:
    """Write the dated attestations and waivers into ``run_dir``; return both paths."""
    today = today or dt.date.today()
    expires = today + dt.timedelta(days=VALID_DAYS)
    attestations = [
        {**r, "by": DEMO_SIGNER, "date": today, "expires": expires}
        for r in _shipped("demo-attestations.yaml")
    ]
    waivers = [{**r, "approver": DEMO_SIGNER, "expires": expires}
               for r in _shipped("demo-waivers.yaml")]  # fmt: skip
    paths = (run_dir / ATTESTATIONS_FILE, run_dir / WAIVERS_FILE)
    for path, records in zip(paths, (attestations, waivers), strict=True):
        path.write_text("# Written by golive demo: sample records, not a team's sign-off.\n"
                        + yaml.safe_dump(records, allow_unicode=True, sort_keys=False),
                        encoding="utf-8")  # fmt: skip
    return paths
