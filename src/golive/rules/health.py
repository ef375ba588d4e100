"""A health endpoint's answer: healthy only when it says so, not merely with a 200.

A proxy's error page, a login redirect's target or random bytes all come with 200; only a
body that states health counts: a JSON object whose ``status`` is ok/healthy/pass/up (the
demo app's ``{"status": "ok", ...}``, Spring Boot's ``{"status": "UP"}``, the IETF health
draft's ``{"status": "pass"}``), or a short plain-text body that is one of those words.
"""

from __future__ import annotations

import json

from golive.facts.live.health import HealthAnswer

__all__ = ["HEALTHY", "health_problem", "web_up"]

HEALTHY = ("ok", "healthy", "pass", "up")
_TEXT_MAX = 64  # a plain-text answer longer than this is a page, not a health word


def _said(body: bytes) -> str | None:
    """The health word the body states, or None when it states none."""
    try:
        text = body.decode("utf-8").strip()
    except UnicodeDecodeError:
        return None
    try:
        data = json.loads(text)
    except ValueError:
        return text.lower() if len(text) <= _TEXT_MAX else None
    status = data.get("status") if isinstance(data, dict) else None
    return status.lower() if isinstance(status, str) else None


def health_problem(status_code: int, body: bytes) -> str | None:
    """Why this answer of a health endpoint is not healthy; None when it is."""
    said = _said(body)
    if status_code != 200:
        return f"answered {status_code}" + (f", status {said!r}" if said else "")
    if said is None:
        return f"answered 200 without a health status ({len(body)} bytes, not {HEALTHY[0]!r})"
    if said not in HEALTHY:
        return f"answered 200 with status {said[:40]!r}"
    return None


def web_up(answer: HealthAnswer) -> tuple[bool, str]:
    """(healthy, one line naming the target and what it answered)."""
    what = f"GET {answer.target}{answer.path}"
    if answer.status is None:
        return False, f"{what}: {answer.error}"
    problem = health_problem(answer.status, answer.body)
    return problem is None, f"{what}: {problem or answer.status}"
