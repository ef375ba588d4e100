"""Drills against an environment's own commands, each run once per test run.

- deploy/rollback: ``deploy`` then ``rollback``, N cycles, while the health endpoint is
  polled at ≈20 Hz; judged by platform.deploy-time, platform.zero-downtime,
  platform.rollback-success, cicd.rollback-time, cicd.deploy-run.
- backup/restore: ``backup`` then ``restore`` (the restore command verifies what it
  restored and exits non-zero when it does not match), N cycles; judged by
  cicd.backup-time, cicd.restore-success, ops.backup-restore-drill,
  ops.data-recovery-drill, routine.backup-success, routine.restore-test.
- failover: ``failover`` kills the active application instance while the health
  endpoint is polled through the front; judged by ops.failover-drill and
  ops.scenario-system-failure.
- data loss: ``data_loss`` deletes rows in a drill copy of the newest backup and recovers
  them; judged by ops.scenario-data-loss.

Several checks, in several test modules, judge one drill: the pytest layer runs each
once per test run (``golive.harness.sessions``); nothing here knows about pytest.
"""

from __future__ import annotations

import os
import re
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import httpx

import golive
from golive.catalog import Threshold
from golive.config import Environment, resolve_secret
from golive.facts.live.availability import HealthPoller, HealthSample, Window, check_health
from golive.facts.live.commands import CommandResult, Scrubber, run_command, threshold_seconds

__all__ = [
    "BackupCycle",
    "BackupDrill",
    "DeployCycle",
    "DeployDrill",
    "FailoverDrill",
    "Step",
    "backup_restore_for",
    "command_argv",
    "command_timeout",
    "deploy_rollback_for",
    "run_backup_restore",
    "run_data_loss",
    "run_deploy_rollback",
    "run_failover",
    "scrubber_for",
]

ThresholdOf = Callable[[str], Threshold | None]
HEALTH_PATH = "/health"
DEPLOY_CYCLES = 2
BACKUP_CYCLES = 2
FAILOVER_TIMEOUT_S = 120.0
SETTLE_SECONDS = 0.5  # keep polling this long after a command returns
_SECRET_NAME = re.compile(r"PASSWORD|PASSWD|SECRET|TOKEN|API_KEY|PRIVATE_KEY|DATABASE_URL", re.I)


def scrubber_for(env: Environment) -> Scrubber:
    """Mask the environment's secrets: every ``env:NAME`` it references and every variable
    whose name says it holds a secret."""
    values: list[str | None] = []
    for value in env.model_dump().values():
        if isinstance(value, str) and value.startswith("env:"):
            values.append(resolve_secret(value))
    values += [v for k, v in os.environ.items() if _SECRET_NAME.search(k)]
    return Scrubber.of(values)


def command_argv(env: Environment, name: str) -> list[str]:
    argv = env.argv(name)
    if not argv:
        golive.not_verified(f"the environment defines no `{name}` command ([commands] {name})")
    return argv


def command_timeout(threshold: Threshold | None, *, default: float) -> float:
    """Twice the criterion's time limit (at least a minute more than it): long enough to
    measure by how much the limit is missed."""
    limit = threshold_seconds(threshold, default=default)
    return max(2.0 * limit, limit + 60.0)


def _not_started(result: CommandResult) -> None:
    if not result.started:
        golive.not_verified(result.summary())


# --- deploy / rollback --------------------------------------------------------------------
@dataclass
class Step:
    """One command run under observation."""

    command: CommandResult
    window: Window
    before: HealthSample
    after: HealthSample

    @property
    def release_changed(self) -> bool | None:
        if self.before.release is None or self.after.release is None:
            return None
        return self.before.release != self.after.release

    def facts(self) -> dict[str, Any]:
        return {
            "command": self.command.summary(),
            "seconds": self.command.seconds,
            "release_before": self.before.release,
            "release_after": self.after.release,
            "healthy_after": self.after.ok,
            "availability": self.window.summary(),
        }


@dataclass
class DeployCycle:
    deploy: Step
    rollback: Step | None = None

    @property
    def rollback_succeeded(self) -> bool | None:
        """Rolled back: the command succeeded and the service answers, healthy, with the
        release it had before the deploy. None when the releases cannot be read."""
        if self.rollback is None:
            return False
        if not (self.rollback.command.ok and self.rollback.after.ok):
            return False
        wanted, got = self.deploy.before.release, self.rollback.after.release
        if wanted is None or got is None:
            return None
        return wanted == got


@dataclass
class DeployDrill:
    health_url: str
    cycles: list[DeployCycle] = field(default_factory=list)

    @property
    def deploys(self) -> list[Step]:
        return [c.deploy for c in self.cycles]

    @property
    def rollbacks(self) -> list[Step]:
        return [c.rollback for c in self.cycles if c.rollback is not None]

    def facts(self) -> list[dict[str, Any]]:
        return [
            {"cycle": i + 1, "deploy": c.deploy.facts(),
             "rollback": c.rollback.facts() if c.rollback else None}
            for i, c in enumerate(self.cycles)
        ]  # fmt: skip

    def transcripts(self) -> str:
        parts = []
        for i, cycle in enumerate(self.cycles, start=1):
            for step in (cycle.deploy, cycle.rollback):
                if step is not None:
                    parts.append(f"## cycle {i}\n{step.command.transcript()}")
        return "\n\n".join(parts)


def _observed(
    name: str, argv: list[str], timeout: float, url: str, scrub: Scrubber, client: httpx.Client
) -> Step:
    before = check_health(client, url)
    with HealthPoller(url) as poll:
        result = run_command(name, argv, timeout=timeout, scrub=scrub)
        _not_started(result)
        time.sleep(SETTLE_SECONDS)
    return Step(result, poll.window, before, check_health(client, url))


def run_deploy_rollback(
    *,
    health_url: str,
    deploy: list[str],
    rollback: list[str],
    deploy_timeout: float,
    rollback_timeout: float,
    scrub: Scrubber,
    cycles: int = DEPLOY_CYCLES,
) -> DeployDrill:
    """``cycles`` × (deploy, rollback). A failed deploy is still rolled back (that is
    what an operator would do), then the drill stops."""
    drill = DeployDrill(health_url)
    with httpx.Client(timeout=5.0, follow_redirects=False) as client:
        for _ in range(cycles):
            cycle = DeployCycle(
                _observed("deploy", deploy, deploy_timeout, health_url, scrub, client)
            )
            drill.cycles.append(cycle)
            cycle.rollback = _observed(
                "rollback", rollback, rollback_timeout, health_url, scrub, client
            )
            if not (cycle.deploy.command.ok and cycle.rollback_succeeded):
                break
    return drill


# --- backup / restore ---------------------------------------------------------------------
@dataclass
class BackupCycle:
    backup: CommandResult
    restore: CommandResult | None = None

    @property
    def verified(self) -> bool:
        return self.backup.ok and self.restore is not None and self.restore.ok

    def problems(self) -> list[str]:
        """Why this cycle did not verify, with the restore command's own findings."""
        if not self.backup.ok:
            return [self.backup.summary()]
        if self.restore is None:
            return ["restore was not run"]
        if self.restore.ok:
            return []
        found = self.restore.report().get("problems")
        listed = [str(p) for p in found] if isinstance(found, list) else []
        return [self.restore.summary(), *listed]

    def facts(self) -> dict[str, Any]:
        report = self.restore.report() if self.restore else {}
        return {
            "backup": self.backup.summary(),
            "backup_seconds": self.backup.seconds,
            "restore": self.restore.summary() if self.restore else None,
            "restore_seconds": self.restore.seconds if self.restore else None,
            "verified": self.verified,
            "problems": self.problems(),
            "tables_compared": len(report.get("tables") or {}),
        }


@dataclass
class BackupDrill:
    cycles: list[BackupCycle] = field(default_factory=list)

    @property
    def backups(self) -> list[CommandResult]:
        return [c.backup for c in self.cycles]

    @property
    def restores(self) -> list[CommandResult]:
        return [c.restore for c in self.cycles if c.restore is not None]

    def facts(self) -> list[dict[str, Any]]:
        return [{"cycle": i + 1, **c.facts()} for i, c in enumerate(self.cycles)]

    def transcripts(self) -> str:
        parts = []
        for i, cycle in enumerate(self.cycles, start=1):
            for result in (cycle.backup, cycle.restore):
                if result is not None:
                    parts.append(f"## cycle {i}\n{result.transcript()}")
        return "\n\n".join(parts)


def run_backup_restore(
    *,
    backup: list[str],
    restore: list[str],
    backup_timeout: float,
    restore_timeout: float,
    scrub: Scrubber,
    cycles: int = BACKUP_CYCLES,
) -> BackupDrill:
    """``cycles`` × (backup, restore of that backup); stops after a failed backup."""
    drill = BackupDrill()
    for _ in range(cycles):
        made = run_command("backup", backup, timeout=backup_timeout, scrub=scrub)
        _not_started(made)
        cycle = BackupCycle(made)
        drill.cycles.append(cycle)
        if not made.ok:
            break
        cycle.restore = run_command("restore", restore, timeout=restore_timeout, scrub=scrub)
        _not_started(cycle.restore)
    return drill


# --- failover -----------------------------------------------------------------------------
@dataclass
class FailoverDrill:
    health_url: str
    command: CommandResult
    window: Window
    before: HealthSample
    after: HealthSample

    def interruptions(self) -> list[float]:
        """Each run of failed requests: seconds from its first failure to the next answer."""
        spans: list[float] = []
        start: float | None = None
        for sample in self.window.samples:
            if not sample.ok and start is None:
                start = sample.at
            elif sample.ok and start is not None:
                spans.append(round(sample.at - start, 3))
                start = None
        if start is not None:
            spans.append(round(self.window.seconds - start, 3))
        return spans

    def longest(self) -> float:
        return max(self.interruptions(), default=0.0)

    def report(self) -> dict[str, Any]:
        return self.command.report()


def run_failover(env: Environment, base_url: str) -> FailoverDrill:
    """``failover`` once, with the health endpoint polled through the front."""
    argv = command_argv(env, "failover")
    url = base_url.rstrip("/") + HEALTH_PATH
    with httpx.Client(timeout=5.0, follow_redirects=False) as client:
        before = check_health(client, url)
        if not before.ok:
            golive.not_verified(f"{url} is not healthy before the drill ({before.status})")
        with HealthPoller(url) as poll:
            result = run_command("failover", argv, timeout=FAILOVER_TIMEOUT_S,
                                 scrub=scrubber_for(env))  # fmt: skip
            _not_started(result)
            time.sleep(SETTLE_SECONDS)
        return FailoverDrill(url, result, poll.window, before, check_health(client, url))


# --- data loss ----------------------------------------------------------------------------
def run_data_loss(env: Environment) -> CommandResult:
    """``data_loss`` once (it needs a fresh backup: run the backup drill first)."""
    argv = command_argv(env, "data_loss")
    result = run_command("data_loss", argv, timeout=FAILOVER_TIMEOUT_S, scrub=scrubber_for(env))
    _not_started(result)
    return result


# --- the drills of an environment -----------------------------------------------------------
def deploy_rollback_for(env: Environment, base_url: str, threshold: ThresholdOf) -> DeployDrill:
    """The deploy/rollback drill with the environment's commands and time limits."""
    deploy, rollback = command_argv(env, "deploy"), command_argv(env, "rollback")
    return run_deploy_rollback(
        health_url=base_url.rstrip("/") + HEALTH_PATH,
        deploy=deploy,
        rollback=rollback,
        deploy_timeout=command_timeout(threshold("platform.deploy-time"), default=300),
        rollback_timeout=command_timeout(threshold("cicd.rollback-time"), default=300),
        scrub=scrubber_for(env),
    )


def backup_restore_for(env: Environment, threshold: ThresholdOf) -> BackupDrill:
    """The backup/restore drill with the environment's commands and time limit."""
    backup, restore = command_argv(env, "backup"), command_argv(env, "restore")
    limit = command_timeout(threshold("cicd.backup-time"), default=1800)
    return run_backup_restore(
        backup=backup, restore=restore, backup_timeout=limit, restore_timeout=limit,
        scrub=scrubber_for(env),
    )  # fmt: skip
