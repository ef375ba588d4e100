"""The web application: auth, role checks, headers, cookies, caching, latency."""

from __future__ import annotations

import time

import jwt
import pytest

from golive.demo.webapp import JWT_AUDIENCE, JWT_ISSUER

from .conftest import RunningStack

pytestmark = pytest.mark.slow

SECURITY_HEADERS = {
    "content-security-policy",
    "strict-transport-security",
    "x-content-type-options",
    "referrer-policy",
    "x-frame-options",
}


@pytest.mark.parametrize("path", ["/", "/health", "/api/projects", "/static/app.js", "/nope"])
def test_security_headers(either: RunningStack, path: str) -> None:
    with either.http() as client:
        headers = client.get(path).headers
    if either.info.mode == "good":
        assert set(headers) >= SECURITY_HEADERS
        assert "frame-ancestors 'none'" in headers["content-security-policy"]
        assert headers["x-content-type-options"] == "nosniff"
        assert headers["x-frame-options"] == "DENY"
        assert "server" not in headers
    else:
        assert not SECURITY_HEADERS & set(headers)
        assert headers["server"] == "uvicorn"


def test_login_cookie_flags(either: RunningStack) -> None:
    env = either.env
    with either.http() as client:
        resp = client.post(
            "/api/login",
            json={
                "email": env["GOLIVE_DEMO_USER_EMAIL"],
                "password": env["GOLIVE_DEMO_USER_PASSWORD"],
            },
        )
    assert resp.status_code == 200
    cookie = resp.headers["set-cookie"].lower()
    flags = {"secure", "httponly", "samesite=strict"}
    if either.info.mode == "good":
        assert all(flag in cookie for flag in flags)
    else:
        assert not any(flag in cookie for flag in flags)


def test_bad_password_is_refused_and_audited(good: RunningStack) -> None:
    with good.http() as client:
        resp = client.post("/api/login", json={"email": "alice@example.com", "password": "nope"})
        assert resp.status_code == 401
        assert client.post("/api/login", json={"email": "x"}).status_code == 400


def test_admin_endpoint_roles(either: RunningStack) -> None:
    user, admin = either.token("user"), either.token("admin")
    with either.http() as client:
        assert client.get("/api/admin/users").status_code == 401
        as_user = client.get("/api/admin/users", headers={"authorization": f"Bearer {user}"})
        as_admin = client.get("/api/admin/users", headers={"authorization": f"Bearer {admin}"})
        me = client.get("/api/me", headers={"authorization": f"Bearer {user}"}).json()
    assert as_admin.status_code == 200 and len(as_admin.json()["users"]) == 3
    assert me["profile"]["email"] == "alice@example.com" and me["role"] == "user"
    if either.info.mode == "good":
        assert as_user.status_code == 403
    else:
        assert as_user.status_code == 200  # privilege escalation


def test_forged_tokens_are_rejected(either: RunningStack) -> None:
    now = int(time.time())
    claims = {
        "sub": "00000000-0000-4000-8000-0000000000ad",
        "role": "admin",
        "iss": JWT_ISSUER,
        "aud": JWT_AUDIENCE,
        "iat": now,
        "exp": now + 60,
    }
    forged = [
        jwt.encode(claims, "not-the-secret-but-long-enough-for-hs256!", algorithm="HS256"),
        jwt.encode(claims, None, algorithm="none"),
        jwt.encode({**claims, "exp": now - 10}, "x" * 32, algorithm="HS256"),
        "garbage",
    ]
    with either.http() as client:
        for token in forged:
            resp = client.get("/api/admin/users", headers={"authorization": f"Bearer {token}"})
            assert resp.status_code == 401, token


def test_static_cache_header(either: RunningStack) -> None:
    with either.http() as client:
        resp = client.get("/static/app.js")
        revalidated = client.get("/static/app.js", headers={"if-none-match": resp.headers["etag"]})
    assert resp.status_code == 200 and "javascript" in resp.headers["content-type"]
    assert revalidated.status_code == 304
    if either.info.mode == "good":
        assert resp.headers["cache-control"] == "public, max-age=31536000, immutable"
    else:
        assert "cache-control" not in resp.headers


def test_response_time(either: RunningStack) -> None:
    with either.http() as client:
        client.get("/api/projects")
        started = time.perf_counter()
        for _ in range(5):
            assert client.get("/api/projects").status_code == 200
        avg_ms = (time.perf_counter() - started) / 5 * 1000
        slow = client.get("/api/slow").status_code
    if either.info.mode == "good":
        assert avg_ms < 100 and slow == 404
    else:
        assert avg_ms >= 300 and slow == 200
