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
    INCOMPLETE = "INCOMPLETE"


class ExitCode(IntEnum):
    GO = 0
    NO_GO = 1
    USAGE = 2
    INCOMPLETE = 3


# first match wins: one failing check fails the criterion, a broken check hides a pass
_PRECEDENCE = (Status.FAIL, Status.ERROR, Status.NOT_VERIFIED, Status.PASS, Status.NOT_APPLICABLE)


def combine(statuses: Iterable[Status]) -> Status:
    """The verdict of a criterion over all its checks (or of a check over its phases)."""
    seen = set(statuses)
    if not seen:
        return Status.NOT_VERIFIED
    for status in _PRECEDENCE:
        if status in seen:
            return status
    raise ValueError(f"cannot combine {sorted(seen)}")


def run_verdict(
    blocking: Iterable[Status], *, strict: bool, interrupted: bool
) -> RunVerdict:
    """GO only if no blocking criterion failed or broke (and, when strict, all verified)."""
    if interrupted:
        return RunVerdict.INCOMPLETE
    stopping = {Status.FAIL, Status.ERROR}
    if strict:
        stopping.add(Status.NOT_VERIFIED)
    return RunVerdict.NO_GO if stopping & set(blocking) else RunVerdict.GO


def exit_code_for(verdict: RunVerdict) -> ExitCode:
    return {
        RunVerdict.GO: ExitCode.GO,
        RunVerdict.NO_GO: ExitCode.NO_GO,
        RunVerdict.INCOMPLETE: ExitCode.INCOMPLETE,
    }[verdict]
