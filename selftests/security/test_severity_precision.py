"""Critical means critical (validation round 2): bandit's HIGH is a pattern rating, not a
CVSS score, so it is high, never critical; MD5 with ``usedforsecurity=False`` is no finding;
a filler AWS pair is not a live key. A live key stays critical. Real bandit and
detect-secrets runs; the history scan keeps the same filters."""

from __future__ import annotations

from pathlib import Path

import pytest

from golive.rules.appsec import codescan
from golive.rules.appsec.secret_scan import secret_scan
from selftests.security.repos import git

CACHE = (
    "import hashlib\nimport subprocess\n\n\n"
    "def cache_key(body: bytes) -> str:\n"
    "    return hashlib.md5(body, usedforsecurity=False).hexdigest()\n\n\n"
    "def etag(body: bytes) -> str:\n"
    '    return hashlib.new("md5", body, usedforsecurity=False).hexdigest()\n'
)


@pytest.mark.slow
def test_bandit_high_is_high_and_non_security_md5_is_no_finding(tmp_path: Path) -> None:
    (tmp_path / "cache.py").write_text(CACHE)
    result = codescan.bandit_scan(tmp_path)
    assert result is not None and result.verified
    assert [f.rule for f in result.findings if f.rule == "bandit.B324"] == []
    twin = tmp_path / "twin"
    twin.mkdir()
    (twin / "cache.py").write_text(
        CACHE.replace(", usedforsecurity=False", "")
        + "\n\ndef run(cmd: str) -> None:\n    subprocess.call(cmd, shell=True)\n"
    )
    found = codescan.bandit_scan(twin)
    assert found is not None
    high = sorted((f.rule, f.severity) for f in found.findings if f.rule in
                  ("bandit.B324", "bandit.B602"))
    assert high == [("bandit.B324", "high"), ("bandit.B324", "high"), ("bandit.B602", "high")]
    assert not [f for f in found.findings if f.severity == "critical"]


@pytest.mark.slow
def test_filler_aws_pair_is_not_critical_a_service_role_key_is(tmp_path: Path) -> None:
    from selftests.static.test_secrets import SERVICE_ROLE

    (tmp_path / "config").mkdir()
    (tmp_path / "config/.env.staging").write_text(
        f"AWS_ACCESS_KEY_ID=AKIA{'X' * 16}\nAWS_SECRET_ACCESS_KEY={'X' * 40}\n"
    )
    git(tmp_path, "init", "-q")
    git(tmp_path, "add", "-A")
    git(tmp_path, "commit", "-q", "-m", "staging")
    result = secret_scan(tmp_path)
    assert result.verified
    assert [f for f in result.counting() if f.severity == "critical"] == []
    (tmp_path / "deploy.sh").write_text(f'#!/bin/sh\nexport SUPABASE_KEY="{SERVICE_ROLE}"\n')
    git(tmp_path, "add", "-A")
    git(tmp_path, "commit", "-q", "-m", "deploy")
    critical = [(f.where, f.line) for f in secret_scan(tmp_path).counting()
                if f.severity == "critical"]
    assert critical == [("deploy.sh", 2)]


@pytest.mark.slow
def test_history_keeps_the_public_value_filters(tmp_path: Path) -> None:
    from selftests.static.test_secret_precision import VERIFY

    layout = (f"export const metadata = {{\n  verification: {{\n    google: '{VERIFY}',\n"
              "  },\n}\n")
    (tmp_path / "layout.tsx").write_text(layout)
    (tmp_path / "docker-compose.yml").write_text(
        "services:\n  db:\n    environment:\n      POSTGRES_PASSWORD: dev_password\n")
    (tmp_path / "old.ts").write_text(f"const apiSecret = '{VERIFY[::-1]}'\n")
    git(tmp_path, "init", "-q")
    git(tmp_path, "add", "-A")
    git(tmp_path, "commit", "-q", "-m", "first")
    (tmp_path / "layout.tsx").write_text("export const metadata = {}\n")
    (tmp_path / "docker-compose.yml").write_text("services: {}\n")
    (tmp_path / "old.ts").unlink()
    git(tmp_path, "commit", "-q", "-am", "second")
    result = secret_scan(tmp_path)
    assert {(f.where, f.line) for f in result.counting()} == {("old.ts", 1)}
    assert any("site-verification token" in n for n in result.notes)
    assert any("local development credential" in n for n in result.notes)


@pytest.mark.slow
def test_partial_clone_scans_what_it_has_and_names_the_gap(tmp_path: Path) -> None:
    source = tmp_path / "source"
    source.mkdir()
    (source / "old.ts").write_text("const apiSecret = 'Zq7Lm2Vb9Xk4Tz8Rw3Ny6Cp1Hd5Js0Ga'\n")
    git(source, "init", "-q")
    git(source, "add", "-A")
    git(source, "commit", "-q", "-m", "first")
    (source / "old.ts").write_text("export {}\n")
    git(source, "commit", "-q", "-am", "second")
    git(source, "config", "uploadpack.allowFilter", "true")
    clone = tmp_path / "clone"
    git(tmp_path, "clone", "-q", "--filter=blob:none", f"file://{source}", str(clone))
    result = secret_scan(clone)  # the removed version's blob was never fetched
    assert result.findings == []
    assert any("absent from this clone" in gap for gap in result.gaps)
    assert not any("git could not list it" in gap for gap in result.gaps)
    full = secret_scan(source)
    assert {(f.where, f.line) for f in full.counting()} == {("old.ts", 1)}
    assert full.gaps == []
