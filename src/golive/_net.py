"""Where a URL points: golive sends load and attack traffic to loopback only by default."""

from __future__ import annotations

import ipaddress
from urllib.parse import urlsplit

__all__ = ["is_loopback"]


def is_loopback(url: str | None) -> bool:
    """True when ``url``'s host is ``localhost`` or a loopback address (no DNS lookup)."""
    host = urlsplit(url or "").hostname or ""
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False
