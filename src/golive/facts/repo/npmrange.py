"""npm's semver ranges (``^1.2.3``, ``~1.2``, ``>=20.18 <21``, ``1.x || 2``, ``1 - 2.3``),
enough to tell whether a locked or pinned version satisfies what a manifest asks for.

Follows node-semver's desugaring: a partial version is an x-range, ``^`` allows changes
that do not modify the left-most non-zero part, ``~`` allows patch changes, and a version
with a prerelease tag satisfies a range only if a comparator of the range names a
prerelease of the same ``major.minor.patch``. Specifications that are not ranges (URLs,
``file:``, ``git+…``, ``workspace:``, dist-tags such as ``latest``) parse to None.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import total_ordering

__all__ = ["Version", "parse_range", "parse_version", "satisfies"]

_VERSION = re.compile(
    r"^\s*[v=]?\s*(\d+)\.(\d+)\.(\d+)(?:-([0-9A-Za-z.-]+))?(?:\+[0-9A-Za-z.-]+)?\s*$"
)
_PARTIAL = re.compile(
    r"^[v=]?(\d+|[xX*])(?:\.(\d+|[xX*])(?:\.(\d+|[xX*])(?:-([0-9A-Za-z.-]+))?"
    r"(?:\+[0-9A-Za-z.-]+)?)?)?$"
)
_COMPARATOR = re.compile(r"^(<=|>=|<|>|=|\^|~>?)?\s*(.*)$")


@total_ordering
@dataclass(frozen=True)
class Version:
    major: int
    minor: int
    patch: int
    prerelease: tuple[str, ...] = ()

    def __str__(self) -> str:
        core = f"{self.major}.{self.minor}.{self.patch}"
        return f"{core}-{'.'.join(self.prerelease)}" if self.prerelease else core

    @property
    def core(self) -> tuple[int, int, int]:
        return self.major, self.minor, self.patch

    def __lt__(self, other: object) -> bool:
        if not isinstance(other, Version):
            return NotImplemented
        if self.core != other.core:
            return self.core < other.core
        if not self.prerelease or not other.prerelease:
            return bool(self.prerelease) and not other.prerelease
        for mine, theirs in zip(self.prerelease, other.prerelease, strict=False):
            if mine == theirs:
                continue
            if mine.isdigit() and theirs.isdigit():
                return int(mine) < int(theirs)
            if mine.isdigit() != theirs.isdigit():
                return mine.isdigit()  # numeric identifiers sort first
            return mine < theirs
        return len(self.prerelease) < len(other.prerelease)


def parse_version(text: str) -> Version | None:
    """``1.2.3``, ``v20.18.1``, ``1.0.0-rc.1``; None for anything else (``20``, ``lts/*``)."""
    match = _VERSION.match(text)
    if match is None:
        return None
    pre = tuple(match.group(4).split(".")) if match.group(4) else ()
    return Version(int(match.group(1)), int(match.group(2)), int(match.group(3)), pre)


# a comparator: (operator, version); a range: a list of alternatives, each a list of
# comparators that must all hold
Comparator = tuple[str, Version]
Range = list[list[Comparator]]


def _partial(text: str) -> tuple[int | None, int | None, int | None, tuple[str, ...]] | None:
    match = _PARTIAL.match(text)
    if match is None:
        return None

    def number(part: str | None) -> int | None:
        return None if part is None or part in "xX*" else int(part)

    major, minor, patch = (number(match.group(i)) for i in (1, 2, 3))
    if major is None:
        minor = patch = None
    elif minor is None:
        patch = None
    pre = tuple(match.group(4).split(".")) if match.group(4) and patch is not None else ()
    return major, minor, patch, pre


def _upper(major: int, minor: int | None) -> Version:
    """The exclusive upper bound of an x-range (``<2.0.0-0`` for ``1``, ``<1.3.0-0`` for 1.2)."""
    if minor is None:
        return Version(major + 1, 0, 0, ("0",))
    return Version(major, minor + 1, 0, ("0",))


def _simple(operator: str, text: str) -> list[Comparator] | None:
    parsed = _partial(text) if text else (None, None, None, ())
    if parsed is None:
        return None
    major, minor, patch, pre = parsed
    if major is None:  # *, x, ""
        return [] if operator in ("", "=", ">=", "<=", "^", "~", "~>") else (
            [("<", Version(0, 0, 0, ("0",)))]  # <* and >* match nothing
        )
    low = Version(major, minor or 0, patch or 0, pre)
    if operator in ("", "="):
        if patch is not None:
            return [("=", low)]
        return [(">=", low), ("<", _upper(major, minor))]
    if operator in ("~", "~>"):
        return [(">=", low), ("<", _upper(major, minor))]
    if operator == "^":
        return [(">=", low), ("<", _caret_upper(major, minor, patch))]
    return _inequality(operator, low, major, minor, patch)


def _caret_upper(major: int, minor: int | None, patch: int | None) -> Version:
    """The first version ``^major.minor.patch`` excludes (the left-most non-zero part bumps)."""
    if major != 0 or minor is None:
        return Version(major + 1, 0, 0, ("0",))
    if minor != 0 or patch is None:
        return Version(0, minor + 1, 0, ("0",))
    return Version(0, 0, (patch or 0) + 1, ("0",))


def _inequality(
    operator: str, low: Version, major: int, minor: int | None, patch: int | None
) -> list[Comparator] | None:
    """``>``, ``>=``, ``<``, ``<=`` against a full or partial version."""
    if operator == ">":
        if patch is not None:
            return [(">", low)]
        return [(">=", Version(major + 1, 0, 0) if minor is None else Version(major, minor + 1, 0))]
    if operator == ">=":
        return [(">=", low)]
    if operator == "<":
        if patch is not None:
            return [("<", low)]
        return [("<", Version(major, minor or 0, 0, ("0",)))]
    if operator == "<=":
        if patch is not None:
            return [("<=", low)]
        return [("<", _upper(major, minor))]
    return None


def _hyphen(low_text: str, high_text: str) -> list[Comparator] | None:
    low, high = _partial(low_text), _partial(high_text)
    if low is None or high is None:
        return None
    comparators: list[Comparator] = []
    if low[0] is not None:
        comparators.append((">=", Version(low[0], low[1] or 0, low[2] or 0, low[3])))
    major, minor, patch, pre = high
    if major is not None:
        if patch is not None:
            comparators.append(("<=", Version(major, minor or 0, patch, pre)))
        else:
            comparators.append(("<", _upper(major, minor)))
    return comparators


_HYPHEN = re.compile(r"^\s*(\S+)\s+-\s+(\S+)\s*$")


def parse_range(text: str) -> Range | None:
    """The range, or None when ``text`` is not a semver range (URL, tag, ``file:``…)."""
    alternatives: Range = []
    for part in text.split("||"):
        part = part.strip()
        hyphen = _HYPHEN.match(part)
        if hyphen:
            comparators = _hyphen(hyphen.group(1), hyphen.group(2))
            if comparators is None:
                return None
            alternatives.append(comparators)
            continue
        # "> = 1.2" and ">= 1.2" are one comparator
        tokens = re.sub(r"(<=|>=|<|>|=|\^|~>?)\s+", r"\1", part).split()
        comparators = []
        for token in tokens or [""]:
            match = _COMPARATOR.match(token)
            if match is None:
                return None
            simple = _simple(match.group(1) or "", match.group(2))
            if simple is None:
                return None
            comparators += simple
        alternatives.append(comparators)
    return alternatives


def _holds(version: Version, comparator: Comparator) -> bool:
    operator, bound = comparator
    return {
        "=": version == bound,
        "<": version < bound,
        "<=": version <= bound,
        ">": version > bound,
        ">=": version >= bound,
    }[operator]


def satisfies(version: Version, spec: Range) -> bool:
    """Whether ``version`` is in the range (node-semver's prerelease rule applied)."""
    for comparators in spec:
        if not all(_holds(version, c) for c in comparators):
            continue
        if not version.prerelease:
            return True
        # a prerelease only matches a range that names a prerelease of the same core
        if any(bound.prerelease and bound.core == version.core for _, bound in comparators):
            return True
    return False
