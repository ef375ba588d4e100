"""Absence is not a pass: a security log group with no configuration change in the window
(routine.config-change-history), against a real moto_server.

- disruptive: golive's canary event comes back, so the quiet window passes, source
  proven live;
- not disruptive: no canary, the quiet window is not verified;
- a log endpoint that accepts events and drops them (a proxy in front of moto that
  answers PutLogEvents itself): the canary never comes back, the review fails;
- a group golive may not write to (the proxy refuses PutLogEvents): the canary says it
  was not written (the check makes that not verified), without a golive run of its own.
"""

from __future__ import annotations

import subprocess
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from http.server import BaseHTTPRequestHandler
from typing import Any

import boto3
import httpx
import pytest

from golive.demo import aws as demo_aws
from golive.demo._proc import free_port, stop, wait_http
from golive.facts.live import aws

from ._suite import ROOT, clean_env, finish_suite, serving, suite_argv

pytestmark = [pytest.mark.slow]

MODULE = "tests/routine/test_security_logs.py"
CID = "routine.config-change-history"
GROUP = "/golive-selftest/security-audit"
REGION = "ap-northeast-1"


def _proxy_handler(upstream: str, put_answer: tuple[int, bytes]) -> type[BaseHTTPRequestHandler]:
    class Proxy(BaseHTTPRequestHandler):
        """Forwards to moto, except PutLogEvents, which it answers itself."""

        def do_POST(self) -> None:
            body = self.rfile.read(int(self.headers.get("content-length") or 0))
            if self.headers.get("x-amz-target", "").endswith(".PutLogEvents"):
                status, payload = put_answer
            else:
                headers = {k: v for k, v in self.headers.items() if k.lower() != "host"}
                answer = httpx.post(upstream + self.path, content=body, headers=headers)
                status, payload = answer.status_code, answer.content
            self.send_response(status)
            self.send_header("content-type", "application/x-amz-json-1.1")
            self.send_header("content-length", str(len(payload)))
            self.end_headers()
            self.wfile.write(payload)

        def log_message(self, format: str, *args: object) -> None:
            pass

    return Proxy


@contextmanager
def _proxy(upstream: str, put_answer: tuple[int, bytes]) -> Iterator[str]:
    with serving(_proxy_handler(upstream, put_answer)) as url:
        yield url


SWALLOW = (200, b'{"nextSequenceToken": "1"}')
REFUSE = (400, b'{"__type": "AccessDeniedException", "message": "not allowed"}')


@pytest.fixture(scope="module")
def canary_runs(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Any]]:
    tmp = tmp_path_factory.mktemp("canary")
    port = free_port()
    moto = demo_aws.start_moto(port, tmp / "moto.log")
    with ExitStack() as stack:
        stack.callback(stop, moto)
        moto_url = f"http://127.0.0.1:{port}"
        wait_http(f"{moto_url}/moto-api/", timeout=30)
        logs = boto3.client("logs", endpoint_url=moto_url, region_name=REGION,
                            aws_access_key_id="x", aws_secret_access_key="x")  # fmt: skip
        logs.create_log_group(logGroupName=GROUP)  # a quiet security group
        cases = {
            "live": (moto_url, True),
            "not-disruptive": (moto_url, False),
            "swallowed": (stack.enter_context(_proxy(moto_url, SWALLOW)), True),
        }
        refusing = stack.enter_context(_proxy(moto_url, REFUSE))
        procs = {}
        for name, (url, disruptive) in cases.items():
            folder = tmp / name
            folder.mkdir()
            config = folder / "golive.toml"
            config.write_text(f'default_env = "c"\n[environments.c]\naws_endpoint_url = "{url}"\n'
                              f'aws_region = "{REGION}"\ndisruptive = {str(disruptive).lower()}\n'
                              "log_canary_wait_s = 3\n",
                              encoding="utf-8")  # fmt: skip
            argv = suite_argv(config, folder / "out", MODULE, extra=("-k", "configuration"))
            procs[name] = (subprocess.Popen(argv, cwd=ROOT, env=clean_env(), text=True,
                                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT),
                           folder / "out")  # fmt: skip
        try:
            refused = boto3.client("logs", endpoint_url=refusing, region_name=REGION,
                                   aws_access_key_id="x", aws_secret_access_key="x")  # fmt: skip
            canary = aws.write_canary(refused, GROUP, bound_s=1.0)
            yield {"refused": canary,
                   **{name: finish_suite(proc, out) for name, (proc, out) in procs.items()}}
        finally:
            for proc, _ in procs.values():
                if proc.poll() is None:
                    proc.kill()
                    proc.communicate()


def test_quiet_window_passes_when_the_canary_comes_back(canary_runs: dict[str, Any]) -> None:
    run = canary_runs["live"]
    assert run.status(CID) == "pass", run.explain(CID)
    seen = run.evidence(CID, "canary events")
    assert seen["value"] == 1 and seen["canaries"][0]["group"] == GROUP, seen
    notes = [e["value"] for e in run.by_id[CID]["evidence"] if e.get("name") == "note"]
    assert any("source proven live" in n for n in notes), notes


def test_quiet_window_without_a_canary_is_not_verified(canary_runs: dict[str, Any]) -> None:
    run = canary_runs["not-disruptive"]
    assert run.status(CID) == "not_verified", run.explain(CID)
    assert "could not be proven live" in run.by_id[CID]["reason"], run.explain(CID)


def test_log_source_that_swallows_events_fails(canary_runs: dict[str, Any]) -> None:
    run = canary_runs["swallowed"]
    assert run.status(CID) == "fail", run.explain(CID)
    assert "swallows events" in run.by_id[CID]["reason"], run.explain(CID)


def test_canary_that_cannot_be_written_says_why(canary_runs: dict[str, Any]) -> None:
    canary: aws.Canary = canary_runs["refused"]
    assert not canary.written and not canary.seen, canary
    assert "AccessDeniedException" in canary.describe(), canary.describe()
