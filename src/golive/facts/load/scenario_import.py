"""Load endpoints from what a team already has: an OpenAPI document or a HAR recording.

``[environments.NAME.load] openapi = "openapi.yaml"`` or ``har = "session.har"`` adds the
operations they describe to the listed endpoints. Only what can be sent as recorded is
taken; everything left out is counted with its reason (``ImportedScenario.skipped``), so
the evidence says what the load did not exercise:

- OpenAPI 3.x and Swagger 2.0 (JSON or YAML): the operations of ``methods`` (GET and HEAD
  unless the config says otherwise: a load test should not write unless asked); path and
  required query parameters filled from ``example``/``examples``/``default``/``enum``; an
  operation with a required parameter that has none is left out; documented 2xx/3xx
  statuses become the expected ones; an operation that needs credentials is sent with the
  configured bearer token or login, else left out.
- HAR 1.2: requests to the target's own origin only (other hosts are left out: loopback and
  bounded traffic stay the rule); repeated requests become one endpoint whose weight is the
  count; recorded credentials (cookies, Authorization, the login request, bodies with a
  password-like field) are never copied: a request that carried them is sent with the
  configured login/bearer token instead, or left out.
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal
from urllib.parse import parse_qsl, quote, urlencode, urlsplit

from golive._errors import GoliveError
from golive._files import Unreadable, load_yaml_bounded, read_text_bounded
from golive.config import MAX_ENDPOINTS, LoadEndpoint

MAX_DOCUMENT_BYTES = 32 << 20  # a HAR of a long session; an API document is far smaller

__all__ = ["ImportedScenario", "ScenarioImportError", "from_har", "from_openapi", "load_scenario"]

Auth = Literal["none", "login", "bearer"]
_OPENAPI_METHODS = ("get", "head", "post", "put", "patch", "delete", "options")
# request headers a recording carries that must not be replayed: credentials, hop-by-hop
# and ones the client computes itself
_DROPPED_HEADERS = frozenset({
    "authorization", "cookie", "proxy-authorization", "host", "content-length", "connection",
    "keep-alive", "transfer-encoding", "upgrade", "te", "trailer", "accept-encoding",
    "x-csrf-token", "x-xsrf-token", "x-api-key", "apikey",
})  # fmt: skip
_SECRET_FIELDS = ("password", "passwd", "secret", "token", "api_key", "apikey")


class ScenarioImportError(GoliveError):
    """The document cannot be read as what it was named as."""


@dataclass
class ImportedScenario:
    source: str  # "OpenAPI openapi.yaml", "HAR session.har"
    endpoints: list[LoadEndpoint] = field(default_factory=list)
    skipped: Counter[str] = field(default_factory=Counter)  # reason -> count

    def describe(self) -> dict[str, object]:
        return {
            "source": self.source,
            "endpoints": [e.key for e in self.endpoints],
            "skipped": dict(self.skipped),
        }


def load_scenario(
    path: Path,
    kind: Literal["openapi", "har"],
    *,
    base_url: str | None,
    methods: Iterable[str] = ("GET", "HEAD"),
    login_path: str | None = None,
    has_login: bool = False,
    has_bearer: bool = False,
) -> ImportedScenario:
    """Read ``path`` (bounded) and import its endpoints; :class:`ScenarioImportError` if it
    is not readable as ``kind``."""
    try:
        text = read_text_bounded(path, MAX_DOCUMENT_BYTES)
    except Unreadable as exc:
        raise ScenarioImportError(f"{path}: {exc}") from None
    document = _parse(path, text)
    if kind == "har":
        return from_har(document, path.name, base_url=base_url, login_path=login_path,
                        has_login=has_login, has_bearer=has_bearer)  # fmt: skip
    return from_openapi(document, path.name, methods=methods,
                        has_login=has_login, has_bearer=has_bearer)  # fmt: skip


def _parse(path: Path, text: str) -> Any:
    if path.suffix.lower() in (".yaml", ".yml"):
        import yaml

        try:
            return load_yaml_bounded(text)
        except (yaml.YAMLError, Unreadable) as exc:
            raise ScenarioImportError(f"{path}: not YAML: {exc}") from None
    try:
        return json.loads(text)
    except (ValueError, RecursionError) as exc:
        raise ScenarioImportError(f"{path}: not JSON: {exc}") from None


def _credential_auth(needs: bool, has_login: bool, has_bearer: bool) -> Auth | None:
    """How a request that needs credentials is sent; None when none is configured."""
    if not needs:
        return "none"
    if has_bearer:
        return "bearer"
    return "login" if has_login else None


# --- OpenAPI ---------------------------------------------------------------------------


def from_openapi(
    document: Any,
    name: str,
    *,
    methods: Iterable[str] = ("GET", "HEAD"),
    has_login: bool = False,
    has_bearer: bool = False,
) -> ImportedScenario:
    if not isinstance(document, Mapping) or not ("openapi" in document or "swagger" in document):
        raise ScenarioImportError(f"{name}: no 'openapi' or 'swagger' field: not an API document")
    paths = document.get("paths")
    if not isinstance(paths, Mapping) or not paths:
        raise ScenarioImportError(f"{name}: 'paths' is empty: no operation to load")
    scenario = ImportedScenario(f"OpenAPI {name}")
    wanted = {m.lower() for m in methods}
    prefix = _base_path(document)
    default_security = bool(document.get("security"))
    for template, item in paths.items():
        if not isinstance(item, Mapping):
            continue
        shared = [p for p in item.get("parameters") or [] if isinstance(p, Mapping)]
        for method in _OPENAPI_METHODS:
            operation = item.get(method)
            if not isinstance(operation, Mapping):
                continue
            if method not in wanted:
                scenario.skipped[f"{method.upper()} not among the imported methods"] += 1
                continue
            parameters = _merged(shared, operation.get("parameters"), document)
            path, why = _filled_path(str(template), parameters)
            if path is None:
                scenario.skipped[why] += 1
                continue
            security = operation.get("security")
            needs = bool(security) if security is not None else default_security
            auth = _credential_auth(needs, has_login, has_bearer)
            if auth is None:
                scenario.skipped["needs credentials and no login or bearer token is set"] += 1
                continue
            scenario.endpoints.append(LoadEndpoint(
                method=method.upper(), path=prefix + path, auth=auth,
                name=str(operation.get("operationId") or "") or None,
                expect_status=_documented_success(operation.get("responses")),
            ))  # fmt: skip
    return _capped(scenario)


def _base_path(document: Mapping[str, Any]) -> str:
    """The path part of the first server URL (OpenAPI 3) or ``basePath`` (Swagger 2)."""
    servers = document.get("servers")
    if isinstance(servers, list) and servers and isinstance(servers[0], Mapping):
        raw = str(servers[0].get("url") or "")
        path = urlsplit(raw).path if "://" in raw else raw
    else:
        path = str(document.get("basePath") or "")
    return "/" + path.strip("/") if path.strip("/") and "{" not in path else ""


def _merged(shared: list[Mapping[str, Any]], own: Any, document: Any) -> list[Mapping[str, Any]]:
    """Path-level parameters overridden by the operation's (same name and place); $refs
    to components/parameters resolved."""
    found: dict[tuple[str, str], Mapping[str, Any]] = {}
    for raw in [*shared, *(own if isinstance(own, list) else [])]:
        parameter = _resolve(raw, document)
        if isinstance(parameter, Mapping) and "name" in parameter:
            found[(str(parameter["name"]), str(parameter.get("in", "")))] = parameter
    return list(found.values())


def _resolve(node: Any, document: Any) -> Any:
    ref = node.get("$ref") if isinstance(node, Mapping) else None
    if not isinstance(ref, str) or not ref.startswith("#/"):
        return node
    target: Any = document
    for part in ref[2:].split("/"):
        if not isinstance(target, Mapping):
            return None
        target = target.get(part.replace("~1", "/").replace("~0", "~"))
    return target


def _example(parameter: Mapping[str, Any]) -> Any:
    if "example" in parameter:
        return parameter["example"]
    examples = parameter.get("examples")
    if isinstance(examples, Mapping):
        for value in examples.values():
            if isinstance(value, Mapping) and "value" in value:
                return value["value"]
    raw_schema = parameter.get("schema")
    schema: Mapping[str, Any] = raw_schema if isinstance(raw_schema, Mapping) else parameter
    for key in ("example", "default"):
        if key in schema:
            return schema[key]
    enum = schema.get("enum")
    return enum[0] if isinstance(enum, list) and enum else None


def _filled_path(template: str, parameters: list[Mapping[str, Any]]) -> tuple[str | None, str]:
    path, query = template, []
    for parameter in parameters:
        where, name = parameter.get("in"), str(parameter["name"])
        if where not in ("path", "query"):
            continue
        required = where == "path" or bool(parameter.get("required"))
        value = _example(parameter)
        if value is None:
            if required:
                return None, f"a required {where} parameter has no example"
            continue
        if where == "path":
            path = path.replace("{" + name + "}", quote(str(value), safe=""))
        elif required:
            query.append((name, str(value)))
    if "{" in path:
        return None, "a path parameter is not declared"
    return (f"{path}?{urlencode(query)}" if query else path), ""


def _documented_success(responses: Any) -> list[int]:
    if not isinstance(responses, Mapping):
        return []
    codes = [int(str(code)) for code in responses if str(code).isdigit()]
    return sorted(c for c in codes if 200 <= c < 400)


# --- HAR -------------------------------------------------------------------------------


def from_har(
    document: Any,
    name: str,
    *,
    base_url: str | None,
    login_path: str | None = None,
    has_login: bool = False,
    has_bearer: bool = False,
) -> ImportedScenario:
    log = document.get("log") if isinstance(document, Mapping) else None
    entries = log.get("entries") if isinstance(log, Mapping) else None
    if not isinstance(entries, list):
        raise ScenarioImportError(f"{name}: no log.entries: not a HAR file")
    scenario = ImportedScenario(f"HAR {name}")
    origin = _origin(base_url) if base_url else None
    counts: Counter[tuple[str, str]] = Counter()
    first: dict[tuple[str, str], LoadEndpoint] = {}
    for entry in entries:
        request = entry.get("request") if isinstance(entry, Mapping) else None
        if not isinstance(request, Mapping):
            scenario.skipped["entry without a request"] += 1
            continue
        endpoint, why = _har_endpoint(entry, request, origin, login_path, has_login, has_bearer)
        if endpoint is None:
            scenario.skipped[why] += 1
            continue
        key = (endpoint.method, endpoint.path)
        counts[key] += 1
        first.setdefault(key, endpoint)
    for key, endpoint in first.items():
        scenario.endpoints.append(endpoint.model_copy(update={"weight": min(counts[key], 1000)}))
    return _capped(scenario)


def _origin(url: str) -> tuple[str, str]:
    parts = urlsplit(url)
    port = parts.port or (443 if parts.scheme == "https" else 80)
    return parts.scheme, f"{(parts.hostname or '').lower()}:{port}"


def _har_endpoint(
    entry: Mapping[str, Any],
    request: Mapping[str, Any],
    origin: tuple[str, str] | None,
    login_path: str | None,
    has_login: bool,
    has_bearer: bool,
) -> tuple[LoadEndpoint | None, str]:
    url = str(request.get("url") or "")
    parts = urlsplit(url)
    if origin is None:
        return None, "no base_url to compare the recorded origin with"
    if _origin(url) != origin:
        return None, "another origin than base_url"
    method = str(request.get("method") or "GET").upper()
    path = parts.path or "/"
    if login_path and path == login_path:
        return None, "the login request (golive signs in with the configured account)"
    status = entry.get("response", {}).get("status") if isinstance(entry, Mapping) else None
    if not isinstance(status, int) or not 200 <= status < 400:
        return None, "recorded answer was not a success"
    headers: dict[str, str] = {}
    carried_credentials = False
    for header in request.get("headers") or []:
        if not isinstance(header, Mapping):
            continue
        key = str(header.get("name") or "")
        lowered = key.lower()
        if lowered in ("authorization", "cookie") or lowered.endswith("api-key"):
            carried_credentials = True
        if lowered in _DROPPED_HEADERS or lowered.startswith(":") or lowered.startswith("sec-"):
            continue
        headers[key] = str(header.get("value") or "")
    body: str | None = None
    post = request.get("postData")
    if isinstance(post, Mapping) and post.get("text"):
        body = str(post["text"])
        if any(name in body.lower() for name in _SECRET_FIELDS):
            return None, "the recorded body holds a password-like field"
    query = [(k, v) for k, v in parse_qsl(parts.query, keep_blank_values=True)
             if not any(name in k.lower() for name in _SECRET_FIELDS)]  # fmt: skip
    if query and len(query) != len(parse_qsl(parts.query, keep_blank_values=True)):
        carried_credentials = True
    auth = _credential_auth(carried_credentials, has_login, has_bearer)
    if auth is None:
        return None, "carried credentials and no login or bearer token is set"
    full = f"{path}?{urlencode(query)}" if query else path
    return LoadEndpoint(method=method, path=full, headers=headers, body=body, auth=auth,
                        expect_status=[status]), ""  # fmt: skip


def _capped(scenario: ImportedScenario) -> ImportedScenario:
    extra = len(scenario.endpoints) - MAX_ENDPOINTS
    if extra > 0:
        scenario.skipped[f"more than {MAX_ENDPOINTS} endpoints"] += extra
        del scenario.endpoints[MAX_ENDPOINTS:]
    return scenario
