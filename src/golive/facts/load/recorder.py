"""golive's request recorder, loaded *inside Locust* next to the locustfile (``-f a,b,this``).

Never imported by golive itself (Locust and gevent stay out of the pytest process).
Each Locust process that runs users writes its own file ``samples-<pid>.tsv`` in
``GOLIVE_LOAD_SAMPLES_DIR``, one line per request::

    <start ms since epoch>\t<METHOD name>\t<response us>\t<1 ok | 0 failed>\t<cache>\t<late>

where late is how long after its intended start the request was sent, us (open model:
the arrival's intended time comes in the request's context as ``golive_intended``, epoch
seconds; ``-`` in the closed model, which has no intended start), and cache is ``H``
(served from a cache: 304, ``X-Cache: HIT``-style header or ``Age`` > 0), ``M`` (a
cacheable response that was not a hit) or ``-`` (not cacheable).
golive reads the files afterwards and computes exact percentiles with HdrHistogram.
"""

from __future__ import annotations

import atexit
import os
import re
import time
from pathlib import Path
from typing import IO, Any

from locust import events

_DIR = os.environ.get("GOLIVE_LOAD_SAMPLES_DIR")
_FLUSH_EVERY = 2000
_HIT_HEADERS = ("x-cache", "x-vercel-cache", "cf-cache-status", "x-cache-status")
_MAX_AGE = re.compile(r"(?:^|[,\s])(?:s-)?max-age\s*=\s*(\d+)")

_buffer: list[str] = []
_file: IO[str] | None = None


def cache_code(status: int, headers: Any) -> str:
    """``H`` hit, ``M`` cacheable miss, ``-`` not cacheable, from one response's headers."""
    if status == 304:
        return "H"
    control = str(headers.get("cache-control") or "").lower()
    reusable = "no-store" not in control and (
        "public" in control
        or "immutable" in control
        or any(int(m) > 0 for m in _MAX_AGE.findall(control))
    )
    hit = any(str(headers.get(h) or "").upper().startswith("HIT") for h in _HIT_HEADERS)
    age = str(headers.get("age") or "0").strip()
    hit = hit or (age.isdigit() and int(age) > 0)
    if hit:
        return "H"
    return "M" if reusable else "-"


def _flush(*_args: Any, **_kwargs: Any) -> None:
    global _file
    if not _buffer or _DIR is None:
        return
    if _file is None:
        _file = (Path(_DIR) / f"samples-{os.getpid()}.tsv").open("a", encoding="utf-8")
    _file.write("".join(_buffer))
    _file.flush()
    _buffer.clear()


def _on_request(
    request_type: str,
    name: str,
    response_time: float,
    response: Any = None,
    exception: BaseException | None = None,
    start_time: float | None = None,
    context: Any = None,
    **_kwargs: Any,
) -> None:
    if _DIR is None:
        return
    started = start_time if start_time is not None else time.time() - response_time / 1000
    status = int(getattr(response, "status_code", 0) or 0)
    headers = getattr(response, "headers", None)
    cache = cache_code(status, headers) if headers is not None and exception is None else "-"
    endpoint = f"{request_type} {name}".replace("\t", " ").replace("\n", " ")
    intended = context.get("golive_intended") if isinstance(context, dict) else None
    late = str(max(0, round((started - intended) * 1e6))) if intended is not None else "-"
    _buffer.append(
        f"{int(started * 1000)}\t{endpoint}\t{round(response_time * 1000)}\t"
        f"{0 if exception else 1}\t{cache}\t{late}\n"
    )
    if len(_buffer) >= _FLUSH_EVERY:
        _flush()


# Locust's event hooks are untyped
events.request.add_listener(_on_request)  # type: ignore[no-untyped-call]
events.test_stop.add_listener(_flush)  # type: ignore[no-untyped-call]
events.quitting.add_listener(_flush)  # type: ignore[no-untyped-call]
atexit.register(_flush)
