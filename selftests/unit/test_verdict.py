"""The run verdict and the exit code: one place decides them (golive.judging.verdict)."""

from __future__ import annotations

import pytest

from golive.judging.verdict import ExitCode, RunVerdict, Status, exit_code_for, run_verdict

P, F, NV, W, E, NA = (Status.PASS, Status.FAIL, Status.NOT_VERIFIED, Status.WAIVED,
                      Status.ERROR, Status.NOT_APPLICABLE)


@pytest.mark.parametrize(("blocking", "verdict"), [
    ([P, W, NA], RunVerdict.GO),
    ([], RunVerdict.GO),
    ([P, NV], RunVerdict.UNVERIFIED),
    ([P, NV, F], RunVerdict.NO_GO),
    ([P, E], RunVerdict.NO_GO),
    ([W, NV, E], RunVerdict.NO_GO),
])
def test_verdict_of_the_blocking_statuses(blocking, verdict):
    assert run_verdict(blocking, interrupted=False) is verdict


def test_interrupted_is_incomplete_whatever_ran():
    assert run_verdict([P], interrupted=True) is RunVerdict.INCOMPLETE
    assert run_verdict([F], interrupted=True) is RunVerdict.INCOMPLETE


@pytest.mark.parametrize(("verdict", "code", "allowed"), [
    (RunVerdict.GO, 0, 0),
    (RunVerdict.NO_GO, 1, 1),
    (RunVerdict.INCOMPLETE, 3, 3),
    (RunVerdict.UNVERIFIED, 4, 0),
])
def test_exit_codes_and_allow_unverified(verdict, code, allowed):
    assert exit_code_for(verdict) == code
    assert exit_code_for(verdict, allow_unverified=True) == allowed


def test_the_five_exit_codes():
    assert {c.name: int(c) for c in ExitCode} == {
        "GO": 0, "NO_GO": 1, "USAGE": 2, "INCOMPLETE": 3, "UNVERIFIED": 4}
