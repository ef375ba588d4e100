"""A small target for the load self-tests: the endpoints the locustfile hits, two modes.

``fast``: quick answers, a cached anonymous listing (``X-Cache: HIT``/``MISS``, a miss
costs 20 ms), a long-lived static asset, login and an authenticated profile.
``slow``: every answer takes 250 ms, every twentieth is a 503, nothing is cacheable.
``shop``: a different application (not the demo's endpoints): ``GET /v1/catalog``,
``POST /v1/orders`` (JSON body, answers 201) and ``GET /v1/account`` (bearer token).
``--tls-cert C --tls-key K`` (any mode): HTTPS.
``--delay-ms D`` (any mode): every answer waits D ms first, as an app that queries a
database would. ``--stall-s S --period-s P`` (any mode): the server stalls S seconds
every P seconds, as a GC pause or a blocked event loop would; a request that arrives
during a stall is answered when it ends, so its true latency follows from the schedule.

Run as its own process (uvicorn on 127.0.0.1, port chosen by the kernel)::

    python selftests/load/app.py --mode fast --port-file PATH [--stall-s 1 --period-s 5]
"""

from __future__ import annotations

import argparse
import asyncio
import itertools
import socket
import time
from pathlib import Path

import uvicorn
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

EMAIL, PASSWORD, TOKEN = "load@example.com", "load-test-password", "token-for-load-tests"
SHOP_TOKEN = "shop-api-token"
_JS = b"document.title = 'golive load target';\n" * 20


def create_app(
    mode: str, stall_s: float = 0.0, period_s: float = 5.0, delay_s: float = 0.0
) -> Starlette:
    slow = mode == "slow"
    cache: dict[str, float] = {}
    served = itertools.count(1)
    epoch = time.monotonic()

    async def pace() -> Response | None:
        if delay_s > 0:
            await asyncio.sleep(delay_s)
        if stall_s > 0:
            phase = (time.monotonic() - epoch) % period_s
            if phase < stall_s:
                await asyncio.sleep(stall_s - phase)
        if slow:
            await asyncio.sleep(0.25)
            if next(served) % 20 == 0:  # every twentieth answer fails: 5 %, deterministic
                return JSONResponse({"error": "overloaded"}, 503)
        return None

    async def health(_request: Request) -> Response:
        return await pace() or JSONResponse({"status": "ok"}, headers={"cache-control": "no-store"})

    async def projects(_request: Request) -> Response:
        if failed := await pace():
            return failed
        if slow:
            return JSONResponse({"projects": [1, 2, 3]})
        now = time.monotonic()
        hit = now - cache.get("projects", -10.0) < 1.0
        if not hit:
            await asyncio.sleep(0.02)  # the query a cache saves
            cache["projects"] = now
        return JSONResponse(
            {"projects": [1, 2, 3]},
            headers={"cache-control": "public, max-age=5", "x-cache": "HIT" if hit else "MISS"},
        )

    async def static(_request: Request) -> Response:
        if failed := await pace():
            return failed
        headers = {} if slow else {"cache-control": "public, max-age=31536000, immutable"}
        return Response(_JS, media_type="application/javascript", headers=headers)

    async def login(request: Request) -> Response:
        if failed := await pace():
            return failed
        body = await request.json()
        if body.get("email") == EMAIL and body.get("password") == PASSWORD:
            return JSONResponse({"access_token": TOKEN}, headers={"cache-control": "no-store"})
        return JSONResponse({"error": "invalid credentials"}, 401)

    async def me(request: Request) -> Response:
        if failed := await pace():
            return failed
        if request.headers.get("authorization") != f"Bearer {TOKEN}":
            return JSONResponse({"error": "unauthorized"}, 401)
        return JSONResponse({"email": EMAIL}, headers={"cache-control": "private, no-store"})

    async def catalog(_request: Request) -> Response:
        return await pace() or JSONResponse({"items": ["a", "b"]})

    async def orders(request: Request) -> Response:
        if failed := await pace():
            return failed
        body = await request.json()
        if not isinstance(body, dict) or "item" not in body:
            return JSONResponse({"error": "item required"}, 422)
        return JSONResponse({"order": body["item"]}, 201)

    async def account(request: Request) -> Response:
        if failed := await pace():
            return failed
        if request.headers.get("authorization") != f"Bearer {SHOP_TOKEN}":
            return JSONResponse({"error": "unauthorized"}, 401)
        return JSONResponse({"account": "shop"})

    if mode == "shop":
        return Starlette(
            routes=[
                Route("/", catalog),
                Route("/v1/catalog", catalog),
                Route("/v1/orders", orders, methods=["POST"]),
                Route("/v1/account", account),
            ]
        )
    return Starlette(
        routes=[
            Route("/health", health),
            Route("/api/projects", projects),
            Route("/static/app.js", static),
            Route("/api/login", login, methods=["POST"]),
            Route("/api/me", me),
        ]
    )


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--mode", choices=["fast", "slow", "shop"], default="fast")
    parser.add_argument("--stall-s", type=float, default=0.0)
    parser.add_argument("--period-s", type=float, default=5.0)
    parser.add_argument("--delay-ms", type=float, default=0.0, help="added to every answer")
    parser.add_argument("--port-file", type=Path, required=True)
    parser.add_argument("--tls-cert", type=Path, help="serve HTTPS with this certificate")
    parser.add_argument("--tls-key", type=Path, help="and this key")
    args = parser.parse_args()
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    # accepted sockets inherit it: without it, keep-alive answers wait ~40 ms for a delayed ACK
    sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    sock.bind(("127.0.0.1", 0))
    app = create_app(args.mode, args.stall_s, args.period_s, args.delay_ms / 1000)
    # a deep backlog: open-model arrivals during a stall still connect at once
    tls: dict[str, str] = {}
    if args.tls_cert:
        tls = {"ssl_certfile": str(args.tls_cert), "ssl_keyfile": str(args.tls_key)}
    config = uvicorn.Config(app, log_level="warning", access_log=False, backlog=4096, **tls)
    server = uvicorn.Server(config)
    tmp = args.port_file.with_suffix(".tmp")
    tmp.write_text(str(sock.getsockname()[1]), encoding="utf-8")
    tmp.replace(args.port_file)
    server.run(sockets=[sock])


if __name__ == "__main__":
    main()
