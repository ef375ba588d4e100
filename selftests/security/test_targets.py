"""The security targets file: defaults, validation, where it is found."""

from __future__ import annotations

from pathlib import Path

import pytest

from golive._errors import ConfigError
from golive.facts.live.security_targets import TARGETS_ENV, SecurityTargets, load_targets
from golive.resources import security_file


def test_documented_file_equals_the_defaults() -> None:
    path = security_file("targets.yaml")
    assert path is not None
    documented = load_targets(path.parents[1]).model_dump(exclude={"base_dir"})
    assert documented == SecurityTargets().model_dump(exclude={"base_dir"})


def test_literal_password_and_unknown_field_refused(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "targets.yaml"
    path.write_text(
        "identities:\n  user: {username: u@example.com, password: hunter2, role: user}\n"
        "colour: blue\n"
    )
    monkeypatch.setenv(TARGETS_ENV, str(path))
    with pytest.raises(ConfigError) as caught:
        load_targets()
    problems = "\n".join(caught.value.problems)
    assert "identities.user.password" in problems and "env:NAME" in problems
    assert "colour: unknown field" in problems


def test_relative_paths_are_relative_to_the_file(tmp_path: Path) -> None:
    (tmp_path / "security").mkdir()
    (tmp_path / "security" / "targets.yaml").write_text("advisories: [osv]\n")
    targets = load_targets(tmp_path)
    assert targets.path(targets.advisories[0]) == (tmp_path / "security" / "osv").resolve()
