"""The stack comes up, describes itself, and keeps its secrets out of shared files."""

from __future__ import annotations

import shlex
import stat
import tomllib

import pytest

from golive.demo._proc import DemoError
from golive.demo.stack import DEMO_THRESHOLDS, Stack

from .conftest import RunningStack

pytestmark = pytest.mark.slow


def test_state_file_describes_the_stack(good: RunningStack) -> None:
    state = good.state
    assert state["status"] == "up" and state["mode"] == "good"
    assert set(state["processes"]) == {"postgres", "moto", "webhook", "webapp", "proxy"}
    assert set(state["ports"]) == {
        "postgres",
        "moto",
        "webhook",
        "proxy",
        "proxy_admin",
        "proxy_tls",
    }
    for rec in state["processes"].values():
        assert rec["pid"] > 0 and rec["pgid"] > 0 and rec["create_time"] > 0
    assert {"host", "port", "dbname", "user", "sslmode"} <= set(state["postgres"])
    assert state["startup_seconds"] < 30
    assert good.info.startup_seconds == state["startup_seconds"]
    assert any(line.startswith("stack up in") for line in good.progress)


def test_generated_config(good: RunningStack) -> None:
    config = tomllib.loads(good.info.config_path.read_text(encoding="utf-8"))
    assert config["default_env"] == "demo"
    env = config["environments"]["demo"]
    assert env["base_url"] == good.info.base_url
    assert env["database_url"] == "env:GOLIVE_DEMO_DATABASE_URL"
    assert env["aws_endpoint_url"].startswith("http://127.0.0.1:")
    assert env["aws_region"] == "ap-northeast-1"
    assert env["webhook_url"].endswith("/hooks/slack")
    assert env["disruptive"] is True and env["production"] is False
    assert env["repo"] == ""
    for name in ("deploy", "rollback", "backup", "restore", "migrate"):
        argv = shlex.split(env["commands"][name])
        assert argv[1:4] == ["-m", "golive.demo.ops", "--state"]
    # demo-scale drill limits, said so in the file
    assert env["thresholds"] == DEMO_THRESHOLDS  # fmt: skip
    assert "Demo scale" in good.info.config_path.read_text(encoding="utf-8")


def test_security_targets_file(either: RunningStack) -> None:
    """The generated targets name the HTTPS front and trust the stack's own CA."""
    from golive.facts.live.security_targets import load_targets

    config = tomllib.loads(either.info.config_path.read_text(encoding="utf-8"))
    name = config["environments"]["demo"]["security_targets"]
    targets = load_targets(either.run_dir, name)
    state = either.state
    assert targets.tls.endpoints == [state["tls_base_url"]]
    assert targets.tls.ca_file == state["tls_ca_file"]
    assert targets.tls.allow_self_signed is False
    assert targets.jwt_secret == "env:GOLIVE_DEMO_JWT_SECRET"
    assert set(targets.identities) == {"user", "admin"}
    assert "GOLIVE_DEMO_JWT_SECRET" in either.env


def test_broken_webhook_points_at_a_retired_receiver(either: RunningStack) -> None:
    import httpx

    url = either.state["webhook_url"]
    if either.info.mode == "good":
        assert url == either.state["webhook_sink_url"] + "/hooks/slack"
        assert httpx.get(url, timeout=5).status_code == 200
    else:
        assert not url.startswith(either.state["webhook_sink_url"])
        with pytest.raises(httpx.ConnectError):
            httpx.get(url, timeout=5)


def test_secrets_stay_private(good: RunningStack) -> None:
    password = good.database_url.split(":")[2].split("@")[0]
    assert good.database_url.startswith("postgresql://app:")
    assert "/app?sslmode=verify-full&sslrootcert=" in good.database_url
    for name in ("env", "secrets.json"):
        assert stat.S_IMODE((good.run_dir / name).stat().st_mode) == 0o600
    for name in ("state.json", "golive.toml"):
        assert password not in (good.run_dir / name).read_text(encoding="utf-8")
    assert not any(password in line for line in good.progress)


def test_health_answers_with_release(good: RunningStack) -> None:
    with good.http() as client:
        resp = client.get("/health")
    assert resp.status_code == 200
    assert resp.json()["release"] == good.state["release"]
    assert resp.json()["database"] == "ok"
    assert resp.headers["x-release"] == good.state["release"]


def test_up_refuses_a_running_stack(good: RunningStack) -> None:
    with pytest.raises(DemoError, match="running"):
        Stack().up(good.run_dir)


def test_https_front(either: RunningStack) -> None:
    import ssl

    import httpx

    state = either.state
    context = ssl.create_default_context(cafile=state["tls_ca_file"])
    url = f"{state['tls_base_url']}/health"
    if either.info.mode == "good":
        with httpx.Client(verify=context, timeout=10) as client:
            resp = client.get(url)
        assert resp.status_code == 200 and resp.json()["database"] == "ok"
        assert "strict-transport-security" in resp.headers
    else:
        with (
            httpx.Client(verify=context, timeout=10) as client,
            pytest.raises(httpx.ConnectError, match="expired"),
        ):
            client.get(url)
