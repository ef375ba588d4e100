"""Locked versions read from every lockfile format golive reads, and the ones it cannot."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from golive.facts.repo.locks import (
    locked_packages,
    parse_requirements,
    split_spec,
    strip_jsonc,
)
from selftests.security import lockfixtures as fx


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


def _repo(tmp_path: Path, files: dict[str, str]) -> Path:
    for name, text in files.items():
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_text(text, encoding="utf-8")
    return tmp_path


def _set(tmp_path: Path, files: dict[str, str]) -> set[tuple[str, str | None]]:
    locked = locked_packages(_repo(tmp_path, files))
    assert locked.problems == []
    return {(p.name, p.version) for p in locked.packages}


def test_python_lockfiles_and_the_project_itself_left_out(tmp_path: Path) -> None:
    files = {
        "poetry.lock": '[[package]]\nname = "Jinja2"\nversion = "3.1.6"\n',
        "svc/uv.lock": 'version = 1\n[[package]]\nname = "svc"\nversion = "0.1.0"\n'
        'source = { editable = "." }\n[[package]]\nname = "idna"\nversion = "3.7"\n'
        'source = { registry = "https://pypi.org/simple" }\n',
        "pylock.toml": 'lock-version = "1.0"\n[[packages]]\nname = "urllib3"\nversion = "2.2.1"\n',
    }
    assert _set(tmp_path, files) == {("Jinja2", "3.1.6"), ("idna", "3.7"), ("urllib3", "2.2.1")}


def test_npm_v1_nested_aliases_and_local(tmp_path: Path) -> None:
    found = _set(tmp_path, {"package-lock.json": json.dumps(fx.NPM_V1)})
    assert found == {
        ("lodash", "4.17.21"),
        ("string-width", "4.2.3"),  # the alias is the real package
        ("wrap", "7.0.0"),
        ("ansi-regex", "5.0.1"),
    }


def test_npm_v3_workspaces_links_and_lines(tmp_path: Path) -> None:
    text = json.dumps(fx.NPM_V3, indent=2)
    locked = locked_packages(_repo(tmp_path, {"npm-shrinkwrap.json": text}))
    found = {(p.name, p.version) for p in locked.packages}
    # the workspace package (packages/app) and its link are the team's own code
    assert found == {
        ("next", "14.2.28"),
        ("string-width", "4.2.3"),
        ("zod", "3.24.2"),
        ("forked", "1.0.0"),
    }
    next_line = next(p.line for p in locked.packages if p.name == "next")
    assert text.splitlines()[next_line - 1].strip().startswith('"node_modules/next"')


@pytest.mark.parametrize("text", [fx.PNPM_V9, fx.PNPM_V6, fx.PNPM_V54])
def test_pnpm_layouts(tmp_path: Path, text: str) -> None:
    found = _set(tmp_path, {"apps/web/pnpm-lock.yaml": text})
    assert ("@babel/traverse", "7.23.0") in found and ("next", "14.2.28") in found
    assert not {n for n, _v in found} & {"local-dep", "@mono/ui"}
    if "github.com" in text:
        assert ("fork", "2.0.1") in found  # a tarball entry names itself


def test_pnpm_line_numbers(tmp_path: Path) -> None:
    locked = locked_packages(_repo(tmp_path, {"pnpm-lock.yaml": fx.PNPM_V9}))
    line = next(p.line for p in locked.packages if p.name == "@babel/traverse")
    assert fx.PNPM_V9.splitlines()[line - 1].strip() == "'@babel/traverse@7.23.0':"


def test_yarn_classic(tmp_path: Path) -> None:
    assert _set(tmp_path, {"yarn.lock": fx.YARN_V1}) == {
        ("@babel/code-frame", "7.22.13"),
        ("axios", "1.7.9"),
        ("string-width", "4.2.3"),
    }


def test_yarn_berry(tmp_path: Path) -> None:
    found = _set(tmp_path, {"yarn.lock": fx.YARN_BERRY})
    assert found == {
        ("axios", "1.7.9"),
        ("resolve", "1.22.8"),  # a patched package at its own version
        ("string-width", "4.2.3"),
        ("fork", None),  # a git dependency: no registry version to match
    }


def test_bun_text_lockfile(tmp_path: Path) -> None:
    locked = locked_packages(_repo(tmp_path, {"bun.lock": fx.BUN_LOCK}))
    assert {(p.name, p.version) for p in locked.packages} == {
        ("vitest", "3.0.4"),
        ("tinyspy", "3.0.2"),
        ("string-width", "4.2.3"),
    }
    vitest = next(p for p in locked.packages if p.name == "vitest")
    assert '"vitest": ["vitest@3.0.4"' in fx.BUN_LOCK.splitlines()[vitest.line - 1]  # type: ignore[operator]


def test_jsonc_keeps_strings_and_lines() -> None:
    text = '{\n  "a": "x, ]", // c\n  "b": [1, 2, /* n\n */ ],\n}'
    assert json.loads(strip_jsonc(text)) == {"a": "x, ]", "b": [1, 2]}
    assert strip_jsonc(text).count("\n") == text.count("\n")


def test_split_spec() -> None:
    assert split_spec("@scope/pkg@1.0.0") == ("@scope/pkg", "1.0.0")
    assert split_spec("pkg@npm:real@^1") == ("pkg", "npm:real@^1")


def test_binary_bun_and_other_ecosystems_are_named_not_read(tmp_path: Path) -> None:
    (tmp_path / "svc").mkdir()
    (tmp_path / "svc" / "bun.lockb").write_bytes(
        b"#!/usr/bin/env bun\nbun-lockfile-format-v0\n\x00"
    )
    (tmp_path / "Cargo.lock").write_text("version = 3\n")
    locked = locked_packages(tmp_path)
    assert locked.files == []
    assert [u.split(":")[0] for u in locked.unsupported] == ["Cargo.lock", "svc/bun.lockb"]
    assert "binary" in locked.unsupported[1]


@pytest.mark.parametrize(
    ("name", "text"),
    [
        ("package-lock.json", '{"lockfileVersion": 3, "packages": {'),
        ("pnpm-lock.yaml", "lockfileVersion: '9.0'\npackages:\n  a@1.0.0: [\n"),
        ("pnpm-lock.yaml", "packages: {}\n"),  # no lockfileVersion: not pnpm's
        ("yarn.lock", "# yarn lockfile v1\n\nbroken line without colon\n"),
        ("yarn.lock", "something else entirely\n"),
        ("bun.lock", '{"lockfileVersion": 1, "packages": {"a": ["a@1.0.0"'),
        ("poetry.lock", "[[package]\n"),
    ],
)
def test_unreadable_lockfile_is_a_problem_naming_it(tmp_path: Path, name: str, text: str) -> None:
    locked = locked_packages(_repo(tmp_path, {f"apps/x/{name}": text}))
    assert locked.files == [] and locked.packages == []
    assert len(locked.problems) == 1
    assert locked.problems[0].startswith(f"apps/x/{name}: unreadable")


def test_node_modules_skipped_and_empty_yarn_lock(tmp_path: Path) -> None:
    (tmp_path / "node_modules" / "x").mkdir(parents=True)  # other people's files
    (tmp_path / "node_modules" / "x" / "package-lock.json").write_text("{}")
    (tmp_path / "yarn.lock").write_text("")
    locked = locked_packages(tmp_path)
    assert locked.files == ["yarn.lock"] and locked.packages == [] and locked.problems == []
