"""The demo web application: Starlette under uvicorn, PostgreSQL through a psycopg pool.

Run as its own process::

    GOLIVE_DEMO_DATABASE_URL=... GOLIVE_DEMO_JWT_SECRET=... \\
        python -m golive.demo.webapp --port 8001 --release v1 [--broken]

Secrets come from the environment, never from argv (argv is visible to every user).
The broken variant is the same code with deliberate defects: no security headers,
admin endpoint open to any valid token, cookie without Secure/HttpOnly, static files
without cache headers, slow responses, a leftover debug endpoint, a build's ``.env`` file
served to anyone, and a database pool too small for its slow query (503s under load).
Both releases link a project lookup, a search page and a "go to" redirect from the home
page; the broken twin concatenates the lookup's ``name`` into its SQL (and shows the
database error), echoes the search's ``q`` unescaped into the page, and redirects ``to``
anywhere. The good twin binds the parameter, escapes the output and redirects only to a
path of its own. Both also link a link preview (``/api/preview?url=``), a comments page
(``/comments``, a POST form) and a theme form (``POST /api/preferences``, signed in by the
session cookie): the broken twin fetches any URL server-side (SSRF), shows comments
unescaped (stored XSS), takes the theme from any origin (CSRF) and accepts expired
tokens; the good twin fetches only allow-listed hosts, escapes, refuses a foreign
``Origin`` and checks expiry. ``/api/projects/{id}`` reads one project as the caller
(row-level security); the broken twin reads it as the service role, for anyone.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import hashlib
import html
import json
import os
import sys
import time
from collections import defaultdict, deque
from collections.abc import AsyncIterator, Awaitable, Callable, Mapping, MutableMapping
from dataclasses import dataclass
from importlib import resources
from typing import Any
from urllib.parse import parse_qs, urlsplit

import anyio.to_thread
import httpx
import jwt
import psycopg
from psycopg.rows import dict_row
from psycopg_pool import AsyncConnectionPool, PoolTimeout
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import HTMLResponse, JSONResponse, RedirectResponse, Response
from starlette.routing import Route

from golive.demo._passwords import verify_password

__all__ = ["JWT_AUDIENCE", "JWT_ISSUER", "Settings", "create_app", "main"]

JWT_ISSUER = "golive-demo"
JWT_AUDIENCE = "golive-demo-api"
TOKEN_TTL = 900
SESSION_COOKIE = "session"
_DUMMY_HASH = (
    "scrypt$16384$8$1$AAAAAAAAAAAAAAAAAAAAAA==$AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA="
)

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]

SECURITY_HEADERS: list[tuple[bytes, bytes]] = [
    (b"content-security-policy",
     b"default-src 'self'; script-src 'self'; object-src 'none'; base-uri 'self'; "
     b"form-action 'self'; frame-ancestors 'none'"),
    (b"strict-transport-security", b"max-age=63072000; includeSubDomains"),
    (b"x-content-type-options", b"nosniff"),
    (b"referrer-policy", b"strict-origin-when-cross-origin"),
    (b"x-frame-options", b"DENY"),
    (b"permissions-policy", b"camera=(), microphone=(), geolocation=()"),
    (b"cross-origin-opener-policy", b"same-origin"),
]  # fmt: skip


_PROJECTS_SQL = (
    "SELECT id, name, visibility, owner_id::text AS owner_id FROM public.projects ORDER BY id"
)
# The broken twin's unindexed, uncached query that nobody fixed: it holds a pooled
# connection for 300 ms, so under load its small pool runs dry and requests get 503.
_SLOW_PROJECTS_SQL = (
    "SELECT id, name, visibility, owner_id::text AS owner_id"
    " FROM public.projects, pg_sleep(0.3) ORDER BY id"
)


_PROJECT_SQL = (
    "SELECT id, name, visibility, owner_id::text AS owner_id FROM public.projects WHERE id = %s"
)
_FIND_SQL = "SELECT id, name, visibility FROM public.projects WHERE name = %s ORDER BY id"
_SEARCH_SQL = "SELECT name FROM public.projects WHERE name ILIKE %s ORDER BY name LIMIT 20"


def _own_path(target: str) -> bool:
    """A redirect target on this site: an absolute path, not ``//host`` or ``/\\host``
    (browsers read both as another host), with no scheme or host of its own."""
    parts = urlsplit(target)
    return (
        target.startswith("/")
        and not target.startswith(("//", "/\\"))
        and not parts.scheme
        and not parts.netloc
    )


PREVIEW_HOSTS = frozenset({"status.example.com"})  # the good twin previews only these


_LEAKED_DOTENV = (
    b"# .env (production build)\n"
    b"NODE_ENV=production\n"
    b"NEXT_PUBLIC_SUPABASE_URL=https://db.example.invalid\n"
    b"SUPABASE_SERVICE_ROLE_KEY=placeholder-not-a-real-key\n"
    b"DEBUG=true\n"
)


# The variables a release needs (names only; /health reports which are missing, never a
# value). The broken twin's release added a cache backend whose URL its deployment was
# never given: it starts anyway and runs without it.
REQUIRED_ENV = ("GOLIVE_DEMO_DATABASE_URL", "GOLIVE_DEMO_JWT_SECRET")
BROKEN_REQUIRED_ENV = (*REQUIRED_ENV, "GOLIVE_DEMO_CACHE_URL")


def config_check(required: tuple[str, ...], environ: Mapping[str, str]) -> dict[str, Any]:
    """The start-up validation of the environment: which required names are set (no values)."""
    missing = [name for name in required if not environ.get(name)]
    return {"status": "missing" if missing else "ok", "required": len(required),
            "missing": missing}  # fmt: skip


@dataclass(frozen=True)
class Settings:
    release: str
    database_url: str
    jwt_secret: str
    broken: bool = False
    pool_max: int = 20
    config: tuple[tuple[str, Any], ...] = (("status", "ok"), ("required", 0), ("missing", []))


def log(**fields: Any) -> None:
    """One JSON line per event on stdout: what a log shipper would forward."""
    fields.setdefault("ts", round(time.time(), 3))
    print(json.dumps(fields, default=str), flush=True)


class EdgeMiddleware:
    """Adds X-Release (and, unless broken, the security headers) to every response,
    and writes one access-log line per request."""

    def __init__(self, app: ASGIApp, settings: Settings) -> None:
        self.app = app
        self.release = settings.release
        self.broken = settings.broken
        self.headers = [] if settings.broken else SECURITY_HEADERS

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()
        status = 500
        if self.broken and scope.get("path") != "/health":
            # The broken twin's chatty middleware stack (session lookups, synchronous
            # logging) that nobody profiled: every page and API call pays for it.
            await asyncio.sleep(0.25)

        async def send_wrapper(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = int(message["status"])
                headers = list(message.get("headers", []))
                present = {name.lower() for name, _ in headers}
                headers += [(k, v) for k, v in self.headers if k not in present]
                headers.append((b"x-release", self.release.encode()))
                message = {**message, "headers": headers}
            await send(message)

        try:
            await self.app(scope, receive, send_wrapper)
        finally:
            log(
                level="ERROR" if status >= 500 else "INFO",
                logger="access",
                method=scope.get("method"),
                path=scope.get("path"),
                status=status,
                latency_ms=round((time.perf_counter() - started) * 1000, 2),
                release=self.release,
            )


class App:
    """Route handlers over one connection pool."""

    def __init__(self, settings: Settings) -> None:
        self.s = settings
        self.pool = AsyncConnectionPool(
            settings.database_url,
            min_size=2,
            max_size=settings.pool_max,
            open=False,
            # broken: a pool too small for its slow query waits only briefly, then fails
            timeout=0.5 if settings.broken else 5.0,
            kwargs={"application_name": f"golive-webapp-{settings.release}", "connect_timeout": 5},
        )
        self.static_js = resources.files("golive.demo").joinpath("static", "app.js").read_bytes()
        self.static_etag = '"' + hashlib.sha256(self.static_js).hexdigest()[:16] + '"'
        self._cache: tuple[float, list[dict[str, Any]]] | None = None
        self._failures: dict[str, deque[float]] = defaultdict(deque)
        self._comments: deque[tuple[str, str]] = deque(maxlen=50)
        self._themes: dict[str, str] = {}

    @contextlib.asynccontextmanager
    async def lifespan(self, _app: Starlette) -> AsyncIterator[None]:
        await self.pool.open(wait=True, timeout=15.0)
        log(level="INFO", logger="app", event="startup", release=self.s.release)
        try:
            yield
        finally:
            await self.pool.close()

    async def query(
        self, role: str, sub: str | None, statement: str, params: tuple[Any, ...] | None = ()
    ) -> list[dict[str, Any]]:
        """Run ``statement`` as an API role, with the JWT subject visible to RLS policies."""
        async with self.pool.connection() as conn:
            await conn.execute(
                "SELECT set_config('role', %s, true),"
                " set_config('request.jwt.claim.sub', %s, true)",
                (role, sub or ""),
            )
            cur = conn.cursor(row_factory=dict_row)
            await cur.execute(statement.encode(), params)
            return await cur.fetchall() if cur.description else []

    # --- auth -----------------------------------------------------------------
    def claims(self, request: Request) -> dict[str, Any] | None:
        header = request.headers.get("authorization", "")
        token = header[7:].strip() if header.lower().startswith("bearer ") else None
        token = token or request.cookies.get(SESSION_COOKIE)
        if not token:
            return None
        try:
            claims: dict[str, Any] = jwt.decode(
                token,
                self.s.jwt_secret,
                algorithms=["HS256"],
                audience=JWT_AUDIENCE,
                issuer=JWT_ISSUER,
                # broken: expiry not checked (a leaked old token works forever)
                options={"require": ["exp", "iat", "sub", "role"], "verify_exp": not self.s.broken},
            )
        except jwt.PyJWTError:
            return None
        return claims

    def _too_many_failures(self, client: str) -> bool:
        if self.s.broken:
            return False  # broken: no brute-force protection
        window = self._failures[client]
        now = time.monotonic()
        while window and now - window[0] > 60:
            window.popleft()
        return len(window) >= 10

    async def login(self, request: Request) -> Response:
        client = request.client.host if request.client else "?"
        if self._too_many_failures(client):
            return JSONResponse({"error": "too_many_attempts"}, 429, {"retry-after": "60"})
        try:
            body = await request.json()
            email, password = str(body["email"]), str(body["password"])
        except (ValueError, KeyError, TypeError):
            return JSONResponse({"error": "email and password required"}, 400)
        rows = await self.query(
            "service_role", None,
            "SELECT id::text AS id, email, role, password_hash FROM auth.users WHERE email = %s",
            (email,),
        )  # fmt: skip
        user = rows[0] if rows else None
        stored = user["password_hash"] if user else _DUMMY_HASH  # same work for unknown users
        ok = await anyio.to_thread.run_sync(verify_password, password, stored)
        if not ok or user is None:
            self._failures[client].append(time.monotonic())
            log(level="WARN", logger="security", event="auth_failure", email=email, ip=client)
            await self.query(
                "service_role", None,
                "INSERT INTO public.audit_log (actor_id, action, detail) VALUES (%s, %s, %s)",
                (user["id"] if user else None, "auth_failure",
                 json.dumps({"email": email, "ip": client})),
            )  # fmt: skip
            return JSONResponse({"error": "invalid credentials"}, 401)
        now = int(time.time())
        token = jwt.encode(
            {
                "sub": user["id"], "email": user["email"], "role": user["role"],
                "iss": JWT_ISSUER, "aud": JWT_AUDIENCE, "iat": now, "exp": now + TOKEN_TTL,
            },
            self.s.jwt_secret,
            algorithm="HS256",
        )  # fmt: skip
        log(level="INFO", logger="security", event="login", email=email, ip=client)
        await self.query(
            "service_role", None,
            "INSERT INTO public.audit_log (actor_id, action, detail) VALUES (%s, 'login', %s)",
            (user["id"], json.dumps({"ip": client})),
        )  # fmt: skip
        resp = JSONResponse(
            {"access_token": token, "token_type": "bearer", "expires_in": TOKEN_TTL,
             "role": user["role"]},
            headers={"cache-control": "no-store"},
        )  # fmt: skip
        if self.s.broken:
            resp.set_cookie(SESSION_COOKIE, token, max_age=TOKEN_TTL, path="/", samesite=None)
        else:
            resp.set_cookie(
                SESSION_COOKIE, token, max_age=TOKEN_TTL, path="/",
                secure=True, httponly=True, samesite="strict",
            )  # fmt: skip
        return resp

    async def logout(self, _request: Request) -> Response:
        resp = JSONResponse({"status": "logged out"}, headers={"cache-control": "no-store"})
        resp.delete_cookie(SESSION_COOKIE, path="/", secure=not self.s.broken, httponly=True)
        return resp

    # --- endpoints --------------------------------------------------------------
    async def health(self, _request: Request) -> Response:
        started = time.perf_counter()
        try:
            async with self.pool.connection(timeout=2.0) as conn:
                await conn.execute("SELECT 1")
            db = "ok"
        except Exception as exc:  # any database failure makes the instance unhealthy
            db = f"error: {type(exc).__name__}"
        config = dict(self.s.config)
        body = {
            "status": "ok" if db == "ok" and config["status"] == "ok" else "degraded",
            "release": self.s.release,
            "database": db,
            "config": config,
            "db_ms": round((time.perf_counter() - started) * 1000, 2),
        }
        return JSONResponse(body, 200 if db == "ok" else 503, {"cache-control": "no-store"})

    async def version(self, _request: Request) -> Response:
        """The release this instance serves (golive's rollback drill waits for it)."""
        headers = {"cache-control": "no-store", "x-release": self.s.release}
        return JSONResponse({"version": self.s.release}, 200, headers)

    async def projects(self, request: Request) -> Response:
        claims = self.claims(request)
        statement = _PROJECTS_SQL
        if self.s.broken:
            rows = await self.query(
                "authenticated" if claims else "anon",
                claims["sub"] if claims else None,
                _SLOW_PROJECTS_SQL,
            )
            return JSONResponse({"projects": rows})
        if claims:
            rows = await self.query("authenticated", claims["sub"], statement)
            return JSONResponse({"projects": rows}, headers={"cache-control": "private, no-store"})
        # Anonymous listing: the same for everyone, so cached briefly in-process and shared.
        now = time.monotonic()
        if self._cache is not None and now - self._cache[0] < 2.0:
            rows, hit = self._cache[1], "HIT"
        else:
            rows, hit = await self.query("anon", None, statement), "MISS"
            self._cache = (now, rows)
        return JSONResponse(
            {"projects": rows},
            headers={
                "cache-control": "public, max-age=5, stale-while-revalidate=30",
                "x-cache": hit,
            },
        )

    async def project(self, request: Request) -> Response:
        """One project by id, read as the caller: row-level security shows own and public
        rows (broken: read as the service role, past row-level security, for anyone)."""
        claims = self.claims(request)
        key = (int(request.path_params["id"]),)
        if self.s.broken:
            rows = await self.query("service_role", None, _PROJECT_SQL, key)
        elif claims:
            rows = await self.query("authenticated", claims["sub"], _PROJECT_SQL, key)
        else:
            rows = await self.query("anon", None, _PROJECT_SQL, key)
        if not rows:
            return JSONResponse({"error": "not found"}, 404, {"cache-control": "no-store"})
        return JSONResponse(rows[0], headers={"cache-control": "private, no-store"})

    async def me(self, request: Request) -> Response:
        claims = self.claims(request)
        if claims is None:
            return _unauthorized()
        rows = await self.query(
            "authenticated", claims["sub"],
            "SELECT id::text AS id, email, display_name FROM public.profiles",
        )  # fmt: skip
        return JSONResponse(
            {"profile": rows[0] if rows else None, "role": claims["role"]},
            headers={"cache-control": "private, no-store"},
        )

    async def admin_users(self, request: Request) -> Response:
        claims = self.claims(request)
        if claims is None:
            return _unauthorized()
        if not self.s.broken and claims.get("role") != "admin":
            log(level="WARN", logger="security", event="forbidden", sub=claims.get("sub"),
                path=request.url.path)  # fmt: skip
            return JSONResponse({"error": "forbidden"}, 403, {"cache-control": "no-store"})
        rows = await self.query(
            "service_role", None,
            "SELECT u.id::text AS id, u.email, u.role, p.display_name"
            " FROM auth.users u LEFT JOIN public.profiles p ON p.id = u.id ORDER BY u.email",
        )  # fmt: skip
        return JSONResponse({"users": rows}, headers={"cache-control": "private, no-store"})

    async def index(self, request: Request) -> Response:
        return HTMLResponse(
            "<!doctype html><html lang=en><head><meta charset=utf-8><title>golive demo</title>"
            '<script src="/static/app.js" defer></script></head>'
            f"<body><h1>golive demo ({self.s.release})</h1><ul id=projects></ul>"
            '<form action="/search" method="get"><input name="q" value="status">'
            '<button type="submit">search</button></form>'
            '<p><a href="/api/projects/find?name=status-page">status-page</a> · '
            '<a href="/go?to=/health">health</a> · '
            f'<a href="/api/preview?url={html.escape(str(request.base_url))}health">preview</a>'
            ' · <a href="/comments">comments</a></p>'
            '<form action="/api/preferences" method="post"><input name="theme" value="light">'
            '<button type="submit">save</button></form></body></html>',
            headers={"cache-control": "no-cache"},
        )

    async def preview(self, request: Request) -> Response:
        """A link preview: the status and size of the page at ``url``."""
        url = request.query_params.get("url", "")
        if not self.s.broken and urlsplit(url).hostname not in PREVIEW_HOSTS:
            return JSONResponse({"error": "host not allowed"}, 400)  # good: allow-list
        try:  # broken: any URL, the internal network included, fetched by the server
            async with httpx.AsyncClient(timeout=2.0, trust_env=False) as client:
                fetched = await client.get(url)
        except (httpx.HTTPError, ValueError) as exc:
            return JSONResponse({"error": type(exc).__name__}, 502)
        return JSONResponse({"status": fetched.status_code, "bytes": len(fetched.content)})

    async def comments(self, request: Request) -> Response:
        if request.method == "POST":
            form = parse_qs((await request.body()).decode("utf-8", "replace"))
            text = (form.get("text") or [""])[0][:500]
            if text:
                self._comments.append(((form.get("author") or ["anonymous"])[0][:50], text))
            return RedirectResponse("/comments", 303)
        show = (lambda t: t) if self.s.broken else html.escape  # broken: stored, shown raw
        items = "".join(f"<li>{show(a)}: {show(t)}</li>" for a, t in self._comments)
        return HTMLResponse(
            "<!doctype html><html lang=en><head><meta charset=utf-8><title>comments</title>"
            f"</head><body><ul>{items}</ul><form action=/comments method=post>"
            '<input name="author" value="ann"><textarea name="text"></textarea>'
            "<button>post</button></form></body></html>",
            headers={"cache-control": "no-store"},
        )

    async def preferences(self, request: Request) -> Response:
        claims = self.claims(request)  # a bearer token or the session cookie
        if claims is None:
            return _unauthorized()
        origin = request.headers.get("origin")
        if not self.s.broken and origin and urlsplit(origin).netloc != request.url.netloc:
            return JSONResponse({"error": "cross-site request refused"}, 403)  # good
        form = parse_qs((await request.body()).decode("utf-8", "replace"))
        self._themes[str(claims["sub"])] = (form.get("theme") or ["light"])[0][:20]
        return JSONResponse({"theme": self._themes[str(claims["sub"])]},
                            headers={"cache-control": "no-store"})  # fmt: skip

    async def static_app_js(self, request: Request) -> Response:
        headers = {"etag": self.static_etag}
        if not self.s.broken:
            headers["cache-control"] = "public, max-age=31536000, immutable"
        if request.headers.get("if-none-match") == self.static_etag:
            return Response(status_code=304, headers=headers)
        return Response(self.static_js, media_type="application/javascript", headers=headers)

    async def find_project(self, request: Request) -> Response:
        """Public projects by exact name (anonymous role: RLS shows public rows only)."""
        name = request.query_params.get("name", "")
        if not self.s.broken:
            rows = await self.query("anon", None, _FIND_SQL, (name,))
            return JSONResponse({"projects": rows}, headers={"cache-control": "no-store"})
        # broken: the name pasted into the SQL text, and the database's error shown
        statement = (
            "SELECT id, name, visibility FROM public.projects WHERE name = '"  # noqa: S608
            + name
            + "' ORDER BY id"
        )
        try:
            rows = await self.query("anon", None, statement, None)
        except psycopg.Error as exc:
            return JSONResponse({"error": str(exc)}, 500)
        return JSONResponse({"projects": rows})

    async def search(self, request: Request) -> Response:
        q = request.query_params.get("q", "")
        rows = await self.query("anon", None, _SEARCH_SQL, (f"%{q}%",))
        shown = q if self.s.broken else html.escape(q)  # broken: the input echoed raw
        items = "".join(f"<li>{html.escape(str(r['name']))}</li>" for r in rows)
        return HTMLResponse(
            "<!doctype html><html lang=en><head><meta charset=utf-8><title>search</title>"
            f"</head><body><p>{len(rows)} result(s) for {shown}</p><ul>{items}</ul>"
            '<form action="/search" method="get"><input name="q"></form></body></html>',
            headers={"cache-control": "no-store"},
        )

    async def go(self, request: Request) -> Response:
        target = request.query_params.get("to", "/")
        if not self.s.broken and not _own_path(target):
            target = "/"  # good: only a path of this site
        return RedirectResponse(target, 303)

    async def slow(self, _request: Request) -> Response:
        await asyncio.sleep(2.0)  # leftover debug endpoint (broken only)
        return JSONResponse({"slow": True})

    async def dotenv(self, _request: Request) -> Response:
        """The build's environment file, copied into the served folder by mistake
        (broken only; the values are placeholders, not the stack's secrets)."""
        return Response(_LEAKED_DOTENV, media_type="text/plain")


async def _database_busy(_request: Request, exc: Exception) -> Response:
    log(level="ERROR", logger="app", event="database_unavailable", error=type(exc).__name__)
    return JSONResponse({"error": "database unavailable"}, 503, {"retry-after": "1"})


def _unauthorized() -> Response:
    return JSONResponse(
        {"error": "unauthorized"}, 401, {"www-authenticate": "Bearer", "cache-control": "no-store"}
    )


def create_app(settings: Settings) -> ASGIApp:
    handlers = App(settings)
    routes = [
        Route("/", handlers.index),
        Route("/health", handlers.health),
        Route("/version", handlers.version),
        Route("/static/app.js", handlers.static_app_js),
        Route("/api/projects", handlers.projects),
        Route("/api/login", handlers.login, methods=["POST"]),
        Route("/api/logout", handlers.logout, methods=["POST"]),
        Route("/api/me", handlers.me),
        Route("/api/admin/users", handlers.admin_users),
        Route("/api/projects/find", handlers.find_project),
        Route("/api/projects/{id:int}", handlers.project),
        Route("/search", handlers.search),
        Route("/go", handlers.go),
        Route("/api/preview", handlers.preview),
        Route("/comments", handlers.comments, methods=["GET", "POST"]),
        Route("/api/preferences", handlers.preferences, methods=["POST"]),
    ]
    if settings.broken:
        routes.append(Route("/api/slow", handlers.slow))
        routes.append(Route("/.env", handlers.dotenv))
    app = Starlette(
        routes=routes,
        lifespan=handlers.lifespan,
        exception_handlers={PoolTimeout: _database_busy, psycopg.OperationalError: _database_busy},
    )
    return EdgeMiddleware(app, settings)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m golive.demo.webapp")
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--release", required=True)
    parser.add_argument("--broken", action="store_true")
    args = parser.parse_args(argv)
    database_url = os.environ.get("GOLIVE_DEMO_DATABASE_URL")
    secret = os.environ.get("GOLIVE_DEMO_JWT_SECRET")
    if not database_url or not secret:
        print("GOLIVE_DEMO_DATABASE_URL and GOLIVE_DEMO_JWT_SECRET must be set", file=sys.stderr)
        return 2
    import uvicorn

    checked = config_check(BROKEN_REQUIRED_ENV if args.broken else REQUIRED_ENV, os.environ)
    if checked["missing"]:
        log(level="WARN", logger="app", event="config_missing", missing=checked["missing"])
    settings = Settings(
        release=args.release,
        database_url=database_url,
        jwt_secret=secret,
        broken=args.broken,
        pool_max=2 if args.broken else 20,
        config=tuple(checked.items()),
    )
    uvicorn.run(
        create_app(settings),
        host="127.0.0.1",
        port=args.port,
        log_level="warning",
        access_log=False,  # EdgeMiddleware writes JSON access lines
        server_header=args.broken,  # good: do not advertise the server software
        timeout_keep_alive=75,  # longer than the proxy's pool expiry: no reuse races
        timeout_graceful_shutdown=10,
        lifespan="on",
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
