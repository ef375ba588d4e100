"""What every finding of golive's active probes carries: its OWASP Top 10 (2021) category
(from the rule's prefix), the request that showed it, and its risk (severity)."""

from __future__ import annotations

from golive.facts.live.http_session import TargetSession
from golive.facts.live.probes import Exchange
from golive.judging.findings import FindingSeverity, SecFinding

__all__ = ["CATEGORY_NAMES", "SOURCE", "probe_finding"]

SOURCE = "active-probe"
CATEGORY_NAMES = {
    "A01": "Broken Access Control",
    "A03": "Injection",
    "A10": "Server-Side Request Forgery",
}
_CATEGORY_OF = {
    "injection": "A03",
    "redirect": "A01",
    "traversal": "A01",
    "csrf": "A01",
    "ssrf": "A10",
}


def probe_finding(
    rule: str, severity: FindingSeverity, message: str, exchange: Exchange, session: TargetSession
) -> SecFinding:
    category = _CATEGORY_OF[rule.split(".")[0]]
    return SecFinding(
        source=SOURCE,
        rule=rule,
        severity=severity,
        message=f"{message}; shown by {exchange.request} → {exchange.status} "
        f"(OWASP {category}:2021 {CATEGORY_NAMES[category]})",
        where=session.url(exchange.target),
        category=category,
    )
