"""Reporters: each reads the run data and writes one file; none decides a verdict."""

from __future__ import annotations

from pathlib import Path

from golive._redact import redact
from golive.catalog import Catalog
from golive.judging.results import RunData, write_json_atomically
from golive.report.html import render_html
from golive.report.junit import render_junit
from golive.report.markdown import render_summary

__all__ = ["OUTPUT_FILES", "render_html", "render_junit", "render_summary", "write_reports"]

OUTPUT_FILES = ("results.json", "junit.xml", "summary.md", "readiness.html")


def write_reports(data: RunData, output: Path, *, catalog: Catalog) -> list[Path]:
    """Write every output; results.json first, so a reporter that breaks loses nothing.
    Every file passes the redaction (the run data is redacted already; this is the net for
    what a reporter adds)."""
    output.mkdir(parents=True, exist_ok=True)
    write_json_atomically(output / "results.json", redact(data.to_json()))
    written = [output / "results.json"]
    for name, text in (
        ("junit.xml", render_junit(data)),
        ("summary.md", render_summary(data, catalog=catalog)),
        ("readiness.html", render_html(data, catalog, output=output)),
    ):
        write_json_atomically(output / name, redact(text))
        written.append(output / name)
    return written
