"""The run data (schema golive.results/1): built once, read by every reporter."""

from __future__ import annotations

import hashlib
import json
import os
import secrets
from collections import Counter
from datetime import date, datetime
from pathlib import Path
from typing import Any

from pydantic import BaseModel, Field

from golive.catalog import Criterion, Kind, Severity, Threshold
from golive.config import Waiver
from golive.judging.signoff import Signoff
from golive.judging.verdict import RunVerdict, Status, combine, exit_code_for, run_verdict

__all__ = [
    "SCHEMA",
    "CheckResult",
    "CriterionResult",
    "Interruption",
    "OutOfScope",
    "RunData",
    "Trend",
    "build_run_data",
    "judge_criterion",
    "new_run_id",
    "with_signoffs",
    "write_json_atomically",
]

SCHEMA = "golive.results/1"


class CheckResult(BaseModel):
    nodeid: str
    status: Status
    reason: str | None = None
    duration_s: float = 0.0
    measured: Any = None
    evidence: list[dict[str, Any]] = Field(default_factory=list)


class CriterionResult(BaseModel):
    id: str
    title: dict[str, str]
    seed: list[str]
    area: str
    kind: Kind
    severity: Severity
    automated: bool
    status: Status
    measured: Any = None
    threshold: Threshold | None = None
    reason: str | None = None
    evidence: list[dict[str, Any]] = Field(default_factory=list)
    checks: list[CheckResult] = Field(default_factory=list)
    waiver: dict[str, Any] | None = None
    attestation: dict[str, Any] | None = None
    rationale: str = ""


class OutOfScope(BaseModel):
    """A criterion of the profile that a narrowing (--kind, pytest selection) left out:
    listed so the scope is explicit, never judged, never counted in the verdict."""

    id: str
    severity: Severity
    reason: str


class Trend(BaseModel):
    """One measured figure against earlier runs (computed by golive.history.trends)."""

    id: str
    unit: str | None
    values: list[float]  # oldest first, this run last
    baseline: float | None
    change_pct: float | None
    regressed: bool
    why: str | None = None


def new_run_id(started_at: datetime) -> str:
    """A run's id: when it started, and a random part no one can guess before it ran (a
    sign-off names it, so a record cannot be prepared for a run that did not happen)."""
    return f"{started_at:%Y%m%dT%H%M%SZ}-{secrets.token_hex(4)}"


class Interruption(BaseModel):
    """Why an INCOMPLETE run stopped, how far it got, what it left behind."""

    reason: str  # e.g. "SIGTERM to golive", "deadline of 30 min passed", "a worker crashed"
    checks_run: int | None = None
    checks_selected: int | None = None
    # what an interrupted drill did to the target (rolled back, or the state it left)
    left_state: list[str] = Field(default_factory=list)
    # "pytest": the run wrote its own partial results; "golive": `golive run` wrote them
    # from what its pytest child had reported before it died
    written_by: str = "pytest"


class RunData(BaseModel):
    schema_: str = Field(default=SCHEMA, alias="schema")
    run_id: str | None = None  # None: written by a golive before sign-offs named runs
    golive_version: str
    profile: str | None
    env: str | None
    # UNVERIFIED exits 0 (--allow-unverified); the verdict stays UNVERIFIED
    allow_unverified: bool = False
    lang: str
    started_at: datetime
    finished_at: datetime
    verdict: RunVerdict
    exit_code: int = 0  # golive's exit code for this verdict (golive.judging.verdict)
    interrupted: bool = False
    interruption: Interruption | None = None  # INCOMPLETE: why, and how far it got
    note: str | None = None
    counts: dict[str, int]
    criteria: list[CriterionResult]  # the run's scope: only these are judged
    out_of_scope: list[OutOfScope] = Field(default_factory=list)
    narrowed_by: list[str] = Field(default_factory=list)  # what narrowed the scope, if any
    checks_run: int | None = None  # checks that executed (None: not counted, older runs)
    # filled by golive.history.trends before the reporters run
    trends: list[Trend] = Field(default_factory=list)
    history_runs: int = 0
    notification: dict[str, Any] | None = None

    model_config = {"populate_by_name": True}

    @property
    def scope(self) -> dict[str, int]:
        return {"in": len(self.criteria), "out": len(self.out_of_scope)}

    @property
    def blocking_unverified(self) -> list[CriterionResult]:
        """The blocking criteria in scope that neither passed nor are waived: UNVERIFIED."""
        return [c for c in self.criteria if c.severity is Severity.BLOCKING
                and c.status is Status.NOT_VERIFIED]

    @property
    def executed_nothing(self) -> bool:
        """No check ran although the scope holds automated criteria: judged nothing."""
        return self.checks_run == 0 and any(c.automated for c in self.criteria)

    def to_json(self) -> str:
        return self.model_dump_json(by_alias=True, indent=2)

    def checks_digest(self) -> str:
        """``sha256:<hex>`` of what the checks found (per criterion, as results.json holds
        it): a sign-off names it, and recomputing the verdict leaves it unchanged."""
        body = [
            json.loads(c.model_dump_json(include={"id", "checks"}))
            for c in sorted(self.criteria, key=lambda c: c.id)
            if c.automated
        ]
        text = json.dumps([self.run_id, self.profile, self.env, body], sort_keys=True,
                          separators=(",", ":"), ensure_ascii=False)  # fmt: skip
        return "sha256:" + hashlib.sha256(text.encode("utf-8")).hexdigest()


def _reason_of(checks: list[CheckResult], status: Status) -> str | None:
    reasons = [c.reason for c in checks if c.status is status and c.reason]
    return "; ".join(dict.fromkeys(reasons)) or None


def judge_criterion(
    criterion: Criterion,
    threshold: Threshold | None,
    checks: list[CheckResult],
    *,
    waiver: Waiver | None,
    attestation: Signoff | None,
    today: date,
    missing_reason: str,
) -> CriterionResult:
    """One criterion's verdict from its checks, its waiver and (if human) its attestation."""
    result = CriterionResult(
        id=criterion.id,
        title=criterion.title.model_dump(),
        seed=criterion.seed,
        area=criterion.area,
        kind=criterion.kind,
        severity=criterion.severity,
        automated=criterion.automated,
        status=Status.NOT_VERIFIED,
        threshold=threshold,
        checks=checks,
        rationale=criterion.rationale,
    )
    if not criterion.automated:
        _attest(result, attestation)
    elif not checks:
        result.reason = missing_reason
    else:
        result.status = combine(c.status for c in checks)
        result.reason = _reason_of(checks, result.status)
        result.evidence = [e for c in checks for e in c.evidence]
        measured = [c.measured for c in checks if c.measured is not None]
        failing = [c.measured for c in checks if c.status is Status.FAIL and c.measured is not None]
        result.measured = (failing or measured or [None])[0]
    if waiver is not None:
        result.waiver = waiver.model_dump(mode="json")
    _apply_waiver(result, waiver, today)
    return result


def _attest(result: CriterionResult, signoff: Signoff | None) -> None:
    """A human-process criterion passes on a sign-off that counts (golive.judging.signoff);
    any other record leaves it not verified with the reason."""
    result.status, result.attestation, result.evidence = Status.NOT_VERIFIED, None, []
    if signoff is None:
        result.reason = "no attestation record"
        return
    result.status = Status.PASS if signoff.counts else Status.NOT_VERIFIED
    result.reason = signoff.reason
    result.attestation = signoff.shown()
    result.evidence = [{"name": "attestation", "value": signoff.evidence}]


def _apply_waiver(result: CriterionResult, waiver: Waiver | None, today: date) -> None:
    if waiver is None or result.status in (Status.PASS, Status.NOT_APPLICABLE):
        return
    if waiver.expired(today):
        result.reason = f"waiver expired on {waiver.expires}; {result.reason or ''}"
        result.status = Status.FAIL
    else:
        result.reason = (
            f"waived by {waiver.approver} until {waiver.expires}: {waiver.reason}"
            f" (was {result.status.value}: {result.reason or '-'})"
        )
        result.status = Status.WAIVED


def with_signoffs(data: RunData, signoffs: dict[str, Signoff], today: date) -> RunData:
    """The run judged again with ``signoffs`` (by criterion) for its human-process criteria;
    the checks' results stay as they are. Verdict, counts and exit code recomputed."""
    criteria = []
    for old in data.criteria:
        result = old.model_copy(deep=True)
        if not result.automated:
            _attest(result, signoffs.get(result.id))
            waiver = Waiver.model_validate(result.waiver) if result.waiver else None
            _apply_waiver(result, waiver, today)
        criteria.append(result)
    blocking = [c.status for c in criteria if c.severity is Severity.BLOCKING]
    verdict = run_verdict(blocking, interrupted=data.interrupted)
    return data.model_copy(update={
        "criteria": criteria,
        "verdict": verdict,
        "exit_code": int(exit_code_for(verdict, allow_unverified=data.allow_unverified)),
        "counts": dict(Counter(c.status.value for c in criteria)),
    })  # fmt: skip


def build_run_data(
    *,
    version: str,
    profile: str | None,
    env: str | None,
    lang: str,
    started_at: datetime,
    finished_at: datetime,
    criteria: list[CriterionResult],
    interrupted: bool,
    allow_unverified: bool = False,
    out_of_scope: list[OutOfScope] | None = None,
    narrowed_by: list[str] | None = None,
    checks_run: int | None = None,
    note: str | None = None,
    run_id: str | None = None,
    interruption: Interruption | None = None,
) -> RunData:
    """``criteria`` is the run's scope; ``out_of_scope`` what a narrowing left out."""
    blocking = [c.status for c in criteria if c.severity is Severity.BLOCKING]
    verdict = run_verdict(blocking, interrupted=interrupted)
    return RunData(
        run_id=run_id,
        golive_version=version,
        profile=profile,
        env=env,
        allow_unverified=allow_unverified,
        lang=lang,
        started_at=started_at,
        finished_at=finished_at,
        verdict=verdict,
        exit_code=int(exit_code_for(verdict, allow_unverified=allow_unverified)),
        interrupted=interrupted,
        interruption=interruption if interrupted else None,
        note=note,
        counts=dict(Counter(c.status.value for c in criteria)),
        criteria=criteria,
        out_of_scope=out_of_scope or [],
        narrowed_by=narrowed_by or [],
        checks_run=checks_run,
    )


def write_json_atomically(path: Path, text: str) -> None:
    """Readers see the old file or the new one, never half of one."""
    path.parent.mkdir(parents=True, exist_ok=True)
    partial = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    partial.write_text(text, encoding="utf-8")
    partial.replace(path)


def load_run_data(path: Path) -> RunData:
    return RunData.model_validate(json.loads(path.read_text(encoding="utf-8")))
