"""A running ZAP daemon (``zap_api_url``): spider, passive scan, active scan only on a
disruptive environment; alerts become findings (risk High → critical).

The ZAP application itself is not installed by golive; without ``zap_api_url`` only
golive's own passive checks run, and the evidence says so.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

from golive.judging.findings import FindingSeverity, SecFinding, SourceResult
from golive.resources import security_file

__all__ = ["NOT_CONFIGURED", "alert_findings", "load_rules", "zap_scan"]

SOURCE = "zap"
NOT_CONFIGURED = "ZAP not configured; golive passive checks only"
# ZAP's risk levels end at High and carry no CVSS score: never critical (the definition is
# golive.facts.scans.cvss's: a score of 9.0 or more, or the source's own CRITICAL)
_RISK: dict[str, FindingSeverity] = {
    "High": "high",
    "Medium": "medium",
    "Low": "low",
    "Informational": "info",
}


def load_rules(path: Path | None = None) -> dict[str, str]:
    """plugin id → IGNORE | WARN | FAIL, from ``security/zap-rules.tsv``."""
    path = path or security_file("zap-rules.tsv")
    if path is None:
        return {}
    rules = {}
    for line in path.read_text(encoding="utf-8").splitlines():
        if not line.strip() or line.startswith("#"):
            continue
        fields = line.split("\t")
        if len(fields) >= 2 and fields[1].strip() in ("IGNORE", "WARN", "FAIL"):
            rules[fields[0].strip()] = fields[1].strip()
    return rules


def alert_findings(alerts: Iterable[dict[str, Any]], rules: dict[str, str]) -> list[SecFinding]:
    """One finding per (plugin, URL) alert, with the rules file applied."""
    found: dict[tuple[str, str], SecFinding] = {}
    for alert in alerts:
        plugin = str(alert.get("pluginId") or alert.get("pluginid") or "?")
        action = rules.get(plugin)
        if action == "IGNORE":
            continue
        severity = _RISK.get(str(alert.get("risk")), "info")
        if action == "WARN":
            severity = "info"
        cwe_text = str(alert.get("cweid") or "")
        cwe = int(cwe_text) if cwe_text.isdigit() and int(cwe_text) > 0 else None
        url = str(alert.get("url") or "?")
        found.setdefault(
            (plugin, url),
            SecFinding(
                SOURCE,
                f"zap.{plugin}",
                severity,
                f"{alert.get('alert') or alert.get('name')} (risk {alert.get('risk')}, "
                f"confidence {alert.get('confidence')})",
                url,
                cwe=cwe,
            ),
        )
    return list(found.values())


def _wait(status: Callable[[], Any], what: str, deadline: float) -> None:
    while True:
        value = status()
        try:
            if int(value) >= 100:
                return
        except (TypeError, ValueError):
            raise RuntimeError(f"ZAP {what}: unexpected status {value!r}") from None
        if time.monotonic() > deadline:
            raise TimeoutError(f"ZAP {what} did not finish in time")
        time.sleep(1.0)


def zap_scan(
    api_url: str | None,
    api_key: str | None,
    target: str,
    *,
    active: bool,
    timeout: float = 600,
) -> SourceResult:
    """Spider + passive scan (+ active scan when ``active``) of ``target`` through ZAP."""
    if not api_url:
        return SourceResult.unverified(SOURCE, NOT_CONFIGURED)
    from zapv2 import ZAPv2

    zap = ZAPv2(apikey=api_key, proxies={"http": api_url, "https": api_url})
    deadline = time.monotonic() + timeout
    result = SourceResult(source=SOURCE, verified=True)
    try:
        scan_id = zap.spider.scan(target)
        _wait(lambda: zap.spider.status(scan_id), "spider", deadline)
        result.checked.append(f"spider of {target}")
        while int(zap.pscan.records_to_scan) > 0:
            if time.monotonic() > deadline:
                raise TimeoutError("ZAP passive scan did not finish in time")
            time.sleep(1.0)
        result.checked.append("passive scan")
        if active:
            ascan_id = zap.ascan.scan(target)
            _wait(lambda: zap.ascan.status(ascan_id), "active scan", deadline)
            result.checked.append("active scan")
        else:
            result.notes.append("active scan not run: environment is not disruptive")
        alerts = zap.core.alerts(baseurl=target)
    except Exception as exc:  # the daemon's API answers anything; all of it means "not run"
        return SourceResult.unverified(
            SOURCE, f"ZAP at {api_url} failed: {type(exc).__name__}: {str(exc)[:200]}"
        )
    if not isinstance(alerts, list):
        return SourceResult.unverified(SOURCE, f"ZAP gave no alert list: {str(alerts)[:200]}")
    result.findings = alert_findings(alerts, load_rules())
    result.facts["alerts"] = len(alerts)
    return result
