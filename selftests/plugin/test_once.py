"""``run_once``: one run per test run, under xdist too, and the same outcome everywhere."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest

MODULE = """
    from pathlib import Path

    import pytest

    import golive

    LOG = Path({log!r})


    def _work():
        with LOG.open("a") as log:
            log.write("ran\\n")
        return {{"answer": 42}}


    def _absent():
        with LOG.open("a") as log:
            log.write("tried\\n")
        golive.not_verified("the target is absent")


    @pytest.mark.parametrize("n", range(6))
    def test_shared(run_once, n):
        assert run_once("work", _work) == {{"answer": 42}}


    @pytest.mark.parametrize("n", range(4))
    def test_outcome(run_once, n):
        with pytest.raises(golive.NotVerified, match="the target is absent"):
            run_once("absent", _absent)
"""


@pytest.mark.parametrize("xdist", [(), ("-n", "3")], ids=["one process", "xdist"])
def test_runs_once_per_run_and_repeats_its_outcome(
    pytester: pytest.Pytester, tmp_path: Path, xdist: tuple[str, ...]
) -> None:
    log = tmp_path / "log"
    pytester.makepyfile(test_once=textwrap.dedent(MODULE.format(log=str(log))))
    result = pytester.runpytest_subprocess("-p", "no:cacheprovider", "-p", "no:randomly", *xdist)
    result.assert_outcomes(passed=10)
    assert sorted(log.read_text().split()) == ["ran", "tried"]
