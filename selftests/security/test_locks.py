"""Locked versions read from requirements files and lockfiles."""

from __future__ import annotations

import json
from pathlib import Path

from golive.facts.repo.locks import locked_packages, parse_requirements


def test_requirements_pins_extras_markers_hashes_and_unpinned() -> None:
    text = """\
# comment
-r base.txt
--index-url https://example.invalid/simple
Django==4.2.11 ; python_version >= "3.10"
requests[socks]==2.31.0 \\
    --hash=sha256:abc
pytest>=8
-e .
urllib3===2.2.1  # exact
"""
    found = {(p.name, p.version, p.line) for p in parse_requirements(text, "requirements.txt")}
    assert found == {
        ("Django", "4.2.11", 4),
        ("requests", "2.31.0", 5),
        ("pytest", None, 7),
        ("urllib3", "2.2.1", 9),
    }


def test_lockfiles(tmp_path: Path) -> None:
    (tmp_path / "poetry.lock").write_text(
        '[[package]]\nname = "Jinja2"\nversion = "3.1.6"\n\n[[package]]\nname = "idna"\n'
        'version = "3.7"\n'
    )
    (tmp_path / "web").mkdir()
    (tmp_path / "web" / "package-lock.json").write_text(
        json.dumps(
            {
                "lockfileVersion": 1,
                "dependencies": {
                    "a": {"version": "1.0.0", "dependencies": {"b": {"version": "2.0.0"}}}
                },
            }
        )
    )
    (tmp_path / "node_modules" / "x").mkdir(parents=True)  # skipped: other people's files
    (tmp_path / "node_modules" / "x" / "package-lock.json").write_text("{}")
    (tmp_path / "yarn.lock").write_text("")
    locked = locked_packages(tmp_path)
    assert sorted(locked.files) == ["poetry.lock", "web/package-lock.json"]
    assert {(p.ecosystem, p.name, p.version) for p in locked.packages} == {
        ("PyPI", "Jinja2", "3.1.6"),
        ("PyPI", "idna", "3.7"),
        ("npm", "a", "1.0.0"),
        ("npm", "b", "2.0.0"),
    }
    assert locked.unsupported == ["yarn.lock"]
