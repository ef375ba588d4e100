"""The criterion catalog: every line of the plan as data.

Entries live in one YAML file per area next to this module; ``profiles.yaml``
defines the profiles and holds the plan's schedule lines.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from functools import cache
from importlib import resources

import yaml
from pydantic import TypeAdapter, ValidationError

from golive._errors import CatalogError
from golive.catalog.model import AREAS, PROFILES, Criterion, Kind, Profile, Severity, Threshold
from golive.catalog.seed import SeedLine, seed_leaves

__all__ = [
    "AREAS",
    "PROFILES",
    "Catalog",
    "Criterion",
    "Kind",
    "Profile",
    "SeedLine",
    "Severity",
    "Threshold",
    "load_catalog",
    "seed_leaves",
]

_CRITERIA = TypeAdapter(list[Criterion])
_PROFILES = TypeAdapter(list[Profile])


@dataclass(frozen=True)
class Catalog:
    criteria: tuple[Criterion, ...]
    profiles: tuple[Profile, ...]

    def __iter__(self) -> Iterator[Criterion]:
        return iter(self.criteria)

    def __len__(self) -> int:
        return len(self.criteria)

    def __contains__(self, criterion_id: object) -> bool:
        return any(c.id == criterion_id for c in self.criteria)

    def get(self, criterion_id: str) -> Criterion:
        for criterion in self.criteria:
            if criterion.id == criterion_id:
                return criterion
        raise KeyError(criterion_id)

    def profile(self, name: str) -> Profile:
        for profile in self.profiles:
            if profile.name == name:
                return profile
        raise KeyError(name)

    def in_profile(self, name: str) -> list[Criterion]:
        return [c for c in self.criteria if name in c.profiles]


def _read_yaml(name: str) -> object:
    text = resources.files("golive.catalog").joinpath(name).read_text(encoding="utf-8")
    # libyaml's loader when available: the catalog is read at every start
    return yaml.load(text, Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader))  # noqa: S506


@cache
def load_catalog() -> Catalog:
    """Read and validate the bundled catalog; a defect raises CatalogError."""
    criteria: list[Criterion] = []
    for area in AREAS:
        name = f"{area}.yaml"
        if not resources.files("golive.catalog").joinpath(name).is_file():
            continue
        try:
            entries = _CRITERIA.validate_python(_read_yaml(name) or [])
        except ValidationError as exc:
            raise CatalogError(f"catalog/{name}: {exc}") from exc
        for entry in entries:
            if entry.area != area:
                raise CatalogError(f"catalog/{name}: {entry.id} has area {entry.area}")
        criteria.extend(entries)
    seen: set[str] = set()
    for criterion in criteria:
        if criterion.id in seen:
            raise CatalogError(f"catalog: duplicate criterion id {criterion.id}")
        seen.add(criterion.id)
    try:
        profiles = _PROFILES.validate_python(_read_yaml("profiles.yaml"))
    except ValidationError as exc:
        raise CatalogError(f"catalog/profiles.yaml: {exc}") from exc
    if sorted(p.name for p in profiles) != sorted(PROFILES):
        raise CatalogError(f"catalog/profiles.yaml must define exactly {', '.join(PROFILES)}")
    return Catalog(tuple(criteria), tuple(profiles))
