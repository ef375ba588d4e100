"""What a command means: does it run tests (unit or E2E), does it deploy.

Matched on argv words (see :mod:`golive.facts.repo.commands`), never on substrings:
``echo "e2e tests are disabled"`` runs ``echo``, and ``ava`` inside "available" is not the
``ava`` runner. Package-manager scripts (npm/pnpm/yarn/bun), turbo and nx tasks are
resolved through the repository's package.json scripts (every workspace's), and ``make``
targets through the Makefile's recipes, so ``npm test`` counts when its script runs a
runner and not when it is npm's ``echo "Error: no test specified"``.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from typing import Literal

from golive.facts.repo.commands import Command, command_words, parse_commands, program
from golive.facts.repo.packagejson import MAKE_DEFAULT, MAKE_PREFIX

__all__ = ["MAKE_DEFAULT", "MAKE_PREFIX", "TestKind", "commands_running_tests",
           "deploy_command", "runner_kinds", "update_command"]

TestKind = Literal["unit", "e2e"]
# package scripts by name; make targets as ``make:<target>`` (facts.repo.packagejson)
Scripts = Mapping[str, Sequence[str]] | None

_E2E_NAME = re.compile(r"(^|[:_./-])(e2e|end-?to-?end|playwright|cypress|wdio)([:_./-]|$)",
                       re.IGNORECASE)
_TEST_NAME = re.compile(r"(^|[:_./-])(tests?|unit|spec|vitest|jest|ci)([:_./-]|$)",
                        re.IGNORECASE)
_UNIT_PROGRAMS = frozenset({"vitest", "jest", "mocha", "ava", "pytest", "py.test", "phpunit",
                            "rspec", "tap", "uvu", "karma", "tox", "nox"})
_PROGRAMS = _UNIT_PROGRAMS | {"playwright", "cypress", "testcafe", "wdio", "nightwatch",
                              "codeceptjs", "detox", "turbo", "nx", "make"}
# flags of package managers and task runners that take a value
_VALUE_FLAGS = frozenset({"-w", "--workspace", "--prefix", "-C", "--dir", "--filter", "-F",
                          "--cwd", "--scope", "-p", "--projects", "--project", "--config",
                          "-c", "--parallel", "--concurrency", "--exclude", "-f", "-t",
                          "--target", "--targets", "-n", "--namespace", "--context",
                          "--kube-context", "--region", "--profile", "-a", "--app", "--token",
                          "--team", "--environment", "-e"})


def _name_kinds(name: str) -> set[TestKind]:
    if _E2E_NAME.search(name):
        return {"e2e"}
    return {"unit"} if _TEST_NAME.search(name) else set()


def _positional(words: Sequence[str]) -> list[str]:
    """Non-flag words, skipping the values of flags that take one."""
    out: list[str] = []
    skip = False
    for word in words:
        if skip:
            skip = False
            continue
        if word.startswith("-"):
            skip = word in _VALUE_FLAGS
            continue
        out.append(word)
    return out


def _script_kinds(name: str, scripts: Scripts, depth: int, fallback: str | None = None
                  ) -> set[TestKind]:
    """Kinds of test a package script (or make target) runs, read from its body; by its
    name when the repository does not define it."""
    bodies = (scripts or {}).get(name)
    if not bodies:
        return _name_kinds(fallback or name) if name != f"{MAKE_PREFIX}{MAKE_DEFAULT}" else set()
    kinds: set[TestKind] = set()
    for body in bodies:
        for command in parse_commands(body, errexit=True):
            if command.neutralised is None:
                kinds |= runner_kinds(command.words, scripts, depth + 1)
    return kinds


def _tasks(words: Sequence[str]) -> list[str]:
    """Task names of ``-t a,b`` / ``--target=a`` / ``--targets a`` flags (nx)."""
    tasks: list[str] = []
    for index, word in enumerate(words):
        if word in {"-t", "--target", "--targets"} and index + 1 < len(words):
            tasks += words[index + 1].split(",")
        elif word.startswith(("--target=", "--targets=")):
            tasks += word.split("=", 1)[1].split(",")
    return tasks


def runner_kinds(words: Sequence[str], scripts: Scripts = None, depth: int = 0
                 ) -> set[TestKind]:
    """The kinds of test the command ``words`` runs (empty: it runs no test runner)."""
    words = command_words(list(words))
    if not words or depth > 4:
        return set()
    head = program(tuple(words))
    rest = list(words[1:])
    args = _positional(rest)
    if head == "playwright":
        return {"e2e"} if args[:1] == ["test"] else set()
    if head == "cypress":
        return {"e2e"} if args[:1] == ["run"] else set()
    if head in {"testcafe", "wdio", "nightwatch", "codeceptjs"}:
        return {"e2e"}
    if head == "detox":
        return {"e2e"} if args[:1] == ["test"] else set()
    if head in _UNIT_PROGRAMS:
        return {"unit"} if "--version" not in rest and "--help" not in rest else set()
    if head in {"python", "python3"} and rest[:2] == ["-m", "pytest"]:
        return {"unit"}
    if head in {"go", "cargo", "deno", "dotnet"} and args[:1] == ["test"]:
        return {"unit"}
    if head == "node" and "--test" in rest:
        return {"unit"}
    if head in {"npm", "pnpm", "yarn", "bun"}:
        return _package_manager(head, rest, args, scripts, depth)
    if head == "turbo":
        tasks = args[1:] if args[:1] == ["run"] else args
        return _union(_script_kinds(t, scripts, depth) for t in tasks)
    if head == "nx":
        # nx infers a project's targets from its package.json scripts
        if args[:1] in (["run-many"], ["affected"]):
            return _union(_script_kinds(t, scripts, depth) for t in _tasks(rest))
        if args[:1] == ["run"] and len(args) > 1:
            return _script_kinds(args[1].split(":")[-1], scripts, depth)
        return _script_kinds(args[0], scripts, depth) if args else set()
    if head in {"make", "gmake"}:
        targets = [t for t in args if "=" not in t] or [MAKE_DEFAULT]
        return _union(_script_kinds(f"{MAKE_PREFIX}{t}", scripts, depth, fallback=t)
                      for t in targets)
    return set()


def _union(parts: Iterable[set[TestKind]]) -> set[TestKind]:
    out: set[TestKind] = set()
    for part in parts:
        out |= part
    return out


def _package_manager(head: str, rest: list[str], args: list[str], scripts: Scripts,
                     depth: int) -> set[TestKind]:
    if not args:
        return set()
    verb = args[0]
    if head == "bun" and verb == "test":
        return {"unit"}
    if verb in {"test", "t", "tst"}:
        return _script_kinds("test", scripts, depth)
    if verb in {"exec", "dlx", "x"} and len(args) > 1:
        # ``pnpm --filter mobile exec jest``: the flags before exec were skipped above
        after = rest[rest.index(verb) + 1:]
        while after and after[0].startswith("-"):
            after = after[1:]
        return runner_kinds(after, scripts, depth + 1)
    if verb in {"run", "run-script", "run-many"} and len(args) > 1:
        return _script_kinds(args[1], scripts, depth)
    if head == "yarn" and verb == "workspace" and len(args) > 2:
        return _script_kinds(args[2], scripts, depth) if args[2] != "run" else (
            _script_kinds(args[3], scripts, depth) if len(args) > 3 else set())
    if head == "yarn" and verb == "workspaces" and "run" in args:
        after = args[args.index("run") + 1:]
        return _script_kinds(after[0], scripts, depth) if after else set()
    if head in {"pnpm", "yarn", "bun"} and verb not in (scripts or {}) and verb in _PROGRAMS:
        # ``pnpm nx affected -t test``: pnpm and yarn run a local binary of that name
        return runner_kinds(rest[rest.index(verb):], scripts, depth + 1)
    if head in {"pnpm", "yarn"} and verb not in {"install", "add", "i", "ci", "build", "exec",
                                                 "dlx", "audit", "why", "list", "outdated"}:
        # pnpm and yarn run a script named directly (``pnpm test:e2e``)
        return _script_kinds(verb, scripts, depth)
    return set()


def commands_running_tests(commands: Sequence[Command], scripts: Scripts, kind: TestKind
              ) -> tuple[list[Command], list[Command]]:
    """(commands that run a ``kind`` test runner and count, those that would but are
    neutralised)."""
    counted: list[Command] = []
    neutral: list[Command] = []
    for command in commands:
        if kind in runner_kinds(command.words, scripts):
            (neutral if command.neutralised else counted).append(command)
    return counted, neutral


# --- deploying ---------------------------------------------------------------------------

_VERCEL_NOT_DEPLOY = frozenset({
    "env", "pull", "build", "link", "login", "logout", "whoami", "ls", "list", "logs",
    "inspect", "remove", "rm", "domains", "dns", "certs", "secrets", "teams", "switch",
    "project", "projects", "git", "init", "dev", "help", "alias", "bisect", "rollback",
    "integration", "telemetry", "--version", "-v",
})
_SUBCOMMAND_DEPLOYS: dict[str, tuple[tuple[str, ...], ...]] = {
    "supabase": (("db", "push"), ("migration", "up"), ("functions", "deploy")),
    "netlify": (("deploy",),),
    "railway": (("up",), ("deploy",), ("redeploy",)),
    "flyctl": (("deploy",),),
    "fly": (("deploy",),),
    "kubectl": (("apply",), ("rollout", "restart"), ("set", "image"), ("replace",)),
    "helm": (("upgrade",), ("install",)),
    "helmfile": (("apply",), ("sync",), ("deploy",)),
    "terraform": (("apply",),),
    "tofu": (("apply",),),
    "terragrunt": (("apply",), ("run-all", "apply")),
    "pulumi": (("up",),),
    "gcloud": (("run", "deploy"), ("app", "deploy"), ("functions", "deploy"),
               ("run", "services", "update")),
    "wrangler": (("deploy",), ("publish",), ("pages", "deploy")),
    "firebase": (("deploy",),),
    "serverless": (("deploy",),),
    "sls": (("deploy",),),
    "cdk": (("deploy",),),
    "sam": (("deploy",),),
    "eb": (("deploy",),),
    "copilot": (("deploy",), ("svc", "deploy")),
    "kamal": (("deploy",),),
    "heroku": (("container:release",), ("releases:rollback",)),
    "docker": (("compose", "up"), ("stack", "deploy")),
    "docker-compose": (("up",),),
    "prisma": (("migrate", "deploy"),),  # applies pending migrations to the target database
    "aws": (("ecs", "update-service"), ("cloudformation", "deploy"), ("s3", "sync"),
            ("cloudformation", "update-stack"), ("cloudformation", "create-stack"),
            ("lambda", "update-function-code"), ("deploy", "create-deployment"),
            ("amplify", "start-job"), ("apprunner", "start-deployment"),
            ("elasticbeanstalk", "update-environment")),
}


def deploy_command(words: Sequence[str]) -> str | None:
    """What ``words`` deploys with ("vercel deploy", "helm upgrade", ...); None: no deploy."""
    words = command_words(list(words))
    head = program(words)
    args = _positional(list(words[1:]))
    if head == "vercel" or head.startswith("vercel@"):
        verb = args[0] if args else ""
        if verb in _VERCEL_NOT_DEPLOY:
            return None
        if "--prod" in words or "--production" in words:
            return "vercel --prod"
        if verb in {"deploy", "promote", "redeploy"}:
            return f"vercel {verb}"
        if not verb or ((verb not in _VERCEL_NOT_DEPLOY and "/" in verb) or verb == "."):
            return "vercel"  # bare ``vercel [dir]`` deploys
        return None
    if head.startswith("supabase@"):
        head = "supabase"
    for verbs in _SUBCOMMAND_DEPLOYS.get(head, ()):
        if tuple(args[: len(verbs)]) == verbs:
            return " ".join((head, *verbs))
    return None


# --- updating dependencies ---------------------------------------------------------------

_UPDATE_VERBS: dict[str, frozenset[str]] = {
    "npm": frozenset({"update", "up", "upgrade"}),
    "pnpm": frozenset({"update", "up", "upgrade"}),
    "yarn": frozenset({"upgrade", "up", "upgrade-interactive"}),
    "bun": frozenset({"update"}),
    "poetry": frozenset({"update"}),
    "cargo": frozenset({"update"}),
    "bundle": frozenset({"update"}),
    "composer": frozenset({"update"}),
}
_UPGRADE_FLAGS = frozenset({"--upgrade", "-U", "--upgrade-package", "-P"})


def update_command(words: Sequence[str]) -> str | None:
    """What ``words`` updates dependencies with ("npm-check-updates", "pnpm update", ...);
    None: it updates nothing (``pnpm install`` installs the lockfile's versions)."""
    words = command_words(list(words))
    head = program(words)
    args = _positional(list(words[1:]))
    if head in {"ncu", "npm-check-updates", "taze", "renovate", "updtr"}:
        return head
    if args[:1] and args[0] in _UPDATE_VERBS.get(head, frozenset()):
        return f"{head} {args[0]}"
    if head in {"npm", "pnpm", "yarn", "bun"} and args[:1] in (["install"], ["i"], ["add"]) and (
        any(w.endswith("@latest") for w in args[1:])
    ):
        return f"{head} {args[0]} …@latest"
    if head in {"pip-compile", "uv", "pip-tools"} and set(words) & _UPGRADE_FLAGS:
        return f"{head} --upgrade"
    if head == "go" and args[:1] == ["get"] and ("-u" in words or any(
            w.startswith("-u=") for w in words)):
        return "go get -u"
    return None
