"""JSON deliverables checked against a pydantic model, with line numbers for findings."""

from __future__ import annotations

import re
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ValidationError

from golive.facts.repo.structured import load_structured, relative
from golive.judging.findings import Finding

__all__ = ["json_line", "load_json", "validation_findings"]


def load_json(repo: Path, path: Path) -> tuple[Any, list[Finding]]:
    """The parsed document, or None and a finding with the parser's message and line."""
    loaded = load_structured(repo, path)
    if isinstance(loaded, Finding):
        # the JSON deliverables' checks have always said "not valid JSON"
        message = loaded.message.replace("invalid JSON", "not valid JSON", 1)
        return None, [Finding(loaded.file, loaded.line, message)]
    return loaded.data, []


def json_line(text: str, loc: Sequence[str | int]) -> int | None:
    """Best-effort line of the member at ``loc`` (keys followed in document order)."""
    position = 0
    found: int | None = None
    for part in loc:
        if isinstance(part, int):
            continue
        match = re.compile(r'"' + re.escape(str(part)) + r'"\s*:').search(text, position)
        if match is None:
            break
        position = match.end()
        found = text.count("\n", 0, match.start()) + 1
    return found


def validation_findings(
    repo: Path, path: Path, model: type[BaseModel], data: Any
) -> tuple[BaseModel | None, list[Finding]]:
    """Validate ``data`` with ``model``: the instance, or None and one finding per error."""
    try:
        return model.model_validate(data), []
    except ValidationError as exc:
        text = path.read_text(encoding="utf-8")
        findings = []
        for error in exc.errors():
            loc = [p for p in error["loc"] if isinstance(p, (str, int))]
            where = ".".join(str(p) for p in loc) or "(document)"
            message = error["msg"]
            if error["type"] == "extra_forbidden":
                message = "unknown field (not part of the format; a typo?)"
            findings.append(
                Finding(relative(repo, path), json_line(text, loc), f"{where}: {message}")
            )
        return None, findings
