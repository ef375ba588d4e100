"""Inline SVG charts drawn server-side: axes, units and the threshold line on every chart.

The report is one self-contained, script-free file, so each chart is a string of SVG
markup. Every text that comes from data is XML-escaped here (the templates mark the
result safe). Colours are CSS variables of the page, so print and screen agree.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from html import escape

__all__ = ["Series", "bar_against_threshold", "line_chart", "nice_ticks", "trend_chart"]


@dataclass(frozen=True)
class Series:
    label: str
    values: Sequence[float]
    colour: str  # a CSS colour or var(--…)
    dashed: bool = False


def _num(value: float) -> str:
    """Short tick/label text: 1200 → "1200", 0.25 → "0.25", 12.3456 → "12.3"."""
    if value == 0:
        return "0"
    if abs(value) >= 100 or float(value).is_integer():
        return f"{value:.0f}"
    if abs(value) >= 10:
        return f"{value:.1f}"
    return f"{value:.3g}"


def nice_ticks(low: float, high: float, count: int = 5) -> list[float]:
    """Round tick values covering [low, high] (1, 2, 5 × 10^n steps)."""
    if high <= low:
        high = low + 1.0
    raw = (high - low) / max(count - 1, 1)
    magnitude = 10 ** math.floor(math.log10(raw))
    step = next(m * magnitude for m in (1, 2, 2.5, 5, 10) if m * magnitude >= raw)
    start = math.floor(low / step) * step
    ticks = []
    value = start
    while value < high + step * 0.999:
        ticks.append(round(value, 10))
        value += step
    return ticks


def _nice_top(value: float) -> float:
    """A round scale end (1, 1.2, 1.5, 2 … 8 × 10^n) at or above ``value``."""
    if value <= 0:
        return 1.0
    magnitude = 10.0 ** math.floor(math.log10(value))
    return next(m * magnitude for m in (1, 1.2, 1.5, 2, 2.5, 3, 4, 5, 6, 8, 10)
                if m * magnitude >= value * 0.9999)


_OPS = {"<=": "≤", ">=": "≥"}


def bar_against_threshold(
    measured: float | None, threshold: float | None, op: str | None, unit: str, colour: str,
    *, width: int = 220, height: int = 40,
) -> str:
    """One horizontal bar (the measured figure) with the threshold as a vertical line."""
    values = [v for v in (measured, threshold) if v is not None]
    top = _nice_top(max(values) * 1.08) if values else 1.0
    if unit == "%" and op in (">=", ">") and values and max(values) <= 100:
        top = 100.0  # a share that must be high (availability) reads against its whole
    span = width - 2

    def x(value: float) -> float:
        return 1 + span * min(max(value, 0.0), top) / top

    parts = [
        f'<svg class="bar" viewBox="0 0 {width} {height}" width="100%" '
        f'role="img" aria-label="{escape(unit)}">',
        f'<rect x="1" y="13" width="{span}" height="13" fill="#eaeef2"/>',
    ]
    if measured is not None:
        parts.append(f'<rect x="1" y="13" width="{x(measured) - 1:.1f}" height="13" '
                     f'fill="{colour}"/>')
    if threshold is not None:
        tx = x(threshold)
        anchor = "end" if tx > width * 0.7 else "start" if tx < width * 0.3 else "middle"
        parts.append(f'<line x1="{tx:.1f}" y1="10" x2="{tx:.1f}" y2="29" stroke="#1f2328" '
                     f'stroke-width="2"/>')
        label = f"{escape(_OPS.get(op or '', op or ''))} {escape(_num(threshold))}"
        parts.append(f'<text x="{tx:.1f}" y="9" font-size="10" fill="#1f2328" '
                     f'text-anchor="{anchor}">{label}</text>')
    parts.append('<text x="1" y="38" font-size="10" fill="#57606a">0</text>')
    parts.append(f'<text x="{width - 1}" y="38" font-size="10" fill="#57606a" '
                 f'text-anchor="end">{escape(_num(top))} {escape(unit)}</text>')
    parts.append("</svg>")
    return "".join(parts)


def line_chart(
    xs: Sequence[float], series: Sequence[Series], *, y_unit: str, x_unit: str = "s",
    slo: float | None = None, slo_label: str = "", title: str = "",
    width: int = 760, height: int = 220,
) -> str:
    """Lines over a shared x axis with y axis, ticks, units and an optional SLO line."""
    if len(xs) < 2 or not series:
        return ""
    left, right, top, bottom = 56, 12, 24, 34
    plot_w, plot_h = width - left - right, height - top - bottom
    y_max = max([max(s.values, default=0.0) for s in series] + [slo or 0.0]) * 1.08 or 1.0
    y_ticks = nice_ticks(0.0, y_max)
    y_top = y_ticks[-1]
    x_low, x_high = min(xs), max(xs)
    x_span = (x_high - x_low) or 1.0

    def px(value: float) -> float:
        return left + plot_w * (value - x_low) / x_span

    def py(value: float) -> float:
        return top + plot_h - plot_h * value / y_top

    parts = [f'<svg class="chart" viewBox="0 0 {width} {height}" width="100%" role="img" '
             f'aria-label="{escape(title)}">',
             f'<rect x="{left}" y="{top}" width="{plot_w}" height="{plot_h}" fill="#f6f8fa"/>']
    for tick in y_ticks:
        y = py(tick)
        parts.append(f'<line x1="{left}" x2="{left + plot_w}" y1="{y:.1f}" y2="{y:.1f}" '
                     f'stroke="#d0d7de" stroke-width="1"/>')
        parts.append(f'<text x="{left - 6}" y="{y + 4:.1f}" font-size="11" text-anchor="end" '
                     f'fill="#57606a">{escape(_num(tick))}</text>')
    for tick in nice_ticks(x_low, x_high, 6):
        if tick < x_low or tick > x_high:
            continue
        x = px(tick)
        parts.append(f'<line x1="{x:.1f}" x2="{x:.1f}" y1="{top + plot_h}" '
                     f'y2="{top + plot_h + 4}" stroke="#57606a"/>')
        parts.append(f'<text x="{x:.1f}" y="{top + plot_h + 16}" font-size="11" '
                     f'text-anchor="middle" fill="#57606a">{escape(_num(tick))}</text>')
    parts.append(f'<text x="{left + plot_w}" y="{height - 2}" font-size="11" text-anchor="end" '
                 f'fill="#57606a">{escape(x_unit)}</text>')
    parts.append(f'<text x="{left}" y="{top - 8}" font-size="11" fill="#57606a">'
                 f'{escape(y_unit)}</text>')
    parts.append(f'<line x1="{left}" x2="{left}" y1="{top}" y2="{top + plot_h}" '
                 f'stroke="#57606a"/>')
    parts.append(f'<line x1="{left}" x2="{left + plot_w}" y1="{top + plot_h}" '
                 f'y2="{top + plot_h}" stroke="#57606a"/>')
    for line in series:
        points = " ".join(f"{px(x):.1f},{py(v):.1f}" for x, v in zip(xs, line.values, strict=False))
        dash = ' stroke-dasharray="5 4"' if line.dashed else ""
        parts.append(f'<polyline fill="none" stroke="{line.colour}" stroke-width="2"{dash} '
                     f'points="{points}"><title>{escape(line.label)}</title></polyline>')
    if slo is not None:
        y = py(slo)
        parts.append(f'<line class="slo" x1="{left}" x2="{left + plot_w}" y1="{y:.1f}" '
                     f'y2="{y:.1f}" stroke="var(--fail)" stroke-width="1.5" '
                     f'stroke-dasharray="8 4"/>')
        parts.append(f'<text x="{left + plot_w - 4}" y="{y - 4:.1f}" font-size="11" '
                     f'text-anchor="end" fill="var(--fail)">{escape(slo_label)}</text>')
    parts.append("</svg>")
    return "".join(parts)


def trend_chart(
    values: Sequence[float], baseline: float | None, *, regressed: bool, scale_pct: float,
    width: int = 160, height: int = 36,
) -> str:
    """One figure's runs as % change from its baseline, on a scale shared by all rows
    (``scale_pct``), so a +0.1 % change stays flat and a +40 % one does not."""
    if len(values) < 2 or not baseline:
        return ""
    mid = height / 2
    changes = [100.0 * (v - baseline) / abs(baseline) for v in values]
    step = (width - 4) / (len(values) - 1)

    def py(pct: float) -> float:
        return mid - (mid - 3) * max(-1.0, min(1.0, pct / scale_pct))

    colour = "var(--fail)" if regressed else "var(--waived)"
    points = " ".join(f"{2 + i * step:.1f},{py(c):.1f}" for i, c in enumerate(changes))
    last_x, last_y = 2 + (len(values) - 1) * step, py(changes[-1])
    return (
        f'<svg class="trend" viewBox="0 0 {width} {height}" width="{width}" height="{height}" '
        f'role="img" aria-label="±{_num(scale_pct)} %">'
        f'<line x1="0" x2="{width}" y1="{mid}" y2="{mid}" stroke="#8c959f" '
        f'stroke-dasharray="3 3"/>'
        f'<polyline fill="none" stroke="{colour}" stroke-width="2" points="{points}"/>'
        f'<circle cx="{last_x:.1f}" cy="{last_y:.1f}" r="3" fill="{colour}"/>'
        f"</svg>"
    )
