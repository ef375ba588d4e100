"""Drills against an environment's own commands, each run once per test run.

- deploy/rollback: ``deploy`` then ``rollback``, N cycles, while the key endpoints
  (``/health``, ``zero_downtime_paths``, the load scenario's plain GET endpoints) are each
  polled at ≈20 Hz over the whole drill and ``zero_downtime_tail_s`` after it; judged by
  platform.deploy-time, platform.zero-downtime, platform.rollback-success,
  cicd.rollback-time, cicd.deploy-run. A rollback is complete when the release served
  before the deploy answers the version endpoint again
  (``version_url``/``version_field``/``version_header``; default ``/health``), polled at
  ≈20 Hz from the rollback command's start (not its exit) for at most the rollback limit
  × ``ROLLBACK_MARGIN``.
- backup/restore: ``backup`` then ``restore``, N cycles; after each restore golive
  compares ``database_url`` with ``restore_database_url`` itself
  (golive.facts.live.dbcompare). The command's exit code and JSON are evidence, never
  the verdict. Judged by cicd.backup-time, cicd.restore-success,
  ops.backup-restore-drill, ops.data-recovery-drill, routine.backup-success,
  routine.restore-test.
- failover: ``failover`` kills the active application instance while the key endpoints
  are polled through the front and golive writes a marker row into the database at
  ≈5 Hz (golive.facts.live.markers): the time until a write succeeds again is golive's;
  judged by ops.failover-drill and ops.scenario-system-failure.
- data loss: ``data_loss`` damages data and recovers it, while golive writes marker rows
  at 10 Hz into a scratch table (``golive_drill_markers_*``) of ``database_url`` from
  before the command until after it; the markers that survive give the RPO; judged by
  ops.scenario-data-loss.

Several checks, in several test modules, judge one drill: the pytest layer runs each
once per test run (``golive.harness.sessions``); nothing here knows about pytest.
"""

from __future__ import annotations

import datetime as dt
import os
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

import httpx
import psycopg

import golive
from golive._errors import CheckOutcome
from golive._http import BoundedClient
from golive._procs import record_left_state
from golive._redact import SECRET_NAME
from golive.catalog import Threshold
from golive.config import Environment, resolve_secret
from golive.facts.live import dbcompare
from golive.facts.live.availability import (
    HealthPoller,
    HealthSample,
    Window,
    check_health,
    release_of,
)
from golive.facts.live.commands import CommandResult, Scrubber, run_command, threshold_seconds
from golive.facts.live.markers import MarkerRefused, MarkerWriter, RpoOutcome, WriteOutcome
from golive.facts.live.postgres import DatabaseUnreachable, connect

__all__ = [
    "BackupCycle",
    "BackupDrill",
    "DataLossDrill",
    "DeployCycle",
    "DeployDrill",
    "FailoverDrill",
    "RestoreTarget",
    "Step",
    "VersionOutcome",
    "VersionProbe",
    "VersionWatch",
    "backup_restore_for",
    "command_argv",
    "command_timeout",
    "deploy_rollback_for",
    "key_endpoints",
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
POLL_HZ = 20.0  # per key endpoint
# below this, a key endpoint's polls are far enough apart (200 ms) that an outage of a few
# hundred ms (a restart behind a load balancer) could fall between two: not verified. Half
# the lowest rate seen on a heavily loaded machine (9.3 Hz), so load alone does not void it.
MIN_POLL_HZ = 5.0
FAILOVER_WRITE_HZ = 5.0
MARKER_HZ = 10.0  # data-loss markers
MARKER_LEAD_S = 1.0  # markers written before the data-loss command starts
MARKER_TAIL_S = 1.0  # and after it returns
VERSION_POLL_S = 0.05  # ≈20 Hz
# How long after the rollback command's start golive waits for the previous release,
# as a multiple of the rollback limit: long enough to measure by how much it is missed.
ROLLBACK_MARGIN = 1.5


def scrubber_for(env: Environment) -> Scrubber:
    """Mask the environment's secrets: every ``env:NAME`` it references and every variable
    whose name says it holds a secret."""
    values: list[str | None] = []
    for value in env.model_dump().values():
        if isinstance(value, str) and value.startswith("env:"):
            values.append(resolve_secret(value))
    values += [v for k, v in os.environ.items() if SECRET_NAME.search(k)]
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
@dataclass(frozen=True)
class VersionProbe:
    """Where the release being served is read: a JSON field, a header, or (neither
    configured) the release keys/headers golive knows (``release_of``), else a short
    plain-text body."""

    url: str
    field: str | None = None
    header: str | None = None

    @classmethod
    def of(cls, env: Environment, base_url: str) -> VersionProbe:
        url = env.version_url or HEALTH_PATH
        if url.startswith("/"):
            url = base_url.rstrip("/") + url
        return cls(url, env.version_field, env.version_header)

    def read(self, client: httpx.Client) -> str | None:
        """The release named now; None when the endpoint does not answer 2xx with one."""
        try:
            response = client.get(self.url)
        except httpx.HTTPError:
            return None
        if not response.is_success:
            return None
        if self.header:
            return response.headers.get(self.header) or None
        if self.field:
            try:
                body = response.json()
            except ValueError:
                return None
            value = body.get(self.field) if isinstance(body, dict) else None
            return str(value) if isinstance(value, str | int) and str(value) else None
        found = release_of(response)
        text = response.text.strip()
        return found or (text if text and len(text) <= 100 and "\n" not in text else None)

    def describe(self) -> str:
        how = f"header {self.header}" if self.header else f"field {self.field or 'release'}"
        return f"{self.url} ({how})"


class VersionWatch:
    """Polls the version endpoint at ≈20 Hz from the moment it starts until it sees
    ``wanted`` or ``bound_s`` have passed; ``answered_after_s`` is when it first did."""

    def __init__(self, probe: VersionProbe, wanted: str | None, bound_s: float) -> None:
        self.probe, self.wanted, self.bound_s = probe, wanted, bound_s
        self.answered_after_s: float | None = None
        self.requests = 0
        self.seen: list[str | None] = []  # each distinct answer, in order
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="golive-version", daemon=True)
        self._started = 0.0
        # made before the clock starts: building a client costs more than a poll interval
        self._client = BoundedClient(timeout_s=min(2.0, bound_s))

    def start(self) -> VersionWatch:
        self._started = time.perf_counter()
        if self.wanted is not None:
            self._thread.start()
        return self

    def _run(self) -> None:
        with self._client as client:
            while not self._stop.is_set():
                t0 = time.perf_counter()
                if t0 - self._started > self.bound_s:
                    return
                got = self.probe.read(client)
                self.requests += 1
                if not self.seen or self.seen[-1] != got:
                    self.seen.append(got)
                if got == self.wanted:
                    self.answered_after_s = round(time.perf_counter() - self._started, 3)
                    return
                self._stop.wait(max(0.0, VERSION_POLL_S - (time.perf_counter() - t0)))

    def wait(self) -> None:
        """Until the wanted release answered or the bound passed (the command is done)."""
        if self._thread.is_alive():
            self._thread.join(max(0.0, self.bound_s - (time.perf_counter() - self._started)) + 3)
        self._stop.set()
        if not self._thread.is_alive():
            self._client.close()

    def outcome(self) -> VersionOutcome:
        seconds = time.perf_counter() - self._started if self._started else 0.0
        watched = min(seconds, self.answered_after_s or self.bound_s) or 1.0
        return VersionOutcome(
            url=self.probe.describe(),
            wanted=self.wanted,
            answered_after_s=self.answered_after_s,
            bound_s=round(self.bound_s, 3),
            requests=self.requests,
            rate_hz=round(self.requests / watched, 1),
            answers=self.seen[:10],
        )


@dataclass(frozen=True)
class VersionOutcome:
    """What a VersionWatch saw (plain data: drills are shared between workers by pickle)."""

    url: str
    wanted: str | None
    answered_after_s: float | None
    bound_s: float
    requests: int
    rate_hz: float
    answers: list[str | None]

    def facts(self) -> dict[str, Any]:
        return dict(self.__dict__)


@dataclass
class Step:
    """One command run under observation."""

    command: CommandResult
    window: Window
    before: HealthSample
    after: HealthSample
    version: VersionOutcome | None = None  # rollbacks: when the previous release answered
    started_s: float = 0.0  # on the drill poller's clock; the window runs to the next step

    @property
    def release_changed(self) -> bool | None:
        if self.before.release is None or self.after.release is None:
            return None
        return self.before.release != self.after.release

    @property
    def completed_after_s(self) -> float | None:
        """Rollbacks: seconds from the command's start until the previous release answered."""
        return self.version.answered_after_s if self.version else None

    def facts(self) -> dict[str, Any]:
        return {
            "command": self.command.summary(),
            "seconds": self.command.seconds,
            "release_before": self.before.release,
            "release_after": self.after.release,
            "healthy_after": self.after.ok,
            "availability": self.window.summary(),
            **({"previous_release": self.version.facts()} if self.version else {}),
        }


@dataclass
class DeployCycle:
    deploy: Step
    rollback: Step | None = None
    previous_release: str | None = None  # read from the version endpoint before the deploy

    @property
    def rollback_succeeded(self) -> bool | None:
        """Rolled back: golive saw the release served before the deploy answer again, and
        the service is healthy. The command's exit code is evidence, not the verdict.
        None when the version endpoint named no release before the deploy."""
        if self.rollback is None:
            return False
        if self.previous_release is None:
            return None
        return self.rollback.completed_after_s is not None and self.rollback.after.ok


@dataclass
class DeployDrill:
    health_url: str
    cycles: list[DeployCycle] = field(default_factory=list)
    version_url: str = ""
    urls: list[str] = field(default_factory=list)  # the key endpoints polled
    poll_hz: float = POLL_HZ  # per endpoint
    tail_s: float = 0.0

    @property
    def deploys(self) -> list[Step]:
        return [c.deploy for c in self.cycles]

    @property
    def rollbacks(self) -> list[Step]:
        return [c.rollback for c in self.cycles if c.rollback is not None]

    def facts(self) -> list[dict[str, Any]]:
        return [
            {"cycle": i + 1, "previous_release": c.previous_release, "deploy": c.deploy.facts(),
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
    name: str,
    argv: list[str],
    timeout: float,
    url: str,
    scrub: Scrubber,
    client: httpx.Client,
    poll: HealthPoller,
    watch: VersionWatch | None = None,
) -> Step:
    """One command under the drill's poller; its window is cut out after the drill."""
    before = check_health(client, url)
    started = poll.now()
    if watch is not None:
        watch.start()  # timed from the command's start
    result = run_command(name, argv, timeout=timeout, scrub=scrub)
    _not_started(result)
    if watch is not None:
        watch.wait()
    outcome = watch.outcome() if watch is not None else None
    return Step(result, Window(), before, check_health(client, url), outcome, started)


def _cut_windows(steps: list[Step], window: Window) -> None:
    """Each step's window: from its command's start to the next step's (the last one to
    the end of polling, the tail included)."""
    for step, following in zip(steps, [*steps[1:], None], strict=True):
        end = following.started_s if following else window.seconds
        step.window = window.between(step.started_s, end)
        step.window.release_before = step.before.release


def key_endpoints(env: Environment, base_url: str) -> list[str]:
    """URLs polled during drills: /health, ``zero_downtime_paths``, and the load
    scenario's GET endpoints that need no login, header or body and answer 2xx (one that
    expects another status would count as down)."""
    paths = [HEALTH_PATH, *env.zero_downtime_paths]
    paths += [e.path for e in env.load.endpoints
              if e.method == "GET" and e.auth == "none" and e.body is None and not e.headers
              and all(200 <= s < 300 for s in e.expect_status)
              and e.path.startswith("/")]  # fmt: skip
    root = base_url.rstrip("/")
    return list(dict.fromkeys(root + p for p in paths))


def run_deploy_rollback(
    *,
    health_url: str,
    deploy: list[str],
    rollback: list[str],
    deploy_timeout: float,
    rollback_timeout: float,
    scrub: Scrubber,
    cycles: int = DEPLOY_CYCLES,
    version: VersionProbe | None = None,
    rollback_bound_s: float | None = None,
    urls: list[str] | None = None,
    tail_s: float = SETTLE_SECONDS,
) -> DeployDrill:
    """``cycles`` × (deploy, rollback). A failed deploy is still rolled back (that is
    what an operator would do), then the drill stops. The release served before each
    deploy is read from ``version`` (default: the health endpoint); the rollback is
    watched for it for ``rollback_bound_s`` (default: its command timeout). ``urls``
    (default: the health endpoint) are polled from the first command's start until
    ``tail_s`` after the last one."""
    probe = version or VersionProbe(health_url)
    bound = rollback_bound_s or rollback_timeout
    polled = urls or [health_url]
    drill = DeployDrill(health_url, version_url=probe.describe(), urls=polled, tail_s=tail_s)
    with BoundedClient(timeout_s=5.0) as client, \
            HealthPoller(polled, hz=POLL_HZ) as poll:  # fmt: skip
        for _ in range(cycles):
            previous = probe.read(client)
            phase = "deploy"
            try:
                cycle = DeployCycle(
                    _observed("deploy", deploy, deploy_timeout, health_url, scrub, client, poll),
                    previous_release=previous,
                )
                drill.cycles.append(cycle)
                phase = "rollback"
                cycle.rollback = _observed(
                    "rollback", rollback, rollback_timeout, health_url, scrub, client, poll,
                    VersionWatch(probe, previous, bound),
                )  # fmt: skip
            except BaseException as exc:
                if isinstance(exc, CheckOutcome) and phase == "deploy":
                    raise  # the deploy command did not start: nothing was changed
                # interrupted (Ctrl-C, SIGTERM, the run's deadline) or broken mid-way: the
                # target is put back, or the results say exactly what it was left on
                _restore_after_interrupt(phase, previous, rollback=rollback, probe=probe,
                                         timeout=min(rollback_timeout, RESTORE_TIMEOUT_S),
                                         scrub=scrub, client=client)  # fmt: skip
                raise
            if not (cycle.deploy.command.ok and cycle.rollback_succeeded):
                break
        time.sleep(tail_s)
    steps = [s for c in drill.cycles for s in (c.deploy, c.rollback) if s is not None]
    _cut_windows(steps, poll.window)
    return drill


# an interrupted deploy drill's rollback gets at most this long (`golive run` waits about a
# minute for an interrupted run's results before it kills what is left)
RESTORE_TIMEOUT_S = 45.0


def _restore_after_interrupt(
    phase: str,
    previous: str | None,
    *,
    rollback: list[str],
    probe: VersionProbe,
    timeout: float,
    scrub: Scrubber,
    client: httpx.Client,
) -> None:
    """The deploy drill stopped during ``phase``: roll back unless the release served
    before the drill answers already, and record what state the target is left in."""
    head = f"deploy drill interrupted during the {phase}"
    before = previous or "unknown (the version endpoint named none)"
    try:
        now = probe.read(client)
        if previous is not None and now == previous:
            record_left_state(f"{head}: the target serves {previous}, the release it served"
                              " before the drill; no rollback needed")  # fmt: skip
            return
        if previous is None and phase == "rollback":
            record_left_state(f"{head}: the rollback was under way and the release served"
                              " cannot be read: the target's state is unknown")  # fmt: skip
            return
        result = run_command("rollback", rollback, timeout=timeout, scrub=scrub)
        after = probe.read(client)
        if previous is not None and after == previous:
            record_left_state(f"{head}: golive ran the rollback ({result.summary()}); the"
                              f" target serves {previous} again, as before the drill")
        else:
            record_left_state(
                f"{head}: golive ran the rollback ({result.summary()}) but the target"
                f" serves {after or 'no readable release'} (before the drill: {before}):"
                " it is NOT restored"
            )
    except BaseException:
        record_left_state(f"{head}: the rollback golive started was itself interrupted;"
                          f" the target may be on the new release (before the drill:"
                          f" {before})")  # fmt: skip
        raise


# --- backup / restore ---------------------------------------------------------------------
@dataclass(frozen=True)
class RestoreTarget:
    """The source database and the one the restore command restores into (DSNs resolved;
    never printed: dbcompare describes them without their secret)."""

    source: str
    restored: str

    @classmethod
    def of(cls, env: Environment) -> RestoreTarget | str:
        """The pair, or why golive cannot compare (the reason for not_verified)."""
        if not env.restore_database_url:
            return (
                "no restore_database_url: golive cannot compare the restored database with"
                " the source, and does not take the restore command's word for it"
            )
        if not env.database_url:
            return "no database_url: nothing to compare the restored database with"
        source, restored = (
            resolve_secret(env.database_url),
            resolve_secret(env.restore_database_url),
        )
        if not source or not restored:
            return "database_url or restore_database_url names an unset variable"
        return cls(source, restored)

    def marker(self) -> tuple[int, int] | None:
        """(database oid, rows written so far) of the restored database; None when it does
        not exist yet. A restore that rewrote it changes one or the other."""
        try:
            with connect(self.restored, connect_timeout=5) as conn:
                row = conn.execute(
                    "SELECT oid FROM pg_database WHERE datname = current_database()"
                ).fetchone()
                oid = int(row[0]) if row else 0
            return oid, sum(dbcompare.write_counters(self.restored).values())
        except DatabaseUnreachable:
            return None


@dataclass
class BackupCycle:
    backup: CommandResult
    restore: CommandResult | None = None
    comparison: dbcompare.DbComparison | None = None  # golive's own, after the restore
    not_compared: str | None = None  # why there is no comparison
    stale: bool = False  # the restored database was not rewritten by the restore

    @property
    def compared(self) -> bool:
        return self.comparison is not None

    @property
    def match_percent(self) -> float | None:
        return self.comparison.percent if self.comparison and not self.stale else None

    @property
    def verified(self) -> bool:
        """Compared: golive found every table matching. Not compared: the command's word
        (kept only for the routine checks; the restore criteria require a comparison)."""
        if not self.backup.ok or self.restore is None:
            return False
        if self.comparison is not None:
            return not self.stale and self.match_percent == 100.0
        return self.restore.ok

    def problems(self) -> list[str]:
        """Why this cycle did not verify: a summary line, then each finding."""
        if not self.backup.ok:
            return [self.backup.summary()]
        if self.restore is None:
            return ["restore was not run"]
        if self.comparison is not None:
            if self.verified:
                return []
            head = (f"golive's comparison: {self.match_percent} % of tables match"
                    f" (restore command: {self.restore.summary()})")  # fmt: skip
            stale = ["the restored database was not rewritten by the restore: it is the copy"
                     " from before"] if self.stale else []  # fmt: skip
            return [head, *stale, *self.comparison.problems()]
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
            "restore_command_report": {k: report[k] for k in list(report)[:10]},
            "verified": self.verified,
            "match_percent": self.match_percent,
            "stale_restore": self.stale,
            "not_compared": self.not_compared,
            "problems": self.problems(),
            "comparison": self.comparison.facts() if self.comparison else None,
        }


@dataclass
class BackupDrill:
    cycles: list[BackupCycle] = field(default_factory=list)
    not_compared: str | None = None  # why golive compares nothing (no restore database)

    @property
    def backups(self) -> list[CommandResult]:
        return [c.backup for c in self.cycles]

    @property
    def restores(self) -> list[CommandResult]:
        return [c.restore for c in self.cycles if c.restore is not None]

    def require_comparison(self) -> None:
        """not_verified unless golive compared every restore it ran."""
        if self.not_compared:
            golive.not_verified(self.not_compared)
        missing = [c.not_compared for c in self.cycles if c.restore and not c.compared]
        if missing:
            golive.not_verified(f"golive could not compare the restored database: {missing[0]}")

    def facts(self) -> list[dict[str, Any]]:
        return [{"cycle": i + 1, **c.facts()} for i, c in enumerate(self.cycles)]

    def transcripts(self) -> str:
        parts = []
        for i, cycle in enumerate(self.cycles, start=1):
            for result in (cycle.backup, cycle.restore):
                if result is not None:
                    parts.append(f"## cycle {i}\n{result.transcript()}")
        return "\n\n".join(parts)


def _compare(cycle: BackupCycle, target: RestoreTarget, before: dict[str, int]) -> None:
    """golive's comparison after one restore; source tables written since ``before`` (the
    counters read before this cycle's backup) are compared by columns only."""
    try:
        after = dbcompare.write_counters(target.source)
        changed = {t for t, n in after.items() if before.get(t, n) != n}
        cycle.comparison = dbcompare.compare_databases(target.source, target.restored,
                                                       changed=changed)  # fmt: skip
    except DatabaseUnreachable as exc:
        cycle.not_compared = str(exc)
    except psycopg.Error as exc:  # a statement timeout, a permission: named, no traceback
        cycle.not_compared = f"{type(exc).__name__}: {str(exc).strip().splitlines()[0][:200]}"


def run_backup_restore(
    *,
    backup: list[str],
    restore: list[str],
    backup_timeout: float,
    restore_timeout: float,
    scrub: Scrubber,
    cycles: int = BACKUP_CYCLES,
    target: RestoreTarget | str | None = None,
) -> BackupDrill:
    """``cycles`` × (backup, restore of that backup, golive's comparison); stops after a
    failed backup. ``target`` None or a reason: nothing is compared (``not_compared``)."""
    drill = BackupDrill(not_compared=target if isinstance(target, str) else None)
    if target is None:
        drill.not_compared = "no restore database configured"
    for _ in range(cycles):
        before: dict[str, int] = {}
        if isinstance(target, RestoreTarget):
            try:
                before = dbcompare.write_counters(target.source)
            except DatabaseUnreachable as exc:
                drill.not_compared = str(exc)
        made = run_command("backup", backup, timeout=backup_timeout, scrub=scrub)
        _not_started(made)
        cycle = BackupCycle(made)
        drill.cycles.append(cycle)
        if not made.ok:
            break
        marker = target.marker() if isinstance(target, RestoreTarget) else None
        cycle.restore = run_command("restore", restore, timeout=restore_timeout, scrub=scrub)
        _not_started(cycle.restore)
        if isinstance(target, RestoreTarget) and not drill.not_compared:
            _compare(cycle, target, before)
            cycle.stale = marker is not None and marker == target.marker()
    return drill


# --- failover -----------------------------------------------------------------------------
@dataclass
class FailoverDrill:
    health_url: str
    command: CommandResult
    window: Window
    before: HealthSample
    after: HealthSample
    writes: WriteOutcome | None = None  # golive's own writes into the database
    writes_not_measured: str | None = None  # why there are none

    def interruptions(self) -> list[float]:
        """Each run of failed requests of an endpoint: seconds from its first failure to
        that endpoint's next answer."""
        spans: list[float] = []
        for samples in self.window.by_endpoint().values():
            start: float | None = None
            for sample in samples:
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


def _drop(writer: MarkerWriter) -> None:
    if not writer.drop():
        record_left_state(f"golive's scratch table {writer.table} could not be dropped: it is"
                          " left in the database")  # fmt: skip


def _writer(env: Environment, *, hz: float, purpose: str) -> MarkerWriter | str:
    """golive's marker writer into ``database_url``, or why there is none."""
    if not env.database_url:
        return "no database_url: golive cannot write to the database itself"
    dsn = resolve_secret(env.database_url)
    if not dsn:
        return "database_url names an unset variable"
    writer = MarkerWriter(dsn, hz=hz, purpose=purpose)
    try:
        writer.create()
    except MarkerRefused as exc:
        return str(exc)
    return writer


def run_failover(env: Environment, base_url: str) -> FailoverDrill:
    """``failover`` once, with the key endpoints polled through the front and a write
    into the database attempted at ≈5 Hz, from before the command until the tail ends."""
    argv = command_argv(env, "failover")
    url = base_url.rstrip("/") + HEALTH_PATH
    with BoundedClient(timeout_s=5.0) as client:
        before = check_health(client, url)
        if not before.ok:
            golive.not_verified(f"{url} is not healthy before the drill ({before.status})")
        writer = _writer(env, hz=FAILOVER_WRITE_HZ, purpose="failover")
        try:
            with HealthPoller(key_endpoints(env, base_url), hz=POLL_HZ) as poll, \
                    writer if isinstance(writer, MarkerWriter) else _nothing():  # fmt: skip
                result = run_command("failover", argv, timeout=FAILOVER_TIMEOUT_S,
                                     scrub=scrubber_for(env))  # fmt: skip
                _not_started(result)
                time.sleep(max(SETTLE_SECONDS, env.zero_downtime_tail_s))
        finally:
            if isinstance(writer, MarkerWriter):
                _drop(writer)
        drill = FailoverDrill(url, result, poll.window, before, check_health(client, url))
        if isinstance(writer, MarkerWriter):
            drill.writes = writer.write_outcome()
        else:
            drill.writes_not_measured = writer
        return drill


@contextmanager
def _nothing() -> Iterator[None]:
    yield


# --- data loss ----------------------------------------------------------------------------
# report keys naming the backup point the scenario recovers to (ISO 8601)
RECOVERY_POINT_KEYS = ("recovery_point", "backup_at")


@dataclass
class DataLossDrill:
    command: CommandResult
    markers: RpoOutcome | None = None  # golive's marker rows, after the recovery
    not_measured: str | None = None  # why there are none
    recovery_point: str | None = None  # as the command reported it

    def facts(self) -> dict[str, Any]:
        return {"command": self.command.summary(), "recovery_point": self.recovery_point,
                "markers": self.markers.facts() if self.markers else None,
                "not_measured": self.not_measured}  # fmt: skip


def _recovery_point(report: dict[str, Any]) -> tuple[str, float] | None:
    for key in RECOVERY_POINT_KEYS:
        value = report.get(key)
        if isinstance(value, str):
            try:
                when = dt.datetime.fromisoformat(value.replace("Z", "+00:00"))
            except ValueError:
                continue
            if when.tzinfo is None:
                when = when.replace(tzinfo=dt.UTC)
            return value, when.timestamp()
    return None


def run_data_loss(env: Environment) -> DataLossDrill:
    """``data_loss`` once (it needs a fresh backup: run the backup drill first), while
    golive writes marker rows at 10 Hz from ``MARKER_LEAD_S`` before it until
    ``MARKER_TAIL_S`` after it; the scratch table is dropped afterwards."""
    argv = command_argv(env, "data_loss")
    writer = _writer(env, hz=MARKER_HZ, purpose="data-loss")
    if isinstance(writer, str):
        result = run_command("data_loss", argv, timeout=FAILOVER_TIMEOUT_S,
                             scrub=scrubber_for(env))  # fmt: skip
        _not_started(result)
        return DataLossDrill(result, not_measured=writer)
    try:
        with writer:
            time.sleep(MARKER_LEAD_S)
            result = run_command("data_loss", argv, timeout=FAILOVER_TIMEOUT_S,
                                 scrub=scrubber_for(env))  # fmt: skip
            _not_started(result)
            time.sleep(MARKER_TAIL_S)
        point = _recovery_point(result.report())
        outcome = writer.rpo_outcome({point[0]: point[1]} if point else None)
    finally:
        _drop(writer)
    outcome = RpoOutcome(**{**outcome.__dict__, "dropped": writer.dropped})
    return DataLossDrill(result, outcome, recovery_point=point[0] if point else None)


# --- the drills of an environment -----------------------------------------------------------
def deploy_rollback_for(env: Environment, base_url: str, threshold: ThresholdOf) -> DeployDrill:
    """The deploy/rollback drill with the environment's commands and time limits."""
    deploy, rollback = command_argv(env, "deploy"), command_argv(env, "rollback")
    rollback_limit = threshold_seconds(threshold("cicd.rollback-time"), default=300)
    return run_deploy_rollback(
        health_url=base_url.rstrip("/") + HEALTH_PATH,
        deploy=deploy,
        rollback=rollback,
        deploy_timeout=command_timeout(threshold("platform.deploy-time"), default=300),
        rollback_timeout=command_timeout(threshold("cicd.rollback-time"), default=300),
        scrub=scrubber_for(env),
        version=VersionProbe.of(env, base_url),
        rollback_bound_s=rollback_limit * ROLLBACK_MARGIN,
        urls=key_endpoints(env, base_url),
        tail_s=env.zero_downtime_tail_s,
    )


def backup_restore_for(env: Environment, threshold: ThresholdOf) -> BackupDrill:
    """The backup/restore drill with the environment's commands and time limit."""
    backup, restore = command_argv(env, "backup"), command_argv(env, "restore")
    limit = command_timeout(threshold("cicd.backup-time"), default=1800)
    return run_backup_restore(
        backup=backup, restore=restore, backup_timeout=limit, restore_timeout=limit,
        scrub=scrubber_for(env), target=RestoreTarget.of(env),
    )  # fmt: skip
