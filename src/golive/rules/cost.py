"""Monthly cost analysis (月次: インフラコスト分析) as figures and findings: cost no owner tag
accounts for (リソース別コスト), the month-on-month rise by service (月次コストレポート), the
monthly budget and its alert (予算計画), and the forecast against it (コスト予測)."""

from __future__ import annotations

from golive.facts.live.cost import Budget, Month
from golive.judging.findings import Finding

__all__ = [
    "budget_findings",
    "monthly_budget",
    "rise_findings",
    "rise_percent",
    "untagged_findings",
    "untagged_percent",
]


def _money(amount: float, unit: str) -> str:
    return f"{amount:,.2f} {unit}"


def untagged_percent(month: Month) -> float:
    """Percent of the month's cost with no value of the cost allocation tag."""
    if month.total <= 0:
        raise ValueError("the month has no cost")
    return 100.0 * month.by_tag.get("", 0.0) / month.total


def untagged_findings(month: Month, tag_key: str) -> list[Finding]:
    untagged = month.by_tag.get("", 0.0)
    if untagged <= 0:
        return []
    return [Finding(f"cost {month.start:%Y-%m}", None,
                    f"{_money(untagged, month.unit)} of {_money(month.total, month.unit)} "
                    f"carries no {tag_key} tag")]  # fmt: skip


def rise_percent(before: Month, last: Month) -> float:
    """Change of the total from ``before`` to ``last``, in percent of ``before``."""
    if before.total <= 0:
        raise ValueError(f"no cost in {before.start:%Y-%m} to compare with")
    return 100.0 * (last.total - before.total) / before.total


def rise_findings(before: Month, last: Month, limit_percent: float) -> list[Finding]:
    """Services whose cost rose by more than ``limit_percent`` (or appeared) last month."""
    found = []
    for service, amount in sorted(last.by_service.items(), key=lambda kv: -kv[1]):
        earlier = before.by_service.get(service, 0.0)
        if earlier <= 0:
            # a new service counts when it alone raises the bill beyond the bar
            if amount > 0.01 * limit_percent * before.total:
                found.append(Finding(service, None, f"new cost of {_money(amount, last.unit)}"))
            continue
        rise = 100.0 * (amount - earlier) / earlier
        if rise > limit_percent:
            found.append(Finding(service, None, (
                f"{_money(earlier, last.unit)} → {_money(amount, last.unit)} (+{rise:.0f} %)")))
    return found


def monthly_budget(budgets: list[Budget]) -> Budget | None:
    """The account's monthly cost budget (the largest, when there are several)."""
    monthly = [b for b in budgets if b.budget_type == "COST" and b.time_unit == "MONTHLY"]
    return max(monthly, key=lambda b: b.limit) if monthly else None


def budget_findings(budgets: list[Budget], limit_percent: float) -> list[Finding]:
    """No monthly cost budget, one without an alert, or spent beyond ``limit_percent``."""
    budget = monthly_budget(budgets)
    if budget is None:
        return [Finding("AWS Budgets", None, "no monthly cost budget is defined")]
    found = []
    where = f"budget {budget.name}"
    if budget.limit <= 0:
        found.append(Finding(where, None, "has no amount"))
    if budget.notifications == 0:
        found.append(Finding(where, None, "has no notification: nobody is told of an overrun"))
    if budget.limit > 0 and 100.0 * budget.actual / budget.limit > limit_percent:
        found.append(Finding(where, None, (
            f"spent {_money(budget.actual, budget.unit)} of {_money(budget.limit, budget.unit)}")))
    return found
