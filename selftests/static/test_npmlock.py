"""The update-compatibility probe (package.json against its lockfile, peers, engines) and
the npm range reader under it."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from golive import NotVerified
from golive.facts.repo.npmrange import parse_range, parse_version, satisfies
from golive.rules import npmlock

from ._helpers import text_of, write


def test_good_repo_passes(good_repo: Path) -> None:
    assert npmlock.update_compatibility_findings(good_repo) == []
    pins = {(p.file, str(p.version)) for p in npmlock.node_pins(good_repo)}
    assert pins == {(".nvmrc", "20.18.1"), ("Dockerfile", "20.18.1")}


def test_broken_node_pin_outside_engines(broken_repo: Path) -> None:
    (found,) = npmlock.update_compatibility_findings(broken_repo)
    assert (found.file, found.line) == (".nvmrc", 1)
    assert found.message == ("Node.js 22.11.0 does not satisfy package.json engines.node "
                             "'>=20.18 <21' (package.json:6)")


# --- edge cases -----------------------------------------------------------------------------


def _project(root: Path, manifest: dict[str, object], packages: dict[str, object]) -> None:
    write(root, "package.json", json.dumps(manifest, indent=2) + "\n")
    root_entry = {k: v for k, v in manifest.items() if k != "version"}
    lock = {"name": "app", "lockfileVersion": 3, "requires": True,
            "packages": {"": root_entry, **packages}}
    write(root, "package-lock.json", json.dumps(lock, indent=2) + "\n")


def test_no_manifest_and_no_lockfile(tmp_path: Path) -> None:
    (found,) = npmlock.update_compatibility_findings(tmp_path)
    assert found.message.startswith("not found: package.json")
    write(tmp_path, "package.json", "{}\n")
    (found,) = npmlock.update_compatibility_findings(tmp_path)
    assert found.message.startswith("not found: no lockfile next to package.json")
    assert "package-lock.json, npm-shrinkwrap.json, yarn.lock" in found.message


def test_other_lockfiles_are_not_verified(tmp_path: Path) -> None:
    write(tmp_path, "package.json", "{}\n")
    write(tmp_path, "pnpm-lock.yaml", "lockfileVersion: '9.0'\n")
    with pytest.raises(NotVerified, match=r"pnpm-lock\.yaml is not read"):
        npmlock.update_compatibility_findings(tmp_path)


def test_consistent_project(tmp_path: Path) -> None:
    _project(tmp_path, {"name": "app", "dependencies": {"react": "^18.2.0"}},
             {"node_modules/react": {"version": "18.3.1"}})
    assert npmlock.update_compatibility_findings(tmp_path) == []


def test_manifest_changed_without_the_lockfile(tmp_path: Path) -> None:
    _project(tmp_path, {"name": "app", "dependencies": {"react": "^18.2.0"}},
             {"node_modules/react": {"version": "18.3.1"}})
    manifest = {"name": "app", "dependencies": {"react": "^19.0.0", "zod": "^3.0.0"}}
    write(tmp_path, "package.json", json.dumps(manifest, indent=2) + "\n")
    found = text_of(npmlock.update_compatibility_findings(tmp_path))
    assert "dependencies.react: package.json asks for ^19.0.0, the lockfile was made for " \
           "^18.2.0: they are out of sync" in found
    assert "package-lock.json:8: dependencies.zod ^3.0.0 is in package.json but not in the " \
           "lockfile's root entry" in found
    assert "package-lock.json:13: react is locked at 18.3.1, outside the range ^19.0.0" in found
    assert "package.json:5: zod (dependencies) is not in package-lock.json" in found


def test_unmet_and_optional_peers(tmp_path: Path) -> None:
    react_dom = {"version": "18.3.1",
                 "peerDependencies": {"react": "^18.3.1", "scheduler": "*"},
                 "peerDependenciesMeta": {"scheduler": {"optional": True}}}
    _project(tmp_path, {"name": "app", "dependencies": {"react-dom": "18.3.1", "react": "17.0.2"}},
             {"node_modules/react": {"version": "17.0.2"}, "node_modules/react-dom": react_dom})
    (found,) = npmlock.update_compatibility_findings(tmp_path)
    assert found.message == "react-dom needs peer react ^18.3.1, the lockfile has 17.0.2 " \
                            "(unmet peer)"


def test_nested_peer_resolution(tmp_path: Path) -> None:
    _project(tmp_path, {"name": "app", "dependencies": {"a": "1.0.0"}},
             {"node_modules/a": {"version": "1.0.0"},
              "node_modules/a/node_modules/b": {"version": "2.0.0",
                                                "peerDependencies": {"c": "^1"}},
              "node_modules/a/node_modules/c": {"version": "1.5.0"}})
    assert npmlock.update_compatibility_findings(tmp_path) == []


def test_locked_engines_against_the_pinned_runtime(tmp_path: Path) -> None:
    _project(tmp_path, {"name": "app", "engines": {"node": ">=18"},
                        "dependencies": {"tool": "^2.0.0"}},
             {"node_modules/tool": {"version": "2.1.0", "engines": {"node": ">=20"}}})
    write(tmp_path, "Dockerfile", "ARG NODE=18.20.4\nFROM node:${NODE}-alpine AS base\n")
    write(tmp_path, ".node-version", "20\n")  # partial pins are not compared
    (found,) = npmlock.update_compatibility_findings(tmp_path)
    assert (found.file, found.line) == ("Dockerfile", 2)
    assert found.message.startswith("Node.js 18.20.4 (node:18.20.4-alpine) does not satisfy "
                                    "tool (locked) engines.node '>=20' (package-lock.json:")


# --- npm ranges -----------------------------------------------------------------------------


@pytest.mark.parametrize(("spec", "version", "expected"), [
    ("^1.2.3", "1.9.0", True), ("^1.2.3", "2.0.0", False), ("^0.2.3", "0.3.0", False),
    ("^0.0.3", "0.0.4", False), ("~1.2.3", "1.2.9", True), ("~1.2.3", "1.3.0", False),
    (">=20.18 <21", "20.18.1", True), (">=20.18 <21", "21.0.0-pre", False),
    ("1.x || 3", "3.4.0", True), ("1.x || 3", "2.0.0", False), ("*", "5.0.0", True),
    ("1.2 - 2.3.4", "2.3.4", True), ("1.2.3 - 2", "3.0.0", False), (">1.2", "1.2.9", False),
    ("<=1.2", "1.2.9", True), ("^1.0.0", "1.1.0-beta", False),
    ("^1.1.0-beta", "1.1.0-beta.2", True), (">= 18", "20.0.0", True),
])
def test_npm_ranges(spec: str, version: str, expected: bool) -> None:
    parsed, semver = parse_range(spec), parse_version(version)
    assert parsed is not None and semver is not None
    assert satisfies(semver, parsed) is expected


@pytest.mark.parametrize("spec", ["latest", "file:../x", "git+https://x/y.git",
                                  "npm:other@1", "workspace:*"])
def test_non_ranges(spec: str) -> None:
    assert parse_range(spec) is None
