"""TLS of the target: the HTTPS endpoint, the database (STARTTLS) and listed endpoints."""

from __future__ import annotations

import httpx
import pytest

import golive
from golive import CriterionContext, Evidence
from golive._http import BoundedClient
from golive.facts.live.security_targets import SecurityTargets
from golive.facts.scans.tls import tls_scan
from golive.harness import GoliveSession
from golive.harness.security import optional_fixture, tls_endpoints
from golive.judging.findings import SecFinding, SourceResult
from golive.rules.appsec import headers


def _https_front(base_url: str, result: SourceResult) -> None:
    """On an HTTPS base_url: HSTS set, and plain HTTP (if it answers) redirects to HTTPS."""
    try:
        with BoundedClient(timeout_s=10.0, verify=False) as client:
            response = client.get(base_url)
            result.findings += [
                f
                for f in headers.header_findings(base_url, response.headers)
                if f.rule in ("header.hsts-missing", "header.hsts-weak")
            ]
            plain = "http://" + base_url.removeprefix("https://").split("/")[0].split(":")[0]
            try:
                answer = client.get(plain)
            except httpx.TransportError:
                result.checked.append(f"{plain}: no plain HTTP listener")
                return
            target = answer.headers.get("location", "")
            if not (300 <= answer.status_code < 400 and target.startswith("https://")):
                result.findings.append(
                    SecFinding(
                        "tls",
                        "tls.no-https-redirect",
                        "medium",
                        f"plain HTTP answers {answer.status_code} without redirecting to HTTPS",
                        plain,
                    )
                )
            result.checked.append(f"{plain}: redirect to HTTPS")
    except httpx.TransportError as exc:
        result.gaps.append(f"{base_url}: {type(exc).__name__}")


@pytest.mark.criterion("sec.tls")
def test_tls(
    criterion: CriterionContext,
    evidence: Evidence,
    golive_session: GoliveSession,
    security_targets: SecurityTargets,
    request: pytest.FixtureRequest,
) -> None:
    """TLS 1.2+ only, no weak cipher, a valid and trusted certificate (self-signed accepted
    only where the targets allow it), HSTS and an HTTP→HTTPS redirect on the web front."""
    targets = security_targets
    env = golive_session.environment
    dsn, reason = optional_fixture(request, "database_dsn")
    if reason:
        evidence.note(f"database TLS not scanned: {reason}")
    endpoints, notes = tls_endpoints(env, targets, dsn)
    for note in notes:
        evidence.note(note)
    if not endpoints:
        golive.not_verified(
            "no TLS endpoint to scan: " + "; ".join([*notes, reason or ""]).strip("; ")
        )
    evidence.record(
        "TLS endpoints", len(endpoints), "endpoints", endpoints=[e.shown for e in endpoints]
    )
    results = [tls_scan(endpoints, allow_self_signed=targets.tls.allow_self_signed)]
    if env.base_url and env.base_url.startswith("https://"):
        front = SourceResult("tls", True, label="tls: HSTS and HTTP redirect")
        _https_front(env.base_url.rstrip("/"), front)
        results.append(front)
    criterion.conclude(results, what="TLS configuration")
