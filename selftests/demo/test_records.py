"""The demo's sample records: waivers dated on writing and marked as samples; sign-offs
written for the demo's own final run after it, signed with its throwaway key (real
ssh-keygen), counted by golive's own rules, and shown as samples."""

from __future__ import annotations

import datetime as dt
import json
import tomllib
from datetime import UTC, datetime
from pathlib import Path

from golive.catalog import Severity, load_catalog
from golive.config import Config, load_config, load_waivers
from golive.demo import records
from golive.judging.results import (
    CheckResult,
    build_run_data,
    judge_criterion,
    new_run_id,
    write_json_atomically,
)
from golive.judging.verdict import RunVerdict, Status

CATALOG = load_catalog()
HUMAN = {c.id for c in CATALOG if not c.automated}


def test_waivers_are_dated_marked_and_load(tmp_path: Path) -> None:
    today = dt.date(2026, 3, 1)
    folder, waivers = records.write_records(tmp_path, today)
    assert folder.is_dir() and not any(folder.iterdir())  # sign-offs come after the run
    assert (tmp_path / records.KEY_FILE).is_file()
    allowed = (tmp_path / records.ALLOWED_SIGNERS_FILE).read_text(encoding="utf-8")
    assert records.DEMO_SIGNER_PRINCIPAL in allowed and "ssh-ed25519 " in allowed
    waived = load_waivers(Config(waivers=waivers.name, base_dir=tmp_path))
    assert waived and all(w.approver == records.DEMO_SIGNER for w in waived)
    assert all(w.expires == today + dt.timedelta(days=records.VALID_DAYS) for w in waived)
    # a waiver is only for what the demo machine cannot verify: automated criteria
    automated = {c.id for c in CATALOG if c.automated}
    assert {w.criterion for w in waived} <= automated


def _final_run(output: Path) -> Path:
    """A final run whose checks all passed: UNVERIFIED until its reviews are signed off."""
    started = datetime.now(UTC)
    results = []
    for entry in CATALOG.in_profile("final"):
        checks = [CheckResult(nodeid=f"t::{entry.id}", status=Status.PASS)] if entry.automated \
            else []  # fmt: skip
        results.append(judge_criterion(entry, entry.threshold, checks, waiver=None,
                                       attestation=None, today=dt.date.today(),
                                       missing_reason="-"))  # fmt: skip
    data = build_run_data(version="t", profile="final", env="demo", lang="en",
                          started_at=started, finished_at=started, criteria=results,
                          interrupted=False, run_id=new_run_id(started))  # fmt: skip
    assert data.verdict is RunVerdict.UNVERIFIED
    write_json_atomically(output / "results.json", data.to_json())
    return output / "results.json"


def test_demo_signs_off_its_own_run_with_its_throwaway_key(tmp_path: Path) -> None:
    run_dir, output = tmp_path / "run", tmp_path / "reports"
    run_dir.mkdir()
    records.write_records(run_dir)
    toml = "\n".join([*records.config_lines(run_dir), *records.signoff_tables()])
    (run_dir / "golive.toml").write_text(toml, encoding="utf-8")
    assert tomllib.loads(toml)["signoff"][0]["approvers"] == [records.DEMO_SIGNER_PRINCIPAL]
    load_config(run_dir / "golive.toml")  # the demo's config passes golive's own checks
    _final_run(output)
    data = records.sign_run(run_dir, output)
    assert data.verdict is RunVerdict.GO
    attested = [c for c in data.criteria if not c.automated]
    assert {c.id for c in attested} == HUMAN & {c.id for c in CATALOG.in_profile("final")}
    for c in attested:
        shown = c.attestation or {}
        assert c.status is Status.PASS, c.reason
        assert shown["by"] == records.DEMO_SIGNER_PRINCIPAL and shown["run_id"] == data.run_id
        assert "sample record" in shown["evidence"] and shown["key"].startswith("SHA256:")
    signed = sorted((run_dir / records.ATTESTATIONS_FILE).glob("*.yaml.sig"))
    assert len(signed) == len(attested)
    # the reports were rewritten with the sign-offs (no check ran again)
    written = json.loads((output / "results.json").read_text(encoding="utf-8"))
    assert written["verdict"] == "GO"
    assert records.DEMO_SIGNER_PRINCIPAL in (output / "summary.md").read_text(encoding="utf-8")


def test_a_demo_record_does_not_count_for_another_run(tmp_path: Path) -> None:
    """The demo's records name its run: the next run needs its own."""
    run_dir, output = tmp_path / "run", tmp_path / "reports"
    run_dir.mkdir()
    records.write_records(run_dir)
    (run_dir / "golive.toml").write_text("\n".join(records.config_lines(run_dir)), "utf-8")
    _final_run(output)
    records.sign_run(run_dir, output)
    _final_run(output)  # a new run into the same folder
    from golive.finish.signoff import reverdict

    data = reverdict(output / "results.json", load_config(run_dir / "golive.toml"), [])
    review = next(c for c in data.criteria if c.id == "ops.final-review-security")
    assert review.status is Status.NOT_VERIFIED and "not this run" in (review.reason or "")
    assert review.severity is Severity.BLOCKING and data.verdict is RunVerdict.UNVERIFIED
