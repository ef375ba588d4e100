"""golive's own console: a line per phase, what needs attention, the verdict block last.

Registered by the plugin in every process; only the controller (or a run without xdist)
writes. Under ``golive run`` the lines go to a pipe the command relays to the terminal,
while pytest's own output goes to ``pytest.log``; under plain pytest they go through
pytest's terminal writer, past its output capture, and the verdict block comes after
pytest's own summary.

A phase is a criterion kind (static, live, drill, load, security, attestation). Its line
is written when the last of its criteria has all its checks reported; the counts are of
criteria, judged as the run data judges them, so the console shows one set of counts.
"""

from __future__ import annotations

import os
import threading
import time
from collections import Counter
from collections.abc import Generator
from contextlib import nullcontext
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any, Protocol

import pytest

from golive._redact import redact
from golive.catalog import Catalog, Kind, Severity, Threshold
from golive.config import Waiver
from golive.judging.results import CheckResult, CriterionResult, RunData, judge_criterion
from golive.judging.verdict import RunVerdict, Status, combine
from golive.report.signoffs import attestation_lines

__all__ = [
    "ATTENTION_LINES",
    "VERDICT_PREFIX",
    "Console",
    "ConsoleSpec",
    "add_options",
    "parse_spec",
]

VERDICT_PREFIX = "verdict:"  # `golive run` looks for it to know the child got this far
ATTENTION_LINES = 20
_GROUP_FROM = 3  # criteria sharing severity, status and reason: one line from this many
_PLAN = "golive-plan"  # user property: a worker's collected checks per criterion
_KINDS = [k.value for k in Kind]
_STATUS_ORDER = ["pass", "fail", "error", "not_verified", "waived", "not_applicable"]
_ATTENTION = {"fail": 0, "error": 1, "not_verified": 2}
_SEVERITY_ORDER = {s.value: i for i, s in enumerate(Severity)}
_TTY_EVERY_S = 2.0
_PLAIN_EVERY_S = 60.0  # CI logs: a heartbeat a minute keeps a long run in one screen
_MEANING = {
    0: "every blocking criterion in scope passed or is validly waived/attested",
    1: "a blocking criterion failed or errored",
    2: "usage or configuration error",
    3: "interrupted or crashed; the results are partial",
    4: "nothing blocking failed, but a blocking criterion in scope was not verified",
}
_STYLE = {"GO": "green", "NO-GO": "red", "UNVERIFIED": "yellow", "INCOMPLETE": "red"}
_ANSI = {"green": "32", "red": "31", "yellow": "33"}


def add_options(group: Any) -> None:
    """The options ``golive run`` passes to its pytest child (not meant for users)."""
    group.addoption("--golive-console", default=None, metavar="SPEC",
                    help="write golive's console lines to a file descriptor instead of"
                         " pytest's terminal: fd=N[,tty][,width=N][,every=SECONDS]")
    group.addoption("--golive-pytest-log", default=None, type=Path,
                    help="where `golive run` writes pytest's own output (named on the console)")


@dataclass(frozen=True)
class ConsoleSpec:
    fd: int | None = None
    tty: bool = False
    width: int = 120
    every_s: float | None = None  # heartbeat interval; None: by tty
    brief: bool = False  # the verdict line only (a run inside another, e.g. the demo's routine)


def parse_spec(text: str | None) -> ConsoleSpec:
    if not text:
        return ConsoleSpec()
    fields: dict[str, str] = {}
    for part in text.split(","):
        name, _, value = part.strip().partition("=")
        fields[name] = value
    try:
        return ConsoleSpec(
            fd=int(fields["fd"]) if "fd" in fields else None,
            tty="tty" in fields,
            width=int(fields.get("width") or 120),
            every_s=float(fields["every"]) if fields.get("every") else None,
            brief="brief" in fields,
        )
    except ValueError:
        raise pytest.UsageError(f"--golive-console: cannot read {text!r}") from None


class _Run(Protocol):
    """What the console reads of the plugin's session (golive.harness.plugin.GoliveSession)."""

    catalog: Catalog
    profile: str | None
    env_name: str | None
    kinds: frozenset[str]
    output: Path | None
    waivers: list[Waiver]
    run_data: RunData | None

    @property
    def active(self) -> bool: ...

    def threshold(self, criterion_id: str) -> Threshold | None: ...


class _Writer(Protocol):
    width: int
    threaded: bool  # may be written from the heartbeat thread

    def line(self, text: str, style: str | None = None) -> None: ...

    def status(self, text: str) -> None: ...

    def close(self) -> None: ...


class _FdWriter:
    """Lines to a descriptor of `golive run`; on a tty the heartbeat rewrites one line."""

    threaded = True

    def __init__(self, fd: int, *, tty: bool, width: int) -> None:
        os.set_inheritable(fd, False)  # checks' child processes must not hold the pipe open
        self._file: Any = os.fdopen(fd, "w", encoding="utf-8", errors="replace")
        self._tty = tty
        self.width = max(width, 60)
        self._lock = threading.Lock()
        self._transient = False

    def _write(self, text: str) -> None:
        if self._file is None:
            return
        try:
            self._file.write(text)
            self._file.flush()
        except OSError:  # the command went away (its terminal closed): nothing to tell
            self._file = None

    def _clear(self) -> str:
        cleared, self._transient = ("\r\x1b[K" if self._transient else ""), False
        return cleared

    def line(self, text: str, style: str | None = None) -> None:
        if self._tty and style:
            text = f"\x1b[1;{_ANSI[style]}m{text}\x1b[0m"
        with self._lock:
            self._write(self._clear() + text + "\n")

    def status(self, text: str) -> None:
        if not self._tty:
            self.line(text)
            return
        with self._lock:
            self._write("\r\x1b[K" + text[: self.width - 1])
            self._transient = True

    def close(self) -> None:
        with self._lock:
            self._write(self._clear())
            if self._file is not None:
                self._file.close()
                self._file = None


class _TerminalWriter:
    """Plain pytest: pytest's terminal writer, past the output capture."""

    threaded = False

    def __init__(self, config: pytest.Config) -> None:
        self._config = config
        terminal = config.pluginmanager.getplugin("terminalreporter")
        self.width = max(int(getattr(getattr(terminal, "_tw", None), "fullwidth", 120)), 60)

    def line(self, text: str, style: str | None = None) -> None:
        capture = self._config.pluginmanager.getplugin("capturemanager")
        terminal = self._config.pluginmanager.getplugin("terminalreporter")
        with capture.global_and_fixture_disabled() if capture else nullcontext():
            if terminal is None:
                print(text, flush=True)
            else:
                if getattr(terminal._tw, "width_of_current_line", 0):
                    terminal._tw.line()  # xdist's progress leaves its line open
                markup = {style: True, "bold": True} if style else {}
                terminal.write_line(text, **markup)

    def status(self, text: str) -> None:
        self.line(text)

    def close(self) -> None:
        return None


def _first_line(text: str | None) -> str:
    return next((line.strip() for line in (text or "").splitlines() if line.strip()), "")


def _label(status: str) -> str:
    return status.replace("_", " ")


def _counts(statuses: Counter[str]) -> str:
    known = [s for s in _STATUS_ORDER if statuses.get(s)]
    rest = sorted(s for s in statuses if s not in _STATUS_ORDER and statuses[s])
    return " · ".join(f"{statuses[s]} {_label(s)}" for s in [*known, *rest]) or "none"


def _criteria(n: int) -> str:
    return f"{n} criterion" if n == 1 else f"{n} criteria"


def _duration(seconds: float) -> str:
    return f"{seconds:.1f}s" if seconds < 60 else f"{int(seconds // 60)}m{int(seconds % 60):02d}s"


class Console:
    """The plugin object named ``golive-console``."""

    def __init__(self, golive: _Run, config: pytest.Config, *, payload: str) -> None:
        self.golive = golive
        self.config = config
        self.payload = payload
        self.worker = hasattr(config, "workerinput")
        self.pytest_log: Path | None = config.getoption("golive_pytest_log", None)
        spec = parse_spec(config.getoption("golive_console", None))
        self.writer: _Writer | None = None
        if not self.worker:
            if spec.fd is not None:
                self.writer = _FdWriter(spec.fd, tty=spec.tty, width=spec.width)
            else:
                self.writer = _TerminalWriter(config)
        tty = spec.tty if spec.fd is not None else False
        self.every_s = spec.every_s or (_TTY_EVERY_S if tty else _PLAIN_EVERY_S)
        self.brief = spec.brief
        self._beats = tty or not spec.brief  # a brief run's heartbeat only rewrites a line
        self.plan: dict[str, int] | None = None  # selected checks per criterion
        self._plan_sent = False
        self._node_criterion: dict[str, str] = {}
        self._node_phases: dict[str, list[tuple[Status, str | None]]] = {}
        self._done: Counter[str] = Counter()
        self._judged: dict[str, str] = {}  # criterion -> status, once all its checks reported
        self._phase_started: dict[str, float] = {}
        self._phase_written: set[str] = set()
        self._started = time.monotonic()
        self._last_line = time.monotonic()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._lock = threading.Lock()

    # --- the plan: which checks each criterion waits for -----------------------------------
    @staticmethod
    def _plan_of(items: list[pytest.Item]) -> dict[str, int]:
        plan: Counter[str] = Counter()
        for item in items:
            mark = item.get_closest_marker("criterion")
            if mark is not None and mark.args and isinstance(mark.args[0], str):
                plan[mark.args[0]] += 1
        return dict(plan)

    @pytest.hookimpl(trylast=True)  # after every selection (profile, -k, -m) narrowed the items
    def pytest_collection_finish(self, session: pytest.Session) -> None:
        self.plan = self._plan_of(session.items)

    @pytest.hookimpl(wrapper=True)
    def pytest_runtest_makereport(
        self, item: pytest.Item, call: pytest.CallInfo[None]
    ) -> Generator[None, pytest.TestReport, pytest.TestReport]:
        report = yield
        if self.worker and not self._plan_sent and self.plan is not None:
            # the controller never collects (xdist): a worker's first report carries the plan
            report.user_properties = [*report.user_properties, (_PLAN, self.plan)]
            self._plan_sent = True
        return report

    # --- progress ----------------------------------------------------------------------------
    def _kind(self, criterion_id: str) -> str:
        return self.golive.catalog.get(criterion_id).kind.value

    def _judge(self, criterion_id: str, nodeids: list[str]) -> str:
        """The criterion's status as the run data will have it (waivers included)."""
        checks = []
        for nodeid in nodeids:
            phases = self._node_phases.get(nodeid, [])
            status = combine(s for s, _ in phases)
            reason = next((r for s, r in phases if s is status), None)
            checks.append(CheckResult(nodeid=nodeid, status=status, reason=reason))
        waiver = next((w for w in self.golive.waivers if w.criterion == criterion_id), None)
        entry = self.golive.catalog.get(criterion_id)
        return judge_criterion(
            entry, self.golive.threshold(criterion_id), checks, waiver=waiver,
            attestation=None, today=date.today(), missing_reason="",
        ).status.value  # fmt: skip

    def pytest_runtest_logreport(self, report: pytest.TestReport) -> None:
        if self.worker or not self.golive.active:
            return
        with self._lock:  # the heartbeat thread reads what this writes
            self._record(report)
        if self.writer is not None and not self.writer.threaded:
            self._heartbeat()

    def _record(self, report: pytest.TestReport) -> None:
        for name, value in report.user_properties:
            if name == _PLAN and self.plan is None and isinstance(value, dict):
                self.plan = {str(k): int(v) for k, v in value.items()}
            elif name == self.payload and isinstance(value, dict):
                criterion_id = str(value["criterion"])
                self._node_criterion[report.nodeid] = criterion_id
                self._node_phases.setdefault(report.nodeid, []).append(
                    (Status(value["status"]), value.get("reason"))
                )
                self._phase_started.setdefault(self._kind(criterion_id), time.monotonic())
        if report.when == "teardown" and report.nodeid in self._node_criterion:
            self._check_done(report.nodeid)

    def _check_done(self, nodeid: str) -> None:
        criterion_id = self._node_criterion[nodeid]
        self._done[criterion_id] += 1
        if self.plan is None or self._done[criterion_id] < self.plan.get(criterion_id, 0):
            return
        nodeids = [n for n, c in self._node_criterion.items() if c == criterion_id]
        self._judged[criterion_id] = self._judge(criterion_id, nodeids)
        kind = self._kind(criterion_id)
        waiting = [c for c in self.plan if self._kind(c) == kind and c not in self._judged]
        if not waiting and kind not in self._phase_written:
            self._phase_written.add(kind)
            if not self.brief:
                self._write_phase(kind)

    def _write_phase(self, kind: str) -> None:
        statuses = Counter(s for c, s in self._judged.items() if self._kind(c) == kind)
        at = _duration(time.monotonic() - self._started)
        self._line(f"{kind:<11} {'done at ' + at:<14} · {_criteria(sum(statuses.values()))}:"
                   f" {_counts(statuses)}")

    def _running(self) -> str | None:
        if self.plan is None:
            return None
        parts = []
        for kind in _KINDS:
            if kind not in self._phase_started or kind in self._phase_written:
                continue
            wanted = [c for c in self.plan if self._kind(c) == kind]
            judged = sum(1 for c in wanted if c in self._judged)
            parts.append(f"{kind} {judged}/{len(wanted)}")
        if not parts:
            return None
        elapsed = _duration(time.monotonic() - self._started)
        return f"… {elapsed} · criteria judged: {' · '.join(parts)}"

    def _heartbeat(self) -> None:
        if not self._beats or self.writer is None:
            return
        if time.monotonic() - self._last_line < self.every_s:
            return
        with self._lock:
            text = self._running()
        if text is not None:
            self.writer.status(redact(text))
            self._last_line = time.monotonic()

    def _beat(self) -> None:
        while not self._stop.wait(min(self.every_s, 1.0)):
            self._heartbeat()

    def _line(self, text: str, style: str | None = None) -> None:
        if self.writer is None:
            return
        width = self.writer.width
        text = redact(text)  # before the cut: half a secret must not reach the terminal
        self.writer.line(text if len(text) <= width else text[: width - 1] + "…", style)
        self._last_line = time.monotonic()

    @pytest.hookimpl(trylast=True)
    def pytest_sessionstart(self, session: pytest.Session) -> None:
        if self.worker or not self.golive.active or not isinstance(self.writer, _FdWriter):
            return
        self._thread = threading.Thread(target=self._beat, name="golive-console", daemon=True)
        self._thread.start()
        if self.brief:
            return
        golive = self.golive
        scope = f" · kind {', '.join(sorted(golive.kinds))}" if golive.kinds else ""
        where = (f" · pytest's output: {self.pytest_log} (-v shows it)"
                 if self.pytest_log is not None else "")
        self._line(f"golive: profile {golive.profile} · env {golive.env_name or '-'}{scope}{where}")

    # --- the end: what needs attention, then the verdict block --------------------------------
    @pytest.hookimpl(wrapper=True, tryfirst=True)  # outermost: after pytest's own summary
    def pytest_sessionfinish(self, session: pytest.Session) -> Generator[None, None, None]:
        result = yield
        if self.worker or self.writer is None:
            return result
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=5)
        data = self.golive.run_data
        if data is not None:
            # without a profile pytest's own exit code stands: the line names no exit then
            code = int(session.exitstatus) if self.golive.active else None
            if not self.brief:
                self._finish(data, code)
            else:
                self._verdict_line(data, code)
        self.writer.close()
        return result

    def pytest_unconfigure(self) -> None:
        """A run that ended before its session finished (a usage error) releases the pipe."""
        self._stop.set()
        if self.writer is not None:
            self.writer.close()

    def _finish(self, data: RunData, exit_code: int | None) -> None:
        """Lines for what no phase line counted: criteria without a check, attestations,
        phases a stop (-x, an interrupt) left unfinished; then attention and the verdict."""
        for kind in _KINDS:
            written = kind in self._phase_written
            rest = [c for c in data.criteria
                    if c.kind.value == kind and not (written and c.id in self._judged)]
            if not rest:
                continue
            if kind == Kind.ATTESTATION.value:
                how = "by records"
            elif any(c.checks for c in rest):
                how = "at the end"
            else:
                how = "no check ran"
            statuses = Counter(c.status.value for c in rest)
            self._line(f"{kind:<11} {how:<14} · {_criteria(len(rest))}: {_counts(statuses)}")
        if data.out_of_scope:
            why = "; ".join(data.narrowed_by) or "narrowed"
            self._line(f"{'out of scope':<11} {len(data.out_of_scope)} criteria,"
                       f" not counted ({why})")
        for line in attestation_lines(data, records_only=True):  # sign-offs, apart
            self._line(line)
        self._attention(data.criteria)
        self._verdict_block(data, exit_code)

    def _attention(self, criteria: list[CriterionResult]) -> None:
        """Blocking first, then major, minor; fails before errors before not verified.
        Three or more criteria with the same severity, status and reason share a line."""
        needs = sorted(
            (c for c in criteria if c.status.value in _ATTENTION),
            key=lambda c: (_SEVERITY_ORDER[c.severity.value], _ATTENTION[c.status.value], c.id),
        )
        if not needs:
            return
        groups: dict[tuple[str, str, str], list[str]] = {}
        for c in needs:
            groups.setdefault((c.status.value, c.severity.value, _first_line(c.reason)), []).append(
                c.id
            )
        lines: list[tuple[str, int]] = []  # (text, criteria it stands for)
        for (status, severity, reason), ids in groups.items():
            head = f"  {_label(status):<12} {severity:<8}"
            if len(ids) < _GROUP_FROM:
                lines += [(f"{head} {cid}  {reason}", 1) for cid in ids]
            else:
                lines.append((f"{head} {len(ids)} criteria: {reason} ({', '.join(ids)})", len(ids)))
        self._line("")
        self._line(f"needs attention ({len(needs)} criteria, blocking first):")
        for text, _ in lines[:ATTENTION_LINES]:
            self._line(text)
        if len(lines) > ATTENTION_LINES:
            rest = sum(n for _, n in lines[ATTENTION_LINES:])
            self._line(f"  … and {rest} more (see summary.md)")

    def _verdict_block(self, data: RunData, exit_code: int | None) -> None:
        statuses = Counter(c.status.value for c in data.criteria)
        self._line("")
        self._line(f"golive: {len(data.criteria)} criteria in scope: {_counts(statuses)}")
        if self.golive.output is not None:
            self._line(f"reports: {self.golive.output}"
                       " (readiness.html · summary.md · junit.xml · results.json)")
        self._verdict_line(data, exit_code)

    def _verdict_line(self, data: RunData, exit_code: int | None) -> None:
        verdict = data.verdict.value
        if data.verdict is RunVerdict.UNVERIFIED and data.allow_unverified:
            verdict += " (allowed by --allow-unverified)"
        if exit_code is None:
            self._line(f"{VERDICT_PREFIX} {verdict}", _STYLE.get(data.verdict.value))
            return
        meaning = _MEANING.get(exit_code, "")
        if data.verdict is RunVerdict.UNVERIFIED and data.allow_unverified:
            meaning = "blocking criteria not verified, let through by --allow-unverified"
        self._line(f"{VERDICT_PREFIX} {verdict} · exit {exit_code}"
                   + (f": {meaning}" if meaning else ""), _STYLE.get(data.verdict.value))
