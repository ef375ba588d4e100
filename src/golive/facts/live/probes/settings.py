"""The bounds and extra inputs of golive's active probes (``probes:`` in the security
targets file): how many requests, how long, which endpoints besides the crawled ones."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

__all__ = ["ProbeEndpoint", "ProbeForm", "ProbeSettings"]


class ProbeEndpoint(BaseModel):
    """An endpoint to probe besides those the crawl finds: GET ``path`` with ``params``
    (name → an ordinary value; each is replaced in turn by the probes' payloads)."""

    model_config = ConfigDict(extra="forbid")

    path: str
    params: dict[str, str] = Field(min_length=1)


class ProbeForm(BaseModel):
    """A state-changing request besides the crawled POST forms: ``method`` ``path`` with
    ``fields`` (name → an ordinary value) as a form or JSON body. The stored-XSS probe
    sends it with markers (POST/PUT/PATCH), the CSRF probe with a session cookie and a
    foreign Origin."""

    model_config = ConfigDict(extra="forbid")

    path: str
    method: Literal["POST", "PUT", "PATCH", "DELETE"] = "POST"
    fields: dict[str, str] = Field(default_factory=dict)
    encoding: Literal["form", "json"] = "form"


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
    forms: list[ProbeForm] = Field(default_factory=list)
    ssrf_wait_s: float = Field(
        default=3.0, ge=0, le=30, description="how long the SSRF canary waits for callbacks"
    )
    reread_pages: int = Field(
        default=10, ge=1, le=100, description="pages re-read for stored XSS markers"
    )
    login_attempts: int = Field(
        default=20, ge=2, le=200, description="failed logins the rate-limit probe may send"
    )
    exclude: list[str] = Field(
        default_factory=list, description="path prefixes never probed (the login is never)"
    )
