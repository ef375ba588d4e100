"""The infrastructure scan of a repository: bandit on its Python code, semgrep with
golive's own rules on its JavaScript/TypeScript (``rules.appsec.jscode``), IAM and security
groups as code (``golive.rules.iac``), container settings in compose files, and the
hygiene audit of every GitHub Actions workflow and local action (``rules.workflows``)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import yaml

from golive._errors import NotVerified
from golive.facts.repo.discover import find_files, repo_files
from golive.facts.scans.runner import run_scanner
from golive.judging.findings import FindingSeverity, SecFinding, SourceResult
from golive.resources import security_file
from golive.rules import iac, workflows
from golive.rules.appsec import jscode

__all__ = ["bandit_scan", "compose_scan", "iac_scan", "infra_scan", "parse_bandit"]

_COMPOSE = ("docker-compose*.yml", "docker-compose*.yaml", "compose.yml", "compose.yaml")
_DANGEROUS_CAPS = {"ALL", "SYS_ADMIN", "NET_ADMIN", "SYS_PTRACE", "SYS_MODULE"}


def _bandit_severity(severity: str, confidence: str) -> FindingSeverity:
    # bandit rates a code pattern, not an exploitable vulnerability: its HIGH is no CVSS
    # score and it has no CRITICAL level, so it never reaches "critical" (which
    # sec.critical-vulns keeps for CVSS >= 9.0 or a source's own CRITICAL, as in
    # golive.facts.scans.osv.severity_of). MD5 with usedforsecurity=False bandit itself
    # leaves out.
    if severity == "HIGH":
        return "high"
    if severity == "MEDIUM" and confidence in ("MEDIUM", "HIGH"):
        return "medium"
    return "info"


def parse_bandit(stdout: str, root: Path) -> list[SecFinding]:
    """Findings from ``bandit -f json``; raises NotVerified when there is no report."""
    try:
        report = json.loads(stdout)
        results = report["results"]
    except (json.JSONDecodeError, KeyError, TypeError) as exc:
        raise NotVerified(f"bandit gave no JSON report: {stdout.strip()[:200]}") from exc
    findings = []
    for item in results:
        cwe = (item.get("issue_cwe") or {}).get("id")
        file = Path(str(item.get("filename", "?")))
        shown = (
            file.relative_to(root).as_posix()
            if file.is_absolute() and file.is_relative_to(root)
            else file.as_posix().removeprefix("./")
        )
        findings.append(
            SecFinding(
                source="bandit",
                rule=f"bandit.{item.get('test_id')}",
                severity=_bandit_severity(
                    str(item.get("issue_severity")), str(item.get("issue_confidence"))
                ),
                message=f"{item.get('test_id')} {item.get('test_name')}: {item.get('issue_text')}"
                f" (severity {item.get('issue_severity')}, confidence "
                f"{item.get('issue_confidence')})",
                where=shown,
                line=item.get("line_number"),
                cwe=int(cwe) if isinstance(cwe, int) else None,
            )
        )
    return findings


def bandit_scan(repo: Path) -> SourceResult | None:
    """bandit over the repository's Python files; None when it has none."""
    root = Path(repo).resolve()
    files = [p for p in repo_files(root) if p.suffix == ".py"]
    if not files:
        return None
    names = [p.relative_to(root).as_posix() for p in files]
    args = ["-f", "json", "-q"]
    inputs = list(files)
    config = security_file("bandit.yaml")
    if config is not None:
        args += ["-c", str(config)]
        inputs.append(config)
    try:
        run = run_scanner("bandit", [*args, *names], inputs, cwd=root)
        findings = parse_bandit(run.stdout, root)
    except NotVerified as exc:
        return SourceResult.unverified("bandit", exc.reason)
    result = SourceResult("bandit", True, findings, checked=[f"{len(files)} Python files"])
    return result


def iac_scan(repo: Path) -> SourceResult | None:
    """IAM wildcard grants and security groups opening admin ports; None without such code."""
    iam = iac.iam_policy_scan(repo)
    groups = iac.security_group_scan(repo)
    if not iam.files and not groups.files:
        return None
    findings = [
        SecFinding("iac-scan", rule, "high", f.message, f.file, f.line)
        for rule, scan in (("iac.iam-wildcard", iam), ("iac.open-admin-port", groups))
        for f in scan.findings
    ]
    return SourceResult("iac-scan", True, findings, checked=[*iam.files, *groups.files])


def _service_findings(name: str, service: dict[str, Any], shown: str) -> list[SecFinding]:
    def finding(rule: str, severity: FindingSeverity, message: str) -> SecFinding:
        return SecFinding("container-config", rule, severity, f"service {name}: {message}", shown)

    found = []
    if service.get("privileged") is True:
        found.append(finding("container.privileged", "high", "runs privileged"))
    for volume in service.get("volumes") or []:
        text = volume if isinstance(volume, str) else str((volume or {}).get("source", ""))
        if "docker.sock" in text:
            found.append(
                finding(
                    "container.docker-socket", "high", "mounts the Docker socket (root on the host)"
                )
            )
    if service.get("network_mode") == "host" or service.get("pid") == "host":
        found.append(
            finding(
                "container.host-namespace", "high", "shares the host's network or process namespace"
            )
        )
    caps = {str(c).upper() for c in service.get("cap_add") or []}
    if caps & _DANGEROUS_CAPS:
        found.append(
            finding(
                "container.capabilities",
                "high",
                f"adds capabilities {', '.join(sorted(caps & _DANGEROUS_CAPS))}",
            )
        )
    return found


def compose_scan(repo: Path) -> SourceResult | None:
    """Compose services: not privileged, no Docker socket, no host namespaces, no
    dangerous capabilities; None without a compose file."""
    root = Path(repo).resolve()
    paths = find_files(root, *_COMPOSE)
    if not paths:
        return None
    result = SourceResult("container-config", True)
    for path in paths:
        shown = path.relative_to(root).as_posix()
        try:
            data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
        except yaml.YAMLError:
            result.notes.append(f"{shown}: not valid YAML")
            continue
        services = data.get("services") if isinstance(data, dict) else None
        for name, service in (services or {}).items():
            if isinstance(service, dict):
                result.findings += _service_findings(str(name), service, shown)
        result.checked.append(shown)
    return result


def infra_scan(repo: Path) -> tuple[list[SourceResult], list[str]]:
    """The scans that apply to ``repo``, and a note for each that does not."""
    results: list[SourceResult] = []
    notes: list[str] = []
    for label, scan in (
        ("bandit: no Python code", bandit_scan),
        ("semgrep: no JavaScript/TypeScript code that ships", jscode.semgrep_scan),
        ("IaC: no IAM policy or security group as code", iac_scan),
        ("containers: no compose file", compose_scan),
        ("GitHub Actions: no workflow or local action", workflows.workflow_audit),
    ):
        outcome = scan(repo)
        if outcome is None:
            notes.append(label)
        else:
            results.append(outcome)
    return results, notes
