"""readiness.html: one self-contained page (CSS and SVG inline), Jinja2 with autoescape on."""

from __future__ import annotations

from pathlib import Path

from jinja2 import Environment, PackageLoader, StrictUndefined, select_autoescape
from markupsafe import Markup

from golive.catalog import Catalog
from golive.history.trends import TOLERANCE
from golive.judging.results import CriterionResult, RunData, Trend
from golive.report.charts import Series, bar_against_threshold, line_chart, trend_chart
from golive.report.i18n import label, reason_text
from golive.report.view import (
    STATUS_ORDER,
    Headline,
    ReportView,
    findings_of,
    format_measured,
    format_threshold,
)

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

_COLOURS = {"pass": "var(--pass)", "fail": "var(--fail)", "error": "var(--error)",
            "not_verified": "var(--not_verified)", "waived": "var(--waived)",
            "not_applicable": "var(--not_applicable)"}


def _charts(view: ReportView, lang: str) -> dict[str, Markup]:
    """The load phase charts (charts.py escapes every data text it draws)."""
    if len(view.load_series) < 2:
        return {}
    xs = view.column("t_s")
    slo = view.latency_slo
    latency = line_chart(
        xs, [Series("p95", view.column("p95_ms"), "var(--fail)")],
        y_unit="ms", x_unit=label("time_s", lang), title=label("latency", lang),
        slo=slo.value if slo else None,
        slo_label=f"{label('slo', lang)} {slo.text} ({slo.criterion})" if slo else "",
    )
    throughput = line_chart(
        xs, [Series(label("rps", lang), view.column("rps"), "var(--waived)"),
             Series(label("failures", lang), view.column("failures"),
                           "var(--fail)", dashed=True)],
        y_unit=label("rps", lang), x_unit=label("time_s", lang),
        title=label("throughput", lang),
    )
    return {"latency": Markup(latency), "throughput": Markup(throughput)}  # noqa: S704


def _trend_scale(data: RunData) -> float:
    """One vertical scale for every trend row: the largest change, at least the
    regression tolerance, so small wobbles stay small."""
    changes = [abs(100.0 * (v - t.baseline) / t.baseline)
               for t in data.trends if t.baseline for v in t.values]
    return max([TOLERANCE * 200.0, *changes])


def render_html(data: RunData, catalog: Catalog, *, output: Path | None = None) -> str:
    profile = catalog.profile(data.profile) if data.profile else None
    view = ReportView(data, catalog=catalog, output=output)
    scale = _trend_scale(data)

    def bar(h: Headline) -> Markup:
        colour = _COLOURS.get(h.result.status.value if h.result else "", "#8c959f")
        return Markup(bar_against_threshold(  # noqa: S704 - charts.py escapes
            h.measured, h.threshold.value, h.threshold.op, h.unit, colour))

    def trend(tr: Trend) -> Markup:
        return Markup(trend_chart(  # noqa: S704 - numbers only
            tr.values, tr.baseline, regressed=tr.regressed, scale_pct=scale))

    def reason_lines(result: CriterionResult) -> list[str]:
        return reason_text(result.reason, data.lang).splitlines()

    return _ENV.get_template("readiness.html.j2").render(
        data=data,
        view=view,
        statuses=STATUS_ORDER,
        profile=profile,
        charts=_charts(view, data.lang),
        bar=bar,
        trend=trend,
        findings=findings_of,
        reason_lines=reason_lines,
        regression_rule=label("regression_rule", data.lang, pct=round(TOLERANCE * 100),
                              scale=round(scale)),
        t=lambda key: label(key, data.lang),
        reason=lambda text: reason_text(text, data.lang),
    )
