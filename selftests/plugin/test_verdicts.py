"""The four verdicts and their exit codes, --allow-unverified, and the run's scope:
through the plugin (pytester) and through `golive run`."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from golive.catalog import Severity, load_catalog
from golive.cli.run import run_profile

from .conftest import pick

CI_BLOCKING = [c for c in load_catalog().in_profile("ci") if c.severity is Severity.BLOCKING]
FAILS = CI_BLOCKING[0].id
UNVERIFIABLE = CI_BLOCKING[1].id
# the real blocking criterion with two checks in tests/platform/test_env.py
TWO_CHECKS = "platform.secrets-encrypted"
MAJOR = pick(severity="major").id


def suite(pytester: pytest.Pytester, outcomes: dict[str, str] | None = None) -> None:
    """One check per blocking ci criterion: passing unless ``outcomes`` says otherwise
    (fail, not_verified); TWO_CHECKS gets two checks."""
    outcomes = outcomes or {}
    body = ["import pytest", "import golive", ""]
    for n, entry in enumerate(CI_BLOCKING):
        copies = 2 if entry.id == TWO_CHECKS else 1
        for copy in range(copies):
            outcome = outcomes.get(entry.id, "pass")
            line = {"pass": "pass", "fail": "assert False, 'deliverable is missing'",
                    "not_verified": "golive.not_verified('target refused the connection')"}
            body += [f"@pytest.mark.criterion({entry.id!r})",
                     f"def test_c{n}_{copy}():", f"    {line[outcome]}", ""]
    pytester.makepyfile(test_ci="\n".join(body))


def history(pytester: pytest.Pytester) -> list[Path]:
    folder = pytester.path / "out" / "history"
    return sorted(folder.glob("*.json")) if folder.is_dir() else []


def junit(pytester: pytest.Pytester) -> ET.Element:
    return ET.fromstring((pytester.path / "out" / "junit.xml").read_text(encoding="utf-8"))


def props(root: ET.Element) -> dict[str, str | None]:
    return {p.get("name", ""): p.get("value") for p in root.find("properties") or []}


def test_go_exits_0_when_every_blocking_criterion_passed(pytester, golive_run):
    suite(pytester)
    run = golive_run("--golive-profile=ci")
    assert run.ret == 0, run.output
    assert run.results["verdict"] == "GO" and run.results["exit_code"] == 0
    assert run.status(MAJOR) == "not_verified"  # not blocking: decides nothing
    cases = {c.get("name"): c for c in junit(pytester).iter("testcase")}
    assert cases[MAJOR].find("skipped") is not None and cases[MAJOR].find("failure") is None
    assert props(junit(pytester))["verdict"] == "GO"


def test_no_go_exits_1_when_a_blocking_criterion_fails(pytester, golive_run):
    suite(pytester, {FAILS: "fail", UNVERIFIABLE: "not_verified"})
    run = golive_run("--golive-profile=ci")
    assert run.ret == 1 and run.results["verdict"] == "NO-GO"
    cases = {c.get("name"): c for c in junit(pytester).iter("testcase")}
    assert cases[FAILS].find("failure").get("message") == "deliverable is missing"
    # a blocking criterion not verified keeps the run from GO too: a failure for CI tools
    unverified = cases[UNVERIFIABLE].find("failure")
    assert unverified.get("message") == "not verified: target refused the connection"


def test_unverified_exits_4_and_junit_fails_the_deciding_criterion(pytester, golive_run):
    suite(pytester, {UNVERIFIABLE: "not_verified"})
    run = golive_run("--golive-profile=ci")
    assert run.ret == 4 and run.results["verdict"] == "UNVERIFIED"
    assert run.results["exit_code"] == 4 and run.results["allow_unverified"] is False
    root = junit(pytester)
    assert props(root)["verdict"] == "UNVERIFIED" and props(root)["allow_unverified"] == "false"
    assert root.get("failures") == "1"
    cases = {c.get("name"): c for c in root.iter("testcase")}
    assert cases[UNVERIFIABLE].find("skipped") is None
    assert cases[MAJOR].find("skipped") is not None  # decides nothing: stays skipped
    assert "❔ golive ci: UNVERIFIED" in (pytester.path / "out" / "summary.md").read_text()
    assert len(history(pytester)) == 1


def test_allow_unverified_exits_0_and_says_so_everywhere(pytester, golive_run):
    suite(pytester, {UNVERIFIABLE: "not_verified"})
    run = golive_run("--golive-profile=ci", "--golive-allow-unverified")
    assert run.ret == 0
    assert run.results["verdict"] == "UNVERIFIED"  # the verdict itself never turns GO
    assert run.results["allow_unverified"] is True and run.results["exit_code"] == 0
    out = pytester.path / "out"
    assert "--allow-unverified" in (out / "summary.md").read_text(encoding="utf-8")
    banner = (out / "readiness.html").read_text(encoding="utf-8").split("</header>")[0]
    assert "--allow-unverified" in banner and 'class="verdict UNVERIFIED"' in banner
    root = junit(pytester)
    assert props(root)["allow_unverified"] == "true"
    cases = {c.get("name"): c for c in root.iter("testcase")}
    assert cases[UNVERIFIABLE].find("skipped") is not None  # the team gates without it


def test_allow_unverified_never_hides_a_failure(pytester, golive_run):
    suite(pytester, {FAILS: "fail"})
    assert golive_run("--golive-profile=ci", "--golive-allow-unverified").ret == 1


@pytest.mark.parametrize("narrowing", [("--collect-only",), ("-k", "no_such_check_name")])
def test_a_run_that_executes_nothing_is_a_usage_error(pytester, golive_run, narrowing):
    suite(pytester)
    run = golive_run("--golive-profile=ci", *narrowing)
    assert run.ret == 2
    assert run.results is None and not history(pytester)
    lines = [line for line in run.output.splitlines() if line.startswith("golive: no check ran")]
    assert len(lines) == 1, run.output


def test_an_empty_suite_is_a_usage_error(pytester, golive_run):
    run = golive_run("--golive-profile=ci")
    assert run.ret == 2 and run.results is None and not history(pytester)
    assert "golive: no check ran (the suite holds no check of this profile)" in run.output


def test_partial_selection_puts_the_criterion_out_of_scope(pytester, golive_run):
    index = next(n for n, c in enumerate(CI_BLOCKING) if c.id == TWO_CHECKS)
    suite(pytester)
    # one of the two checks of platform.secrets-encrypted plus one whole criterion
    run = golive_run("--golive-profile=ci", "-k", f"test_c{index}_0 or test_c0_0")
    assert run.ret == 0, run.output
    assert [c["id"] for c in run.results["criteria"]] == [CI_BLOCKING[0].id]
    out = {o["id"]: o["reason"] for o in run.results["out_of_scope"]}
    assert "only 1 of its 2 checks selected" in out[TWO_CHECKS]
    assert len(out) == len(load_catalog().in_profile("ci")) - 1
    root = junit(pytester)
    assert props(root)["scope_in"] == "1" and props(root)["scope_out"] == str(len(out))


def test_only_a_part_of_one_criterion_selected_is_a_usage_error(pytester, golive_run):
    index = next(n for n, c in enumerate(CI_BLOCKING) if c.id == TWO_CHECKS)
    suite(pytester)
    run = golive_run("--golive-profile=ci", "-k", f"test_c{index}_0")
    assert run.ret == 2 and run.results is None  # never a pass of half a criterion
    assert "no criterion left whole in scope" in run.output


def test_kind_narrowing_lists_the_rest_out_of_scope(pytester, golive_run):
    suite(pytester)
    run = golive_run("--golive-profile=ci", "--golive-kind=static")
    kinds = {c["kind"] for c in run.results["criteria"]}
    assert kinds == {"static"}
    assert run.results["out_of_scope"]
    assert all("--kind static" in o["reason"] for o in run.results["out_of_scope"])
    assert run.results["narrowed_by"] == ["--kind static"]


def test_unrun_selected_check_keeps_its_criterion_unverified(pytester, golive_run):
    index = next(n for n, c in enumerate(CI_BLOCKING) if c.id == TWO_CHECKS)
    suite(pytester, {CI_BLOCKING[0].id: "fail"})
    # -x stops at the first failure: everything after it was selected but never ran
    run = golive_run("--golive-profile=ci", "-x", "-p", "no:randomly")
    assert run.ret == 1
    assert run.status(TWO_CHECKS) == "not_verified"
    assert index > 0 and "did not run" in run.entry(TWO_CHECKS)["reason"]


def test_xdist_partial_selection_is_out_of_scope_on_the_controller(pytester, golive_run):
    index = next(n for n, c in enumerate(CI_BLOCKING) if c.id == TWO_CHECKS)
    suite(pytester)
    run = golive_run("--golive-profile=ci", "-n", "2", "-k", f"test_c{index}_0 or test_c0_",
                     subprocess=True)
    assert run.ret == 0, run.output
    assert TWO_CHECKS in {o["id"] for o in run.results["out_of_scope"]}
    assert [c["id"] for c in run.results["criteria"]] == [CI_BLOCKING[0].id]


def test_golive_run_exit_codes_are_golives_not_pytests(pytester):
    out = pytester.path / "o"
    suite(pytester, {UNVERIFIABLE: "not_verified"})
    # 4 is UNVERIFIED here, not pytest's usage error (which golive run turns into 2)
    assert run_profile("ci", suite=pytester.path, output=out) == 4
    assert run_profile("ci", suite=pytester.path, output=out, allow_unverified=True) == 0
    runs = sorted((out / "history").glob("*.json"))
    assert len(runs) == 2
    assert run_profile("ci", suite=pytester.path, output=out, extra=("--collect-only",)) == 2
    assert run_profile("ci", suite=pytester.path, output=out, extra=("--no-such-opt",)) == 2
    assert sorted((out / "history").glob("*.json")) == runs  # nothing recorded
    suite(pytester, {FAILS: "fail"})
    assert run_profile("ci", suite=pytester.path, output=out) == 1
    suite(pytester)
    assert run_profile("ci", suite=pytester.path, output=out) == 0


def test_golive_run_help_names_the_five_exit_codes():
    from click.testing import CliRunner

    from golive.cli.main import main

    for argv in (["--help"], ["run", "--help"]):
        text = CliRunner().invoke(main, argv).output
        for code in ("0 GO", "1 NO-GO", "2 usage", "3 INCOMPLETE", "4 UNVERIFIED"):
            assert code in " ".join(text.split()), (argv, code)
    assert "--strict" not in CliRunner().invoke(main, ["run", "--help"]).output
