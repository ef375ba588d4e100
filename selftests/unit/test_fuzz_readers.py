"""Property-based tests of golive's readers of input it did not write (issue 13, item 5).

Whatever bytes or values arrive, the config and records readers answer with a Config, the
records, or a ConfigError of one-line problems; the repository reader with a Document or a
Finding (a NotVerified for a file over its size limit); the bounded YAML reader with data,
a YAML error or a refusal. Never another exception, never a traceback. Each test prints how
many cases it ran.
"""

from __future__ import annotations

import contextlib
import math
import string
import tempfile
from collections.abc import Callable
from pathlib import Path

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from golive import ConfigError
from golive._errors import NotVerified
from golive._files import Unreadable, load_yaml_bounded
from golive.config import Config, load_attestations, load_config, load_waivers
from golive.facts.repo.structured import Document, load_structured
from golive.judging.findings import Finding

EXAMPLES = 100
FUZZ = settings(max_examples=EXAMPLES, deadline=None, database=None,
                suppress_health_check=[HealthCheck.too_slow])

# TOML values of every type, the strings golive's fields hold, and hostile ones
_SCALARS = st.one_of(
    st.booleans(), st.integers(min_value=-(2**63), max_value=2**63 - 1),
    st.floats(allow_nan=True, allow_infinity=True),
    st.sampled_from(["yes", "150", "", " ", "env:X", "env:", "http://127.0.0.1:8000",
                     "http://u:p@127.0.0.1", "postgresql://h/db?password=x",
                     "host=h password=x", "2027-13-45", "\x00", "${HOME}", "🙂"]),
    st.text(max_size=30),
)
_KEYS = st.sampled_from([
    "repo", "base_url", "database_url", "disruptive", "production", "aws_region",
    "webhook_url", "github_token", "zap_api_url", "exports_dir", "bogus",
])
_THRESHOLD_IDS = st.sampled_from(["db.connect-time", "cicd.coverage", "perf.error-rate",
                                  "sec.critical-vulns", "routine.budget-plan", "no.such"])


def _toml_value(value: object) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        if math.isnan(value):
            return "nan"
        if math.isinf(value):
            return "inf" if value > 0 else "-inf"
        return repr(value)
    text = str(value)
    escaped = "".join(
        c if c in string.printable and c not in '"\\\r\n\t\x0b\x0c' else f"\\u{ord(c):04x}"
        if ord(c) < 0x10000 else f"\\U{ord(c):08x}" for c in text)
    return f'"{escaped}"'


def _counted(test: Callable[[], int], name: str, capsys: pytest.CaptureFixture[str]) -> None:
    runs = test()
    with capsys.disabled():
        print(f"\n[fuzz] {name}: {runs} cases")
    assert runs > 0


def _one_line_problems(exc: ConfigError) -> None:
    assert exc.problems
    assert all(isinstance(p, str) and p and "\n" not in p for p in exc.problems)


def test_load_config_on_random_tables(capsys: pytest.CaptureFixture[str]) -> None:
    runs = 0

    @FUZZ
    @given(fields=st.dictionaries(_KEYS, _SCALARS, max_size=6),
           thresholds=st.dictionaries(_THRESHOLD_IDS, _SCALARS, max_size=3),
           top=st.dictionaries(st.sampled_from(["default_env", "history_dir", "approvers"]),
                               _SCALARS, max_size=2))
    def check(fields: dict[str, object], thresholds: dict[str, object],
              top: dict[str, object]) -> None:
        nonlocal runs
        runs += 1
        lines = [f"{k} = {_toml_value(v)}" for k, v in top.items()]
        lines += ["[environments.demo]"] + [f"{k} = {_toml_value(v)}" for k, v in fields.items()]
        lines += ["[environments.demo.thresholds]"]
        lines += [f'"{k}" = {_toml_value(v)}' for k, v in thresholds.items()]
        with tempfile.TemporaryDirectory() as folder:
            path = Path(folder) / "golive.toml"
            path.write_text("\n".join(lines) + "\n", encoding="utf-8")
            try:
                config = load_config(path)
            except ConfigError as exc:
                _one_line_problems(exc)
                assert not any("p@" in p or "password=x" in p for p in exc.problems)
                return
        assert isinstance(config, Config)
        environment = config.environments["demo"]
        # what was accepted is what was meant: no coercion happened
        assert isinstance(environment.disruptive, bool)
        assert all(math.isfinite(v) for v in environment.thresholds.values())
        for key in ("disruptive", "production"):
            if key in fields:
                assert fields[key] is getattr(environment, key)

    check()
    _counted(lambda: runs, "load_config (random tables)", capsys)


def test_load_config_on_random_bytes(capsys: pytest.CaptureFixture[str]) -> None:
    runs = 0

    @FUZZ
    @given(data=st.binary(max_size=300) | st.text(max_size=200).map(str.encode))
    def check(data: bytes) -> None:
        nonlocal runs
        runs += 1
        with tempfile.TemporaryDirectory() as folder:
            path = Path(folder) / "golive.toml"
            path.write_bytes(data)
            try:
                load_config(path)
            except ConfigError as exc:
                _one_line_problems(exc)

    check()
    _counted(lambda: runs, "load_config (random bytes)", capsys)


_RECORD_VALUES = st.one_of(
    _SCALARS, st.dates().map(str), st.dates(), st.datetimes(),
    st.lists(st.integers(), max_size=3), st.dictionaries(st.text(max_size=5), st.integers(),
                                                         max_size=2))
_RECORD = st.dictionaries(
    st.sampled_from(["criterion", "reason", "approver", "expires", "by", "date", "evidence",
                     "extra"]),
    _RECORD_VALUES, max_size=6,
).map(lambda r: {"criterion": "ops.acceptance-tests", **r} if "criterion" not in r else r)


@pytest.mark.parametrize("kind", ["waivers", "attestations"])
def test_records_readers(kind: str, capsys: pytest.CaptureFixture[str]) -> None:
    runs = 0
    loader = load_waivers if kind == "waivers" else load_attestations

    @FUZZ
    @given(payload=st.one_of(
        st.lists(_RECORD, max_size=4).map(
            lambda records: yaml.safe_dump(records, allow_unicode=True).encode()),
        st.binary(max_size=200),
        st.text(max_size=200).map(str.encode),
    ))
    def check(payload: bytes) -> None:
        nonlocal runs
        runs += 1
        with tempfile.TemporaryDirectory() as folder:
            (Path(folder) / "records.yaml").write_bytes(payload)
            config = Config(**{kind: "records.yaml"}, base_dir=Path(folder))
            try:
                records = loader(config)
            except ConfigError as exc:
                _one_line_problems(exc)
                return
        for record in records:
            assert record.signer().strip()
            assert record.expires >= getattr(record, "date", record.expires)

    check()
    _counted(lambda: runs, f"load_{kind}", capsys)


@pytest.mark.parametrize("name", ["vercel.json", "docker-compose.yml"])
def test_repository_reader(name: str, capsys: pytest.CaptureFixture[str]) -> None:
    runs = 0
    nested = st.recursive(
        st.none() | st.booleans() | st.integers() | st.text(max_size=8),
        lambda inner: st.lists(inner, max_size=4)
        | st.dictionaries(st.text(max_size=5), inner, max_size=4),
        max_leaves=30)

    @FUZZ
    @given(payload=st.one_of(
        st.binary(max_size=400),
        st.text(max_size=300).map(str.encode),
        nested.map(lambda v: yaml.safe_dump(v).encode()),
        st.integers(min_value=1, max_value=3000).map(lambda d: b"[" * d + b"]" * d),
        st.integers(min_value=1, max_value=3000).map(lambda d: b"a:\n" + b"- " * d + b"x\n"),
    ))
    def check(payload: bytes) -> None:
        nonlocal runs
        runs += 1
        with tempfile.TemporaryDirectory() as folder:
            repo = Path(folder)
            (repo / name).write_bytes(payload)
            try:
                loaded = load_structured(repo, repo / name)
            except NotVerified as exc:
                assert name in exc.reason
                return
        assert isinstance(loaded, Document | Finding)
        if isinstance(loaded, Finding):
            assert loaded.file == name and loaded.message

    check()
    _counted(lambda: runs, f"load_structured ({name})", capsys)


def test_bounded_yaml_reader(capsys: pytest.CaptureFixture[str]) -> None:
    runs = 0
    anchors = st.integers(min_value=1, max_value=12).flatmap(
        lambda n: st.integers(min_value=1, max_value=12).map(
            lambda width: "a0: &a0 [x]\n" + "".join(
                f"a{i}: &a{i} [" + ",".join([f"*a{i - 1}"] * width) + "]\n"
                for i in range(1, n))))

    @FUZZ
    @given(text=st.one_of(st.text(max_size=200), anchors))
    def check(text: str) -> None:
        nonlocal runs
        runs += 1
        with contextlib.suppress(yaml.YAMLError, Unreadable):  # anything else fails
            load_yaml_bounded(text, getattr(yaml, "CSafeLoader", yaml.SafeLoader))

    check()
    _counted(lambda: runs, "load_yaml_bounded", capsys)
