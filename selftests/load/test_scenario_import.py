"""Load endpoints imported from an OpenAPI document or a HAR recording: what is taken,
what is left out and why, and that recorded credentials never travel into the plan."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from golive.config import load_config
from golive.facts.load import LoadError, configured_plan
from golive.facts.load.scenario_import import (
    ScenarioImportError,
    from_har,
    from_openapi,
    load_scenario,
)
from golive.preflight import preflight

OPENAPI_3: dict[str, Any] = {
    "openapi": "3.0.3",
    "info": {"title": "shop", "version": "1"},
    "servers": [{"url": "https://api.shop.example/v1"}],
    "components": {
        "parameters": {"Page": {"name": "page", "in": "query", "required": True,
                                "schema": {"type": "integer", "default": 1}}},
        "securitySchemes": {"bearer": {"type": "http", "scheme": "bearer"}},
    },
    "paths": {
        "/catalog": {
            "get": {"operationId": "listCatalog",
                    "parameters": [{"$ref": "#/components/parameters/Page"},
                                   {"name": "q", "in": "query", "schema": {"type": "string"}}],
                    "responses": {"200": {"description": "ok"}, "400": {"description": "x"}}},
            "post": {"responses": {"201": {"description": "created"}}},
        },
        "/items/{itemId}": {
            "parameters": [{"name": "itemId", "in": "path", "required": True,
                            "schema": {"type": "string"}, "example": "sku 1"}],
            "get": {"responses": {"200": {"description": "ok"}}},
        },
        "/orders/{orderId}": {
            "get": {"parameters": [{"name": "orderId", "in": "path", "required": True,
                                    "schema": {"type": "string"}}],
                    "responses": {"200": {"description": "ok"}}},
        },
        "/account": {
            "get": {"security": [{"bearer": []}], "responses": {"200": {"description": "ok"}}},
        },
    },
}  # fmt: skip


def test_openapi_operations_become_endpoints_with_examples_and_base_path():
    scenario = from_openapi(OPENAPI_3, "openapi.json", has_bearer=True)
    by_key = {e.key: e for e in scenario.endpoints}
    assert set(by_key) == {"GET listCatalog", "GET /v1/items/sku%201", "GET /v1/account"}
    catalog = by_key["GET listCatalog"]
    assert catalog.path == "/v1/catalog?page=1"  # required query filled, optional left out
    assert catalog.expect_status == [200]
    assert by_key["GET /v1/account"].auth == "bearer"
    assert scenario.skipped == {
        "POST not among the imported methods": 1,
        "a required path parameter has no example": 1,
    }


def test_openapi_secured_operation_without_credentials_is_left_out_with_the_reason():
    scenario = from_openapi(OPENAPI_3, "openapi.json")
    assert "GET /v1/account" not in {e.key for e in scenario.endpoints}
    assert scenario.skipped["needs credentials and no login or bearer token is set"] == 1
    with_login = from_openapi(OPENAPI_3, "openapi.json", has_login=True)
    assert {e.auth for e in with_login.endpoints if e.path == "/v1/account"} == {"login"}


def test_openapi_writes_only_when_asked():
    scenario = from_openapi(OPENAPI_3, "openapi.json", methods=("GET", "POST"))
    post = [e for e in scenario.endpoints if e.method == "POST"]
    assert [(e.path, e.expect_status) for e in post] == [("/v1/catalog", [201])]


def test_swagger_2_base_path():
    swagger = {"swagger": "2.0", "basePath": "/api", "paths": {
        "/pets": {"get": {"responses": {"200": {"description": "ok"}}}}}}  # fmt: skip
    assert [e.path for e in from_openapi(swagger, "swagger.json").endpoints] == ["/api/pets"]


@pytest.mark.parametrize("document", [{"paths": {}}, {"openapi": "3.1.0", "paths": {}}, []])
def test_not_an_api_document_is_an_error_naming_the_file(document: Any):
    with pytest.raises(ScenarioImportError, match=r"openapi\.json"):
        from_openapi(document, "openapi.json")


def _entry(url: str, method: str = "GET", status: int = 200, headers: dict[str, str] | None = None,
           body: str | None = None) -> dict[str, Any]:  # fmt: skip
    request: dict[str, Any] = {
        "method": method, "url": url,
        "headers": [{"name": k, "value": v} for k, v in (headers or {}).items()],
    }  # fmt: skip
    if body is not None:
        request["postData"] = {"mimeType": "application/json", "text": body}
    return {"request": request, "response": {"status": status}}


HAR = {"log": {"version": "1.2", "entries": [
    _entry("http://127.0.0.1:8000/v1/catalog?page=2", headers={"Accept": "application/json"}),
    _entry("http://127.0.0.1:8000/v1/catalog?page=2"),
    _entry("http://127.0.0.1:8000/v1/catalog?page=2", headers={":authority": "127.0.0.1"}),
    _entry("http://127.0.0.1:8000/v1/orders", "POST", 201, body='{"item": "a"}'),
    _entry("http://127.0.0.1:8000/v1/account",
           headers={"Authorization": "Bearer recorded-secret", "Cookie": "sid=recorded"}),
    _entry("http://127.0.0.1:8000/api/login", "POST", body='{"email": "a", "password": "p"}'),
    _entry("http://127.0.0.1:8000/v1/profile", "PUT", body='{"password": "new-secret"}'),
    _entry("http://127.0.0.1:8000/v1/broken", status=500),
    _entry("https://cdn.example.com/app.js"),
    _entry("http://127.0.0.1:9999/v1/catalog"),
]}}  # fmt: skip


def test_har_same_origin_requests_weighted_by_count_and_credentials_never_copied():
    scenario = from_har(HAR, "session.har", base_url="http://127.0.0.1:8000",
                        login_path="/api/login", has_bearer=True)  # fmt: skip
    by_key = {e.key: e for e in scenario.endpoints}
    assert set(by_key) == {"GET /v1/catalog?page=2", "POST /v1/orders", "GET /v1/account"}
    assert by_key["GET /v1/catalog?page=2"].weight == 3
    assert by_key["GET /v1/catalog?page=2"].headers == {"Accept": "application/json"}
    assert by_key["POST /v1/orders"].body == '{"item": "a"}'
    assert by_key["POST /v1/orders"].expect_status == [201]
    account = by_key["GET /v1/account"]
    assert account.auth == "bearer" and account.headers == {}
    assert "recorded" not in json.dumps([e.model_dump() for e in scenario.endpoints])
    assert scenario.skipped == {
        "the login request (golive signs in with the configured account)": 1,
        "the recorded body holds a password-like field": 1,
        "recorded answer was not a success": 1,
        "another origin than base_url": 2,
    }


def test_har_request_with_credentials_and_none_configured_is_left_out():
    scenario = from_har(HAR, "session.har", base_url="http://127.0.0.1:8000")
    assert "GET /v1/account" not in {e.key for e in scenario.endpoints}
    assert scenario.skipped["carried credentials and no login or bearer token is set"] == 1


def test_har_without_base_url_takes_nothing():
    scenario = from_har(HAR, "session.har", base_url=None)
    assert not scenario.endpoints and sum(scenario.skipped.values()) == len(HAR["log"]["entries"])


def test_bad_documents_name_the_file(tmp_path: Path):
    (tmp_path / "a.har").write_text("{not json", encoding="utf-8")
    (tmp_path / "b.yaml").write_text("a: [", encoding="utf-8")
    (tmp_path / "c.har").write_bytes(b"\xff\xfe")
    with pytest.raises(ScenarioImportError, match=r"a\.har: not JSON"):
        load_scenario(tmp_path / "a.har", "har", base_url="http://127.0.0.1:1")
    with pytest.raises(ScenarioImportError, match=r"b\.yaml: not YAML"):
        load_scenario(tmp_path / "b.yaml", "openapi", base_url=None)
    with pytest.raises(ScenarioImportError, match=r"c\.har: not UTF-8"):
        load_scenario(tmp_path / "c.har", "har", base_url=None)


def _write_config(tmp_path: Path, load: str) -> Path:
    path = tmp_path / "golive.toml"
    path.write_text('default_env = "shop"\n[environments.shop]\n'
                    'base_url = "http://127.0.0.1:8000"\n[environments.shop.load]\n' + load,
                    encoding="utf-8")  # fmt: skip
    return path


def test_config_imports_beside_the_listed_endpoints(tmp_path: Path):
    (tmp_path / "api").mkdir()
    (tmp_path / "api" / "openapi.json").write_text(json.dumps(OPENAPI_3), encoding="utf-8")
    (tmp_path / "session.har").write_text(json.dumps(HAR), encoding="utf-8")
    config = load_config(_write_config(tmp_path, (
        'openapi = "api/openapi.json"\nhar = "session.har"\n'
        '[[environments.shop.load.endpoints]]\npath = "/v1/items/sku%201"\nweight = 5\n')))
    _name, environment = config.environment(None)
    plan = configured_plan(environment.load, {}, base_dir=config.base_dir,
                           base_url=environment.base_url)  # fmt: skip
    keys = [e.key for e in plan.endpoints]
    assert keys[0] == "GET /v1/items/sku%201" and keys.count("GET /v1/items/sku%201") == 1
    assert {"GET listCatalog", "GET /v1/catalog?page=2", "POST /v1/orders"} <= set(keys)
    assert [i["source"] for i in plan.describe()["imported"]] == [  # type: ignore[index]
        "OpenAPI openapi.json", "HAR session.har"]


def test_missing_import_file_is_a_preflight_problem_and_a_broken_one_a_load_error(tmp_path: Path):
    config = load_config(_write_config(tmp_path, 'openapi = "nope.yaml"\nhar = "bad.har"\n'))
    (tmp_path / "bad.har").write_text("[]", encoding="utf-8")
    name, environment = config.environment(None)
    assert preflight(config, name, environment) == [
        f"environments.shop.load.openapi: file not found: {tmp_path / 'nope.yaml'}"]
    (tmp_path / "nope.yaml").write_text("openapi: 3.0.0\npaths: {}\n", encoding="utf-8")
    with pytest.raises(LoadError, match=r"load\.openapi: .*'paths' is empty"):
        configured_plan(environment.load, {}, base_dir=config.base_dir)


def test_unknown_import_method_is_a_config_error(tmp_path: Path):
    from golive._errors import ConfigError

    with pytest.raises(ConfigError, match="import_methods"):
        load_config(_write_config(tmp_path, 'import_methods = ["GET", "FETCH"]\n'))
