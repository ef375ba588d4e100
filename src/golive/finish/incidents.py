"""Writing the インシデント記録: a daily run that is not GO, or has a failing criterion,
opens or updates the day's incident record (place and marks: golive.history.incidents).

One file per day and environment (the daily profile may run several times a day); one
section per run, listing each failing criterion with its measured value against its
threshold. Writing is idempotent per run.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from golive._redact import redact
from golive.history.incidents import (
    PROFILE,
    incident_path,
    mark,
    needs_record,
    recorded_runs,
    stamp,
)
from golive.history.store import as_utc
from golive.judging.results import CriterionResult, RunData, write_json_atomically

__all__ = ["write_incident_record"]


def _one_line(text: str | None, limit: int = 300) -> str:
    flat = " ".join((text or "").split()).replace("`", "'")
    return flat if len(flat) <= limit else flat[: limit - 1] + "…"


def _measured(measured: Any) -> str:
    if isinstance(measured, dict) and "value" in measured:
        return _one_line(f"{measured['value']} {measured.get('unit') or ''}".strip())
    return "—" if measured is None else _one_line(str(measured))


def _item(result: CriterionResult) -> str:
    return (
        f"- `{result.id}` ({result.severity.value}) **{result.status.value}**: "
        f"measured {_measured(result.measured)}, threshold {result.threshold or '—'}"
        f" — {_one_line(result.reason) or 'no reason given'}"
    )


def _section(run: RunData, failing: list[CriterionResult]) -> str:
    at = as_utc(run.finished_at)
    lines = [
        f"## Run of {at:%H:%M:%S} UTC: {run.verdict.value}",
        mark(run.finished_at),
        "",
    ]
    if failing:
        lines.append("Failing criteria (measured against threshold):")
        lines.append("")
        lines += [_item(result) for result in failing]
    else:
        lines.append(
            f"No criterion failed; the run ended {run.verdict.value}"
            + (" (interrupted)" if run.interrupted else "")
            + "."
        )
    lines += ["", "Triage: classification —, urgency —, owner —, resolution —", ""]
    return "\n".join(lines)


def write_incident_record(run_data: RunData, folder: Path) -> Path | None:
    """Open or update the day's incident record for a daily run that needs one.

    ``folder`` is the history folder the run was recorded in. Returns the record's path,
    or None when the run needs none (not a daily run; GO with nothing failing).
    """
    if run_data.profile != PROFILE:
        return None
    statuses = {c.id: c.status for c in run_data.criteria}
    failing_ids = needs_record(run_data.verdict, statuses)
    if failing_ids is None:
        return None
    path = incident_path(folder, run_data.finished_at, run_data.env)
    existing = path.read_text(encoding="utf-8") if path.is_file() else ""
    if stamp(run_data.finished_at) in recorded_runs(existing):
        return path  # this run is recorded already
    if not existing:
        day = as_utc(run_data.finished_at).date().isoformat()
        existing = f"# Incident record: {PROFILE} · {run_data.env or '-'} · {day}\n\n"
    failing = [c for c in run_data.criteria if c.id in failing_ids]
    write_json_atomically(path, existing + redact(_section(run_data, failing)))
    return path
