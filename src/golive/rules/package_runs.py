"""Package scripts a shell script runs (``npm run test``, ``pnpm run build``, ``yarn test``),
resolved through the package.json npm would read: a script that package.json does not
define makes the package manager exit non-zero every time ("Missing script"), so the step
never does what the script expects of it.

The package.json is the nearest one from the script's folder upwards (scripts are run
from the repository; npm reads the package.json of its working directory). After a ``cd``
the working directory is not known, so any package.json of the repository may hold the
name. Not judged: a name built from a variable, ``--if-present``, workspace-targeting
flags, and ``yarn``/``bun run`` of a dependency's binary or a file.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from golive.facts.repo.commands import Command, command_words, program
from golive.facts.repo.packagejson import all_package_scripts
from golive.facts.repo.structured import Document, load_structured, relative
from golive.judging.findings import Finding

__all__ = ["missing_script_findings", "package_script_call"]

_MANAGERS = frozenset({"npm", "pnpm", "yarn", "bun"})
# flags that point the package manager at another package or make a missing script fine
_ELSEWHERE = frozenset({"-w", "--workspace", "--workspaces", "-ws", "--prefix", "-C", "--dir",
                        "--filter", "-F", "--cwd", "-r", "--recursive", "--if-present", "-g",
                        "--global"})
_RUN = frozenset({"run", "run-script", "rum", "urn"})
# verbs npm/pnpm/yarn resolve as the script of the same name
_SCRIPT_VERBS = frozenset({"test", "t", "tst"})


def package_script_call(words: Sequence[str]) -> tuple[str, str] | None:
    """(package manager, script name) when ``words`` runs a package script by name; None
    for anything else or what cannot be judged here."""
    argv = command_words(list(words))
    head = program(argv)
    if head not in _MANAGERS or len(argv) < 2:
        return None
    rest = list(argv[1:])
    if any(w in _ELSEWHERE or w.split("=", 1)[0] in _ELSEWHERE for w in rest):
        return None
    positional = [w for w in rest if not w.startswith("-")]
    if not positional:
        return None
    verb = positional[0]
    if verb in _RUN and len(positional) > 1:
        name = positional[1]
    elif verb in _SCRIPT_VERBS and head != "bun":  # ``bun test`` is bun's own runner
        name = "test"
    else:
        return None
    if "$" in name or "`" in name:
        return None
    return head, name


def _package_json(path: Path) -> tuple[dict[str, str], set[str]] | None:
    """(scripts, dependency names) of one package.json; None when unreadable."""
    loaded = load_structured(path.parent, path)
    if not isinstance(loaded, Document) or not isinstance(loaded.data, dict):
        return None
    data = loaded.data
    scripts = data.get("scripts")
    deps: set[str] = set()
    for key in ("dependencies", "devDependencies", "optionalDependencies"):
        block = data.get(key)
        if isinstance(block, dict):
            deps |= {str(k).rsplit("/", 1)[-1] for k in block}
    named = {str(k): str(v) for k, v in scripts.items()} if isinstance(scripts, dict) else {}
    return named, deps


def _nearest(repo: Path, folder: Path) -> Path | None:
    root = Path(repo).resolve()
    here = folder.resolve()
    while True:
        candidate = here / "package.json"
        if candidate.is_file():
            return candidate
        if here == root or root not in here.parents:
            return None
        here = here.parent


def missing_script_findings(repo: Path, script_path: Path, shown: str,
                            commands: Sequence[tuple[int, Command]]) -> list[Finding]:
    """Every ``npm|pnpm|yarn|bun run X`` (and ``npm test``) of the script that runs and
    whose failure counts, where X is no script of the package.json npm would read."""
    manifest = _nearest(repo, script_path.parent)
    if manifest is None:
        return []
    read = _package_json(manifest)
    if read is None:
        return []
    scripts, deps = read
    anywhere: set[str] | None = None
    moved = False
    found: list[Finding] = []
    for line, command in commands:
        if command.name in {"cd", "pushd"}:
            moved = True
            continue
        reason = command.neutralised or ""
        if reason and not reason.startswith("errexit is off"):
            continue  # never runs, or its failure is thrown away on purpose (|| true)
        call = package_script_call(command.words)
        if call is None:
            continue
        manager, name = call
        if name in scripts:
            continue
        if manager in {"yarn", "bun"} and (name in deps or "." in name or "/" in name):
            continue  # a dependency's binary or a file: yarn/bun run those too
        if moved:
            if anywhere is None:
                anywhere = set(all_package_scripts(repo) or {})
            if name in anywhere:
                continue
        where = relative(repo, manifest)
        found.append(Finding(
            shown, line,
            f"runs `{command.text.strip()[:60]}` but {where} has no `{name}` script: "
            f"{manager} exits non-zero (missing script) every time",
        ))
    return found
