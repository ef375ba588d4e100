"""Fixtures shared by golive's own tests."""

from __future__ import annotations

from pathlib import Path

import pytest

from golive.demo.sample_repo import materialize


@pytest.fixture(scope="session")
def good_repo(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The sample infrastructure repository as a competent team commits it."""
    return materialize("good", tmp_path_factory.mktemp("sample") / "good")


@pytest.fixture(scope="session")
def broken_repo(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Its twin with a deliberate defect for every static criterion."""
    return materialize("broken", tmp_path_factory.mktemp("sample") / "broken")


@pytest.fixture(scope="session", autouse=True)
def isolated_scan_cache(tmp_path_factory: pytest.TempPathFactory) -> None:
    """Scanner results are cached by content; self-tests start from an empty cache."""
    import os

    os.environ["GOLIVE_CACHE_DIR"] = str(tmp_path_factory.mktemp("scan-cache"))


# Slow self-tests that time nothing (scanners, moto, a browser, PostgreSQL servers of their
# own, the wheel's install): one chain of their own, beside the timed ones.
_UNTIMED = (
    "selftests/aws/", "selftests/security/", "selftests/packaging/", "selftests/plugin/",
    "selftests/report/", "selftests/live/test_database_security.py",
    "selftests/live/test_restore_compare.py", "selftests/live/test_absence.py",
    "selftests/live/test_drill_logic.py", "selftests/live/test_hosts.py",
    "selftests/robustness/test_hostile_targets.py",  # bounds with seconds of slack
    "selftests/robustness/test_secret_canaries.py", "selftests/live/test_log_canary.py",
)


@pytest.hookimpl(tryfirst=True)
def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Slow self-tests run in two xdist groups, each on one worker.

    "stack": the ones that time real work (reference stacks, load, drills, the demo); run side
    by side on two cores they would measure each other. "heavy": slow ones that time nothing.
    The quick tests fill both workers meanwhile.
    """
    for item in items:
        if item.get_closest_marker("slow") and not item.get_closest_marker("xdist_group"):
            untimed = item.nodeid.startswith(_UNTIMED)
            item.add_marker(pytest.mark.xdist_group("heavy" if untimed else "stack"))
