"""Start the repository's scanner runs side by side before the checks ask for them.

Each scanner runs once per run anyway (scanners.run_scanner caches by content and makes
a second asker wait for the first); starting them together overlaps their start-up
instead of paying it one after the other. Only the scans a selected criterion needs are
started: a scan nobody reads would still be running after the verdict.
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import Callable, Collection
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

from golive.facts.scans.shellcheck import shellcheck_findings
from golive.rules import docker, secrets, workflows

__all__ = ["Prewarm", "prewarm", "scans_for"]


@dataclass(frozen=True)
class _Scan:
    run: Callable[[Path], object]
    # criterion ids (exact) or id prefixes (ending in "-" or ".") whose checks read it
    needed_by: tuple[str, ...]

    def wanted(self, criteria: Collection[str]) -> bool:
        return any(
            c == need or (need.endswith(("-", ".")) and c.startswith(need))
            for c in criteria
            for need in self.needed_by
        )


_SCANS: tuple[_Scan, ...] = (
    _Scan(workflows.schema_findings, ("cicd.workflow-", "cicd.cache-config", "sec.infra-scan")),
    _Scan(workflows.zizmor_findings, ("cicd.workflow-", "cicd.cache-config", "sec.infra-scan")),
    _Scan(docker.compose_schema_findings, ("db.docker-",)),
    _Scan(docker.dockerfile_findings, ("db.dockerfile",)),
    _Scan(shellcheck_findings, ("cicd.script-", "db.script-")),
    _Scan(
        secrets.secret_scan_findings,
        (
            "platform.secrets-encrypted",
            "sec.secret-management",
            "sec.owasp-top10",
            "sec.critical-vulns",
        ),
    ),
)


@dataclass(frozen=True)
class Prewarm:
    """The scans started (by function name) and the pool running them."""

    started: tuple[str, ...]
    pool: ThreadPoolExecutor


def scans_for(criteria: Collection[str] | None) -> list[Callable[[Path], object]]:
    """The scans the criteria need; every scan when the selection is unknown (None)."""
    return [s.run for s in _SCANS if criteria is None or s.wanted(criteria)]


def _quietly(scan: Callable[[Path], object], repo: Path) -> None:
    # the check that needs this scan runs it again and reports its outcome itself
    with contextlib.suppress(Exception):
        scan(repo)


def prewarm(repo: Path, criteria: Collection[str] | None = None) -> Prewarm:
    """Submit the scans of ``repo`` that ``criteria`` (the run's selected criterion ids)
    need; returns at once, the scans go on in threads."""
    scans = scans_for(criteria)
    pool = ThreadPoolExecutor(
        max_workers=max(2, os.cpu_count() or 2), thread_name_prefix="golive-scan"
    )
    for scan in scans:
        pool.submit(_quietly, scan, repo)
    pool.shutdown(wait=False)
    return Prewarm(tuple(getattr(s, "__name__", repr(s)) for s in scans), pool)
