"""The staged-rollout reasons say what the repository does: the events that reach a
production job through its own ``if:``, and a production deploy a script makes by hand
when no workflow job deploys."""

from __future__ import annotations

from pathlib import Path

from golive.rules import cigates
from golive.rules.delivery import script_production_deploys

from ._helpers import text_of, write

KEEP_ALIVE = """name: Keep Supabase alive
on:
  schedule:
    - cron: '0 9 * * 1'
permissions:
  contents: read
jobs:
  ping:
    runs-on: ubuntu-latest
    steps:
      - run: |
          curl -fsS "$SUPABASE_URL/rest/v1/" -H "apikey: $SUPABASE_ANON_KEY"
"""

DEPLOY_SH = """#!/bin/bash
npm run build
if [ $? -ne 0 ]; then
    exit 1
fi
vercel --prod
"""


def test_production_deploy_by_script_is_named(tmp_path: Path) -> None:
    write(tmp_path, ".github/workflows/keep-alive.yml", KEEP_ALIVE)
    write(tmp_path, "deploy.sh", DEPLOY_SH)
    found = text_of(cigates.staged_rollout_findings(tmp_path))
    assert ("no workflow job deploys to production: deploy.sh:6 deploys it by hand "
            "(`vercel --prod`), outside any workflow") in found
    assert "no job deploys to a staging environment" in found  # the verdict stays a failure


def test_without_a_deploy_script_no_job_deploys(tmp_path: Path) -> None:
    write(tmp_path, ".github/workflows/keep-alive.yml", KEEP_ALIVE)
    write(tmp_path, "scripts/seed.sh", "#!/bin/sh\nset -eu\npsql \"$DB_URL\" -f seed.sql\n")
    found = text_of(cigates.staged_rollout_findings(tmp_path))
    assert ("no job deploys to production (workflows read: .github/workflows/keep-alive.yml)"
            in found)


def test_script_deploys_that_never_run_or_are_not_production(tmp_path: Path) -> None:
    write(tmp_path, "a/deploy.sh", "#!/bin/sh\nexit 0\nvercel --prod\n")
    write(tmp_path, "b/preview.sh", "#!/bin/sh\nset -eu\nvercel deploy\n")
    write(tmp_path, "c/deploy-production.sh", "#!/bin/sh\nset -eu\nsupabase db push\n")
    assert script_production_deploys(tmp_path) == [
        ("c/deploy-production.sh", 3, "supabase db push")]


TERRAFORM = """name: Deploy Datadog Infrastructure
on:
  push:
    branches:
      - main
      - 'feature/**'
  pull_request:
    paths:
      - 'terraform/**'
  workflow_dispatch:
jobs:
  plan:
    runs-on: ubuntu-latest
    if: github.event_name == 'pull_request' || github.event_name == 'push'
    steps:
      - run: terraform plan -out tfplan
  apply:
    runs-on: ubuntu-latest
    needs: plan
{condition}    environment:
      name: production
    steps:
      - run: terraform apply -auto-approve tfplan
"""

MAIN_ONLY = """    if: |
      (github.ref == 'refs/heads/main' && github.event_name == 'push') ||
      (github.event_name == 'workflow_dispatch')
"""


def test_the_jobs_if_narrows_the_events(tmp_path: Path) -> None:
    write(tmp_path, ".github/workflows/datadog-deploy.yml", TERRAFORM.format(condition=MAIN_ONLY))
    found = text_of(cigates.staged_rollout_findings(tmp_path))
    assert ("deploys to production (job apply, if: (github.ref == 'refs/heads/main' && "
            "github.event_name == 'push') || (github.event_name == 'workflow_dispatch')) "
            "on push to main: the changes that feed staging") in found
    assert "pull_request" not in found.split("on push to main")[1].split("\n")[0]


def test_without_an_if_every_trigger_is_listed(tmp_path: Path) -> None:
    write(tmp_path, ".github/workflows/datadog-deploy.yml", TERRAFORM.format(condition=""))
    found = text_of(cigates.staged_rollout_findings(tmp_path))
    assert ("deploys to production (job apply) on push to main, feature/**, pull_request: "
            "the changes that feed staging") in found


def test_a_job_only_started_by_hand_does_not_bypass_staging(tmp_path: Path) -> None:
    manual = "    if: github.event_name == 'workflow_dispatch'\n"
    write(tmp_path, ".github/workflows/datadog-deploy.yml", TERRAFORM.format(condition=manual))
    found = text_of(cigates.staged_rollout_findings(tmp_path))
    assert "the changes that feed staging reach production" not in found
    # still no staging at all: the criterion fails for that
    assert "no job deploys to a staging environment" in found
