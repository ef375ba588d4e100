"""What makes the demo's final review complete and honest: the checks added for it, each
with its pass on the good twin and its failure on the broken one, and the demo's sample
records (attestations and waivers), always marked as samples."""

from __future__ import annotations

import tomllib
from datetime import UTC, datetime

import httpx
import psycopg
import pytest
from psycopg import sql

from golive.catalog import Threshold, load_catalog
from golive.config import load_config, load_waivers
from golive.demo import exports, records
from golive.facts.live import aws as aws_facts
from golive.facts.live import intrusion, pg_cache
from golive.facts.saas import datadog
from golive.rules import alert_tuning, compliance

from .conftest import RunningStack

pytestmark = pytest.mark.slow
CATALOG = load_catalog()


def _threshold(cid: str) -> Threshold:
    threshold = CATALOG.get(cid).threshold
    assert threshold is not None, cid
    return threshold


def _working_set(stack: RunningStack, passes: int = 5) -> None:
    """Read every table of the application's schema a few times, as an app's reads do."""
    with psycopg.connect(stack.database_url, autocommit=True) as conn:
        tables = [r[0] for r in conn.execute(
            "SELECT schemaname || '.' || relname FROM pg_stat_user_tables")]  # fmt: skip
        for _ in range(passes):
            for table in tables:
                try:
                    conn.execute(sql.SQL("SELECT count(*) FROM {}").format(
                        sql.Identifier(*table.split(".")))).fetchall()
                except psycopg.errors.InsufficientPrivilege:
                    continue


def test_db_cache_hit_ratio_meets_the_bar_on_good_only(
    good: RunningStack, broken: RunningStack
) -> None:
    """perf.db-cache: the good twin's buffer cache serves the reads; the broken twin's
    (16 blocks) cannot hold the working set."""
    limit = _threshold("perf.db-cache")
    ratios = {}
    for stack in (good, broken):
        _working_set(stack)
        cache = pg_cache.buffer_cache(stack.database_url)
        assert cache.accesses > 1000, cache
        ratios[stack.info.mode] = cache.hit_percent
    assert limit.met_by(ratios["good"]), ratios
    assert not limit.met_by(ratios["broken"]), ratios


def test_password_guessing_is_refused_on_good_only(
    good: RunningStack, broken: RunningStack
) -> None:
    """ops.scenario-security-incident: good refuses the drill's source within the catalog's
    limit and keeps serving 127.0.0.1; broken takes every guess."""
    limit = _threshold("ops.scenario-security-incident")
    attempts = int(2 * limit.value)
    guessed = intrusion.failed_login_burst(good.info.base_url, "/api/login", "email",
                                           "password", attempts)  # fmt: skip
    assert guessed.blocked_at is not None and limit.met_by(guessed.blocked_at - 1), guessed
    assert httpx.get(f"{good.info.base_url}/health", timeout=10).status_code == 200
    assert good.token("user")  # the rest of the run, from 127.0.0.1, still logs in
    taken = intrusion.failed_login_burst(broken.info.base_url, "/api/login", "email",
                                         "password", attempts)  # fmt: skip
    assert taken.blocked_at is None and taken.rejected == attempts, taken


def test_cis_controls_hold_on_good_only(good: RunningStack, broken: RunningStack) -> None:
    """routine.compliance-check: no failed control on good; broken fails controls."""
    failed = {}
    for stack in (good, broken):
        ingress, groups = aws_facts.world_ingress(stack.aws("ec2"))
        account = compliance.Account(
            iam=aws_facts.read_iam(stack.aws("iam")), ingress=ingress, security_groups=groups,
            buckets=aws_facts.read_buckets(stack.aws("s3")),
            stores=aws_facts.read_storage(stack.aws("ec2"), stack.aws("rds")),
        )  # fmt: skip
        controls = compliance.cis_controls(account)
        assert any(c.checked for c in controls[1:])
        failed[stack.info.mode] = [c.cis for c in controls if c.findings]
    assert failed["good"] == []
    assert failed["broken"], failed


@pytest.mark.parametrize("broken", [False, True], ids=["good", "broken"])
def test_threshold_tuning_from_the_alert_export(broken: bool) -> None:
    """routine.threshold-tuning on the demo's alert export: good has nothing to tune,
    broken lists the monitors whose alerts were false in the last week."""
    now = datetime.now(UTC)
    data = exports.history(broken, now)[datadog.ALERTS_FILE]
    alerts = datadog.alerts_from_json(data, "demo export")
    review = alert_tuning.tuning(alerts, now, _threshold("routine.threshold-tuning"))
    assert review.alerts > 0
    if broken:
        assert any("false alert" in f.message for f in review.findings), review
    else:
        assert review.findings == [], review.findings


def test_demo_records_are_marked_samples_and_cover_every_attestation(good: RunningStack) -> None:
    config = load_config(good.info.config_path)
    raw = tomllib.loads(good.info.config_path.read_text(encoding="utf-8"))
    assert raw["history_dir"] == "history"
    # sign-offs come after the run (golive.demo.records.sign_run); the samples cover every
    # human-process criterion, and the demo's key is the only one its config trusts
    shipped = (records._HERE / "demo-attestations.yaml").read_text(encoding="utf-8")
    human = {c.id for c in CATALOG.criteria if not c.automated}
    assert all(f"criterion: {cid}\n" in shipped for cid in human)
    assert config.attestations and config.allowed_signers
    allowed = config.path(config.allowed_signers).read_text(encoding="utf-8")
    assert records.DEMO_SIGNER_PRINCIPAL in allowed
    waivers = load_waivers(config)
    assert {w.approver for w in waivers} == {records.DEMO_SIGNER}
    # only what the demo machine truly cannot verify, each with the reason
    assert {w.criterion for w in waivers} == {"db.container-startup-time", "db.docker-stable"}
    assert all("Docker" in w.reason for w in waivers)
