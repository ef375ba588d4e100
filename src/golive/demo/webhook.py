"""A webhook sink standing in for Slack (and for SNS HTTP subscriptions).

``POST /hooks/<name>`` records the JSON body with its arrival time and answers ``ok`` as
Slack does; ``GET /hooks/<name>`` lists what arrived; ``DELETE /hooks/<name>`` clears it.
Each arrival is also appended to ``--log`` (JSON lines) so it survives the process::

    python -m golive.demo.webhook --port 8010 [--log hooks.jsonl]
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import sys
import time
from collections import defaultdict, deque
from pathlib import Path
from typing import Any

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, PlainTextResponse, Response
from starlette.routing import Route

__all__ = ["create_app", "main"]

_KEEP = 1000  # per hook: a sink, not a store


def create_app(log_path: Path | None = None) -> Starlette:
    received: dict[str, deque[dict[str, Any]]] = defaultdict(lambda: deque(maxlen=_KEEP))

    async def hook(request: Request) -> Response:
        name = request.path_params["name"]
        if request.method == "GET":
            return JSONResponse({"hook": name, "received": list(received[name])})
        if request.method == "DELETE":
            received.pop(name, None)
            return PlainTextResponse("ok")
        arrived = time.time()
        raw = await request.body()
        try:
            # SNS posts JSON as text/plain, so the content type is not trusted either way.
            body = json.loads(raw)
        except ValueError:
            return PlainTextResponse("invalid_payload", 400)
        entry = {
            "received_at": arrived,
            "received_at_iso": dt.datetime.fromtimestamp(arrived, dt.UTC).isoformat(),
            "content_type": request.headers.get("content-type"),
            "body": body,
        }
        received[name].append(entry)
        if log_path is not None:
            with log_path.open("a", encoding="utf-8") as fh:
                fh.write(json.dumps({"hook": name, **entry}) + "\n")
        return PlainTextResponse("ok")

    async def health(_request: Request) -> Response:
        return JSONResponse({"status": "ok", "hooks": {k: len(v) for k, v in received.items()}})

    return Starlette(
        routes=[
            Route("/health", health),
            Route("/hooks/{name:str}", hook, methods=["GET", "POST", "DELETE"]),
        ]
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m golive.demo.webhook")
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--log", type=Path)
    args = parser.parse_args(argv)
    import uvicorn

    uvicorn.run(
        create_app(args.log),
        host="127.0.0.1",
        port=args.port,
        log_level="warning",
        access_log=False,
        server_header=False,
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
