"""The monthly infrastructure cost analysis (月次: インフラコスト分析) and the cost forecast
(キャパシティプランニング: コスト予測), read from the AWS account: Cost Explorer (last full
months by service and by the ``cost_allocation_tag``, the month's forecast) and AWS Budgets.

What stays human (which optimisation to make, the budget's amount) stays an attestation:
routine.cost-optimization-proposals, routine.cost-reduction-proposals, routine.budget-proposal.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import closing, contextmanager
from datetime import UTC, datetime
from typing import Any

import pytest

import golive
from golive import CriterionContext, Evidence
from golive.config import Environment
from golive.facts.live import cost
from golive.rules import cost as cost_rules


@contextmanager
def _reachable() -> Iterator[None]:
    """An account that cannot be reached or signed for is not verified, never an error."""
    from botocore.exceptions import EndpointConnectionError, NoCredentialsError

    try:
        yield
    except (EndpointConnectionError, NoCredentialsError) as exc:
        golive.not_verified(f"AWS not reachable: {type(exc).__name__}")


@pytest.fixture(scope="module")
def months(aws_client: Callable[[str], Any], golive_env: Environment) -> list[cost.Month]:
    """The last two full months; not verified when Cost Explorer holds no cost for them."""
    with closing(aws_client("ce")) as ce, _reachable():
        found = cost.cost_by_month(ce, golive_env.cost_allocation_tag, datetime.now(UTC).date())
    if not found or found[-1].total <= 0:
        golive.not_verified("Cost Explorer holds no cost for the last full month")
    return found


@pytest.fixture(scope="module")
def budgets(aws_client: Callable[[str], Any]) -> list[cost.Budget]:
    with closing(aws_client("sts")) as sts, closing(aws_client("budgets")) as client, \
            _reachable():  # fmt: skip
        return cost.read_budgets(client, cost.account_id(sts))


def _report(evidence: Evidence, months: list[cost.Month]) -> None:
    for month in months:
        evidence.record(f"cost {month.start:%Y-%m}", month.total, month.unit,
                        source="Cost Explorer GetCostAndUsage", estimated=month.estimated,
                        by_service={k: round(v, 2) for k, v in sorted(
                            month.by_service.items(), key=lambda kv: -kv[1])},
                        by_tag={k or "(untagged)": round(v, 2)
                                for k, v in sorted(month.by_tag.items())})  # fmt: skip


@pytest.mark.criterion("routine.cost-by-resource")
def test_cost_is_attributed_to_owners(
    criterion: CriterionContext, evidence: Evidence, months: list[cost.Month],
    golive_env: Environment,
) -> None:
    """Last month's cost carries the cost allocation tag, all but the catalog's share."""
    last = months[-1]
    _report(evidence, [last])
    tag = golive_env.cost_allocation_tag
    for finding in cost_rules.untagged_findings(last, tag):
        evidence.record("untagged cost", last.by_tag.get("", 0.0), last.unit, finding=str(finding))
    criterion.expect(cost_rules.untagged_percent(last), unit="%",
                     name=f"share of last month's cost without a {tag} tag")  # fmt: skip


@pytest.mark.criterion("routine.monthly-cost-report")
def test_monthly_cost_report(
    criterion: CriterionContext, evidence: Evidence, months: list[cost.Month]
) -> None:
    """The report of last month's cost by service, with the change on the month before;
    a rise beyond the catalog's bar fails and names the services behind it."""
    limit = criterion.threshold
    assert limit is not None, "routine.monthly-cost-report needs a threshold in the catalog"
    _report(evidence, months)
    if len(months) < 2:
        golive.not_verified("Cost Explorer holds one month only: no change to report")
    before, last = months[-2], months[-1]
    if before.total <= 0:
        golive.not_verified(f"no cost in {before.start:%Y-%m} to compare with")
    rise = cost_rules.rise_percent(before, last)
    findings = cost_rules.rise_findings(before, last, limit.value)
    evidence.record("services behind the change", len(findings), "services",
                    findings=[str(f) for f in findings])  # fmt: skip
    criterion.expect(rise, unit="%", name=f"cost {last.start:%Y-%m} against {before.start:%Y-%m}")


@pytest.mark.criterion("routine.budget-plan")
def test_monthly_budget_with_alert(
    criterion: CriterionContext, evidence: Evidence, budgets: list[cost.Budget]
) -> None:
    """A monthly cost budget with a notification exists, and this month stays within it."""
    limit = criterion.threshold
    assert limit is not None, "routine.budget-plan needs a threshold in the catalog"
    for budget in budgets:
        evidence.record(f"budget {budget.name}", budget.limit, budget.unit,
                        source="AWS Budgets DescribeBudgets", type=budget.budget_type,
                        time_unit=budget.time_unit, actual=budget.actual,
                        forecast=budget.forecast,
                        notifications=budget.notifications)  # fmt: skip
    monthly = cost_rules.monthly_budget(budgets)
    if monthly is not None and monthly.limit > 0:
        evidence.measured = {"value": round(100 * monthly.actual / monthly.limit, 1),
                             "unit": limit.unit, "name": "monthly budget spent"}  # fmt: skip
    criterion.expect_no_findings(cost_rules.budget_findings(budgets, limit.value),
                                 what="monthly cost budget")  # fmt: skip


@pytest.mark.criterion("routine.cost-forecast")
def test_forecast_within_budget(
    criterion: CriterionContext, evidence: Evidence, budgets: list[cost.Budget],
    aws_client: Callable[[str], Any],
) -> None:
    """The forecast of this month's cost stays within the monthly budget."""
    monthly = cost_rules.monthly_budget(budgets)
    if monthly is None or monthly.limit <= 0:
        golive.not_verified("no monthly cost budget with an amount to set the forecast against")
    with closing(aws_client("ce")) as ce, _reachable():
        forecast = cost.cost_forecast(ce, datetime.now(UTC).date())
    if forecast is None and monthly.forecast > 0:
        forecast = cost.Forecast(monthly.forecast, monthly.unit,
                                 f"AWS Budgets ForecastedSpend of {monthly.name} "
                                 "(Cost Explorer gave no forecast)")  # fmt: skip
    if forecast is None:
        golive.not_verified("neither Cost Explorer nor AWS Budgets gives a forecast")
    evidence.record("forecast of this month", round(forecast.amount, 2), forecast.unit,
                    source=forecast.origin, budget=monthly.name, limit=monthly.limit)  # fmt: skip
    criterion.expect(100 * forecast.amount / monthly.limit, unit="%",
                     name=f"forecast against budget {monthly.name}")  # fmt: skip
