"""Glue for the acceptance checks: read a source or end not verified, record a figure."""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

import golive
from golive.facts.saas.client import SourceUnavailable
from golive.judging.evidence import Evidence
from golive.rules.delivery import Figure

__all__ = ["BASIS_KEPT", "available", "record_figure"]

T = TypeVar("T")
BASIS_KEPT = 50


def available(read: Callable[[], T]) -> T:
    """``read()``, or end the check not verified with the reason it could not be read."""
    try:
        return read()
    except SourceUnavailable as exc:
        golive.not_verified(str(exc))


def record_figure(evidence: Evidence, figure: Figure, origin: str) -> None:
    """The facts behind a figure and the items it was computed from, as evidence."""
    evidence.record(
        f"{figure.name} (facts)", round(figure.value, 3), figure.unit, source=origin,
        **figure.facts,
    )
    evidence.record(
        f"{figure.name} (basis)", len(figure.basis), "items", source=origin,
        items=list(figure.basis[:BASIS_KEPT]),
    )
