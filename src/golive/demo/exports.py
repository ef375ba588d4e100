"""A plausible exports folder for the demo stack: the good team's history, or the broken one's.

``write(dest, broken)`` writes every export golive reads (see :mod:`golive.saas`) for the
sample repository's workflows (build, test, e2e-test, coverage-report, deploy-staging,
deploy-production, dependency-update), its Vercel project and its Datadog organisation.
The good history meets every criterion; the broken one misses each: a flaky, slow build,
slow end-to-end tests, slow production deploys, failing previews, key metrics missing from
dashboards, noisy alerts and a mostly manual test plan; its release commit has no acceptance
test run, a security change leaves checklist items unticked, two pull requests leave the
impact section as the template's placeholder, the newest release's notice comes after the
deploy and the on-call schedule has a gap.

:func:`history` returns the same data in the services' API shapes (the GitHub runs in the
REST shape); the self-tests record their API answers from it.
"""

from __future__ import annotations

import json
import random
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from golive.facts.saas import changes, datadog, github, oncall, reviews, testcases, vercel

__all__ = ["REPOSITORY", "history", "write"]

REPOSITORY = "acme/acme-web"
_PROJECT = "prj_acmeweb0demo"


@dataclass(frozen=True)
class _Workflow:
    id: int
    name: str
    count: int
    minutes: tuple[float, float]  # good (low, high); broken runs scale by ``slow``
    slow: float = 1.0
    event: str = "push"


def _workflows(broken: bool) -> list[_Workflow]:
    return [
        _Workflow(161001, "build", 110, (3.0, 4.2), 2.9 if broken else 1.0),
        _Workflow(161002, "test", 40, (3.5, 5.5)),
        _Workflow(161003, "e2e-test", 20, (7.0, 9.5), 2.3 if broken else 1.0),
        _Workflow(161004, "coverage-report", 16, (4.0, 6.0)),
        _Workflow(161005, "deploy-staging", 6, (3.0, 4.0)),
        _Workflow(
            161006, "deploy-production", 6, (6.0, 8.0), 2.5 if broken else 1.0, event="release"
        ),
        _Workflow(161007, "dependency-update", 2, (1.0, 2.0), event="schedule"),
    ]


def _iso(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _ms(moment: datetime) -> int:
    return int(moment.timestamp() * 1000)


def _sha(rng: random.Random) -> str:
    return f"{rng.getrandbits(160):040x}"


def _conclusion(rng: random.Random, flow: _Workflow, index: int, broken: bool) -> str | None:
    if flow.name != "build":
        return "success"
    if index == 0:
        return None  # the newest build is still running
    if index in (17, 63):
        return "cancelled"  # superseded by a newer push (concurrency group)
    if broken:
        return "failure" if rng.random() < 0.15 else "success"
    return "failure" if index == 41 else "success"


def _run(
    rng: random.Random, flow: _Workflow, index: int, at: datetime, broken: bool
) -> dict[str, Any]:
    conclusion = _conclusion(rng, flow, index, broken)
    low, high = flow.minutes
    minutes = rng.uniform(low, high) * flow.slow
    if broken and flow.name == "build" and rng.random() < 0.1:
        minutes = rng.uniform(11.0, 12.5)  # a few very slow builds on a cold cache
    started = at + timedelta(seconds=rng.randint(2, 9))
    done = conclusion is not None
    updated = started + timedelta(minutes=minutes if done else 1.0)
    on_pr = flow.event == "push" and index % 3 == 1 and not flow.name.startswith("deploy")
    branch = f"feature/ACME-{200 + index}" if on_pr else "main"
    run_id = 12_900_000_000 + flow.id % 1000 * 100_000 + index
    return {
        "id": run_id,
        "name": flow.name,
        "node_id": f"WFR_kwLOAcme{flow.id % 1000:03d}{index:05d}",
        "head_branch": branch,
        "head_sha": _sha(rng),
        "path": f".github/workflows/{flow.name}.yml",
        "display_title": f"{'Release' if flow.event == 'release' else 'Update'} #{900 - index}",
        "run_number": 900 - index,
        "event": "pull_request" if on_pr else flow.event,
        "status": "completed" if done else "in_progress",
        "conclusion": conclusion,
        "workflow_id": flow.id,
        "run_attempt": 1,
        "created_at": _iso(at),
        "updated_at": _iso(updated),
        "run_started_at": _iso(started),
        "url": f"https://api.github.com/repos/{REPOSITORY}/actions/runs/{run_id}",
        "html_url": f"https://github.com/{REPOSITORY}/actions/runs/{run_id}",
    }


def _runs(rng: random.Random, now: datetime, broken: bool) -> list[dict[str, Any]]:
    runs = []
    for flow in _workflows(broken):
        span = timedelta(days=14) / flow.count
        for index in range(flow.count):
            at = now - timedelta(minutes=20) - span * index - timedelta(minutes=rng.randint(0, 50))
            runs.append(_run(rng, flow, index, at, broken))
    return sorted(runs, key=lambda r: r["created_at"], reverse=True)


def _gh(run: dict[str, Any]) -> dict[str, Any]:
    """A REST run as ``gh run list --json`` prints it."""
    return {
        "databaseId": run["id"],
        "name": run["display_title"],
        "workflowName": run["name"],
        "conclusion": run["conclusion"] or "",
        "status": run["status"],
        "createdAt": run["created_at"],
        "updatedAt": run["updated_at"],
        "startedAt": run["run_started_at"],
        "event": run["event"],
        "headBranch": run["head_branch"],
        "headSha": run["head_sha"],
    }


def _deployment(
    uid: str,
    target: str | None,
    state: str,
    created: datetime,
    build_min: float,
    sha: str,
    branch: str,
    source: str,
) -> dict[str, Any]:
    building = created + timedelta(seconds=8)
    ready = building + timedelta(minutes=build_min)
    return {
        "uid": uid,
        "name": "acme-web",
        "url": f"acme-web-{uid[4:13].lower()}-acme.vercel.app",
        "created": _ms(created),
        "createdAt": _ms(created),
        "buildingAt": _ms(building),
        **({"ready": _ms(ready)} if state == "READY" else {}),
        "state": state,
        "readyState": state,
        "readySubstate": "PROMOTED" if target == "production" and state == "READY" else None,
        "type": "LAMBDAS",
        "target": target,
        "source": source,
        "projectId": _PROJECT,
        "creator": {"uid": "usr_acmeinfra01", "username": "acme-infra", "githubLogin": "acme-bot"},
        "meta": {
            "githubCommitSha": sha,
            "githubCommitRef": branch,
            "githubOrg": "acme",
            "githubRepo": "acme-web",
            "githubDeployment": "1",
        },
        "inspectorUrl": f"https://vercel.com/acme/acme-web/{uid[4:]}",
        "isRollbackCandidate": target == "production" and state == "READY",
        "aliasAssigned": _ms(ready) if state == "READY" else None,
        "aliasError": None,
    }


def _deployments(
    rng: random.Random, runs: list[dict[str, Any]], now: datetime, broken: bool
) -> list[dict[str, Any]]:
    found = []
    for run in (r for r in runs if r["name"] == "deploy-production"):
        started = datetime.fromisoformat(run["run_started_at"].replace("Z", "+00:00"))
        created = started + timedelta(minutes=rng.uniform(4.0, 4.5) if broken else 3.4)
        build = rng.uniform(8.0, 11.0) if broken else rng.uniform(1.8, 2.8)
        found.append(
            _deployment(
                f"dpl_{run['head_sha'][:24]}",
                "production",
                "READY",
                created,
                build,
                run["head_sha"],
                "main",
                "cli",
            )
        )
    for index in range(30):
        created = now - timedelta(minutes=35) - timedelta(hours=11) * index
        failing = (index in (0, 2) or index % 3 == 0) if broken else index == 9
        state = "ERROR" if failing else "READY"
        build = rng.uniform(6.0, 11.0) if broken else rng.uniform(1.5, 3.0)
        uid = f"dpl_{_sha(rng)[:24]}"
        found.append(
            _deployment(
                uid, None, state, created, build, _sha(rng), f"feature/ACME-{300 - index}", "git"
            )
        )
    found.append(
        _deployment(
            f"dpl_{_sha(rng)[:24]}",
            None,
            "BUILDING",
            now - timedelta(minutes=1),
            2.0,
            _sha(rng),
            "feature/ACME-301",
            "git",
        )
    )
    return sorted(found, key=lambda d: d["createdAt"], reverse=True)


def _widget(wid: int, kind: str, title: str, *queries: str) -> dict[str, Any]:
    requests = [
        {
            "response_format": "timeseries" if kind == "timeseries" else "scalar",
            "queries": [
                {"data_source": "metrics", "name": f"query{n}", "query": q}
                for n, q in enumerate(queries, start=1)
            ],
        }
    ]
    return {
        "id": wid,
        "definition": {"type": kind, "title": title, "requests": requests},
        "layout": {"x": 0, "y": 0, "width": 4, "height": 2},
    }


def _board(board_id: str, title: str, widgets: list[dict[str, Any]]) -> dict[str, Any]:
    slug = title.lower().replace(" ", "-")
    return {
        "id": board_id,
        "title": f"acme — {title}",
        "description": "",
        "layout_type": "ordered",
        "reflow_type": "fixed",
        "url": f"/dashboard/{board_id}/acme-{slug}",
        "is_read_only": False,
        "notify_list": [],
        "author_handle": "infra@acme.example",
        "template_variables": [
            {"name": "env", "prefix": "env", "available_values": [], "default": "production"}
        ],
        "created_at": "2025-01-08T02:11:40.000000+00:00",
        "modified_at": "2025-01-20T07:42:05.000000+00:00",
        "widgets": widgets,
    }


def _dashboards(broken: bool) -> list[dict[str, Any]]:
    web = "{$env,service:acme-web}"
    performance = _board(
        "q8d-2ux-9kf",
        "Performance",
        [
            _widget(
                2001, "timeseries", "p95 response time", f"p95:acme.http.request.duration{web}"
            ),
            _widget(2002, "timeseries", "CPU", "avg:system.cpu.user{$env} by {host}"),
        ],
    )
    if broken:
        return [performance, _board("m3k-7rz-1qa", "Errors", [])]
    return [
        _board(
            "a7c-4pe-2xm",
            "System overview",
            [
                _widget(
                    1001,
                    "query_value",
                    "Availability (30d)",
                    "avg:synthetics.http.check.status{$env,check:acme-web-health}",
                ),
                _widget(1002, "timeseries", "CPU", "avg:system.cpu.user{$env} by {host}"),
                _widget(1003, "timeseries", "Memory", "avg:system.mem.pct_usable{$env} by {host}"),
                _widget(1004, "timeseries", "Disk", "max:system.disk.in_use{$env} by {host}"),
            ],
        ),
        performance,
        _board(
            "m3k-7rz-1qa",
            "Errors",
            [
                _widget(
                    3001,
                    "timeseries",
                    "Error rate",
                    f"sum:acme.http.error.count{web}.as_count()",
                    f"sum:acme.http.request.count{web}.as_count()",
                ),
            ],
        ),
    ]


def _monitors() -> list[dict[str, Any]]:
    rules = [
        (
            1201,
            "[acme-web] error rate above 1%",
            "sum(last_5m):sum:acme.http.error.count"
            "{env:production}.as_count() / sum:acme.http.request.count{env:production}"
            ".as_count() * 100 > 1",
        ),
        (
            1202,
            "[acme-web] p95 response time above 200ms",
            "avg(last_5m):p95:acme.http.request.duration{env:production} > 0.2",
        ),
        (
            1203,
            "[acme-worker] CPU at least 80%",
            "avg(last_5m):avg:system.cpu.user{env:production} by {host} >= 80",
        ),
    ]
    return [
        {
            "id": mid,
            "name": name,
            "type": "query alert",
            "query": query,
            "message": "@slack-acme-alerts",
            "tags": ["env:production", "team:infra"],
            "overall_state": "OK",
            "priority": 2,
            "options": {"thresholds": {"critical": 1}, "notify_no_data": False},
            "created": "2025-01-08T02:30:00.000000+00:00",
            "multi": "by {" in query,
        }
        for mid, name, query in rules
    ]


def _alerts(rng: random.Random, now: datetime, broken: bool) -> dict[str, Any]:
    monitors = _monitors()
    count, false = (30, {2, 7, 11, 19, 25}) if broken else (40, {13})
    events = []
    for index in range(count):
        monitor = monitors[index % len(monitors)]
        at = now - timedelta(hours=17) * index - timedelta(minutes=rng.randint(0, 40))
        tags = ["monitor", "env:production", "team:infra"]
        if index in false:
            tags.append("false_positive")
        name = monitor["name"]
        for offset, prefix, kind in ((0, "Triggered", "error"), (9, "Recovered", "success")):
            event_id = 7_301_000_000_000_000_000 + index * 10 + (offset > 0)
            events.append(
                {
                    "id": event_id,
                    "id_str": str(event_id),
                    "title": f"[{prefix}] {name}",
                    "text": f"%%%\n{name}\n\n@slack-acme-alerts\n%%%",
                    "date_happened": int((at + timedelta(minutes=offset)).timestamp()),
                    "alert_type": kind,
                    "priority": "normal",
                    "source_type_name": "Monitor Alert",
                    "host": None,
                    "tags": tags,
                    "url": f"/event/event?id={event_id}",
                    "is_aggregate": False,
                    "monitor_id": monitor["id"],
                    "monitor_groups": [],
                }
            )
    return {"events": sorted(events, key=lambda e: e["date_happened"], reverse=True)}


def _cases(broken: bool) -> dict[str, Any]:
    total, manual_every = (80, 3) if broken else (120, 15)
    suites = ("auth", "projects", "billing", "admin", "api")
    return {
        "cases": [
            {
                "id": f"TC-{n:03d}",
                "title": f"{suites[n % len(suites)]} scenario {n}",
                "suite": suites[n % len(suites)],
                "automated": n % manual_every != 0,
            }
            for n in range(1, total + 1)
        ]
    }


_TEAM = ("hana-sato", "ken-ito", "mei-tanaka", "ryo-kato")


def _user(login: str) -> dict[str, Any]:
    return {
        "id": f"MDQ6VXNlcj{sum(map(ord, login))}",
        "is_bot": False,
        "login": login,
        "name": login.replace("-", " ").title(),
    }


def _pulls(now: datetime, broken: bool) -> list[dict[str, Any]]:
    """Merged pull requests as ``gh pr list --json …,reviews`` prints them. Broken: two
    merged without another person's approval (one self-approved, one with a comment)."""
    pulls = []
    for index in range(24):
        author = _TEAM[index % len(_TEAM)]
        reviewer = _TEAM[(index + 1) % len(_TEAM)]
        merged = now - timedelta(hours=13) * index - timedelta(minutes=30)
        state = "APPROVED"
        if broken and index in (3, 11):
            reviewer, state = (author, "APPROVED") if index == 3 else (reviewer, "COMMENTED")
        review = {
            "id": f"PRR_kwDOAcme{index:04d}",
            "author": {"login": reviewer},
            "authorAssociation": "MEMBER",
            "body": "",
            "state": state,
            "submittedAt": _iso(merged - timedelta(minutes=40)),
            "includesCreatedEdit": False,
            "reactionGroups": [],
            "commit": {"oid": f"{(index * 7919) % 16**8:08x}" * 5},
        }
        number = 480 - index
        title, body, labels = _pull_text(index, broken)
        pulls.append(
            {
                "number": number,
                "title": title,
                "author": _BOT if index in _DEPENDENCY_PULLS else _user(author),
                "mergedAt": _iso(merged),
                "baseRefName": "main",
                "reviews": [review],
                "url": f"https://github.com/{REPOSITORY}/pull/{number}",
                "body": body,
                "labels": labels,
            }
        )
    return pulls


_SECURITY_PULLS = (2, 8, 14, 20)
_DEPENDENCY_PULLS = (4, 16)
_BOT = {"id": "BOT_kgDOAcmeDB", "is_bot": True, "login": "app/dependabot", "name": ""}
_IMPACT_HINT = "<!-- What does this change affect: services, data, users, performance? -->"
_CHECKLIST = ("No secret or credential is committed", "Input is validated and output escaped",
              "Access control of the changed endpoints reviewed",
              "New dependencies checked for advisories")  # fmt: skip


def _label(name: str, color: str) -> dict[str, Any]:
    return {"id": f"LA_kwDOAcme{name[:4]}", "name": name, "description": "", "color": color}


def _pull_text(index: int, broken: bool) -> tuple[str, str, list[dict[str, Any]]]:
    """Title, body (the team's PR template filled in) and labels of a merged pull request.
    Broken: a security change with two checklist items unticked, and a change and a
    dependency update whose impact section is still the template's placeholder."""
    labels: list[dict[str, Any]] = []
    title = f"ACME-{300 - index}: infra change {index}"
    impact = f"- Affects the web front only; rollback by reverting the PR (ACME-{300 - index})"
    if index in _DEPENDENCY_PULLS:
        title = f"Bump next from 14.2.{index} to 14.2.{index + 1}"
        impact = "- Patch release of next: build and e2e tests green, no API change in our use"
        labels.append(_label("dependencies", "0366d6"))
    if broken and index in (6, 16):
        impact = ""
    body = f"## 概要 / Summary\n{title}\n\n## 影響範囲 / Impact\n{_IMPACT_HINT}\n{impact}\n"
    if index in _SECURITY_PULLS:
        labels.append(_label("security", "b60205"))
        boxes = [("x" if not (broken and index == 8 and n >= 2) else " ", item)
                 for n, item in enumerate(_CHECKLIST)]  # fmt: skip
        body += "\n## セキュリティチェックリスト / Security checklist\n" + "".join(
            f"- [{mark}] {item}\n" for mark, item in boxes
        )
    return title, body, labels


def _protection(broken: bool) -> dict[str, Any]:
    """``gh api repos/…/branches/main/protection``. Broken: reviews optional, no checks."""
    url = f"https://api.github.com/repos/{REPOSITORY}/branches/main/protection"
    checks = {
        "url": f"{url}/required_status_checks",
        "strict": True,
        "contexts": ["build", "test"],
        "checks": [{"context": "build", "app_id": 15368}, {"context": "test", "app_id": 15368}],
        "contexts_url": f"{url}/required_status_checks/contexts",
    }
    reviews_required = {
        "url": f"{url}/required_pull_request_reviews",
        "dismiss_stale_reviews": True,
        "require_code_owner_reviews": False,
        "require_last_push_approval": False,
        "required_approving_review_count": 1,
    }
    found: dict[str, Any] = {
        "url": url,
        "required_signatures": {"url": f"{url}/required_signatures", "enabled": False},
        "enforce_admins": {"url": f"{url}/enforce_admins", "enabled": not broken},
        "required_linear_history": {"enabled": False},
        "allow_force_pushes": {"enabled": False},
        "allow_deletions": {"enabled": False},
    }
    if not broken:
        found |= {
            "required_status_checks": checks,
            "required_pull_request_reviews": reviews_required,
        }
    return found


def _issues(now: datetime, broken: bool) -> list[dict[str, Any]]:
    """Action items as ``gh issue list --label action-item --json …`` prints them. Broken:
    one without an assignee, one without a milestone, one overdue."""

    def milestone(number: int, days: int) -> dict[str, Any]:
        return {
            "number": number,
            "title": f"Sprint {number}",
            "description": "",
            "dueOn": _iso(now + timedelta(days=days)),
        }

    label = {
        "id": "LA_kwDOAcme01",
        "name": "action-item",
        "description": "weekly review",
        "color": "d93f0b",
    }
    items = []
    for index in range(8):
        closed = index >= 5
        number = 610 - index
        owner = _TEAM[index % len(_TEAM)]
        item = {
            "number": number,
            "title": f"weekly review action {index + 1}",
            "labels": [label],
            "assignees": [_user(owner)],
            "milestone": milestone(41 + index % 2, 5 + 7 * (index % 2)),
            "state": "CLOSED" if closed else "OPEN",
            "createdAt": _iso(now - timedelta(days=10 + index)),
            "closedAt": _iso(now - timedelta(days=index)) if closed else None,
            "url": f"https://github.com/{REPOSITORY}/issues/{number}",
        }
        if broken and index == 0:
            item["assignees"] = []
        if broken and index == 1:
            item["milestone"] = None
        if broken and index == 2:
            item["milestone"] = milestone(39, -9)
        items.append(item)
    return items


def _test_the_release(runs: list[dict[str, Any]]) -> None:
    """The test and e2e-test runs just before the newest production deploy ran on its
    commit (the broken team deploys a commit its acceptance tests never ran on)."""
    release = next(r for r in runs if r["name"] == "deploy-production")
    for name in ("test", "e2e-test"):
        before = [r for r in runs if r["name"] == name and r["head_branch"] == "main"
                  and r["created_at"] <= release["created_at"]]  # fmt: skip
        if before:
            before[0]["head_sha"] = release["head_sha"]  # runs are newest first


def _notices(runs: list[dict[str, Any]], broken: bool) -> list[dict[str, Any]]:
    """Release notices as ``gh issue list --label announcement --json …`` prints them, one
    a day ahead of each production deploy. Broken: the newest comes after its deploy."""
    deploys = [r for r in runs if r["name"] == "deploy-production"]
    label = _label("announcement", "fbca04")
    found = []
    for index, run in enumerate(deploys):
        at = datetime.fromisoformat(run["created_at"].replace("Z", "+00:00"))
        posted = at + timedelta(hours=2) if broken and index == 0 else at - timedelta(hours=20)
        number = 700 - index
        found.append({
            "number": number,
            "title": f"[お知らせ] リリース {run['display_title']} の予定 / release notice",
            "labels": [label],
            "createdAt": _iso(posted),
            "url": f"https://github.com/{REPOSITORY}/issues/{number}",
        })  # fmt: skip
    return found


def _security_issues(now: datetime, broken: bool) -> list[dict[str, Any]]:
    """The security improvement plan as ``gh issue list --label security --json
    number,title,body,labels,assignees,milestone,state,createdAt,closedAt,url`` prints it.
    Broken: the plan closed the issue of the Next.js advisory its lockfile still holds, and
    an open item has no owner."""
    label = _label("security", "b60205")
    plan = [
        ("GHSA-7m27-7ghc-44w9: bump next to 14.2.7 (middleware cache poisoning)", True,
         "Fixed in ACME-281 (next 14.2.7)."),
        ("Rotate the Supabase service-role key every 90 days", False,
         "From the monthly audit: the key is 80 days old; rotate before day 90."),
        ("CSP: drop 'unsafe-inline' from style-src", False,
         "Medium finding of the header review; move inline styles to the CSS bundle."),
    ]  # fmt: skip
    if broken:
        plan[0] = ("GHSA-f82v-jwr5-mffw: bump next (authorization bypass in middleware)", True,
                   "Closed: planned for next quarter.")  # fmt: skip
    items = []
    for index, (title, closed, body) in enumerate(plan):
        number = 650 - index
        owner = [] if broken and index == 1 else [_user(_TEAM[index % len(_TEAM)])]
        items.append({
            "number": number, "title": title, "body": body, "labels": [label],
            "assignees": owner,
            "milestone": {"number": 42, "title": "Sprint 42", "description": "",
                          "dueOn": _iso(now + timedelta(days=9))},
            "state": "CLOSED" if closed else "OPEN",
            "createdAt": _iso(now - timedelta(days=20 - index)),
            "closedAt": _iso(now - timedelta(days=3)) if closed else None,
            "url": f"https://github.com/{REPOSITORY}/issues/{number}",
        })  # fmt: skip
    return items


def _oncall(now: datetime, broken: bool) -> dict[str, Any]:
    """PagerDuty's ``GET /schedules/{id}?since&until`` answer: 12-hour shifts from a day
    ago to eight days ahead. Broken: the night shift three days ahead is unstaffed."""
    start = now.replace(minute=0, second=0) - timedelta(days=1)
    entries = []
    for index in range(18):
        if broken and index == 8:
            continue
        who = _TEAM[index % len(_TEAM)]
        entries.append({
            "start": _iso(start + timedelta(hours=12) * index),
            "end": _iso(start + timedelta(hours=12) * (index + 1)),
            "user": {"id": f"PU{index % len(_TEAM)}ACME", "type": "user_reference",
                     "summary": who.replace("-", " ").title(),
                     "self": f"https://api.pagerduty.com/users/PU{index % len(_TEAM)}ACME",
                     "html_url": f"https://acme.pagerduty.com/users/PU{index % len(_TEAM)}ACME"},
        })  # fmt: skip
    schedule_id = "PACME01"
    return {"schedule": {
        "id": schedule_id, "type": "schedule", "summary": "acme-web primary",
        "name": "acme-web primary", "time_zone": "Asia/Tokyo", "description": "",
        "self": f"https://api.pagerduty.com/schedules/{schedule_id}",
        "html_url": f"https://acme.pagerduty.com/schedules/{schedule_id}",
        "final_schedule": {"name": "Final Schedule", "rendered_schedule_entries": entries,
                           "rendered_coverage_percentage": 94.44 if broken else 100.0},
        "users": [{"id": f"PU{n}ACME", "type": "user_reference",
                   "summary": who.replace("-", " ").title()} for n, who in enumerate(_TEAM)],
        "escalation_policies": [{"id": "PACMEEP", "type": "escalation_policy_reference",
                                 "summary": "acme-web"}],
        "teams": [],
    }}  # fmt: skip


def history(broken: bool, now: datetime | None = None) -> dict[str, Any]:
    """Every history in its service's API shape, keyed by export file name."""
    now = (now or datetime.now(UTC)).replace(microsecond=0)
    rng = random.Random(4242 if broken else 2424)  # noqa: S311 - reproducible demo data
    runs = _runs(rng, now, broken)
    deployments = _deployments(rng, runs, now, broken)
    if not broken:
        _test_the_release(runs)
    return {
        "github-runs": {"total_count": len(runs), "workflow_runs": runs},
        vercel.EXPORT_FILE: {
            "deployments": deployments,
            "pagination": {"count": len(deployments), "next": None, "prev": None},
        },
        datadog.DASHBOARDS_FILE: _dashboards(broken),
        datadog.MONITORS_FILE: _monitors(),
        datadog.ALERTS_FILE: _alerts(rng, now, broken),
        testcases.EXPORT_FILE: _cases(broken),
        reviews.PRS_FILE: _pulls(now, broken),
        reviews.PROTECTION_FILE: _protection(broken),
        reviews.ISSUES_FILE: _issues(now, broken),
        changes.NOTICES_FILE: _notices(runs, broken),
        oncall.EXPORT_FILE: _oncall(now, broken),
        changes.SECURITY_ISSUES_FILE: _security_issues(now, broken),
    }


def write(dest: Path, broken: bool, *, now: datetime | None = None) -> list[Path]:
    """Write the demo team's exports into ``dest``; the paths written."""
    dest.mkdir(parents=True, exist_ok=True)
    data = history(broken, now)
    runs = data.pop("github-runs")["workflow_runs"]
    data[github.EXPORT_FILE] = [_gh(run) for run in runs]
    written = []
    for name, payload in sorted(data.items()):
        path = dest / name
        path.write_text(json.dumps(payload, ensure_ascii=False, indent=1) + "\n", "utf-8")
        written.append(path)
    return written
