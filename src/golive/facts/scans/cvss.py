"""CVSS base scores and golive's one definition of "critical".

**Critical** (the plan's 重大な脆弱性, counted by ``sec.critical-vulns``) means: a CVSS
base score of 9.0 or more, computed from the advisory's vector (v3.x here, v2 and v4
through the ``cvss`` library) or given as a number, **or** the advisory source's own
``CRITICAL`` label (GitHub's ``database_specific.severity``, an ecosystem's severity).
When an advisory states both, the worse one counts. The same qualitative scale (FIRST's
CVSS v3.1 ratings) grades the rest: 7.0–8.9 high, 4.0–6.9 medium, 0.1–3.9 low.

Every scanner's severity goes through :func:`severity_from_score` or
:func:`severity_from_label`; a scanner with neither score nor label never says critical:
bandit's HIGH rates a code pattern (high), ZAP's High risk is high, pip-audit gives no
severity (high, unless an OSV record of the same advisory states one), and golive's own
active probes label each finding themselves (``golive.rules.appsec``).
"""

from __future__ import annotations

import contextlib
import importlib
import math
from typing import Any

from golive.judging.findings import FindingSeverity

__all__ = [
    "CRITICAL_SCORE",
    "cvss3_base_score",
    "is_critical",
    "score_of",
    "severity_from_label",
    "severity_from_score",
    "worse",
]

CRITICAL_SCORE = 9.0
_cvss: Any = None
# the ``cvss`` library scores v2 and v4 vectors; without it they are not scored
with contextlib.suppress(ImportError):
    _cvss = importlib.import_module("cvss")
_LABELS: dict[str, FindingSeverity] = {
    "CRITICAL": "critical",
    "HIGH": "high",
    "MODERATE": "medium",
    "MEDIUM": "medium",
    "LOW": "low",
}

_AV = {"N": 0.85, "A": 0.62, "L": 0.55, "P": 0.2}
_AC = {"L": 0.77, "H": 0.44}
_PR_UNCHANGED = {"N": 0.85, "L": 0.62, "H": 0.27}
_PR_CHANGED = {"N": 0.85, "L": 0.68, "H": 0.5}
_UI = {"N": 0.85, "R": 0.62}
_CIA = {"H": 0.56, "L": 0.22, "N": 0.0}


def _roundup(value: float) -> float:
    scaled = round(value * 100_000)
    if scaled % 10_000 == 0:
        return scaled / 100_000.0
    return (math.floor(scaled / 10_000) + 1) / 10.0


def cvss3_base_score(vector: str) -> float | None:
    """``CVSS:3.1/AV:N/AC:L/...`` → base score, or None when the vector is not v3."""
    parts = vector.strip().split("/")
    if not parts or not parts[0].startswith("CVSS:3"):
        return None
    metrics = dict(p.split(":", 1) for p in parts[1:] if ":" in p)
    try:
        changed = metrics["S"] == "C"
        pr = (_PR_CHANGED if changed else _PR_UNCHANGED)[metrics["PR"]]
        exploitability = 8.22 * _AV[metrics["AV"]] * _AC[metrics["AC"]] * pr * _UI[metrics["UI"]]
        iss = 1 - ((1 - _CIA[metrics["C"]]) * (1 - _CIA[metrics["I"]]) * (1 - _CIA[metrics["A"]]))
    except KeyError:
        return None
    impact = 7.52 * (iss - 0.029) - 3.25 * (iss - 0.02) ** 15 if changed else 6.42 * iss
    if impact <= 0:
        return 0.0
    total = 1.08 * (impact + exploitability) if changed else impact + exploitability
    return _roundup(min(total, 10.0))


def score_of(text: str) -> float | None:
    """The base score of a CVSS vector (v2, v3.x, v4) or of a plain number; None when
    it is neither."""
    text = text.strip()
    score = cvss3_base_score(text)
    if score is not None:
        return score
    try:
        if text.startswith("CVSS:4") and _cvss is not None:
            return float(_cvss.CVSS4(text).base_score)
        if text.lstrip("(").startswith("AV:") and _cvss is not None:
            return float(_cvss.CVSS2(text.strip("()")).scores()[0])
    except Exception:
        return None
    if text.startswith(("CVSS:", "AV:", "(AV:")):
        return None
    try:
        value = float(text)
    except ValueError:
        return None
    return value if 0.0 <= value <= 10.0 else None


def severity_from_score(score: float) -> FindingSeverity:
    """FIRST's qualitative rating of a base score; 9.0 and more is critical."""
    if score >= CRITICAL_SCORE:
        return "critical"
    if score >= 7.0:
        return "high"
    if score >= 4.0:
        return "medium"
    return "low" if score > 0 else "info"


def severity_from_label(label: object) -> FindingSeverity | None:
    """A source's own label (CRITICAL, HIGH, MODERATE/MEDIUM, LOW), or None."""
    return _LABELS.get(label.strip().upper()) if isinstance(label, str) else None


def worse(*severities: FindingSeverity | None) -> FindingSeverity | None:
    """The worst of the stated severities (None when none is)."""
    order: tuple[FindingSeverity, ...] = ("critical", "high", "medium", "low", "info")
    stated = [s for s in severities if s is not None]
    return min(stated, key=order.index) if stated else None


def is_critical(score: float | None = None, label: object = None) -> bool:
    """golive's definition: a CVSS base score of 9.0 or more, or the source's CRITICAL."""
    return (score is not None and score >= CRITICAL_SCORE) or severity_from_label(
        label
    ) == "critical"
