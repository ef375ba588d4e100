"""A deploy script's ``npm run X`` is resolved through package.json: a script package.json
does not define fails every time, so ``npm run test`` then ``if [ $? -ne 0 ]; then exit 1``
aborts every deploy before ``vercel --prod``."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from golive.rules import shell
from golive.rules.package_runs import package_script_call

from ._helpers import text_of, write

DEPLOY = """#!/bin/bash
set -euo pipefail

echo "Running pre-deployment tests..."
npm run test
if [ $? -ne 0 ]; then
    echo "Tests failed! Deployment aborted."
    exit 1
fi

npm run build
vercel --prod
"""


def _repo(root: Path, scripts: dict[str, str], deploy: str = DEPLOY,
          where: str = "deploy.sh", **extra: object) -> Path:
    write(root, "package.json", json.dumps({"name": "shop", "scripts": scripts, **extra}))
    write(root, where, deploy)
    return root


@pytest.fixture(autouse=True)
def _no_shellcheck(monkeypatch: pytest.MonkeyPatch) -> None:
    # these tests are about package scripts, not shellcheck's notes
    monkeypatch.setattr(shell, "shellcheck_findings", lambda repo: {})


def test_scripts_that_exist_pass(tmp_path: Path) -> None:
    repo = _repo(tmp_path, {"test": "vitest run", "build": "next build"})
    assert shell.script_findings(repo, "deploy.sh") == []


def test_missing_test_script_is_a_finding(tmp_path: Path) -> None:
    repo = _repo(tmp_path, {"build": "next build", "dev": "next dev"})
    (found,) = shell.script_findings(repo, "deploy.sh")
    assert (found.file, found.line) == ("deploy.sh", 5)
    assert found.message.startswith(
        "runs `npm run test` but package.json has no `test` script")


def test_other_forms_of_a_missing_script(tmp_path: Path) -> None:
    # pnpm run inside a function called before the deploy, npm test, yarn run
    deploy = ("#!/bin/bash\nset -euo pipefail\ncheck() {\n  pnpm run lint:strict\n}\n"
              "check\nnpm test\nyarn run typecheck\nvercel deploy --prod\n")
    repo = _repo(tmp_path, {"lint": "eslint .", "build": "next build"}, deploy)
    found = text_of(shell.script_findings(repo, "deploy.sh"))
    assert "deploy.sh:6: runs `pnpm run lint:strict` but package.json has no `lint:strict`" in found
    assert "deploy.sh:7: runs `npm test` but package.json has no `test` script" in found
    assert "deploy.sh:8: runs `yarn run typecheck` but package.json has no `typecheck`" in found


def test_nearest_package_json_of_the_script(tmp_path: Path) -> None:
    # scripts/deploy.sh of an app folder reads the app's package.json, not the root's
    write(tmp_path / "a", "package.json", json.dumps({"scripts": {"build": "turbo build"}}))
    _repo(tmp_path / "a" / "web", {"test": "jest", "build": "next build"},
          where="scripts/deploy.sh")
    assert shell.script_findings(tmp_path / "a", "deploy.sh") == []
    write(tmp_path / "b", "package.json", json.dumps({"scripts": {"test": "jest"}}))
    _repo(tmp_path / "b" / "web", {"build": "next build"}, where="scripts/deploy.sh")
    (found,) = shell.script_findings(tmp_path / "b", "deploy.sh")
    assert "but web/package.json has no `test` script" in found.message


def test_what_is_not_judged(tmp_path: Path) -> None:
    deploy = ("#!/bin/bash\nset -euo pipefail\n"
              "npm run lint --if-present\n"          # a missing script is fine
              "npm run e2e || true\n"                 # its failure is thrown away on purpose
              "npm run \"$TASK\"\n"                   # the name is not known
              "npm run test --workspace web\n"        # another package's script
              "yarn run eslint .\n"                   # a dependency's binary
              "bun run scripts/seed.ts\n"             # a file
              "npm run build\nvercel --prod\n")
    repo = _repo(tmp_path, {"build": "next build"}, deploy,
                 devDependencies={"eslint": "^9.0.0"})
    assert shell.script_findings(repo, "deploy.sh") == []


def test_after_cd_any_package_json_may_hold_it(tmp_path: Path) -> None:
    write(tmp_path / "a", "apps/web/package.json", json.dumps({"scripts": {"test": "vitest"}}))
    deploy = "#!/bin/bash\nset -euo pipefail\ncd apps/web\nnpm run test\nvercel --prod\n"
    repo = _repo(tmp_path / "a", {"build": "turbo build"}, deploy)
    assert shell.script_findings(repo, "deploy.sh") == []
    # a name no package.json defines is still missing after the cd
    write(tmp_path / "b", "apps/web/package.json", json.dumps({"scripts": {"test": "vitest"}}))
    deploy = "#!/bin/bash\nset -euo pipefail\ncd apps/web\nnpm run test:ci\nvercel --prod\n"
    repo = _repo(tmp_path / "b", {"build": "turbo build"}, deploy)
    assert "has no `test:ci` script" in text_of(shell.script_findings(repo, "deploy.sh"))


def test_without_a_package_json_nothing_is_judged(tmp_path: Path) -> None:
    write(tmp_path, "deploy.sh", DEPLOY)
    assert not [f for f in shell.script_findings(tmp_path, "deploy.sh")
                if "missing script" in f.message]


@pytest.mark.parametrize(("line", "call"), [
    ("npm run test", ("npm", "test")),
    ("pnpm run build:prod", ("pnpm", "build:prod")),
    ("CI=1 npm run-script check", ("npm", "check")),
    ("yarn test", ("yarn", "test")),
    ("npm t", ("npm", "test")),
    ("bun test", None),
    ("npm install", None),
    ("npm run", None),
    ("npx vercel --prod", None),
    ("pnpm --filter web run test", None),
])
def test_package_script_call(line: str, call: tuple[str, str] | None) -> None:
    assert package_script_call(line.split()) == call
