"""Backup to the (moto) S3 bucket and a verified restore into a scratch database."""

from __future__ import annotations

import json
import subprocess

import pytest

from golive.demo import aws

from .conftest import RunningStack

pytestmark = pytest.mark.slow


def _run(stack: RunningStack, name: str) -> tuple[int, dict[str, object]]:
    out = subprocess.run(stack.command(name), capture_output=True, text=True, timeout=120)
    return out.returncode, json.loads(out.stdout)


def test_backup_and_verified_restore(good: RunningStack) -> None:
    code, backup = _run(good, "backup")
    assert code == 0 and backup["server_side_encryption"] == "AES256"
    head = good.aws("s3").head_object(Bucket=aws.BUCKET, Key=backup["key"])
    assert head["ServerSideEncryption"] == "AES256"
    code, restore = _run(good, "restore")
    assert code == 0, restore
    assert restore["verified"] is True and restore["key"] == backup["key"]
    assert restore["tables"]["public.projects"] == {"expected": 5, "restored": 5}


def test_migrate_into_a_scratch_database(either: RunningStack) -> None:
    """Good: every migration and the seed apply to a fresh database. Broken: the
    repository's newest migration fails (a column that does not exist)."""
    code, result = _run(either, "migrate")
    if either.info.mode == "good":
        assert code == 0 and result["ok"] is True and len(result["applied"]) == 5
        assert result["tables"]["public.plans"] == 3
    else:
        assert code == 1 and result["ok"] is False
        assert "20250120090000" in str(result["error"])
        assert "does not exist" in str(result["error"])


def test_broken_restore_silently_drops_a_table(broken: RunningStack) -> None:
    """The broken restore checks only the tables that came back: it loses
    public.audit_log (its backup left it out), reports success and exits 0. golive's own
    comparison (selftests/live) is what catches it."""
    code, backup = _run(broken, "backup")
    assert code == 0 and backup["server_side_encryption"] is None
    assert float(str(backup["seconds"])) > 12.0  # slower than the demo's 0.2 min limit
    assert "public.audit_log" in backup["tables"]  # the source has it
    code, restore = _run(broken, "restore")
    assert code == 0 and restore["verified"] is True and restore["problems"] == []
    assert "public.audit_log" not in restore["tables"]
    assert restore["database"] == "app_restored"
