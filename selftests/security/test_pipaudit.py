"""pip-audit's answers: only a run that audited every package is a verified one."""

from __future__ import annotations

import json

import pytest

from golive.facts.repo.locks import Package
from golive.facts.scans.pipaudit import parse_pip_audit, run_pip_audit

STRICT_STDERR = (
    "ERROR:pip_audit._cli:jinja2: Dependency not found on PyPI and could not be audited: "
    "jinja2 (3.1.6)\n"
)


def test_strict_could_not_be_audited_is_not_verified() -> None:
    report = parse_pip_audit(1, "", STRICT_STDERR)
    assert not report.verified
    assert "could not be audited" in (report.reason or "")


def test_false_clean_without_strict_is_not_verified() -> None:
    # what pip-audit prints without --strict here: exit 0, "no known vulnerabilities"
    stdout = json.dumps(
        {
            "dependencies": [
                {
                    "name": "jinja2",
                    "skip_reason": "Dependency not found on PyPI and could not be audited",
                },
                {
                    "name": "idna",
                    "skip_reason": "Dependency not found on PyPI and could not be audited",
                },
            ],
            "fixes": [],
        }
    )
    report = parse_pip_audit(0, stdout, "No known vulnerabilities found\n")
    assert not report.verified
    assert report.reason is not None and report.reason.startswith("2 of 2 packages")


def test_partly_audited_is_not_verified() -> None:
    stdout = json.dumps(
        {
            "dependencies": [
                {"name": "jinja2", "version": "3.1.6", "vulns": []},
                {"name": "private-pkg", "skip_reason": "could not be audited"},
            ]
        }
    )
    assert not parse_pip_audit(1, stdout, "").verified


def test_service_unreachable_names_the_cause() -> None:
    stderr = "Traceback...\nrequests.exceptions.ConnectionError: Max retries exceeded\n"
    report = parse_pip_audit(1, "", stderr)
    assert not report.verified and "cannot reach the vulnerability service" in (report.reason or "")


def test_clean_and_vulnerable_answers() -> None:
    clean = parse_pip_audit(
        0, json.dumps({"dependencies": [{"name": "jinja2", "version": "3.1.6", "vulns": []}]}), ""
    )
    assert clean.verified and clean.audited == ["jinja2"] and not clean.vulns
    found = parse_pip_audit(
        1,
        json.dumps(
            {
                "dependencies": [
                    {
                        "name": "jinja2",
                        "version": "3.1.4",
                        "vulns": [
                            {
                                "id": "PYSEC-1",
                                "aliases": ["CVE-1"],
                                "fix_versions": ["3.1.5"],
                                "description": "sandbox",
                            }
                        ],
                    }
                ]
            }
        ),
        "",
    )
    assert found.verified and found.vulns[0].fix_versions == ("3.1.5",)


@pytest.mark.slow
def test_real_pip_audit_here_is_not_verified() -> None:
    """This machine cannot reach a vulnerability service: the real tool must say so."""
    report = run_pip_audit([Package("PyPI", "jinja2", "3.1.6", "requirements.txt")])
    assert not report.verified, report.output
