"""golive's shipped schemas: each is a valid draft 2020-12 schema, each has an example in
docs/schemas.md that it accepts, and ``golive schema`` lists and prints them."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest
import yaml
from click.testing import CliRunner
from jsonschema import Draft202012Validator

from golive.cli.main import main
from golive.rules.schemas import conf_settings, load_schema, schema_errors, schema_names

DOCS = Path(__file__).resolve().parents[2] / "docs" / "schemas.md"
_SECTION = re.compile(r"^## `([^`]+)`\s*$", re.MULTILINE)
_FENCE = re.compile(r"^```(\w+)\n(.*?)^```", re.MULTILINE | re.DOTALL)
# the deliverables golive's own rules read in an invented shape: each must ship a schema
OWN = ("alert-rules.yml", "build-settings.json", "custom-metrics.yml", "escalation-matrix.yml",
       "notification-config.yml", "resource-limits.conf", "tagging-rules.json")


def _examples() -> dict[str, Any]:
    """The first fenced block of each ``## `name` `` section, parsed by its language."""
    text = DOCS.read_text(encoding="utf-8")
    marks = list(_SECTION.finditer(text))
    found: dict[str, Any] = {}
    for index, mark in enumerate(marks):
        end = marks[index + 1].start() if index + 1 < len(marks) else len(text)
        fence = _FENCE.search(text, mark.end(), end)
        if fence is None:
            continue
        language, body = fence.group(1), fence.group(2)
        if language == "json":
            found[mark.group(1)] = json.loads(body)
        elif language == "yaml":
            found[mark.group(1)] = yaml.safe_load(body)
        else:
            found[mark.group(1)] = conf_settings(body)
    return found


def test_own_schemas_are_shipped() -> None:
    assert set(OWN) <= set(schema_names())


@pytest.mark.parametrize("name", schema_names())
def test_schema_is_valid_and_accepts_its_docs_example(name: str) -> None:
    schema = load_schema(name)
    Draft202012Validator.check_schema(schema)
    assert schema["$schema"] == "https://json-schema.org/draft/2020-12/schema"
    examples = _examples()
    assert name in examples, f"docs/schemas.md has no example for {name}"
    assert schema_errors(name, examples[name]) == []


@pytest.mark.parametrize(("name", "bad"), [
    ("build-settings.json", {"environments": {"production": {"target": "prod"}}}),
    ("custom-metrics.yml", {"metrics": [{"name": "a.b", "type": "timer"}]}),
    ("escalation-matrix.yml", {"policies": {"critical": []}}),
    ("notification-config.yml", {"channels": [{"name": "x", "type": "fax"}], "routing": {}}),
    ("tagging-rules.json", {"required_tags": "env"}),
    ("alert-rules.yml", {"monitors": [{"name": "x", "type": "metric alert"}]}),
    ("resource-limits.conf", {"max_connections": "many", "shared_buffers": "1GB"}),
])
def test_schema_refuses_a_wrong_document(name: str, bad: object) -> None:
    assert schema_errors(name, bad) != []


def test_build_settings_schema_demands_nothing_vercel_does_not() -> None:
    # Vercel project settings: framework and installCommand are optional (Vercel detects them)
    assert schema_errors("build-settings.json", {"buildCommand": "next build"}) == []
    assert schema_errors("build-settings.json",
                         {"projectId": "prj_1", "orgId": "team_1",
                          "settings": {"framework": None, "outputDirectory": ".next"}}) == []


# --- golive schema ---------------------------------------------------------------------------


def test_cli_lists_every_schema_file() -> None:
    result = CliRunner().invoke(main, ["schema"])
    assert result.exit_code == 0
    assert result.output.split() == schema_names()


def test_cli_prints_one_schema() -> None:
    result = CliRunner().invoke(main, ["schema", "escalation-matrix.yml"])
    assert result.exit_code == 0
    assert json.loads(result.output) == load_schema("escalation-matrix.yml")


def test_cli_unknown_name_exits_2_with_one_line() -> None:
    result = CliRunner().invoke(main, ["schema", "no-such.yml"])
    assert result.exit_code == 2
    lines = result.output.strip().splitlines()
    assert len(lines) == 1 and "no schema named 'no-such.yml'" in lines[0]
