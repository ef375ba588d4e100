"""golive's GitHub, Vercel and Datadog clients against the recorded local API server."""

from __future__ import annotations

import pytest

from golive.facts.saas.client import SourceUnavailable
from golive.facts.saas.datadog import DatadogClient
from golive.facts.saas.github import GitHubClient
from golive.facts.saas.vercel import VercelClient

from .conftest import (
    DD_API_KEY,
    DD_APP_KEY,
    GITHUB_EXHAUSTED,
    GITHUB_TOKEN,
    PROJECT,
    REPOSITORY,
    VERCEL_TOKEN,
)

# ---------------------------------------------------------------------------------- GitHub


def test_github_reads_every_page_through_the_link_header(recorded_api):
    api = recorded_api("good")
    with GitHubClient(REPOSITORY, GITHUB_TOKEN, api.url) as client:
        runs = client.workflow_runs(200)
    assert len(runs) == 200
    assert len({run.id for run in runs}) == 200
    paths = [path for path, _ in api.requests]
    assert paths[0] == f"/repos/{REPOSITORY}/actions/runs?per_page=100"
    assert paths[1].startswith("/repositories/")  # the Link header's URL, as GitHub writes it
    assert "page=2" in paths[1]
    headers = api.requests[0][1]
    assert headers["Authorization"] == f"Bearer {GITHUB_TOKEN}"
    assert headers["X-GitHub-Api-Version"] == "2022-11-28"
    assert headers["Accept"] == "application/vnd.github+json"


def test_github_stops_at_the_limit(recorded_api):
    api = recorded_api("good")
    with GitHubClient(REPOSITORY, GITHUB_TOKEN, api.url) as client:
        runs = client.workflow_runs(120, page_size=50)
    assert len(runs) == 120
    assert len(api.requests) == 3


def test_github_runs_carry_the_api_fields(recorded_api):
    api = recorded_api("good")
    with GitHubClient(REPOSITORY, GITHUB_TOKEN, api.url) as client:
        runs = client.workflow_runs(200)
    build = next(r for r in runs if r.workflow == "build" and r.conclusion == "success")
    assert build.path == ".github/workflows/build.yml"
    assert build.started_at is not None and build.updated_at is not None
    assert build.duration_min is not None and 3.0 <= build.duration_min <= 4.3
    running = [r for r in runs if r.status == "in_progress"]
    assert running and running[0].conclusion is None and running[0].duration_min is None


def test_github_401_is_unavailable_with_the_status_and_no_token(recorded_api):
    api = recorded_api("good")
    wrong = "ghp_WrongToken111111111111111111111111111"
    with GitHubClient(REPOSITORY, wrong, api.url) as client, pytest.raises(
        SourceUnavailable
    ) as caught:
        client.workflow_runs()
    message = str(caught.value)
    assert "HTTP 401" in message and "Bad credentials" in message
    assert wrong not in message


def test_github_rate_limit_is_named(recorded_api):
    api = recorded_api("good")
    with GitHubClient(REPOSITORY, GITHUB_EXHAUSTED, api.url) as client, pytest.raises(
        SourceUnavailable, match="HTTP 403 rate limited API rate limit exceeded"
    ):
        client.workflow_runs()


def test_github_unknown_repository_is_404(recorded_api):
    api = recorded_api("good")
    with GitHubClient("acme/nope", GITHUB_TOKEN, api.url) as client, pytest.raises(
        SourceUnavailable, match="HTTP 404 Not Found"
    ):
        client.workflow_runs()


def test_github_unreachable(closed_port_url):
    with GitHubClient(REPOSITORY, GITHUB_TOKEN, closed_port_url) as client, pytest.raises(
        SourceUnavailable, match=r"127\.0\.0\.1 unreachable \(ConnectError\)"
    ):
        client.workflow_runs()


def test_github_repository_must_be_owner_slash_name():
    with pytest.raises(SourceUnavailable, match="not owner/name"):
        GitHubClient("https://github.com/acme/acme-web", GITHUB_TOKEN)


# ---------------------------------------------------------------------------------- Vercel


def test_vercel_pages_with_until(recorded_api):
    api = recorded_api("good")
    with VercelClient(PROJECT, VERCEL_TOKEN, api.url) as client:
        everything = client.deployments(200)
        api.requests.clear()
        paged = client.deployments(200, page_size=10)
    assert [d.uid for d in paged] == [d.uid for d in everything]
    assert len(api.requests) == 4  # 37 deployments, 10 a page
    assert all(f"projectId={PROJECT}" in path for path, _ in api.requests)
    assert "until=" in api.requests[1][0]


def test_vercel_deployment_fields(recorded_api):
    api = recorded_api("good")
    with VercelClient(PROJECT, VERCEL_TOKEN, api.url) as client:
        found = client.deployments()
    production = [d for d in found if d.production]
    assert production and all(d.commit_sha and d.build_min for d in production)
    assert any(d.preview and d.state == "BUILDING" and d.build_min is None for d in found)


def test_vercel_team_project_sends_team_id(recorded_api):
    api = recorded_api("good")
    with VercelClient(f"team_acme/{PROJECT}", VERCEL_TOKEN, api.url) as client:
        client.deployments(5)
    assert "teamId=team_acme" in api.requests[0][0]


def test_vercel_bad_token_is_unavailable_without_the_token(recorded_api):
    api = recorded_api("good")
    with VercelClient(PROJECT, "vc_wrong_token_42", api.url) as client, pytest.raises(
        SourceUnavailable
    ) as caught:
        client.deployments()
    assert "HTTP 403 Not authorized" in str(caught.value)
    assert "vc_wrong_token_42" not in str(caught.value)


def test_vercel_unreachable(closed_port_url):
    with VercelClient(PROJECT, VERCEL_TOKEN, closed_port_url) as client, pytest.raises(
        SourceUnavailable, match="unreachable"
    ):
        client.deployments()


# ---------------------------------------------------------------------------------- Datadog


def test_datadog_monitors_and_dashboards(recorded_api):
    api = recorded_api("good")
    with DatadogClient(DD_API_KEY, DD_APP_KEY, api.url) as client:
        monitors = client.monitors()
        boards = client.dashboards()
    assert {m.id for m in monitors} == {1201, 1202, 1203}
    assert [b.title for b in boards] == [
        "acme — System overview", "acme — Performance", "acme — Errors"
    ]
    assert any("system.cpu.user" in q for q in boards[0].queries)
    headers = api.requests[0][1]
    assert headers["DD-API-KEY"] == DD_API_KEY and headers["DD-APPLICATION-KEY"] == DD_APP_KEY


def test_datadog_forbidden_hides_both_keys(recorded_api):
    api = recorded_api("good")
    with DatadogClient(DD_API_KEY, "not-the-app-key-123", api.url) as client, pytest.raises(
        SourceUnavailable
    ) as caught:
        client.dashboards()
    message = str(caught.value)
    assert message == "Datadog API GET /api/v1/dashboard: HTTP 403 Forbidden"
    assert DD_API_KEY not in message and "not-the-app-key-123" not in message


def test_datadog_missing_dashboard_is_404(recorded_api):
    api = recorded_api("good")
    with DatadogClient(DD_API_KEY, DD_APP_KEY, api.url) as client, pytest.raises(
        SourceUnavailable, match="HTTP 404 Dashboard not found"
    ):
        client.dashboard("abc-def-ghi")


def test_datadog_unreachable(closed_port_url):
    with DatadogClient(DD_API_KEY, DD_APP_KEY, closed_port_url) as client, pytest.raises(
        SourceUnavailable, match="unreachable"
    ):
        client.monitors()
