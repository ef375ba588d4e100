"""The webhook sink records what arrives, with arrival times."""

from __future__ import annotations

import time

import httpx
import pytest

from .conftest import RunningStack

pytestmark = pytest.mark.slow


def test_sink_records_posts(good: RunningStack) -> None:
    url = good.state["webhook_sink_url"] + "/hooks/selftest"
    before = time.time()
    with httpx.Client(timeout=5) as client:
        assert client.post(url, json={"text": "golive: backup ok"}).text == "ok"
        assert client.post(url, content=b"not json").status_code == 400
        received = client.get(url).json()["received"]
        client.delete(url)
        assert client.get(url).json()["received"] == []
    assert len(received) == 1
    assert received[0]["body"] == {"text": "golive: backup ok"}
    assert before <= received[0]["received_at"] <= time.time()
    log = (good.run_dir / "hooks.jsonl").read_text(encoding="utf-8")
    assert "golive: backup ok" in log
