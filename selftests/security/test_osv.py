"""Offline OSV advisories matched against locked versions, and the dependency audit."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from golive.facts.live.security_targets import SecurityTargets
from golive.facts.repo.locks import Package
from golive.facts.scans.cvss import cvss3_base_score
from golive.facts.scans.osv import (
    Advisory,
    SemVer,
    affected,
    load_advisories,
    match_packages,
    severity_of,
)
from golive.facts.scans.pipaudit import PipAuditReport, PipAuditVuln
from golive.rules.appsec import dependencies
from selftests.security.repos import ADVISORIES, package_lock


def advisory(record: dict) -> Advisory:  # type: ignore[type-arg]
    severity, known = severity_of(record)
    return Advisory(record["id"], "", severity, known, (), tuple(record["affected"]), "test")


def ranged(ecosystem: str, name: str, *events: dict[str, str]) -> Advisory:
    return advisory(
        {
            "id": "TEST-1",
            "affected": [
                {
                    "package": {"ecosystem": ecosystem, "name": name},
                    "ranges": [
                        {
                            "type": "ECOSYSTEM" if ecosystem != "npm" else "SEMVER",
                            "events": list(events),
                        }
                    ],
                }
            ],
        }
    )


@pytest.mark.parametrize(
    ("version", "hit"),
    [
        ("4.17.11", True),
        ("4.17.20", True),
        ("4.17.21", False),
        ("5.0.0", False),
        ("4.17.21-beta.1", True),
    ],
)
def test_npm_semver_range(version: str, hit: bool) -> None:
    adv = ranged("npm", "lodash", {"introduced": "0"}, {"fixed": "4.17.21"})
    assert affected(adv, Package("npm", "lodash", version, "package-lock.json")) is hit


@pytest.mark.parametrize(
    ("version", "hit"),
    [("3.1.4", True), ("3.1.5rc1", True), ("3.1.5", False), ("2.0", False), ("3.2.0", False)],
)
def test_pypi_range_with_introduced_and_name_normalization(version: str, hit: bool) -> None:
    adv = ranged("PyPI", "Jinja2", {"introduced": "3.0"}, {"fixed": "3.1.5"})
    assert affected(adv, Package("PyPI", "jinja2", version, "requirements.txt")) is hit


def test_last_affected_and_several_ranges() -> None:
    adv = ranged(
        "PyPI",
        "pkg",
        {"introduced": "1.0"},
        {"last_affected": "1.2"},
        {"introduced": "2.0"},
        {"fixed": "2.1"},
    )
    hits = {
        v: affected(adv, Package("PyPI", "pkg", v, "r"))
        for v in ("0.9", "1.0", "1.2", "1.3", "2.0.5", "2.1")
    }
    assert hits == {
        "0.9": False,
        "1.0": True,
        "1.2": True,
        "1.3": False,
        "2.0.5": True,
        "2.1": False,
    }


def test_listed_versions_for_other_ecosystems_and_unpinned() -> None:
    adv = advisory(
        {
            "id": "GO-1",
            "affected": [
                {"package": {"ecosystem": "Go", "name": "example.com/x"}, "versions": ["v1.2.3"]}
            ],
        }
    )
    assert affected(adv, Package("Go", "example.com/x", "v1.2.3", "go.sum"))
    assert not affected(adv, Package("Go", "example.com/x", "v1.2.4", "go.sum"))
    assert not affected(adv, Package("Go", "example.com/x", None, "go.sum"))


def test_semver_precedence() -> None:
    order = [
        "1.0.0-alpha",
        "1.0.0-alpha.1",
        "1.0.0-beta",
        "1.0.0-beta.2",
        "1.0.0-rc.1",
        "1.0.0",
        "1.0.1",
        "1.10.0",
    ]
    parsed = [SemVer.parse(v) for v in order]
    assert parsed == sorted(reversed(parsed))


@pytest.mark.parametrize(
    ("vector", "score"),
    [
        ("CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H", 9.8),
        ("CVSS:3.1/AV:N/AC:L/PR:H/UI:N/S:U/C:H/I:H/A:H", 7.2),
        ("CVSS:3.1/AV:N/AC:L/PR:N/UI:R/S:C/C:L/I:L/A:N", 6.1),
        ("CVSS:3.0/AV:L/AC:H/PR:L/UI:N/S:U/C:N/I:N/A:N", 0.0),
        ("CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:H/VI:H/VA:H/SC:N/SI:N/SA:N", None),
    ],
)
def test_cvss3_base_score(vector: str, score: float | None) -> None:
    assert cvss3_base_score(vector) == score


def test_severity_from_text_vector_or_unknown() -> None:
    assert severity_of({"database_specific": {"severity": "MODERATE"}}) == ("medium", True)
    assert severity_of(
        {"severity": [{"type": "CVSS_V3", "score": "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H"}]}
    ) == ("critical", True)
    assert severity_of({}) == ("high", False)  # unknown counts as high, and says so


def test_advisory_file_shapes(tmp_path: Path) -> None:
    (tmp_path / "list.json").write_text(json.dumps(ADVISORIES))
    (tmp_path / "one.json").write_text(json.dumps(ADVISORIES[0]))
    (tmp_path / "api.json").write_text(json.dumps({"vulns": ADVISORIES[1:]}))
    (tmp_path / "broken.json").write_text("{not json")
    files = {Path(f.path).name: f for f in load_advisories([tmp_path])}
    assert [len(files[n].advisories) for n in ("list.json", "one.json", "api.json")] == [3, 1, 2]
    assert files["broken.json"].problem is not None
    matches = match_packages(
        files["list.json"].advisories, [Package("npm", "lodash", "4.17.11", "package-lock.json")]
    )
    assert sorted(m.advisory.id for m in matches) == ["GHSA-35jh-r3h4-6jhm", "GHSA-jf85-cpcp-j695"]


# --- the audit of a repository ----------------------------------------------------------


def npm_repo(path: Path, lodash: str, *, advisories: bool = True) -> Path:
    path.mkdir()
    (path / "package-lock.json").write_text(package_lock(lodash))
    if advisories:
        (path / "security" / "advisories").mkdir(parents=True)
        (path / "security" / "advisories" / "osv.json").write_text(json.dumps(ADVISORIES))
    return path


def test_audit_passes_on_fixed_version(tmp_path: Path) -> None:
    result = dependencies.dependency_audit(npm_repo(tmp_path / "r", "4.17.21"), SecurityTargets())
    assert result.verified and not result.gaps and not result.counting()


def test_audit_fails_with_severity_on_vulnerable_version(tmp_path: Path) -> None:
    result = dependencies.dependency_audit(npm_repo(tmp_path / "r", "4.17.11"), SecurityTargets())
    severities = sorted(f.severity for f in result.counting())
    assert severities == ["critical", "high"]
    assert all(f.where == "package-lock.json" for f in result.findings)


def test_audit_not_verified_without_advisories_or_lockfile(tmp_path: Path) -> None:
    result = dependencies.dependency_audit(
        npm_repo(tmp_path / "r", "4.17.21", advisories=False), SecurityTargets()
    )
    assert result.gaps and "npm" in result.gaps[0]
    (tmp_path / "empty").mkdir()
    empty = dependencies.dependency_audit(tmp_path / "empty", SecurityTargets())
    assert not empty.verified and "no dependency manifest" in (empty.reason or "")


def test_audit_keeps_below_threshold_as_info(tmp_path: Path) -> None:
    repo = npm_repo(tmp_path / "r", "4.17.12")  # only the high advisory (fixed 4.17.21)
    result = dependencies.dependency_audit(
        repo, SecurityTargets(dependency_fail_severity="critical")
    )
    assert not result.counting()
    assert [f.severity for f in result.findings] == ["info"]


def test_pip_audit_is_a_source_and_deduplicated_by_alias(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    repo = tmp_path / "r"
    repo.mkdir()
    (repo / "requirements.txt").write_text("Jinja2==3.1.4\nrequests==2.0.0\n")

    def audited(_packages: list[Package]) -> PipAuditReport:
        return PipAuditReport(
            verified=True,
            audited=["jinja2", "requests"],
            vulns=[
                PipAuditVuln(
                    "jinja2", "3.1.4", "PYSEC-2024-1", ("GHSA-h75v-3vvj-5mfj",), ("3.1.5",), ""
                ),
                PipAuditVuln("requests", "2.0.0", "PYSEC-2014-1", (), ("2.3.0",), ""),
            ],
        )

    monkeypatch.setattr(dependencies, "run_pip_audit", audited)
    (repo / "security" / "advisories").mkdir(parents=True)
    (repo / "security" / "advisories" / "osv.json").write_text(json.dumps(ADVISORIES))
    result = dependencies.dependency_audit(repo, SecurityTargets())
    assert result.verified and not result.gaps
    messages = [f.message for f in result.findings]
    assert len(messages) == 2  # jinja2 once (OSV, with its severity), requests from pip-audit
    assert any("GHSA-h75v-3vvj-5mfj" in m for m in messages)
    assert any("requests 2.0.0" in m and "counted as high" in m for m in messages)


def test_pip_audit_unverified_leaves_pypi_unchecked(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    repo = tmp_path / "r"
    repo.mkdir()
    (repo / "requirements.txt").write_text("jinja2==3.1.6\n")
    monkeypatch.setattr(
        dependencies,
        "run_pip_audit",
        lambda _p: PipAuditReport(
            verified=False, reason="1 of 1 packages could not be audited by pip-audit"
        ),
    )
    result = dependencies.dependency_audit(repo, SecurityTargets())
    assert result.gaps == [
        "1 PyPI packages covered by no advisory source: jinja2@3.1.6 — keep OSV's PyPI export "
        "(security/advisories/osv-export/PyPI/ or advisories: [{osv_export: path}] in the "
        "security targets)"
    ]
