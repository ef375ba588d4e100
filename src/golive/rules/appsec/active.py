"""Active checks (disruptive environments only): requests as each identity, forged tokens.

Only GET requests are sent after the logins; nothing on the target is changed.

Authentication bypass, per protected endpoint: no token, a token that is not one (both
``authn_authz``); the claims of an identity the endpoint admits under a forged signature
(a random HS256 key) and unsigned (``alg: none``), once its genuine token is shown to work
(``authn_authz``, 3 requests); an expired token (``privilege_escalation``); a role claim
raised under the original signature, ``alg: none`` or a weak key (``privilege_escalation``).
Password guessing: up to ``probes.login_attempts`` failed logins (``login_rate_limit``).
"""

from __future__ import annotations

import secrets
from collections.abc import Iterator

import httpx

from golive.config import resolve_secret
from golive.facts.live import intrusion
from golive.facts.live import jwt as _jwt
from golive.facts.live.http_session import Login, TargetSession
from golive.facts.live.security_targets import Endpoint
from golive.judging.findings import FindingSeverity, SecFinding, SourceResult
from golive.rules.appsec.passive import baseline, exposure_findings, served

__all__ = [
    "INVALID_TOKEN",
    "NO_PROTECTED",
    "authn_authz",
    "external_access",
    "login_rate_limit",
    "privilege_escalation",
    "rbac_matrix",
]

SOURCE = "active-http"
INVALID_TOKEN = "golive.invalid.token"
REFUSED = frozenset({401, 403, 404})


def _ok(status: int) -> bool:
    return 200 <= status < 300


NO_PROTECTED = (
    "the security targets name no protected endpoint (protected:): the authorization "
    "probes are not run against guessed paths"
)


def _finding(rule: str, severity: FindingSeverity, message: str, url: str) -> SecFinding:
    return SecFinding(source=SOURCE, rule=rule, severity=severity, message=message, where=url)


def _status(
    session: TargetSession,
    path: str,
    result: SourceResult,
    token: str | None = None,
    headers: dict[str, str] | None = None,
) -> int | None:
    try:
        return session.get(path, token=token, headers=headers).status_code
    except httpx.TransportError as exc:
        result.notes.append(f"GET {path}: {type(exc).__name__}")
        return None


def _login_gaps(session: TargetSession, result: SourceResult) -> list[Login]:
    logins = session.logins()
    for failed in session.failed():
        result.gaps.append(f"identity {failed.identity} ({failed.role}): {failed.problem}")
    return logins


def _reserved(session: TargetSession, logins: list[Login]) -> Iterator[tuple[Login, Endpoint]]:
    """Every (identity, endpoint) pair where the identity's role is not allowed."""
    for endpoint in session.targets.protected:
        for login in logins:
            if login.role not in endpoint.roles:
                yield login, endpoint


def _forged_tokens(
    session: TargetSession, endpoint: Endpoint, logins: list[Login], result: SourceResult
) -> None:
    """An admitted identity's own claims, signed with a key the target does not know and
    unsigned: either accepted means the signature is not checked."""
    login = next((x for x in logins if x.role in endpoint.roles and x.claims and x.token), None)
    if login is None:
        return
    if not _ok(_status(session, endpoint.path, result, token=login.token) or 0):
        return  # the genuine token does not work here: refusing a forged one says nothing
    for label, token in (
        ("a forged signature (an unknown HS256 key)", _jwt.sign_hs256(
            login.claims, secrets.token_urlsafe(32))),
        ("no signature (alg: none)", _jwt.none_alg(login.claims)),
    ):  # fmt: skip
        status = _status(session, endpoint.path, result, token=token)
        if status is not None and _ok(status):
            result.findings.append(
                _finding(
                    "authn.forged-token-accepted",
                    "critical",
                    f"{login.identity}'s claims with {label} are accepted ({status})",
                    session.url(endpoint.path),
                )
            )
    result.checked.append(f"{endpoint.path}: {login.identity}'s claims forged and unsigned")


def authn_authz(session: TargetSession) -> SourceResult:
    """401 without a token, with an invalid one, a forged or an unsigned one; 403 for a
    role the endpoint refuses."""
    if not session.targets.protected:
        return SourceResult.unverified(SOURCE, NO_PROTECTED)
    result = SourceResult(source=SOURCE, verified=True, label="active-http: authn/authz")
    for endpoint in session.targets.protected:
        url = session.url(endpoint.path)
        for label, token in (
            ("without credentials", None),
            ("with an invalid token", INVALID_TOKEN),
        ):
            status = _status(session, endpoint.path, result, token=token)
            if status is None:
                continue
            if _ok(status):
                result.findings.append(
                    _finding(
                        "authz.unauthenticated-access", "critical", f"answers {status} {label}", url
                    )
                )
            elif status != 401:
                result.findings.append(
                    _finding(
                        "authn.wrong-status", "low", f"answers {status} {label}: expected 401", url
                    )
                )
        result.checked.append(f"{endpoint.path}: anonymous and invalid token")
    logins = _login_gaps(session, result)
    for endpoint in session.targets.protected:
        _forged_tokens(session, endpoint, logins, result)
    pairs = list(_reserved(session, logins))
    for login, endpoint in pairs:
        url = session.url(endpoint.path)
        status = _status(session, endpoint.path, result, token=login.token)
        if status is None:
            continue
        if _ok(status):
            result.findings.append(
                _finding(
                    "authz.role-bypass",
                    "critical",
                    f"{login.identity} (role {login.role}) reads it ({status}); "
                    f"reserved for {', '.join(endpoint.roles)}",
                    url,
                )
            )
        elif status not in (403, 404):
            result.findings.append(
                _finding(
                    "authn.wrong-status",
                    "low",
                    f"answers {status} to role {login.role}: expected 403",
                    url,
                )
            )
        result.checked.append(f"{endpoint.path} as {login.identity} ({login.role})")
    if not pairs:
        result.gaps.append(
            "no logged-in identity has a role some protected endpoint refuses: "
            "403 for the wrong role not checked"
        )
    return result


def rbac_matrix(session: TargetSession) -> SourceResult:
    """Each role reaches exactly the endpoints it is granted (2xx) and no other."""
    if not session.targets.protected:
        return SourceResult.unverified(SOURCE, NO_PROTECTED)
    result = SourceResult(source=SOURCE, verified=True, label="active-http: role matrix")
    logins = _login_gaps(session, result)
    matrix: dict[str, dict[str, int | None]] = {}
    for endpoint in session.targets.protected:
        url = session.url(endpoint.path)
        for login in logins:
            status = _status(session, endpoint.path, result, token=login.token)
            matrix.setdefault(endpoint.path, {})[login.identity] = status
            if status is None:
                continue
            allowed = login.role in endpoint.roles
            if allowed and not _ok(status):
                result.findings.append(
                    _finding(
                        "rbac.granted-refused",
                        "medium",
                        f"role {login.role} is granted it but gets {status}",
                        url,
                    )
                )
            elif not allowed and _ok(status):
                result.findings.append(
                    _finding(
                        "authz.role-bypass",
                        "critical",
                        f"role {login.role} reads it ({status}); reserved for "
                        f"{', '.join(endpoint.roles)}",
                        url,
                    )
                )
    result.facts["matrix"] = matrix
    roles = {login.role for login in logins}
    result.checked.append(f"{len(session.targets.protected)} endpoints × roles {sorted(roles)}")
    if len(roles) < 2:
        result.gaps.append(
            f"RBAC needs identities of two roles or more; logged in: {sorted(roles)}"
        )
    return result


def external_access(session: TargetSession) -> SourceResult:
    """From outside with no credentials: protected and admin paths refused, no sensitive
    file, debug page or listing served, TRACE not echoed."""
    result = SourceResult(source=SOURCE, verified=True, label="active-http: external access")
    if not session.targets.protected:
        result.notes.append(NO_PROTECTED)  # the generic admin and exposure paths still are
    base = baseline(session)
    for endpoint in session.targets.protected:
        status = _status(session, endpoint.path, result)
        if status is not None and status not in (401, 403):
            severity: FindingSeverity = "critical" if _ok(status) else "low"
            result.findings.append(
                _finding(
                    "authz.unauthenticated-access" if _ok(status) else "authn.wrong-status",
                    severity,
                    f"answers {status} without credentials: expected 401/403",
                    session.url(endpoint.path),
                )
            )
    for path in session.targets.admin_paths:
        try:
            response = session.get(path)
        except httpx.TransportError as exc:
            result.notes.append(f"GET {path}: {type(exc).__name__}")
            continue
        if served(path, response, base):
            result.findings.append(
                _finding(
                    "authz.admin-path-open",
                    "high",
                    f"admin path answers {response.status_code} without credentials",
                    session.url(path),
                )
            )
    result.checked.append(
        f"{len(session.targets.protected)} protected and {len(session.targets.admin_paths)} "
        "admin paths without credentials"
    )
    result.findings += exposure_findings(session, result, source=SOURCE)
    try:
        trace = session.client.request("TRACE", "/", headers={"x-golive-trace": "echo"})
        if _ok(trace.status_code) and b"x-golive-trace" in trace.content.lower():
            result.findings.append(
                _finding(
                    "http.trace-enabled",
                    "medium",
                    "TRACE echoes the request (cross-site tracing)",
                    session.url("/"),
                )
            )
        result.checked.append("TRACE /")
    except httpx.TransportError as exc:
        result.notes.append(f"TRACE /: {type(exc).__name__}")
    return result


def _forgeries(
    session: TargetSession, login: Login, wanted_role: str
) -> Iterator[tuple[str, str, dict[str, str], str]]:
    """(label, token, extra headers, query) for each escalation attempt by ``login``."""
    assert login.token is not None
    role_claim = session.targets.role_claim
    yield "own token", login.token, {}, ""
    yield "own token with a role parameter", login.token, {}, f"?role={wanted_role}"
    yield (
        "own token with role headers",
        login.token,
        {"x-role": wanted_role, "x-user-role": wanted_role},
        "",
    )
    claims = login.claims
    if not claims:
        return
    yield "tampered role claim", _jwt.tampered(login.token, **{role_claim: wanted_role}), {}, ""
    yield "alg=none token", _jwt.none_alg({**claims, role_claim: wanted_role}), {}, ""
    for key in _jwt.WEAK_SECRETS:
        forged = _jwt.sign_hs256({**claims, role_claim: wanted_role}, key)
        yield f"token signed with the weak key {key!r}", forged, {}, ""


def _expired_probe(session: TargetSession, logins: list[Login], result: SourceResult) -> None:
    for login in logins:
        endpoint = next((e for e in session.targets.protected if login.role in e.roles), None)
        if endpoint is None or not login.claims or login.token is None:
            continue
        if not _ok(_status(session, endpoint.path, result, token=login.token) or 0):
            continue  # the genuine token does not work here: refusing an expired one says nothing
        key = resolve_secret(session.targets.jwt_secret)
        if key:
            token, how = _jwt.sign_hs256(_jwt.expired_copy(login.claims), key), "signed"
        else:
            token = _jwt.tampered(login.token, **_jwt.expired_copy(login.claims))
            how = "re-dated under the original signature (set jwt_secret to sign one)"
        status = _status(session, endpoint.path, result, token=token)
        if status is not None and _ok(status):
            result.findings.append(
                _finding(
                    "authn.expired-token-accepted",
                    "high",
                    f"an expired token ({how}) is accepted ({status})",
                    session.url(endpoint.path),
                )
            )
        result.checked.append(f"expired token of {login.identity} on {endpoint.path} ({how})")
        return
    result.notes.append("expired-token probe not run: no identity with a JWT reaches an endpoint")


def privilege_escalation(session: TargetSession) -> SourceResult:
    """A low-privilege identity cannot reach what its role is refused: not with its own
    token, a role parameter, a tampered claim, ``alg: none``, a weak key or an expired token."""
    if not session.targets.protected:
        return SourceResult.unverified(SOURCE, NO_PROTECTED)
    result = SourceResult(source=SOURCE, verified=True, label="active-http: privilege escalation")
    logins = _login_gaps(session, result)
    pairs = list(_reserved(session, logins))
    if not pairs:
        result.gaps.append(
            "no logged-in identity is refused any protected endpoint: nothing to escalate from"
        )
    for login, endpoint in pairs:
        url = session.url(endpoint.path)
        wanted = endpoint.roles[0]
        for label, token, headers, query in _forgeries(session, login, wanted):
            status = _status(session, endpoint.path + query, result, token=token, headers=headers)
            if status is not None and _ok(status) and label == "own token":
                result.findings.append(
                    _finding(
                        "authz.privilege-escalation",
                        "critical",
                        f"{login.identity} (role {login.role}) reaches it with its own token "
                        f"({status}); reserved for {', '.join(endpoint.roles)}",
                        url,
                    )
                )
                break  # the door is open: forged tokens would prove nothing more
            if status is not None and _ok(status):
                result.findings.append(
                    _finding(
                        "authz.privilege-escalation",
                        "critical",
                        f"{login.identity} (role {login.role}) reaches it with {label} "
                        f"({status}); reserved for {', '.join(endpoint.roles)}",
                        url,
                    )
                )
        if not login.claims:
            result.notes.append(f"{login.identity}'s token is not a JWT: claim tampering skipped")
        result.checked.append(f"{endpoint.path} from {login.identity} ({login.role})")
    _expired_probe(session, logins, result)
    return result


PROBE_SOURCE = "127.0.0.3"  # not the intrusion drill's 127.0.0.2: neither blocks the other


def login_rate_limit(session: TargetSession) -> SourceResult:
    """Failed logins (an account that does not exist) one after the other, from one
    source, up to ``probes.login_attempts``: refused as too many (429) before the end, or
    password guessing is unlimited. Run only when identities name the login as real."""
    if not session.targets.identities:
        return SourceResult.unverified(
            SOURCE,
            "the security targets name no identity: the login API (login:) is not known to "
            "be real, and the rate-limit probe is not run against a guessed path",
        )
    result = SourceResult(source=SOURCE, verified=True, label="active-http: login rate limit")
    login, attempts = session.targets.login, session.targets.probes.login_attempts
    burst = intrusion.failed_login_burst(
        session.base_url,
        login.path,
        login.username_field,
        login.password_field,
        attempts,
        source=PROBE_SOURCE,
    )
    result.facts["login_attempts"] = {"statuses": burst.statuses, "seconds": burst.seconds}
    rejected, blocked = burst.rejected, burst.blocked_at
    if blocked is None and rejected < len(burst.statuses):
        result.verified = False
        result.reason = f"POST {login.path} answered {sorted(set(map(str, burst.statuses)))}, "
        result.reason += "not as failed logins: the rate limit could not be judged"
        return result
    result.checked.append(
        f"{len(burst.statuses)} failed logins from {burst.source} to POST {login.path}"
        + (f": refused as too many at attempt {blocked}" if blocked else "")
    )
    if blocked is None:
        result.findings.append(
            _finding(
                "authn.no-login-rate-limit",
                "medium",
                f"{rejected} failed logins from one source in {burst.seconds:.1f} s, none "
                "refused as too many (no 429): passwords can be guessed without limit",
                burst.url,
            )
        )
    return result
