"""Start the repository's scanner runs side by side before the checks ask for them.

Each scanner runs once per run anyway (scanners.run_scanner caches by content and makes
a second asker wait for the first); starting them together overlaps their start-up
instead of paying it one after the other.
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from golive.facts.scans.shellcheck import shellcheck_findings
from golive.rules import docker, secrets, workflows

__all__ = ["prewarm"]

_SCANS: tuple[Callable[[Path], object], ...] = (
    workflows.schema_findings,
    workflows.zizmor_findings,
    docker.compose_schema_findings,
    docker.dockerfile_findings,
    shellcheck_findings,
    secrets.secret_scan_findings,
)


def _quietly(scan: Callable[[Path], object], repo: Path) -> None:
    # the check that needs this scan runs it again and reports its outcome itself
    with contextlib.suppress(Exception):
        scan(repo)


def prewarm(repo: Path) -> ThreadPoolExecutor:
    """Submit every scan of ``repo``; returns at once, the scans go on in threads."""
    pool = ThreadPoolExecutor(max_workers=max(2, os.cpu_count() or 2),
                              thread_name_prefix="golive-scan")
    for scan in _SCANS:
        pool.submit(_quietly, scan, repo)
    pool.shutdown(wait=False)
    return pool
