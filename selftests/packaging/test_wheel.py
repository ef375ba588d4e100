"""A wheel built from the repository judges with the same checks as the checkout.

The wheel is installed into a fresh venv outside the checkout. That venv sees the
dependencies installed in the project's venv (a ``.pth`` naming a folder of links to
them) but not the editable golive: without the suites, locustfiles and scanner configs
carried inside the wheel, its run would collect nothing. The static checks of the ci
profile then run against the good sample repository, once with the installed wheel from
a folder that is not the checkout, once from the checkout, and both results must agree
criterion by criterion.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import sysconfig
import venv
from pathlib import Path
from typing import Any

import pytest

from golive.demo.sample_repo import materialize

pytestmark = [pytest.mark.slow, pytest.mark.xdist_group("heavy")]

ROOT = Path(__file__).resolve().parents[2]

# what the project's venv holds for the editable golive itself: left out of the clean venv
_EDITABLE_GOLIVE = ("golive-", "golive.", "__editable__", "_golive", "_editable_impl_golive")


def _run(args: list[str], cwd: Path, **kwargs: Any) -> subprocess.CompletedProcess[str]:
    done = subprocess.run(args, cwd=cwd, capture_output=True, text=True, timeout=180, **kwargs)
    assert done.returncode == 0, f"{args[:4]} failed:\n{done.stdout[-3000:]}\n{done.stderr[-3000:]}"
    return done


def _build_wheel(dist: Path) -> Path:
    # no build isolation: the pinned backend is in the dev venv, no index needed
    _run([sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation",
          "--quiet", "--wheel-dir", str(dist), str(ROOT)], cwd=dist.parent)
    (wheel,) = dist.glob("golive-*.whl")
    return wheel


def _clean_venv(where: Path, wheel: Path) -> Path:
    """A venv with the wheel installed and the project venv's packages but its golive."""
    venv.EnvBuilder(with_pip=False).create(where)
    python = where / "bin" / "python"
    site = Path(_run([str(python), "-c", "import sysconfig; print(sysconfig.get_path('purelib'))"],
                     cwd=where).stdout.strip())
    deps = where / "deps"
    deps.mkdir()
    for entry in Path(sysconfig.get_path("purelib")).iterdir():
        if not entry.name.startswith(_EDITABLE_GOLIVE) and entry.suffix != ".pth":
            (deps / entry.name).symlink_to(entry)
    (site / "project-deps.pth").write_text(f"{deps}\n", encoding="utf-8")
    _run([sys.executable, "-m", "pip", "--python", str(python), "install", "--no-deps",
          "--no-index", "--quiet", str(wheel)], cwd=where)
    return where / "bin" / "golive"


def _start(golive: Path, config: Path, cwd: Path, output: Path) -> subprocess.Popen[str]:
    # the scanners (shellcheck, zizmor, ...) are executables of the project venv's
    # dependencies: found on PATH from the clean venv, after its own bin folder
    path = os.pathsep.join([os.environ.get("PATH", ""), str(Path(sys.executable).parent)])
    return subprocess.Popen(
        [str(golive), "run", "--profile", "ci", "--kind", "static", "--config", str(config),
         "--output", str(output)],
        cwd=cwd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
        env={**os.environ, "PATH": path},
    )


def _criteria(run: subprocess.Popen[str], output: Path) -> dict[str, Any]:
    """Each criterion's status and the checks that judged it, by id."""
    log, _ = run.communicate(timeout=180)
    results = output / "results.json"
    assert results.is_file(), f"no results (exit {run.returncode}):\n{log[-3000:]}"
    data = json.loads(results.read_text(encoding="utf-8"))
    assert not data["interrupted"], f"the run into {output} did not finish:\n{log[-3000:]}"
    return {
        c["id"]: (c["status"], sorted(check["nodeid"] for check in c["checks"]))
        for c in data["criteria"]
    }


def test_installed_wheel_runs_the_checkout_checks(tmp_path: Path) -> None:
    wheel = _build_wheel(tmp_path / "dist")
    golive = _clean_venv(tmp_path / "venv", wheel)
    elsewhere = tmp_path / "project"
    elsewhere.mkdir()
    repo = materialize("good", elsewhere / "infra")
    config = elsewhere / "golive.toml"
    config.write_text(
        f'default_env = "sample"\n\n[environments.sample]\nrepo = "{repo}"\n'
        "disruptive = false\nproduction = false\n",
        encoding="utf-8",
    )

    where = _run([str(golive.parent / "python"), "-c",
                  "import golive.resources as r; print(r.suites_dir())"], cwd=elsewhere)
    assert not Path(where.stdout.strip()).is_relative_to(ROOT), "the clean venv saw the checkout"

    # side by side: the two runs share nothing but the inputs
    runs = {
        "installed": _start(golive, config, elsewhere, tmp_path / "installed"),
        "checkout": _start(Path(sys.executable).parent / "golive", config, ROOT,
                           tmp_path / "checkout"),
    }
    installed = _criteria(runs["installed"], tmp_path / "installed")
    checkout = _criteria(runs["checkout"], tmp_path / "checkout")

    judged = {cid for cid, (status, checks) in checkout.items() if checks}
    assert judged, "the checkout's run collected no static check"
    assert installed == checkout
