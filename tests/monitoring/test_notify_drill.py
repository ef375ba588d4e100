"""Detect-to-notify drill (目標: 異常検知から通知までの時間 5分以内). Disruptive.

Each alarm on the HTTP error rate (the anomaly the 5-minute goal guards) is put into
ALARM with ``SetAlarmState``, and golive times how long until the team's receiver shows
the alarm's notification; the alarm is then set back to its previous state.

On real CloudWatch, SetAlarmState makes CloudWatch fire the alarm's actions itself. A
local emulator (moto) neither evaluates alarms nor fires their actions, so there golive
stands in for CloudWatch: it publishes the notification CloudWatch would send (same
subject and JSON message) to the alarm's SNS action topics, and SNS delivers it to the
topic's subscriptions. The time measured is then SNS delivery to the receiver; the
evidence says so. Delivery can only be timed to a receiver that lists what it received
(the demo's webhook sink); for a real Slack channel the drill is not verified.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from contextlib import closing
from typing import Any

import pytest

import golive
from golive import CriterionContext, Evidence
from golive.config import Environment
from golive.facts.live import aws
from golive.facts.live import webhook as notify

DRILL_TIMEOUT_S = 60.0  # fail when nothing arrives by then, rather than wait out the goal
_TO_SECONDS = {"min": 60.0, "s": 1.0, "ms": 0.001}
_CLOCK_SLACK_S = 5.0  # the receiver's clock may differ from ours by this much


def _receivers(sns: Any, alarm: aws.Alarm) -> tuple[list[str], list[str]]:
    """(observable receivers, all endpoints) subscribed to the alarm's topics."""
    endpoints = [
        endpoint
        for topic in alarm.topics
        for protocol, endpoint in aws.subscription_endpoints(sns, topic)
        if protocol in ("http", "https")
    ]
    observable = [url for url in endpoints if notify.read_sink(url) is not None]
    return observable, endpoints


@pytest.mark.criterion("mon.detect-to-notify")
def test_alarm_reaches_the_team_in_time(
    criterion: CriterionContext,
    evidence: Evidence,
    disruptive: Environment,
    aws_client: Callable[[str], Any],
) -> None:
    assert criterion.threshold is not None
    goal_s = criterion.threshold.value * _TO_SECONDS[criterion.threshold.unit]
    timeout_s = min(goal_s, DRILL_TIMEOUT_S)
    region = disruptive.aws_region
    stand_in = aws.is_moto(disruptive.aws_endpoint_url)
    with closing(aws_client("cloudwatch")) as cw, closing(aws_client("sns")) as sns:
        drilled = [a for a in aws.list_alarms(cw) if "error-rate" in a.kinds]
        evidence.record("error-rate alarms", len(drilled), "alarms",
                        alarms=[a.describe() for a in drilled])  # fmt: skip
        if not drilled:
            raise AssertionError("no alarm watches the error rate: the anomaly is never detected")
        silent = [f"{a.name} {a.why_silent()}" for a in drilled if not a.notifies]
        if silent:
            raise AssertionError("nothing can be delivered: " + "; ".join(silent))
        observable: dict[str, list[str]] = {}
        for alarm in drilled:
            observable[alarm.name], endpoints = _receivers(sns, alarm)
            if not observable[alarm.name]:
                golive.not_verified(
                    f"{alarm.name}: no subscription of its topics lists what it received "
                    f"({len(endpoints)} http(s) endpoint(s)); delivery to the team's channel "
                    "cannot be timed automatically")  # fmt: skip
            if alarm.state == "ALARM":
                golive.not_verified(f"{alarm.name} is in ALARM already: a drill would not "
                                    "change its state")  # fmt: skip
        if stand_in:
            evidence.note(
                "moto neither evaluates alarms nor fires alarm actions: golive set each "
                "alarm's state with SetAlarmState and published the notification CloudWatch "
                "would send to the alarm's SNS topics itself; moto's SNS delivered it over "
                "HTTP. Measured: from the state change to the message's arrival at the "
                "receiver (not CloudWatch's evaluation, which moto does not do)")  # fmt: skip
        else:
            evidence.note("CloudWatch fired the alarm actions on SetAlarmState; measured: from "
                          "the state change to the message's arrival at the receiver")  # fmt: skip
        slowest = 0.0
        for alarm in drilled:
            slowest = max(slowest, _drill(cw, sns, alarm, observable[alarm.name], region,
                                          stand_in, timeout_s, evidence))  # fmt: skip
    criterion.expect(slowest / _TO_SECONDS[criterion.threshold.unit],
                     name="slowest alarm, state change to notification listed")  # fmt: skip


def _drill(
    cw: Any,
    sns: Any,
    alarm: aws.Alarm,
    receivers: list[str],
    region: str,
    stand_in: bool,
    timeout_s: float,
    evidence: Evidence,
) -> float:
    """Set ALARM, wait for the notification, set the old state back; seconds taken."""
    marker = notify.drill_marker("golive-drill")
    reason = f"golive detect-to-notify drill {marker}"
    started = time.time()
    aws.set_alarm_state(cw, alarm.name, "ALARM", reason)
    try:
        message_ids = []
        if stand_in:
            message = aws.alarm_notification(alarm, reason=reason, old_state=alarm.state,
                                             region=region)  # fmt: skip
            message_ids = aws.publish_alarm_notification(sns, alarm, message, region)
        delivery = notify.wait_for(receivers, marker, timeout_s=timeout_s)
    finally:
        aws.set_alarm_state(cw, alarm.name, alarm.state or "OK",
                            f"golive drill {marker} over: state restored")  # fmt: skip
    if delivery is None:
        raise AssertionError(
            f"{alarm.name}: no notification reached the receivers "
            f"({', '.join(notify.redact(u) for u in receivers)}) within {timeout_s:.0f} s"
        )
    arrived = delivery.entry.received_at
    if not started - _CLOCK_SLACK_S <= arrived <= delivery.seen_at + _CLOCK_SLACK_S:
        arrived = delivery.seen_at  # the receiver's clock is off: use when golive saw it
    seconds = max(arrived - started, 0.0)
    evidence.record(f"{alarm.name}: state change to notification", round(seconds, 3), "s",
                    receiver=notify.redact(delivery.url), published_by_golive=stand_in,
                    sns_message_ids=message_ids, restored_state=alarm.state or "OK")  # fmt: skip
    return seconds
