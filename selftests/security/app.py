"""A small target for the security self-tests: one Starlette app, secure or insecure.

The insecure twin has every defect the security checks look for (its login limiter
allows 1000 failures a minute, the secure one 5): no security headers,
``Server: nginx/1.2.3``, cookies without flags, CORS reflecting any origin with
credentials, an admin endpoint that trusts any token, every user's rows for everyone,
``/.env`` served and a directory listing.

The home page links five parameters for golive's active probes, each planted unlike the
demo's (``golive.demo.webapp``): a numeric SQL parameter whose errors are swallowed
(boolean-blind, SQLite), a string one whose answer never changes (time-blind: SQLite with
a MySQL-style ``SLEEP``), a name echoed into an HTML attribute behind a filter that only
strips ``<script``, a redirect that checks only for a leading ``/``, and a download that
strips ``../`` once. The secure twin binds, escapes, checks the origin and resolves paths.

Three more, for the SSRF, stored-XSS and CSRF probes, again unlike the demo's: a webhook
ping whose ``callback`` (ordinary value ``none``: found by its name) is fetched later in a
thread (blind SSRF); notes posted as JSON to ``/api/notes`` and shown on ``/notes`` behind
the same ``<script``-only filter; and settings changed by a JSON ``PUT /api/settings``
authenticated by the session cookie alone. The secure twin fetches only an allow-listed
host, escapes the notes, and wants an ``x-csrf-token`` header (its cookie is also
``SameSite=Strict``).
"""

from __future__ import annotations

import contextlib
import html
import json
import sqlite3
import threading
import time
import urllib.parse
import urllib.request
from collections.abc import Awaitable, Callable, MutableMapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import jwt
import uvicorn
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import (
    HTMLResponse,
    JSONResponse,
    PlainTextResponse,
    RedirectResponse,
    Response,
)
from starlette.routing import Route

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
ASGIApp = Callable[
    [Scope, Callable[[], Awaitable[Message]], Callable[[Message], Awaitable[None]]], Awaitable[None]
]

USERS = {  # email → (subject, role)
    "alice@example.com": ("u-alice", "user"),
    "bob@example.com": ("u-bob", "user"),
    "admin@example.com": ("u-admin", "admin"),
}
PROJECTS = [
    {"id": 1, "owner_id": "u-alice", "name": "status-page", "visibility": "public"},
    {"id": 2, "owner_id": "u-alice", "name": "billing", "visibility": "private"},
    {"id": 3, "owner_id": "u-bob", "name": "payroll", "visibility": "private"},
    {"id": 4, "owner_id": "u-admin", "name": "runbooks", "visibility": "private"},
]
SECURE_HEADERS = [
    (b"content-security-policy", b"default-src 'self'; frame-ancestors 'none'"),
    (b"strict-transport-security", b"max-age=63072000; includeSubDomains"),
    (b"x-content-type-options", b"nosniff"),
    (b"referrer-policy", b"strict-origin-when-cross-origin"),
    (b"x-frame-options", b"DENY"),
]
INSECURE_HEADERS = [(b"server", b"nginx/1.2.3"), (b"x-powered-by", b"Express")]


@dataclass(frozen=True)
class Settings:
    secure: bool
    password: str
    jwt_secret: str
    flawed_probes: bool = False  # the probe routes flawed even on the secure twin


class Edge:
    """Adds the mode's headers; the insecure twin also reflects any CORS origin."""

    def __init__(self, app: ASGIApp, secure: bool) -> None:
        self.app, self.secure = app, secure

    async def __call__(self, scope: Scope, receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        origin = next((v for k, v in scope["headers"] if k == b"origin"), None)

        async def wrapped(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = list(message.get("headers", []))
                headers += SECURE_HEADERS if self.secure else INSECURE_HEADERS
                if not self.secure and origin:
                    headers += [
                        (b"access-control-allow-origin", origin),
                        (b"access-control-allow-credentials", b"true"),
                    ]
                message = {**message, "headers": headers}
            await send(message)

        await self.app(scope, receive, wrapped)


def create_app(settings: Settings) -> ASGIApp:
    secure = settings.secure

    def claims(request: Request) -> dict[str, Any] | None:
        header = request.headers.get("authorization", "")
        token = header[7:] if header.lower().startswith("bearer ") else ""
        if not token:
            return None
        try:
            if secure:
                return dict(
                    jwt.decode(
                        token,
                        settings.jwt_secret,
                        algorithms=["HS256"],
                        options={"require": ["exp", "sub", "role"]},
                    )
                )
            return dict(jwt.decode(token, options={"verify_signature": False}))
        except jwt.PyJWTError:
            return None

    def no_store() -> dict[str, str]:
        return {"cache-control": "private, no-store"} if secure else {}

    async def index(_request: Request) -> Response:
        return HTMLResponse(
            "<!doctype html><title>selftest</title><h1>hello</h1>"
            '<a href="/api/items?id=1">item</a> <a href="/api/lookup?code=abc">lookup</a>'
            '<form action="/greet"><input name="name" value="ann"><input type="submit"></form>'
            '<a href="/login-redirect?next=/">back</a> <a href="/download?file=readme.txt">r</a>'
            '<a href="http://127.0.0.2:9/elsewhere?x=1">another origin</a>'
            '<form action="/api/comment" method="post"><input name="text"></form>'
            '<a href="/api/hooks/ping?callback=none">ping</a> <a href="/notes">notes</a>'
            '<form action="/api/sign-out" method="post"><button>sign out</button></form>'
        )

    failures: dict[str, list[float]] = {}
    # secure: 5 failures a minute per source; insecure: a limiter set far too high
    allowed_failures = 5 if secure else 1000

    async def login(request: Request) -> Response:
        source = request.client.host if request.client else "?"
        recent = [t for t in failures.get(source, []) if time.monotonic() - t < 60]
        if len(recent) >= allowed_failures:
            return JSONResponse({"error": "too many attempts"}, 429)
        body = json.loads(await request.body() or b"{}")
        user = USERS.get(str(body.get("email")))
        if user is None or body.get("password") != settings.password:
            failures[source] = [*recent, time.monotonic()]
            return JSONResponse({"error": "invalid credentials"}, 401)
        now = int(time.time())
        token = jwt.encode(
            {"sub": user[0], "role": user[1], "iat": now, "exp": now + 900},
            settings.jwt_secret,
            algorithm="HS256",
        )
        response = JSONResponse({"access_token": token}, headers=no_store())
        if secure:
            response.set_cookie("session", token, secure=True, httponly=True, samesite="strict")
        else:
            response.set_cookie("session", token, samesite=None)  # type: ignore[arg-type]
        return response

    async def me(request: Request) -> Response:
        found = claims(request)
        if found is None:
            return JSONResponse({"error": "unauthorized"}, 401)
        return JSONResponse({"sub": found.get("sub")}, headers=no_store())

    async def admin_users(request: Request) -> Response:
        if not secure and request.headers.get("authorization"):
            return JSONResponse({"users": list(USERS)})  # trusts any token
        found = claims(request)
        if found is None:
            return JSONResponse({"error": "unauthorized"}, 401)
        if found.get("role") != "admin":
            return JSONResponse({"error": "forbidden"}, 403)
        return JSONResponse({"users": list(USERS)}, headers=no_store())

    async def projects(request: Request) -> Response:
        found = claims(request)
        if not secure:
            return JSONResponse({"projects": PROJECTS})
        rows = [
            p
            for p in PROJECTS
            if p["visibility"] == "public" or (found and p["owner_id"] == found.get("sub"))
        ]
        return JSONResponse({"projects": rows}, headers=no_store())

    async def project(request: Request) -> Response:
        found = claims(request)
        row = next((p for p in PROJECTS if p["id"] == request.path_params["id"]), None)
        mine = row is not None and found is not None and row["owner_id"] == found.get("sub")
        if row is None or (secure and row["visibility"] != "public" and not mine):
            return JSONResponse({"error": "not found"}, 404)  # insecure: any id, anyone
        return JSONResponse(row, headers=no_store())

    async def dotenv(_request: Request) -> Response:
        if secure:
            return PlainTextResponse("not found", 404)
        return PlainTextResponse("DATABASE_URL=postgres://app:hunter2@db/app\nDEBUG=true\n")

    async def static_listing(_request: Request) -> Response:
        if secure:
            return PlainTextResponse("not found", 404)
        return HTMLResponse(
            "<html><head><title>Index of /static/</title></head>"
            "<body><a href='app.js'>app.js</a></body></html>"
        )

    probes = _ProbeRoutes(secure and not settings.flawed_probes, settings.jwt_secret)
    routes = [
        *probes.routes(),
        Route("/", index),
        Route("/api/login", login, methods=["POST"]),
        Route("/api/me", me),
        Route("/api/admin/users", admin_users),
        Route("/api/projects", projects),
        Route("/api/projects/{id:int}", project),
        Route("/.env", dotenv),
        Route("/static/", static_listing),
    ]
    return Edge(Starlette(routes=routes), secure)


FILES = Path(__file__).parent / "probe_files"  # what the download route serves


def _sleep(seconds: object) -> int:
    time.sleep(float(str(seconds)))
    return 0


def _database() -> sqlite3.Connection:
    db = sqlite3.connect(":memory:", check_same_thread=False)
    db.executescript(
        "CREATE TABLE items (id INTEGER PRIMARY KEY, label TEXT);"
        "INSERT INTO items VALUES (1, 'first'), (2, 'second');"
        "CREATE TABLE codes (code TEXT);"
        "INSERT INTO codes VALUES ('abc');"
    )
    # the MySQL function an application ported from MySQL might register
    db.create_function("SLEEP", 1, _sleep)
    return db


class _ProbeRoutes:
    """The routes golive's active probes look at, flawed or sound (see the module doc)."""

    def __init__(self, secure: bool, jwt_secret: str) -> None:
        self.secure, self.jwt_secret = secure, jwt_secret
        self.db = _database()
        self.lock = threading.Lock()
        self.notes: list[str] = []
        self.themes: dict[str, str] = {}

    def routes(self) -> list[Route]:
        return [
            Route("/api/items", self.items),
            Route("/api/lookup", self.lookup),
            Route("/greet", self.greet),
            Route("/login-redirect", self.login_redirect),
            Route("/download", self.download),
            Route("/api/hooks/ping", self.ping),
            Route("/api/notes", self.add_note, methods=["POST"]),
            Route("/notes", self.show_notes),
            Route("/api/settings", self.change_settings, methods=["PUT"]),
        ]

    def _rows(self, sql: str, params: tuple[object, ...] = ()) -> list[tuple[object, ...]]:
        with self.lock:
            return list(self.db.execute(sql, params).fetchall())

    def items(self, request: Request) -> Response:
        raw = request.query_params.get("id", "")
        if self.secure:
            rows = self._rows("SELECT id, label FROM items WHERE id = ?", (raw,))
        else:
            try:  # insecure: pasted into the SQL; errors swallowed (blind)
                rows = self._rows("SELECT id, label FROM items WHERE id = " + raw)
            except sqlite3.Error:
                rows = []
        return JSONResponse({"items": [{"id": r[0], "label": r[1]} for r in rows]})

    def lookup(self, request: Request) -> Response:
        code = request.query_params.get("code", "")
        try:
            if self.secure:
                self._rows("SELECT 1 FROM codes WHERE code = ?", (code,))
            else:  # insecure: pasted in; the answer never says what the query found
                self._rows("SELECT 1 FROM codes WHERE code = '" + code + "'")
        except sqlite3.Error:
            pass
        return JSONResponse({"received": True})

    def greet(self, request: Request) -> Response:
        name = request.query_params.get("name", "")
        # insecure: a filter that knows one tag
        shown = html.escape(name, quote=True) if self.secure else name.replace("<script", "")
        return HTMLResponse(f'<!doctype html><p>Hello</p><input value="{shown}">')

    def login_redirect(self, request: Request) -> Response:
        target = request.query_params.get("next", "/")
        if self.secure:
            ok = target.startswith("/") and not target.startswith(("//", "/\\"))
        else:
            ok = target.startswith("/")  # insecure: "//host" passes
        return RedirectResponse(target if ok else "/", 302)

    def download(self, request: Request) -> Response:
        name = request.query_params.get("file", "")
        base = FILES.resolve()
        if self.secure:
            path = (base / name).resolve()
            if not path.is_relative_to(base):
                return PlainTextResponse("not found", 404)
        else:  # insecure: "../" removed once, so "....//" becomes "../"
            path = base / name.replace("../", "")
        try:
            return PlainTextResponse(path.read_text())
        except OSError:
            return PlainTextResponse("not found", 404)

    def ping(self, request: Request) -> Response:
        callback = request.query_params.get("callback", "")
        host = urllib.parse.urlsplit(callback).hostname
        allowed = host == "hooks.example.com" if self.secure else callback.startswith("http")
        if allowed and not self.secure:  # insecure: fetched later, the answer says nothing

            def fetch() -> None:
                time.sleep(0.3)
                with contextlib.suppress(OSError, ValueError):
                    opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
                    opener.open(callback, timeout=1).close()

            threading.Thread(target=fetch, daemon=True).start()
        return JSONResponse({"queued": True}, 202)

    async def add_note(self, request: Request) -> Response:
        try:
            body = str(json.loads(await request.body())["body"])
        except (ValueError, KeyError, TypeError):
            return JSONResponse({"error": "body required"}, 400)
        with self.lock:
            self.notes = [*self.notes, body][-20:]
        return JSONResponse({"saved": True}, 201)

    def show_notes(self, _request: Request) -> Response:
        with self.lock:
            notes = list(self.notes)
        shown = [html.escape(n) if self.secure else n.replace("<script", "") for n in notes]
        return HTMLResponse("<!doctype html><h1>notes</h1>" + "".join(
            f"<div class=note>{n}</div>" for n in shown))  # fmt: skip

    async def change_settings(self, request: Request) -> Response:
        try:
            sub = jwt.decode(
                request.cookies.get("session", ""), self.jwt_secret, algorithms=["HS256"]
            )["sub"]
        except (jwt.PyJWTError, KeyError):
            return JSONResponse({"error": "unauthorized"}, 401)
        if self.secure and request.headers.get("x-csrf-token") != f"csrf-{sub}":
            return JSONResponse({"error": "csrf token missing"}, 403)
        try:
            self.themes[sub] = str(json.loads(await request.body())["theme"])
        except (ValueError, KeyError, TypeError):
            return JSONResponse({"error": "theme required"}, 400)
        return JSONResponse({"saved": True})


class ServerThread:
    """uvicorn on 127.0.0.1 and a free port, in a daemon thread."""

    def __init__(self, app: ASGIApp) -> None:
        config = uvicorn.Config(
            app,
            host="127.0.0.1",
            port=0,
            log_level="error",
            lifespan="off",
            server_header=False,
            ws="none",
            access_log=False,
        )
        self.server = uvicorn.Server(config)
        self.thread = threading.Thread(target=self.server.run, daemon=True)

    def __enter__(self) -> str:
        self.thread.start()
        deadline = time.monotonic() + 10
        while not self.server.started:
            if time.monotonic() > deadline or not self.thread.is_alive():
                raise RuntimeError("selftest server did not start")
            time.sleep(0.02)
        port = self.server.servers[0].sockets[0].getsockname()[1]
        return f"http://127.0.0.1:{port}"

    def __exit__(self, *_exc: object) -> None:
        self.server.should_exit = True
        self.thread.join(timeout=10)
