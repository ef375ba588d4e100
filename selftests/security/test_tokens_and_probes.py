"""Forged tokens, and the HTTP probes in-process against the selftest app: what they find,
and what they cannot check without credentials."""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import jwt
import pytest

from golive.facts.live import jwt as _jwt
from golive.facts.live.http_session import TargetSession
from golive.facts.live.security_targets import (
    DataEndpoint,
    Endpoint,
    Identity,
    Login,
    ObjectEndpoint,
    SecurityTargets,
)
from golive.rules.appsec import active, data_access, passive
from selftests.security.conftest import IDENTITY_ENV

KEY = "k" * 40


def test_forged_tokens() -> None:
    token = jwt.encode({"sub": "u1", "role": "user"}, KEY, algorithm="HS256")
    assert _jwt.claims_of(token) == {"sub": "u1", "role": "user"}
    assert _jwt.claims_of("not-a-token") is None
    forged = _jwt.tampered(token, role="admin")
    assert forged.rsplit(".", 1)[1] == token.rsplit(".", 1)[1]  # original signature kept
    assert _jwt.claims_of(forged) == {"sub": "u1", "role": "admin"}
    with pytest.raises(jwt.InvalidSignatureError):
        jwt.decode(forged, KEY, algorithms=["HS256"])
    assert _jwt.none_alg({"role": "admin"}).endswith(".")
    signed = _jwt.sign_hs256({"sub": "u1"}, KEY)
    assert jwt.decode(signed, KEY, algorithms=["HS256"]) == {"sub": "u1"}
    expired = _jwt.sign_hs256(_jwt.expired_copy({"sub": "u1"}), KEY)
    with pytest.raises(jwt.ExpiredSignatureError):
        jwt.decode(expired, KEY, algorithms=["HS256"])


def selftest_targets() -> SecurityTargets:
    return SecurityTargets(
        identities={
            "user": Identity(
                username="env:SELFTEST_USER_EMAIL", password="env:SELFTEST_PASSWORD", role="user"
            ),
            "admin": Identity(
                username="env:SELFTEST_ADMIN_EMAIL", password="env:SELFTEST_PASSWORD", role="admin"
            ),
        },
        protected=[
            Endpoint(path="/api/me", roles=["user", "admin"]),
            Endpoint(path="/api/admin/users", roles=["admin"]),
        ],
        data_access=[
            DataEndpoint(path="/api/projects", items="projects", public_if={"visibility": "public"})
        ],
        objects=[ObjectEndpoint(path="/api/projects/4", owner="admin")],
    )


@pytest.fixture
def sessions(
    app_urls: dict[str, str], monkeypatch: pytest.MonkeyPatch
) -> Iterator[dict[str, TargetSession]]:
    for name, value in IDENTITY_ENV.items():
        monkeypatch.setenv(name, value)
    opened = {
        mode: TargetSession(httpx.Client(base_url=url), selftest_targets())
        for mode, url in app_urls.items()
    }
    yield opened
    for session in opened.values():
        session.close()
        session.base.close()


def test_login_cookie_is_never_replayed(sessions: dict[str, TargetSession]) -> None:
    """The insecure app's session cookie lacks Secure: a client keeping it would make
    every later "anonymous" probe an authenticated one."""
    insecure = sessions["insecure"]
    assert insecure.login("user").token
    assert insecure.get("/api/me").status_code == 401


@pytest.mark.slow
def test_probes_find_the_insecure_app(sessions: dict[str, TargetSession]) -> None:
    secure, insecure = sessions["secure"], sessions["insecure"]
    for run in (
        passive.passive_scan,
        active.authn_authz,
        active.rbac_matrix,
        active.external_access,
        active.privilege_escalation,
        data_access.api_data_access,
        data_access.object_access,
    ):
        clean, dirty = run(secure), run(insecure)
        assert clean.verified and not clean.counting() and not clean.gaps, run.__name__
        assert dirty.counting(), run.__name__


def test_forged_and_unsigned_tokens_of_an_admitted_identity(
    sessions: dict[str, TargetSession],
) -> None:
    """The insecure app reads tokens without checking their signature (and its admin route
    takes any token): an admitted identity's own claims under an unknown key and unsigned
    both pass; the secure app refuses both."""
    clean, dirty = (active.authn_authz(sessions[mode]) for mode in ("secure", "insecure"))
    assert not [f for f in clean.findings if f.rule == "authn.forged-token-accepted"]
    assert "/api/me: user's claims forged and unsigned" in clean.checked
    forged = [f for f in dirty.findings if f.rule == "authn.forged-token-accepted"]
    assert {f.where.rsplit("/api", 1)[1] for f in forged} == {"/me", "/admin/users"}
    assert any("alg: none" in f.message for f in forged)
    assert any("forged signature" in f.message for f in forged)


def test_cross_identity_object_access(
    sessions: dict[str, TargetSession], app_urls: dict[str, str]
) -> None:
    """The admin's private project: the insecure app serves it to the user and to anyone;
    the secure one to its owner only. Without objects, or with an owner who cannot read
    it, nothing is judged."""
    clean, dirty = (data_access.object_access(sessions[m]) for m in ("secure", "insecure"))
    assert clean.verified and not clean.findings and not clean.gaps, clean.gaps
    assert clean.checked == ["/api/projects/4 of admin: anonymous and 1 other(s)"]
    assert sorted(f.message for f in dirty.findings) == [
        "anonymous reads admin's object (200)",
        "user (user) reads admin's object (200)",
    ]
    assert {f.rule for f in dirty.findings} == {"authz.foreign-object"}
    with httpx.Client(base_url=app_urls["secure"]) as client:
        none = TargetSession(client, SecurityTargets())
        nothing = data_access.object_access(none)
        missing = selftest_targets().model_copy(
            update={"objects": [ObjectEndpoint(path="/api/projects/99", owner="user")]}
        )
        theirs = TargetSession(client, missing)
        unreadable = data_access.object_access(theirs)
        none.close()
        theirs.close()
    assert not nothing.verified and "no objects configured" in str(nothing.reason)
    assert unreadable.gaps and "cannot read it (404)" in unreadable.gaps[0]


def test_login_rate_limit(sessions: dict[str, TargetSession], app_urls: dict[str, str]) -> None:
    """The secure app refuses the 6th failure from one source (429); the insecure one's
    limiter (1000 a minute) lets every attempt through; without identities, or against a
    path that is no login, nothing is judged."""
    clean, dirty = (active.login_rate_limit(sessions[mode]) for mode in ("secure", "insecure"))
    assert clean.verified and not clean.findings, clean.facts
    assert "127.0.0.3" in clean.checked[0] and "too many" in clean.checked[0]
    attempts = SecurityTargets().probes.login_attempts
    assert [f.rule for f in dirty.findings] == ["authn.no-login-rate-limit"]
    assert len(dirty.facts["login_attempts"]["statuses"]) == attempts
    with httpx.Client(base_url=app_urls["insecure"]) as client:
        targets = selftest_targets().model_copy(update={"login": Login(path="/api/me")})
        bare, wrong = TargetSession(client, SecurityTargets()), TargetSession(client, targets)
        no_identity, wrong_path = active.login_rate_limit(bare), active.login_rate_limit(wrong)
        bare.close()
        wrong.close()
    assert not no_identity.verified and "no identity" in str(no_identity.reason)
    assert not wrong_path.verified and "could not be judged" in str(wrong_path.reason)


def test_without_credentials_the_role_checks_are_gaps(
    app_urls: dict[str, str], monkeypatch: pytest.MonkeyPatch
) -> None:
    for name in IDENTITY_ENV:
        monkeypatch.delenv(name, raising=False)
    with httpx.Client(base_url=app_urls["secure"]) as client:
        session = TargetSession(client, selftest_targets())
        try:
            passive_result = passive.passive_scan(session)
            authn = active.authn_authz(session)
            rbac = active.rbac_matrix(session)
            escalation = active.privilege_escalation(session)
        finally:
            session.close()
    assert passive_result.gaps and "no identity could log in" in passive_result.gaps[0]
    assert any("SELFTEST_USER_EMAIL" in gap for gap in authn.gaps)
    assert not authn.counting()  # the anonymous half was still checked, and is clean
    assert rbac.gaps and escalation.gaps
