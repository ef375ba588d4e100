"""Migration and seed files of the infrastructure repository.

Conventional places, first found wins: ``supabase/migrations`` (Supabase CLI),
``db/migrations``, ``migrations``. A migration's version is the leading number of its
file name (``20250106090000_create_profiles.sql`` → ``20250106090000``), as the
ledger table ``schema_migrations`` records it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

__all__ = ["MIGRATION_DIRS", "SEED_FILES", "RepoMigrations", "repo_migrations", "seed_tables"]

MIGRATION_DIRS = ("supabase/migrations", "db/migrations", "migrations")
SEED_FILES = ("supabase/seed.sql", "db/seed.sql", "seed.sql")
_VERSION = re.compile(r"^(\d+)[_-].*\.sql$")
_INSERT = re.compile(r"\binsert\s+into\s+((?:\"?[A-Za-z_][\w$]*\"?\.)?\"?[A-Za-z_][\w$]*\"?)", re.I)


@dataclass(frozen=True)
class RepoMigrations:
    folder: Path
    versions: dict[str, str]  # version -> file name
    unnamed: list[str]  # .sql files without a leading version number


def repo_migrations(repo: Path) -> RepoMigrations | None:
    """The repository's migrations, or None when it has no migrations folder."""
    for relative in MIGRATION_DIRS:
        folder = repo / relative
        if folder.is_dir():
            versions: dict[str, str] = {}
            unnamed: list[str] = []
            for path in sorted(folder.glob("*.sql")):
                match = _VERSION.match(path.name)
                if match:
                    versions[match.group(1)] = path.name
                else:
                    unnamed.append(path.name)
            return RepoMigrations(folder, versions, unnamed)
    return None


def seed_tables(repo: Path) -> tuple[Path, list[str]] | None:
    """The seed file and the tables it inserts into (``schema.table``, ``public`` default)."""
    for relative in SEED_FILES:
        path = repo / relative
        if path.is_file():
            text = re.sub(r"--[^\n]*", "", path.read_text(encoding="utf-8", errors="replace"))
            tables: list[str] = []
            for raw in _INSERT.findall(text):
                name = raw.replace('"', "")
                name = name if "." in name else f"public.{name}"
                if name not in tables:
                    tables.append(name)
            return path, tables
    return None
