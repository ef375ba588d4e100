"""TLS endpoints and the judgement of sslyze's JSON (real runs are in the plugin runs)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest

from golive.facts.scans.tls import (
    TlsEndpoint,
    database_endpoint,
    endpoint_from,
    parse_sslyze,
    tls_scan,
    weak_cipher,
)

NOW = datetime(2026, 6, 1, tzinfo=UTC)
ENDPOINT = TlsEndpoint("127.0.0.1", 8443)


def test_endpoints_from_text_and_dsn() -> None:
    assert endpoint_from("https://example.com").address == "example.com:443"
    assert endpoint_from("127.0.0.1:8443") == TlsEndpoint("127.0.0.1", 8443, label="127.0.0.1:8443")
    pg = endpoint_from("postgres://db.internal:6543")
    assert (pg.address, pg.starttls) == ("db.internal:6543", "postgres")
    dsn = database_endpoint(
        "postgresql://app:pw@127.0.0.1:5433/app?sslmode=verify-full&sslrootcert=/ca.crt"
    )
    assert dsn is not None and (dsn.address, dsn.ca_file) == ("127.0.0.1:5433", "/ca.crt")
    assert database_endpoint("postgresql:///app?host=/run/postgresql") is None


def test_weak_ciphers() -> None:
    assert weak_cipher("TLS_RSA_WITH_RC4_128_SHA")
    assert weak_cipher("TLS_ECDH_anon_WITH_AES_128_CBC_SHA")
    assert weak_cipher("TLS_RSA_WITH_3DES_EDE_CBC_SHA")
    assert not weak_cipher("TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256")


def suites(*names: str) -> dict[str, Any]:
    return {
        "status": "COMPLETED",
        "result": {"accepted_cipher_suites": [{"cipher_suite": {"name": n}} for n in names]},
    }


def scan(
    *,
    tls10: bool = False,
    self_signed: bool = True,
    not_after: str = "2026-12-01T00:00:00Z",
    trusted: bool = False,
) -> dict[str, Any]:
    issuer = "CN=127.0.0.1" if self_signed else "CN=Some CA"
    return {
        "server_scan_results": [
            {
                "server_location": {"hostname": "127.0.0.1", "port": 8443},
                "connectivity_status": "COMPLETED",
                "scan_result": {
                    "tls_1_0_cipher_suites": suites("TLS_ECDHE_ECDSA_WITH_AES_128_CBC_SHA")
                    if tls10
                    else suites(),
                    "tls_1_2_cipher_suites": suites("TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256"),
                    "certificate_info": {
                        "status": "COMPLETED",
                        "result": {
                            "certificate_deployments": [
                                {
                                    "received_certificate_chain": [
                                        {
                                            "not_valid_before": "2026-01-01T00:00:00Z",
                                            "not_valid_after": not_after,
                                            "subject": {"rfc4514_string": "CN=127.0.0.1"},
                                            "issuer": {"rfc4514_string": issuer},
                                        }
                                    ],
                                    "path_validation_results": [
                                        {
                                            "trust_store": {"name": "Mozilla"},
                                            "was_validation_successful": trusted,
                                            "validation_error": None if trusted else "bad",
                                        }
                                    ],
                                }
                            ]
                        },
                    },
                },
            }
        ]
    }


@pytest.mark.parametrize(
    ("kwargs", "allow", "expected"),
    [
        ({"trusted": True, "self_signed": False}, False, []),
        ({}, True, []),  # self-signed, allowed: only an info note
        ({}, False, ["tls.cert-self-signed"]),
        ({"self_signed": False}, False, ["tls.cert-untrusted"]),
        ({"tls10": True, "trusted": True}, False, ["tls.legacy-protocol"]),
        ({"not_after": "2026-05-01T00:00:00Z"}, True, ["tls.cert-expired"]),
        ({"not_after": "2026-06-05T00:00:00Z", "trusted": True}, False, ["tls.cert-expiring"]),
    ],
)
def test_parse_sslyze(kwargs: dict[str, Any], allow: bool, expected: list[str]) -> None:
    result = parse_sslyze(scan(**kwargs), [ENDPOINT], allow_self_signed=allow, now=NOW)
    assert result.verified
    assert sorted(f.rule for f in result.counting()) == expected


@pytest.mark.slow
def test_unreachable_endpoint_is_not_verified() -> None:
    result = tls_scan([TlsEndpoint("127.0.0.1", 9)], allow_self_signed=False)
    assert not result.verified and "no TLS connection" in (result.reason or "")
