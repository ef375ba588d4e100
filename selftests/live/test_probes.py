"""Probe units: scrubbing, command runner, time units, availability windows, repo files."""

from __future__ import annotations

import sys
from pathlib import Path

import httpx

from golive.catalog import Threshold
from golive.facts.live.availability import HealthSample, Window, release_of
from golive.facts.live.commands import Scrubber, in_unit, run_command, threshold_seconds
from golive.facts.repo import migrations


def test_scrubber_masks_known_secrets_and_credential_shapes() -> None:
    scrub = Scrubber.of(["postgresql://app:hunter22@db:5432/app", None, "abc"])
    text = scrub("dsn postgresql://app:hunter22@db/app pw hunter22 api_key=XYZ123 abc")
    assert "hunter22" not in text and "XYZ123" not in text
    assert "postgresql://app:***@db/app" in text and "abc" in text  # short values kept
    assert scrub('{"password": "other-secret"}') == '{"password": "***"}'
    assert scrub("redis://:tok3n@cache:6379") == "redis://:***@cache:6379"


def test_run_command_times_out_and_kills_the_group(tmp_path: Path) -> None:
    child = (
        "import subprocess, sys, time; "
        "subprocess.Popen([sys.executable, '-c', 'import time; time.sleep(30)']); time.sleep(30)"
    )
    result = run_command("slow", [sys.executable, "-c", child], timeout=0.5)
    assert result.timed_out and not result.ok and result.returncode is None
    assert "did not finish within 0.5 s" in result.summary()
    assert result.seconds < 10


def test_run_command_reports_output_and_missing_programs() -> None:
    ok = run_command("echo", [sys.executable, "-c", "print('{\"a\": 1}')"], timeout=30)
    assert ok.ok and ok.report() == {"a": 1}
    missing = run_command("x", ["/nonexistent/golive-tool"], timeout=5)
    assert not missing.started and "could not start" in missing.summary()


def test_time_units() -> None:
    five_min = Threshold(op="<=", value=5, unit="min")
    assert threshold_seconds(five_min, default=1) == 300
    assert in_unit(90, five_min) == 1.5
    assert threshold_seconds(Threshold(op=">=", value=100, unit="%"), default=7) == 7


def test_release_of_reads_json_then_headers() -> None:
    assert release_of(httpx.Response(200, json={"release": "v2"})) == "v2"
    assert release_of(httpx.Response(200, text="ok", headers={"x-release": "v3"})) == "v3"
    assert release_of(httpx.Response(200, text="ok")) is None


def test_window_outage_and_releases() -> None:
    samples = [HealthSample(0.0, 200, 1, "v1"), HealthSample(0.1, 502, 1),
               HealthSample(0.2, None, 1, error="ConnectError"), HealthSample(0.4, 502, 1),
               HealthSample(0.5, 200, 1, "v2")]  # fmt: skip
    window = Window(samples, seconds=0.5)
    assert window.releases == ["v1", "v2"] and len(window.failures) == 3
    assert window.outage_seconds() == 0.3
    assert window.summary()["failures_by_kind"] == {"502": 2, "ConnectError": 1}


def test_window_by_endpoint_and_version_mix() -> None:
    """Outages are per endpoint (one endpoint's answers do not end another's outage); an
    older release answering after a newer one, on any endpoint, is a mix of versions."""
    api, health = "http://h/api/items?x=1", "http://h/health"
    samples = [HealthSample(0.0, 200, 1, "v1", url=api),
               HealthSample(0.05, 200, 1, "v1", url=health),
               HealthSample(0.1, 500, 1, url=api), HealthSample(0.15, 200, 1, "v2", url=health),
               HealthSample(0.3, 500, 1, url=api), HealthSample(0.35, 200, 1, "v1", url=health),
               HealthSample(0.4, 200, 1, "v2", url=api)]  # fmt: skip
    window = Window(samples, seconds=0.5)
    assert list(window.by_endpoint()) == ["/api/items?x=1", "/health"]
    assert window.outage_seconds() == 0.2  # /api/items: 0.1 to 0.3, /health never failed
    assert [(s.at, s.release) for s in window.mixed()] == [(0.35, "v1")]
    parts = window.endpoints_summary()
    assert parts["/api/items?x=1"]["failed"] == 2 and parts["/health"]["mixed_versions"] == 1
    assert window.between(0.1, 0.3).requests == 2


def test_version_mix_is_ranked_from_the_release_served_before_the_command() -> None:
    """A busy machine's first poll may already see the new release: the old one answering
    next is still the older one (the release read before the command opens the ranking),
    not a newer one that the new release then 'goes back' from."""
    samples = [HealthSample(0.2, 200, 1, "v2"), HealthSample(0.3, 200, 1, "v1"),
               HealthSample(0.4, 200, 1, "v2")]  # fmt: skip
    assert [s.release for s in Window(samples, 0.5).mixed()] == ["v2"]  # no ranking known
    seeded = Window(samples, 0.5, release_before="v1")
    assert [s.release for s in seeded.mixed()] == ["v1"]
    assert [s.release for s in seeded.between(0.0, 0.5).mixed()] == ["v1"]


def test_key_endpoints_are_the_plain_gets_a_user_sees() -> None:
    from golive.config import Environment
    from golive.facts.live.drills import key_endpoints

    env = Environment.model_validate({
        "zero_downtime_paths": ["/api/items"],
        "load": {"endpoints": [
            {"path": "/api/projects"}, {"path": "/health"},
            {"path": "/api/me", "auth": "login"}, {"path": "/api/orders", "method": "POST"},
            {"path": "/missing", "expect_status": [404]}, {"path": "/x", "headers": {"a": "b"}},
        ]},
    })  # fmt: skip
    assert key_endpoints(env, "http://h:1/") == [
        "http://h:1/health", "http://h:1/api/items", "http://h:1/api/projects"]


def test_repo_migrations_and_seed_tables(tmp_path: Path) -> None:
    folder = tmp_path / "supabase" / "migrations"
    folder.mkdir(parents=True)
    (folder / "20250101000000_init.sql").write_text("create table t (id int);")
    (folder / "notes.sql").write_text("")
    (tmp_path / "supabase" / "seed.sql").write_text(
        "-- insert into ignored\ninsert into auth.users values (1);\n"
        'INSERT INTO "projects" values (1);'
    )
    found = migrations.repo_migrations(tmp_path)
    assert found is not None and found.versions == {"20250101000000": "20250101000000_init.sql"}
    assert found.unnamed == ["notes.sql"]
    seed = migrations.seed_tables(tmp_path)
    assert seed is not None and seed[1] == ["auth.users", "public.projects"]
    (tmp_path / "empty").mkdir()
    assert migrations.repo_migrations(tmp_path / "empty") is None
    assert migrations.seed_tables(tmp_path / "empty") is None
