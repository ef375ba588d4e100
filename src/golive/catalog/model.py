"""The criterion catalog's data model, validated with pydantic."""

from __future__ import annotations

import operator
from collections.abc import Callable
from enum import StrEnum
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

__all__ = [
    "AREAS",
    "PROFILES",
    "Criterion",
    "Kind",
    "Profile",
    "Severity",
    "Threshold",
    "Title",
]

AREAS = (
    "platform",
    "database",
    "cicd",
    "monitoring",
    "security",
    "performance",
    "operations",
    "routine",
)
PROFILES = ("ci", "daily", "weekly", "monthly", "final")

Operator = Literal["<=", ">=", "<", ">", "=="]
_COMPARE: dict[str, Callable[[float, float], bool]] = {
    "<=": operator.le,
    ">=": operator.ge,
    "<": operator.lt,
    ">": operator.gt,
    "==": operator.eq,
}


class Kind(StrEnum):
    STATIC = "static"
    LIVE = "live"
    DRILL = "drill"
    LOAD = "load"
    SECURITY = "security"
    ATTESTATION = "attestation"


class Severity(StrEnum):
    BLOCKING = "blocking"
    MAJOR = "major"
    MINOR = "minor"


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Title(_Strict):
    ja: str = Field(min_length=1)
    en: str = Field(min_length=1)


class Threshold(_Strict):
    """A bound the measured value must meet, e.g. ``<= 200 ms``."""

    op: Operator
    value: float
    unit: str = Field(min_length=1)

    def met_by(self, measured: float) -> bool:
        return _COMPARE[self.op](measured, self.value)

    def with_value(self, value: float) -> Threshold:
        return self.model_copy(update={"value": value})

    def __str__(self) -> str:
        value = int(self.value) if float(self.value).is_integer() else self.value
        op = {"<=": "≤", ">=": "≥"}.get(self.op, self.op)
        return f"{op} {value} {self.unit}"


class Criterion(_Strict):
    """One acceptance criterion: what the seed asks, how it is judged."""

    id: str = Field(pattern=r"^[a-z][a-z0-9]*(\.[a-z0-9][a-z0-9-]*)+$")
    title: Title
    seed: list[str] = Field(min_length=1)
    area: Literal[
        "platform", "database", "cicd", "monitoring",
        "security", "performance", "operations", "routine",
    ]
    kind: Kind
    severity: Severity
    profiles: list[Literal["ci", "daily", "weekly", "monthly", "final"]] = Field(
        default_factory=list, validate_default=True
    )
    threshold: Threshold | None = None
    rationale: str = Field(min_length=1)

    @field_validator("profiles")
    @classmethod
    def _final_has_everything(cls, profiles: list[str]) -> list[str]:
        # the go/no-go review judges every criterion, so "final" is implied
        return sorted(set(profiles) | {"final"}, key=PROFILES.index)

    @property
    def automated(self) -> bool:
        return self.kind is not Kind.ATTESTATION


class Schedule(_Strict):
    seed: str = Field(min_length=1)
    cron: str = Field(min_length=1)
    applies_to: str = Field(min_length=1)


class Profile(_Strict):
    """A use of golive: which criteria, when it runs, whom it tells. Every profile judges
    alike (golive.judging.verdict): GO needs every blocking criterion in scope verified."""

    name: Literal["ci", "daily", "weekly", "monthly", "final"]
    title: Title
    notify: bool = Field(
        default=False,
        description="post the verdict to the environment's webhook unless told otherwise",
    )
    schedules: list[Schedule] = Field(default_factory=list)

    @model_validator(mode="after")
    def _schedule_only_for_routines(self) -> Profile:
        if self.schedules and self.name in ("ci", "final"):
            raise ValueError(f"profile {self.name} runs on demand and has no schedule")
        return self
