"""Hostile repositories (issue 13, item 3): each mode gives a fail (a finding naming the file)
or not_verified, within bounded time and memory; nothing blocks, nothing leaves the repo.

Modes: a FIFO as vercel.json and as a workflow, a link out of the repository (to a
secret-looking file and to /dev/zero), a symlink loop, a linked folder loop, a 200 MB
vercel.json (sparse), binary and invalid UTF-8 deliverables, a YAML alias bomb and a
recursive alias in a workflow (never given to check-jsonschema or zizmor), deeply nested
JSON and YAML, a 10 MB single-line shell script (never given to shellcheck). Peak memory is
measured with resource.getrusage in a child process that reads every one of them.
"""

from __future__ import annotations

import json
import os
import resource
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest

from golive._errors import NotVerified
from golive.facts.repo import discover
from golive.facts.repo.discover import find_deliverable, repo_files, skipped_files
from golive.facts.repo.structured import Document, load_deliverable, load_structured, refused
from golive.judging.findings import Finding

BOMB = "on: push\nx0: &x0 [lol,lol,lol,lol,lol,lol,lol,lol,lol]\n" + "".join(
    f"x{i}: &x{i} [" + ",".join([f"*x{i - 1}"] * 9) + "]\n" for i in range(1, 10))
PEAK_RSS_BOUND_MB = 400  # the child reading every hostile file; measured ~60 MB


def _fresh() -> None:
    discover._walk.cache_clear()  # repo_files is walked once per process


@pytest.fixture
def hostile(tmp_path: Path) -> Path:
    repo = tmp_path / "repo"
    workflows = repo / ".github" / "workflows"
    workflows.mkdir(parents=True)
    (tmp_path / "outside-secret.env").write_text("API_KEY=outside\n", encoding="utf-8")
    os.mkfifo(repo / "vercel.json")
    os.mkfifo(workflows / "deploy-production.yml")
    (repo / ".env.template").symlink_to(tmp_path / "outside-secret.env")
    (repo / "docker-compose.yml").symlink_to("/dev/zero")
    (repo / "loop-a.yml").symlink_to(repo / "loop-b.yml")
    (repo / "loop-b.yml").symlink_to(repo / "loop-a.yml")
    (repo / "sub").mkdir()
    (repo / "sub" / "up").symlink_to(repo, target_is_directory=True)
    with open(repo / "build-settings.json", "wb") as big:  # 200 MB, sparse: no disk used
        big.truncate(200 << 20)
    (repo / "log-config.json").write_bytes(b'{"a": 1}\x00\x01\x02binary')
    (repo / "tagging-rules.json").write_bytes(b'{"name": "caf\xe9"}')
    (repo / "retention-policy.json").write_text("[" * 200_000 + "]" * 200_000, "utf-8")
    (repo / "alert-rules.yml").write_text("a:\n" + "".join(
        "  " * i + "- \n" for i in range(1, 400)), encoding="utf-8")
    (workflows / "test.yml").write_text(BOMB, encoding="utf-8")
    (workflows / "rollback.yml").write_text("on: push\njobs: &j {a: *j}\n", encoding="utf-8")
    (workflows / "ok.yml").write_text(
        "on: push\njobs:\n  a:\n    runs-on: ubuntu-latest\n    timeout-minutes: 5\n"
        "    steps:\n      - run: echo ok\n", encoding="utf-8")
    (repo / "scripts").mkdir()
    (repo / "scripts" / "deploy.sh").write_text(
        "#!/bin/sh\necho " + "x" * (10 << 20) + "\n", encoding="utf-8")
    _fresh()
    return repo


def _timed(call, *args):  # type: ignore[no-untyped-def]
    started = time.monotonic()
    result = call(*args)
    assert time.monotonic() - started < 30, f"{call.__name__} took too long"
    return result


def test_special_files_and_links_out_are_never_listed(hostile: Path) -> None:
    listed = {p.relative_to(hostile).as_posix() for p in _timed(repo_files, hostile)}
    assert "vercel.json" not in listed
    assert ".github/workflows/deploy-production.yml" not in listed
    assert ".env.template" not in listed and "docker-compose.yml" not in listed
    assert not {"loop-a.yml", "loop-b.yml"} & listed
    assert not any(p.startswith("sub/up") for p in listed)  # the folder loop is not entered
    skipped = skipped_files(hostile)
    assert skipped["vercel.json"] == "a FIFO (never opened)"
    assert skipped[".env.template"] == "a symbolic link out of the repository (never followed)"
    assert skipped["docker-compose.yml"].startswith("a symbolic link out")
    assert skipped["loop-a.yml"] == "a symbolic link that loops or points nowhere"


def test_a_fifo_deliverable_is_a_finding_naming_it(hostile: Path) -> None:
    found = _timed(load_deliverable, hostile, "vercel.json")
    assert isinstance(found, Finding)
    assert "vercel.json: a FIFO (never opened)" in found.message
    with pytest.raises(AssertionError, match=r"vercel\.json: a FIFO"):
        discover.require_deliverable(hostile, "vercel.json")
    # read directly (a path given by a rule), it is not opened either
    direct = _timed(load_structured, hostile, hostile / "vercel.json")
    assert isinstance(direct, Finding) and "not a regular file" in direct.message


def test_a_link_out_of_the_repository_is_never_read(hostile: Path) -> None:
    assert find_deliverable(hostile, ".env.template") is None
    direct = load_structured(hostile, hostile / ".env.template")
    assert isinstance(direct, Finding) and "outside the repository" in direct.message
    assert "outside" not in direct.message.replace("outside the repository", "")


@pytest.mark.parametrize(("name", "expected"), [
    ("log-config.json", "binary content"),
    ("tagging-rules.json", "not UTF-8 text (byte 0xe9)"),
    ("retention-policy.json", "nested more than"),
    ("alert-rules.yml", "nested more than"),
    (".github/workflows/test.yml", "alias bomb"),
    (".github/workflows/rollback.yml", "recursive"),
])
def test_unreadable_deliverables_are_findings_naming_the_file(
    hostile: Path, name: str, expected: str
) -> None:
    found = _timed(load_structured, hostile, hostile / name)
    assert isinstance(found, Finding), found
    assert found.file == name and expected in found.message


def test_a_huge_file_is_not_verified_without_reading_it(hostile: Path) -> None:
    with pytest.raises(NotVerified, match=r"build-settings.json: 209715200 bytes, over the"):
        _timed(load_structured, hostile, hostile / "build-settings.json")


def test_no_scanner_is_given_a_hostile_workflow(hostile: Path) -> None:
    workflows = sorted((hostile / ".github" / "workflows").glob("*.yml"))
    kept, found = refused(hostile, [p for p in workflows if p.is_file()])
    assert [p.name for p in kept] == ["ok.yml"]
    assert sorted(found) == [".github/workflows/rollback.yml", ".github/workflows/test.yml"]


def test_schema_and_zizmor_runs_skip_the_bomb(hostile: Path) -> None:
    from golive.rules import workflows

    try:
        found = _timed(workflows.schema_findings, hostile)
    except NotVerified as exc:  # check-jsonschema absent here: the refusal is still shown
        pytest.skip(f"check-jsonschema: {exc.reason}")
    assert "alias bomb" in found[".github/workflows/test.yml"][0].message
    assert "recursive" in found[".github/workflows/rollback.yml"][0].message


def test_shellcheck_is_not_given_a_10_mb_line(hostile: Path) -> None:
    from golive.facts.scans.shellcheck import shellcheck_findings

    found = _timed(shellcheck_findings, hostile)
    assert "over shellcheck's" in found["scripts/deploy.sh"][0].message


_READ_ALL = textwrap.dedent("""
    import json, sys, time
    from pathlib import Path
    from golive._errors import NotVerified
    from golive.facts.repo.discover import repo_files, skipped_files
    from golive.facts.repo.structured import load_structured
    from golive.facts.scans.shellcheck import shellcheck_findings
    repo = Path(sys.argv[1])
    started = time.monotonic()
    outcomes = {}
    names = [p.relative_to(repo).as_posix() for p in repo_files(repo)] + list(skipped_files(repo))
    for name in names:
        if name.endswith((".json", ".yml", ".yaml")):
            try:
                loaded = load_structured(repo, repo / name)
                outcomes[name] = getattr(loaded, "message", "parsed")
            except NotVerified as exc:
                outcomes[name] = "not_verified: " + exc.reason
    try:
        shellcheck_findings(repo)
    except NotVerified:
        pass
    # VmHWM: this process's own peak (ru_maxrss would count the xdist worker it forked from)
    status = Path("/proc/self/status").read_text()
    peak_kb = int(next(l.split()[1] for l in status.splitlines() if l.startswith("VmHWM:")))
    print(json.dumps({"peak_kb": peak_kb, "seconds": time.monotonic() - started,
                      "outcomes": outcomes}))
""")


def test_every_hostile_mode_in_bounded_time_and_memory(hostile: Path) -> None:
    run = subprocess.run([sys.executable, "-c", _READ_ALL, str(hostile)], capture_output=True,
                         text=True, timeout=120)
    assert run.returncode == 0, run.stderr[-2000:]
    report = json.loads(run.stdout)
    outcomes = report["outcomes"]
    peak_mb = report["peak_kb"] / 1024
    assert peak_mb < PEAK_RSS_BOUND_MB
    assert report["seconds"] < 60
    # every hostile file got an answer; only ok.yml parsed
    assert [n for n, o in outcomes.items() if o == "parsed"] == [".github/workflows/ok.yml"]
    assert len(outcomes) >= 12
    children = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    print(f"\nhostile repository: {len(outcomes)} files, peak RSS {peak_mb:.0f} MB "
          f"(largest child so far {children:.0f} MB), {report['seconds']:.1f} s")


def test_an_ordinary_repository_still_parses(tmp_path: Path) -> None:
    """The bounds refuse nothing normal: a link inside the repository is read as before."""
    (tmp_path / "real.json").write_text(json.dumps({"a": [1, {"b": 2}]}), encoding="utf-8")
    (tmp_path / "vercel.json").symlink_to(tmp_path / "real.json")
    _fresh()
    loaded = load_deliverable(tmp_path, "vercel.json")
    assert isinstance(loaded, Document) and loaded.data == {"a": [1, {"b": 2}]}
