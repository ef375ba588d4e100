"""Secret canaries: unique values planted as every secret the config can hold, a real
`golive run` whose checks fail in ways that echo them, then every output grepped.

Planted: a DSN password (database_url = env:), a GitHub token, a Datadog API key, a webhook
URL's secret path, a load-test login password, a security-target identity's password and an
AWS secret key (ambient). Echoed by: a failing check's fixture argument (pytest prints it),
printed environment and a warning, a receiver answering with its own address, a finding
holding a URL with userinfo, a drill command printing its environment, a scanner printing
its environment. Scanned: stdout and stderr of `golive run`, every file under the output
folder (results.json, junit.xml, summary.md, readiness.html, pytest.log, the history and its
incident record), the scanner cache, and every notification body the receiver got.
"""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import threading
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from selftests.robustness._runs import static_ids

pytestmark = [pytest.mark.slow]

SUITE = """
import os
import sys
import warnings

import httpx
import pytest

from golive.config import resolve_secret
from golive.facts.live.commands import run_command
from golive.facts.live.drills import scrubber_for
from golive.facts.live.webhook import receiver_up
from golive.facts.scans.runner import run_scanner

PRINT_ENV = "import os; print(dict(os.environ))"


@pytest.fixture
def dsn(golive_session):
    return resolve_secret(golive_session.environment.database_url)


@pytest.fixture
def webhook(golive_session):
    return resolve_secret(golive_session.environment.webhook_url)


@pytest.mark.criterion("{ids[0]}")
def test_a_fixture_argument_holds_the_dsn(dsn):
    assert dsn.endswith("/elsewhere")  # pytest prints the argument, golive the assertion


@pytest.mark.criterion("{ids[1]}")
def test_the_environment_is_printed_and_warned():
    print({{k: v for k, v in os.environ.items() if k.startswith(("CANARY", "AWS"))}})
    warnings.warn("token in a warning: " + os.environ["CANARY_GH_TOKEN"])
    assert False, "login with " + os.environ["CANARY_LOGIN_PW"] + " refused"


@pytest.mark.criterion("{ids[2]}")
def test_the_receiver_echoes_its_address(webhook, evidence):
    answer = httpx.get(webhook, timeout=10).text
    evidence.record("receiver answer", answer)
    up, said = receiver_up(webhook)
    assert up, said + " / " + answer


@pytest.mark.criterion("{ids[3]}")
def test_a_finding_holds_a_url_with_userinfo(evidence):
    url = "http://admin:" + os.environ["CANARY_ADMIN_PW"] + "@127.0.0.1:9/"
    evidence.record("finding", url, aws=os.environ["AWS_SECRET_ACCESS_KEY"],
                    dd=os.environ["CANARY_DD_KEY"])
    assert False, url + " answered 200"


@pytest.mark.criterion("{ids[4]}")
def test_a_drill_command_prints_its_environment(golive_session, evidence):
    done = run_command("backup", [sys.executable, "-c", PRINT_ENV], timeout=60,
                       scrub=scrubber_for(golive_session.environment))
    evidence.record("drill", done.transcript())
    assert False, done.stdout[-3000:]


@pytest.mark.criterion("{ids[5]}")
def test_a_scanner_prints_its_environment(evidence):
    run = run_scanner("env", [], [])
    evidence.record("scanner log", run.stdout)
    assert False, run.stdout[-3000:]
"""

TARGETS = """login: {path: /api/login, username_field: email, password_field: password,
        token_field: access_token}
identities:
  admin: {username: env:CANARY_ADMIN_EMAIL, password: env:CANARY_ADMIN_PW, role: admin}
"""


@dataclass
class Receiver:
    """A Slack-like receiver: keeps what is posted, answers a GET with its own address (as
    a retired hook answering `no_service` might quote it)."""

    url: str
    bodies: list[str] = field(default_factory=list)


@pytest.fixture
def receiver() -> Iterator[tuple[Receiver, str]]:
    hook = f"hook{uuid.uuid4().hex[:16]}"
    got: list[str] = []

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            self._answer(404, f"no_service for {self.path}")

        def do_POST(self) -> None:
            length = int(self.headers.get("Content-Length") or 0)
            got.append(self.rfile.read(length).decode("utf-8", "replace"))
            self._answer(200, "ok")

        def _answer(self, status: int, text: str) -> None:
            body = text.encode()
            self.send_response(status)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args: object) -> None:
            return None

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    port = server.server_address[1]
    try:
        yield Receiver(f"http://127.0.0.1:{port}/services/T0/B0/{hook}", got), hook
    finally:
        server.shutdown()
        server.server_close()
        thread.join(5)


def _refused_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _canary(kind: str) -> str:
    return f"cnry{kind}{uuid.uuid4().hex[:12]}"


def _outputs(*folders: Path) -> Iterator[tuple[str, str]]:
    for folder in folders:
        for path in sorted(folder.rglob("*")):
            if path.is_file():
                yield str(path), path.read_text(encoding="utf-8", errors="replace")


# golive's console with pytest's output in pytest.log; pytest's own output on stdout (with
# locals); checks in xdist workers, whose reports travel to the controller
MODES = {
    "golive-console": ([], []),
    "pytest-verbose": ([], ["-v", "-l", "-rA"]),
    "xdist-workers": (["-n", "2"], []),
}


@pytest.mark.parametrize("mode", list(MODES))
def test_no_canary_reaches_any_output(
    tmp_path: Path, receiver: tuple[Receiver, str], mode: str
) -> None:
    options, pytest_args = MODES[mode]
    verbose = bool(pytest_args)
    sink, hook = receiver
    canaries = {
        "CANARY_DB_PASSWORD": _canary("db"),
        "CANARY_GH_TOKEN": _canary("gh"),
        "CANARY_DD_KEY": _canary("dd"),
        "CANARY_LOGIN_PW": _canary("login"),
        "CANARY_ADMIN_PW": _canary("admin"),
        "AWS_SECRET_ACCESS_KEY": _canary("aws"),
        "webhook path": hook,
    }
    env = {k: v for k, v in os.environ.items() if not k.startswith(("GOLIVE_", "AWS_"))}
    env |= {k: v for k, v in canaries.items() if k != "webhook path"}
    env |= {
        "CANARY_DSN": f"postgresql://app:{canaries['CANARY_DB_PASSWORD']}"
                      f"@127.0.0.1:{_refused_port()}/app",
        "CANARY_WEBHOOK": sink.url,
        "CANARY_EMAIL": "tester@example.com",
        "CANARY_ADMIN_EMAIL": "admin@example.com",
        "AWS_ACCESS_KEY_ID": "AKIAEXAMPLEKEYID",
        "GOLIVE_CACHE_DIR": str(tmp_path / "cache"),
    }  # fmt: skip
    ids = static_ids(6)
    suite = tmp_path / "suite"
    suite.mkdir()
    (suite / "test_canaries.py").write_text(SUITE.format(ids=ids), encoding="utf-8")
    (tmp_path / "targets.yaml").write_text(TARGETS, encoding="utf-8")
    (tmp_path / "golive.toml").write_text(
        'default_env = "staging"\n\n[environments.staging]\n'
        'database_url = "env:CANARY_DSN"\n'
        'webhook_url = "env:CANARY_WEBHOOK"\n'
        'github_token = "env:CANARY_GH_TOKEN"\n'
        'datadog_api_key = "env:CANARY_DD_KEY"\n'
        'security_targets = "targets.yaml"\n\n'
        "[environments.staging.load]\n"
        'login_email = "env:CANARY_EMAIL"\n'
        'login_password = "env:CANARY_LOGIN_PW"\n', encoding="utf-8")
    output = tmp_path / "out"
    done = subprocess.run(
        [sys.executable, "-m", "golive", "run", "--profile", "ci", "--config", "golive.toml",
         "--output", str(output), "--suite", str(suite), *options,
         "--", "--golive-notify=yes", *pytest_args],
        cwd=tmp_path, env=env, capture_output=True, text=True, timeout=600,
    )  # fmt: skip
    results = json.loads((output / "results.json").read_text(encoding="utf-8"))
    failed = {c["id"] for c in results["criteria"] if c["status"] == "fail"}
    # the checks really ran and failed the way that echoes (else nothing was tested)
    assert set(ids) <= failed, done.stdout[-3000:] + done.stderr[-3000:]
    assert sink.bodies, "the notification was not sent"
    assert (output / "history").is_dir()
    scanned = [("stdout", done.stdout), ("stderr", done.stderr)]
    scanned += list(_outputs(output, tmp_path / "cache"))
    scanned += [(f"notification {n}", body) for n, body in enumerate(sink.bodies)]
    assert any(name.endswith("pytest.log") for name, _ in scanned) or verbose
    leaks = [
        f"{secret} ({label}) in {name}"
        for name, text in scanned
        for label, secret in canaries.items()
        if secret in text
    ]
    print(f"canaries planted: {len(canaries)}; outputs scanned: {len(scanned)}"
          f" ({', '.join(Path(name).name for name, _ in scanned)}); canaries leaked: {len(leaks)}")
    assert not leaks, "\n".join(leaks)
    # the echoes did reach the outputs, masked: no canary because of the redaction, not
    # because an output was missing
    shown = done.stdout if verbose else (output / "pytest.log").read_text(encoding="utf-8")
    assert "dsn = '***'" in shown  # the fixture argument, masked whole
    assert "no_service for ***" in json.dumps(results)  # the receiver's answer
    assert any(ids[3] in body for body in sink.bodies)  # the notification names the failures
