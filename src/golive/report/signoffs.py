"""Sign-offs as every output shows them apart from the checks: who signed, when, until
when, which run, with which key, or why the record does not count."""

from __future__ import annotations

from dataclasses import dataclass

from golive.judging.results import CriterionResult, RunData
from golive.judging.verdict import Status

__all__ = ["SignoffRow", "attestation_lines", "signoff_rows"]


@dataclass(frozen=True)
class SignoffRow:
    id: str
    status: str
    counts: bool
    signer: str
    date: str
    expires: str
    run: str  # the run the record signs off, with the verdict its signer read
    key: str
    reason: str
    source: str


def _row(result: CriterionResult) -> SignoffRow:
    a = result.attestation or {}
    run = a.get("run_id") or ""
    if run and a.get("run_verdict"):
        run = f"{run} ({a['run_verdict']})"
    return SignoffRow(
        id=result.id, status=result.status.value,
        counts=bool(a.get("counts")) and result.status is Status.PASS,
        signer=a.get("by") or "", date=a.get("date") or "", expires=a.get("expires") or "",
        run=run, key=a.get("key") or "", reason=result.reason or "", source=a.get("source") or "",
    )  # fmt: skip


def signoff_rows(data: RunData) -> list[SignoffRow]:
    """One row per human-process criterion in scope, the ones that count last."""
    rows = [_row(c) for c in data.criteria if not c.automated]
    return sorted(rows, key=lambda r: (r.counts, r.id))


def attestation_lines(data: RunData, *, records_only: bool = False) -> list[str]:
    """The console's block: a header, then one line per sign-off (signed, or why its record
    does not count); ``records_only`` leaves out the criteria that have no record at all."""
    rows = signoff_rows(data)
    if not rows:
        return []
    counted = sum(r.counts for r in rows)
    lines = [f"attestations: {counted} of {len(rows)} signed off for run {data.run_id or '-'}"]
    for r in rows:
        if records_only and not r.signer:
            continue
        if r.counts:
            lines.append(f"  signed       {r.id}  by {r.signer} on {r.date}, expires {r.expires},"
                         f" run {r.run}, key {r.key}")  # fmt: skip
        else:
            first = (r.reason.splitlines() or ["-"])[0]
            lines.append(f"  {r.status:<12} {r.id}  {first}")
    return lines
