"""Sign-offs: a record signed with the approver's SSH key for this run counts; an unsigned,
unknown-key, wrong-run, tampered, expired (and the like) record does not, with its reason.

Real ssh-keygen throughout: throwaway ed25519 keys, an allowed-signers file, ``-Y sign``.
The end-to-end test drives the real command line: ``golive attest``, ``ssh-keygen -Y sign``,
``golive verdict``, on a tiny results.json; no check runs.
"""

from __future__ import annotations

import datetime as dt
import json
import subprocess
import sys
import xml.etree.ElementTree as ET
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import pytest

from golive.catalog import Severity, load_catalog
from golive.config import Config, load_config
from golive.facts.sshsig import generate_key, sign_file
from golive.finish.signoff import apply_signoffs, write_record
from golive.judging.results import (
    CheckResult,
    RunData,
    build_run_data,
    judge_criterion,
    new_run_id,
    write_json_atomically,
)
from golive.judging.verdict import RunVerdict, Status

CATALOG = load_catalog()
REVIEW = "ops.final-review-security"  # blocking, signed off by a person
CHECKED = next(c for c in CATALOG if c.automated and c.severity is Severity.BLOCKING)
TODAY = dt.date.today()
ALICE, BOB = "alice@example.com", "bob@example.com"


def _run(folder: Path, *, check: Status = Status.PASS) -> Path:
    """A finished run with one blocking check and one blocking review; its results.json."""
    started = datetime.now(UTC)
    results = [
        judge_criterion(CHECKED, CHECKED.threshold,
                        [CheckResult(nodeid="t::check", status=check, reason="measured")],
                        waiver=None, attestation=None, today=TODAY, missing_reason="-"),
        judge_criterion(CATALOG.get(REVIEW), None, [], waiver=None, attestation=None,
                        today=TODAY, missing_reason="-"),
    ]  # fmt: skip
    data = build_run_data(version="test", profile="final", env="prod", lang="en",
                          started_at=started, finished_at=started, criteria=results,
                          interrupted=False, run_id=new_run_id(started))  # fmt: skip
    folder.mkdir(parents=True, exist_ok=True)
    write_json_atomically(folder / "results.json", data.to_json())
    return folder / "results.json"


@dataclass
class Keys:
    folder: Path
    alice: Path
    bob: Path
    stranger: Path
    allowed: Path


@pytest.fixture(scope="module")
def keys(tmp_path_factory: pytest.TempPathFactory) -> Keys:
    folder = tmp_path_factory.mktemp("keys")
    lines = []
    for name, principal in (("alice", ALICE), ("bob", BOB), ("stranger", None)):
        public = generate_key(folder / name, f"{name} (test key)")
        if principal:
            lines.append(f'{principal} namespaces="golive-attestation" {public}')
    allowed = folder / "allowed_signers"
    allowed.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return Keys(folder, folder / "alice", folder / "bob", folder / "stranger", allowed)


def _config(tmp_path: Path, keys: Keys, **extra: object) -> Config:
    fields: dict[str, object] = {"allowed_signers": str(keys.allowed), "base_dir": tmp_path}
    return Config.model_validate(fields | extra)


def _record(tmp_path: Path, results: Path, *, by: str = ALICE, name: str = "rec",
            expires: dt.date | None = None, today: dt.date = TODAY) -> Path:  # fmt: skip
    path = tmp_path / "attestations" / f"{name}.yaml"
    write_record(REVIEW, results, by=by, expires=expires or today + dt.timedelta(days=30),
                 evidence="minutes/review.md", output=path, today=today)  # fmt: skip
    return path


def _judge(results: Path, config: Config, records: Path, today: dt.date = TODAY) -> RunData:
    data = RunData.model_validate(json.loads(results.read_text(encoding="utf-8")))
    return apply_signoffs(data, config, [records], today=today)


def _review(data: RunData) -> tuple[Status, str]:
    entry = next(c for c in data.criteria if c.id == REVIEW)
    return entry.status, entry.reason or ""


def test_signed_record_for_this_run_counts(tmp_path: Path, keys: Keys) -> None:
    results = _run(tmp_path / "run")
    sign_file(_record(tmp_path, results), keys.alice)
    data = _judge(results, _config(tmp_path, keys, approvers=[ALICE]), tmp_path / "attestations")
    status, reason = _review(data)
    assert status is Status.PASS, reason
    assert data.verdict is RunVerdict.GO
    shown = next(c for c in data.criteria if c.id == REVIEW).attestation or {}
    assert shown["by"] == ALICE and shown["run_id"] == data.run_id
    assert shown["key"].startswith("SHA256:") and shown["expires"] and shown["date"]


def test_without_the_record_the_run_is_unverified(tmp_path: Path, keys: Keys) -> None:
    results = _run(tmp_path / "run")
    (tmp_path / "attestations").mkdir()
    data = _judge(results, _config(tmp_path, keys), tmp_path / "attestations")
    assert _review(data) == (Status.NOT_VERIFIED, "no attestation record")
    assert data.verdict is RunVerdict.UNVERIFIED


def _refused(data: RunData, *words: str) -> None:
    status, reason = _review(data)
    assert status is Status.NOT_VERIFIED, reason
    assert data.verdict is RunVerdict.UNVERIFIED
    for word in words:
        assert word in reason, reason


def test_unsigned_record_does_not_count(tmp_path: Path, keys: Keys) -> None:
    results = _run(tmp_path / "run")
    _record(tmp_path, results)
    data = _judge(results, _config(tmp_path, keys), tmp_path / "attestations")
    _refused(data, "not signed")


def test_record_signed_with_an_unlisted_key_does_not_count(tmp_path: Path, keys: Keys) -> None:
    results = _run(tmp_path / "run")
    sign_file(_record(tmp_path, results), keys.stranger)
    data = _judge(results, _config(tmp_path, keys), tmp_path / "attestations")
    _refused(data, "allowed_signers does not list", "SHA256:")


def test_record_naming_alice_signed_with_bobs_key_does_not_count(
    tmp_path: Path, keys: Keys
) -> None:
    results = _run(tmp_path / "run")
    sign_file(_record(tmp_path, results, by=ALICE), keys.bob)
    data = _judge(results, _config(tmp_path, keys), tmp_path / "attestations")
    _refused(data, f"names {ALICE}", f"key of {BOB}")


def test_signer_who_is_not_an_approver_of_the_criterion_does_not_count(
    tmp_path: Path, keys: Keys
) -> None:
    """Bob's key is listed, but [[signoff]] names only Alice for this review; the top-level
    approvers (which name Bob) are only the default for other criteria."""
    results = _run(tmp_path / "run")
    sign_file(_record(tmp_path, results, by=BOB), keys.bob)
    config = _config(tmp_path, keys, approvers=[BOB],
                     signoff=[{"criterion": REVIEW, "approvers": [ALICE]}])  # fmt: skip
    data = _judge(results, config, tmp_path / "attestations")
    _refused(data, f"{BOB} is not an approver of {REVIEW}")


def test_record_for_another_run_does_not_count(tmp_path: Path, keys: Keys) -> None:
    earlier, results = _run(tmp_path / "earlier"), _run(tmp_path / "run")
    sign_file(_record(tmp_path, earlier), keys.alice)
    data = _judge(results, _config(tmp_path, keys), tmp_path / "attestations")
    other = json.loads(earlier.read_text(encoding="utf-8"))["run_id"]
    _refused(data, f"signs off run {other}, not this run ({data.run_id})")


def test_tampered_record_does_not_count(tmp_path: Path, keys: Keys) -> None:
    results = _run(tmp_path / "run")
    record = _record(tmp_path, results, expires=TODAY + dt.timedelta(days=3))
    sign_file(record, keys.alice)
    text = record.read_text(encoding="utf-8")
    later = (TODAY + dt.timedelta(days=300)).isoformat()
    record.write_text(text.replace(f"expires: '{TODAY + dt.timedelta(days=3)}'",
                                   f"expires: '{later}'"), encoding="utf-8")  # fmt: skip
    assert record.read_text(encoding="utf-8") != text
    data = _judge(results, _config(tmp_path, keys), tmp_path / "attestations")
    _refused(data, "does not match it", "altered after signing")


def test_expired_record_does_not_count(tmp_path: Path, keys: Keys) -> None:
    results = _run(tmp_path / "run")
    sign_file(_record(tmp_path, results, expires=TODAY + dt.timedelta(days=2)), keys.alice)
    later = TODAY + dt.timedelta(days=3)
    data = _judge(results, _config(tmp_path, keys), tmp_path / "attestations", today=later)
    _refused(data, f"expired on {TODAY + dt.timedelta(days=2)}")


def test_results_changed_after_signing_void_the_record(tmp_path: Path, keys: Keys) -> None:
    """The record names the run's check results too: a results.json edited after signing
    (a failed check turned into a pass) voids it."""
    results = _run(tmp_path / "run", check=Status.FAIL)
    sign_file(_record(tmp_path, results), keys.alice)
    raw = json.loads(results.read_text(encoding="utf-8"))
    raw["criteria"][0]["checks"][0]["status"] = "pass"
    results.write_text(json.dumps(raw), encoding="utf-8")
    data = _judge(results, _config(tmp_path, keys), tmp_path / "attestations")
    assert "changed after signing" in _review(data)[1]


def test_no_allowed_signers_configured_counts_nothing(tmp_path: Path, keys: Keys) -> None:
    results = _run(tmp_path / "run")
    sign_file(_record(tmp_path, results), keys.alice)
    data = _judge(results, Config(base_dir=tmp_path), tmp_path / "attestations")
    _refused(data, "no allowed_signers file is configured")


def test_without_ssh_keygen_a_signed_record_is_not_counted(
    tmp_path: Path, keys: Keys, monkeypatch: pytest.MonkeyPatch
) -> None:
    results = _run(tmp_path / "run")
    sign_file(_record(tmp_path, results), keys.alice)
    monkeypatch.setenv("PATH", str(tmp_path / "empty"))  # no ssh-keygen to ask
    data = _judge(results, _config(tmp_path, keys), tmp_path / "attestations")
    _refused(data, "could not be checked", "ssh-keygen not found")


def test_old_unsigned_list_is_shown_never_counted(tmp_path: Path, keys: Keys) -> None:
    results = _run(tmp_path / "run")
    old = tmp_path / "attest.yaml"
    old.write_text(f"- {{criterion: {REVIEW}, by: Tanaka, date: {TODAY}, evidence: e,"
                   f" expires: {TODAY + dt.timedelta(days=9)}}}\n", encoding="utf-8")  # fmt: skip
    data = _judge(results, _config(tmp_path, keys), old)
    _refused(data, "Tanaka", "not signed and names no run")


def _golive(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "golive", *args], cwd=cwd, text=True,
                          capture_output=True, timeout=120, check=False)  # fmt: skip


def test_attest_sign_verdict_turns_unverified_into_go(tmp_path: Path, keys: Keys) -> None:
    """The board's way: read the report, golive attest, ssh-keygen -Y sign, golive verdict;
    no check runs, every report is rewritten with the sign-off shown apart."""
    results = _run(tmp_path / "run")
    (tmp_path / "golive.toml").write_text(
        f'allowed_signers = "{keys.allowed}"\nattestations = "attestations"\n'
        f'[[signoff]]\ncriterion = "{REVIEW}"\napprovers = ["{ALICE}"]\n',
        encoding="utf-8",
    )
    (tmp_path / "attestations").mkdir()  # where the board's records go
    before = _golive("verdict", str(results), cwd=tmp_path)
    assert before.returncode == 4, before.stderr  # UNVERIFIED: the review is not signed
    attest = _golive("attest", REVIEW, "--run", str(results), "--by", ALICE, cwd=tmp_path)
    assert attest.returncode == 0, attest.stderr
    record = tmp_path / "attestations" / f"{REVIEW}.{ALICE}.yaml"
    command = f"-n golive-attestation {record.relative_to(tmp_path)}"
    assert f"ssh-keygen -Y sign -f ~/.ssh/id_ed25519 {command}" in attest.stdout
    signed = subprocess.run(["ssh-keygen", "-Y", "sign", "-f", str(keys.alice), "-n",
                             "golive-attestation", str(record)], capture_output=True,
                            check=False)  # fmt: skip
    assert signed.returncode == 0, signed.stderr
    after = _golive("verdict", str(results), "-o", "signed", cwd=tmp_path)
    assert after.returncode == 0, after.stdout + after.stderr
    assert "verdict: GO" in after.stdout
    assert f"signed       {REVIEW}  by {ALICE}" in after.stdout
    out = tmp_path / "signed"
    data = json.loads((out / "results.json").read_text(encoding="utf-8"))
    assert data["verdict"] == "GO" and data["run_id"] == json.loads(results.read_text())["run_id"]
    assert data["criteria"][0]["checks"][0]["nodeid"] == "t::check"  # the checks, as recorded
    html = (out / "readiness.html").read_text(encoding="utf-8")
    section = html[html.index('id="attestations"') :]
    assert ALICE in section and data["run_id"] in section and "SHA256:" in section
    summary = (out / "summary.md").read_text(encoding="utf-8")
    assert "## Attestations" in summary and ALICE in summary and data["run_id"] in summary
    case = next(c for c in ET.parse(out / "junit.xml").getroot().iter("testcase")
                if c.get("name") == REVIEW)  # fmt: skip
    props = {p.get("name"): p.get("value") for p in case.iter("property")}
    assert props["attestation.by"] == ALICE and props["attestation.run"].startswith(data["run_id"])
    assert props["attestation.expires"] and props["attestation.date"]


@pytest.mark.parametrize(("toml", "field"), [
    ('[[signoff]]\ncriterion = "no.such"\napprovers = ["a"]\n', "signoff.0.criterion"),
    (f'[[signoff]]\ncriterion = "{CHECKED.id}"\napprovers = ["a"]\n', "signoff.0.criterion"),
    (f'[[signoff]]\ncriterion = "{REVIEW}"\napprovers = []\n', "signoff.0.approvers"),
    ('allowed_signers = "nowhere"\n', "allowed_signers"),
])  # fmt: skip
def test_bad_signoff_config_exits_2_naming_the_field(tmp_path: Path, toml: str,
                                                      field: str) -> None:  # fmt: skip
    results = _run(tmp_path / "run")
    (tmp_path / "golive.toml").write_text(toml, encoding="utf-8")
    done = _golive("verdict", str(results), cwd=tmp_path)
    assert done.returncode == 2
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1 and field in lines[0], done.stderr


def test_malformed_record_exits_2_naming_the_field(tmp_path: Path, keys: Keys) -> None:
    results = _run(tmp_path / "run")
    record = _record(tmp_path, results)
    record.write_text(record.read_text(encoding="utf-8").replace("expires:", "expiry:"),
                      encoding="utf-8")  # fmt: skip
    done = _golive("verdict", str(results), "--attestations", str(record.parent), cwd=tmp_path)
    assert done.returncode == 2
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 2 and "expires: Field required" in done.stderr  # missing + unknown
    assert all(str(record) in line for line in lines)


@pytest.mark.parametrize(("args", "field"), [
    (["ops.no-such"], "criterion: unknown criterion id"),
    ([CHECKED.id], "is automated"),
    ([REVIEW, "--expires", "2020-01-01"], "--expires: 2020-01-01 is in the past"),
    ([REVIEW, "--expires", "tomorrow"], "--expires"),
    ([REVIEW, "--by", "Tanaka San"], "--by"),
])  # fmt: skip
def test_attest_refuses_with_one_line(tmp_path: Path, args: list[str], field: str) -> None:
    results = _run(tmp_path / "run")
    done = (
        _golive("attest", *args, "--run", str(results), "--by", ALICE, cwd=tmp_path)
        if "--by" not in args
        else _golive("attest", *args, "--run", str(results), cwd=tmp_path)
    )
    assert done.returncode == 2, done.stdout
    assert field in done.stderr, done.stderr


def test_config_fields_load(tmp_path: Path, keys: Keys) -> None:
    (tmp_path / "golive.toml").write_text(
        f'approvers = ["{BOB}"]\nallowed_signers = "{keys.allowed}"\n'
        f'[[signoff]]\ncriterion = "{REVIEW}"\napprovers = ["{ALICE}"]\n',
        encoding="utf-8",
    )
    config = load_config(tmp_path / "golive.toml")
    assert config.approvers_for(REVIEW) == [ALICE]
    assert config.approvers_for("ops.final-review-performance") == [BOB]
