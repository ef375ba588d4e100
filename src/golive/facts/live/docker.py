"""The repository's container stack under a real Docker engine: is an engine reachable,
how long ``docker compose up --wait`` takes, and the state of every service afterwards.

Facts only; every call is an argv list through :func:`golive.facts.live.commands.run_command`
(timed, never a shell). Without a reachable engine :func:`engine` says why, and the checks
end not verified.
"""

from __future__ import annotations

import json
import shutil
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from golive.facts.live.commands import CommandResult, run_command

__all__ = [
    "COMPOSE_FILES",
    "Engine",
    "ServiceState",
    "compose_down",
    "compose_file",
    "compose_ps",
    "compose_up",
    "engine",
]  # fmt: skip

COMPOSE_FILES = ("compose.yaml", "compose.yml", "docker-compose.yml", "docker-compose.yaml")


@dataclass(frozen=True)
class Engine:
    version: str | None
    why_not: str | None = None


@dataclass(frozen=True)
class ServiceState:
    service: str
    container: str
    state: str
    health: str
    restarts: int | None
    facts: dict[str, Any] = field(default_factory=dict)


def compose_file(repo: Path) -> Path | None:
    """The compose file at the repository's root (the names Docker Compose looks for)."""
    return next((repo / n for n in COMPOSE_FILES if (repo / n).is_file()), None)


def engine() -> Engine:
    """The Docker server's version, or why no engine can be used from here."""
    if shutil.which("docker") is None:
        return Engine(None, "no docker command on this machine")
    done = run_command("docker version", ["docker", "version", "--format",
                                          "{{.Server.Version}}"], timeout=20)  # fmt: skip
    if not done.ok:
        detail = (done.stderr or done.start_error or "").strip().splitlines()[-1:] or ["-"]
        return Engine(None, f"no Docker engine reachable: {detail[0]}")
    return Engine(done.stdout.strip() or "unknown")


def _compose(path: Path, project: str, *args: str) -> list[str]:
    return ["docker", "compose", "-f", str(path), "-p", project, *args]


def compose_up(path: Path, project: str, timeout_s: float) -> CommandResult:
    """``docker compose up -d --wait``: every service started, and healthy where it has a
    health check; timed by run_command."""
    wait = str(max(1, int(timeout_s)))
    return run_command("compose up", _compose(path, project, "up", "-d", "--wait",
                                              "--wait-timeout", wait),
                       timeout=timeout_s + 30)  # fmt: skip


def compose_down(path: Path, project: str) -> CommandResult:
    return run_command("compose down", _compose(path, project, "down", "-v",
                                                "--remove-orphans"), timeout=120)  # fmt: skip


def _restarts(container: str) -> int | None:
    done = run_command("docker inspect", ["docker", "inspect", "--format",
                                          "{{.RestartCount}}", container], timeout=20)  # fmt: skip
    try:
        return int(done.stdout.strip()) if done.ok else None
    except ValueError:
        return None


def compose_ps(path: Path, project: str) -> list[ServiceState]:
    """Every container of the project (stopped ones too), with its restart count."""
    done = run_command("compose ps", _compose(path, project, "ps", "--all", "--format", "json"),
                       timeout=30)  # fmt: skip
    if not done.ok:
        return []
    text = done.stdout.strip()
    # Compose v2 prints one JSON object per line (older releases: one JSON array)
    rows: list[dict[str, Any]] = (json.loads(text) if text.startswith("[")
                                  else [json.loads(line) for line in text.splitlines() if line])
    return [
        ServiceState(
            service=str(row.get("Service") or "?"),
            container=str(row.get("Name") or row.get("ID") or "?"),
            state=str(row.get("State") or "?"),
            health=str(row.get("Health") or ""),
            restarts=_restarts(str(row.get("ID") or row.get("Name") or "")),
            facts={"status": row.get("Status"), "exit_code": row.get("ExitCode")},
        )
        for row in rows
    ]
