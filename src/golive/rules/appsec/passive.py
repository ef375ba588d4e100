"""golive's own passive OWASP checks against ``base_url``: GET requests only (plus the
configured logins, to see authenticated responses).

Always run, ZAP or not: security headers, cookies, server banners, directory listings,
debug pages and stack traces, sensitive files served, CORS, caching of authenticated
responses.
"""

from __future__ import annotations

import html
import re
import secrets
from dataclasses import dataclass
from urllib.parse import quote

import httpx

from golive.facts.live.http_session import TargetSession
from golive.judging.findings import SecFinding, SourceResult
from golive.rules.appsec import headers as hdr

__all__ = [
    "PROBE_ORIGIN",
    "Baseline",
    "baseline",
    "exposure_findings",
    "passive_scan",
    "served",
]

SOURCE = "passive-http"
PROBE_ORIGIN = "https://golive-cors-probe.invalid"

# what a file looks like when it really is served (not an SPA fallback page)
_SIGNATURES: dict[str, re.Pattern[bytes]] = {
    ".env": re.compile(rb"(?m)^\s*(export\s+)?[A-Za-z_][A-Za-z0-9_]*\s*="),
    "config": re.compile(rb"\[core\]|\[remote "),
    "HEAD": re.compile(rb"^ref: refs/|^[0-9a-f]{40}\s*$"),
    ".htpasswd": re.compile(rb"(?m)^[^:\s]+:\S+"),
    "credentials": re.compile(rb"aws_access_key_id|aws_secret_access_key", re.IGNORECASE),
    "id_rsa": re.compile(rb"PRIVATE KEY"),
    ".sql": re.compile(rb"CREATE TABLE|INSERT INTO|PostgreSQL database dump", re.IGNORECASE),
    ".DS_Store": re.compile(rb"^\x00\x00\x00\x01Bud1"),
}
_HTML = re.compile(rb"\s*(<!--.*?-->\s*)*<(!doctype\s+html|html[\s>]|head[\s>]|body[\s>])",
                   re.IGNORECASE | re.DOTALL)  # fmt: skip
_LISTING = re.compile(rb"<title>\s*(Index of|Directory listing for)", re.IGNORECASE)
_STACK_TRACE = re.compile(
    rb"Traceback \(most recent call last\)|Werkzeug Debugger|at [\w$.]+\([\w]+\.java:\d+\)|"
    rb"DEBUG = True|Whoops! There was an error|<b>Fatal error</b>:|"
    rb"System\.[A-Za-z.]+Exception|node_modules/express",
)


@dataclass(frozen=True)
class Baseline:
    """What the target answers for a path that cannot exist (404 page or SPA fallback)."""

    status: int
    body: bytes
    path: str = ""  # the path asked: not-found pages often repeat it


def baseline(session: TargetSession) -> Baseline:
    path = f"/golive-probe-{secrets.token_hex(6)}"
    try:
        response = session.get(path)
    except httpx.TransportError:
        return Baseline(0, b"")
    return Baseline(response.status_code, response.content, path)


def _without_path(body: bytes, path: str) -> bytes:
    """``body`` with ``path`` removed as a page would show it: raw, URL-encoded, escaped."""
    for shown in {path, quote(path), html.escape(path)} if path else ():
        body = body.replace(shown.encode(), b"")
    return body


def _signature_for(path: str) -> re.Pattern[bytes] | None:
    name = path.rstrip("/").rsplit("/", 1)[-1]
    if name.startswith(".env"):
        return _SIGNATURES[".env"]
    if name.endswith(".sql"):
        return _SIGNATURES[".sql"]
    return _SIGNATURES.get(name)


def served(path: str, response: httpx.Response, base: Baseline) -> bool:
    """Whether ``path`` was really served: 2xx, and its content, not the fallback page."""
    if not 200 <= response.status_code < 300 or not response.content.strip():
        return False
    signature = _signature_for(path)
    if signature is not None:
        # an HTML page (a soft 404, the app's shell) is never the file: its attribute lines
        # (name="viewport") would pass for a .env's assignments
        return not _HTML.match(response.content) and bool(signature.search(response.content))
    # the fallback page answers every unknown path alike, but for the path it repeats
    return _without_path(response.content, path) != _without_path(base.body, base.path)


def _get(session: TargetSession, path: str, result: SourceResult) -> httpx.Response | None:
    try:
        return session.get(path)
    except httpx.TransportError as exc:
        result.notes.append(f"GET {path}: {type(exc).__name__}")
        return None


def exposure_findings(
    session: TargetSession, result: SourceResult, source: str = SOURCE
) -> list[SecFinding]:
    """Sensitive files, debug pages, directory listings, stack traces on error pages."""
    targets = session.targets
    base = baseline(session)
    found: list[SecFinding] = []
    if _STACK_TRACE.search(base.body):
        found.append(
            SecFinding(
                source,
                "exposure.stack-trace",
                "medium",
                "the not-found page shows a stack trace or debug output",
                session.url("/golive-probe-…"),
            )
        )
    answers = session.get_many(
        [*targets.sensitive_paths, *targets.debug_paths, *targets.listing_paths]
    )
    responses: dict[str, httpx.Response] = {}
    for path, answer in answers.items():
        if isinstance(answer, str):
            result.notes.append(f"GET {path}: {answer}")
        else:
            responses[path] = answer
    for path in targets.sensitive_paths:
        response = responses.get(path)
        if response is not None and served(path, response, base):
            found.append(
                SecFinding(
                    source,
                    "exposure.sensitive-file",
                    "critical",
                    f"{path} is served ({response.status_code}, {len(response.content)} bytes)",
                    session.url(path),
                )
            )
    for path in targets.debug_paths:
        response = responses.get(path)
        if response is not None and (
            served(path, response, base)
            or (200 <= response.status_code < 300 and _STACK_TRACE.search(response.content))
        ):
            found.append(
                SecFinding(
                    source,
                    "exposure.debug-page",
                    "high",
                    f"debug or status page {path} answers {response.status_code}",
                    session.url(path),
                )
            )
    for path in targets.listing_paths:
        response = responses.get(path)
        if (
            response is not None
            and response.status_code == 200
            and _LISTING.search(response.content)
        ):
            found.append(
                SecFinding(
                    source,
                    "exposure.directory-listing",
                    "medium",
                    f"{path} shows a directory listing",
                    session.url(path),
                )
            )
    result.checked.append(
        f"{len(targets.sensitive_paths)} sensitive paths, {len(targets.debug_paths)} debug "
        f"paths, {len(targets.listing_paths)} listing paths"
    )
    return found


def _cors(session: TargetSession, path: str, result: SourceResult) -> list[SecFinding]:
    url = session.url(path)
    found: list[SecFinding] = []
    try:
        simple = session.client.get(path, headers={"origin": PROBE_ORIGIN})
        preflight = session.client.options(
            path,
            headers={
                "origin": PROBE_ORIGIN,
                "access-control-request-method": "GET",
                "access-control-request-headers": "authorization",
            },
        )
    except httpx.TransportError as exc:
        result.notes.append(f"CORS probe of {path}: {type(exc).__name__}")
        return found
    for response in (simple, preflight):
        for finding in hdr.cors_findings(url, PROBE_ORIGIN, response.headers):
            if finding not in found:
                found.append(finding)
    return found


def _authenticated(session: TargetSession, result: SourceResult) -> list[SecFinding]:
    """Login responses and protected endpoints read with a token: cookies and caching."""
    found: list[SecFinding] = []
    login_url = session.url(session.targets.login.path)
    for login in session.logins():
        assert login.headers is not None and login.token is not None
        found += hdr.cookie_findings(login_url, login.headers)
        found += hdr.cache_findings(login_url, login.headers)
        for endpoint in session.targets.protected:
            if login.role not in endpoint.roles:
                continue
            try:
                response = session.get(endpoint.path, token=login.token)
            except httpx.TransportError as exc:
                result.notes.append(f"GET {endpoint.path} as {login.identity}: {exc!r}"[:200])
                continue
            if 200 <= response.status_code < 300:
                found += hdr.cache_findings(session.url(endpoint.path), response.headers)
                found += hdr.cookie_findings(session.url(endpoint.path), response.headers)
        result.checked.append(f"authenticated responses as {login.identity}")
    failed = session.failed()
    if failed and not session.logins():
        result.gaps.append(
            "authenticated responses (cookies, Cache-Control) not checked: no identity could "
            "log in (" + "; ".join(f"{f.identity}: {f.problem}" for f in failed) + ")"
        )
    return found


def _dedupe(findings: list[SecFinding]) -> list[SecFinding]:
    seen: set[tuple[str, str, str]] = set()
    kept = []
    for finding in findings:
        key = (finding.rule, finding.message, finding.where)
        if key not in seen:
            seen.add(key)
            kept.append(finding)
    return kept


def passive_scan(session: TargetSession) -> SourceResult:
    """Every passive check; authenticated responses are a gap when no identity could log in."""
    result = SourceResult(source=SOURCE, verified=True)
    found: list[SecFinding] = []
    for page in session.targets.pages:
        response = _get(session, page, result)
        if response is None:
            continue
        url = session.url(page)
        found += hdr.header_findings(url, response.headers)
        found += hdr.banner_findings(url, response.headers)
        found += hdr.cookie_findings(url, response.headers)
        result.checked.append(f"headers of {page} ({response.status_code})")
    if not result.checked:
        return SourceResult.unverified(SOURCE, "no page of the target answered")
    found += exposure_findings(session, result)
    cors_paths = list(
        dict.fromkeys(
            [*session.targets.pages[:1], *(e.path for e in session.targets.protected[:2])]
        )
    )
    for path in cors_paths:
        found += _cors(session, path, result)
    result.checked.append(f"CORS of {', '.join(cors_paths)}")
    found += _authenticated(session, result)
    result.findings = _dedupe(found)
    return result
