"""The open model's prepared requests: the bytes each arrival sends, and what counts as its
success. Parsed back with h11 (an HTTP/1.1 implementation golive does not use to build
them), so a malformed head cannot pass by agreeing with itself."""

from __future__ import annotations

import json

import h11
import pytest
from pydantic import ValidationError

from golive.config import LoadEndpoint
from golive.facts.load.wire import WireRequest, wire_requests


def _parsed(request: WireRequest) -> tuple[h11.Request, bytes]:
    server = h11.Connection(h11.SERVER)
    server.receive_data(request.wire)
    head = server.next_event()
    assert isinstance(head, h11.Request)
    body = b""
    while True:
        event = server.next_event()
        if isinstance(event, h11.Data):
            body += bytes(event.data)
        elif isinstance(event, h11.EndOfMessage):
            return head, body
        else:
            raise AssertionError(f"unexpected {event!r}")


def _headers(head: h11.Request) -> dict[str, str]:
    return {name.decode(): value.decode() for name, value in head.headers}


def test_get_with_base_path_bearer_and_custom_header():
    endpoints = [
        LoadEndpoint(path="/v1/account", auth="bearer", headers={"X-Tenant": "acme"}),
        LoadEndpoint(path="/v1/me", auth="login", name="profile"),
    ]
    account, profile = wire_requests(
        endpoints, base_url="https://api.example.test:8443/app/", token="t-1", bearer="b-2"
    )
    head, body = _parsed(account)
    assert (head.method, head.target, body) == (b"GET", b"/app/v1/account", b"")
    headers = _headers(head)
    assert headers["host"] == "api.example.test:8443"
    assert headers["authorization"] == "Bearer b-2"
    assert headers["x-tenant"] == "acme"
    assert "content-length" not in headers
    assert _headers(_parsed(profile)[0])["authorization"] == "Bearer t-1"
    assert (profile.name, profile.uri) == ("profile", "/app/v1/me")


def test_json_and_text_bodies_carry_their_length():
    order = LoadEndpoint(method="POST", path="/v1/orders", body={"item": "a"}, expect_status=[201])
    note = LoadEndpoint(
        method="PUT", path="/notes", body="héllo", headers={"content-type": "text/plain"}
    )
    empty = LoadEndpoint(method="POST", path="/ping")
    sent = wire_requests(
        [order, note, empty], base_url="http://127.0.0.1:8000", token=None, bearer=None
    )
    head, body = _parsed(sent[0])
    assert json.loads(body) == {"item": "a"}
    assert _headers(head)["content-type"] == "application/json"
    head, body = _parsed(sent[1])
    assert body == "héllo".encode()
    assert _headers(head)["content-type"] == "text/plain"  # the team's own, not replaced
    assert _headers(_parsed(sent[2])[0])["content-length"] == "0"


def test_userinfo_in_the_target_becomes_basic_auth_and_leaves_the_host():
    (request,) = wire_requests(
        [LoadEndpoint(path="/")],
        base_url="http://u%40x:p%3Aw@127.0.0.1:81",
        token=None,
        bearer=None,
    )
    headers = _headers(_parsed(request)[0])
    assert headers["host"] == "127.0.0.1:81"
    assert headers["authorization"] == "Basic dUB4OnA6dw=="  # base64 of "u@x:p:w"


def test_a_path_with_spaces_is_escaped_and_escapes_are_kept():
    (request,) = wire_requests(
        [LoadEndpoint(path="/search?q=a b&x=%2F")], base_url="http://h", token=None, bearer=None
    )
    assert _parsed(request)[0].target == b"/search?q=a%20b&x=%2F"


@pytest.mark.parametrize("value", ["a\r\nX-Injected: 1", "a\nb", "nul\0"])
def test_a_header_that_would_split_the_request_is_refused(value: str):
    endpoint = LoadEndpoint.model_construct(
        method="GET", path="/", name=None, weight=1, headers={"x-note": value}, body=None,
        expect_status=[], auth="none",
    )  # fmt: skip
    with pytest.raises(ValueError, match="x-note"):
        wire_requests([endpoint], base_url="http://h", token=None, bearer=None)


@pytest.mark.parametrize(
    ("expect", "status", "failed"),
    [
        ([], 200, None),
        ([], 302, None),  # Locust's rule without expect_status: below 400 succeeds
        ([], 404, "status 404"),
        ([201], 201, None),
        ([201], 200, "status 200, expected [201]"),
        ([404], 404, None),
    ],
)
def test_success_follows_expect_status_else_locusts_rule(expect, status, failed):
    (request,) = wire_requests(
        [LoadEndpoint(path="/", expect_status=expect)], base_url="http://h", token=None, bearer=None
    )
    assert request.failure(status) == failed


@pytest.mark.parametrize(
    ("headers", "problem"),
    [({"x-note": "a\r\nX-Injected: 1"}, "line break"), ({"bad name": "v"}, "header name")],
)
def test_the_config_refuses_such_a_header_naming_it(headers: dict[str, str], problem: str):
    with pytest.raises(ValidationError, match=problem) as caught:
        LoadEndpoint(path="/", headers=headers)
    assert caught.value.errors()[0]["loc"] == ("headers",)
