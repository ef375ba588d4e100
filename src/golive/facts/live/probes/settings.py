"""The bounds and extra inputs of golive's active probes (``probes:`` in the security
targets file): how many requests, how long, which endpoints besides the crawled ones."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field

__all__ = ["ProbeEndpoint", "ProbeSettings"]


class ProbeEndpoint(BaseModel):
    """An endpoint to probe besides those the crawl finds: GET ``path`` with ``params``
    (name → an ordinary value; each is replaced in turn by the probes' payloads)."""

    model_config = ConfigDict(extra="forbid")

    path: str
    params: dict[str, str] = Field(min_length=1)


class ProbeSettings(BaseModel):
    model_config = ConfigDict(extra="forbid")

    max_requests: int = Field(default=400, ge=1, le=5000, description="all probe requests")
    time_budget_s: float = Field(default=120.0, gt=0, le=1800, description="wall time, s")
    crawl_pages: int = Field(default=25, ge=1, le=500, description="pages the crawl reads")
    sleep_s: float = Field(
        default=2.0, gt=0, le=10, description="delay the time-based SQL payloads ask for"
    )
    request_timeout_s: float = Field(default=10.0, gt=0, le=120)
    endpoints: list[ProbeEndpoint] = Field(default_factory=list)
    exclude: list[str] = Field(
        default_factory=list, description="path prefixes never probed (the login is never)"
    )
