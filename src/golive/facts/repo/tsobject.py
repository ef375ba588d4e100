"""Read literal values out of TypeScript object literals, without a TypeScript toolchain.

Only literals are understood: strings (no ``${}`` interpolation), numbers, booleans,
``null``/``undefined``, arrays and nested objects. Any other value (a call, an identifier,
an arrow function, ``z.string().url()``) is kept as an :class:`Opaque` holding its source
text, so its *key* can still be read. Comments are skipped; ``as const`` and
``satisfies T`` after a literal are ignored. Every key remembers its line.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass, field

__all__ = [
    "Opaque",
    "TsObject",
    "TsParseError",
    "TsValue",
    "exported_object",
    "object_literals_after",
    "plain",
    "strip_comments",
]


class TsParseError(ValueError):
    def __init__(self, message: str, line: int) -> None:
        self.line = line
        super().__init__(f"line {line}: {message}")


@dataclass(frozen=True)
class Opaque:
    """A value that is not a literal; ``text`` is its source."""

    text: str


@dataclass
class TsObject:
    entries: dict[str, TsValue] = field(default_factory=dict)
    lines: dict[str, int] = field(default_factory=dict)
    line: int = 0

    def get(self, key: str) -> TsValue:
        return self.entries.get(key)


TsValue = str | int | float | bool | None | list["TsValue"] | TsObject | Opaque

_TOKEN = re.compile(
    r"""
    (?P<ws>\s+)
  | (?P<comment>//[^\n]*|/\*.*?\*/)
  | (?P<string>"(?:\\.|[^"\\\n])*"|'(?:\\.|[^'\\\n])*'|`(?:\\.|[^`\\])*`)
  | (?P<number>-?(?:0[xX][0-9a-fA-F_]+|(?:\d[\d_]*)(?:\.\d[\d_]*)?(?:[eE][+-]?\d+)?))
  | (?P<ident>[A-Za-z_$][\w$]*)
  | (?P<spread>\.\.\.)
  | (?P<punct>=>|[{}\[\](),:;.?=<>|&!+\-*/%])
  | (?P<other>.)
    """,
    re.VERBOSE | re.DOTALL,
)


@dataclass(frozen=True)
class _Tok:
    kind: str
    text: str
    line: int
    start: int
    end: int


def _tokens(source: str) -> list[_Tok]:
    tokens: list[_Tok] = []
    line = 1
    for match in _TOKEN.finditer(source):
        kind = match.lastgroup or "other"
        text = match.group()
        if kind not in ("ws", "comment"):
            tokens.append(_Tok(kind, text, line, match.start(), match.end()))
        line += text.count("\n")
    return tokens


def strip_comments(source: str) -> str:
    """``source`` with comments blanked out (line numbers kept; strings left intact)."""
    out = []
    for match in _TOKEN.finditer(source):
        text = match.group()
        out.append("\n" * text.count("\n") if match.lastgroup == "comment" else text)
    return "".join(out)


_ESCAPES = {"n": "\n", "t": "\t", "r": "\r", "0": "\0"}


def _unquote(text: str) -> str:
    body = text[1:-1]
    return re.sub(r"\\(.)", lambda m: _ESCAPES.get(m.group(1), m.group(1)), body, flags=re.DOTALL)


_OPEN = {"{": "}", "[": "]", "(": ")"}


class _Parser:
    def __init__(self, source: str) -> None:
        self.source = source
        self.toks = _tokens(source)
        self.i = 0

    def peek(self, offset: int = 0) -> _Tok | None:
        j = self.i + offset
        return self.toks[j] if j < len(self.toks) else None

    def next(self) -> _Tok:
        tok = self.peek()
        if tok is None:
            last = self.toks[-1].line if self.toks else 1
            raise TsParseError("unexpected end of file", last)
        self.i += 1
        return tok

    def expect(self, text: str) -> _Tok:
        tok = self.next()
        if tok.text != text:
            raise TsParseError(f"expected {text!r}, found {tok.text!r}", tok.line)
        return tok

    def at(self, text: str) -> bool:
        tok = self.peek()
        return tok is not None and tok.text == text

    def object(self) -> TsObject:
        start = self.expect("{")
        obj = TsObject(line=start.line)
        while not self.at("}"):
            tok = self.next()
            if tok.kind == "spread":
                self.skip_expression()
            elif tok.kind in ("ident", "string", "number") or tok.text == "[":
                if tok.text == "[":  # computed key: not a literal
                    self.skip_balanced(tok)
                    key = None
                else:
                    key = _unquote(tok.text) if tok.kind == "string" else tok.text
                if self.at(":"):
                    self.next()
                    value = self.value()
                elif self.at("(") or self.at("<"):  # method shorthand
                    self.skip_expression()
                    value = Opaque("<method>")
                else:  # shorthand property: { name }
                    value = Opaque(tok.text)
                if key is not None:
                    obj.entries[key] = value
                    obj.lines[key] = tok.line
            else:
                raise TsParseError(f"unexpected {tok.text!r} in object literal", tok.line)
            if self.at(","):
                self.next()
            elif not self.at("}"):
                tok = self.next()
                raise TsParseError(f"expected ',' or '}}', found {tok.text!r}", tok.line)
        self.expect("}")
        return obj

    def array(self) -> list[TsValue]:
        self.expect("[")
        items: list[TsValue] = []
        while not self.at("]"):
            if self.at("..."):
                self.next()
                self.skip_expression()
            else:
                items.append(self.value())
            if self.at(","):
                self.next()
            elif not self.at("]"):
                tok = self.next()
                raise TsParseError(f"expected ',' or ']', found {tok.text!r}", tok.line)
        self.expect("]")
        return items

    def value(self) -> TsValue:
        start = self.i
        tok = self.peek()
        if tok is None:
            raise TsParseError("unexpected end of file", self.toks[-1].line if self.toks else 1)
        value: TsValue
        if tok.text == "{":
            value = self.object()
        elif tok.text == "[":
            value = self.array()
        elif tok.kind == "string" and not (tok.text.startswith("`") and "${" in tok.text):
            self.next()
            value = _unquote(tok.text)
        elif tok.kind == "number":
            self.next()
            digits = tok.text.replace("_", "")
            value = (
                float(digits)
                if re.search(r"[.eE]", digits) and "x" not in digits.lower()
                else int(digits, 0)
            )
        elif tok.kind == "ident" and tok.text in ("true", "false", "null", "undefined"):
            self.next()
            value = {"true": True, "false": False}.get(tok.text)
        else:
            self.skip_expression()
            return Opaque(self.text_between(start, self.i))
        # a literal followed by more expression (`as const`, `satisfies T`, `|| x`):
        # `as`/`satisfies` keep the literal, anything else makes it opaque
        if not self.at_value_end():
            follow = self.peek()
            self.skip_expression()
            if follow is None or follow.text not in ("as", "satisfies"):
                return Opaque(self.text_between(start, self.i))
        return value

    def at_value_end(self) -> bool:
        tok = self.peek()
        return tok is None or tok.text in (",", "}", "]", ")", ";")

    def skip_balanced(self, opener: _Tok) -> None:
        """Skip past the bracket that closes ``opener`` (already consumed)."""
        closer = _OPEN[opener.text]
        while True:
            tok = self.next()
            if tok.text in _OPEN:
                self.skip_balanced(tok)
            elif tok.text == closer:
                return

    def skip_expression(self) -> None:
        """Skip to the next ``,`` ``;`` or unmatched closing bracket at this depth."""
        while not self.at_value_end():
            tok = self.next()
            if tok.text in _OPEN:
                self.skip_balanced(tok)

    def text_between(self, start: int, end: int) -> str:
        if end <= start:
            return ""
        return self.source[self.toks[start].start : self.toks[end - 1].end]


def exported_object(source: str, name: str | None = None) -> TsObject | None:
    """The object literal of ``export const NAME[: T] = {...}`` (any name when None),
    or of ``export default {...}``; None when the module exports no object literal.

    Raises TsParseError (with the line) when the literal is malformed.
    """
    parser = _Parser(source)
    toks = parser.toks
    for i, tok in enumerate(toks):
        if tok.text != "export":
            continue
        j = i + 1
        if j < len(toks) and toks[j].text == "default":
            if j + 1 < len(toks) and toks[j + 1].text == "{" and name in (None, "default"):
                parser.i = j + 1
                return parser.object()
            continue
        if j + 1 < len(toks) and toks[j].text in ("const", "let", "var"):
            ident = toks[j + 1]
            if name is not None and ident.text != name:
                continue
            k = j + 2
            if k < len(toks) and toks[k].text == ":":  # type annotation up to '='
                depth = 0
                while k < len(toks) and not (toks[k].text == "=" and depth == 0):
                    depth += {"<": 1, "{": 1, "(": 1, "[": 1}.get(toks[k].text, 0)
                    depth -= {">": 1, "}": 1, ")": 1, "]": 1}.get(toks[k].text, 0)
                    k += 1
            if k + 1 < len(toks) and toks[k].text == "=" and toks[k + 1].text == "{":
                parser.i = k + 1
                return parser.object()
    return None


def object_literals_after(source: str, call: str) -> Iterator[TsObject]:
    """Every object literal passed as first argument to ``call(`` (e.g. ``z.object``)."""
    parser = _Parser(source)
    parts = call.split(".")
    toks = parser.toks
    for i in range(len(toks)):
        window = [t.text for t in toks[i : i + 2 * len(parts) - 1]]
        if window != [p for part in parts for p in (part, ".")][:-1]:
            continue
        j = i + 2 * len(parts) - 1
        if j + 1 < len(toks) and toks[j].text == "(" and toks[j + 1].text == "{":
            parser.i = j + 1
            yield parser.object()


def plain(value: TsValue) -> object:
    """The value as plain Python (objects as dicts); opaque parts stay Opaque."""
    if isinstance(value, TsObject):
        return {k: plain(v) for k, v in value.entries.items()}
    if isinstance(value, list):
        return [plain(v) for v in value]
    return value
