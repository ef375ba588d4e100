"""One exception tree for golive; every error names what it concerns."""

from __future__ import annotations

__all__ = [
    "CatalogError",
    "CheckOutcome",
    "ConfigError",
    "GoliveError",
    "NotApplicable",
    "NotVerified",
]


class GoliveError(Exception):
    """Base of every error golive raises on purpose."""


class ConfigError(GoliveError):
    """The configuration (golive.toml, waivers, attestations) is wrong.

    ``problems`` holds one line per problem, each naming the field path.
    """

    def __init__(self, problems: list[str]) -> None:
        self.problems = problems
        super().__init__("\n".join(problems))


class CatalogError(GoliveError):
    """The criterion catalog is malformed (a defect of golive itself)."""


class CheckOutcome(Exception):
    """Raised by a check to end it with a verdict other than pass or fail."""

    status = "error"

    def __init__(self, reason: str) -> None:
        self.reason = reason
        super().__init__(reason)


class NotVerified(CheckOutcome):
    """The target, a credential or a tool is absent, or the tool checked nothing."""

    status = "not_verified"


class NotApplicable(CheckOutcome):
    """The criterion does not apply to this environment."""

    status = "not_applicable"
