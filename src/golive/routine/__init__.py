"""The routine (定期タスク) judged from golive's own run history: reports written, incidents
recorded, trends reviewed, usage forecast. See :mod:`golive.routine.reviews` for the rules."""

from __future__ import annotations

from golive.routine._store import WINDOWS, Review, RunHistory, history_folder, read_history
from golive.routine.incidents import write_incident_record

__all__ = [
    "WINDOWS",
    "Review",
    "RunHistory",
    "history_folder",
    "read_history",
    "write_incident_record",
]
