"""Statuses, how they combine, the run verdict and the exit code: decided here only."""

from __future__ import annotations

from collections.abc import Iterable
from enum import IntEnum, StrEnum

__all__ = ["ExitCode", "RunVerdict", "Status", "combine", "exit_code_for", "run_verdict"]


class Status(StrEnum):
    PASS = "pass"
    FAIL = "fail"
    NOT_VERIFIED = "not_verified"
    WAIVED = "waived"
    ERROR = "error"
    NOT_APPLICABLE = "not_applicable"


class RunVerdict(StrEnum):
    GO = "GO"
    NO_GO = "NO-GO"
    UNVERIFIED = "UNVERIFIED"
    INCOMPLETE = "INCOMPLETE"


class ExitCode(IntEnum):
    GO = 0
    NO_GO = 1
    USAGE = 2  # also a run that executed no check: it judged nothing
    INCOMPLETE = 3
    UNVERIFIED = 4  # like InSpec's 101: nothing failed, but not everything was checked


# first match wins: one failing check fails the criterion, a broken check hides a pass
_PRECEDENCE = (Status.FAIL, Status.ERROR, Status.NOT_VERIFIED, Status.PASS, Status.NOT_APPLICABLE)
# a blocking criterion with one of these lets the run be GO
_GOOD = frozenset({Status.PASS, Status.WAIVED, Status.NOT_APPLICABLE})


def combine(statuses: Iterable[Status]) -> Status:
    """The verdict of a criterion over all its checks (or of a check over its phases)."""
    seen = set(statuses)
    if not seen:
        return Status.NOT_VERIFIED
    for status in _PRECEDENCE:
        if status in seen:
            return status
    raise ValueError(f"cannot combine {sorted(seen)}")


def run_verdict(blocking: Iterable[Status], *, interrupted: bool) -> RunVerdict:
    """The verdict over the statuses of the blocking criteria in the run's scope.

    An expired waiver already arrives here as a fail; an expired sign-off leaves its
    criterion not verified (golive.judging.signoff).
    """
    if interrupted:
        return RunVerdict.INCOMPLETE
    seen = set(blocking)
    if seen & {Status.FAIL, Status.ERROR}:
        return RunVerdict.NO_GO
    if seen - _GOOD:
        return RunVerdict.UNVERIFIED
    return RunVerdict.GO


def exit_code_for(verdict: RunVerdict, *, allow_unverified: bool = False) -> ExitCode:
    """``allow_unverified`` gates only on what could be verified: UNVERIFIED exits 0, and
    the verdict itself stays UNVERIFIED in every output."""
    if verdict is RunVerdict.UNVERIFIED:
        return ExitCode.GO if allow_unverified else ExitCode.UNVERIFIED
    return {
        RunVerdict.GO: ExitCode.GO,
        RunVerdict.NO_GO: ExitCode.NO_GO,
        RunVerdict.INCOMPLETE: ExitCode.INCOMPLETE,
    }[verdict]
