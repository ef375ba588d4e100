"""Fail paths the broken stack does not show: an empty AWS account, an environment whose
web app (and webhook) are down, and alert levels no host can meet."""

from __future__ import annotations

import re
import tomllib
from pathlib import Path

import pytest

from golive.demo._proc import free_port

from ._suite import MODULES, run
from .conftest import RunningStack

pytestmark = [pytest.mark.slow, pytest.mark.xdist_group("heavy")]


def test_empty_account(empty_account: Path) -> None:
    results = run(empty_account, empty_account.parent / "out")
    for cid in ("mon.app-logs", "mon.system-logs", "mon.security-logs", "mon.filter-errors",
                "mon.filter-performance", "mon.filter-security-events", "mon.detect-to-notify",
                "routine.alert-cpu", "routine.alert-memory", "routine.alert-error-rate",
                "routine.alert-unauthorized-access", "routine.alert-auth-failure",
                "routine.alert-critical-config-change"):  # fmt: skip
        assert results.status(cid) == "fail", results.explain(cid)
    # nothing to read is not a pass
    for cid in ("sec.data-encryption", "routine.error-logs", "routine.unauthorized-access",
                "routine.auth-failure-log", "routine.config-change-history",
                "routine.slack-notification"):  # fmt: skip
        assert results.status(cid) == "not_verified", results.explain(cid)
    # an account with no IAM principal and only the default security group is compliant
    assert results.status("sec.iam-policy") == "pass", results.explain("sec.iam-policy")
    # no CPU/memory datapoints and no host configured: the machine golive runs on (where
    # moto listens) is not judged in their place
    cid = "routine.resource-usage"
    assert results.status(cid) == "not_verified", results.explain(cid)
    assert "no hosts configured ([environments.empty.hosts])" in results.by_id[cid]["reason"]
    assert "no alarm watches the error rate" in results.by_id["mon.detect-to-notify"]["reason"]


def test_down_services_and_unmeetable_alert_levels(
    good_stack: RunningStack, tmp_path: Path
) -> None:
    text = good_stack.config.read_text(encoding="utf-8")
    env = tomllib.loads(text)["environments"]["demo"]
    closed = free_port()  # nothing listens there
    text = text.replace(env["base_url"], f"http://127.0.0.1:{closed}")
    text = text.replace(env["webhook_url"], f"http://127.0.0.1:{closed}/hooks/slack")
    text = re.sub(r"^env_file = .*$", f'env_file = "{good_stack.info.run_dir / "env"}"', text,
                  flags=re.M)  # fmt: skip
    unmeetable = '"routine.alert-cpu" = 0\n"routine.alert-memory" = 0\n'
    header = "[environments.demo.thresholds]\n"
    text = (text.replace(header, header + unmeetable) if header in text
            else f"{text}\n{header}{unmeetable}")  # fmt: skip
    config = tmp_path / "golive.toml"
    config.write_text(text, encoding="utf-8")
    daily = tuple(m for m in MODULES if m.endswith("test_daily.py"))
    results = run(config, tmp_path / "out", daily,
                  ("-k", "every_service or resource_usage or slack"))  # fmt: skip
    assert results.status("routine.service-status") == "fail", results.log[-3000:]
    reason = results.by_id["routine.service-status"]["reason"]
    assert "2 of 4 services down" in reason
    assert re.search(r"web \(GET http://127\.0\.0\.1:\d+/health: ConnectError\)", reason), reason
    assert results.status("routine.slack-notification") == "fail"
    assert results.status("routine.resource-usage") == "fail"
    assert "required ≤ 0 %" in results.by_id["routine.resource-usage"]["reason"]
