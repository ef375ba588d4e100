"""The slow self-tests share one xdist worker, as selftests/conftest.py intends.

Two stacks timing real work side by side on two cores measure each other (seen in CI: the
good demo's average response 214 ms against its usual 10-15 ms). pytest 9.2 silently broke
``--dist loadgroup`` (pytest-xdist#1386); this test fails if an upgrade breaks it again.
"""

from __future__ import annotations

import pytest

SLOW_MODULE = r"""
import os
import pytest

pytestmark = [pytest.mark.slow, pytest.mark.xdist_group("stack")]

@pytest.mark.parametrize("i", range(3))
def test_stack(i):
    with open("workers.txt", "a", encoding="utf-8") as seen:
        seen.write(os.environ["PYTEST_XDIST_WORKER"] + "\n")
"""


def test_slow_tests_of_several_modules_run_on_one_worker(pytester: pytest.Pytester):
    pytester.makepyfile(test_one=SLOW_MODULE, test_two=SLOW_MODULE,
                        test_quick="def test_q():\n    pass\n")  # fmt: skip
    result = pytester.runpytest_subprocess(
        "-p", "no:cacheprovider", "-n", "2", "--dist", "loadgroup"
    )  # fmt: skip
    result.assert_outcomes(passed=7)
    workers = (pytester.path / "workers.txt").read_text(encoding="utf-8").split()
    assert len(workers) == 6
    assert len(set(workers)) == 1, workers
