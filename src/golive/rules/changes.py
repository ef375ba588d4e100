"""Change records as findings: the PR template's security checklist left unticked
(セキュリティチェックリストの確認), its impact section left as the template's placeholder
(影響範囲の特定, 影響範囲の評価), acceptance tests not green on the release commit
(受け入れテスト実施), and a release without a stakeholder notice before it
(ステークホルダーへの通知).

A pull request body is read as Markdown: a section is a heading line and the text up to the
next heading of the same or a higher level. Text inside ``<!-- -->`` is the template's
guidance, never an answer; so is a line that the repository's own PR template has in the
same section (when the template is found), and a bare placeholder word (TBD, TODO, N/A).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from golive.facts.saas.changes import CheckRun, Notice, PullText
from golive.facts.saas.github import WorkflowRun
from golive.facts.saas.vercel import Deployment
from golive.judging.findings import Finding
from golive.rules.delivery import workflows_of

__all__ = [
    "CHECKLIST_WORDS",
    "IMPACT_WORDS",
    "Release",
    "acceptance_findings",
    "acceptance_runs",
    "checklist_findings",
    "dependency_updates",
    "impact_findings",
    "notice_findings",
    "production_deploys",
    "release_commit",
    "section",
    "security_changes",
    "template_text",
]

CHECKLIST_WORDS = ("security checklist", "セキュリティチェックリスト", "security check")
IMPACT_WORDS = ("impact", "影響範囲", "影響")
_HEADING = re.compile(r"^\s{0,3}(#{1,6})\s+(.+?)\s*#*\s*$")
_BOX = re.compile(r"^\s*[-*+]\s+\[([ xX])\]\s*(.*)$")
_COMMENT = re.compile(r"<!--.*?(-->|$)", re.DOTALL)
_PLACEHOLDERS = {"tbd", "todo", "n/a", "na", "-", "--", "…", "...", "未記入", "記入してください"}
_ACCEPTANCE = {"test", "tests", "e2e", "acceptance", "integration", "smoke", "playwright",
               "cypress"}  # fmt: skip
_BOTS = ("dependabot", "renovate")
_DEPENDENCY_LABELS = {"dependencies", "dependency", "deps"}
_TEMPLATES = (".github/pull_request_template.md", ".github/PULL_REQUEST_TEMPLATE.md",
              "pull_request_template.md", "PULL_REQUEST_TEMPLATE.md",
              "docs/pull_request_template.md")  # fmt: skip


def _pr(pull: PullText) -> str:
    return f"PR #{pull.number}"


def section(body: str, words: Iterable[str]) -> str | None:
    """The text of the first section whose heading holds one of ``words``; None if none."""
    lines = body.replace("\r\n", "\n").split("\n")
    wanted = [w.lower() for w in words]
    for index, line in enumerate(lines):
        match = _HEADING.match(line)
        if not match or not any(w in match.group(2).lower() for w in wanted):
            continue
        level, text = len(match.group(1)), []
        for rest in lines[index + 1 :]:
            inner = _HEADING.match(rest)
            if inner and len(inner.group(1)) <= level:
                break
            text.append(rest)
        return "\n".join(text)
    return None


def template_text(repo: Path | None) -> str | None:
    """The repository's pull request template, when it has one."""
    if repo is None:
        return None
    for name in _TEMPLATES:
        path = repo / name
        if path.is_file():
            return path.read_text(encoding="utf-8", errors="replace")
    folder = repo / ".github" / "PULL_REQUEST_TEMPLATE"
    if folder.is_dir():
        found = sorted(folder.glob("*.md"))
        if found:
            return found[0].read_text(encoding="utf-8", errors="replace")
    return None


def _answer_lines(text: str, template: str | None) -> list[str]:
    """The lines of a section that are the author's, not the template's."""
    given = {line.strip() for line in _COMMENT.sub("", template or "").split("\n")}
    kept = []
    for line in _COMMENT.sub("", text).split("\n"):
        stripped = line.strip()
        bare = stripped.lstrip("-*+> ").strip().rstrip(":：").strip()
        if not bare or stripped in given or bare.lower() in _PLACEHOLDERS:
            continue
        kept.append(stripped)
    return kept


def security_changes(pulls: Sequence[PullText]) -> list[PullText]:
    """Pull requests labelled as security changes (a label holding *security*)."""
    return [p for p in pulls if any("security" in label.lower() for label in p.labels)]


def dependency_updates(pulls: Sequence[PullText]) -> list[PullText]:
    """Dependency updates: by dependabot or renovate, or labelled dependencies."""
    return [p for p in pulls
            if (p.bot and any(b in p.author.lower() for b in _BOTS))
            or {label.lower() for label in p.labels} & _DEPENDENCY_LABELS]  # fmt: skip


def checklist_findings(pulls: Sequence[PullText]) -> list[Finding]:
    """Each pull request whose security checklist is missing, empty or not fully ticked."""
    found = []
    for pull in pulls:
        text = section(pull.body, CHECKLIST_WORDS)
        if text is None:
            found.append(
                Finding(
                    _pr(pull), None, f"{pull.title!r}: no security checklist section in the body"
                )
            )
            continue
        boxes = [m for m in (_BOX.match(line) for line in _COMMENT.sub("", text).split("\n"))
                 if m]  # fmt: skip
        open_items = [m.group(2).strip() for m in boxes if m.group(1) == " "]
        if not boxes:
            found.append(
                Finding(_pr(pull), None, f"{pull.title!r}: the security checklist has no item")
            )
        elif open_items:
            found.append(Finding(_pr(pull), None, (
                f"{pull.title!r}: {len(open_items)} of {len(boxes)} security checklist "
                f"item(s) not ticked: " + "; ".join(open_items[:5]))))  # fmt: skip
    return found


def impact_findings(pulls: Sequence[PullText], template: str | None = None) -> list[Finding]:
    """Each pull request whose impact section is missing or still the template's text."""
    own = section(template, IMPACT_WORDS) if template else None
    found = []
    for pull in pulls:
        text = section(pull.body, IMPACT_WORDS)
        if text is None:
            found.append(Finding(_pr(pull), None, f"{pull.title!r}: no impact section in the body"))
        elif not _answer_lines(text, own):
            found.append(
                Finding(
                    _pr(pull),
                    None,
                    (f"{pull.title!r}: the impact section is left as the template's placeholder"),
                )
            )
    return found


@dataclass(frozen=True)
class Release:
    sha: str
    at: datetime
    origin: str  # "Vercel deployment dpl_…" or "workflow run 123 (deploy-production)"


def release_commit(deployments: Sequence[Deployment], runs: Sequence[WorkflowRun]
                   ) -> Release | None:  # fmt: skip
    """The commit of the newest production release: the newest READY production Vercel
    deployment, else the newest successful production deploy workflow run."""
    ready = [d for d in deployments if d.production and d.state == "READY" and d.commit_sha]
    if ready:
        newest = max(ready, key=lambda d: d.created_at)
        assert newest.commit_sha is not None
        return Release(newest.commit_sha, newest.created_at, f"Vercel deployment {newest.uid}")
    deploys = [r for group in workflows_of(runs, "deploy").values() for r in group
               if r.conclusion == "success" and r.head_sha]  # fmt: skip
    if not deploys:
        return None
    run = max(deploys, key=lambda r: r.created_at)
    assert run.head_sha is not None
    return Release(run.head_sha, run.created_at, f"workflow run {run.id} ({run.workflow})")


def _acceptance(run: CheckRun) -> bool:
    return bool(set(re.findall(r"[a-z0-9]+", run.name.lower())) & _ACCEPTANCE)


def acceptance_runs(runs: Sequence[CheckRun]) -> dict[str, CheckRun]:
    """The latest acceptance-test run per name (check runs come newest first)."""
    latest: dict[str, CheckRun] = {}
    for run in runs:
        if _acceptance(run) and run.name not in latest:
            latest[run.name] = run
    return latest


def acceptance_findings(runs: Sequence[CheckRun], release: Release) -> list[Finding]:
    """No acceptance test ran on the release commit, or one is not green."""
    where = f"commit {release.sha[:12]}"
    latest = acceptance_runs(runs)
    if not latest:
        seen = sorted({r.name for r in runs})
        return [Finding(where, None, (
            f"no acceptance test (e2e, acceptance, integration, test) ran on the release "
            f"commit ({release.origin}); runs there: {', '.join(seen) or 'none'}"))]  # fmt: skip
    found = []
    for name, run in sorted(latest.items()):
        if run.status != "completed":
            found.append(Finding(where, None, f"{name}: still {run.status or 'pending'}"))
        elif run.conclusion != "success":
            outcome = run.conclusion or "without a conclusion"
            found.append(Finding(where, None, f"{name}: concluded {outcome}"))
    return found


def production_deploys(deployments: Sequence[Deployment], runs: Sequence[WorkflowRun]
                       ) -> list[datetime]:  # fmt: skip
    """When each production deploy started (Vercel production deployments, else the
    successful production deploy workflow runs), newest first."""
    moments = [d.created_at for d in deployments if d.production and d.state == "READY"]
    if not moments:
        moments = [r.created_at for group in workflows_of(runs, "deploy").values()
                   for r in group if r.conclusion == "success"]  # fmt: skip
    return sorted(moments, reverse=True)


def notice_findings(notices: Sequence[Notice], deploys: Sequence[datetime],
                    label: str) -> list[Finding]:  # fmt: skip
    """The newest production deploy had no notice dated after the previous deploy and
    before it."""
    newest = deploys[0]
    previous = deploys[1] if len(deploys) > 1 else None
    ahead = [
        n
        for n in notices
        if n.created_at < newest and (previous is None or n.created_at > previous)
    ]
    if ahead:
        return []
    where = f"deploy {newest.isoformat()}"
    after = [n for n in notices if n.created_at >= newest]
    if after:
        first = min(after, key=lambda n: n.created_at)
        late = (first.created_at - newest).total_seconds() / 3600
        return [Finding(where, None, (
            f"the notice #{first.number} {first.title!r} was posted {late:.1f} h after the "
            "deploy, not before it"))]  # fmt: skip
    since = f" since the previous deploy ({previous.isoformat()})" if previous else ""
    return [Finding(where, None, f"no notice labelled {label!r} before the deploy{since}")]
