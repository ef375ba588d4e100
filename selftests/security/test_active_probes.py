"""golive's own active probes against the selftest app (planted unlike the demo's): each
flaw found on the insecure twin with its category, request and risk, nothing on the
secure one; bounds, origin, and what is not verified."""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest

from golive.facts.live.http_session import TargetSession
from golive.facts.live.probes import Canary
from golive.facts.live.security_targets import SecurityTargets
from golive.judging.findings import SourceResult
from golive.rules.appsec import active, injection, passive
from golive.rules.appsec.owasp import judge_categories, load_mapping
from selftests.security.app import ServerThread, Settings, create_app
from selftests.security.conftest import IDENTITY_ENV, JWT_SECRET, PASSWORD

# what each planted flaw of the insecure app must give: rule → (route, category, severity)
PLANTED = {
    "injection.sql-boolean": ("GET", "/api/items?id=", "A03", "critical"),
    "injection.sql-time": ("GET", "/api/lookup?code=", "A03", "critical"),
    "injection.xss-reflected": ("GET", "/greet?name=", "A03", "high"),
    "redirect.open": ("GET", "/login-redirect?next=", "A01", "medium"),
    "traversal.path": ("GET", "/download?file=", "A01", "high"),
    "ssrf.canary-hit": ("GET", "/api/hooks/ping?callback=", "A10", "high"),
    "injection.xss-stored": ("GET", "/notes", "A03", "high"),
    "csrf.cookie-state-change": ("PUT", "/api/settings", "A01", "high"),
}
IDENTITIES = {
    "user": {"username": "env:SELFTEST_USER_EMAIL", "password": "env:SELFTEST_PASSWORD",
             "role": "user"},
}  # fmt: skip
FORMS = [  # configured, not crawled: JSON bodies, one of them a PUT
    {"path": "/api/notes", "encoding": "json", "fields": {"body": "hello"}},
    {"path": "/api/settings", "method": "PUT", "encoding": "json", "fields": {"theme": "dark"}},
]
FAST = {"probes": {"sleep_s": 1, "ssrf_wait_s": 1.5, "forms": FORMS}, "identities": IDENTITIES}


def _session(url: str, **targets: object) -> TargetSession:
    return TargetSession(httpx.Client(base_url=url), SecurityTargets.model_validate(targets))


@pytest.fixture(scope="module")
def probed(app_urls: dict[str, str]) -> Iterator[dict[str, SourceResult]]:
    """One probe run per twin, shared by the tests that read it (the probes change state)."""
    with pytest.MonkeyPatch.context() as env:
        for name, value in IDENTITY_ENV.items():
            env.setenv(name, value)
        sessions = {mode: _session(url, **FAST) for mode, url in app_urls.items()}
        yield {mode: injection.active_probes(s) for mode, s in sessions.items()}
    for s in sessions.values():
        s.close()
        s.base.close()


def test_each_planted_flaw_is_found_and_the_secure_twin_is_clean(
    probed: dict[str, SourceResult],
) -> None:
    clean, dirty = probed["secure"], probed["insecure"]
    assert clean.verified and not clean.findings and not clean.gaps, clean.findings
    assert clean.facts["parameters"] == 6
    assert clean.facts["url_parameters"] == 1  # the callback, by its name
    assert clean.facts["forms_submitted"] == 1 and clean.facts["csrf_requests"] == 2
    found = {f.rule: f for f in dirty.findings}
    assert sorted(found) == sorted(PLANTED)
    for rule, (method, route, category, severity) in PLANTED.items():
        finding = found[rule]
        assert route in finding.where, finding
        assert finding.category == category and finding.severity == severity
        assert f"shown by {method} {route}" in finding.message, finding.message
        assert f"OWASP {category}" in finding.message
    assert "POST /api/notes" in found["injection.xss-stored"].message
    # one category per probe
    assert dirty.facts["owasp_checks"].keys() == clean.facts["owasp_checks"].keys()
    assert clean.facts["owasp_checks"].keys() == {"A01", "A03", "A10"}
    # the anonymous notes API is not a CSRF target; the secure settings want a token
    assert any("/api/notes: accepted without the cookie" in n for n in clean.notes)
    assert any("CSRF" in c and "/api/settings" in c for c in clean.checked)


def test_the_crawl_stays_on_the_origin_and_never_submits_a_post_form(
    probed: dict[str, SourceResult],
) -> None:
    crawl = probed["secure"].facts["crawl"]
    assert any("127.0.0.2" in s and "another origin" in s for s in crawl["skipped"])
    assert crawl["post_forms_not_submitted"] == ["POST /api/comment", "POST /api/sign-out"]
    # the probes send the comment form, never the one that ends the session
    assert "POST /api/sign-out: ends a session, not sent" in probed["secure"].notes
    assert not any("sign-out" in c for c in probed["secure"].checked)
    assert not any(p.startswith("/api/comment") for p in crawl["pages_read"])


def test_bounded_by_the_request_budget(app_urls: dict[str, str]) -> None:
    session = _session(app_urls["secure"], probes={"max_requests": 12, "sleep_s": 1})
    result = injection.active_probes(session)
    session.close()
    assert result.facts["requests"] <= 12
    assert any("probe budget spent" in gap for gap in result.gaps)  # never a clean pass
    assert result.facts["parameters"] < 6


def test_no_parameter_is_not_verified(app_urls: dict[str, str]) -> None:
    session = _session(app_urls["secure"], pages=["/api/me"])
    result = injection.active_probes(session)
    session.close()
    assert not result.verified and "no GET parameter to probe" in str(result.reason)


def test_configured_endpoint_is_probed_without_a_link(app_urls: dict[str, str]) -> None:
    session = _session(
        app_urls["insecure"],
        pages=["/api/me"],
        probes={"sleep_s": 1, "endpoints": [{"path": "/greet", "params": {"name": "x"}}]},
    )
    result = injection.active_probes(session)
    session.close()
    assert [f.rule for f in result.findings] == ["injection.xss-reflected"]
    assert result.checked == ["GET /greet ?name (from configured)"]


def test_perfect_headers_do_not_hide_injection() -> None:
    """Headers, cookies and CORS of the secure twin, the probe routes flawed: the OWASP
    categories carry each flaw by name, and list which checks ran."""
    app = create_app(Settings(True, PASSWORD, JWT_SECRET, flawed_probes=True))
    with ServerThread(app) as url:
        session = _session(url, **FAST)
        results = [passive.passive_scan(session), injection.active_probes(session)]
        session.close()
    assert not results[0].counting()  # the passive checks see nothing wrong
    verdicts = {v.id: v for v in judge_categories(load_mapping(), results)}
    a03 = {f.rule for f in verdicts["A03"].findings}
    a01 = {f.rule for f in verdicts["A01"].findings}
    assert a03 == {
        "injection.sql-boolean",
        "injection.sql-time",
        "injection.xss-reflected",
        "injection.xss-stored",
    }
    assert a01 == {"redirect.open", "traversal.path"}
    assert {f.rule for f in verdicts["A10"].findings} == {"ssrf.canary-hit"}
    assert any("reflected XSS" in c for c in verdicts["A03"].checks)
    assert any("open redirect" in c for c in verdicts["A01"].checks)


def test_probe_verdicts_per_category() -> None:
    """Injection is required: without the probes (or ZAP) it is not verified, never clean."""
    mapping = load_mapping()
    assert mapping.categories["A03"].required
    ran = SourceResult(
        injection.SOURCE, True, facts={"owasp_checks": {"A03": ["SQL injection on 2"]}}
    )
    verdicts = {v.id: v for v in judge_categories(mapping, [ran])}
    assert verdicts["A03"].status == "clean"
    assert verdicts["A03"].checks == ["active-probe: SQL injection on 2"]
    # the probes ran but declared nothing for A01: they do not count there
    assert "active-probe" not in verdicts["A01"].sources_run
    unverified = SourceResult.unverified(injection.SOURCE, "environment is not disruptive")
    by_none = {v.id: v for v in judge_categories(mapping, [unverified])}
    assert by_none["A03"].status == "not_verified" and not by_none["A03"].checks


def test_redirect_host_reads_backslashes_as_browsers_do() -> None:
    base = "http://127.0.0.1:1/go"
    assert injection._redirect_host(base, "/\\golive-redirect.invalid/p") == injection.CANARY_HOST
    assert injection._redirect_host(base, "/health") == "127.0.0.1"


def test_without_configured_endpoints_the_authorization_probes_are_not_verified(
    app_urls: dict[str, str],
) -> None:
    """No demo routes outside the demo: the defaults name no identity or endpoint."""
    defaults = SecurityTargets()
    assert not defaults.identities and not defaults.protected and not defaults.data_access
    assert not defaults.anon_readable
    with httpx.Client(base_url=app_urls["secure"]) as client:
        session = TargetSession(client, defaults)
        try:
            for run in (active.authn_authz, active.rbac_matrix, active.privilege_escalation):
                result = run(session)
                assert not result.verified and result.reason == active.NO_PROTECTED, run
            external = active.external_access(session)
        finally:
            session.close()
    assert external.verified and active.NO_PROTECTED in external.notes
    assert not any("/api/me" in c or "/api/admin" in c for c in external.checked)


def test_url_valued_parameters_by_value_or_name() -> None:
    assert injection.url_valued("u", "https://example.test/a")  # by its value
    assert injection.url_valued("imageUrl", "x") and injection.url_valued("callback_to", "")
    assert not injection.url_valued("next", "/home")  # a redirect target: not fetched
    assert not injection.url_valued("q", "shoes")


def test_ssrf_is_not_run_against_a_target_off_this_machine() -> None:
    """The canary listens on loopback: a remote target could never reach it, so no A10
    check is claimed (a note says why), and the canary's port is closed afterwards."""
    result = SourceResult(injection.SOURCE, True)
    remote = _session("http://192.0.2.10:9")  # TEST-NET: never contacted here
    assert injection._canary(remote, result) is None
    remote.close()
    assert "SSRF probe not run" in result.notes[0]
    with Canary() as canary, httpx.Client(trust_env=False, timeout=5) as client:
        token, url = canary.url()
        assert client.get(url).status_code == 204
        assert canary.wait([token], 1) == {token}
        port = canary.port
    with httpx.Client(trust_env=False, timeout=2) as client, pytest.raises(httpx.ConnectError):
        client.get(f"http://127.0.0.1:{port}/")
