"""Deploy scripts read by a shell grammar (issue 9): strict mode is asked for only where its
absence lets a failure pass, shellcheck style notes are not defects, and a deploy step
whose failure is thrown away is found however it is thrown away."""

from __future__ import annotations

from pathlib import Path

import pytest

from golive.facts.repo.shellast import parse_shell
from golive.rules import shell

from ._helpers import text_of, write

# every step's exit code is read through $? (shellcheck SC2181 style notes), no set -e
CHECKED = """#!/bin/bash
echo "Deploying"
if ! command -v vercel &> /dev/null; then
    npm install -g vercel
fi
npm run build
if [ $? -ne 0 ]; then
    echo "Build failed"
    exit 1
fi
vercel --prod
if [ $? -eq 0 ]; then
    echo "done"
else
    echo "Deploy failed"
    exit 1
fi
"""


def _findings(root: Path, text: str, name: str = "deploy.sh") -> str:
    write(root, name, text)
    return text_of(shell.script_findings(root, name))


def test_every_exit_checked_needs_no_strict_mode(tmp_path: Path) -> None:
    assert _findings(tmp_path, CHECKED) == ""


def test_an_unchecked_step_needs_errexit(tmp_path: Path) -> None:
    text = CHECKED.replace('if [ $? -ne 0 ]; then\n    echo "Build failed"\n    exit 1\nfi\n', "")
    found = _findings(tmp_path, text)
    assert "no strict mode: errexit not set" in found
    assert "the failure of `npm run build` (line 6) goes unchecked" in found


def test_an_unchecked_pipeline_needs_pipefail(tmp_path: Path) -> None:
    text = CHECKED.replace("npm run build\n", "npx supabase db dump | gzip > dump.sql.gz\n")
    found = _findings(tmp_path, text)
    assert "no strict mode: pipefail not set" in found
    assert "hides a failure of `npx supabase db dump`" in found


def test_an_outside_variable_needs_nounset(tmp_path: Path) -> None:
    text = CHECKED.replace("vercel --prod", 'vercel --prod --token "$VERCEL_TOKEN"')
    assert "an unset $VERCEL_TOKEN (line 11) expands to nothing" in _findings(tmp_path, text)
    defaulted = CHECKED.replace("vercel --prod", 'vercel --prod --token "${VERCEL_TOKEN:?}"')
    assert _findings(tmp_path / "b", defaulted) == ""


def test_style_notes_are_not_defects_but_warnings_are(tmp_path: Path) -> None:
    # CHECKED draws SC2181 (style) three times: none is reported
    assert "SC2181" not in _findings(tmp_path, CHECKED)
    warned = CHECKED.replace("npm run build", "cd $BUILD_DIR\nnpm run build")
    assert "SC2086" in _findings(tmp_path / "b", warned)


@pytest.mark.parametrize(("deploy", "why"), [
    ("vercel --prod || true", "its failure is swallowed by '|| true'"),
    ("vercel --prod &", "it runs in the background"),
    ("set +e\nvercel --prod\nset -e", "errexit is off"),
], ids=["or-true", "background", "set-plus-e"])
def test_a_thrown_away_deploy_is_found(tmp_path: Path, deploy: str, why: str) -> None:
    text = ("#!/usr/bin/env bash\nset -euo pipefail\nnpm run build\n" + deploy +
            '\necho "deployed"\n')
    found = _findings(tmp_path, text)
    assert "the deploy command `vercel --prod" in found and "cannot fail the script" in found
    assert why in found


def test_a_checked_set_plus_e_deploy_is_sound(tmp_path: Path) -> None:
    text = ("#!/usr/bin/env bash\nset -euo pipefail\nset +e\nvercel --prod\nstatus=$?\n"
            "set -e\n[[ $status -eq 0 ]] || exit 1\necho finished\n")
    assert _findings(tmp_path, text) == ""


def test_command_v_is_a_lookup_not_a_deploy(tmp_path: Path) -> None:
    text = ("#!/usr/bin/env bash\nset -euo pipefail\nif ! command -v vercel >/dev/null; then\n"
            "  npm i -g vercel\nfi\necho ready\n")
    assert "runs no deploy command" in _findings(tmp_path, text)


def test_deploy_through_a_function_in_a_sourced_file(tmp_path: Path) -> None:
    write(tmp_path, "scripts/lib/release.sh",
          'ship() {\n  npx vercel deploy --prebuilt --prod --token "${VERCEL_TOKEN:?}"\n}\n')
    text = ('#!/usr/bin/env bash\nset -euo pipefail\nsource "$(dirname "$0")/lib/release.sh"\n'
            "npm run build\nship\n")
    write(tmp_path, "scripts/deploy.sh", text)
    assert "runs no deploy command" not in text_of(shell.script_findings(tmp_path, "deploy.sh"))


def test_grammar_reads_data_as_data() -> None:
    tree = parse_shell(
        "required=(\n  VERCEL_TOKEN\n  DATABASE_URL\n)\ncase \"$1\" in\n  staging | production)"
        " ;;\n  *) exit 2 ;;\nesac\nif pg_isready; then echo up; fi\ncurl -fsS x | jq .\n"
        "load=$((1 + 2))\n")
    names = [(s.line, s.name, s.status_read, s.pipe_left) for s in tree.steps]
    assert names == [(7, "exit", False, False), (9, "pg_isready", True, False),
                     (9, "echo", False, False), (10, "curl", False, True),
                     (10, "jq", True, False)]  # the last command: the script's status
    assert {"required", "load"} <= tree.assigned


def test_strict_mode_set_in_a_sourced_library_counts(tmp_path: Path) -> None:
    unchecked = ("#!/usr/bin/env bash\nsource ./lib/common.sh\nnpm run build\n"
                 'npx vercel deploy --prod --token "$VERCEL_TOKEN"\necho finished\n')
    write(tmp_path, "scripts/lib/common.sh", "set -euo pipefail\n")
    write(tmp_path, "scripts/deploy.sh", unchecked)
    assert "no strict mode" not in text_of(shell.script_findings(tmp_path, "deploy.sh"))
    # the library sets only errexit: nounset is still missing for $VERCEL_TOKEN
    write(tmp_path / "b", "scripts/lib/common.sh", "set -e\n")
    write(tmp_path / "b", "scripts/deploy.sh", unchecked)
    found = text_of(shell.script_findings(tmp_path / "b", "deploy.sh"))
    assert "no strict mode: nounset not set" in found and "$VERCEL_TOKEN" in found
