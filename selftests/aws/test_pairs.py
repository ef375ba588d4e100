"""Each AWS, notification and daily-routine check passes on the good stack and fails on
the broken one, for the defect the broken twin carries. Fail paths the broken stack does
not show (a web app that is down, an empty account) are proven in test_fail_paths.py.
"""

from __future__ import annotations

import pytest

from .conftest import RunningStack, Runs

pytestmark = [pytest.mark.slow, pytest.mark.xdist_group("heavy")]

# criterion -> what on the broken stack makes it fail (and a word its reason must contain)
BROKEN_DEFECT = {
    "sec.iam-policy": ("Action * / Resource * policy; console user without MFA", "Resource *"),
    "mon.app-logs": ("/app/application has no retention", "kept forever"),
    "mon.security-logs": ("/app/security has no retention", "kept forever"),
    "sec.security-groups": ("SSH open to 0.0.0.0/0", "tcp/22"),
    "sec.data-encryption": ("backup bucket without SSE and public access block", "finding"),
    "mon.system-logs": ("/app/system has no retention", "finding"),
    "mon.filter-errors": ("no error-level filter on /app/application", "finding"),
    "mon.filter-performance": ("latency filter emits 1, not $.latency_ms", "finding"),
    "mon.filter-security-events": ("no auth-failure filter on /app/security", "finding"),
    "mon.detect-to-notify": ("the critical 5xx-rate alarm has no actions", "no alarm actions"),
    "routine.error-logs": ("6 % of application log lines are errors", "required ≤ 1 %"),
    "routine.resource-usage": ("CPU datapoints at 97 % four hours ago", "measured 97"),
    "routine.alert-cpu": ("CPU alarm at 95 %", "measured 95"),
    "routine.alert-memory": ("memory alarm at 92 %", "measured 92"),
    "routine.alert-error-rate": ("5xx-rate alarm notifies no one", "notify no one"),
    "routine.unauthorized-access": ("30 denied requests from one IP within 90 s", "measured 30"),
    "routine.auth-failure-log": ("40 failed logins from one IP within 2 min", "measured 40"),
    "routine.config-change-history": ("security group change without actor or reference",
                                      "finding"),
    "routine.alert-unauthorized-access": ("forbidden alarm's actions disabled", "finding"),
    "routine.alert-critical-config-change": ("no alarm on ConfigChanges", "finding"),
    "routine.alert-auth-failure": ("no filter emits AuthFailures", "finding"),
    "routine.service-status": ("webhook_url names a retired receiver (nothing listens)",
                               "notifications"),
    "routine.slack-notification": ("webhook_url names a retired receiver (nothing listens)",
                                   "did not accept"),
    "perf.availability": ("the home-page canary was down 8 hours and at 50 % an hour a day",
                          "required ≥ 99.9 %"),
}  # fmt: skip
IMPLEMENTED = sorted(BROKEN_DEFECT)


@pytest.mark.parametrize("cid", IMPLEMENTED)
def test_passes_on_good(runs: Runs, cid: str) -> None:
    assert runs.good.status(cid) == "pass", runs.good.explain(cid)


@pytest.mark.parametrize("cid", sorted(BROKEN_DEFECT))
def test_fails_on_broken(runs: Runs, cid: str) -> None:
    defect, word = BROKEN_DEFECT[cid]
    assert runs.broken.status(cid) == "fail", f"{defect}: {runs.broken.explain(cid)}"
    assert word in (runs.broken.by_id[cid]["reason"] or ""), runs.broken.explain(cid)


def test_drill_is_honest_about_moto(runs: Runs) -> None:
    cid = "mon.detect-to-notify"
    notes = [e["value"] for e in runs.good.by_id[cid]["evidence"] if e["name"] == "note"]
    assert any("moto neither evaluates alarms nor fires alarm actions" in n for n in notes)
    timed = [e for e in runs.good.by_id[cid]["evidence"] if e.get("unit") == "s"]
    assert len(timed) == 2 and all(e["published_by_golive"] for e in timed), timed
    measured = runs.good.by_id[cid]["measured"]
    assert measured["unit"] == "min" and 0 <= measured["value"] < 0.5, measured


def test_drill_restores_alarm_state(runs: Runs, good_stack: RunningStack) -> None:
    from golive.demo import aws

    info = good_stack.info
    cw = aws.client("cloudwatch", info.aws_endpoint_url, info.aws_region)
    try:
        states = {a["AlarmName"]: a["StateValue"] for a in cw.describe_alarms()["MetricAlarms"]}
    finally:
        cw.close()
    assert "ALARM" not in states.values(), states


def test_daily_review_lists_what_it_found(runs: Runs) -> None:
    burst = runs.broken.evidence("routine.auth-failure-log", "busiest window")
    assert burst["sources"][0] == {"value": "203.0.113.77", "count": 40}
    errors = runs.broken.evidence("routine.error-logs", "error lines (24 h)")
    assert errors["value"] == 24
    assert errors["signatures"][0]["signature"].startswith("connection pool exhausted")
    changes = runs.good.evidence("routine.config-change-history", "configuration changes (24 h)")
    assert changes["changes"][0]["change_ref"] == "CHG-1042"


def test_no_secret_in_results(runs: Runs, good_stack: RunningStack) -> None:
    """The database URL's password and the webhook's path never reach the results."""
    password = good_stack.env["GOLIVE_DEMO_DATABASE_URL"].split("@")[0].rsplit(":", 1)[1]
    assert password and password not in runs.good.text
    assert "/hooks/slack" not in runs.good.text and "/hooks/sns" not in runs.good.text
