"""Shell scripts as the checks read them: lines, functions, commands and strict mode.

What a script says, with line numbers; rules decide whether that is enough.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

from golive.facts.repo.discover import SKIPPED_DIRS, find_deliverable
from golive.facts.repo.structured import relative
from golive.judging.findings import Finding

__all__ = [
    "STRICT_OPTIONS",
    "Script",
    "StrictMode",
    "find_script",
    "load_script",
    "read_script",
    "script_from_text",
    "set_options",
    "strict_mode",
]

STRICT_OPTIONS = frozenset({"errexit", "nounset", "pipefail"})

_NOT_A_COMMAND = re.compile(r"^\s*(#|echo\b|printf\b|log\b|:\s*['\"])")
_FUNCTION = re.compile(r"^(\s*)(?:function\s+([\w-]+)\s*(?:\(\s*\))?|([\w-]+)\s*\(\s*\))\s*\{\s*$")
_SET = re.compile(r"^\s*set\s+(.+)$")
# lines that prepare the shell rather than run the script's work
_SETUP_LINE = re.compile(
    r"^(set\s|shopt\s|trap\s|readonly\s|declare\s|export\s|IFS=|[A-Za-z_]\w*=|"
    r"[A-Za-z_][\w-]*\s*\(\)|function\s|\}|\{|source\s|\.\s)"
)


def set_options(line: str) -> set[str] | None:
    """The options a ``set`` line turns on (``-e`` errexit, ``-u`` nounset, ``-o name``);
    None when the line is not a ``set`` command."""
    match = _SET.match(line.split("#", 1)[0])
    if not match:
        return None
    options: set[str] = set()
    words = match.group(1).split()
    for index, word in enumerate(words):
        if not re.fullmatch(r"-[A-Za-z]+", word):
            continue
        options |= {name for letter, name in (("e", "errexit"), ("u", "nounset")) if letter in word}
        if word.endswith("o") and index + 1 < len(words):
            options.add(words[index + 1])
    return options


@dataclass(frozen=True)
class StrictMode:
    """The shell options a script sets: anywhere, and before its first command."""

    options: frozenset[str]
    first_set: int | None  # line of the first ``set``
    before_first_command: frozenset[str]
    first_command: int | None  # the first line that does the script's work

    @property
    def missing(self) -> list[str]:
        return sorted(STRICT_OPTIONS - self.options)

    @property
    def missing_before_first_command(self) -> list[str]:
        return sorted(STRICT_OPTIONS - self.before_first_command)


@dataclass(frozen=True)
class Script:
    name: str
    path: Path
    shown: str
    lines: tuple[str, ...]
    functions: dict[str, tuple[int, int]] = field(default_factory=dict)  # name → (start, end)

    @property
    def text(self) -> str:
        return "\n".join(self.lines)

    def code_lines(self) -> list[tuple[int, str]]:
        """(line number, line) of every line that is neither blank nor a comment."""
        return [
            (n, line) for n, line in enumerate(self.lines, start=1)
            if line.strip() and not line.strip().startswith("#")
        ]

    def commands(self, pattern: re.Pattern[str]) -> list[int]:
        """Lines (1-based) that run something matching ``pattern``, comments excluded."""
        return [
            number for number, line in enumerate(self.lines, start=1)
            if not _NOT_A_COMMAND.match(line) and pattern.search(line)
        ]

    def has(self, pattern: re.Pattern[str]) -> bool:
        return bool(self.commands(pattern))

    def function_at(self, line: int) -> str | None:
        for name, (start, end) in self.functions.items():
            if start < line < end:
                return name
        return None

    def effective_line(self, line: int, depth: int = 0) -> int | None:
        """Where the command on ``line`` runs in the main flow: inside a function, the
        line of the first call of that function (None when it is never called)."""
        name = self.function_at(line)
        if name is None:
            return line
        if depth > 5:
            return None
        start, end = self.functions[name]
        call = re.compile(rf"(^|[\s;&|(]){re.escape(name)}($|[\s;&|)])")
        calls = [n for n in self.commands(call) if not start <= n <= end]
        resolved = [r for n in calls if (r := self.effective_line(n, depth + 1)) is not None]
        return min(resolved) if resolved else None

    def first(self, pattern: re.Pattern[str]) -> int | None:
        lines = [r for n in self.commands(pattern) if (r := self.effective_line(n)) is not None]
        return min(lines) if lines else None

    def strict_mode(self) -> StrictMode:
        return strict_mode(self.lines)


def strict_mode(lines: Sequence[str]) -> StrictMode:
    """Which strict-mode options ``lines`` set, and which before the first command."""
    options: set[str] = set()
    before: frozenset[str] | None = None
    first_set: int | None = None
    first_command: int | None = None
    for number, raw in enumerate(lines, start=1):
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        turned_on = set_options(raw)
        if turned_on is not None:
            first_set = first_set or number
            options |= turned_on
        elif first_command is None and not raw[:1].isspace() and not _SETUP_LINE.match(line):
            first_command, before = number, frozenset(options)
    return StrictMode(
        frozenset(options), first_set,
        before if before is not None else frozenset(options), first_command,
    )


def _functions(lines: tuple[str, ...]) -> dict[str, tuple[int, int]]:
    spans: dict[str, tuple[int, int]] = {}
    for number, line in enumerate(lines, start=1):
        match = _FUNCTION.match(line)
        if not match:
            continue
        indent, name = match.group(1), match.group(2) or match.group(3)
        end = next(
            (n for n in range(number + 1, len(lines) + 1)
             if re.match(rf"^{re.escape(indent)}\}}\s*(;.*)?$", lines[n - 1])),
            len(lines),
        )
        spans.setdefault(name, (number, end))
    return spans


def find_script(repo: Path, name: str) -> Path | None:
    return find_deliverable(repo, name)


def script_from_text(name: str, path: Path, shown: str, text: str) -> Script:
    lines = tuple(text.splitlines())
    return Script(name, path, shown, lines, _functions(lines))


def read_script(repo: Path, path: Path, name: str | None = None) -> Script | Finding:
    """The script at ``path``; unreadable → a finding."""
    shown = relative(repo, path)
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        return Finding(shown, None, f"cannot read: {exc}")
    return script_from_text(name or path.name, path, shown, text)


def load_script(repo: Path, name: str) -> Script | Finding:
    """The script ``name`` found anywhere in the repository; missing or unreadable → a finding."""
    path = find_script(repo, name)
    if path is None:
        skipped = ", ".join(sorted(SKIPPED_DIRS))
        return Finding(
            name, None, f"not found: {name} anywhere in the repository (skipping {skipped})"
        )
    return read_script(repo, path, name)
