"""Security headers, cookies, banners, CORS and caching, judged from one response's headers.

Pure functions over ``httpx.Headers``: the passive scan fetches, these judge.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime

import httpx

from golive.judging.findings import FindingSeverity, SecFinding

__all__ = [
    "HSTS_MIN_AGE",
    "Cookie",
    "banner_findings",
    "cache_findings",
    "cookie_findings",
    "cors_findings",
    "header_findings",
    "parse_csp",
    "parse_set_cookie",
]

SOURCE = "passive-http"
HSTS_MIN_AGE = 15_552_000  # 180 days
_VERSION = re.compile(r"\d+(\.\d+)")
_BANNER_HEADERS = ("x-powered-by", "x-aspnet-version", "x-aspnetmvc-version", "x-generator")
_UNSAFE_SOURCES = ("'unsafe-inline'", "'unsafe-eval'", "*", "data:", "http:", "https:")
_NONCE_OR_HASH = re.compile(r"^'(nonce-|sha256-|sha384-|sha512-|strict-dynamic')")


def _finding(rule: str, severity: FindingSeverity, message: str, url: str) -> SecFinding:
    return SecFinding(source=SOURCE, rule=rule, severity=severity, message=message, where=url)


def parse_csp(value: str) -> dict[str, list[str]]:
    """Directive → sources; the first occurrence of a directive wins (as browsers do)."""
    policy: dict[str, list[str]] = {}
    for part in value.split(";"):
        words = part.split()
        if words and words[0].lower() not in policy:
            policy[words[0].lower()] = words[1:]
    return policy


def _csp_findings(url: str, csp: str | None) -> list[SecFinding]:
    if not csp:
        return [_finding("header.csp-missing", "medium", "no Content-Security-Policy header", url)]
    policy = parse_csp(csp)
    found: list[SecFinding] = []
    scripts = policy.get("script-src", policy.get("default-src"))
    if scripts is None:
        found.append(
            _finding(
                "header.csp-weak",
                "medium",
                "Content-Security-Policy sets neither script-src nor default-src",
                url,
            )
        )
    else:
        strict = any(_NONCE_OR_HASH.match(s) for s in scripts)
        unsafe = [s for s in scripts if s.lower() in _UNSAFE_SOURCES]
        if strict:  # with a nonce or hash, 'unsafe-inline' is ignored by browsers
            unsafe = [s for s in unsafe if s != "'unsafe-inline'"]
        if unsafe:
            found.append(
                _finding(
                    "header.csp-weak",
                    "medium",
                    f"Content-Security-Policy allows scripts from {' '.join(unsafe)}",
                    url,
                )
            )
    if "frame-ancestors" not in policy:
        found.append(
            _finding(
                "header.csp-frame-ancestors-missing",
                "low",
                "Content-Security-Policy has no frame-ancestors directive",
                url,
            )
        )
    return found


def header_findings(url: str, headers: httpx.Headers) -> list[SecFinding]:
    """CSP (with frame-ancestors), HSTS, nosniff, Referrer-Policy, framing protection."""
    found = _csp_findings(url, headers.get("content-security-policy"))
    csp = parse_csp(headers.get("content-security-policy", ""))
    frame_ancestors = csp.get("frame-ancestors")
    xfo = headers.get("x-frame-options", "").strip().upper()
    if xfo not in ("DENY", "SAMEORIGIN") and not frame_ancestors:
        found.append(
            _finding(
                "header.framing-unprotected",
                "medium",
                "neither X-Frame-Options (DENY/SAMEORIGIN) nor CSP frame-ancestors: "
                "the page can be framed (clickjacking)",
                url,
            )
        )
    hsts = headers.get("strict-transport-security")
    if not hsts:
        found.append(
            _finding("header.hsts-missing", "medium", "no Strict-Transport-Security header", url)
        )
    else:
        match = re.search(r"max-age\s*=\s*\"?(\d+)", hsts, re.IGNORECASE)
        age = int(match.group(1)) if match else 0
        if age < HSTS_MIN_AGE:
            found.append(
                _finding(
                    "header.hsts-weak",
                    "low",
                    f"Strict-Transport-Security max-age={age} is below {HSTS_MIN_AGE} (180 days)",
                    url,
                )
            )
    if headers.get("x-content-type-options", "").strip().lower() != "nosniff":
        found.append(
            _finding("header.nosniff-missing", "low", "X-Content-Type-Options is not nosniff", url)
        )
    referrer = headers.get("referrer-policy", "").strip().lower()
    if not referrer:
        found.append(
            _finding("header.referrer-policy-missing", "low", "no Referrer-Policy header", url)
        )
    elif referrer.split(",")[-1].strip() in ("unsafe-url", "no-referrer-when-downgrade"):
        found.append(
            _finding(
                "header.referrer-policy-unsafe",
                "low",
                f"Referrer-Policy {referrer} leaks full URLs",
                url,
            )
        )
    return found


def banner_findings(url: str, headers: httpx.Headers) -> list[SecFinding]:
    """No server software versions (Server, X-Powered-By and kin)."""
    found: list[SecFinding] = []
    server = headers.get("server")
    if server and _VERSION.search(server):
        found.append(
            _finding(
                "banner.server-version",
                "low",
                f"Server header reveals a version: {server[:80]}",
                url,
            )
        )
    for name in _BANNER_HEADERS:
        value = headers.get(name)
        if value:
            found.append(
                _finding(
                    "banner.powered-by",
                    "low",
                    f"{name} header reveals the stack: {value[:80]}",
                    url,
                )
            )
    return found


@dataclass
class Cookie:
    name: str
    attributes: dict[str, str] = field(default_factory=dict)

    def flag(self, name: str) -> bool:
        return name in self.attributes

    @property
    def deleting(self) -> bool:
        """A cookie being removed (Max-Age ≤ 0 or Expires in the past) carries nothing."""
        max_age = self.attributes.get("max-age")
        if max_age is not None:
            try:
                return int(max_age) <= 0
            except ValueError:
                return False
        expires = self.attributes.get("expires")
        if expires:
            try:
                return parsedate_to_datetime(expires) < datetime.now(UTC)
            except (TypeError, ValueError):
                return False
        return False


def parse_set_cookie(value: str) -> Cookie:
    first, *attributes = value.split(";")
    cookie = Cookie(first.split("=", 1)[0].strip())
    for attribute in attributes:
        key, _, attr_value = attribute.partition("=")
        if key.strip():
            cookie.attributes[key.strip().lower()] = attr_value.strip()
    return cookie


def cookie_findings(url: str, headers: httpx.Headers) -> list[SecFinding]:
    """Every cookie set is Secure, HttpOnly and SameSite (None only with Secure)."""
    found: list[SecFinding] = []
    for raw in headers.get_list("set-cookie"):
        cookie = parse_set_cookie(raw)
        if cookie.deleting:
            continue
        name = cookie.name
        if not cookie.flag("secure"):
            found.append(
                _finding(
                    "cookie.secure-missing",
                    "medium",
                    f"cookie {name} lacks Secure (sent over plain HTTP)",
                    url,
                )
            )
        if not cookie.flag("httponly"):
            found.append(
                _finding(
                    "cookie.httponly-missing",
                    "medium",
                    f"cookie {name} lacks HttpOnly (readable by scripts)",
                    url,
                )
            )
        samesite = cookie.attributes.get("samesite", "").lower()
        if samesite not in ("strict", "lax", "none"):
            found.append(
                _finding("cookie.samesite-missing", "low", f"cookie {name} lacks SameSite", url)
            )
        elif samesite == "none" and not cookie.flag("secure"):
            found.append(
                _finding(
                    "cookie.samesite-missing",
                    "medium",
                    f"cookie {name} is SameSite=None without Secure",
                    url,
                )
            )
    return found


def cors_findings(url: str, origin: str, headers: httpx.Headers) -> list[SecFinding]:
    """Credentialed CORS must name trusted origins: never ``*``, ``null`` or any origin."""
    allowed = headers.get("access-control-allow-origin", "").strip()
    credentials = headers.get("access-control-allow-credentials", "").strip().lower() == "true"
    if not allowed:
        return []
    if allowed == "*" and credentials:
        return [
            _finding(
                "cors.wildcard-credentials",
                "high",
                "Access-Control-Allow-Origin * with credentials allowed",
                url,
            )
        ]
    if allowed in (origin, "null"):
        shown = "any origin (reflected)" if allowed == origin else "the null origin"
        if credentials:
            return [
                _finding(
                    "cors.untrusted-origin", "high", f"CORS allows {shown} with credentials", url
                )
            ]
        return [
            _finding("cors.untrusted-origin", "low", f"CORS allows {shown} (no credentials)", url)
        ]
    return []


def cache_findings(url: str, headers: httpx.Headers) -> list[SecFinding]:
    """An authenticated response must not be stored by shared caches."""
    directives = {
        d.strip().split("=", 1)[0].lower()
        for d in headers.get("cache-control", "").split(",")
        if d.strip()
    }
    if "public" in directives or not directives & {"no-store", "private"}:
        shown = headers.get("cache-control") or "absent"
        return [
            _finding(
                "cache.authenticated-storable",
                "medium",
                f"authenticated response is cacheable (Cache-Control: {shown})",
                url,
            )
        ]
    return []
