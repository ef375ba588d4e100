"""TLS of the target's endpoints with sslyze (CLI, ``--json_out``), once per run.

Endpoints: the environment's HTTPS ``base_url``, the database's host:port (STARTTLS
``postgres``), and any listed in the security targets. Each must offer TLS 1.2 or newer
only, no weak cipher suite, and a certificate that is in its validity period and trusted
(a self-signed one is accepted as a note where the targets say ``allow_self_signed``).
"""

from __future__ import annotations

import json
import subprocess
import tempfile
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

from golive import _procs
from golive.facts.scans.runner import tool_path
from golive.judging.findings import FindingSeverity, SecFinding, SourceResult

__all__ = [
    "TlsEndpoint",
    "database_endpoint",
    "endpoint_from",
    "parse_sslyze",
    "tls_scan",
    "weak_cipher",
]

SOURCE = "tls"
_PROTOCOLS: dict[str, tuple[str, FindingSeverity | None]] = {
    "ssl_2_0_cipher_suites": ("SSL 2.0", "critical"),
    "ssl_3_0_cipher_suites": ("SSL 3.0", "critical"),
    "tls_1_0_cipher_suites": ("TLS 1.0", "high"),
    "tls_1_1_cipher_suites": ("TLS 1.1", "high"),
    "tls_1_2_cipher_suites": ("TLS 1.2", None),
    "tls_1_3_cipher_suites": ("TLS 1.3", None),
}
_WEAK_MARKERS = (
    "_NULL_",
    "_anon_",
    "EXPORT",
    "RC4",
    "_DES_",
    "3DES",
    "DES_CBC",
    "_MD5",
    "IDEA",
    "NULL_WITH",
)
EXPIRY_WARNING = timedelta(days=14)


@dataclass(frozen=True)
class TlsEndpoint:
    host: str
    port: int
    starttls: str | None = None  # sslyze --starttls protocol (postgres)
    ca_file: str | None = None
    label: str = ""

    @property
    def address(self) -> str:
        return f"{self.host}:{self.port}"

    @property
    def shown(self) -> str:
        return self.label or (
            f"{self.starttls}://{self.address}" if self.starttls else self.address
        )


def endpoint_from(text: str, ca_file: str | None = None) -> TlsEndpoint:
    """``host:port``, ``https://host[:port]`` or ``postgres://host:port``."""
    if "://" not in text:
        host, _, port = text.rpartition(":")
        return TlsEndpoint(host.strip("[]"), int(port), ca_file=ca_file, label=text)
    parts = urlsplit(text)
    if parts.scheme in ("postgres", "postgresql"):
        return TlsEndpoint(
            parts.hostname or "localhost",
            parts.port or 5432,
            "postgres",
            ca_file,
            f"postgres://{parts.hostname}:{parts.port or 5432}",
        )
    return TlsEndpoint(parts.hostname or "localhost", parts.port or 443, None, ca_file, text)


def database_endpoint(dsn: str) -> TlsEndpoint | None:
    """The database's host:port for STARTTLS (its ``sslrootcert`` as the CA); None for a
    socket path or a DSN golive cannot read as a URL."""
    parts = urlsplit(dsn)
    if parts.scheme not in ("postgres", "postgresql") or not parts.hostname:
        return None
    if parts.hostname.startswith("/"):
        return None
    query = parse_qs(parts.query)
    roots = query.get("sslrootcert") or []
    ca = roots[0] if roots and roots[0] != "system" else None
    port = parts.port or 5432
    return TlsEndpoint(parts.hostname, port, "postgres", ca, f"postgres://{parts.hostname}:{port}")


def weak_cipher(name: str) -> bool:
    return any(marker in name for marker in _WEAK_MARKERS)


def _time(text: str) -> datetime:
    return datetime.fromisoformat(text.replace("Z", "+00:00"))


def _finding(rule: str, severity: FindingSeverity, message: str, where: str) -> SecFinding:
    return SecFinding(SOURCE, rule, severity, message, where)


def _protocol_findings(scan: dict[str, Any], where: str) -> tuple[list[SecFinding], list[str]]:
    found: list[SecFinding] = []
    offered: list[str] = []
    weak: set[str] = set()
    for key, (label, severity) in _PROTOCOLS.items():
        attempt = scan.get(key) or {}
        result = attempt.get("result") or {}
        accepted = [c["cipher_suite"]["name"] for c in result.get("accepted_cipher_suites") or []]
        if not accepted:
            continue
        offered.append(label)
        weak.update(n for n in accepted if weak_cipher(n))
        if severity is not None:
            found.append(
                _finding(
                    "tls.legacy-protocol",
                    severity,
                    f"{label} is accepted ({len(accepted)} cipher suites)",
                    where,
                )
            )
    if not {"TLS 1.2", "TLS 1.3"} & set(offered):
        found.append(_finding("tls.no-modern-protocol", "high", "neither TLS 1.2 nor 1.3", where))
    if weak:
        found.append(
            _finding(
                "tls.weak-cipher",
                "high",
                f"weak cipher suites accepted: {', '.join(sorted(weak)[:8])}",
                where,
            )
        )
    return found, offered


def _certificate_findings(
    info: dict[str, Any], where: str, allow_self_signed: bool, now: datetime
) -> list[SecFinding]:
    result = info.get("result") or {}
    deployments = result.get("certificate_deployments") or []
    if not deployments:
        return [_finding("tls.cert-unreadable", "medium", "no certificate could be read", where)]
    deployment = deployments[0]
    chain = deployment.get("received_certificate_chain") or []
    leaf = chain[0] if chain else {}
    found: list[SecFinding] = []
    not_after = str(leaf.get("not_valid_after") or "")
    not_before = str(leaf.get("not_valid_before") or "")
    expired = bool(not_after) and _time(not_after) < now
    if expired:
        found.append(
            _finding("tls.cert-expired", "high", f"certificate expired on {not_after}", where)
        )
    elif not_after and _time(not_after) - now < EXPIRY_WARNING:
        found.append(
            _finding("tls.cert-expiring", "medium", f"certificate expires on {not_after}", where)
        )
    if not_before and _time(not_before) > now:
        found.append(
            _finding(
                "tls.cert-not-yet-valid",
                "high",
                f"certificate is valid only from {not_before}",
                where,
            )
        )
    validations = deployment.get("path_validation_results") or []
    trusted = [v["trust_store"]["name"] for v in validations if v.get("was_validation_successful")]
    if trusted or expired:
        return found
    subject = (leaf.get("subject") or {}).get("rfc4514_string")
    issuer = (leaf.get("issuer") or {}).get("rfc4514_string")
    if len(chain) == 1 and subject == issuer:
        if allow_self_signed:
            found.append(
                _finding(
                    "tls.cert-self-signed",
                    "info",
                    f"self-signed certificate ({subject}): accepted here (allow_self_signed)",
                    where,
                )
            )
        else:
            found.append(
                _finding(
                    "tls.cert-self-signed",
                    "medium",
                    f"self-signed certificate ({subject}) is trusted by no trust store",
                    where,
                )
            )
        return found
    errors = sorted({str(v.get("validation_error"))[:160] for v in validations})
    found.append(
        _finding(
            "tls.cert-untrusted",
            "medium",
            f"certificate chain validates against no trust store: {'; '.join(errors[:2])}",
            where,
        )
    )
    return found


def parse_sslyze(
    data: dict[str, Any],
    endpoints: Sequence[TlsEndpoint],
    *,
    allow_self_signed: bool,
    now: datetime | None = None,
) -> SourceResult:
    """Judge sslyze's JSON output for the endpoints it scanned."""
    now = now or datetime.now(UTC)
    result = SourceResult(source=SOURCE, verified=True)
    by_address = {e.address: e for e in endpoints}
    for invalid in data.get("invalid_server_strings") or []:
        result.gaps.append(
            f"sslyze could not use {invalid.get('server_string')}: {invalid.get('error_message')}"
        )
    for server in data.get("server_scan_results") or []:
        location = server.get("server_location") or {}
        address = f"{location.get('hostname')}:{location.get('port')}"
        endpoint = by_address.get(address)
        where = endpoint.shown if endpoint else address
        if server.get("connectivity_status") != "COMPLETED":
            trace = (server.get("connectivity_error_trace") or "").strip().splitlines()
            result.gaps.append(f"{where}: no TLS connection ({trace[-1][:200] if trace else '?'})")
            continue
        scan = server.get("scan_result") or {}
        protocol_findings, offered = _protocol_findings(scan, where)
        result.findings += protocol_findings
        info = scan.get("certificate_info") or {}
        if info.get("status") == "COMPLETED":
            result.findings += _certificate_findings(info, where, allow_self_signed, now)
        else:
            result.gaps.append(f"{where}: certificate not analysed ({info.get('error_reason')})")
        result.checked.append(f"{where}: {', '.join(offered) or 'no protocol'}")
    if not result.checked:
        result.verified = False
        result.reason = "; ".join(result.gaps) or "sslyze scanned nothing"
    return result


_CACHE: dict[tuple[tuple[TlsEndpoint, ...], bool], SourceResult] = {}


def _run_sslyze(group: list[TlsEndpoint], timeout: float) -> dict[str, Any]:
    executable = tool_path("sslyze")
    if executable is None:
        raise FileNotFoundError("sslyze is not installed")
    first = group[0]
    with tempfile.TemporaryDirectory(prefix="golive-sslyze-") as folder:
        out = Path(folder) / "sslyze.json"
        argv = [
            executable,
            f"--json_out={out}",
            "--quiet",
            "--mozilla_config=disable",
            "--certinfo",
            "--sslv2",
            "--sslv3",
            "--tlsv1",
            "--tlsv1_1",
            "--tlsv1_2",
            "--tlsv1_3",
        ]
        if first.starttls:
            argv += ["--starttls", first.starttls]
        if first.ca_file:
            argv += ["--certinfo_ca_file", first.ca_file]
        argv += [e.address for e in group]
        _procs.run(argv, capture_output=True, text=True, timeout=timeout)
        if not out.is_file():
            raise RuntimeError("sslyze wrote no JSON report")
        data: dict[str, Any] = json.loads(out.read_text(encoding="utf-8"))
        return data


def tls_scan(
    endpoints: Sequence[TlsEndpoint], *, allow_self_signed: bool, timeout: float = 120
) -> SourceResult:
    """sslyze over the endpoints (grouped by STARTTLS protocol and CA file), once per run."""
    key = (tuple(endpoints), allow_self_signed)
    if key in _CACHE:
        return _CACHE[key]
    if not endpoints:
        return SourceResult.unverified(
            SOURCE,
            "no TLS endpoint: base_url is not https, no "
            "database_url, no tls.endpoints in the targets",
        )
    groups: dict[tuple[str | None, str | None], list[TlsEndpoint]] = {}
    for endpoint in endpoints:
        groups.setdefault((endpoint.starttls, endpoint.ca_file), []).append(endpoint)
    merged = SourceResult(source=SOURCE, verified=False)
    for group in groups.values():
        try:
            data = _run_sslyze(group, timeout)
        except (OSError, RuntimeError, ValueError, subprocess.TimeoutExpired) as exc:
            merged.gaps += [f"{e.shown}: sslyze failed ({exc})" for e in group]
            continue
        part = parse_sslyze(data, group, allow_self_signed=allow_self_signed)
        merged.findings += part.findings
        merged.checked += part.checked
        merged.gaps += part.gaps
    merged.verified = bool(merged.checked)
    if not merged.verified:
        merged.reason = "; ".join(merged.gaps) or "sslyze scanned nothing"
    _CACHE[key] = merged
    return merged
