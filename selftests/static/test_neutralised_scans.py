"""A vulnerability scan that cannot fail its job is not a gate (validation round 2): tfsec
or checkov with ``soft_fail: true``, ``npm audit || echo …``, Trivy ``exit-code: '0'``,
``continue-on-error: true``. Each beside its twin that can fail."""

from __future__ import annotations

from pathlib import Path

import pytest

from golive.rules import cigates

from ._helpers import text_of, write
from .test_cigates import _workflow

TFSEC = "uses: aquasecurity/tfsec-action@v1.0.3\n        with:\n          working_directory: tf\n"


def test_soft_fail_tfsec_is_no_gate_a_failing_tfsec_is(tmp_path: Path) -> None:
    soft = tmp_path / "soft"
    write(soft, ".github/workflows/validate.yml",
          _workflow("[pull_request]", TFSEC + "          soft_fail: true"))
    shown = text_of(cigates.security_scan_findings(soft))
    assert "aquasecurity/tfsec-action in job t cannot fail the pull request (soft_fail: true)" \
        in shown
    (scan,) = cigates.scan_steps(soft)
    assert scan.ignored() is not None
    gating = tmp_path / "gating"
    write(gating, ".github/workflows/validate.yml", _workflow("[pull_request]", TFSEC.rstrip()))
    assert cigates.security_scan_findings(gating) == []
    (scan,) = cigates.scan_steps(gating)
    assert scan.ignored() is None


@pytest.mark.parametrize(("step", "expected"), [
    ('run: npm audit --production || echo "npm audit found issues but continuing"',
     "its failure is swallowed by '|| echo"),
    ("uses: bridgecrewio/checkov-action@v12\n        with:\n          soft_fail: true",
     "(soft_fail: true)"),
    ("run: |\n          set +e\n          pip-audit\n          echo done",
     "ignores its exit status"),
])
def test_other_neutralised_scans(tmp_path: Path, step: str, expected: str) -> None:
    write(tmp_path, ".github/workflows/scan.yml", _workflow("[pull_request]", step))
    shown = text_of(cigates.security_scan_findings(tmp_path))
    assert "cannot fail the pull request" in shown and expected in shown


def test_a_gating_scan_passes_and_the_neutralised_ones_are_named(tmp_path: Path) -> None:
    write(tmp_path, ".github/workflows/ci.yml", _workflow(
        "[pull_request]",
        'run: npm audit || echo "continuing"',
        "uses: aquasecurity/trivy-action@0.28.0\n        with:\n          exit-code: '0'",
        "uses: github/codeql-action/analyze@v3",
    ))
    assert cigates.security_scan_findings(tmp_path) == []
    notes = {s.scanner: s.ignored() for s in cigates.scan_steps(tmp_path)}
    assert notes["github/codeql-action/analyze"] is None
    assert notes["aquasecurity/trivy-action"] is not None
    assert notes["aquasecurity/trivy-action"][1] == "exit-code: 0"
    assert notes["npm audit"] is not None and "|| echo" in notes["npm audit"][1]
