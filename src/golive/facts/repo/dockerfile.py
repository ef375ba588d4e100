"""Dockerfiles: instructions with their lines, build arguments and stages."""

from __future__ import annotations

import re
from dataclasses import dataclass

__all__ = ["Dockerfile", "Instruction", "assignments", "parse_dockerfile", "substitute"]


@dataclass(frozen=True)
class Instruction:
    keyword: str
    arguments: str
    line: int


def _instruction(pending: list[str], start: int) -> Instruction:
    keyword, _, arguments = " ".join(pending).partition(" ")
    return Instruction(keyword.upper(), arguments.strip(), start)


def parse_dockerfile(text: str) -> list[Instruction]:
    """Instructions with their first line; continuation lines joined, comments dropped."""
    instructions: list[Instruction] = []
    escape = "\\"
    pending: list[str] = []
    start = 0
    for number, raw in enumerate(text.splitlines(), start=1):
        directive = re.match(r"^#\s*escape\s*=\s*(\S)", raw)
        if directive and not instructions and not pending:
            escape = directive.group(1)
        stripped = raw.strip()
        if (not pending and not stripped) or stripped.startswith("#"):
            continue
        if not pending:
            start = number
        if stripped.endswith(escape):
            pending.append(stripped[:-1])
            continue
        pending.append(stripped)
        instructions.append(_instruction(pending, start))
        pending = []
    if pending:
        instructions.append(_instruction(pending, start))
    return instructions


def substitute(text: str, variables: dict[str, str]) -> str:
    """``text`` with ``$NAME``, ``${NAME}`` and ``${NAME:-default}`` replaced."""
    def value(match: re.Match[str]) -> str:
        name = match.group(1) or match.group(3)
        default = match.group(2)
        return variables.get(name) or (default or "")

    return re.sub(r"\$\{([A-Za-z_]\w*)(?::?-([^}]*))?\}|\$([A-Za-z_]\w*)", value, text)


def assignments(arguments: str) -> list[tuple[str, str | None]]:
    """NAME=value pairs of ARG/ENV (also the legacy ``ENV NAME value`` form)."""
    if "=" not in arguments.split(" ", 1)[0]:
        parts = arguments.split(None, 1)
        if not parts:
            return []
        return [(parts[0], parts[1] if len(parts) > 1 else None)]
    pairs = []
    for match in re.finditer(r"([A-Za-z_]\w*)(?:=(\"(?:\\.|[^\"])*\"|'[^']*'|\S*))?", arguments):
        pairs.append((match.group(1), match.group(2)))
    return pairs


@dataclass(frozen=True)
class Dockerfile:
    """A Dockerfile's instructions, read for its stages and arguments."""

    instructions: tuple[Instruction, ...]

    @classmethod
    def parse(cls, text: str) -> Dockerfile:
        return cls(tuple(parse_dockerfile(text)))

    @property
    def froms(self) -> list[Instruction]:
        return [i for i in self.instructions if i.keyword == "FROM"]

    def global_args(self) -> dict[str, str]:
        """The ARG defaults declared before the first FROM (usable in FROM lines)."""
        found: dict[str, str] = {}
        for instruction in self.instructions:
            if instruction.keyword == "FROM":
                break
            if instruction.keyword == "ARG":
                for key, value in assignments(instruction.arguments):
                    found[key] = (value or "").strip("\"'")
        return found

    def final_stage(self) -> list[Instruction]:
        froms = self.froms
        return [i for i in self.instructions if froms and i.line >= froms[-1].line]
