"""The pytest plugin: criterion markers, verdict collection, run data on the controller.

Registered once through the ``pytest11`` entry point. Workers (pytest-xdist) only attach
each check's verdict to its test report; the controller aggregates the reports and is
the only process that writes outputs.
"""

from __future__ import annotations

import os
import re
import sys
import traceback
from collections.abc import Callable, Generator
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import pytest

from golive import __version__
from golive._errors import CheckOutcome, ConfigError, GoliveError
from golive._procs import (
    RUN_DIR_ENV,
    RUN_ID_ENV,
    Terminated,
    die_with_parent,
    terminate_as_interrupt,
)
from golive._redact import RedactingStream, install, redact, redact_data
from golive.catalog import PROFILES, Catalog, Kind, Threshold, load_catalog
from golive.config import (
    Config,
    Environment,
    Waiver,
    load_config,
    load_waivers,
)
from golive.finish.signoff import RecordFile, apply_signoffs, load_records
from golive.harness.console import Console
from golive.harness.console import add_options as add_console_options
from golive.harness.records import interruption, journal, write_collection
from golive.judging.evidence import CriterionContext, Evidence
from golive.judging.results import (
    CheckResult,
    Interruption,
    OutOfScope,
    RunData,
    build_run_data,
    judge_criterion,
    new_run_id,
)
from golive.judging.signoff import Signoff
from golive.judging.verdict import ExitCode, Status, combine
from golive.preflight import preflight

__all__ = ["GoliveSession", "ThresholdOf", "session_of"]

# what the threshold_of fixture hands a check: the environment's threshold of a criterion id
ThresholdOf = Callable[[str], Threshold | None]

# the fixtures every suite gets from an installed golive (targets, shared sessions)
pytest_plugins = [
    "golive.harness.fixtures", "golive.harness.hosts", "golive.harness.security",
    "golive.harness.sessions",
]  # fmt: skip

_PAYLOAD = "golive"
_CRITERION_KEY = pytest.StashKey[str]()
_EVIDENCE_KEY = pytest.StashKey[Evidence]()
_SESSION_KEY = pytest.StashKey["GoliveSession"]()
NO_CHECK = "no automated check"
INTERRUPTED = "the run was interrupted before this criterion was checked"
NOT_RUN = "a selected check did not run"
_WORKER_KEY = "golive_collection"  # workeroutput entry: what a worker collected and selected


@dataclass
class GoliveSession:
    """Everything the plugin knows about this run, kept in ``config.stash``."""

    catalog: Catalog
    config: Config
    profile: str | None
    env_name: str | None
    environment: Environment
    allow_unverified: bool
    lang: str
    output: Path | None
    waivers: list[Waiver]
    # sign-off records (golive.finish.signoff): judged against this run when it finishes
    attestations: tuple[list[RecordFile], list[Signoff]]
    started_at: datetime = field(default_factory=lambda: datetime.now(UTC))
    checks: dict[str, list[CheckResult]] = field(default_factory=dict)
    phases: dict[str, list[dict[str, Any]]] = field(default_factory=dict)
    run_data: RunData | None = None
    kinds: frozenset[str] = frozenset()
    # the checks of the profile and kinds by criterion: collected, and left after pytest's
    # own selection (-k, -m, --deselect); None until known (xdist: from the first worker)
    collected: dict[str, list[str]] | None = None
    selected: dict[str, list[str]] | None = None
    narrowed_by: list[str] = field(default_factory=list)  # what narrowed pytest's selection
    # set when the run is a usage error after collection (it executed no check)
    problem: str | None = None
    # `golive run` names the run (GOLIVE_RUN_ID); a plain pytest run gets a new id
    run_id: str | None = field(default_factory=lambda: os.environ.get(RUN_ID_ENV) or None)
    # an interrupted run: what stopped it (a signal, a crashed worker) and how far it got
    stopped_by: str | None = None
    interruption: Interruption | None = None

    def selects(self, criterion_id: str) -> bool:
        entry = self.catalog.get(criterion_id)
        in_profile = self.profile is None or self.profile in entry.profiles
        return in_profile and (not self.kinds or entry.kind.value in self.kinds)

    @property
    def active(self) -> bool:
        return self.profile is not None

    def threshold(self, criterion_id: str) -> Threshold | None:
        base = self.catalog.get(criterion_id).threshold
        override = self.environment.thresholds.get(criterion_id)
        return base.with_value(override) if base and override is not None else base


def session_of(config: pytest.Config) -> GoliveSession:
    return config.stash[_SESSION_KEY]


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("golive", "go-live readiness")
    group.addoption("--golive-profile", choices=PROFILES, default=None,
                    help="judge the criteria of this profile and compute the go/no-go verdict")
    group.addoption("--golive-env", default=None, help="environment of golive.toml to target")
    group.addoption("--golive-config", default=None, type=Path,
                    help="path of golive.toml (default: ./golive.toml when present)")
    group.addoption("--golive-output", default=None, type=Path,
                    help="folder for results.json, junit.xml, summary.md, readiness.html")
    group.addoption("--golive-lang", choices=("ja", "en"), default="en",
                    help="language of the reports")
    group.addoption("--golive-allow-unverified", action="store_true", default=False,
                    help="UNVERIFIED (nothing blocking failed, something blocking not verified)"
                         " exits 0; the verdict stays UNVERIFIED and every output says so")
    group.addoption("--golive-exit-file", default=None, type=Path,
                    help="write golive's exit code here (used by `golive run`, whose exit 4"
                         " must not be mistaken for pytest's usage error)")
    group.addoption("--golive-kind", action="append", default=[],
                    choices=[k.value for k in Kind],
                    help="only criteria of this kind (repeatable), e.g. static for a fast gate")
    group.addoption("--golive-note", default=None, help="a line shown at the top of the reports")
    group.addoption("--golive-notify", choices=("auto", "yes", "no"), default="auto",
                    help="post the verdict to the environment's webhook_url"
                         " (auto: as the profile says, e.g. daily)")
    add_console_options(group)


def _build_session(config: pytest.Config) -> GoliveSession:
    catalog = load_catalog()
    config_path: Path | None = config.getoption("golive_config")
    if config_path is None and Path("golive.toml").is_file():
        config_path = Path("golive.toml")
    golive_config = load_config(config_path)
    install(golive_config)  # every output of this process masks the run's secrets
    env_name, environment = None, Environment()
    if golive_config.environments or config.getoption("golive_env"):
        env_name, environment = golive_config.environment(config.getoption("golive_env"))
    profile = config.getoption("golive_profile")
    if profile is not None and env_name is not None:
        # a run that judges: every configured target is checked before any check runs
        problems = preflight(golive_config, env_name, environment)
        if problems:
            raise ConfigError(problems)
    return GoliveSession(
        catalog=catalog,
        config=golive_config,
        profile=profile,
        env_name=env_name,
        environment=environment,
        allow_unverified=config.getoption("golive_allow_unverified"),
        lang=config.getoption("golive_lang"),
        output=config.getoption("golive_output"),
        waivers=load_waivers(golive_config),
        attestations=load_records(golive_config, [], catalog),
        kinds=frozenset(config.getoption("golive_kind")),
    )


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers", "criterion(id): the catalog criterion this check judges (one per test)"
    )
    try:
        golive = _build_session(config)
    except ConfigError as exc:
        raise pytest.UsageError("\n".join(exc.problems)) from None
    except GoliveError as exc:
        raise pytest.UsageError(str(exc)) from None
    config.stash[_SESSION_KEY] = golive
    # SIGTERM/SIGHUP end the session like Ctrl-C (partial results written, children
    # stopped); under `golive run` a SIGINT inherited ignored is heeded again
    terminate_as_interrupt(sigint=bool(os.environ.get(RUN_DIR_ENV)))
    if os.environ.get(RUN_DIR_ENV):
        die_with_parent()  # `golive run` killed outright: stop like on its SIGTERM
    config.pluginmanager.register(_ReportCollector(golive), "golive-collector")
    # golive's own console lines (progress, attention, the verdict last); the controller writes
    config.pluginmanager.register(Console(golive, config, payload=_PAYLOAD), "golive-console")


@pytest.hookimpl(tryfirst=True)
def pytest_sessionstart(session: pytest.Session) -> None:
    _redact_terminal(session.config)  # pytest_configure is too early: no terminal yet


def _redact_terminal(config: pytest.Config) -> None:
    """pytest's own output (failure reports with fixture arguments and locals, captured
    output, warnings, its summary) passes the redaction on its way to the terminal or log."""
    terminal = config.pluginmanager.getplugin("terminalreporter")
    writer = getattr(terminal, "_tw", None)
    inner = getattr(writer, "_file", None)
    if inner is not None and not isinstance(inner, RedactingStream):
        writer._file = RedactingStream(inner)  # type: ignore[union-attr]


def _redact_report(report: pytest.TestReport) -> None:
    """The report as it travels (xdist, junit, the terminal): no secret in its traceback,
    its skip reason or its captured output."""
    longrepr = report.longrepr
    if isinstance(longrepr, tuple):
        path, line, reason = longrepr
        report.longrepr = (path, line, redact(reason))
    elif longrepr is not None:
        text = str(longrepr)
        clean = redact(text)
        if clean != text:  # a plain string only when it held a secret: keeps pytest's colours
            report.longrepr = clean
    if report.sections:
        report.sections = [(title, redact(content)) for title, content in report.sections]


_QUOTED_ID = re.compile(r"""["']([a-z][a-z0-9]*\.[a-z0-9][a-z0-9-]*)["']""")


def pytest_ignore_collect(collection_path: Path, config: pytest.Config) -> bool | None:
    """Skip importing a check module none of whose criteria the run selects.

    Only when the module names its criteria literally; a module whose ids are computed
    is always collected, and deselection then works per test as usual.
    """
    golive = config.stash.get(_SESSION_KEY, None)
    if golive is None or not golive.active or collection_path.suffix != ".py":
        return None
    if not collection_path.name.startswith("test_"):
        return None
    try:
        text = collection_path.read_text(encoding="utf-8")
    except OSError:
        return None
    named = {cid for cid in _QUOTED_ID.findall(text) if cid in golive.catalog}
    if named and not any(golive.selects(cid) for cid in named):
        return True
    return None


def _criterion_of(item: pytest.Item, catalog: Catalog) -> str | None:
    marks = list(item.iter_markers("criterion"))
    if not marks:
        return None
    ids = [arg for mark in marks for arg in mark.args]
    if len(ids) != 1 or not isinstance(ids[0], str):
        raise pytest.UsageError(
            f"{item.nodeid}: give exactly one criterion id per test, got {ids!r}"
        )
    if ids[0] not in catalog:
        raise pytest.UsageError(f"{item.nodeid}: unknown criterion id {ids[0]!r}")
    return ids[0]


@pytest.hookimpl(tryfirst=True)  # first: see the items before pytest's own selection narrows them
def pytest_collection_modifyitems(
    session: pytest.Session, config: pytest.Config, items: list[pytest.Item]
) -> None:
    golive = session_of(config)
    selected: list[pytest.Item] = []
    deselected: list[pytest.Item] = []
    for item in items:
        criterion_id = _criterion_of(item, golive.catalog)
        if criterion_id is not None:
            item.stash[_CRITERION_KEY] = criterion_id
        wanted = criterion_id is not None and golive.selects(criterion_id)
        (selected if not golive.active or wanted else deselected).append(item)
    if deselected:
        config.hook.pytest_deselected(items=deselected)
        items[:] = selected
    golive.collected = _by_criterion(items)


def _by_criterion(items: list[pytest.Item]) -> dict[str, list[str]]:
    found: dict[str, list[str]] = {}
    for item in items:
        criterion_id = item.stash.get(_CRITERION_KEY, None)
        if criterion_id is not None:
            found.setdefault(criterion_id, []).append(item.nodeid)
    return found


def _path_narrowing(config: pytest.Config) -> list[str]:
    """Files or node ids on the command line pick part of a suite (a folder does not)."""
    picked = []
    for arg in config.args:
        path = arg.split("::", 1)[0]
        if "::" in arg or Path(path).is_file():
            picked.append(arg)
    return [f"pytest paths: {' '.join(picked)}"] if picked else []


def pytest_collection_finish(session: pytest.Session) -> None:
    """What pytest's selection left of the profile's checks; a worker hands it to the
    controller, which never collects."""
    golive = session_of(session.config)
    if golive.collected is None:
        golive.collected = {}
    golive.selected = _by_criterion(session.items)
    narrowed = _path_narrowing(session.config)
    if sum(map(len, golive.selected.values())) < sum(map(len, golive.collected.values())):
        narrowed.append("pytest selection (-k, -m or --deselect)")
    golive.narrowed_by = narrowed
    write_collection(golive.collected, golive.selected, narrowed)
    workeroutput = getattr(session.config, "workeroutput", None)
    if isinstance(workeroutput, dict):
        workeroutput[_WORKER_KEY] = {
            "collected": golive.collected, "selected": golive.selected, "narrowed_by": narrowed,
        }


def _evidence_of(item: pytest.Item) -> Evidence:
    if _EVIDENCE_KEY not in item.stash:
        item.stash[_EVIDENCE_KEY] = Evidence()
    return item.stash[_EVIDENCE_KEY]


@pytest.fixture
def evidence(request: pytest.FixtureRequest) -> Evidence:
    """Record measured values, tool output and notes for this check's criterion."""
    return _evidence_of(request.node)


@pytest.fixture
def criterion(request: pytest.FixtureRequest) -> CriterionContext:
    """The criterion this check judges, with the environment's threshold."""
    criterion_id = request.node.stash.get(_CRITERION_KEY, None)
    if criterion_id is None:
        raise pytest.UsageError(
            f"{request.node.nodeid}: the criterion fixture needs @pytest.mark.criterion('ID')"
        )
    golive = session_of(request.config)
    return CriterionContext(
        entry=golive.catalog.get(criterion_id),
        threshold=golive.threshold(criterion_id),
        evidence=_evidence_of(request.node),
    )


@pytest.fixture(scope="session")
def golive_session(request: pytest.FixtureRequest) -> GoliveSession:
    """The run: catalog, config, chosen environment, profile."""
    return session_of(request.config)


def _first_line(text: str) -> str:
    return next((line.strip() for line in text.splitlines() if line.strip()), text)


def _unreachable(exc: BaseException) -> str | None:
    """The target a network error concerns ("a target" when it names none), or None when
    ``exc`` is no failure to reach a target (the database, an HTTP target, AWS)."""
    import httpx
    import psycopg
    from botocore.exceptions import (
        ConnectionClosedError,
        ConnectTimeoutError,
        EndpointConnectionError,
        ReadTimeoutError,
    )

    from golive._http import origin
    from golive.facts.live.postgres import DatabaseUnreachable

    if isinstance(exc, httpx.TransportError):
        try:
            return f"{origin(exc.request.url)} not reachable"
        except RuntimeError:  # an error raised before its request was attached
            return "HTTP target not reachable"
    if isinstance(exc, DatabaseUnreachable | psycopg.OperationalError):
        return "database not reachable"  # the message names host and port (no password)
    if isinstance(exc, EndpointConnectionError | ConnectTimeoutError | ReadTimeoutError |
                  ConnectionClosedError):  # fmt: skip
        return "AWS endpoint not reachable"  # botocore's message names the endpoint URL
    return None


def _classify(
    call: pytest.CallInfo[None], report: pytest.TestReport
) -> tuple[Status, str | None] | None:
    """The check's status from one phase, or None when the phase decides nothing."""
    excinfo = call.excinfo
    if excinfo is not None and excinfo.errisinstance(CheckOutcome):
        outcome = excinfo.value
        assert isinstance(outcome, CheckOutcome)
        return Status(outcome.status), outcome.reason
    if report.skipped:
        reason = report.longrepr[2] if isinstance(report.longrepr, tuple) else str(report.longrepr)
        return Status.NOT_VERIFIED, f"skipped: {reason.removeprefix('Skipped: ')}"
    if report.passed:
        return (Status.PASS, None) if call.when == "call" else None
    assert excinfo is not None
    if call.when == "call" and excinfo.errisinstance(AssertionError):
        return Status.FAIL, str(excinfo.value).strip() or "assertion failed"
    detail = "".join(traceback.format_exception_only(excinfo.type, excinfo.value))
    unreachable = _unreachable(excinfo.value)
    if unreachable:  # the target stopped answering mid-run: nothing was checked
        said = _first_line(str(excinfo.value)) or "no detail"
        return Status.NOT_VERIFIED, f"{unreachable}: {excinfo.typename}: {said}"
    return Status.ERROR, f"{call.when} raised {_first_line(detail)}"


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(
    item: pytest.Item, call: pytest.CallInfo[None]
) -> Generator[None, pytest.TestReport, pytest.TestReport]:
    report = yield
    _redact_report(report)
    criterion_id = item.stash.get(_CRITERION_KEY, None)
    if criterion_id is None:
        return report
    decided = _classify(call, report)
    if decided is None:
        return report
    status, reason = decided
    evidence = _evidence_of(item)
    # redacted at the source: the journal, the run data and every report get it clean
    payload = redact_data({
        "criterion": criterion_id,
        "when": call.when,
        "status": status.value,
        "reason": reason,
        "duration_s": round(call.duration, 4),
        "measured": evidence.measured,
        "evidence": list(evidence.items),
    })
    # a fresh list: pytest shares item.user_properties between the phases' reports
    report.user_properties = [*report.user_properties, (_PAYLOAD, payload)]
    if status in (Status.NOT_VERIFIED, Status.NOT_APPLICABLE) and report.failed:
        # shown by pytest as a skip, so a terminal summary reads right; golive keeps the status
        report.outcome = "skipped"
        path, line, _ = item.reportinfo()
        shown = payload["reason"]
        report.longrepr = (str(path), (line or 0) + 1, f"golive {status.value}: {shown}")
    return report


class _ReportCollector:
    """Receives every test report on the controller (or in a run without xdist)."""

    def __init__(self, golive: GoliveSession) -> None:
        self.golive = golive

    def pytest_runtest_logreport(self, report: pytest.TestReport) -> None:
        for name, payload in report.user_properties:
            if name == _PAYLOAD and isinstance(payload, dict):
                self.golive.phases.setdefault(report.nodeid, []).append(payload)
                journal(report.nodeid, payload)  # kept if this process dies

    def pytest_keyboard_interrupt(self, excinfo: pytest.ExceptionInfo[BaseException]) -> None:
        if self.golive.stopped_by is None:
            value = excinfo.value
            self.golive.stopped_by = (
                f"{value} to the pytest process" if isinstance(value, Terminated)
                else "SIGINT (Ctrl-C) to the pytest process"
            )  # fmt: skip

    @pytest.hookimpl(tryfirst=True)
    def pytest_sessionstart(self, session: pytest.Session) -> None:
        self.golive.started_at = datetime.now(UTC)

    @pytest.hookimpl(optionalhook=True)
    def pytest_testnodedown(self, node: Any, error: object) -> None:
        """xdist controller: every worker collects the same items; the first one tells."""
        info = getattr(node, "workeroutput", {}).get(_WORKER_KEY)
        if info is not None and self.golive.selected is None:
            self.golive.collected = info["collected"]
            self.golive.selected = info["selected"]
            self.golive.narrowed_by = list(info["narrowed_by"])
        if error is not None and self.golive.active and self.golive.stopped_by is None:
            # a crashed worker: its check's result is lost, so the run is INCOMPLETE; stop
            # the rest now rather than let a replacement worker hang the run
            name = getattr(getattr(node, "gateway", None), "id", "?")
            self.golive.stopped_by = f"xdist worker {name} went down ({error})"
            dsession = node.config.pluginmanager.getplugin("dsession")
            if dsession is not None and not dsession.shouldstop:
                dsession.shouldstop = f"golive: {self.golive.stopped_by}"


def _checks_by_criterion(golive: GoliveSession) -> dict[str, list[CheckResult]]:
    checks: dict[str, list[CheckResult]] = {}
    for nodeid, phases in golive.phases.items():
        status = combine(Status(p["status"]) for p in phases)
        decisive = next(p for p in phases if p["status"] == status.value)
        checks.setdefault(phases[0]["criterion"], []).append(
            CheckResult(
                nodeid=nodeid,
                status=status,
                reason=decisive["reason"],
                duration_s=sum(p["duration_s"] for p in phases),
                measured=decisive["measured"],
                evidence=decisive["evidence"],
            )
        )
    return checks


def _narrowing_reason(golive: GoliveSession, criterion_id: str) -> str | None:
    """Why a criterion of the profile is out of the run's scope, or None when it is in.

    A criterion only some of whose checks were selected is out: half a criterion is no pass.
    """
    entry = golive.catalog.get(criterion_id)
    if golive.kinds and entry.kind.value not in golive.kinds:
        return f"kind {entry.kind.value} not selected (--kind {', '.join(sorted(golive.kinds))})"
    if not golive.narrowed_by or golive.collected is None or golive.selected is None:
        return None
    collected = len(golive.collected.get(criterion_id, []))
    selected = len(golive.selected.get(criterion_id, []))
    if selected == 0:
        return f"no check of it selected ({'; '.join(golive.narrowed_by)})"
    if selected < collected:
        return f"only {selected} of its {collected} checks selected; a part is no pass"
    return None


def _unrun_checks(
    golive: GoliveSession, criterion_id: str, ran: list[CheckResult], interrupted: bool
) -> list[CheckResult]:
    """Selected checks that never reported (-x, a crash): not verified, so a criterion
    never passes on the checks that happened to run."""
    if golive.selected is None:
        return []
    reported = {c.nodeid for c in ran}
    reason = INTERRUPTED if interrupted else NOT_RUN
    return [
        CheckResult(nodeid=nodeid, status=Status.NOT_VERIFIED, reason=reason)
        for nodeid in golive.selected.get(criterion_id, [])
        if nodeid not in reported
    ]


def build_session_run_data(
    golive: GoliveSession, *, interrupted: bool, note: str | None
) -> RunData:
    checks = _checks_by_criterion(golive)
    out_of_scope: list[OutOfScope] = []
    if golive.profile:
        criteria = []
        for entry in golive.catalog.in_profile(golive.profile):
            why = _narrowing_reason(golive, entry.id)
            if why is None:
                criteria.append(entry)
            else:
                out_of_scope.append(OutOfScope(id=entry.id, severity=entry.severity, reason=why))
    else:
        criteria = [c for c in golive.catalog if c.id in checks]
    waivers = {w.criterion: w for w in golive.waivers}
    today = date.today()
    results = []
    for criterion in criteria:
        ran = checks.get(criterion.id, [])
        results.append(judge_criterion(
            criterion,
            golive.threshold(criterion.id),
            ran + _unrun_checks(golive, criterion.id, ran, interrupted),
            waiver=waivers.get(criterion.id),
            attestation=None,  # sign-offs name this run: judged below, once its id is known
            today=today,
            missing_reason=INTERRUPTED if interrupted else NO_CHECK,
        ))
    narrowed_by = list(golive.narrowed_by)
    if golive.kinds:
        narrowed_by.insert(0, f"--kind {', '.join(sorted(golive.kinds))}")
    data = build_run_data(
        run_id=golive.run_id or new_run_id(golive.started_at),
        version=__version__,
        profile=golive.profile,
        env=golive.env_name,
        allow_unverified=golive.allow_unverified,
        lang=golive.lang,
        started_at=golive.started_at,
        finished_at=datetime.now(UTC),
        criteria=results,
        out_of_scope=out_of_scope,
        narrowed_by=narrowed_by,
        checks_run=len(golive.phases),
        interrupted=interrupted,
        interruption=golive.interruption,
        note=note,
    )
    return apply_signoffs(data, golive.config, today=today, records=golive.attestations)


def _nothing_ran(golive: GoliveSession, config: pytest.Config) -> str:
    """One line: why a run that executed no check judged nothing."""
    collected = sum(map(len, (golive.collected or {}).values()))
    selected = sum(map(len, (golive.selected or {}).values()))
    if config.getoption("collectonly", False):
        why = "--collect-only runs no check"
    elif collected == 0:
        why = "the suite holds no check of this profile"
    elif selected == 0:
        why = f"the pytest selection matched none of the {collected} checks"
    else:
        why = f"none of the {selected} selected checks ran"
    return (f"golive: no check ran ({why}): a run that executes nothing is a usage error"
            " (exit 2); nothing judged, nothing written to the history")


def _needs_checks(golive: GoliveSession) -> bool:
    """A golive run must execute checks, unless its scope holds attestations only."""
    if not golive.active:
        return False
    return any(c.automated and golive.selects(c.id) for c in golive.catalog)


def _exit(session: pytest.Session, golive: GoliveSession, code: int) -> None:
    session.exitstatus = code
    exit_file: Path | None = session.config.getoption("golive_exit_file")
    if exit_file is not None:
        exit_file.write_text(f"{int(code)}\n", encoding="utf-8")


@pytest.hookimpl(wrapper=True)
def pytest_sessionfinish(
    session: pytest.Session, exitstatus: int
) -> Generator[None, None, None]:
    result = yield
    config = session.config
    if hasattr(config, "workerinput"):
        return result  # xdist worker: the controller writes everything
    golive = session_of(config)
    if not golive.active and golive.output is None:
        return result
    status = session.exitstatus
    if status == pytest.ExitCode.USAGE_ERROR:
        _exit(session, golive, ExitCode.USAGE)
        return result
    interrupted = status in (pytest.ExitCode.INTERRUPTED, pytest.ExitCode.INTERNAL_ERROR)
    interrupted = interrupted or golive.stopped_by is not None
    if interrupted:
        golive.interruption = interruption(
            golive.stopped_by or f"pytest ended with {pytest.ExitCode(status).name}",
            checks_run=len(golive.phases), selected=golive.selected,
        )  # fmt: skip
    if not golive.phases and not interrupted and not golive.active:
        return result  # plain pytest: no verdict to give, nothing to write
    data = build_session_run_data(
        golive, interrupted=interrupted, note=config.getoption("golive_note")
    )
    if not interrupted and _needs_checks(golive):
        if not golive.phases:
            golive.problem = _nothing_ran(golive, config)
        elif not data.criteria:
            golive.problem = (
                f"golive: no criterion left whole in scope ({'; '.join(data.narrowed_by)}):"
                " a run that judges nothing is a usage error (exit 2); nothing written"
            )
        if golive.problem is not None:
            sys.stderr.write(golive.problem + "\n")
            _exit(session, golive, ExitCode.USAGE)
            return result
    from golive.finish.run import finish_run  # reporters load only when a run finishes

    golive.run_data = finish_run(
        data,
        catalog=golive.catalog,
        config=golive.config,
        environment=golive.environment,
        output=golive.output,
        notify=config.getoption("golive_notify"),
    )
    if golive.active:
        _exit(session, golive, golive.run_data.exit_code)
    return result
