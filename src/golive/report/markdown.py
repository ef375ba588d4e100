"""summary.md: short enough for GITHUB_STEP_SUMMARY, exact enough to act on."""

from __future__ import annotations

from jinja2 import Environment, PackageLoader, StrictUndefined

from golive.catalog import Catalog
from golive.judging.results import RunData
from golive.report.i18n import label, reason_text
from golive.report.view import (
    STATUS_ORDER,
    ReportView,
    findings_of,
    format_measured,
    format_threshold,
)

__all__ = ["render_summary"]


def _cell(text: object) -> str:
    """Markdown table cell: no pipes or line breaks from data may break the table."""
    return " ".join(str(text).split()).replace("|", "\\|").replace("<", "&lt;")


_ENV = Environment(
    loader=PackageLoader("golive.report", "templates"),
    autoescape=False,  # noqa: S701 - Markdown, every data value goes through the cell filter
    undefined=StrictUndefined,
    trim_blocks=True,
    lstrip_blocks=True,
    keep_trailing_newline=True,
)
_ENV.filters["cell"] = _cell
_ENV.filters["measured"] = format_measured
_ENV.filters["threshold"] = format_threshold


def render_summary(data: RunData, *, catalog: Catalog | None = None,
                   html_name: str = "readiness.html") -> str:
    """``html_name``: the HTML report beside summary.md, linked relatively."""
    return _ENV.get_template("summary.md.j2").render(
        data=data,
        view=ReportView(data, catalog=catalog),
        html_name=html_name,
        findings=findings_of,
        statuses=STATUS_ORDER,
        t=lambda key: label(key, data.lang),
        reason=lambda text: reason_text(text, data.lang),
    )
