"""golive's console lines under plain pytest: a line per phase, attention, the verdict last."""

from __future__ import annotations

import re
from textwrap import dedent

import pytest

from golive.catalog import Kind, load_catalog
from golive.harness.console import ATTENTION_LINES, VERDICT_PREFIX, parse_spec

from .conftest import pick

BLOCKING = pick(severity="blocking")
MAJOR = pick(severity="major")
CI_AUTOMATED = [c for c in load_catalog().in_profile("ci") if c.automated]
LIVE = next(c for c in CI_AUTOMATED if c.kind is Kind.LIVE)


def checks(pytester: pytest.Pytester, body: str) -> None:
    pytester.makepyfile(test_checks="import time\nimport pytest\nimport golive\n" + dedent(body))


def lines(output: str) -> list[str]:
    return [line for line in output.splitlines() if line.strip()]


def test_verdict_block_comes_after_pytests_own_summary(pytester, golive_run):
    checks(pytester, f"""
        @pytest.mark.criterion("{MAJOR.id}")
        def test_major():
            assert False, "major defect\\nsecond line of the reason"

        @pytest.mark.criterion("{BLOCKING.id}")
        def test_blocking():
            assert False, "blocking defect"
    """)
    run = golive_run("--golive-profile=ci", "-p", "no:randomly")
    out = lines(run.output)
    assert run.ret == 1
    assert out[-1].startswith(f"{VERDICT_PREFIX} NO-GO · exit 1")
    # pytest's own output stays in a plain pytest run, before golive's block
    summary = next(i for i, line in enumerate(out) if re.search(r"\b2 failed\b", line))
    assert summary < len(out) - 1
    start = next(i for i, line in enumerate(out) if line.startswith("needs attention"))
    attention = [line for line in out[start:] if "defect" in line]
    assert [BLOCKING.id in attention[0], MAJOR.id in attention[1]] == [True, True]
    assert "second line" not in "\n".join(attention)  # first line of the reason only
    counts = next(line for line in out if line.startswith("golive: ") and "in scope" in line)
    assert "2 fail" in counts


def test_a_phase_line_when_its_last_criterion_is_judged(pytester, golive_run):
    checks(pytester, f"""
        @pytest.mark.criterion("{BLOCKING.id}")
        def test_static_a():
            pass

        @pytest.mark.criterion("{BLOCKING.id}")
        def test_static_b():
            assert False, "one of two checks fails"

        @pytest.mark.criterion("{MAJOR.id}")
        def test_static_c():
            pass

        @pytest.mark.criterion("{LIVE.id}")
        def test_live():
            golive.not_verified("target absent")
    """)
    run = golive_run("--golive-profile=ci", "-p", "no:randomly")
    phase = {line.split()[0]: line for line in lines(run.output)
             if re.match(r"(static|live) +done at", line)}  # fmt: skip
    # counts are of criteria (two checks of one criterion count once), as golive judges them
    assert phase["static"].endswith("2 criteria: 1 pass · 1 fail"), phase
    assert phase["live"].endswith("1 criterion: 1 not verified"), phase
    # the criteria of the profile without a check are counted once, at the end
    no_check = [line for line in lines(run.output) if "no check ran" in line]
    assert no_check and all("not verified" in line for line in no_check)
    total = sum(int(m) for line in lines(run.output)
                for m in re.findall(r"· (\d+) criteri(?:on|a):", line))  # fmt: skip
    assert total == len(run.results["criteria"])


def test_attention_is_capped_and_says_how_many_more(pytester, golive_run):
    failing = [c.id for c in CI_AUTOMATED][: ATTENTION_LINES + 5]
    body = "".join(f"""
        @pytest.mark.criterion("{cid}")
        def test_{n}():
            assert False, "defect {n}"
    """ for n, cid in enumerate(failing))
    checks(pytester, body)
    run = golive_run("--golive-profile=ci")
    out = lines(run.output)
    start = out.index(next(line for line in out if line.startswith("needs attention")))
    shown = out[start + 1 : start + 1 + ATTENTION_LINES]
    assert all(re.match(r"  (fail|not verified) ", line) for line in shown), shown
    more = out[start + 1 + ATTENTION_LINES]
    grouped = sum(int(n) for n in re.findall(r"(\d+) criteria: ", "\n".join(shown)))
    single = sum(1 for line in shown if " criteria: " not in line)
    attention = sum(1 for c in run.results["criteria"] if c["status"] != "pass")
    assert more == f"  … and {attention - grouped - single} more (see summary.md)"
    # blocking first
    severities = [line.split()[1] if line.startswith("  fail") else line.split()[2]
                  for line in shown]  # fmt: skip
    order = {"blocking": 0, "major": 1, "minor": 2}
    assert [order[s] for s in severities] == sorted(order[s] for s in severities)


def test_shared_reasons_share_a_line(pytester, golive_run):
    checks(pytester, f"""
        @pytest.mark.criterion("{BLOCKING.id}")
        def test_one():
            pass
    """)
    run = golive_run("--golive-profile=ci")
    without = [c for c in run.results["criteria"]
               if c["severity"] == "blocking" and c["reason"] == "no automated check"]
    line = next(line for line in lines(run.output) if "no automated check (" in line
                and "blocking" in line)  # fmt: skip
    assert f"{len(without)} criteria: no automated check" in line


def test_unverified_allowed_is_said_in_the_verdict_line(pytester, golive_run):
    checks(pytester, f"""
        @pytest.mark.criterion("{BLOCKING.id}")
        def test_absent():
            golive.not_verified("target absent")
    """)
    run = golive_run("--golive-profile=ci", "--golive-allow-unverified")
    assert run.ret == 0
    assert lines(run.output)[-1].startswith(
        f"{VERDICT_PREFIX} UNVERIFIED (allowed by --allow-unverified) · exit 0"
    )
    strict = golive_run("--golive-profile=ci")
    assert strict.ret == 4
    assert lines(strict.output)[-1].startswith(f"{VERDICT_PREFIX} UNVERIFIED · exit 4")


def test_console_lines_under_xdist(pytester, golive_run):
    checks(pytester, f"""
        @pytest.mark.criterion("{BLOCKING.id}")
        @pytest.mark.parametrize("n", range(4))
        def test_static(n):
            assert n != 3, "the fourth check fails"

        @pytest.mark.criterion("{LIVE.id}")
        def test_live():
            pass
    """)
    run = golive_run("--golive-profile=ci", "-n", "2", subprocess=True)
    out = lines(run.output)
    assert run.ret == 1
    # the controller never collects: a worker's first report tells it what to wait for
    assert any(re.match(r"static +done at .* · 1 criterion: 1 fail$", line) for line in out), out
    assert any(re.match(r"live +done at .* · 1 criterion: 1 pass$", line) for line in out), out
    assert out[-1].startswith(f"{VERDICT_PREFIX} NO-GO · exit 1")


def test_long_phase_heartbeat_is_plain_lines(pytester, golive_run):
    checks(pytester, f"""
        @pytest.mark.criterion("{BLOCKING.id}")
        @pytest.mark.parametrize("n", range(4))
        def test_slow(n):
            time.sleep(0.3)
    """)
    run = golive_run("--golive-profile=ci", "--golive-console=every=0.2")
    beats = [line for line in lines(run.output) if "criteria judged: static 0/1" in line]
    assert beats, run.output
    assert "\r" not in run.output


def test_console_spec():
    spec = parse_spec("fd=7,tty,width=100,every=0.5")
    assert (spec.fd, spec.tty, spec.width, spec.every_s) == (7, True, 100, 0.5)
    assert parse_spec(None).fd is None
    with pytest.raises(pytest.UsageError, match="--golive-console"):
        parse_spec("fd=seven")
