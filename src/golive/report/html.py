"""readiness.html: one self-contained page (CSS and SVG inline), Jinja2 with autoescape on."""

from __future__ import annotations

import json

from jinja2 import Environment, PackageLoader, StrictUndefined, select_autoescape

from golive.catalog import Catalog
from golive.judging.results import RunData
from golive.report.i18n import label, reason_text
from golive.report.view import STATUS_ORDER, ReportView, format_measured, format_threshold

__all__ = ["render_html"]

_ENV = Environment(
    loader=PackageLoader("golive.report", "templates"),
    autoescape=select_autoescape(default=True, default_for_string=True),
    undefined=StrictUndefined,
    trim_blocks=True,
    lstrip_blocks=True,
)
_ENV.filters["measured"] = format_measured
_ENV.filters["threshold"] = format_threshold
_ENV.filters["pretty"] = lambda value: json.dumps(value, ensure_ascii=False, indent=1, default=str)


def render_html(data: RunData, catalog: Catalog) -> str:
    profile = catalog.profile(data.profile) if data.profile else None
    return _ENV.get_template("readiness.html.j2").render(
        data=data,
        view=ReportView(data),
        statuses=STATUS_ORDER,
        profile=profile,
        t=lambda key: label(key, data.lang),
        reason=lambda text: reason_text(text, data.lang),
    )
