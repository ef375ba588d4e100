"""Finishing a run: what needs earlier runs or the outside world, then every written record.

Called once per run by whoever built the run data (the pytest plugin on the controller).
"""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from golive._redact import redact_data
from golive.catalog import Catalog
from golive.config import Config, Environment, resolve_secret
from golive.finish.incidents import write_incident_record
from golive.finish.notify import build_message, send_notification
from golive.history import trends as history
from golive.history.store import folders_locked
from golive.judging.results import RunData
from golive.report import write_reports

__all__ = ["Notify", "finish_run", "wants_notification"]

Notify = Literal["auto", "yes", "no"]  # auto: as the profile says (profiles.yaml `notify`)


def wants_notification(data: RunData, catalog: Catalog, notify: Notify) -> bool:
    if notify != "auto":
        return notify == "yes"
    return data.profile is not None and catalog.profile(data.profile).notify


def finish_run(
    data: RunData,
    *,
    catalog: Catalog,
    config: Config,
    environment: Environment,
    output: Path | None,
    notify: Notify = "auto",
) -> RunData:
    """Trends from the history, the notification; then, with an output folder, the reports,
    the history entry and the incident record. Returns the finished run data."""
    # one redacted copy for every record below: reports, history, incident, notification
    data = RunData.model_validate(redact_data(data.model_dump(mode="json", by_alias=True)))
    update: dict[str, object] = {}
    kept = history.history_folder(config, output) if output is not None else None
    if kept is not None:
        earlier = history.load_history(kept, data.profile, data.env)
        update |= {"trends": history.compute_trends(data, earlier), "history_runs": len(earlier)}
    finished = data.model_copy(update=update)
    url = resolve_secret(environment.webhook_url)
    if url and wants_notification(finished, catalog, notify):
        report = output / "readiness.html" if output is not None else None
        link = report.resolve().as_uri() if report is not None else None
        message = build_message(finished, report_link=link)
        finished = finished.model_copy(update={"notification": send_notification(
            url, message, timeout=environment.request_timeout_s)})
    if output is not None and kept is not None:
        # another run into the same folder waits: its files never mix with these
        with folders_locked(output):
            write_reports(finished, output, catalog=catalog)
        if finished.executed_nothing:
            return finished  # a run that checked nothing is no point of any trend
        with folders_locked(kept):  # a unique entry name per run: none is lost
            history.record_run(kept, finished)  # after the reports: an entry proves they exist
            write_incident_record(finished, kept)
    return finished
