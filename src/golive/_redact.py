"""One redaction layer for every output golive writes: files, terminal, notifications.

Two nets, both applied by :func:`redact`:

- the *values* of the run's secrets, registered once when the config is loaded
  (:func:`install`): every ``env:NAME`` the config and its security-targets file refer to,
  the passwords inside DSNs and URLs, the path of a webhook URL (its secret part), and
  variables of the environment whose name says they hold a secret;
- *shapes*: the password of a URL's userinfo, ``password=`` (and ``token=``, ``secret=``,
  ``api_key=``) in a DSN or key/value string, ``Bearer``/``Basic`` credentials.

Known values are replaced longest first, so a secret holding another is masked whole.
Values shorter than :data:`MIN_LENGTH` are not registered: masking
"true" or "demo" everywhere would garble the reports and protect nothing.
"""

from __future__ import annotations

import os
import re
import threading
from collections.abc import Iterable, Iterator, Mapping
from pathlib import Path
from typing import IO, Any, TypeVar
from urllib.parse import parse_qsl, unquote, urlsplit

__all__ = [
    "MASK",
    "MIN_LENGTH",
    "SECRET_NAME",
    "RedactingStream",
    "collect",
    "install",
    "known_count",
    "redact",
    "redact_data",
    "redact_file",
    "redact_std_streams",
    "register",
    "reset",
    "secret_parts",
]

MASK = "***"
MIN_LENGTH = 6  # a registered value shorter than this is left to the shape masks
_AMBIENT_MIN_LENGTH = 8  # variables golive was not told about: only longer values

_REF = re.compile(r"\benv:([A-Za-z_][A-Za-z0-9_]*)")
# a variable of the environment whose name says it holds a secret (AWS_SECRET_ACCESS_KEY,
# PGPASSWORD, GITHUB_TOKEN, ...); an *_ACCESS_KEY_ID names a key, it is not one
SECRET_NAME = re.compile(
    r"PASSWORD|PASSWD|SECRET|TOKEN|API_?KEY|APP_?KEY|PRIVATE_KEY|CREDENTIAL|DATABASE_URL|DSN"
    r"|WEBHOOK", re.IGNORECASE,
)  # fmt: skip
# keys whose env: reference names a person, not a secret (login_email, username)
_NOT_SECRET_KEY = re.compile(r"(^|_)(email|user|username|login_email|name)$", re.IGNORECASE)
_SECRET_QUERY_KEY = re.compile(
    r"^(password|passwd|pwd|pass|sslpassword|secret|token|access_?token|api_?key|apikey"
    r"|access_?key|secret_?key|auth|signature|sig|key)$", re.IGNORECASE,
)  # fmt: skip

# Shapes. Every repetition is bounded and a key=value match starts only at a word's start:
# linear time on a long line without a blank (a scanner's output, a hostile receiver's
# answer), where "[\w-]*password[\w-]*=" would backtrack quadratically. A secret never
# takes a backslash: in JSON text (results.json, a scanner's report) it may start an
# escaped quote, and masking it would break the document.
_URL_PASSWORD = re.compile(
    r"(?P<head>://[^\s/:@'\"<>\\]{0,128}:)(?P<secret>[^\s@/'\"<>\\]{1,256})(?=@)"
)
_ASSIGNED = re.compile(
    r"(?P<head>(?<![\w-])(?P<key>[\w-]{1,64})(?P<blank>[ \t]{0,8})="
    r"(?P<after>[ \t]{0,8})(?:\\?['\"])?)"  # a quote, JSON-escaped or not
    r"(?P<secret>[^\s'\"&;,<>\\]+)"
)
_SECRET_KEY_PART = re.compile(r"password|passwd|pwd|secret|token|api[_-]?key", re.I)
_DSN_KEY = re.compile(r"^(password|sslpassword)$", re.I)  # libpq allows "password = x"
_AUTH_HEADER = re.compile(
    r"(?P<head>(?:Bearer|Basic)[ \t]{1,8})(?P<secret>[A-Za-z0-9._~+/-]{16,4096}=*)"
)


def _is_secret_key(match: re.Match[str]) -> bool:
    # with blanks around "=" only libpq's password keys: "token_field = x" names a setting
    if match["blank"] or match["after"]:
        return bool(_DSN_KEY.match(match["key"]))
    return bool(_SECRET_KEY_PART.search(match["key"]))


def _mask_assigned(match: re.Match[str]) -> str:
    return match["head"] + MASK if _is_secret_key(match) else match[0]


def _shapes(text: str) -> str:
    if "://" in text and "@" in text:
        text = _URL_PASSWORD.sub(lambda m: m["head"] + MASK, text)
    if "=" in text:
        text = _ASSIGNED.sub(_mask_assigned, text)
    if "Bearer" in text or "Basic" in text:
        text = _AUTH_HEADER.sub(lambda m: m["head"] + MASK, text)
    return text


_lock = threading.Lock()
_values: set[str] = set()
# longest first, so a secret holding another is masked whole; str.replace per value beats
# one regex alternation of them all by far on long text
_known: tuple[str, ...] = ()


def secret_parts(value: str) -> Iterator[str]:
    """The value and the secret parts inside it: a URL's password (raw and decoded), its
    secret query values, an http(s) URL's path (a webhook's secret), a DSN's password."""
    yield value
    if "://" in value:
        try:
            parts = urlsplit(value.strip())
            password = parts.password
            query = parse_qsl(parts.query, keep_blank_values=False)
        except ValueError:
            return
        if password:
            yield password
            yield unquote(password)
        for key, item in query:
            if _SECRET_QUERY_KEY.match(key):
                yield item
        if parts.scheme in ("http", "https") and parts.path.strip("/"):
            # an incoming webhook's path is its credential; a receiver echoes it or a part
            yield parts.path
            yield from (seg for seg in parts.path.split("/") if len(seg) >= 8)
        return
    for match in _ASSIGNED.finditer(value):
        if _DSN_KEY.match(match["key"]):
            yield match["secret"]


def register(values: Iterable[str | None], *, min_length: int = MIN_LENGTH) -> int:
    """Add secret values (and the secret parts inside them) to the registry; how many new."""
    global _known
    with _lock:
        before = len(_values)
        for value in values:
            if value:
                _values.update(v for v in secret_parts(value) if len(v.strip()) >= min_length)
        if len(_values) != before:
            _known = tuple(sorted(_values, key=len, reverse=True))
        return len(_values) - before


def reset() -> None:
    """Forget every registered value (tests)."""
    global _known
    with _lock:
        _values.clear()
        _known = ()


def known_count() -> int:
    return len(_values)


def redact(text: str) -> str:
    """``text`` with every registered secret value and every credential shape masked."""
    if not text:
        return text
    for value in _known:
        if value in text:
            text = text.replace(value, MASK)
    return _shapes(text)


_Data = TypeVar("_Data")


def redact_data(value: _Data) -> _Data:
    """A copy of JSON-like data (dicts, lists, tuples, strings) with every string redacted."""
    if isinstance(value, str):
        return redact(value)  # type: ignore[return-value]
    if isinstance(value, dict):
        return {redact_data(k): redact_data(v) for k, v in value.items()}  # type: ignore[return-value]
    if isinstance(value, list):
        return [redact_data(v) for v in value]  # type: ignore[return-value]
    if isinstance(value, tuple):
        return tuple(redact_data(v) for v in value)  # type: ignore[return-value]
    return value


def redact_file(path: Path, *, max_bytes: int = 64 << 20) -> bool:
    """Redact a text file a tool wrote (Locust's HTML and CSV, a scanner's log) in place;
    True when it changed. Binary or huge files are left alone (nothing text-shaped)."""
    try:
        if not path.is_file() or path.stat().st_size > max_bytes:
            return False
        raw = path.read_bytes()
    except OSError:
        return False
    if b"\0" in raw[:8192]:
        return False
    text = raw.decode("utf-8", errors="surrogateescape")
    clean = redact(text)
    if clean == text:
        return False
    partial = path.with_name(f".{path.name}.{os.getpid()}.redact")
    partial.write_bytes(clean.encode("utf-8", errors="surrogateescape"))
    partial.replace(path)
    return True


def _references(data: Any, key: str = "") -> Iterator[str]:
    """Names of the env: references in config-shaped data, except those naming a person."""
    if isinstance(data, Mapping):
        for k, v in data.items():
            yield from _references(v, str(k))
    elif isinstance(data, list | tuple):
        for item in data:
            yield from _references(item, key)
    elif isinstance(data, str) and not _NOT_SECRET_KEY.search(key):
        yield from _REF.findall(data)


def _targets_data(path: Path) -> Any:
    """The security-targets YAML (logins' passwords, a JWT secret), or None."""
    import yaml  # deferred: most outputs never need it

    try:
        if not path.is_file() or path.stat().st_size > 1 << 20:
            return None
        return yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, ValueError, yaml.YAMLError):
        return None


def collect(config: Any | None, environ: Mapping[str, str] | None = None) -> list[str]:
    """The secret values of a run: what the config's (and its security targets file's)
    ``env:`` references hold, then the environment's secret-named variables. ``config`` is
    a :class:`golive.config.Config` (typed loosely: this module sits below config)."""
    env = os.environ if environ is None else environ
    names: set[str] = set()
    if config is not None:
        names.update(_references(config.model_dump(mode="json")))
        for environment in getattr(config, "environments", {}).values():
            targets = getattr(environment, "security_targets", None)
            if targets:
                names.update(_references(_targets_data(config.path(targets))))
    values = [env[n] for n in sorted(names) if env.get(n)]
    return values


def _ambient(environ: Mapping[str, str]) -> list[str]:
    """Secret-named variables' values, unless a plainly named variable holds the same value
    (the demo's AWS_SECRET_ACCESS_KEY equals its AWS_ACCESS_KEY_ID: a placeholder)."""
    plain = {v for k, v in environ.items() if not SECRET_NAME.search(k)}
    return [v for k, v in environ.items() if SECRET_NAME.search(k) and v not in plain]


def install(config: Any | None = None, environ: Mapping[str, str] | None = None) -> int:
    """Register the run's secrets (see :func:`collect`); how many values are known now."""
    env = os.environ if environ is None else environ
    register(collect(config, env))
    register(_ambient(env), min_length=_AMBIENT_MIN_LENGTH)
    return known_count()


class RedactingStream:
    """A text stream that redacts what is written to it before passing it on.

    It has no ``buffer``: a writer that would reach for the bytes underneath (and around
    the redaction) falls back to writing text.
    """

    def __init__(self, inner: IO[str]) -> None:
        self._inner = inner

    @property
    def inner(self) -> IO[str]:
        return self._inner

    def write(self, text: str) -> int:
        self._inner.write(redact(text))
        return len(text)

    def writelines(self, lines: Iterable[str]) -> None:
        for line in lines:
            self.write(line)

    def flush(self) -> None:
        self._inner.flush()

    def isatty(self) -> bool:
        return self._inner.isatty()

    def fileno(self) -> int:
        return self._inner.fileno()

    def writable(self) -> bool:
        return True

    @property
    def encoding(self) -> str:
        return getattr(self._inner, "encoding", None) or "utf-8"

    @property
    def errors(self) -> str | None:
        return getattr(self._inner, "errors", None)

    @property
    def closed(self) -> bool:
        return bool(getattr(self._inner, "closed", False))

    def __getattr__(self, name: str) -> Any:
        if name == "buffer":
            raise AttributeError(name)
        return getattr(self._inner, name)


def redact_std_streams() -> None:
    """``sys.stdout`` and ``sys.stderr`` pass the redaction from now on (a command line's
    own prints, rich consoles, relayed output of a child)."""
    import sys

    if not isinstance(sys.stdout, RedactingStream):
        sys.stdout = RedactingStream(sys.stdout)
    if not isinstance(sys.stderr, RedactingStream):
        sys.stderr = RedactingStream(sys.stderr)
