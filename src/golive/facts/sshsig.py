"""SSH signatures of sign-off records, read through OpenSSH's own ``ssh-keygen -Y``.

Facts only: which key signed a file, which principals of an allowed-signers file hold that
key, whether OpenSSH accepts the signature for a principal. Whether a record then counts
is judged in golive.judging.signoff.
"""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

from golive.judging.signoff import NAMESPACE, SignatureCheck

__all__ = [
    "NAMESPACE",
    "SignatureCheck",
    "SshKeygenMissing",
    "generate_key",
    "read_signature",
    "sign_file",
]

_TIMEOUT_S = 20
_FINGERPRINT = re.compile(r"\bkey (SHA256:[A-Za-z0-9+/=]+)")


class SshKeygenMissing(RuntimeError):
    """ssh-keygen (OpenSSH 8.2 or later) is not on PATH."""


def _ssh_keygen() -> str:
    found = shutil.which("ssh-keygen")
    if found is None:
        raise SshKeygenMissing("ssh-keygen not found on PATH (install openssh-client)")
    return found


def _run(args: list[str], stdin: bytes | None = None) -> subprocess.CompletedProcess[bytes]:
    return subprocess.run(
        [_ssh_keygen(), *args], input=stdin if stdin is not None else b"",
        capture_output=True, timeout=_TIMEOUT_S, check=False,
    )  # fmt: skip


def _said(done: subprocess.CompletedProcess[bytes]) -> str:
    text = (done.stderr or b"").decode("utf-8", "replace") + (done.stdout or b"").decode(
        "utf-8", "replace"
    )
    return " ".join(line.strip() for line in text.splitlines() if line.strip())[:300]


def read_signature(
    message: bytes, signature: Path, allowed_signers: Path | None, principal: str
) -> SignatureCheck:
    """Ask OpenSSH about ``signature`` over ``message``: the key, its principals in
    ``allowed_signers`` (None: no file to look in), and whether it verifies for
    ``principal``."""
    check = _run(["-Y", "check-novalidate", "-n", NAMESPACE, "-s", str(signature)], message)
    found = _FINGERPRINT.search(_said(check))
    if check.returncode != 0:
        return SignatureCheck(False, None, (), False, _said(check))
    fingerprint = found.group(1) if found else None
    if allowed_signers is None:
        return SignatureCheck(True, fingerprint, (), False, "no allowed_signers file")
    who = _run(["-Y", "find-principals", "-f", str(allowed_signers), "-s", str(signature)])
    principals = tuple(
        line.strip() for line in who.stdout.decode("utf-8", "replace").splitlines()
        if line.strip()
    ) if who.returncode == 0 else ()  # fmt: skip
    verify = _run(
        ["-Y", "verify", "-f", str(allowed_signers), "-I", principal, "-n", NAMESPACE,
         "-s", str(signature)],
        message,
    )  # fmt: skip
    return SignatureCheck(True, fingerprint, principals, verify.returncode == 0, _said(verify))


def sign_file(path: Path, key: Path) -> Path:
    """``ssh-keygen -Y sign`` ``path`` with the private ``key``; returns ``path``.sig."""
    sig = path.with_name(path.name + ".sig")
    sig.unlink(missing_ok=True)  # ssh-keygen refuses to overwrite
    done = _run(["-Y", "sign", "-f", str(key), "-n", NAMESPACE, str(path)])
    if done.returncode != 0:
        raise RuntimeError(f"ssh-keygen -Y sign {path.name}: {_said(done)}")
    return sig


def generate_key(path: Path, comment: str) -> str:
    """A new ed25519 key without passphrase at ``path`` (a throwaway key: demo and tests);
    returns the public key line."""
    path.unlink(missing_ok=True)
    path.with_name(path.name + ".pub").unlink(missing_ok=True)
    done = _run(["-q", "-t", "ed25519", "-N", "", "-C", comment, "-f", str(path)])
    if done.returncode != 0:
        raise RuntimeError(f"ssh-keygen -t ed25519: {_said(done)}")
    return path.with_name(path.name + ".pub").read_text(encoding="utf-8").strip()
