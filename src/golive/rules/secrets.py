"""Secrets: none committed in plain text, all referenced through the platform's secret store.

- ``detect-secrets scan`` runs once over every tracked file and every untracked file git
  does not ignore (one ``git add -A`` away from committed); over every file when the
  repository is not a git repository. Findings name file, line and the kind of secret; the value is
  never repeated.
- Sensitive variables (credentials by name) in build-settings.json and vercel.json
  ``env`` are secret-store references (``@name``); in .env.template they are empty or a
  ``<placeholder>``.
- No credential is exposed to the browser through a ``NEXT_PUBLIC_`` name.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

from golive._errors import NotVerified
from golive.facts.repo.discover import repo_files
from golive.facts.repo.git import committable_files
from golive.facts.repo.jsonfile import json_line
from golive.facts.repo.structured import relative
from golive.facts.scans.runner import run_scanner
from golive.judging.findings import Finding
from golive.rules.envfiles import Template, code_env_usages, read_template
from golive.rules.vercel_config import SECRET_REFERENCE, read_vercel_json, settings_for_check

__all__ = [
    "is_sensitive",
    "public_secret_name",
    "secret_reference_findings",
    "secret_scan_findings",
]

# not secrets: public addresses are reported by other checks, not as leaked credentials
_DISABLED_PLUGINS = ("IPPublicDetector",)

_SENSITIVE = re.compile(
    r"(SECRET|PASSWORD|PASSWD|TOKEN|PRIVATE|CREDENTIAL|API_?KEY|_KEY$|_KEY_|^KEY$|DSN$|"
    r"DATABASE_URL|DB_URL|CONNECTION_STRING|WEBHOOK)"
)
_BROWSER_UNSAFE = re.compile(
    r"(SECRET|PASSWORD|PASSWD|PRIVATE|SERVICE_ROLE|CREDENTIAL|DATABASE_URL)"
)
_PLACEHOLDER = re.compile(r"^(<[^<>]+>|\$\{[A-Za-z_][A-Za-z0-9_]*\})$")


def is_sensitive(name: str) -> bool:
    """Whether a variable of this name holds a credential."""
    return bool(_SENSITIVE.search(name.upper()))


def public_secret_name(name: str) -> bool:
    """A NEXT_PUBLIC_ variable (inlined into the browser bundle) named like a credential."""
    upper = name.upper()
    return upper.startswith("NEXT_PUBLIC_") and bool(_BROWSER_UNSAFE.search(upper))


def _scanned_files(repo: Path) -> list[str]:
    root = Path(repo).resolve()
    tracked = committable_files(root)
    if tracked is None:
        return [p.relative_to(root).as_posix() for p in repo_files(root)]
    return [p for p in tracked if (root / p).is_file()]


def secret_scan_findings(repo: Path) -> list[Finding]:
    """detect-secrets over the committable files: one finding per secret (type, not value)."""
    root = Path(repo).resolve()
    files = _scanned_files(root)
    if not files:
        raise NotVerified(f"no files to scan in {repo}")
    args = ["scan", "--no-verify"]
    for plugin in _DISABLED_PLUGINS:
        args += ["--disable-plugin", plugin]
    run = run_scanner("detect-secrets", [*args, *files], [root / f for f in files], cwd=root)
    try:
        report = json.loads(run.stdout)
        results = report["results"]
    except (json.JSONDecodeError, KeyError, TypeError) as exc:
        raise NotVerified(
            f"detect-secrets gave no readable report (exit {run.returncode}): "
            f"{(run.stderr or run.stdout).strip()[:300]}"
        ) from exc
    findings = []
    for file, secrets in sorted(results.items()):
        for secret in secrets:
            findings.append(
                Finding(
                    Path(file).as_posix(),
                    secret.get("line_number"),
                    f"plain-text secret committed: {secret.get('type', 'secret')} "
                    "(detect-secrets; value withheld)",
                )
            )
    return findings


def _build_settings_secret_findings(repo: Path) -> list[Finding]:
    settings, problems = settings_for_check(repo)
    if settings is None:
        return problems
    findings = []
    for env_name, env in settings.model.environments.items():
        for variable, value in sorted(env.env.items()):
            line = settings.line("environments", env_name, "env", variable)
            if is_sensitive(variable) and value and not SECRET_REFERENCE.match(value):
                findings.append(
                    Finding(
                        settings.name,
                        line,
                        f"{env_name}: {variable} is written in plain text; "
                        "reference the encrypted secret store (@name)",
                    )
                )
            if public_secret_name(variable):
                findings.append(
                    Finding(
                        settings.name,
                        line,
                        f"{variable}: NEXT_PUBLIC_ "
                        "exposes this credential in the browser bundle",
                    )
                )
    return findings


def _vercel_json_secret_findings(repo: Path) -> list[Finding]:
    vercel_path, vercel = read_vercel_json(repo)
    if vercel_path is None or vercel is None:
        return []
    findings = []
    text = vercel_path.read_text(encoding="utf-8")
    for section in ("env", "build"):
        block = vercel.get(section)
        block = block.get("env") if section == "build" and isinstance(block, dict) else block
        if not isinstance(block, dict):
            continue
        for variable, value in sorted(block.items()):
            if is_sensitive(variable) and value and not SECRET_REFERENCE.match(str(value)):
                loc = ("env", variable) if section == "env" else ("build", "env", variable)
                findings.append(
                    Finding(
                        relative(repo, vercel_path),
                        json_line(text, loc),
                        f"{variable} is written in plain text; reference "
                        "the encrypted secret store (@name)",
                    )
                )
    return findings


def _template_secret_findings(template: Template) -> list[Finding]:
    findings = []
    for entry in template.entries:
        if is_sensitive(entry.name) and entry.value and not _PLACEHOLDER.match(entry.value):
            findings.append(
                Finding(
                    template.name,
                    entry.line,
                    f"{entry.name} has a value in the template; leave "
                    "credentials empty (or <placeholder>)",
                )
            )
        if public_secret_name(entry.name):
            findings.append(
                Finding(
                    template.name,
                    entry.line,
                    f"{entry.name}: NEXT_PUBLIC_ exposes this credential in the browser bundle",
                )
            )
    return findings


def secret_reference_findings(repo: Path) -> list[Finding]:
    """Credentials are secret-store references, and none is exposed to the browser."""
    findings = _build_settings_secret_findings(repo)
    findings += _vercel_json_secret_findings(repo)
    template, _ = read_template(repo)
    if template is not None:
        findings += _template_secret_findings(template)
    for variable, places in sorted(code_env_usages(repo).items()):
        if public_secret_name(variable) and (template is None or variable not in template.names()):
            file, line = places[0]
            findings.append(
                Finding(
                    file,
                    line,
                    f"{variable}: NEXT_PUBLIC_ exposes this credential in the browser bundle",
                )
            )
    return findings
