"""The Slack-style notification reaches a real HTTP receiver; failures are recorded."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import ClassVar

import pytest

from golive.catalog import load_catalog
from golive.finish.notify import build_message, send_notification
from golive.finish.run import wants_notification

from .test_reports import sample_run


class _Sink(BaseHTTPRequestHandler):
    received: ClassVar[list[dict]] = []

    def do_POST(self) -> None:
        body = self.rfile.read(int(self.headers["Content-Length"]))
        _Sink.received.append(json.loads(body))
        self.send_response(200)
        self.end_headers()
        self.wfile.write(b"ok")

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture
def sink() -> Iterator[str]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Sink)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    _Sink.received.clear()
    yield f"http://127.0.0.1:{server.server_address[1]}/hooks/slack"
    server.shutdown()
    server.server_close()


def test_message_names_verdict_and_failing_criteria(sink):
    message = build_message(sample_run(lang="ja"), report_link="file:///r/readiness.html")
    outcome = send_notification(sink, message)
    assert outcome == {"sent": True, "status": 200}
    (received,) = _Sink.received
    assert "NO-GO" in received["text"]
    assert "db.concurrent-connections" in json.dumps(received, ensure_ascii=False)


def test_unreachable_webhook_is_recorded_not_raised():
    outcome = send_notification("http://127.0.0.1:9/hooks/x", {"text": "x"}, timeout=2)
    assert outcome["sent"] is False and "127.0.0.1" not in json.dumps(outcome)


@pytest.mark.parametrize(
    ("profile", "notify", "wanted"),
    [
        ("daily", "auto", True),  # profiles.yaml: the daily routine notifies
        ("weekly", "auto", False),
        (None, "auto", False),
        ("weekly", "yes", True),
        ("daily", "no", False),
    ],
)
def test_notifying_follows_the_profile_unless_told(profile, notify, wanted):
    run = sample_run().model_copy(update={"profile": profile})
    assert wants_notification(run, load_catalog(), notify) is wanted
