"""golive's JSON Schemas for the plan's files that have no public format.

Each ``src/golive/schemas/<deliverable>.schema.json`` (JSON Schema draft 2020-12) is the
shape golive reads for one deliverable, variants included; ``golive schema NAME`` prints
it and docs/schemas.md shows an example of each. Whoever adds a schema file there adds a
name: the list is read from the folder, not kept here.
"""

from __future__ import annotations

import functools
import json
import re
from pathlib import Path
from typing import Any

from jsonschema import Draft202012Validator
from jsonschema.exceptions import ValidationError, best_match

__all__ = [
    "SCHEMA_DIR",
    "SCHEMA_SUFFIX",
    "conf_settings",
    "load_schema",
    "schema_errors",
    "schema_names",
    "unrecognised",
]

SCHEMA_DIR = Path(__file__).resolve().parent.parent / "schemas"
SCHEMA_SUFFIX = ".schema.json"


def schema_names() -> list[str]:
    """The deliverable names golive ships a schema for, sorted."""
    if not SCHEMA_DIR.is_dir():
        return []
    return sorted(p.name.removesuffix(SCHEMA_SUFFIX) for p in SCHEMA_DIR.glob(f"*{SCHEMA_SUFFIX}"))


def load_schema(name: str) -> dict[str, Any]:
    """The schema of deliverable ``name`` (KeyError when golive ships none)."""
    path = SCHEMA_DIR / f"{name}{SCHEMA_SUFFIX}"
    if name not in schema_names():
        raise KeyError(name)
    loaded = json.loads(path.read_text(encoding="utf-8"))
    if not isinstance(loaded, dict):
        raise KeyError(name)
    return loaded


@functools.cache
def _validator(name: str) -> Draft202012Validator:
    schema = load_schema(name)
    Draft202012Validator.check_schema(schema)
    return Draft202012Validator(schema)


def schema_errors(name: str, data: object) -> list[tuple[list[str | int], str]]:
    """Where and why ``data`` breaks the schema of ``name``: (path, message), best first.

    The message says what is expected in plain words; the path lets a rule find the line.
    """
    validator = _validator(name)
    found = []
    for error in sorted(validator.iter_errors(data), key=lambda e: list(map(str, e.path))):
        error = _deepest(error)
        path = [p for p in error.absolute_path if isinstance(p, str | int)]
        found.append((path, error.message))
    return found


def _deepest(error: ValidationError) -> ValidationError:
    """For "valid under none of the shapes", the error of the shape that came closest."""
    while error.validator in ("anyOf", "oneOf") and error.context:
        # the shape whose error lies deepest is the one the file was written in
        deepest = max(len(e.absolute_path) for e in error.context)
        error = best_match(e for e in error.context if len(e.absolute_path) == deepest)
    return error


def unrecognised(file: str, accepted: tuple[str, ...] | list[str]) -> str:
    """The one not_verified reason for a file in none of the shapes golive reads."""
    return f"unrecognised format: {file} (accepted: {'; '.join(accepted)})"


_CONF_LINE = re.compile(r"^\s*([A-Za-z_][A-Za-z0-9_.]*)\s*=?\s*(.*?)\s*$")


def conf_settings(text: str) -> dict[str, str]:
    """A postgresql.conf-style file (``key = value``, ``#`` comments) as the mapping its
    schema describes; the last setting of a key wins, as in PostgreSQL."""
    settings: dict[str, str] = {}
    for raw in text.splitlines():
        line = re.sub(r"\s#.*$|^#.*$", "", raw).strip()
        match = _CONF_LINE.match(line) if line else None
        if match and match.group(2):
            settings[match.group(1)] = match.group(2)
    return settings
