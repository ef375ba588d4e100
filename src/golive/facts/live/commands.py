"""Run one environment command (``[environments.X.commands]``) as argv, timed, scrubbed.

The command runs without a shell in its own process group; on timeout the whole group
is terminated, then killed. Its output is kept for evidence only after secrets are
scrubbed from it.
"""

from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import time
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from golive import _procs
from golive._redact import MASK, MIN_LENGTH, redact, secret_parts
from golive.catalog import Threshold

__all__ = [
    "CommandResult",
    "Scrubber",
    "in_unit",
    "run_command",
    "threshold_seconds",
]

_UNIT_SECONDS = {"ms": 0.001, "s": 1.0, "sec": 1.0, "min": 60.0, "h": 3600.0}
_KEY_VALUE = re.compile(
    r"(?P<head>\b[\w-]*(?:password|passwd|pwd|secret|token|api[_-]?key)[\w-]*\"?\s*[=:]\s*\"?)"
    r"(?P<secret>[^\s\"',;&]+)",
    re.I,
)


def threshold_seconds(threshold: Threshold | None, *, default: float) -> float:
    """A time threshold in seconds (``default`` when there is none or it is not a time)."""
    if threshold is None or threshold.unit not in _UNIT_SECONDS:
        return default
    return float(threshold.value) * _UNIT_SECONDS[threshold.unit]


def in_unit(seconds: float, threshold: Threshold | None) -> float:
    """``seconds`` expressed in the threshold's time unit (seconds when it has none)."""
    if threshold is None or threshold.unit not in _UNIT_SECONDS:
        return seconds
    return seconds / _UNIT_SECONDS[threshold.unit]


@dataclass(frozen=True)
class Scrubber:
    """Masks the given values (and the secret parts inside them) on top of what
    golive._redact masks, and, as command output goes, any ``key: value`` or ``key = value``
    whose key names a credential. The values stay local: a drill's environment may hold
    placeholders the other outputs must keep."""

    secrets: tuple[str, ...] = ()

    @classmethod
    def of(cls, values: Iterable[str | None]) -> Scrubber:
        found = {part for value in values if value for part in secret_parts(value)}
        # longest first, so a secret containing another is masked whole; very short values
        # (flags, "true") would only garble the output
        kept = (s for s in found if len(s) >= MIN_LENGTH)
        return cls(tuple(sorted(kept, key=len, reverse=True)))

    def __call__(self, text: str) -> str:
        for secret in self.secrets:
            text = text.replace(secret, MASK)
        return redact(_KEY_VALUE.sub(lambda m: m["head"] + MASK, text))


@dataclass
class CommandResult:
    """What one run of an environment command did (output already scrubbed)."""

    name: str
    argv: list[str]
    returncode: int | None
    seconds: float
    stdout: str = ""
    stderr: str = ""
    timed_out: bool = False
    start_error: str | None = None
    timeout: float = 0.0
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        return self.returncode == 0 and not self.timed_out

    @property
    def started(self) -> bool:
        return self.start_error is None

    def summary(self) -> str:
        if self.start_error:
            return f"{self.name} could not start: {self.start_error}"
        if self.timed_out:
            return f"{self.name} did not finish within {self.timeout:g} s (stopped)"
        return f"{self.name} exited {self.returncode} after {self.seconds:.2f} s"

    def report(self) -> dict[str, Any]:
        """The last JSON object the command printed on stdout, if any (else empty)."""
        text = self.stdout.strip()
        for start in [0, *(m.start() for m in re.finditer(r"^\{", text, re.M))]:
            try:
                value = json.loads(text[start:])
            except ValueError:
                continue
            if isinstance(value, dict):
                return value
        return {}

    def transcript(self) -> str:
        return (
            f"$ {' '.join(self.argv)}\n# {self.summary()}\n"
            f"--- stdout\n{self.stdout}\n--- stderr\n{self.stderr}"
        )


def _stop_group(proc: subprocess.Popen[str]) -> None:
    for sig, wait in ((signal.SIGTERM, 5.0), (signal.SIGKILL, 5.0)):
        try:
            os.killpg(proc.pid, sig)
        except ProcessLookupError:
            return
        try:
            proc.wait(wait)
            return
        except subprocess.TimeoutExpired:
            continue


def run_command(
    name: str, argv: list[str], *, timeout: float, scrub: Scrubber | None = None
) -> CommandResult:
    """Run ``argv`` (no shell) with ``timeout`` seconds; never raises for the command's sake."""
    clean = scrub or Scrubber()
    shown = [clean(a) for a in argv]
    started = time.perf_counter()
    try:
        # a process group of its own: ended on timeout, on interrupt, at exit
        proc = _procs.popen(
            argv,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            errors="replace",
        )
    except OSError as exc:
        return CommandResult(name, shown, None, 0.0, start_error=clean(str(exc)), timeout=timeout)
    timed_out = False
    try:
        out, err = proc.communicate(timeout=timeout)
    except BaseException as exc:
        if not isinstance(exc, subprocess.TimeoutExpired):
            _procs.stop_group(proc, grace=2.0)  # interrupted: the command goes too
            raise
        timed_out = True
        _stop_group(proc)
        try:
            out, err = proc.communicate(timeout=10.0)
        except subprocess.TimeoutExpired:  # a detached descendant still holds the pipes
            out, err = "", "(output not collected: a descendant kept the pipes open)"
    seconds = time.perf_counter() - started
    if not _procs.group_alive(proc.pid):
        # what a command leaves running in its own group is ended with the run (at exit); a
        # service it starts on purpose detaches (its own session, a service manager)
        _procs.release(proc)
    return CommandResult(
        name,
        shown,
        None if timed_out else proc.returncode,
        round(seconds, 3),
        stdout=clean(out or ""),
        stderr=clean(err or ""),
        timed_out=timed_out,
        timeout=timeout,
    )
