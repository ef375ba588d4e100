"""The team's test-case inventory, exported from its test management tool.

Export ``test-cases.json`` (golive's shape; most tools export a list of cases with an
automation field that maps onto it)::

    {"cases": [{"id": "TC-001", "title": "login with a valid password",
                "automated": true, "suite": "auth"}, …]}

``automated`` is a boolean: true when the case runs in CI without a person. A case whose
``automated`` is missing or not a boolean counts as manual (the rate is never flattered by
an unclassified case) and is listed as unclassified.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from golive.facts.saas.client import SourceUnavailable, as_list, load_export

__all__ = ["EXPORT_FILE", "TestCase", "cases_from_json", "load_cases_export"]

EXPORT_FILE = "test-cases.json"


@dataclass(frozen=True)
class TestCase:
    __test__ = False  # not a pytest test class

    id: str
    title: str
    automated: bool
    classified: bool


def cases_from_json(data: Any, source: str) -> list[TestCase]:
    cases = data.get("cases") if isinstance(data, dict) else data
    if not isinstance(cases, list):
        raise SourceUnavailable(f"{source}: not a test-case inventory ({{'cases': [...]}})")
    return [
        TestCase(
            id=str(item.get("id") or f"#{index}"),
            title=str(item.get("title") or ""),
            automated=item.get("automated") is True,
            classified=isinstance(item.get("automated"), bool),
        )
        for index, item in enumerate(as_list(cases), start=1)
    ]


def load_cases_export(path: Path) -> list[TestCase]:
    return cases_from_json(load_export(path), f"export {path.name}")
