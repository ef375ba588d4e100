"""A simulated intrusion signal for the security incident drill: a bounded burst of failed
logins (one account name that does not exist, a wrong password) from one source address,
and how the target answered each attempt.

For a target on loopback the burst comes from a second loopback address (127.0.0.2), so
that blocking it does not lock out the rest of the run, which talks from 127.0.0.1.
"""

from __future__ import annotations

import secrets
import time
from dataclasses import dataclass, field

import httpx

from golive._http import BoundedClient
from golive._net import is_loopback

__all__ = ["DRILL_SOURCE", "Burst", "failed_login_burst"]

DRILL_SOURCE = "127.0.0.2"
DRILL_ACCOUNT = "golive-intrusion-drill@example.invalid"  # no such user: nothing is locked


@dataclass
class Burst:
    url: str
    source: str
    statuses: list[int | str] = field(default_factory=list)
    seconds: float = 0.0

    @property
    def blocked_at(self) -> int | None:
        """1-based number of the first attempt refused as too many (429), if any."""
        for number, status in enumerate(self.statuses, start=1):
            if status == 429:
                return number
        return None

    @property
    def rejected(self) -> int:
        """Attempts answered as wrong credentials (the target still took them)."""
        return sum(1 for s in self.statuses if s in (400, 401, 403))


def failed_login_burst(
    base_url: str,
    path: str,
    username_field: str,
    password_field: str,
    attempts: int,
    source: str = DRILL_SOURCE,
) -> Burst:
    """Send up to ``attempts`` failed logins, one after the other; stop at the first 429.
    ``source``: the loopback address they come from (for a target on loopback)."""
    url = f"{base_url.rstrip('/')}{path}"
    local = source if is_loopback(base_url) else None
    burst = Burst(url, local or "this machine")
    started = time.perf_counter()
    with BoundedClient(local_address=local, timeout_s=10.0) as client:  # each attempt bounded
        for _ in range(attempts):
            body = {username_field: DRILL_ACCOUNT, password_field: secrets.token_urlsafe(12)}
            try:
                status: int | str = client.post(url, json=body).status_code
            except httpx.HTTPError as exc:
                status = type(exc).__name__
            burst.statuses.append(status)
            if status == 429:
                break
    burst.seconds = round(time.perf_counter() - started, 3)
    return burst
