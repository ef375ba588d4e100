"""Deliverables by role: the plan's name first, then the names teams give the same file."""

from __future__ import annotations

from pathlib import Path

from golive.facts.repo import discover
from golive.facts.repo.workflow import find_workflow
from golive.rules import workflows

from ._helpers import write

_DEPLOY = """\
on:
  push:
    tags: ["v*"]
jobs:
  deploy:
    runs-on: ubuntu-latest
    timeout-minutes: 10
    environment: production
    steps:
      - run: npx vercel deploy --prod
"""


def test_equivalent_name_plays_the_role(tmp_path: Path) -> None:
    write(tmp_path, ".env.example", "DATABASE_URL=\n")
    path = discover.find_deliverable(tmp_path, ".env.template")
    assert path is not None and path.name == ".env.example"
    (match,) = discover.roles_taken(tmp_path)
    assert match.as_dict(tmp_path) == {
        "role": ".env.template", "file": ".env.example",
        "how": "equivalent name (.env.example for .env.template)",
    }
    assert match.renamed


def test_plan_name_wins(tmp_path: Path) -> None:
    write(tmp_path, ".env.example", "A=\n")
    write(tmp_path, "config/.env.template", "A=\n")
    path = discover.find_deliverable(tmp_path, ".env.template")
    assert path is not None and path.name == ".env.template"
    assert discover.roles_taken(tmp_path) == []


def test_no_equivalent_is_still_missing(tmp_path: Path) -> None:
    write(tmp_path, ".env.production", "A=\n")  # a values file, not the template
    assert discover.find_deliverable(tmp_path, ".env.template") is None


def test_production_workflow_by_its_usual_name(tmp_path: Path) -> None:
    write(tmp_path, ".github/workflows/production.yml", _DEPLOY)
    path = find_workflow(tmp_path, "deploy-production.yml")
    assert path is not None and path.name == "production.yml"
    # the content is judged as the plan's file; the other name is no content failure
    found = workflows.env_deploy_findings(tmp_path)
    assert not any("production.yml" in f.file and "no job deploys in a production" in f.message
                   for f in found)
    assert any(m.role == "deploy-production.yml" for m in discover.roles_taken(tmp_path))
