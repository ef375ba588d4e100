"""The demo's own certificate authority and the server certificates it signs.

A real deployment's TLS endpoints present certificates a client can verify. The demo
does the same on loopback: one private CA per stack (``tls/ca.crt``, its key never
leaves the run directory), which signs the PostgreSQL server's certificate and the HTTPS
front's. Clients trust the CA file (``sslrootcert`` in the database URL, ``ca_file``
in the security targets), never "any certificate".

EC P-256 keys: fast to make, accepted by every TLS 1.2+ client.
"""

from __future__ import annotations

import datetime as dt
import ipaddress
import os
from dataclasses import dataclass
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

__all__ = ["DemoCA", "make_ca", "make_self_signed_cert", "write_private_key"]


def write_private_key(path: Path, key: ec.EllipticCurvePrivateKey) -> None:
    """Write ``key`` as unencrypted PKCS#8 PEM, readable by its owner only."""
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "wb") as fh:
        fh.write(
            key.private_bytes(
                serialization.Encoding.PEM,
                serialization.PrivateFormat.PKCS8,
                serialization.NoEncryption(),
            )
        )


def _key_usage(**granted: bool) -> x509.KeyUsage:
    usages = ("digital_signature", "content_commitment", "key_encipherment",
              "data_encipherment", "key_agreement", "key_cert_sign", "crl_sign",
              "encipher_only", "decipher_only")  # fmt: skip
    return x509.KeyUsage(**{name: granted.get(name, False) for name in usages})


def _validity(days: int, expired: bool) -> tuple[dt.datetime, dt.datetime]:
    """From five minutes ago for ``days``; or, ``expired``, a span that ended yesterday."""
    now = dt.datetime.now(dt.UTC)
    if expired:
        return now - dt.timedelta(days=days + 1, minutes=5), now - dt.timedelta(days=1)
    return now - dt.timedelta(minutes=5), now + dt.timedelta(days=days)


def _builder(
    subject: x509.Name, issuer: x509.Name, key: ec.EllipticCurvePrivateKey, days: int, expired: bool
) -> x509.CertificateBuilder:
    not_before, not_after = _validity(days, expired)
    return (
        x509.CertificateBuilder()
        .subject_name(subject)
        .issuer_name(issuer)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(not_before)
        .not_valid_after(not_after)
    )


_LOOPBACK = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "127.0.0.1")])
_LOOPBACK_NAMES = x509.SubjectAlternativeName(
    [x509.IPAddress(ipaddress.IPv4Address("127.0.0.1")), x509.DNSName("localhost")]
)


@dataclass(frozen=True)
class DemoCA:
    """A CA certificate and key on disk."""

    cert_file: Path
    key_file: Path

    def _load(self) -> tuple[x509.Certificate, ec.EllipticCurvePrivateKey]:
        cert = x509.load_pem_x509_certificate(self.cert_file.read_bytes())
        key = serialization.load_pem_private_key(self.key_file.read_bytes(), password=None)
        assert isinstance(key, ec.EllipticCurvePrivateKey)
        return cert, key

    def issue(
        self, cert_path: Path, key_path: Path, *, days: int = 90, expired: bool = False
    ) -> None:
        """A server certificate for 127.0.0.1/localhost signed by this CA.

        ``expired`` makes one that ran out yesterday (the broken twin's web front).
        """
        ca_cert, ca_key = self._load()
        key = ec.generate_private_key(ec.SECP256R1())
        cert = (
            _builder(_LOOPBACK, ca_cert.subject, key, days, expired)
            .add_extension(_LOOPBACK_NAMES, critical=False)
            .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
            .add_extension(_key_usage(digital_signature=True, key_agreement=True), critical=True)
            .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.SERVER_AUTH]), critical=False)
            .add_extension(
                x509.AuthorityKeyIdentifier.from_issuer_public_key(ca_key.public_key()),
                critical=False,
            )
            .add_extension(
                x509.SubjectKeyIdentifier.from_public_key(key.public_key()), critical=False
            )
            .sign(ca_key, hashes.SHA256())
        )
        cert_path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
        write_private_key(key_path, key)


def make_ca(cert_path: Path, key_path: Path, *, days: int = 365) -> DemoCA:
    """A fresh CA (``golive demo CA``), valid from five minutes ago for ``days``."""
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name(
        [
            x509.NameAttribute(NameOID.ORGANIZATION_NAME, "golive demo"),
            x509.NameAttribute(NameOID.COMMON_NAME, "golive demo CA"),
        ]
    )
    cert = (
        _builder(name, name, key, days, expired=False)
        .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
        .add_extension(_key_usage(key_cert_sign=True, crl_sign=True), critical=True)
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), critical=False)
        .sign(key, hashes.SHA256())
    )
    cert_path.parent.mkdir(parents=True, exist_ok=True)
    cert_path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    write_private_key(key_path, key)
    return DemoCA(cert_path, key_path)


def make_self_signed_cert(
    cert_path: Path, key_path: Path, *, days: int = 30, expired: bool = False
) -> None:
    """A self-signed server certificate for 127.0.0.1/localhost (the database's own, when
    it runs without the demo CA). ``expired`` makes one that ran out yesterday."""
    key = ec.generate_private_key(ec.SECP256R1())
    cert = (
        _builder(_LOOPBACK, _LOOPBACK, key, days, expired)
        .add_extension(_LOOPBACK_NAMES, critical=False)
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .sign(key, hashes.SHA256())
    )
    cert_path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    write_private_key(key_path, key)
