"""Deploy commands as commands (issue 9): the platforms' CLIs are recognised and their
look-alikes are not; a deploy that names no stage on a merge is the production deploy; a
Vercel Git integration leaves the rollout out of the repository's sight."""

from __future__ import annotations

from pathlib import Path

import pytest

from golive.facts.repo.commands import parse_commands
from golive.rules import cigates, delivery
from golive.rules.runners import deploy_command

from ._helpers import text_of, write


@pytest.mark.parametrize(("line", "deploys"), [
    ("npx prisma migrate deploy", "prisma migrate deploy"),
    ("npx supabase db push --linked", "supabase db push"),
    ("terraform -chdir=infra apply -auto-approve", "terraform apply"),  # a global flag first
    ("terraform apply -auto-approve tfplan", "terraform apply"),
    ("railway up --service web", "railway up"),
    ("flyctl deploy --remote-only", "flyctl deploy"),
    ("helm upgrade --install web ./chart", "helm upgrade"),
    ("helmfile -e production apply", "helmfile apply"),
    ("helmfile apply", "helmfile apply"),
    ("kubectl apply -f k8s/", "kubectl apply"),
    ("aws ecs update-service --cluster c --service s --force-new-deployment",
     "aws ecs update-service"),
    ("aws s3 sync out/ s3://site-bucket --delete", "aws s3 sync"),
    ("aws cloudformation deploy --template-file t.yml --stack-name s",
     "aws cloudformation deploy"),
    ("gcloud run deploy web --image img", "gcloud run deploy"),
    ("vercel deploy --prebuilt --prod", "vercel --prod"),
    # look-alikes
    ("npx prisma migrate dev", None),
    ("terraform plan", None),
    ("kubectl get pods", None),
    ("aws s3 ls s3://site-bucket", None),
    ("helm template web ./chart", None),
    ("command -v vercel", None),
    ('echo "vercel --prod"', None),
])
def test_deploy_commands(line: str, deploys: str | None) -> None:
    (command,) = parse_commands(line)
    assert deploy_command(command.words) == deploys


RELEASE = """name: Release
on:
  push:
    branches: [master]
jobs:
  deploy:
    runs-on: ubuntu-latest
    steps:
      - run: supabase link --project-ref "$PROJECT_ID"
      - run: supabase db push
"""


def test_an_unnamed_deploy_on_merge_is_the_production_deploy(tmp_path: Path) -> None:
    write(tmp_path, ".github/workflows/release.yml", RELEASE)
    found = text_of(cigates.staged_rollout_findings(tmp_path))
    assert "no job deploys to production" not in found
    assert "no job deploys to a staging environment" in found
    assert "deploys to production (job deploy) on push to master" in found


def test_a_staged_release_passes_the_order(tmp_path: Path) -> None:
    staged = RELEASE.replace(
        "jobs:\n  deploy:\n",
        "jobs:\n  staging:\n    runs-on: ubuntu-latest\n    environment: staging\n"
        "    steps:\n      - run: supabase db push --db-url \"$STAGING_DB\"\n"
        "  deploy:\n    needs: staging\n    environment: production\n")
    write(tmp_path, ".github/workflows/release.yml", staged)
    found = text_of(cigates.staged_rollout_findings(tmp_path))
    assert "staging" not in found.split("production.json")[0].replace(
        "environments/production", "")  # only the reviewers export may be missing


def test_a_backup_job_is_no_deploy(tmp_path: Path) -> None:
    write(tmp_path, ".github/workflows/backup.yml", RELEASE.replace(
        "deploy:", "backup:").replace("supabase db push", "aws s3 sync dumps/ s3://b"))
    assert "no job deploys to production" in text_of(cigates.staged_rollout_findings(tmp_path))


@pytest.mark.parametrize("workflow", [
    RELEASE.replace("    branches: [master]\n", "    branches: [master]\n  pull_request:\n"),
    "on:\n  push:\n    branches: [main]\njobs:\n  sca:\n"
    "    uses: acme/scans/.github/workflows/osv.yml@v1\n",
], ids=["also-on-pull-requests", "reusable-workflow"])
def test_no_stage_and_no_merge_deploy_is_not_production(tmp_path: Path, workflow: str) -> None:
    write(tmp_path, ".github/workflows/ci.yml", workflow)
    assert "no job deploys to production" in text_of(cigates.staged_rollout_findings(tmp_path))


TF_PROJECT = """resource "vercel_project" "web" {
  name      = "web"
  framework = "nextjs"
  git_repository = {
    type = "github"
    repo = "acme/web"
  }
}
"""


def test_vercel_git_integration_by_terraform(tmp_path: Path) -> None:
    write(tmp_path, "infra/vercel.tf", TF_PROJECT)
    assert delivery.vercel_git_deploys(tmp_path) == [
        "infra/vercel.tf: vercel_project with git_repository"]


def test_vercel_git_integration_by_vercel_json(tmp_path: Path) -> None:
    write(tmp_path, "vercel.json", '{"framework": "nextjs"}\n')
    assert delivery.vercel_git_deploys(tmp_path) == ["vercel.json: a linked Vercel project"]


@pytest.mark.parametrize(("path", "text"), [
    ("vercel.json", '{"git": {"deploymentEnabled": false}}\n'),
    ("scripts/deploy.sh", "#!/usr/bin/env bash\nset -euo pipefail\nnpx vercel --prod\n"),
    (".github/workflows/deploy.yml",
     "on: push\njobs:\n  d:\n    runs-on: x\n    steps:\n      - run: vercel deploy --prod\n"),
], ids=["git-off", "script-deploys", "workflow-deploys"])
def test_no_git_integration_when_the_repository_deploys(tmp_path: Path, path: str,
                                                        text: str) -> None:
    write(tmp_path, "infra/vercel.tf", TF_PROJECT)
    write(tmp_path, "vercel.json", '{"framework": "nextjs"}\n')
    write(tmp_path, path, text)
    assert delivery.vercel_git_deploys(tmp_path) == []
