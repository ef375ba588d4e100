"""Requests to the target as a given identity: log in once per identity, then GET as it."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from http.cookiejar import CookieJar, DefaultCookiePolicy
from typing import Any

import httpx

from golive._http import DEFAULT_TIMEOUT_S, MAX_BODY_BYTES, BoundedClient
from golive.facts.live import jwt as _jwt
from golive.facts.live.security_targets import SecurityTargets

__all__ = ["Login", "TargetSession", "auth_header"]


def auth_header(token: str) -> dict[str, str]:
    return {"authorization": f"Bearer {token}"}


@dataclass
class Login:
    """The outcome of logging in one identity."""

    identity: str
    role: str
    token: str | None
    status: int | None
    headers: httpx.Headers | None = None
    problem: str | None = None

    @property
    def claims(self) -> dict[str, Any]:
        return (_jwt.claims_of(self.token) if self.token else None) or {}


def _cookieless(client: httpx.Client) -> httpx.Client:
    """A client like ``client`` that never stores a cookie: a session cookie set by a login
    must not turn the next "anonymous" probe into an authenticated one."""
    jar = CookieJar(policy=DefaultCookiePolicy(allowed_domains=[]))
    # the same bounds as the run's client: an overall deadline per request, a body cap
    timeout_s, max_body = (
        (client.timeout_s, client.max_body)
        if isinstance(client, BoundedClient)
        else (DEFAULT_TIMEOUT_S, MAX_BODY_BYTES)
    )
    return BoundedClient(
        base_url=client.base_url,
        timeout_s=timeout_s,
        max_body=max_body,
        cookies=jar,
        headers={"user-agent": "golive-security-check"},
    )


@dataclass
class TargetSession:
    """One target (on ``client``'s base_url, cookies never kept) and the identities of the
    targets file."""

    base: httpx.Client
    targets: SecurityTargets
    _logins: dict[str, Login] = field(default_factory=dict)
    client: httpx.Client = field(init=False)

    def __post_init__(self) -> None:
        self.client = _cookieless(self.base)

    def close(self) -> None:
        self.client.close()

    @property
    def base_url(self) -> str:
        return str(self.client.base_url).rstrip("/")

    def url(self, path: str) -> str:
        return f"{self.base_url}{path}"

    def get(
        self, path: str, token: str | None = None, headers: dict[str, str] | None = None
    ) -> httpx.Response:
        sent = dict(headers or {})
        if token is not None:
            sent |= auth_header(token)
        return self.client.get(path, headers=sent)

    def get_many(self, paths: list[str], workers: int = 8) -> dict[str, httpx.Response | str]:
        """GET each path (no credentials), a few at a time: path → response or error name."""

        def one(path: str) -> httpx.Response | str:
            try:
                return self.client.get(path)
            except httpx.TransportError as exc:
                return type(exc).__name__

        unique = list(dict.fromkeys(paths))
        with ThreadPoolExecutor(max_workers=workers, thread_name_prefix="golive-get") as pool:
            return dict(zip(unique, pool.map(one, unique), strict=True))

    def login(self, name: str) -> Login:
        """Log ``name`` in (once per session); the Login says why when it could not."""
        if name in self._logins:
            return self._logins[name]
        identity = self.targets.identities[name]
        credentials = identity.credentials()
        if credentials is None:
            missing = ", ".join(identity.missing())
            result = Login(name, identity.role, None, None, problem=f"{missing} not set")
        else:
            result = self._post_login(name, identity.role, *credentials)
        self._logins[name] = result
        return result

    def _post_login(self, name: str, role: str, username: str, password: str) -> Login:
        spec = self.targets.login
        body = {spec.username_field: username, spec.password_field: password}
        try:
            response = self.client.post(spec.path, json=body)
        except httpx.TransportError as exc:
            return Login(name, role, None, None, problem=f"login failed: {type(exc).__name__}")
        token = None
        if response.status_code == 200:
            try:
                data = response.json()
            except ValueError:
                data = None
            value = data.get(spec.token_field) if isinstance(data, dict) else None
            token = value if isinstance(value, str) and value else None
        problem = (
            None
            if token
            else (
                f"POST {spec.path} as {name} answered {response.status_code} without a "
                f"{spec.token_field}"
            )
        )
        return Login(name, role, token, response.status_code, response.headers, problem)

    def logins(self) -> list[Login]:
        """Every identity that could log in (those that could not are in ``failed``)."""
        return [login for n in self.targets.identities if (login := self.login(n)).token]

    def failed(self) -> list[Login]:
        return [login for n in self.targets.identities if not (login := self.login(n)).token]
