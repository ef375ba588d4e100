"""A local stand-in for GitHub, Vercel and Datadog serving recorded answers on 127.0.0.1:0.

It checks the credentials and headers each service requires and paginates as each does:
GitHub by ``per_page``/``page`` with a ``Link`` header (next pages under
``/repositories/{id}/…`` as GitHub writes them), Vercel by ``limit``/``until`` with a
``pagination`` object, Datadog not at all.
"""

from __future__ import annotations

import json
import socket
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest

HERE = Path(__file__).parent
RECORDED = HERE / "recorded"
EXPORTS = HERE / "exports"

GITHUB_TOKEN = "ghp_RecordedToken0000000000000000000000"
GITHUB_EXHAUSTED = "ghp_RateLimited0000000000000000000000000"
VERCEL_TOKEN = "vc_RecordedToken000000000000"
DD_API_KEY = "0123456789abcdef0123456789abcdef"
DD_APP_KEY = "fedcba9876543210fedcba9876543210fedcba98"
REPOSITORY = "acme/acme-web"
REPOSITORY_ID = 891234567
PROJECT = "prj_acmeweb0demo"


def _load(relative: str) -> Any:
    return json.loads((RECORDED / relative).read_text(encoding="utf-8"))


@dataclass
class RecordedApi:
    """The running server: its URL and the requests it answered."""

    url: str
    dataset: str
    requests: list[tuple[str, dict[str, str]]] = field(default_factory=list)


class _Handler(BaseHTTPRequestHandler):
    api: RecordedApi

    def log_message(self, format: str, *args: Any) -> None:  # keep test output quiet
        pass

    def _send(self, status: int, body: Any, headers: dict[str, str] | None = None) -> None:
        data = json.dumps(body).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json; charset=utf-8")
        self.send_header("Content-Length", str(len(data)))
        for name, value in (headers or {}).items():
            self.send_header(name, value)
        self.end_headers()
        self.wfile.write(data)

    def do_GET(self) -> None:
        parts = urlsplit(self.path)
        query = {k: v[-1] for k, v in parse_qs(parts.query).items()}
        self.api.requests.append((self.path, dict(self.headers.items())))
        path = parts.path
        if path.startswith(("/repos/", "/repositories/")):
            self._github(path, query)
        elif path == "/v6/deployments":
            self._vercel(query)
        elif path.startswith("/api/v1/"):
            self._datadog(path)
        else:
            self._send(404, {"message": "Not Found"})

    # GitHub -----------------------------------------------------------------------------
    def _github(self, path: str, query: dict[str, str]) -> None:
        auth = self.headers.get("Authorization")
        if auth == f"Bearer {GITHUB_EXHAUSTED}":
            self._send(403, _load("github/403-rate-limited.json"),
                       {"x-ratelimit-limit": "5000", "x-ratelimit-remaining": "0"})
            return
        if auth != f"Bearer {GITHUB_TOKEN}":
            self._send(401, _load("github/401.json"))
            return
        if self.headers.get("X-GitHub-Api-Version") != "2022-11-28":
            self._send(400, {"message": "Unsupported API version"})
            return
        known = (f"/repos/{REPOSITORY}/actions/runs", f"/repositories/{REPOSITORY_ID}/actions/runs")
        if path not in known:
            self._send(404, {"message": "Not Found",
                             "documentation_url": "https://docs.github.com/rest"})
            return
        runs = _load(f"github/{self.api.dataset}.json")["workflow_runs"]
        per_page = min(100, int(query.get("per_page", 30)))
        page = int(query.get("page", 1))
        last = max(1, -(-len(runs) // per_page))
        base = f"{self.api.url}/repositories/{REPOSITORY_ID}/actions/runs?per_page={per_page}"
        links = []
        if page < last:
            links += [f'<{base}&page={page + 1}>; rel="next"', f'<{base}&page={last}>; rel="last"']
        if page > 1:
            links += [f'<{base}&page={page - 1}>; rel="prev"', f'<{base}&page=1>; rel="first"']
        chunk = runs[(page - 1) * per_page: page * per_page]
        self._send(200, {"total_count": len(runs), "workflow_runs": chunk},
                   {"Link": ", ".join(links)} if links else {})

    # Vercel -----------------------------------------------------------------------------
    def _vercel(self, query: dict[str, str]) -> None:
        if self.headers.get("Authorization") != f"Bearer {VERCEL_TOKEN}":
            self._send(403, _load("vercel/403.json"))
            return
        if query.get("projectId") != PROJECT:
            self._send(404, {"error": {"code": "not_found", "message": "Project not found"}})
            return
        found = _load(f"vercel/{self.api.dataset}.json")["deployments"]
        if "until" in query:
            found = [d for d in found if d["createdAt"] < int(query["until"])]
        limit = min(100, int(query.get("limit", 20)))
        page, more = found[:limit], len(found) > limit
        pagination = {"count": len(page), "next": page[-1]["createdAt"] if more else None,
                      "prev": page[0]["createdAt"] if page else None}
        self._send(200, {"deployments": page, "pagination": pagination})

    # Datadog ----------------------------------------------------------------------------
    def _datadog(self, path: str) -> None:
        if (self.headers.get("DD-API-KEY"), self.headers.get("DD-APPLICATION-KEY")) != (
            DD_API_KEY, DD_APP_KEY
        ):
            self._send(403, _load("datadog/403.json"))
            return
        folder = f"datadog/{self.api.dataset}"
        if path == "/api/v1/monitor":
            self._send(200, _load(f"{folder}/monitors.json"))
        elif path == "/api/v1/dashboard":
            self._send(200, _load(f"{folder}/dashboards.json"))
        elif (RECORDED / folder / "dashboard" / f"{path.rsplit('/', 1)[-1]}.json").is_file():
            self._send(200, _load(f"{folder}/dashboard/{path.rsplit('/', 1)[-1]}.json"))
        else:
            self._send(404, {"errors": ["Dashboard not found"]})


@pytest.fixture
def recorded_api() -> Iterator[Callable[[str], RecordedApi]]:
    """Start a recorded API server for a dataset ("good" or "bad"); stopped after the test."""
    servers: list[ThreadingHTTPServer] = []
    threads: list[threading.Thread] = []

    def start(dataset: str = "good") -> RecordedApi:
        server = ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
        api = RecordedApi(url=f"http://127.0.0.1:{server.server_address[1]}", dataset=dataset)
        server.RequestHandlerClass = type("Handler", (_Handler,), {"api": api})
        thread = threading.Thread(target=server.serve_forever, args=(0.02,), daemon=True)
        thread.start()
        servers.append(server)
        threads.append(thread)
        return api

    yield start
    for server in servers:
        server.shutdown()
        server.server_close()
    for thread in threads:
        thread.join(timeout=5)


@pytest.fixture
def closed_port_url() -> str:
    """A loopback URL where nothing listens (the port was bound, then released)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    return f"http://127.0.0.1:{port}"
