"""Review records from GitHub: merged pull requests and their reviews, branch protection and
action items, through the REST API (recorded answers in GitHub's shape, served by an httpx
transport that checks the headers GitHub requires) and through gh exports; then the real
checks through the plugin, a pass and a fail for each criterion."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

import httpx
import pytest

from golive.config import Environment
from golive.demo import exports as demo_exports
from golive.facts.saas import reviews, sources
from golive.facts.saas.client import SourceUnavailable
from golive.rules import reviews as rules

from .test_pairs import run_checks, statuses

RECORDED = Path(__file__).parent / "recorded" / "github-reviews"
TOKEN = "ghp_ReviewsRecorded000000000000000000000"
REPO = "acme/acme-web"
REPO_ID = 891234567
NOW = datetime(2026, 12, 7, 6, 0, tzinfo=UTC)
IDS = {"ops.code-review", "ops.review-history", "routine.action-items"}
CHECKS = ["tests/operations/test_code_review.py", "tests/routine/test_action_items.py"]


def _recorded(name: str) -> bytes:
    return (RECORDED / name).read_bytes()


def _github(*, protected: bool = True) -> httpx.MockTransport:
    def handle(request: httpx.Request) -> httpx.Response:
        if request.headers.get("authorization") != f"Bearer {TOKEN}":
            return httpx.Response(401, json={"message": "Bad credentials",
                                             "documentation_url": "https://docs.github.com/rest",
                                             "status": "401"})
        assert request.headers["x-github-api-version"] == "2022-11-28"
        path, query = request.url.path, request.url.params
        base = f"/repos/{REPO}"
        headers = {"content-type": "application/json; charset=utf-8"}
        if path in (f"{base}/pulls", f"/repositories/{REPO_ID}/pulls"):
            pulls = json.loads(_recorded("pulls.json"))
            if query.get("page") == "2":
                return httpx.Response(200, json=pulls[2:], headers=headers)
            assert query["state"] == "closed"
            # GitHub hands the next page out under /repositories/{id}/
            next_page = f"https://api.github.com/repositories/{REPO_ID}/pulls?state=closed&page=2"
            link = f'<{next_page}>; rel="next"'
            return httpx.Response(200, json=pulls[:2], headers={**headers, "link": link})
        if path.startswith(f"{base}/pulls/") and path.endswith("/reviews"):
            number = path.split("/")[-2]
            name = f"reviews-{number}.json"
            return httpx.Response(200, content=_recorded(name) if (RECORDED / name).is_file()
                                  else b"[]", headers=headers)
        if path == f"{base}/branches/main/protection":
            if protected:
                return httpx.Response(200, content=_recorded("protection.json"), headers=headers)
            return httpx.Response(404, content=_recorded("protection-404.json"), headers=headers)
        if path == f"{base}/issues":
            assert query["labels"] == "action-item" and query["state"] == "all"
            return httpx.Response(200, content=_recorded("issues.json"), headers=headers)
        return httpx.Response(404, json={"message": "Not Found"})

    return httpx.MockTransport(handle)


def _client(**kwargs: bool) -> reviews.ReviewsClient:
    return reviews.ReviewsClient(REPO, TOKEN, transport=_github(**kwargs))


def test_api_merged_pulls_follow_pages_and_judge_the_latest_review():
    with _client() as client:
        pulls = client.merged_pulls()
    assert [p.number for p in pulls] == [42, 40]  # 41 was closed without merging
    assert pulls[0].approvers() == {"mei-tanaka"}  # approval after a change request
    assert pulls[1].approvers() == set()  # the author's own approval and a comment
    findings = rules.unapproved(pulls)
    assert [f.file for f in findings] == ["PR #40"]
    assert "approved only by its author" in findings[0].message
    assert rules.approved_share(pulls) == 50.0


def test_api_protection_pass_and_fail():
    with _client() as client:
        protection = client.protection("main")
    assert protection.required_approvals == 2 and protection.status_checks == ("build",)
    assert rules.protection_findings(protection, 1) == []
    assert ["fewer than 3" in f.message for f in rules.protection_findings(protection, 3)] == [True]
    with _client(protected=False) as client:
        bare = client.protection("main")
    messages = [f.message for f in rules.protection_findings(bare, 1)]
    assert messages == ["pull request reviews are not required",
                        "no status check is required before merging",
                        "administrators may bypass the protection"]


def test_api_action_items_pass_and_fail():
    with _client() as client:
        issues = client.issues("action-item")
    assert sorted(i.number for i in issues) == [606, 607, 608, 609, 610]  # no pull request
    found = {f.file: f.message for f in rules.action_item_findings(issues, NOW)}
    assert sorted(found) == ["issue #607", "issue #608", "issue #609"]
    assert "overdue" in found["issue #607"] and "2026-01-15" in found["issue #607"]
    assert found["issue #608"].endswith("no milestone")
    assert found["issue #609"].endswith("has no assignee")
    ok = [i for i in issues if i.number in (606, 610)]
    assert rules.action_item_findings(ok, NOW) == []


def test_api_refused_is_unavailable_without_the_token():
    with reviews.ReviewsClient(REPO, "ghp_wrong0000", transport=_github()) as client, \
            pytest.raises(SourceUnavailable, match="HTTP 401 Bad credentials") as caught:
        client.merged_pulls()
    assert "ghp_wrong0000" not in str(caught.value)


def test_sources_prefer_the_api_when_configured(monkeypatch):
    monkeypatch.setenv("GL_REVIEWS_TOKEN", TOKEN)
    env = Environment(github_repository=REPO, github_token="env:GL_REVIEWS_TOKEN")
    found = sources.merged_pulls(env, None, transport=_github())
    assert found.origin == f"GitHub API {REPO}" and len(found.items) == 2
    items = sources.action_items(env, None, transport=_github())
    assert len(items.items) == 5


@pytest.mark.parametrize("broken", [False, True])
def test_gh_exports_of_the_demo(tmp_path, broken):
    demo_exports.write(tmp_path, broken, now=NOW)
    env = Environment()
    pulls = sources.merged_pulls(env, tmp_path)
    assert pulls.origin == "export gh-prs.json" and len(pulls.items) == 24
    protection = sources.branch_protection(env, tmp_path, "main").items[0]
    issues = sources.action_items(env, tmp_path).items
    unapproved = rules.unapproved(pulls.items)
    guarded = rules.protection_findings(protection, 1)
    items = rules.action_item_findings(issues, NOW)
    if broken:
        assert [f.file for f in unapproved] == ["PR #477", "PR #469"]
        assert len(guarded) == 3
        assert sorted(f.file for f in items) == ["issue #608", "issue #609", "issue #610"]
    else:
        assert (unapproved, guarded, items) == ([], [], [])


def test_unrecognised_exports_say_what_is_accepted(tmp_path):
    (tmp_path / "gh-prs.json").write_text('[{"number": 1, "mergedAt": "2026-01-01T00:00:00Z"}]')
    with pytest.raises(SourceUnavailable, match="without their reviews"):
        sources.merged_pulls(Environment(), tmp_path)
    (tmp_path / "gh-issues.json").write_text('{"items": []}')
    with pytest.raises(SourceUnavailable, match="not a list of issues"):
        sources.action_items(Environment(), tmp_path)
    (tmp_path / "gh-protection.json").write_text('{"name": "main"}')
    with pytest.raises(SourceUnavailable, match="not a branch protection answer"):
        sources.branch_protection(Environment(), tmp_path, "main")


def _run(tmp_path: Path, toml: str) -> dict[str, object]:
    return run_checks(tmp_path, toml, checks=CHECKS)


@pytest.mark.parametrize(("broken", "expected"), [(False, "pass"), (True, "fail")])
def test_checks_through_the_plugin(tmp_path, broken, expected):
    demo_exports.write(tmp_path / "exports", broken)
    data = _run(tmp_path, f'exports_dir = "{tmp_path / "exports"}"\n')
    assert statuses(data, IDS) == dict.fromkeys(IDS, expected), data["_text"][-3000:]


def test_checks_without_a_source_are_not_verified(tmp_path):
    data = _run(tmp_path, "")
    assert statuses(data, IDS) == dict.fromkeys(IDS, "not_verified")
    assert all("gh-" in c["reason"] for c in data["criteria"] if c["id"] in IDS)
