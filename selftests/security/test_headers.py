"""Headers, cookies, banners, CORS and caching judged from response headers."""

from __future__ import annotations

import httpx
import pytest

from golive.rules.appsec import headers as hdr

URL = "http://target.invalid/"
GOOD = {
    "content-security-policy": "default-src 'self'; script-src 'self' 'nonce-abc' "
    "'unsafe-inline'; frame-ancestors 'none'",
    "strict-transport-security": "max-age=63072000; includeSubDomains",
    "x-content-type-options": "nosniff",
    "referrer-policy": "strict-origin-when-cross-origin",
}


def rules(findings: list) -> list[str]:  # type: ignore[type-arg]
    return sorted(f.rule for f in findings)


def test_good_headers_pass() -> None:
    assert hdr.header_findings(URL, httpx.Headers(GOOD)) == []


@pytest.mark.parametrize(
    ("change", "expected"),
    [
        ({"content-security-policy": None}, ["header.csp-missing", "header.framing-unprotected"]),
        (
            {"content-security-policy": "default-src *"},
            ["header.csp-frame-ancestors-missing", "header.csp-weak", "header.framing-unprotected"],
        ),
        (
            {
                "content-security-policy": "script-src 'self' 'unsafe-inline'",
                "x-frame-options": "DENY",
            },
            ["header.csp-frame-ancestors-missing", "header.csp-weak"],
        ),
        ({"strict-transport-security": "max-age=300"}, ["header.hsts-weak"]),
        ({"strict-transport-security": None}, ["header.hsts-missing"]),
        (
            {"x-content-type-options": None, "referrer-policy": "unsafe-url"},
            ["header.nosniff-missing", "header.referrer-policy-unsafe"],
        ),
    ],
)
def test_header_defects(change: dict[str, str | None], expected: list[str]) -> None:
    values = {k: v for k, v in {**GOOD, **change}.items() if v is not None}
    assert rules(hdr.header_findings(URL, httpx.Headers(values))) == expected


def test_banners() -> None:
    assert rules(
        hdr.banner_findings(
            URL, httpx.Headers({"server": "nginx/1.2.3", "x-powered-by": "PHP/8.1"})
        )
    ) == ["banner.powered-by", "banner.server-version"]
    assert hdr.banner_findings(URL, httpx.Headers({"server": "nginx"})) == []


def test_cookies() -> None:
    headers = httpx.Headers(
        [
            ("set-cookie", "session=a; Path=/; Secure; HttpOnly; SameSite=Strict"),
            ("set-cookie", "tracking=b; Path=/"),
            ("set-cookie", "cross=c; Secure; HttpOnly; SameSite=None"),
            ("set-cookie", "old=; Max-Age=0; Path=/"),  # being deleted: carries nothing
            ("set-cookie", "gone=x; Expires=Thu, 01 Jan 1970 00:00:00 GMT"),
        ]
    )
    found = hdr.cookie_findings(URL, headers)
    assert {(f.rule, f.message.split()[1]) for f in found} == {
        ("cookie.secure-missing", "tracking"),
        ("cookie.httponly-missing", "tracking"),
        ("cookie.samesite-missing", "tracking"),
    }


@pytest.mark.parametrize(
    ("allow", "credentials", "expected"),
    [
        ("*", "true", ["cors.wildcard-credentials"]),
        ("*", None, []),
        ("https://probe.invalid", "true", ["cors.untrusted-origin"]),
        ("null", "true", ["cors.untrusted-origin"]),
        ("https://app.example.com", "true", []),
        (None, None, []),
    ],
)
def test_cors(allow: str | None, credentials: str | None, expected: list[str]) -> None:
    values = {"access-control-allow-origin": allow, "access-control-allow-credentials": credentials}
    headers = httpx.Headers({k: v for k, v in values.items() if v is not None})
    assert rules(hdr.cors_findings(URL, "https://probe.invalid", headers)) == expected


@pytest.mark.parametrize(
    ("cache_control", "storable"),
    [
        ("private, no-store", False),
        ("no-store", False),
        ("private, max-age=60", False),
        ("public, max-age=60", True),
        ("no-cache", True),
        (None, True),
    ],
)
def test_cache_of_authenticated_responses(cache_control: str | None, storable: bool) -> None:
    headers = httpx.Headers({"cache-control": cache_control} if cache_control else {})
    assert bool(hdr.cache_findings(URL, headers)) is storable
