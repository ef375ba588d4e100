"""Absence is not a pass: a notification webhook answering 4xx is down, and a security log
with events but no configuration change in the window leaves routine.config-change-history
not verified (a logged, attributed change passes; an unattributed one fails)."""

from __future__ import annotations

import json
import time
from collections.abc import Iterator, Mapping, Sequence
from http.server import BaseHTTPRequestHandler
from pathlib import Path

import boto3
import httpx
import pytest

from golive.demo import aws as demo_aws
from golive.demo._proc import ProcRecord, free_port, stop, wait_http
from golive.facts.live import webhook

from ._suite import run_suite, serving

pytestmark = [pytest.mark.xdist_group("absence")]

# path → (status, body): what Slack answers a live hook, a revoked one, a retired one
ANSWERS = {
    "/hooks/live": (200, "ok"),
    "/hooks/revoked": (403, "invalid_token"),
    "/hooks/retired": (404, "no_service"),
    "/hooks/archived": (410, "channel_is_archived"),
    "/hooks/broken": (500, "oops"),
}


class _Slack(BaseHTTPRequestHandler):
    def do_GET(self) -> None:
        status, body = ANSWERS.get(self.path, (404, "no_service"))
        self.send_response(status)
        self.send_header("Content-Type", "text/plain")
        self.end_headers()
        self.wfile.write(body.encode())

    def log_message(self, *_args: object) -> None:
        pass


@pytest.fixture(scope="module")
def slack() -> Iterator[str]:
    with serving(_Slack) as url:
        yield url


@pytest.mark.parametrize("path", sorted(ANSWERS))
def test_webhook_up_only_on_2xx(slack: str, path: str) -> None:
    up, detail = webhook.receiver_up(f"{slack}{path}")
    assert up == (ANSWERS[path][0] == 200), detail
    assert path not in detail  # the hook's path is its secret
    if not up:
        assert str(ANSWERS[path][0]) in detail and ANSWERS[path][1] in detail


def test_webhook_unreachable_is_down() -> None:
    up, detail = webhook.receiver_up(f"http://127.0.0.1:{free_port()}/hooks/x", timeout=2)
    assert not up and "ConnectError" in detail


# --- routine.config-change-history --------------------------------------------------------


@pytest.fixture(scope="module")
def moto(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    tmp = tmp_path_factory.mktemp("absence-moto")
    port = free_port()
    rec: ProcRecord = demo_aws.start_moto(port, tmp / "moto.log")
    try:
        wait_http(f"http://127.0.0.1:{port}/moto-api/", timeout=30)
        yield f"http://127.0.0.1:{port}"
    finally:
        stop(rec)


def _account(endpoint: str, group: str, lines: Sequence[Mapping[str, object]]) -> None:
    logs = boto3.client(
        "logs", endpoint_url=endpoint, region_name="ap-northeast-1",
        aws_access_key_id="golive-selftest", aws_secret_access_key="golive-selftest",
    )  # fmt: skip
    logs.create_log_group(logGroupName=group)
    logs.create_log_stream(logGroupName=group, logStreamName="app")
    now = int(time.time() * 1000)
    events = [{"timestamp": now - 60_000 + i, "message": json.dumps(line)}
              for i, line in enumerate(lines)]  # fmt: skip
    logs.put_log_events(logGroupName=group, logStreamName="app", logEvents=events)


def _config(tmp_path: Path, endpoint: str) -> Path:
    config = tmp_path / "golive.toml"
    config.write_text(
        'default_env = "acct"\n\n[environments.acct]\n'
        f'aws_endpoint_url = "{endpoint}"\naws_region = "ap-northeast-1"\n',
        encoding="utf-8",
    )
    return config


FAILED_LOGIN = {"event": "auth_failure", "ip": "198.51.100.7", "email": "a@example.test"}
CASES = {
    # group name → (lines, status, a word of the reason)
    "/acme/none/security": ([FAILED_LOGIN, FAILED_LOGIN], "not_verified", "no change event"),
    "/acme/attributed/security": (
        [FAILED_LOGIN, {"event": "config_change", "actor": "ops@example.test",
                        "target": "sg-1", "change": "open 443", "change_ref": "CHG-7"}],
        "pass", None,
    ),
    "/acme/unattributed/security": (
        [{"event": "config_change", "target": "sg-1", "change": "open 22"}],
        "fail", "names no actor",
    ),
}  # fmt: skip


@pytest.mark.slow
@pytest.mark.parametrize("group", sorted(CASES))
def test_config_change_history_needs_a_change_event(moto: str, tmp_path: Path, group: str) -> None:
    """Each case in a fresh moto account holding one security log group."""
    lines, status, word = CASES[group]
    # a fresh account per case: reset moto's state first
    httpx.post(f"{moto}/moto-api/reset", timeout=10).raise_for_status()
    _account(moto, group, lines)
    run = run_suite(_config(tmp_path, moto), tmp_path / "out",
                    "tests/routine/test_security_logs.py",
                    extra=("-k", "configuration_changes"))  # fmt: skip
    cid = "routine.config-change-history"
    assert run.status(cid) == status, run.explain(cid)
    if word:
        assert word in str(run.by_id[cid]["reason"])
