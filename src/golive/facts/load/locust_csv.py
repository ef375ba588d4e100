"""Reading what Locust writes with ``--csv PREFIX --csv-full-history``.

golive's figures come from the recorder's samples; these files give the live progress
lines, the user count over time and Locust's own totals as a cross-check.
"""

from __future__ import annotations

import csv
from dataclasses import dataclass
from pathlib import Path

__all__ = ["Progress", "history_users", "latest_progress", "locust_totals"]


@dataclass(frozen=True)
class Progress:
    timestamp: float
    users: int
    rps: float
    failures_per_s: float
    requests: int
    failures: int
    p95_ms: float | None

    def line(self, elapsed_s: float) -> str:
        share = 100.0 * self.failures / self.requests if self.requests else 0.0
        p95 = f"{self.p95_ms:g} ms" if self.p95_ms is not None else "-"
        return (
            f"load {elapsed_s:5.0f}s  users {self.users:4d}  rps {self.rps:7.1f}  "
            f"requests {self.requests:7d}  failures {self.failures} ({share:.2f}%)  p95 {p95}"
        )


def _aggregated_rows(path: Path) -> list[dict[str, str]]:
    if not path.is_file():
        return []
    with path.open(encoding="utf-8", newline="") as handle:
        return [row for row in csv.DictReader(handle) if row.get("Name") == "Aggregated"]


def _number(text: str | None) -> float | None:
    try:
        return float(text) if text not in (None, "", "N/A") else None
    except ValueError:
        return None


def latest_progress(history: Path) -> Progress | None:
    """The last aggregated row of ``PREFIX_stats_history.csv`` (None before the first)."""
    rows = _aggregated_rows(history)
    if not rows:
        return None
    row = rows[-1]
    return Progress(
        timestamp=_number(row.get("Timestamp")) or 0.0,
        users=int(_number(row.get("User Count")) or 0),
        rps=_number(row.get("Requests/s")) or 0.0,
        failures_per_s=_number(row.get("Failures/s")) or 0.0,
        requests=int(_number(row.get("Total Request Count")) or 0),
        failures=int(_number(row.get("Total Failure Count")) or 0),
        p95_ms=_number(row.get("95%")),
    )


def history_users(history: Path) -> list[tuple[float, int]]:
    """(epoch seconds, user count) of every aggregated history row."""
    return [
        (_number(r.get("Timestamp")) or 0.0, int(_number(r.get("User Count")) or 0))
        for r in _aggregated_rows(history)
    ]


def locust_totals(stats: Path) -> tuple[int, int] | None:
    """Locust's own (requests, failures) from ``PREFIX_stats.csv``."""
    rows = _aggregated_rows(stats)
    if not rows:
        return None
    row = rows[-1]
    return int(_number(row.get("Request Count")) or 0), int(_number(row.get("Failure Count")) or 0)
