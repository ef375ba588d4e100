"""golive: go-live readiness checks as pytest tests, one readiness report."""

from __future__ import annotations

from typing import NoReturn

from golive._errors import (
    CatalogError,
    CheckOutcome,
    ConfigError,
    GoliveError,
    NotApplicable,
    NotVerified,
)
from golive.judging.evidence import CriterionContext, Evidence
from golive.judging.findings import Finding

__all__ = [
    "CatalogError",
    "CheckOutcome",
    "ConfigError",
    "CriterionContext",
    "Evidence",
    "Finding",
    "GoliveError",
    "NotApplicable",
    "NotVerified",
    "__version__",
    "not_applicable",
    "not_verified",
]

__version__ = "0.1.0"


def not_verified(reason: str) -> NoReturn:
    """End the check: the target, a credential or a tool is absent, or nothing was checked."""
    raise NotVerified(reason)


def not_applicable(reason: str) -> NoReturn:
    """End the check: the criterion does not apply to this environment."""
    raise NotApplicable(reason)
