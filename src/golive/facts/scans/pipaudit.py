"""pip-audit, run ``--strict`` on pinned Python versions, and what its answer means.

Here pip-audit cannot reach a vulnerability service: without ``--strict`` it prints "No
known vulnerabilities found" and exits 0 while every package "could not be audited".
golive reads the answer so that a package not audited is never a clean result.
"""

from __future__ import annotations

import json
import subprocess
import tempfile
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path

from golive import _procs
from golive.facts.repo.locks import Package
from golive.facts.scans.runner import tool_path

__all__ = ["PipAuditReport", "PipAuditVuln", "parse_pip_audit", "run_pip_audit"]

_SERVICE_ERRORS = (
    "ConnectionError",
    "NameResolutionError",
    "Max retries exceeded",
    "Failed to resolve",
    "ServiceError",
    "Timeout",
)


@dataclass(frozen=True)
class PipAuditVuln:
    name: str
    version: str
    id: str
    aliases: tuple[str, ...]
    fix_versions: tuple[str, ...]
    description: str


@dataclass
class PipAuditReport:
    verified: bool
    reason: str | None = None
    audited: list[str] = field(default_factory=list)
    skipped: list[tuple[str, str]] = field(default_factory=list)
    vulns: list[PipAuditVuln] = field(default_factory=list)
    output: str = ""


def _last_error(stderr: str) -> str:
    lines = [ln.strip() for ln in stderr.splitlines() if ln.strip()]
    for line in lines:
        if "could not be audited" in line:
            return line.split(":", 2)[-1].strip()
    for line in reversed(lines):
        if any(marker in line for marker in _SERVICE_ERRORS):
            return f"cannot reach the vulnerability service ({line[:200]})"
    return lines[-1][:300] if lines else "no output"


def parse_pip_audit(returncode: int, stdout: str, stderr: str) -> PipAuditReport:
    """A report that is verified only when every package was actually audited."""
    output = (stdout + "\n" + stderr).strip()
    try:
        data = json.loads(stdout) if stdout.strip() else None
    except json.JSONDecodeError:
        data = None
    if not isinstance(data, dict) or not isinstance(data.get("dependencies"), list):
        return PipAuditReport(
            verified=False,
            reason=f"pip-audit checked nothing (exit {returncode}): {_last_error(stderr)}",
            output=output,
        )
    report = PipAuditReport(verified=True, output=output)
    for dep in data["dependencies"]:
        name = str(dep.get("name"))
        if dep.get("skip_reason"):
            report.skipped.append((name, str(dep["skip_reason"])))
            continue
        report.audited.append(name)
        for vuln in dep.get("vulns") or []:
            report.vulns.append(
                PipAuditVuln(
                    name=name,
                    version=str(dep.get("version")),
                    id=str(vuln.get("id")),
                    aliases=tuple(vuln.get("aliases") or ()),
                    fix_versions=tuple(vuln.get("fix_versions") or ()),
                    description=str(vuln.get("description") or "")[:200],
                )
            )
    if report.skipped:
        report.verified = False
        first = report.skipped[0][1]
        report.reason = (
            f"{len(report.skipped)} of {len(report.skipped) + len(report.audited)} packages "
            f"could not be audited by pip-audit ({first})"
        )
    elif not report.audited:
        report.verified = False
        report.reason = "pip-audit audited no package"
    return report


@cache
def _run(pins: tuple[tuple[str, str], ...], timeout: float) -> PipAuditReport:
    executable = tool_path("pip-audit")
    if executable is None:
        return PipAuditReport(verified=False, reason="pip-audit is not installed")
    with tempfile.TemporaryDirectory(prefix="golive-pip-audit-") as folder:
        requirements = Path(folder) / "requirements.txt"
        requirements.write_text("".join(f"{n}=={v}\n" for n, v in pins), encoding="utf-8")
        argv = [
            executable,
            "-r",
            str(requirements),
            "--no-deps",
            "--disable-pip",
            "--strict",
            "-f",
            "json",
            "--progress-spinner",
            "off",
        ]
        try:
            done = _procs.run(argv, capture_output=True, text=True, timeout=timeout)
        except subprocess.TimeoutExpired:
            return PipAuditReport(verified=False, reason=f"pip-audit ran over {timeout:.0f} s")
    return parse_pip_audit(done.returncode, done.stdout, done.stderr)


def run_pip_audit(packages: list[Package], *, timeout: float = 180) -> PipAuditReport:
    """Audit the pinned PyPI packages (once per run for the same set)."""
    pins = tuple(
        sorted({(p.key, p.version) for p in packages if p.version and p.ecosystem == "PyPI"})
    )
    if not pins:
        return PipAuditReport(verified=False, reason="no pinned Python package to audit")
    return _run(pins, timeout)
