"""Shell text as commands: argv words per simple command, and whether a failure counts.

A keyword search cannot tell ``npx playwright test`` from ``echo "e2e tests are disabled"``,
nor see that ``env-check.sh || true`` can no longer stop anything. This module reads a
script (a workflow ``run:`` block or a ``*.sh`` file) into simple commands with their
argv (quotes removed, ``VAR=x`` prefixes and wrappers such as ``npx`` or ``sudo`` dropped)
and records why a command's failure would not count: absorbed by ``|| true``/``|| :``,
``set +e`` in effect, run in the background, or never reached (after an unconditional
``exit``, inside ``if false``). It states facts; rules decide what a command means.
"""

from __future__ import annotations

import re
import shlex
from dataclasses import dataclass

__all__ = ["Command", "command_words", "parse_commands", "program"]

# words that run the rest of the line as the command
_WRAPPERS = frozenset({"sudo", "time", "exec", "command", "nice", "nohup", "builtin", "xvfb-run"})
_OPERATORS = frozenset({"&&", "||", ";", "|", "&", ";;", "|&"})
_ASSIGNMENT = re.compile(r"^[A-Za-z_]\w*(\[[^]]*\])?\+?=")
_OPENERS = frozenset({"if", "while", "until", "for", "case", "select"})
_CLOSERS = frozenset({"fi", "done", "esac"})
_FUNCTION_OPEN = re.compile(r"^\s*(?:function\s+[\w.:-]+\s*(?:\(\s*\))?|[\w.:-]+\s*\(\s*\))\s*\{")
# conditions that never hold / always hold: the classic ways to switch a step off
_NEVER = re.compile(r"^(false|\[\s*(1\s*(=|==|-eq)\s*0|0\s*(=|==|-eq)\s*1|-n\s*[\"']{2}|"
                    r"[\"'](false)?[\"']\s*=\s*[\"']true[\"'])\s*\]|\(\(\s*0\s*\)\))$")
# what may follow ``||`` and still let the failure count
_STILL_FAILS = re.compile(r"\b(exit|return)\s+([1-9]\d*|\$\w+|\"\$\w+\")|^\{?\s*(false|fail\w*|die|"
                          r"abort|error\w*|fatal|usage)\b")


@dataclass(frozen=True)
class Command:
    """One simple command: where it is, its argv (wrappers dropped), and why its failure
    would not count (None: a failure stops the script or step)."""

    line: int
    words: tuple[str, ...]
    text: str
    neutralised: str | None = None
    in_function: bool = False

    @property
    def name(self) -> str:
        return program(self.words)


def program(words: tuple[str, ...]) -> str:
    """The base name of the program a command runs ("" for none)."""
    return words[0].rsplit("/", 1)[-1] if words else ""


def _strip_wrappers(words: list[str]) -> list[str]:
    while words:
        head = words[0]
        if _ASSIGNMENT.match(head):
            words = words[1:]
        elif head == "command" and words[1:2] and words[1] in {"-v", "-V"}:
            break  # ``command -v x`` looks x up, it does not run it
        elif head in _WRAPPERS:
            words = [w for w in words[1:]]
            while words and words[0].startswith("-"):
                words = words[1:]
        elif head == "env":
            words = words[1:]
            while words and (words[0].startswith("-") or _ASSIGNMENT.match(words[0])):
                words = words[1:]
        elif head == "timeout" and len(words) > 1:
            rest = [w for w in words[1:]]
            while rest and rest[0].startswith("-"):
                rest = rest[1:]
            words = rest[1:]
        else:
            break
    return words


def command_words(words: list[str]) -> tuple[str, ...]:
    """argv with assignments and wrappers dropped, JavaScript launchers resolved
    (``npx x``, ``pnpm exec x``, ``yarn dlx x``, ``bunx x``, ``node_modules/.bin/x``)."""
    words = _strip_wrappers(words)
    if not words:
        return ()
    head = program(tuple(words))
    if head in {"npx", "bunx", "pnpx"}:
        rest = words[1:]
        while rest and rest[0].startswith("-"):
            rest = rest[1:]
        words = rest
    elif head in {"pnpm", "yarn", "npm"} and len(words) > 1 and words[1] in {"exec", "dlx"}:
        rest = words[2:]
        while rest and rest[0].startswith("-"):
            rest = rest[1:]
        words = rest[1:] if rest[:1] == ["--"] else rest
    if words and "node_modules/.bin/" in words[0]:
        words = [program(tuple(words)), *words[1:]]
    return tuple(words)


_REDIRECT = re.compile(r"(?<![\w$])(?:\d*|&)>>?&?\s*(?:\d+\b|-|[^\s;&|<>()]+)|"
                       r"(?<![<\w])<(?!<)\s*[^\s;&|()]+")
_HEREDOC = re.compile(r"<<-?\s*(['\"]?)([A-Za-z_]\w*)\1")


def _uncommented(line: str) -> str:
    """``line`` without its comment (a ``#`` that starts a word, outside quotes)."""
    quote = ""
    for index, char in enumerate(line):
        if quote:
            quote = "" if char == quote else quote
        elif char in "'\"":
            quote = char
        elif char == "#" and (index == 0 or line[index - 1] in " \t;&|("):
            return line[:index]
    return line


_QUOTED = re.compile(r"(\"(?:\\.|[^\"\\])*\"|'[^']*')")


def _tokens(text: str) -> list[str] | None:
    parts = _QUOTED.split(text)  # odd items are quoted: redirections only outside quotes
    text = "".join(p if i % 2 else _REDIRECT.sub(" ", _HEREDOC.sub(" ", p))
                   for i, p in enumerate(parts))
    lexer = shlex.shlex(text, posix=True, punctuation_chars=";&|()")
    lexer.whitespace_split = True
    lexer.commenters = ""
    try:
        return list(lexer)
    except ValueError:  # unbalanced quotes: fall back to words
        return None


_ASSIGN_LINE = re.compile(
    r"^\s*(?:export\s+|readonly\s+|local\s+|declare\s+(?:-\w+\s+)*)?([A-Za-z_]\w*)="
    r"(\(.*\)|\"[^\"]*\"|'[^']*'|\S*)\s*(?:#.*)?$"
)
_VARIABLE_WORD = re.compile(r"^\$\{?([A-Za-z_]\w*)(\[[@*]\])?\}?$")


def _assignments(text: str) -> dict[str, list[str]]:
    """Variables set to a literal command (``VERCEL="npx vercel"``, ``CLI=(npx supabase)``),
    so that ``"${VERCEL[@]}" deploy`` reads as the command it runs."""
    found: dict[str, list[str]] = {}
    for line in text.splitlines():
        match = _ASSIGN_LINE.match(line)
        if not match or "$(" in match.group(2) or "`" in match.group(2):
            continue
        value = match.group(2)
        if value.startswith("(") and value.endswith(")"):
            value = value[1:-1]
        try:
            words = shlex.split(value, comments=True)
        except ValueError:
            continue
        if len(words) == 1 and " " in words[0]:
            words = words[0].split()
        if words:
            found.setdefault(match.group(1), words)
    return found


def _substitutions(line: str) -> tuple[str, list[str]]:
    """``line`` with each ``$(...)`` / backtick command substitution replaced by a
    placeholder word, and the texts of those substitutions (nested ones included)."""
    inner: list[str] = []
    out: list[str] = []
    index = 0
    quote = ""
    while index < len(line):
        char = line[index]
        if char == "'" and not quote:
            end = line.find("'", index + 1)
            end = len(line) if end < 0 else end
            out.append(line[index:end + 1])
            index = end + 1
            continue
        if char == '"':
            quote = "" if quote else '"'
        if line.startswith("$(", index) and not line.startswith("$((", index):
            depth, cursor = 1, index + 2
            while cursor < len(line) and depth:
                depth += {"(": 1, ")": -1}.get(line[cursor], 0)
                cursor += 1
            body = line[index + 2:cursor - 1]
            nested_outer, nested = _substitutions(body)
            inner += [nested_outer, *nested]
            out.append("__subst__")
            index = cursor
            continue
        if char == "`":
            end = line.find("`", index + 1)
            end = len(line) if end < 0 else end
            inner.append(line[index + 1:end])
            out.append("__subst__")
            index = end + 1
            continue
        out.append(char)
        index += 1
    return "".join(out), inner


def _logical_lines(text: str) -> list[tuple[int, str]]:
    """(first line number, text) with backslash continuations joined."""
    out: list[tuple[int, str]] = []
    pending: list[str] = []
    start = 0
    heredoc: str | None = None
    for number, line in enumerate(text.splitlines(), start=1):
        if heredoc is not None:  # a here-document's body is data, not commands
            if line.strip() == heredoc:
                heredoc = None
            continue
        opened = _HEREDOC.search(_uncommented(line))
        if opened:
            heredoc = opened.group(2)
        line = _uncommented(line)
        if not pending:
            start = number
        if line.endswith("\\") and not line.lstrip().startswith("#"):
            pending.append(line[:-1])
            continue
        pending.append(line)
        out.append((start, " ".join(pending)))
        pending = []
    if pending:
        out.append((start, " ".join(pending)))
    return out


def _segments(tokens: list[str]) -> list[tuple[list[str], str, str]]:
    """(words, operator before, operator after) per simple command of one line."""
    segments: list[tuple[list[str], str, str]] = []
    words: list[str] = []
    before = ""
    for token in tokens:
        if token in _OPERATORS or token in {"(", ")", "((", "))"}:
            if words:
                segments.append((words, before, token))
            words = []
            before = token if token in _OPERATORS else before
            continue
        words.append(token)
    if words:
        segments.append((words, before, ""))
    return segments


def _set_flags(words: list[str], errexit: bool) -> bool:
    for index, word in enumerate(words[1:], start=1):
        if re.fullmatch(r"[-+][A-Za-z]+", word) and "e" in word:
            errexit = word.startswith("-")
        if word in {"-o", "+o"} and words[index + 1:index + 2] == ["errexit"]:
            errexit = word == "-o"
    return errexit


def parse_commands(text: str, *, errexit: bool = False,
                   variables: dict[str, list[str]] | None = None) -> list[Command]:
    """Every simple command of ``text`` in order. ``errexit`` is the starting state
    (GitHub Actions runs ``run:`` blocks with ``bash -e``; a script starts without it)."""
    commands: list[Command] = []
    depth = 0  # if/while/for/case nesting
    function_depth = 0
    dead_depth: int | None = None  # inside ``if false`` from this depth on
    unreachable = False  # after an unconditional exit at top level
    lines = _logical_lines(text)
    variables = {**(variables or {}), **_assignments(text)}
    for number, full_line in lines:
        stripped = full_line.strip()
        line, substituted = _substitutions(full_line)
        if _ASSIGN_LINE.match(line):  # only sets a variable (its substitutions still run)
            line = ""
        if not stripped or stripped.startswith("#"):
            continue
        if _FUNCTION_OPEN.match(line):
            function_depth += 1
            body = line.split("{", 1)[1]
            if body.strip().rstrip(";").strip().endswith("}"):
                function_depth -= 1
            continue
        if function_depth and re.match(r"^\s*\}\s*(;.*)?$", line):
            function_depth -= 1
            continue
        tokens = _tokens(line)
        if tokens is None:
            tokens = line.split()
        segments = _segments(tokens)
        for index, (words, before, after) in enumerate(segments):
            head = words[0]
            if head in _OPENERS:
                depth += 1
                condition = words[1:]
                if head in {"if", "while"} and dead_depth is None:
                    cond = " ".join(condition)
                    if _NEVER.match(cond) or (head == "while" and cond == "false"):
                        dead_depth = depth
                if head in {"if", "while", "until"} and condition:
                    words = condition
                else:
                    continue
            elif head in _CLOSERS:
                if dead_depth is not None and depth <= dead_depth:
                    dead_depth = None
                depth = max(0, depth - 1)
                continue
            elif head in {"then", "do", "else", "elif"}:
                if head in {"else", "elif"} and dead_depth == depth:
                    dead_depth = None
                words = words[1:]
                if not words:
                    continue
            elif head in {"{", "}", "!"}:
                words = words[1:]
                if not words:
                    continue
            if words[0] in {"then", "do"}:
                words = words[1:]
                if not words:
                    continue
            variable = _VARIABLE_WORD.match(words[0])
            if variable and variable.group(1) in variables:
                words = [*variables[variable.group(1)], *words[1:]]
            if words[0] == "!":
                words = words[1:]
            argv = command_words(words)
            if not argv:
                continue
            reason = None
            if argv[0] == "set":
                pass
            elif unreachable:
                reason = "never runs: an unconditional exit comes before it"
            elif dead_depth is not None:
                reason = "never runs: it sits inside a condition that is always false"
            elif after == "||":
                rest = " ".join(" ".join(w) for w, _, _ in segments[index + 1:])
                if not _STILL_FAILS.search(rest):
                    reason = f"its failure is swallowed by '|| {rest or '…'}'"
            elif after == "&":
                reason = "it runs in the background: its exit status is never read"
            elif not errexit and after != "|" and before != "&&" and after != "&&" and head not in {
                "if", "while", "until"
            } and not (index + 1 == len(segments) and (number, line) == lines[-1]):
                reason = ("errexit is off (no set -e, or set +e): its failure does not stop "
                          "the script")
            commands.append(Command(number, argv, stripped, reason, function_depth > 0))
            if argv[0] == "set" and not function_depth:
                errexit = _set_flags(list(argv), errexit)
            if (
                argv[0] == "exit" and depth == 0 and not function_depth and before not in {
                    "&&", "||"} and after not in {"&&", "||"}
            ):
                unreachable = True
        for body in substituted:
            dead = ("never runs: an unconditional exit comes before it" if unreachable else
                    "never runs: it sits inside a condition that is always false"
                    if dead_depth is not None else None)
            for inner in parse_commands(body, errexit=True, variables=variables):
                commands.append(Command(number, inner.words, stripped, dead or inner.neutralised,
                                        function_depth > 0))
    return commands
