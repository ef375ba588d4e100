"""Sign-offs: the record a person signs for a human-process criterion, and when it counts.

A record names the run it signs off (its run id, the verdict the signer read and a digest
of the run's check results), carries an expiry, and is signed with the approver's SSH key
(``ssh-keygen -Y sign -n golive-attestation``; the signature sits beside the record file
as ``<file>.sig``). It counts only when every one of these holds, in this order: signed;
the signature matches the record's bytes; an allowed-signers file is configured and lists
the signing key; the key is the one of the principal the record names in ``by``; that
principal is an approver of the criterion; OpenSSH accepts the signature for it; the run
id and the digest are this run's; not expired, not dated in the future. Otherwise the
criterion stays not verified with the first reason that failed (never a pass).

What OpenSSH says about a signature (:class:`SignatureCheck`) is read by
golive.facts.sshsig; this module only judges.
"""

from __future__ import annotations

import datetime as dt
import io
from dataclasses import dataclass
from typing import Any, Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, model_validator

from golive.config import IsoDate, NonBlank

__all__ = [
    "NAMESPACE",
    "RECORD_SCHEMA",
    "RunRef",
    "SignatureCheck",
    "Signoff",
    "SignoffRecord",
    "judge_signoff",
    "render_record",
    "unsigned_legacy",
]

NAMESPACE = "golive-attestation"  # ssh-keygen -n: a signature made for another use never counts
RECORD_SCHEMA = "golive.attestation/1"
_Verdict = Literal["GO", "NO-GO", "UNVERIFIED", "INCOMPLETE"]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True, populate_by_name=True)


class RunRef(_Strict):
    """The run a record signs off, as results.json names it."""

    id: NonBlank
    verdict: _Verdict  # the verdict the signer read in the report
    profile: str | None = None
    env: str | None = None
    results: NonBlank  # sha256:<hex> of the run's check results (RunData.checks_digest)


class SignoffRecord(_Strict):
    """One sign-off as written by ``golive attest``; the signature covers the file's bytes."""

    schema_: Literal["golive.attestation/1"] = Field(alias="schema")
    criterion: NonBlank
    by: NonBlank  # the principal of the allowed-signers file whose key signs
    date: IsoDate
    expires: IsoDate
    evidence: NonBlank
    run: RunRef

    @model_validator(mode="after")
    def _expires_after_date(self) -> SignoffRecord:
        if self.expires < self.date:
            raise ValueError(f"expires: {self.expires} is before the date {self.date}")
        return self


def render_record(record: SignoffRecord) -> str:
    """The record's text, as written to be signed: a comment saying how, then the fields."""
    body = record.model_dump(mode="json", by_alias=True)
    out = io.StringIO()
    out.write(f"# golive sign-off record ({RECORD_SCHEMA}). Sign it with your SSH key:\n")
    out.write(f"#   ssh-keygen -Y sign -f ~/.ssh/id_ed25519 -n {NAMESPACE} <this file>\n")
    out.write("# Any change to this file after signing voids the signature.\n")
    yaml.safe_dump(body, out, allow_unicode=True, sort_keys=False, width=1000)
    return out.getvalue()


@dataclass(frozen=True)
class SignatureCheck:
    """What OpenSSH says about one signature of one record file.

    ``matches``: a valid signature of these bytes in the golive namespace, by some key;
    ``fingerprint``: the signing key's; ``principals``: who holds that key in the
    allowed-signers file; ``accepted``: ``ssh-keygen -Y verify`` accepted it for the
    principal the record names (the file's namespaces and validity options applied);
    ``detail``: OpenSSH's own words.
    """

    matches: bool
    fingerprint: str | None
    principals: tuple[str, ...]
    accepted: bool
    detail: str


class Signoff(BaseModel):
    """A record judged against one run: whether it counts, and what the reports show."""

    criterion: str
    counts: bool
    reason: str
    by: str
    date: dt.date | None = None
    expires: dt.date | None = None
    evidence: str = ""
    run_id: str | None = None  # the run the record signs off
    run_verdict: str | None = None
    key: str | None = None  # the signing key's fingerprint
    signed: bool = False
    source: str = ""  # the record's file

    def shown(self) -> dict[str, Any]:
        """The attestation entry of results.json (every reporter reads this)."""
        return self.model_dump(mode="json")


def unsigned_legacy(
    criterion: str, by: str, date: dt.date, expires: dt.date, evidence: str, source: str
) -> Signoff:
    """A record of the old unsigned list form: shown, never counted."""
    return Signoff(
        criterion=criterion, counts=False, by=by, date=date, expires=expires, evidence=evidence,
        source=source, reason=f"record by {by} is not signed and names no run ({source});"
        " write one with golive attest and sign it with ssh-keygen -Y sign",
    )  # fmt: skip


def judge_signoff(
    record: SignoffRecord,
    signature: SignatureCheck | None,
    *,
    source: str,
    allowed_signers: bool,
    approvers: list[str] | None,
    run_id: str | None,
    run_digest: str,
    today: dt.date,
) -> Signoff:
    """Whether ``record`` counts for the run ``run_id`` (``signature``: None when the record
    has no .sig beside it; ``approvers``: None lets anyone the allowed-signers file lists)."""
    by = record.by
    shown = Signoff(
        criterion=record.criterion, counts=False, reason="", by=by, date=record.date,
        expires=record.expires, evidence=record.evidence, run_id=record.run.id,
        run_verdict=record.run.verdict, signed=signature is not None, source=source,
        key=signature.fingerprint if signature else None,
    )  # fmt: skip
    reason = _why_not(record, signature, allowed_signers, approvers, run_id, run_digest, today)
    if reason is not None:
        return shown.model_copy(update={"reason": reason})
    assert signature is not None  # _why_not refuses an unsigned record
    return shown.model_copy(update={
        "counts": True,
        "reason": f"signed by {by} on {record.date} ({signature.fingerprint}), valid until"
                  f" {record.expires}, for run {record.run.id} ({record.run.verdict})",
    })  # fmt: skip


def _why_not(
    record: SignoffRecord,
    signature: SignatureCheck | None,
    allowed_signers: bool,
    approvers: list[str] | None,
    run_id: str | None,
    run_digest: str,
    today: dt.date,
) -> str | None:
    by, cid = record.by, record.criterion
    if signature is None:
        return f"record by {by} is not signed (no {_sig_name()} beside it)"
    if not signature.matches:
        return (f"signature of the record by {by} does not match it (altered after signing,"
                f" or not a {NAMESPACE} signature): {signature.detail}")  # fmt: skip
    key = signature.fingerprint or "unknown key"
    if not allowed_signers:
        return f"record by {by} signed with {key}, but no allowed_signers file is configured"
    if not signature.principals:
        return f"record by {by} signed with {key}, which allowed_signers does not list"
    if by not in signature.principals:
        holders = ", ".join(signature.principals)
        return f"record names {by} but is signed with the key of {holders} ({key})"
    if approvers is not None and by not in approvers:
        return f"{by} is not an approver of {cid} (approvers: {', '.join(approvers) or 'none'})"
    if not signature.accepted:
        return f"OpenSSH refused the signature of {by}: {signature.detail}"
    if run_id is None or record.run.id != run_id:
        return f"record by {by} signs off run {record.run.id}, not this run ({run_id or '-'})"
    if record.run.results != run_digest:
        return (f"record by {by} signs off other check results of run {run_id}"
                " (results.json changed after signing)")  # fmt: skip
    if record.expires < today:
        return f"sign-off by {by} expired on {record.expires}"
    if record.date > today:
        return f"sign-off by {by} is dated {record.date}, in the future"
    return None


def _sig_name() -> str:
    return "<record>.sig"
