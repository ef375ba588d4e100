"""The plugin end to end: statuses, combination, profiles, waivers, exit codes, xdist."""

from __future__ import annotations

import json
from datetime import date, timedelta
from textwrap import dedent

import pytest

from golive.catalog import load_catalog
from golive.cli.run import run_profile

from .conftest import pick

BLOCKING_LE = pick(op="<=", severity="blocking")
BLOCKING_PLAIN = pick(severity="blocking", exclude=(BLOCKING_LE.id,))
MINOR_OR_MAJOR = pick(severity="major")
ATTESTED = pick(profile="final", automated=False)


def checks(pytester: pytest.Pytester, body: str) -> None:
    pytester.makepyfile(test_checks="import pytest\nimport golive\n" + dedent(body))


def test_each_outcome_maps_to_its_status(pytester, golive_run):
    le, plain, major = BLOCKING_LE.id, BLOCKING_PLAIN.id, MINOR_OR_MAJOR.id
    checks(pytester, f"""
        @pytest.mark.criterion("{le}")
        def test_meets(criterion):
            criterion.expect(criterion.threshold.value)

        @pytest.mark.criterion("{plain}")
        def test_absent_target():
            golive.not_verified("target absent")

        @pytest.mark.criterion("{major}")
        def test_check_breaks():
            raise RuntimeError("probe crashed")
    """)
    run = golive_run("--golive-profile=ci")
    assert run.status(le) == "pass"
    assert run.status(plain) == "not_verified"
    assert run.entry(plain)["reason"] == "target absent"
    assert run.status(major) == "error"
    assert "RuntimeError: probe crashed" in run.entry(major)["reason"]


def test_threshold_miss_fails_with_measured_and_threshold(pytester, golive_run):
    le = BLOCKING_LE
    checks(pytester, f"""
        @pytest.mark.criterion("{le.id}")
        def test_too_slow(criterion):
            criterion.expect(criterion.threshold.value + 1, name="probe")
    """)
    run = golive_run("--golive-profile=ci")
    entry = run.entry(le.id)
    assert entry["status"] == "fail"
    assert entry["measured"]["value"] == le.threshold.value + 1
    assert entry["threshold"]["value"] == le.threshold.value
    assert f"required {le.threshold}" in entry["reason"]
    assert run.ret == 1  # a blocking criterion failed: NO-GO


def test_any_failing_check_fails_the_criterion(pytester, golive_run):
    le = BLOCKING_LE.id
    checks(pytester, f"""
        @pytest.mark.criterion("{le}")
        @pytest.mark.parametrize("n", [1, 2, 3])
        def test_many(n):
            assert n != 2, "second check found a defect"
    """)
    run = golive_run("--golive-profile=ci")
    assert run.status(le) == "fail"
    assert len(run.entry(le)["checks"]) == 3


def test_all_passing_checks_pass_the_criterion(pytester, golive_run):
    le = BLOCKING_LE.id
    checks(pytester, f"""
        @pytest.mark.criterion("{le}")
        @pytest.mark.parametrize("n", [1, 2])
        def test_many(n):
            assert n
    """)
    assert golive_run("--golive-profile=ci").status(le) == "pass"


def test_criterion_without_check_is_not_verified_and_named(pytester, golive_run):
    checks(pytester, f"""
        @pytest.mark.criterion("{MINOR_OR_MAJOR.id}")
        def test_other():
            pass
    """)
    run = golive_run("--golive-profile=ci")
    entry = run.entry(BLOCKING_LE.id)
    assert entry["status"] == "not_verified"
    assert entry["reason"] == "no automated check"
    assert run.ret == 4 and run.results["verdict"] == "UNVERIFIED"  # never GO


def test_not_verified_is_never_a_pass(pytester, golive_run):
    plain = BLOCKING_PLAIN.id
    checks(pytester, f"""
        @pytest.mark.criterion("{plain}")
        def test_ran_but_checked_nothing():
            golive.not_verified("tool ran but checked nothing")
    """)
    run = golive_run("--golive-profile=final")
    assert run.status(plain) == "not_verified"
    assert run.results["counts"].get("pass", 0) == 0
    assert run.ret == 4 and run.results["verdict"] == "UNVERIFIED"
    lenient = golive_run("--golive-profile=final", "--golive-allow-unverified")
    assert lenient.ret == 0 and lenient.results["verdict"] == "UNVERIFIED"  # never GO


def test_pytest_skip_counts_as_not_verified(pytester, golive_run):
    plain = BLOCKING_PLAIN.id
    checks(pytester, f"""
        @pytest.mark.criterion("{plain}")
        @pytest.mark.skipif(True, reason="no credentials")
        def test_skipped():
            pass
    """)
    run = golive_run("--golive-profile=ci")
    assert run.status(plain) == "not_verified"
    assert "no credentials" in run.entry(plain)["reason"]


def test_profile_deselects_checks_of_other_profiles(pytester, golive_run):
    catalog = load_catalog()
    weekly_only = next(c for c in catalog if "weekly" in c.profiles and "ci" not in c.profiles)
    checks(pytester, f"""
        @pytest.mark.criterion("{weekly_only.id}")
        def test_weekly():
            raise AssertionError("must not run in ci")

        def test_helper_without_criterion():
            raise AssertionError("must not run under a profile")

        @pytest.mark.criterion("{BLOCKING_LE.id}")
        def test_ci():
            pass
    """)
    run = golive_run("--golive-profile=ci")
    assert run.ret == 4  # the other blocking ci criteria have no check here: UNVERIFIED
    assert weekly_only.id not in {c["id"] for c in run.results["criteria"]}
    assert {c["id"] for c in run.results["criteria"]} == {c.id for c in catalog.in_profile("ci")}


def test_unknown_criterion_id_is_a_usage_error(pytester, golive_run):
    checks(pytester, """
        @pytest.mark.criterion("no.such-criterion")
        def test_x():
            pass
    """)
    run = golive_run("--golive-profile=ci")
    assert run.ret == pytest.ExitCode.USAGE_ERROR  # plain pytest keeps its own code
    assert "unknown criterion id 'no.such-criterion'" in run.output
    assert run_profile("ci", suite=pytester.path, output=pytester.path / "o") == 2


def test_two_ids_on_one_test_is_a_usage_error(pytester, golive_run):
    checks(pytester, f"""
        @pytest.mark.criterion("{BLOCKING_LE.id}")
        @pytest.mark.criterion("{BLOCKING_PLAIN.id}")
        def test_x():
            pass
    """)
    assert golive_run("--golive-profile=ci").ret == pytest.ExitCode.USAGE_ERROR
    assert run_profile("ci", suite=pytester.path, output=pytester.path / "o") == 2


def write_config(pytester: pytest.Pytester, extra: str = "", env_extra: str = "") -> None:
    pytester.makefile(".toml", golive=dedent(f"""
        default_env = "demo"
        {extra}
        [environments.demo]
        base_url = "http://127.0.0.1:9"
        {env_extra}
    """))


def waiver_file(pytester: pytest.Pytester, criterion_id: str, expires: date) -> None:
    pytester.makefile(".yaml", waivers=dedent(f"""
        - criterion: {criterion_id}
          reason: vendor fix due next sprint
          approver: Sato (SRE lead)
          expires: {expires.isoformat()}
    """))


def test_valid_waiver_waives_a_failing_blocking_criterion(pytester, golive_run):
    le = BLOCKING_LE.id
    write_config(pytester, 'waivers = "waivers.yaml"')
    waiver_file(pytester, le, date.today() + timedelta(days=7))
    checks(pytester, f"""
        @pytest.mark.criterion("{le}")
        def test_x():
            assert False, "defect"
    """)
    run = golive_run("--golive-profile=ci")
    assert run.status(le) == "waived"
    assert "Sato (SRE lead)" in run.entry(le)["reason"]
    assert run.ret == 4  # not NO-GO: the rest of ci has no check here (GO: test_verdicts)
    assert le in (pytester.path / "out" / "summary.md").read_text(encoding="utf-8")


def test_expired_waiver_fails_the_criterion(pytester, golive_run):
    plain = BLOCKING_PLAIN.id
    write_config(pytester, 'waivers = "waivers.yaml"')
    waiver_file(pytester, plain, date.today() - timedelta(days=1))
    checks(pytester, f"""
        @pytest.mark.criterion("{plain}")
        def test_x():
            golive.not_verified("not reachable")
    """)
    run = golive_run("--golive-profile=ci")
    assert run.status(plain) == "fail"
    assert "waiver expired" in run.entry(plain)["reason"]
    assert run.ret == 1


def test_malformed_waivers_file_is_a_config_error(pytester, golive_run):
    write_config(pytester, 'waivers = "waivers.yaml"')
    pytester.makefile(".yaml", waivers=dedent("""
        - criterion: x
          reason: r
        - {criterion: no.such, reason: r, approver: a, expires: 2030-01-01}
    """))
    run = golive_run("--golive-profile=ci")
    assert run.ret == pytest.ExitCode.USAGE_ERROR
    assert "[0].approver: Field required" in run.output
    assert "[1].criterion: unknown criterion id no.such" in run.output
    code = run_profile("ci", suite=pytester.path, config=pytester.path / "golive.toml",
                       output=pytester.path / "o")
    assert code == 2


def test_threshold_override_from_config_is_used(pytester, golive_run):
    le = BLOCKING_LE
    tighter = le.threshold.value / 2
    write_config(pytester, env_extra=f'[environments.demo.thresholds]\n"{le.id}" = {tighter}')
    checks(pytester, f"""
        @pytest.mark.criterion("{le.id}")
        def test_x(criterion):
            criterion.expect({le.threshold.value})
    """)
    run = golive_run("--golive-profile=ci")
    assert run.status(le.id) == "fail"
    assert run.entry(le.id)["threshold"]["value"] == tighter


def test_unsigned_attestation_records_are_shown_never_counted(pytester, golive_run):
    """A record in the old unsigned form names no run and carries no signature: the
    criterion stays not verified with the reason, the record is shown (golive.judging.signoff
    and selftests/unit/test_signoff.py for the signed form)."""
    write_config(pytester, 'attestations = "attest.yaml"')
    pytester.makefile(".yaml", attest=dedent(f"""
        - criterion: {ATTESTED.id}
          by: Tanaka
          date: {date.today().isoformat()}
          evidence: https://wiki.example.invalid/review/42
          expires: {(date.today() + timedelta(days=90)).isoformat()}
    """))
    checks(pytester, f"""
        @pytest.mark.criterion("{BLOCKING_LE.id}")
        def test_any():
            pass
    """)
    run = golive_run("--golive-profile=final")
    assert run.status(ATTESTED.id) == "not_verified"
    assert "not signed and names no run" in run.entry(ATTESTED.id)["reason"]
    assert run.entry(ATTESTED.id)["attestation"]["by"] == "Tanaka"
    assert run.results["run_id"]  # what a sign-off of this run names
    others = [c for c in run.results["criteria"] if not c["automated"] and c["id"] != ATTESTED.id]
    assert others and all(c["status"] == "not_verified" for c in others)


def test_interrupted_run_writes_partial_results_with_exit_3(pytester, golive_run):
    le, plain = BLOCKING_LE.id, BLOCKING_PLAIN.id
    checks(pytester, f"""
        @pytest.mark.criterion("{le}")
        def test_a(criterion):
            criterion.expect(criterion.threshold.value)

        @pytest.mark.criterion("{plain}")
        def test_b():
            raise KeyboardInterrupt
    """)
    run = golive_run("--golive-profile=ci", subprocess=True)
    assert run.ret == 3
    assert run.results["verdict"] == "INCOMPLETE"
    assert run.status(le) == "pass"
    assert "interrupted" in run.entry(plain)["reason"]


def test_collection_error_is_incomplete(pytester, golive_run):
    pytester.makepyfile(test_broken="import no_such_module_here\n")
    run = golive_run("--golive-profile=ci")
    assert run.ret == 3
    assert run.results["verdict"] == "INCOMPLETE"


def test_xdist_controller_collects_worker_verdicts(pytester, golive_run):
    le, plain = BLOCKING_LE.id, BLOCKING_PLAIN.id
    checks(pytester, f"""
        @pytest.mark.criterion("{le}")
        @pytest.mark.parametrize("n", range(4))
        def test_a(criterion, evidence, n):
            evidence.record("n", n)
            criterion.expect(criterion.threshold.value)

        @pytest.mark.criterion("{plain}")
        def test_b():
            assert False, "found a defect"
    """)
    run = golive_run("--golive-profile=ci", "-n", "2", subprocess=True)
    assert run.ret == 1
    assert run.status(le) == "pass"
    assert len(run.entry(le)["checks"]) == 4
    assert sorted(e["value"] for e in run.entry(le)["evidence"] if e["name"] == "n") == [0, 1, 2, 3]
    assert run.status(plain) == "fail"
    out = pytester.path / "out"
    assert sorted(p.name for p in out.iterdir()) == [
        "history", "junit.xml", "readiness.html", "results.json", "summary.md"]
    assert len(list((out / "history").iterdir())) == 1


def test_plain_pytest_without_profile_writes_nothing(pytester):
    checks(pytester, f"""
        @pytest.mark.criterion("{BLOCKING_LE.id}")
        def test_a(criterion):
            criterion.expect(criterion.threshold.value)
    """)
    result = pytester.runpytest("-p", "no:cacheprovider")
    result.assert_outcomes(passed=1)
    assert not (pytester.path / "out").exists()


def test_results_json_has_the_contract_fields(pytester, golive_run):
    checks(pytester, f"""
        @pytest.mark.criterion("{BLOCKING_LE.id}")
        def test_any():
            pass
    """)
    run = golive_run("--golive-profile=ci")
    data = run.results
    for key in ("schema", "profile", "env", "started_at", "finished_at", "verdict", "criteria"):
        assert key in data
    assert data["schema"] == "golive.results/1"
    for key in ("id", "title", "seed", "area", "kind", "severity", "status", "measured",
                "threshold", "reason", "evidence"):
        assert key in data["criteria"][0]
    json.dumps(data)


def test_module_of_other_profiles_is_not_even_imported(pytester, golive_run):
    catalog = load_catalog()
    weekly_only = next(c for c in catalog if "weekly" in c.profiles and "ci" not in c.profiles)
    pytester.makepyfile(test_weekly=dedent(f"""
        import pytest
        raise RuntimeError("imported although no criterion of it is selected")

        @pytest.mark.criterion("{weekly_only.id}")
        def test_weekly():
            pass
    """))
    checks(pytester, f"""
        @pytest.mark.criterion("{BLOCKING_LE.id}")
        def test_ci(criterion):
            criterion.expect(criterion.threshold.value)
    """)
    assert golive_run("--golive-profile=ci").status(BLOCKING_LE.id) == "pass"
    assert golive_run("--golive-profile=weekly").ret == 3  # imported there: collection error


def test_plain_pytest_runs_the_preflight_too(pytester, golive_run):
    """A judging run through the plugin alone checks the configured targets first."""
    checks(pytester, f"""
        @pytest.mark.criterion("{BLOCKING_LE.id}")
        def test_x():
            pass
    """)
    pytester.makefile(".toml", golive=dedent("""
        [environments.staging]
        repo = "infar"
        database_url = "env:GOLIVE_TEST_NEVER_SET"
    """))
    run = golive_run("--golive-profile=ci", "--golive-config=golive.toml")
    assert run.ret == pytest.ExitCode.USAGE_ERROR
    assert "environments.staging.repo: folder not found" in run.output
    assert "environments.staging.database_url: env:GOLIVE_TEST_NEVER_SET is not set" in run.output
    assert run.results is None  # nothing judged, nothing written
