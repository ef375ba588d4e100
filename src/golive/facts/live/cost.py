"""AWS cost records: Cost Explorer and AWS Budgets through boto3, never judged here.

- ``ce.get_cost_and_usage``: the last full months, MONTHLY, ``UnblendedCost``, grouped by
  ``SERVICE`` and by the cost allocation tag in one request (two group keys per row);
- ``ce.get_cost_forecast``: from today to the end of the month;
- ``budgets.describe_budgets`` (+ ``describe_notifications_for_budget``) for the account
  ``sts.get_caller_identity`` names.

Cost Explorer is a global endpoint (``us-east-1``). moto (the demo and the self-tests)
answers ``get_cost_and_usage`` from results queued through its moto-api and has no
``get_cost_forecast``: there the budget's own forecast (``CalculatedSpend.
ForecastedSpend``, which AWS Budgets computes) is used, and the origin says so.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

from botocore.exceptions import BotoCoreError, ClientError

from golive._errors import NotVerified
from golive._net import is_loopback
from golive.facts.live.aws import is_moto

__all__ = [
    "METRIC",
    "Budget",
    "Forecast",
    "Month",
    "account_id",
    "cost_by_month",
    "cost_forecast",
    "month_start",
    "read_budgets",
]

METRIC = "UnblendedCost"
_ACCEPTED = "accepted: Cost Explorer ResultsByTime with SERVICE and TAG groups"


@dataclass(frozen=True)
class Month:
    start: date
    total: float
    unit: str
    estimated: bool  # Cost Explorer's own flag: the month's figures may still change
    by_service: dict[str, float] = field(default_factory=dict)
    by_tag: dict[str, float] = field(default_factory=dict)  # "" = no tag value


@dataclass(frozen=True)
class Forecast:
    amount: float
    unit: str
    origin: str


@dataclass(frozen=True)
class Budget:
    name: str
    budget_type: str
    time_unit: str
    limit: float
    unit: str
    actual: float
    forecast: float
    notifications: int


def month_start(day: date, back: int = 0) -> date:
    """The first day of ``day``'s month, ``back`` months earlier."""
    index = day.year * 12 + day.month - 1 - back
    return date(index // 12, index % 12 + 1, 1)


def _fail(service: str, operation: str, exc: Exception) -> NotVerified:
    if isinstance(exc, ClientError):
        error = exc.response.get("Error", {})
        why = f"{error.get('Code', '?')}: {error.get('Message', '')}".strip(": ")
    else:
        why = type(exc).__name__
    return NotVerified(f"{service} {operation} could not be read ({why})")


def _amount(metrics: object) -> tuple[float, str]:
    value = metrics.get(METRIC) if isinstance(metrics, dict) else None
    if not isinstance(value, dict) or "Amount" not in value:
        raise NotVerified(f"unrecognised format: no {METRIC} amount ({_ACCEPTED})")
    try:
        return float(value["Amount"]), str(value.get("Unit") or "USD")
    except (TypeError, ValueError):
        raise NotVerified(f"unrecognised format: amount {value['Amount']!r}") from None


def _month(raw: dict[str, Any], tag_key: str) -> Month:
    period = raw.get("TimePeriod") or {}
    try:
        start = date.fromisoformat(str(period.get("Start")))
    except ValueError:
        raise NotVerified(f"unrecognised format: TimePeriod {period!r} ({_ACCEPTED})") from None
    by_service: dict[str, float] = defaultdict(float)
    by_tag: dict[str, float] = defaultdict(float)
    unit = "USD"
    for group in raw.get("Groups") or []:
        keys = group.get("Keys") if isinstance(group, dict) else None
        if not isinstance(keys, list) or len(keys) != 2:
            raise NotVerified(f"unrecognised format: group keys {keys!r} ({_ACCEPTED})")
        amount, unit = _amount(group.get("Metrics"))
        by_service[str(keys[0])] += amount
        tag = str(keys[1])
        # Cost Explorer writes "Project$web"; "Project$" is cost without the tag
        value = tag.split("$", 1)[1] if tag.startswith(f"{tag_key}$") else tag
        by_tag[value] += amount
    return Month(start, round(sum(by_service.values()), 2), unit,
                 bool(raw.get("Estimated")), dict(by_service), dict(by_tag))  # fmt: skip


def cost_by_month(ce: Any, tag_key: str, today: date, months: int = 2) -> list[Month]:
    """The last ``months`` full months, oldest first, each by service and by tag."""
    request: dict[str, Any] = {
        "TimePeriod": {"Start": month_start(today, months).isoformat(),
                       "End": month_start(today).isoformat()},
        "Granularity": "MONTHLY",
        "Metrics": [METRIC],
        "GroupBy": [{"Type": "DIMENSION", "Key": "SERVICE"}, {"Type": "TAG", "Key": tag_key}],
    }  # fmt: skip
    rows: dict[str, dict[str, Any]] = {}
    try:
        while True:
            answer = ce.get_cost_and_usage(**request)
            for raw in answer.get("ResultsByTime") or []:
                start = str((raw.get("TimePeriod") or {}).get("Start"))
                merged = rows.setdefault(start, {**raw, "Groups": []})
                merged["Groups"] = merged["Groups"] + list(raw.get("Groups") or [])
            token = answer.get("NextPageToken")
            if not token:
                break
            request["NextPageToken"] = token
    except (ClientError, BotoCoreError) as exc:
        raise _fail("Cost Explorer", "GetCostAndUsage", exc) from None
    return sorted((_month(raw, tag_key) for raw in rows.values()), key=lambda m: m.start)


def cost_forecast(ce: Any, today: date) -> Forecast | None:
    """Cost Explorer's forecast of this month's total; None when it gives none."""
    end = month_start(today + timedelta(days=32))
    endpoint = getattr(ce.meta, "endpoint_url", None)
    if endpoint and is_loopback(endpoint) and is_moto(endpoint):
        return None  # moto has no GetCostForecast (it answers 500, retried at length)
    try:
        answer = ce.get_cost_forecast(
            TimePeriod={"Start": today.isoformat(), "End": end.isoformat()},
            Metric="UNBLENDED_COST", Granularity="MONTHLY",
        )
    except (ClientError, BotoCoreError):
        return None  # not enough history, not allowed, or an emulator without it
    total = answer.get("Total")
    if not isinstance(total, dict) or "Amount" not in total:
        return None
    return Forecast(float(total["Amount"]), str(total.get("Unit") or "USD"),
                    "Cost Explorer GetCostForecast")  # fmt: skip


def account_id(sts: Any) -> str:
    try:
        return str(sts.get_caller_identity()["Account"])
    except (ClientError, BotoCoreError) as exc:
        raise _fail("STS", "GetCallerIdentity", exc) from None


def _spend(raw: dict[str, Any], key: str) -> float:
    value = (raw.get("CalculatedSpend") or {}).get(key) or {}
    try:
        return float(value.get("Amount") or 0)
    except (TypeError, ValueError):
        return 0.0


def read_budgets(budgets: Any, account: str) -> list[Budget]:
    """Every budget of the account with its spend and its number of notifications."""
    found: list[Budget] = []
    try:
        pages = budgets.get_paginator("describe_budgets").paginate(AccountId=account)
        for page in pages:
            for raw in page.get("Budgets") or []:
                name = str(raw.get("BudgetName"))
                limit = (raw.get("BudgetLimit") or {})
                notes = budgets.describe_notifications_for_budget(
                    AccountId=account, BudgetName=name
                ).get("Notifications") or []
                found.append(Budget(
                    name=name, budget_type=str(raw.get("BudgetType") or ""),
                    time_unit=str(raw.get("TimeUnit") or ""),
                    limit=float(limit.get("Amount") or 0), unit=str(limit.get("Unit") or "USD"),
                    actual=_spend(raw, "ActualSpend"), forecast=_spend(raw, "ForecastedSpend"),
                    notifications=len(notes),
                ))  # fmt: skip
    except (ClientError, BotoCoreError) as exc:
        raise _fail("AWS Budgets", "DescribeBudgets", exc) from None
    return found
