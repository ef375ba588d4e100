"""Sign-offs applied to a run: read the records, ask OpenSSH about their signatures, judge
each (golive.judging.signoff) and recompute the verdict; ``golive verdict`` then rewrites
the reports without running a check again.

Where records are: the ``attestations`` setting of golive.toml and ``--attestations``, each
a folder of record files (``golive attest`` writes one per criterion and signer, its
signature beside it as ``<file>.sig``), one record file, or a YAML list in the old
unsigned form (shown, never counted).
"""

from __future__ import annotations

import datetime as dt
import subprocess
from dataclasses import dataclass
from pathlib import Path

import yaml
from pydantic import ValidationError

from golive._errors import ConfigError
from golive._files import Unreadable, load_yaml_bounded, read_text_bounded, yaml_problem
from golive.catalog import Catalog, load_catalog
from golive.config import MAX_CONFIG_BYTES, Config, load_attestations
from golive.facts.sshsig import SshKeygenMissing, read_signature
from golive.history.store import folders_locked
from golive.judging.results import RunData, load_run_data, with_signoffs
from golive.judging.signoff import (
    RECORD_SCHEMA,
    RunRef,
    Signoff,
    SignoffRecord,
    judge_signoff,
    render_record,
    unsigned_legacy,
)

__all__ = [
    "RecordFile",
    "apply_signoffs",
    "judge_records",
    "load_records",
    "read_results",
    "record_paths",
    "reverdict",
    "write_record",
]

_SUFFIXES = (".yaml", ".yml")


@dataclass(frozen=True)
class RecordFile:
    """One signed-form record: its parsed fields, its exact bytes, where it and its
    signature are (``signature`` None: no .sig beside it)."""

    record: SignoffRecord
    text: bytes
    path: Path
    signature: Path | None


def record_paths(config: Config, extra: list[Path]) -> list[Path]:
    """The configured ``attestations`` path, then ``extra`` (``--attestations``)."""
    paths = [config.path(config.attestations)] if config.attestations else []
    return paths + [p.resolve() for p in extra]


def _problem(path: Path, exc: Exception) -> ConfigError:
    where = f" (line {exc.line})" if isinstance(exc, Unreadable) and exc.line else ""
    return ConfigError([f"attestations ({path}){where}: {exc}"])


def _parse(path: Path) -> SignoffRecord | list[object]:
    """A record mapping, or the raw list of the old form; ConfigError naming the field."""
    try:
        text = read_text_bounded(path, MAX_CONFIG_BYTES)
        raw = load_yaml_bounded(text)
    except Unreadable as exc:
        raise _problem(path, exc) from None
    except yaml.YAMLError as exc:
        line, message = yaml_problem(exc)
        where = f" (line {line})" if line else ""
        raise ConfigError([f"attestations ({path}){where}: not valid YAML: {message}"]) from None
    if isinstance(raw, list):
        return raw
    if not isinstance(raw, dict):
        raise ConfigError([f"attestations ({path}): must be a {RECORD_SCHEMA} record"])
    try:
        return SignoffRecord.model_validate(raw)
    except ValidationError as exc:
        lines = []
        for error in exc.errors():
            field = ".".join(str(part) for part in error["loc"]) or "record"
            message = "unknown field" if error["type"] == "extra_forbidden" else error["msg"]
            lines.append(f"attestations ({path}): {field}: {message.removeprefix('Value error, ')}")
        raise ConfigError(lines) from None


def load_records(
    config: Config, extra: list[Path], catalog: Catalog | None = None
) -> tuple[list[RecordFile], list[Signoff]]:
    """Every record the config and ``extra`` name: the signed form, and the old unsigned
    list's entries (already judged: they never count). A malformed file: ConfigError."""
    catalog = catalog or load_catalog()
    signed: list[RecordFile] = []
    legacy: list[Signoff] = []
    for root in record_paths(config, extra):
        if root.is_dir():
            files = sorted(p for p in root.iterdir() if p.suffix in _SUFFIXES and p.is_file())
        elif root.exists():
            files = [root]
        else:
            raise ConfigError([f"attestations: no such file or folder: {root}"])
        for path in files:
            parsed = _parse(path)
            if isinstance(parsed, list):
                old = Config(attestations=str(path), base_dir=path.parent)
                legacy += [
                    unsigned_legacy(a.criterion, a.by, a.date, a.expires, a.evidence, path.name)
                    for a in load_attestations(old)
                ]
                continue
            if parsed.criterion not in catalog:
                raise ConfigError([f"attestations ({path}): criterion: unknown criterion id"
                                   f" {parsed.criterion}"])  # fmt: skip
            sig = path.with_name(path.name + ".sig")
            signed.append(RecordFile(parsed, path.read_bytes(), path,
                                     sig if sig.is_file() else None))  # fmt: skip
    return signed, legacy


def judge_records(
    config: Config,
    data: RunData,
    signed: list[RecordFile],
    legacy: list[Signoff],
    today: dt.date,
) -> dict[str, Signoff]:
    """The sign-off shown for each criterion: the newest that counts, else the newest
    record's reason (every record's reason when several were refused)."""
    allowed = config.path(config.allowed_signers) if config.allowed_signers else None
    digest = data.checks_digest()
    judged: dict[str, list[Signoff]] = {}
    for item in signed:
        try:
            check = (
                read_signature(item.text, item.signature, allowed, item.record.by)
                if item.signature is not None
                else None
            )
        except (SshKeygenMissing, subprocess.TimeoutExpired, OSError) as exc:
            unchecked = _unchecked(item, f"its signature could not be checked: {exc}")
            judged.setdefault(item.record.criterion, []).append(unchecked)
            continue
        signoff = judge_signoff(
            item.record, check, source=item.path.name, allowed_signers=allowed is not None,
            approvers=config.approvers_for(item.record.criterion), run_id=data.run_id,
            run_digest=digest, today=today,
        )  # fmt: skip
        judged.setdefault(signoff.criterion, []).append(signoff)
    for signoff in legacy:
        judged.setdefault(signoff.criterion, []).append(signoff)
    chosen: dict[str, Signoff] = {}
    for criterion, items in judged.items():
        items.sort(key=lambda s: s.date or dt.date.min, reverse=True)
        counting = [s for s in items if s.counts]
        if counting:
            chosen[criterion] = counting[0]
        else:
            reasons = "; ".join(dict.fromkeys(s.reason for s in items))
            chosen[criterion] = items[0].model_copy(update={"reason": reasons})
    return chosen


def _unchecked(item: RecordFile, why: str) -> Signoff:
    """A record whose signature OpenSSH could not be asked about: shown, not counted."""
    r = item.record
    return Signoff(
        criterion=r.criterion, counts=False, by=r.by, date=r.date, expires=r.expires,
        evidence=r.evidence, run_id=r.run.id, run_verdict=r.run.verdict, signed=True,
        source=item.path.name, reason=f"record by {r.by}: {why}",
    )  # fmt: skip


def apply_signoffs(
    data: RunData,
    config: Config,
    extra: list[Path] | None = None,
    *,
    today: dt.date | None = None,
    records: tuple[list[RecordFile], list[Signoff]] | None = None,
) -> RunData:
    """``data`` with its human-process criteria judged on the records; verdict recomputed."""
    signed, legacy = records if records is not None else load_records(config, extra or [])
    today = today or dt.date.today()
    return with_signoffs(data, judge_records(config, data, signed, legacy, today), today)


def read_results(path: Path) -> RunData:
    """results.json of a finished run; ConfigError when it is not one."""
    try:
        return load_run_data(path)
    except (OSError, ValueError) as exc:
        first = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        raise ConfigError([f"results ({path}): not a golive results.json: {first}"]) from None


def reverdict(
    results: Path,
    config: Config,
    extra: list[Path],
    output: Path | None = None,
    *,
    today: dt.date | None = None,
) -> RunData:
    """Recompute the verdict of the run in ``results`` with the sign-offs, and rewrite its
    reports into ``output`` (default: beside results.json). No check runs."""
    data = read_results(results)
    if data.run_id is None:
        raise ConfigError([f"results ({results}): run_id: missing (written by a golive before"
                           " sign-offs named runs); run the profile again"])  # fmt: skip
    judged = apply_signoffs(data, config, extra, today=today)
    folder = output or results.parent
    from golive.report import write_reports  # the reporters load only when writing

    with folders_locked(folder):
        write_reports(judged, folder, catalog=load_catalog())
    return judged


def write_record(
    criterion: str,
    results: Path,
    *,
    by: str,
    expires: dt.date,
    evidence: str | None,
    output: Path,
    today: dt.date | None = None,
) -> SignoffRecord:
    """Write the record for ``criterion`` of the run in ``results``; ConfigError naming the
    field when it cannot be written."""
    today = today or dt.date.today()
    catalog = load_catalog()
    if criterion not in catalog:
        raise ConfigError([f"criterion: unknown criterion id {criterion}"])
    if catalog.get(criterion).automated:
        raise ConfigError([f"criterion: {criterion} is automated: its checks judge it"])
    data = read_results(results)
    if data.run_id is None:
        raise ConfigError([f"--run: {results} has no run_id (written before sign-offs named"
                           " runs); run the profile again"])  # fmt: skip
    if criterion not in {c.id for c in data.criteria}:
        raise ConfigError([f"criterion: {criterion} is not in the scope of run {data.run_id}"])
    if expires < today:
        raise ConfigError([f"--expires: {expires} is in the past"])
    signature = output.with_name(output.name + ".sig")
    if signature.exists():
        raise ConfigError([f"-o: {signature} exists: a signed record is never overwritten"])
    record = SignoffRecord.model_validate({
        "schema": "golive.attestation/1", "criterion": criterion, "by": by, "date": today,
        "expires": expires, "run": RunRef(
            id=data.run_id, verdict=data.verdict.value, profile=data.profile, env=data.env,
            results=data.checks_digest()),
        "evidence": evidence or f"read the readiness report of run {data.run_id}"
                                f" ({data.verdict.value})",
    })  # fmt: skip
    output.parent.mkdir(parents=True, exist_ok=True)
    output.write_text(render_record(record), encoding="utf-8")
    return record
