"""Slack-style notification of a run (incoming-webhook JSON), sent by the controller."""

from __future__ import annotations

from typing import Any

import httpx

from golive import _http
from golive._redact import redact_data
from golive.judging.results import RunData
from golive.judging.verdict import RunVerdict
from golive.report.i18n import label
from golive.report.view import ReportView, format_measured, format_threshold

__all__ = ["build_message", "send_notification"]

_ICON = {
    RunVerdict.GO: ":white_check_mark:",
    RunVerdict.NO_GO: ":x:",
    RunVerdict.UNVERIFIED: ":grey_question:",
    RunVerdict.INCOMPLETE: ":warning:",
}


def build_message(data: RunData, *, report_link: str | None = None) -> dict[str, Any]:
    """The webhook body: a text fallback plus blocks with what needs attention."""
    view = ReportView(data)

    def t(key: str) -> str:
        return label(key, data.lang)

    counts = ", ".join(f"{t(s)} {n}" for s, n in view.counts().items() if n)
    headline = f"{_ICON[data.verdict]} golive {data.profile or 'run'} · {data.env or '-'}: "
    headline += f"*{data.verdict.value}* ({counts})"
    lines = [
        f"• `{c.id}` {c.title[data.lang]}: {format_measured(c.measured)}"
        f" ({t('threshold')} {format_threshold(c.threshold)}) {c.status.value}"
        for c in view.failing[:10]
    ]
    regressions = [tr for tr in data.trends if tr.regressed]
    lines += [f"• :chart_with_downwards_trend: `{tr.id}` {tr.why}" for tr in regressions]
    blocks: list[dict[str, Any]] = [
        {"type": "section", "text": {"type": "mrkdwn", "text": headline}}
    ]
    if lines:
        blocks.append({"type": "section", "text": {"type": "mrkdwn", "text": "\n".join(lines)}})
    if report_link:
        blocks.append({"type": "context",
                       "elements": [{"type": "mrkdwn", "text": f"<{report_link}|readiness.html>"}]})
    return redact_data({"text": headline, "blocks": blocks})


def send_notification(
    url: str, message: dict[str, Any], *, timeout: float = 10.0
) -> dict[str, Any]:
    """Post the message; the outcome (never the URL, which is a secret) goes to the run data."""
    try:
        response = _http.request("POST", url, json=message, timeout_s=timeout)
    except httpx.HTTPError as exc:
        return {"sent": False, "error": type(exc).__name__}
    return {"sent": response.is_success, "status": response.status_code}
