"""The ci profile's static phase vs the same scanners run bare on the same files.

Prints both wall times and their ratio, measured side by side in one run:

    .venv/bin/python benchmarks/static_phase.py [--rounds 3]

"bare" runs shellcheck, hadolint, check-jsonschema (workflows, compose), zizmor and
detect-secrets once each over the sample repository's files, as a hand-written CI job
would. "golive" is `golive run --profile ci --kind static` against the same repository, with an
empty scanner cache, including pytest start-up, every static probe and all four reports.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from golive.demo.sample_repo import materialize
from golive.facts.repo.discover import find_files, repo_files
from golive.facts.scans.runner import tool_path

ROOT = Path(__file__).resolve().parents[1]
# as on a developer's machine or a CI runner: Python caches compiled modules (both sides)
ENV = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}


def _tracked(repo: Path) -> list[str]:
    out = subprocess.run(["git", "ls-files"], cwd=repo, capture_output=True, text=True,
                         check=True).stdout
    return [line for line in out.splitlines() if line]


def _tool(name: str) -> str:
    return tool_path(name) or name


def bare_commands(repo: Path) -> list[list[str]]:
    def rel(paths: list[Path]) -> list[str]:
        return [p.relative_to(repo).as_posix() for p in paths]

    workflows = rel(find_files(repo, ".github/workflows/*.yml", ".github/workflows/*.yaml"))
    compose = rel(find_files(repo, "docker-compose*.yml"))
    scripts = rel([p for p in repo_files(repo) if p.suffix == ".sh"])
    dockerfiles = rel(find_files(repo, "Dockerfile"))
    return [
        [_tool("shellcheck"), "-f", "json", "-x", *scripts],
        [_tool("hadolint"), "-f", "json", "--no-fail", *dockerfiles],
        [_tool("check-jsonschema"), "--builtin-schema", "vendor.github-workflows", "-o", "json",
         *workflows],
        [_tool("check-jsonschema"), "--builtin-schema", "vendor.compose-spec", "-o", "json",
         *compose],
        [_tool("zizmor"), "--offline", "--format", "json", "--no-progress", *workflows],
        [_tool("detect-secrets"), "scan", "--no-verify", *_tracked(repo)],
    ]


def time_bare(repo: Path) -> float:
    started = time.perf_counter()
    for argv in bare_commands(repo):
        subprocess.run(argv, cwd=repo, capture_output=True, env=ENV, check=False)
    return time.perf_counter() - started


def time_golive(repo: Path, work: Path) -> float:
    config = work / "golive.toml"
    config.write_text(f'default_env = "bench"\n[environments.bench]\nrepo = "{repo}"\n',
                      encoding="utf-8")
    cache = tempfile.mkdtemp(dir=work)  # empty: every scanner really runs
    env = dict(ENV, GOLIVE_CACHE_DIR=cache)
    started = time.perf_counter()
    subprocess.run([sys.executable, "-m", "golive", "run", "--profile", "ci", "--config",
                    str(config), "--output", str(work / "out"), "--suite", str(ROOT / "tests"),
                    "--kind", "static", "--", "-q"],
                   cwd=ROOT, capture_output=True, env=env, check=False)
    return time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser(description="golive static phase vs bare scanners")
    parser.add_argument("--rounds", type=int, default=3)
    rounds = parser.parse_args().rounds
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        repo = materialize("good", work / "repo")
        time_bare(repo), time_golive(repo, work)  # warm-up, not counted: compiles modules once
        bare, golive = [], []
        for _ in range(rounds):  # interleaved, so drift on the machine hits both alike
            bare.append(time_bare(repo))
            golive.append(time_golive(repo, work))
    b, g = statistics.median(bare), statistics.median(golive)
    print(f"scanners bare  : {b:6.2f} s (median of {rounds})")
    print(f"golive ci      : {g:6.2f} s (median of {rounds})")
    print(f"ratio          : {g / b:6.2f}x  (goal <= 1.5x)")


if __name__ == "__main__":
    main()
