"""Which file is the deployment guide: a name anywhere in the file name, the document that
holds the sections first, then the name, then docs/ and the shallower path.

A monorepo keeps its guide as ``docs/production-deployment-guide.md`` next to an
infrastructure plan deep in ``infrastructure/…/deployment-plan.md``; the guide is judged,
not the plan."""

from __future__ import annotations

from pathlib import Path

from golive.rules import documents, process

from ._helpers import text_of, write

GUIDE = documents.DOCUMENTS["deployment-guide"]

PLAN = """# Service Mesh Implementation Plan

## Overview
Roll the mesh out over two weeks.

## Prerequisites
- istioctl 1.20
- cluster admin access

## Implementation Phases
### Phase 1: Installation
Install the control plane.

## Operational Considerations
Watch the sidecar memory.
"""

PRODUCTION_GUIDE = """# Production Deployment Guide

How the shop is released to production.

## Environments
Preview deployments for every pull request; production at shop.example.com.

## Deployment Process

### 1. Pre-Deployment Checklist
Before deploying to production, ensure:
- the CI pipeline is green
- the database migration has been reviewed

### 2. Release
```bash
./scripts/release.sh --production
```

### 3. Monitoring and Verification
- the health endpoint answers 200
- the error rate stays under 1 %

{rollback}
## Service URLs
- https://shop.example.com
"""

ROLLBACK = """## Rollback Procedure
If issues are detected after the release:

1. Decide with the on-call lead whether to roll back
2. Run the rollback script: `scripts/rollback-production.sh`
3. Check the health endpoint again
"""


def _repo(root: Path, rollback: str) -> Path:
    write(root, "infrastructure/kubernetes/service-mesh/deployment-plan.md", PLAN)
    write(root, "docs/production-deployment-guide.md",
          PRODUCTION_GUIDE.format(rollback=rollback))
    write(root, "scripts/rollback-production.sh",
          "#!/bin/sh\nset -eu\nvercel rollback --yes\n")
    return root


def test_guide_named_with_a_prefix_is_taken_over_a_deep_plan(tmp_path: Path) -> None:
    repo = _repo(tmp_path, ROLLBACK)
    assert documents.find_document(repo, GUIDE) == repo / "docs/production-deployment-guide.md"
    assert documents.document_findings(repo, GUIDE) == []
    assert process.rollback_procedure_findings(repo) == []


def test_guide_without_rollback_fails_on_the_guide(tmp_path: Path) -> None:
    # the guide still holds more sections than the plan: it is the one judged
    repo = _repo(tmp_path, "")
    (found,) = documents.document_findings(repo, GUIDE)
    assert found.file == "docs/production-deployment-guide.md"
    assert "no 'rollback' section" in found.message
    (missing,) = process.rollback_procedure_findings(repo)
    assert missing.file == "docs/production-deployment-guide.md"
    assert "has no rollback section" in missing.message


def test_guide_whose_rollback_section_is_empty(tmp_path: Path) -> None:
    repo = _repo(tmp_path, "## Rollback Procedure\n\nTBD\n")
    found = text_of(documents.document_findings(repo, GUIDE))
    assert "docs/production-deployment-guide.md" in found
    assert "the 'rollback' section (Rollback Procedure) is empty" in found
    assert "deployment-plan.md" not in found
    assert "is empty" in text_of(process.rollback_procedure_findings(repo))


def test_name_anywhere_in_the_file_name(tmp_path: Path) -> None:
    full = PRODUCTION_GUIDE.format(rollback=ROLLBACK)
    for name in ("DEPLOYING.md", "deploy-guide.md", "vercel-deployment-guide.md",
                 "release-deploy-guide.md"):
        root = tmp_path / name.replace(".", "_")
        write(root, f"docs/{name}", full)
        assert documents.find_document(root, GUIDE) == root / "docs" / name
    # a file that only mentions deploying in passing is not named like a guide
    write(tmp_path / "none", "docs/release-notes.md", full)
    assert documents.find_document(tmp_path / "none", GUIDE) is None


def test_content_first_then_name_then_docs_and_depth(tmp_path: Path) -> None:
    full = PRODUCTION_GUIDE.format(rollback=ROLLBACK)
    # more sections beat a closer name
    write(tmp_path / "a", "deployment-guide.md", "# Deployment guide\n\nSee the wiki.\n")
    write(tmp_path / "a", "docs/production-deployment-checklist.md", full)
    assert (documents.find_document(tmp_path / "a", GUIDE)
            == tmp_path / "a/docs/production-deployment-checklist.md")
    # equal content: the exact name beats a name inside a longer one
    write(tmp_path / "b", "infra/deployment-guide.md", full)
    write(tmp_path / "b", "docs/production-deployment-guide.md", full)
    assert (documents.find_document(tmp_path / "b", GUIDE)
            == tmp_path / "b/infra/deployment-guide.md")
    # equal content and name: docs/ beats a deep infrastructure folder
    write(tmp_path / "c", "infrastructure/k8s/mesh/deployment-guide.md", full)
    write(tmp_path / "c", "docs/ops/deployment-guide.md", full)
    assert (documents.find_document(tmp_path / "c", GUIDE)
            == tmp_path / "c/docs/ops/deployment-guide.md")


def test_an_archived_guide_with_every_section_is_still_set_aside(tmp_path: Path) -> None:
    write(tmp_path, "docs/archive/production-deployment-guide.md",
          PRODUCTION_GUIDE.format(rollback=ROLLBACK))
    write(tmp_path, "infrastructure/kubernetes/service-mesh/deployment-plan.md", PLAN)
    assert (documents.find_document(tmp_path, GUIDE)
            == tmp_path / "infrastructure/kubernetes/service-mesh/deployment-plan.md")
    assert "no 'rollback' section" in text_of(documents.document_findings(tmp_path, GUIDE))
