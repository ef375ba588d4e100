"""A shell script parsed by a real shell grammar (tree-sitter-bash): every simple command
with whether anything reads its exit status, and the variables it expands and sets.

The line reader of :mod:`golive.facts.repo.commands` follows the flow (functions, sourced
files, neutralised calls); this module answers what a line reader cannot tell reliably:
whether a command sits in a condition, an ``&&``/``||`` list or on the left of a pipe,
what a multi-line array or a ``case`` pattern is (data, not commands), and which variables
the script expands without ever setting them. It states facts; rules judge them.
"""

from __future__ import annotations

import re
import shlex
from dataclasses import dataclass
from functools import lru_cache

import tree_sitter_bash
from tree_sitter import Language, Node, Parser

from golive.facts.repo.commands import command_words

__all__ = ["Expansion", "ShellTree", "Step", "parse_shell"]


@dataclass(frozen=True)
class Step:
    """One simple command as the grammar sees it."""

    line: int
    words: tuple[str, ...]  # argv, wrappers such as sudo/npx dropped
    text: str
    status_read: bool  # a condition, a member of an &&/|| list, negated, or the last command
    pipe_left: bool  # a pipeline member before the last: its status is lost without pipefail
    function: str | None  # the function whose body holds it

    @property
    def name(self) -> str:
        return self.words[0].rsplit("/", 1)[-1] if self.words else ""


@dataclass(frozen=True)
class Expansion:
    line: int
    name: str
    defaulted: bool  # ${X:-…}, ${X:=…}, ${X:?…}, ${X+…}: an unset X is handled


@dataclass(frozen=True)
class ShellTree:
    steps: tuple[Step, ...]
    expansions: tuple[Expansion, ...]
    assigned: frozenset[str]
    has_errors: bool  # the grammar could not read part of the script


_DEFAULTED = re.compile(r"^\$\{#?!?[A-Za-z_]\w*(\[[^]]*\])?:?[-=?+]")
_CONDITION_END = frozenset({"then", "do_group", ";", "\n"})


@lru_cache(maxsize=1)
def _parser() -> Parser:
    return Parser(Language(tree_sitter_bash.language()))


def _text(source: bytes, node: Node) -> str:
    return source[node.start_byte:node.end_byte].decode("utf-8", errors="replace")


def _word(source: bytes, node: Node) -> str:
    raw = _text(source, node)
    try:
        parts = shlex.split(raw, comments=False, posix=True)
    except ValueError:
        return raw
    return " ".join(parts) if parts else ""


class _Walker:
    def __init__(self, source: bytes) -> None:
        self.source = source
        self.steps: list[Step] = []
        self.expansions: list[Expansion] = []
        self.assigned: set[str] = set()

    def visit(self, node: Node, read: bool, function: str | None) -> None:
        kind = node.type
        if kind == "command":
            self._command(node, read, function)
        elif kind in {"if_statement", "elif_clause", "while_statement", "until_statement"}:
            self._conditional(node, read, function)
        elif kind == "list":
            members = [c for c in node.children if c.type not in {"&&", "||"}]
            for index, child in enumerate(members):
                self.visit(child, read or index < len(members) - 1, function)
        elif kind == "negated_command":
            for child in node.children:
                self.visit(child, True, function)
        elif kind == "pipeline":
            members = [c for c in node.children if c.type not in {"|", "|&"}]
            for index, child in enumerate(members):
                before = len(self.steps)
                self.visit(child, read, function)
                if index < len(members) - 1:
                    self.steps[before:] = [
                        Step(s.line, s.words, s.text, s.status_read, True, s.function)
                        for s in self.steps[before:]
                    ]
        elif kind == "function_definition":
            name = next((_text(self.source, c) for c in node.children if c.type == "word"), None)
            for child in node.children:
                if child.type not in {"word", "function"}:
                    self.visit(child, False, name)
        elif kind == "variable_assignment":
            self._assignment(node, read, function)
        elif kind in {"declaration_command", "for_statement", "select_statement"}:
            for child in node.children:
                if child.type == "variable_name":
                    self.assigned.add(_text(self.source, child))
                else:
                    self.visit(child, read, function)
        elif kind in {"simple_expansion", "expansion"}:
            self._expansion(node)
        elif kind == "test_command":
            self._expansions_in(node)
        elif kind == "comment":
            return
        else:
            for child in node.children:
                self.visit(child, read, function)

    def _conditional(self, node: Node, read: bool, function: str | None) -> None:
        in_condition = True
        for child in node.children:
            if child.type in {"then", "do_group", "else_clause", "elif_clause"}:
                in_condition = False
            if child.type in {"if", "elif", "while", "until", "fi", "then", ";"}:
                continue
            self.visit(child, read or in_condition, function)

    def _assignment(self, node: Node, read: bool, function: str | None) -> None:
        name = node.child_by_field_name("name") or (node.children[0] if node.children else None)
        if name is not None:
            self.assigned.add(_text(self.source, name).split("[", 1)[0])
        for child in node.children[1:]:
            self.visit(child, read, function)

    def _expansion(self, node: Node) -> None:
        text = _text(self.source, node)
        names = [c for c in node.children if c.type == "variable_name"]
        if not names or text.startswith(("${!", "${#")):
            return
        self.expansions.append(Expansion(node.start_point[0] + 1,
                                         _text(self.source, names[0]),
                                         bool(_DEFAULTED.match(text))))
        for child in node.children:
            if child.type not in {"variable_name"}:
                self.visit(child, True, None)

    def _expansions_in(self, node: Node) -> None:
        for child in node.children:
            if child.type in {"simple_expansion", "expansion"}:
                self._expansion(child)
            else:
                self._expansions_in(child)
            if child.type == "command_substitution":
                self.visit(child, True, None)

    def _command(self, node: Node, read: bool, function: str | None) -> None:
        words: list[str] = []
        for child in node.children:
            if child.type == "variable_assignment":
                self._expansions_in(child)
                continue
            if child.type in {"file_redirect", "herestring_redirect", "heredoc_redirect"}:
                self._expansions_in(child)
                continue
            words.append(_word(self.source, child))
            if child.type in {"simple_expansion", "expansion"}:
                self._expansion(child)
            self._expansions_in(child)
            for inner in _substitutions(child):
                self.visit(inner, True, function)  # an argument's substitution: no errexit
        argv = command_words(words)
        if not argv:
            return
        if argv[0] == "read":
            self.assigned.update(w for w in argv[1:] if re.fullmatch(r"[A-Za-z_]\w*", w))
        if argv[0] == "getopts" and len(argv) > 2:
            self.assigned.add(argv[2])
        self.steps.append(Step(node.start_point[0] + 1, argv,
                               _text(self.source, node).strip(), read, False, function))


def _substitutions(node: Node) -> list[Node]:
    found: list[Node] = []
    for child in node.children:
        if child.type in {"command_substitution", "process_substitution"}:
            found += [c for c in child.children if c.type not in {"$(", ")", "`", "<(", ">("}]
        else:
            found += _substitutions(child)
    return found


def parse_shell(text: str) -> ShellTree:
    """``text`` parsed as bash: its simple commands in order, expansions and assignments."""
    source = text.encode("utf-8")
    tree = _parser().parse(source)
    walker = _Walker(source)
    for child in tree.root_node.children:
        walker.visit(child, False, None)
    steps = walker.steps
    top = [i for i, s in enumerate(steps) if s.function is None]
    if top:  # the last command's status is the script's exit status
        last = steps[top[-1]]
        steps[top[-1]] = Step(last.line, last.words, last.text, True, last.pipe_left, None)
    return ShellTree(tuple(steps), tuple(walker.expansions), frozenset(walker.assigned),
                     tree.root_node.has_error)
