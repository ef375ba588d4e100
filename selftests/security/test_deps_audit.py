"""The dependency audit judged per package: what each advisory source covers, a vulnerable
package in any lockfile of a monorepo, and what no source covers (never a pass)."""

from __future__ import annotations

import json
import zipfile
from pathlib import Path

import pytest

from golive.facts.live.security_targets import AdvisoryExport, SecurityTargets
from golive.facts.scans.osv import export_source, severity_and_basis
from golive.facts.scans.pipaudit import PipAuditReport
from golive.judging.findings import SourceResult, findings_of
from golive.rules.appsec import dependencies
from selftests.security import lockfixtures as fx

EXPORT = "security/advisories/osv-export/npm"


def _write(root: Path, files: dict[str, str]) -> Path:
    for name, text in files.items():
        (root / name).parent.mkdir(parents=True, exist_ok=True)
        (root / name).write_text(text, encoding="utf-8")
    return root


def _export(root: Path, *records: dict[str, object], folder: str = EXPORT) -> None:
    """OSV's layout: one record per file, named by its id."""
    for record in records:
        _write(root, {f"{folder}/{record['id']}.json": fx.dumps(record)})


def _status(result: SourceResult) -> str:
    if not result.verified:
        return "not_verified"
    if result.counting():
        return "fail"
    return "not_verified" if result.gaps else "pass"


@pytest.fixture(autouse=True)
def _pip_audit_unreachable(monkeypatch: pytest.MonkeyPatch) -> None:
    """As on this machine: pip-audit reaches no vulnerability service (it audits nothing)."""
    monkeypatch.setattr(
        dependencies,
        "run_pip_audit",
        lambda _packages: PipAuditReport(verified=False, reason="cannot reach the service"),
    )


def audit(repo: Path, targets: SecurityTargets | None = None) -> SourceResult:
    return dependencies.dependency_audit(repo, targets or SecurityTargets())


# --- pass, fail, and a differently planted fail -----------------------------------------


def test_pass_when_every_package_is_covered_and_none_vulnerable(tmp_path: Path) -> None:
    repo = _write(tmp_path / "r", {"package-lock.json": json.dumps(fx.NPM_V3)})
    _export(repo, fx.NEXT_MIDDLEWARE, fx.VITEST_RCE)
    result = audit(repo)
    assert _status(result) == "pass", (result.gaps, result.findings)
    assert "npm: 4 locked packages covered by a source" in result.checked
    assert any("OSV export" in c and "dated 2025-02-04" in c for c in result.checked)


def test_fail_names_package_version_advisory_and_critical_severity(tmp_path: Path) -> None:
    """A critical CVE in a package other than next, from a bun lockfile."""
    repo = _write(tmp_path / "r", {"bun.lock": fx.BUN_LOCK})
    _export(repo, fx.NEXT_MIDDLEWARE, fx.VITEST_RCE)
    result = audit(repo)
    assert _status(result) == "fail"
    [finding] = result.counting()
    assert finding.severity == "critical"
    assert finding.where == "bun.lock" and finding.line is not None
    assert "vitest 3.0.4 (npm) is affected by GHSA-9crc-q9x8-hgqq [critical: label CRITICAL]" in (
        finding.message
    )
    assert "fixed in 1.6.1, 2.1.9, 3.0.5" in finding.message
    # the zero-critical criterion counts it across every source of the run
    assert [f.severity for f in findings_of([result])] == ["critical"]


@pytest.mark.parametrize(
    ("lockfile", "text", "record", "severity"),
    [
        ("apps/web/pnpm-lock.yaml", fx.PNPM_V9, fx.BABEL_TRAVERSE, "critical"),
        ("packages/site/yarn.lock", fx.YARN_BERRY, fx.AXIOS_SSRF, "high"),
        ("tools/legacy/yarn.lock", fx.YARN_V1, fx.AXIOS_SSRF, "high"),
    ],
    ids=["pnpm-v9", "yarn-berry", "yarn-v1"],
)
def test_vulnerable_package_in_a_nested_workspace_lockfile(
    tmp_path: Path, lockfile: str, text: str, record: dict[str, object], severity: str
) -> None:
    repo = _write(
        tmp_path / "r",
        {"package-lock.json": json.dumps(fx.NPM_V3), lockfile: text},
    )
    _export(repo, fx.NEXT_MIDDLEWARE, record)
    result = audit(repo)
    failing = result.counting()
    assert _status(result) == "fail"
    assert [(f.where, f.severity, f.message.split(" (npm)")[0]) for f in failing] == [
        (lockfile, severity, f"{record['affected'][0]['package']['name']} "  # type: ignore[index]
         + ("7.23.0" if "babel" in str(record) else "1.7.9"))
    ]  # fmt: skip
    assert str(record["id"]) in failing[0].message


# --- coverage ---------------------------------------------------------------------------


def test_curated_file_covers_only_its_packages(tmp_path: Path) -> None:
    """One advisory for next no longer makes the npm ecosystem count as checked."""
    repo = _write(
        tmp_path / "r",
        {
            "package-lock.json": json.dumps(fx.NPM_V3),
            "security/advisories/next.json": fx.dumps({"vulns": [fx.NEXT_MIDDLEWARE]}),
        },
    )
    result = audit(repo)
    assert _status(result) == "not_verified"
    [gap] = result.gaps
    assert gap.startswith("3 npm packages covered by no advisory source")
    assert "covers next" in gap and "string-width@4.2.3" in gap
    assert "npm: 1 locked packages covered by a source" in result.checked


def test_vulnerable_and_uncovered_fails_with_the_gap_kept(tmp_path: Path) -> None:
    repo = _write(
        tmp_path / "r",
        {
            "package-lock.json": json.dumps(fx.NPM_V3).replace("14.2.28", "14.2.3"),
            "security/advisories/next.json": fx.dumps(fx.NEXT_MIDDLEWARE),
        },
    )
    result = audit(repo)
    assert _status(result) == "fail" and result.gaps


def test_unreadable_lockfile_is_not_verified_naming_it(tmp_path: Path) -> None:
    repo = _write(
        tmp_path / "r",
        {"package-lock.json": json.dumps(fx.NPM_V3), "apps/api/pnpm-lock.yaml": "packages: [\n"},
    )
    _export(repo, fx.NEXT_MIDDLEWARE)
    result = audit(repo)
    assert _status(result) == "not_verified"
    assert [g.split(":")[0] for g in result.gaps] == ["apps/api/pnpm-lock.yaml"]
    assert "unreadable" in result.gaps[0]


def test_binary_bun_lockfile_is_not_verified_naming_it(tmp_path: Path) -> None:
    repo = tmp_path / "r"
    repo.mkdir()
    (repo / "bun.lockb").write_bytes(b"bun-lockfile-format-v0\n\x00\x01")
    result = audit(repo)
    assert _status(result) == "not_verified"
    assert result.gaps[0].startswith("bun.lockb: bun's binary lockfile: not read")


def test_export_as_zip_configured_with_its_ecosystem(tmp_path: Path) -> None:
    repo = _write(tmp_path / "r", {"yarn.lock": fx.YARN_V1})
    archive = tmp_path / "osv" / "all.zip"
    archive.parent.mkdir()
    with zipfile.ZipFile(archive, "w") as opened:
        for record in (fx.AXIOS_SSRF, fx.NEXT_MIDDLEWARE):
            opened.writestr(f"{record['id']}.json", json.dumps(record))
    targets = SecurityTargets(advisories=[AdvisoryExport(osv_export=str(archive), ecosystem="npm")])
    result = audit(repo, targets)
    assert _status(result) == "fail"
    assert [f.message.split(" is affected")[0] for f in result.counting()] == ["axios 1.7.9 (npm)"]


def test_export_older_than_the_limit_covers_nothing(tmp_path: Path) -> None:
    repo = _write(tmp_path / "r", {"package-lock.json": json.dumps(fx.NPM_V3)})
    _export(repo, fx.NEXT_MIDDLEWARE)
    result = audit(repo, SecurityTargets(advisory_max_age_days=30))
    assert _status(result) == "not_verified"
    assert result.gaps[0].startswith("4 npm packages covered by no advisory source")
    assert any("over advisory_max_age_days 30" in n for n in result.notes)


def test_export_covers_only_its_ecosystem(tmp_path: Path) -> None:
    repo = _write(
        tmp_path / "r",
        {"package-lock.json": json.dumps(fx.NPM_V3), "requirements.txt": "flask==3.0.3\n"},
    )
    _export(repo, fx.NEXT_MIDDLEWARE)
    result = audit(repo)
    assert [g.split(" covered")[0] for g in result.gaps] == ["1 PyPI packages"]


def test_export_ecosystem_from_folder_name_or_records(tmp_path: Path) -> None:
    _export(tmp_path, fx.AXIOS_SSRF, folder="a/npm")
    _export(tmp_path, fx.AXIOS_SSRF, folder="b/mine")
    (tmp_path / "c").mkdir()
    assert export_source(tmp_path / "a" / "npm").ecosystems == {"npm"}
    assert export_source(tmp_path / "b" / "mine").ecosystems == {"npm"}
    empty = export_source(tmp_path / "c")
    assert not empty.ecosystems and any("covers nothing" in p for p in empty.problems)


def test_unpinned_requirement_with_advisories_is_not_verified(tmp_path: Path) -> None:
    record = fx.record("PYSEC-0", "PyPI", "jinja2", [{"introduced": "0"}, {"fixed": "3.1.5"}])
    repo = _write(
        tmp_path / "r",
        {
            "requirements.txt": "jinja2>=3\nidna==3.7\n",
            "security/advisories/osv-export/PyPI/PYSEC-0.json": fx.dumps(record),
        },
    )
    result = audit(repo)
    assert _status(result) == "not_verified"
    assert result.gaps[0].startswith("1 PyPI requirements not pinned")


# --- "critical", defined once -------------------------------------------------------------


@pytest.mark.parametrize(
    ("record", "expected"),
    [
        ({"database_specific": {"severity": "CRITICAL"}}, ("critical", "label CRITICAL")),
        (  # a score of 9.0 or more is critical whatever the label says
            {
                "database_specific": {"severity": "HIGH"},
                "severity": [
                    {"type": "CVSS_V3", "score": "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H"}
                ],
            },
            ("critical", "label HIGH; CVSS 9.8"),
        ),
        (
            {
                "severity": [
                    {
                        "type": "CVSS_V4",
                        "score": "CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:H/VI:H/VA:H/SC:N/SI:N/SA:N",
                    }
                ]
            },
            ("critical", "CVSS 9.3"),
        ),
        (
            {"severity": [{"type": "CVSS_V3", "score": "8.9"}]},
            ("high", "CVSS 8.9"),
        ),
        ({}, (None, "no severity stated")),
    ],
    ids=["label", "score-over-label", "cvss-v4", "score-8.9", "none"],
)
def test_critical_is_score_nine_or_the_sources_label(
    record: dict[str, object], expected: tuple[str | None, str]
) -> None:
    assert severity_and_basis(record) == expected
