"""The redaction layer (golive._redact): known values, the secret parts inside them, credential
shapes, what it must leave alone, and its speed on hostile text."""

from __future__ import annotations

import io
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from golive import _redact
from golive._redact import MASK, RedactingStream, collect, install, redact, redact_data, register
from golive.config import load_config


@pytest.fixture(autouse=True)
def clean_registry() -> Iterator[None]:
    """Each test starts empty; the session's own registry (the plugin's) comes back after."""
    saved = set(_redact._values)
    _redact.reset()
    yield
    _redact.reset()
    register(saved, min_length=1)


def test_a_registered_value_is_masked_and_the_longest_first() -> None:
    register(["hunter2-canary", "hunter2-canary-and-more"])
    assert redact("a hunter2-canary-and-more b hunter2-canary") == f"a {MASK} b {MASK}"


def test_the_secret_parts_inside_a_dsn_and_a_webhook_url_are_registered() -> None:
    register([
        "postgresql://app:p%40ss-Word-9@db.internal:5432/app",
        "host=db user=app password = kv-Secret-77 dbname=app",
        "https://hooks.example.com/services/T000/B000/XyZsecretPathPart",
    ])  # fmt: skip
    text = ("psycopg said: password authentication failed (p@ss-Word-9); kv-Secret-77 too;"
            " the receiver answered: no_service for /services/T000/B000/XyZsecretPathPart;"
            " and later XyZsecretPathPart alone")
    clean = redact(text)
    for leaked in ("p@ss-Word-9", "kv-Secret-77", "XyZsecretPathPart", "/services/T000"):
        assert leaked not in clean
    assert "password authentication failed" in clean  # the words around it stay


@pytest.mark.parametrize(("text", "gone"), [
    ("GET https://ops:Sh4pe-Pass@example.com/x", "Sh4pe-Pass"),
    ("conninfo: host=db password=kvShape99 user=app", "kvShape99"),
    ("conninfo: password = 'quoted Shape'", "quoted"),
    ("url https://api.example.com/v1?token=tokShape123&x=1", "tokShape123"),
    ("GITHUB_TOKEN=ghp_shapeOnly0123 AWS_SECRET_ACCESS_KEY=awsShape/key+1", "ghp_shapeOnly"),
    ("GITHUB_TOKEN=ghp_shapeOnly0123 AWS_SECRET_ACCESS_KEY=awsShape/key+1", "awsShape"),
    ("Authorization: Bearer eyJhbGciOiJIUzI1NiJ9.e30.sig0123456789", "eyJhbGci"),
])  # fmt: skip
def test_credential_shapes_are_masked_with_nothing_registered(text: str, gone: str) -> None:
    assert gone not in redact(text)


@pytest.mark.parametrize("text", [
    "load testing: p95 1310.7 ms, required <= 1000 ms",
    "http://127.0.0.1:8000/health answered 200",
    "Basic authentication is refused",
    "token_field = access_token",  # a blank before '=': a setting named, no value given
    "the password policy requires 12 characters",
])  # fmt: skip
def test_ordinary_report_text_is_left_alone(text: str) -> None:
    register(["a-long-secret-value"])
    assert redact(text) == text


def test_short_values_and_placeholders_are_not_registered() -> None:
    install(environ={
        "SHORT_TOKEN": "true",  # too short: masking it would garble every report
        "AWS_ACCESS_KEY_ID": "golive-demo",  # the demo's placeholder, also a key id
        "AWS_SECRET_ACCESS_KEY": "golive-demo",
        "GITHUB_TOKEN": "ghp_ambientCanary42",
        "HOME": "/root",
    })  # fmt: skip
    assert redact("true golive-demo-home ghp_ambientCanary42") == f"true golive-demo-home {MASK}"


def test_collect_reads_every_env_reference_of_the_config_and_its_targets(tmp_path: Path) -> None:
    (tmp_path / "targets.yaml").write_text(
        "identities:\n  admin: {username: env:T_ADMIN_EMAIL, password: env:T_ADMIN_PASSWORD}\n",
        encoding="utf-8",
    )
    (tmp_path / "golive.toml").write_text(
        '[environments.x]\ndatabase_url = "env:T_DSN"\nwebhook_url = "env:T_HOOK"\n'
        'github_token = "env:T_GH"\nsecurity_targets = "targets.yaml"\n'
        '[environments.x.load]\nlogin_email = "env:T_EMAIL"\nlogin_password = "env:T_PW"\n',
        encoding="utf-8",
    )
    environ = {"T_ADMIN_EMAIL": "admin@example.com", "T_ADMIN_PASSWORD": "adm1n-Canary",
               "T_DSN": "postgresql://u:dsn-Canary@h/db", "T_HOOK": "http://h/hook/hookCanary1",
               "T_GH": "gh-Canary-token", "T_EMAIL": "user@example.com", "T_PW": "login-Canary"}
    values = collect(load_config(tmp_path / "golive.toml"), environ)
    assert sorted(values) == sorted(
        environ[k] for k in ("T_ADMIN_PASSWORD", "T_DSN", "T_HOOK", "T_GH", "T_PW")
    )  # the people's names (username, login_email) are no secrets


def test_redact_data_walks_nested_structures() -> None:
    register(["nested-Canary-1"])
    data = {"a": ["x nested-Canary-1", {"b": ("nested-Canary-1",)}], "n": 3, "f": None}
    assert redact_data(data) == {"a": [f"x {MASK}", {"b": (MASK,)}], "n": 3, "f": None}


def test_the_stream_redacts_and_offers_no_bytes_underneath() -> None:
    register(["stream-Canary-2"])
    sink = io.StringIO()
    stream = RedactingStream(sink)
    stream.write("say stream-Canary-2\n")
    stream.writelines(["and stream-Canary-2 again\n"])
    assert "stream-Canary-2" not in sink.getvalue() and sink.getvalue().count(MASK) == 2
    assert getattr(stream, "buffer", None) is None


def test_a_file_is_redacted_in_place_and_binary_left_alone(tmp_path: Path) -> None:
    register(["file-Canary-3"])
    text, blob = tmp_path / "locust_failures.csv", tmp_path / "shot.png"
    text.write_text("GET,/x?k=file-Canary-3,1\n", encoding="utf-8")
    blob.write_bytes(b"\x89PNG\0file-Canary-3")
    assert _redact.redact_file(text) and not _redact.redact_file(blob)
    assert "file-Canary-3" not in text.read_text(encoding="utf-8")
    assert _redact.redact_file(text) is False  # nothing left to change


def test_hostile_text_is_redacted_in_linear_time() -> None:
    """1 MB lines (a scanner's or a receiver's output) with 200 known values: no shape may
    backtrack quadratically (a regex "[\\w-]*password[\\w-]*=" took minutes on these)."""
    register([f"value-{n:04d}-canary" for n in range(200)])
    for text in ("password" * 125_000, "a=b " * 250_000, "x://@" * 200_000,
                 "word password=x https://u:p@h/ " * 33_000):  # fmt: skip
        started = time.perf_counter()
        redact(text)
        assert time.perf_counter() - started < 5.0


def test_json_text_stays_valid_json() -> None:
    """results.json and a scanner's report are redacted as text: an escaped quote or a
    backslash after a key must never be eaten."""
    import json

    data = {"a": 'password="hunter22" and token=\\"q\\"', "b": "https://u:p\\w@h/x",
            "c": "api_key=abc\\", "d": ["Bearer " + "x" * 20 + '"']}  # fmt: skip
    clean = json.loads(redact(json.dumps(data)))
    assert "hunter22" not in json.dumps(clean)
