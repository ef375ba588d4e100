"""shellcheck over every shell script of the repository: one run, comments by file."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from golive._errors import NotVerified
from golive.facts.repo.discover import repo_files
from golive.facts.repo.structured import relative
from golive.facts.scans.runner import run_scanner
from golive.judging.findings import Finding

__all__ = ["MAX_SCRIPT_BYTES", "shellcheck_findings"]

MAX_SCRIPT_BYTES = 1 << 20


def _json_report(stdout: str, stderr: str) -> Any:
    try:
        return json.loads(stdout)
    except json.JSONDecodeError:
        tail = (stderr or stdout).strip()[-400:]
        raise NotVerified(f"shellcheck gave no JSON report: {tail or 'no output'}") from None


def shellcheck_findings(repo: Path) -> dict[str, list[Finding]]:
    """shellcheck over every ``*.sh``/``*.bash`` of the repository (one run), by file."""
    root = Path(repo).resolve()
    scripts = [p for p in repo_files(root) if p.suffix in (".sh", ".bash")]
    # shellcheck grows past 1 GB on a 10 MB line: a script that large is never given to it
    huge = {relative(root, p): p.stat().st_size for p in scripts
            if p.stat().st_size > MAX_SCRIPT_BYTES}
    files = [p for p in scripts if relative(root, p) not in huge]
    too_large = {name: [Finding(name, None, f"not checked: {size} bytes, over shellcheck's "
                                            f"{MAX_SCRIPT_BYTES} byte limit")]
                 for name, size in huge.items()}
    if not files:
        return too_large
    shown = [relative(root, p) for p in files]
    run = run_scanner(
        "shellcheck", ["-f", "json", "-x", "--source-path=SCRIPTDIR", *shown], files, cwd=root
    )
    report = _json_report(run.stdout, run.stderr)
    found: dict[str, list[Finding]] = dict(too_large)
    for comment in report if isinstance(report, list) else []:
        name = str(comment.get("file", "?"))
        found.setdefault(name, []).append(Finding(
            name, comment.get("line"),
            f"shellcheck SC{comment.get('code')} ({comment.get('level')}): "
            f"{comment.get('message')}",
        ))
    return found
