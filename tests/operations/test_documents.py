"""Operations and security documents (plan Week 4 Day 1-2 運用ドキュメント and
Week 2 Day 5 セキュリティドキュメント): each exists and has the sections that make it usable."""

from __future__ import annotations

from pathlib import Path

import pytest

from golive import CriterionContext, Evidence
from golive.rules import documents

CRITERIA = {
    "deployment-guide": "ops.deployment-guide",
    "troubleshooting-guide": "ops.troubleshooting-guide",
    "backup-restore": "ops.backup-restore-procedure",
    "alert-response-flow": "ops.alert-response-flow",
    "escalation-flow": "ops.escalation-flow",
    "maintenance": "ops.maintenance-procedure",
    "access-management": "sec.access-management-procedure",
    "incident-response": "sec.incident-response-procedure",
    "security-checklist": "sec.security-checklist",
}


@pytest.mark.parametrize(
    "spec",
    [pytest.param(documents.DOCUMENTS[key], id=key, marks=pytest.mark.criterion(cid))
     for key, cid in CRITERIA.items()],
)
def test_document_usable(
    criterion: CriterionContext,
    evidence: Evidence,
    repo_path: Path,
    spec: documents.DocumentSpec,
) -> None:
    path = documents.find_document(repo_path, spec)
    evidence.record("document", str(path.relative_to(repo_path)) if path else None,
                    required_sections=[s.name for s in spec.sections])
    criterion.expect_no_findings(documents.document_findings(repo_path, spec), what=spec.title)
