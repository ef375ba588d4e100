"""Cost records through boto3: Cost Explorer and AWS Budgets on a real moto_server (one per
twin, own data in the real answer shapes), then the real checks of tests/routine/test_cost.py
through the plugin, a pass and a fail each. moto has no GetCostForecast: that call is
proven with botocore's Stubber against AWS's answer shape."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from contextlib import closing
from pathlib import Path
from typing import Any

import boto3
import httpx
import pytest
from botocore.stub import Stubber

from golive._errors import NotVerified
from golive.demo import aws as demo_aws
from golive.demo import exports
from golive.demo._proc import free_port, stop, wait_http
from golive.facts.live import cost
from golive.rules import cost as rules

from ._suite import run

MODULE = ("tests/routine/test_cost.py",)
IDS = {"routine.cost-by-resource", "routine.monthly-cost-report", "routine.budget-plan",
       "routine.cost-forecast"}  # fmt: skip
TODAY = dt.datetime.now(dt.UTC).date()
_KEYS = {"aws_access_key_id": "golive", "aws_secret_access_key": "golive"}


def _rows(before: dict[str, float], last: dict[str, float], untagged: float) -> dict[str, Any]:
    """get_cost_and_usage's answer: two months by SERVICE and TAG Project."""
    def month(back: int, services: dict[str, float], share: float) -> dict[str, Any]:
        groups = [{"Keys": [name, tag], "Metrics": {"UnblendedCost": {
                       "Amount": f"{amount * part:.6f}", "Unit": "USD"}}}
                  for name, amount in services.items()
                  for tag, part in (("Project$shop", 1 - share), ("Project$", share))]  # fmt: skip
        return {"TimePeriod": {"Start": cost.month_start(TODAY, back).isoformat(),
                               "End": cost.month_start(TODAY, back - 1).isoformat()},
                "Total": {}, "Groups": groups, "Estimated": False}  # fmt: skip

    return {"ResultsByTime": [month(2, before, 0.01), month(1, last, untagged)],
            "DimensionValueAttributes": [],
            "GroupDefinitions": [{"Type": "DIMENSION", "Key": "SERVICE"},
                                 {"Type": "TAG", "Key": "Project"}]}  # fmt: skip


TWINS = {
    "good": (_rows({"Amazon EC2": 100.0, "Amazon RDS": 60.0},
                   {"Amazon EC2": 104.0, "Amazon RDS": 61.0}, 0.03),
             {"limit": 300.0, "actual": 90.0, "forecast": 240.0, "notify": True}),
    "bad": (_rows({"Amazon EC2": 100.0, "Amazon RDS": 60.0},
                  {"Amazon EC2": 180.0, "Amazon RDS": 61.0, "Amazon SageMaker": 40.0}, 0.3),
            {"limit": 200.0, "actual": 230.0, "forecast": 330.0, "notify": False}),
}


def _seed(endpoint: str, twin: str) -> None:
    rows, budget = TWINS[twin]
    httpx.post(f"{endpoint}/moto-api/static/ce/cost-and-usage-results",
               json={"results": [rows]}, timeout=10).raise_for_status()
    notes = [{"Notification": {"NotificationType": "ACTUAL", "ComparisonOperator": "GREATER_THAN",
                               "Threshold": 80.0, "ThresholdType": "PERCENTAGE"},
              "Subscribers": [{"SubscriptionType": "EMAIL", "Address": "ops@shop.example"}]}]
    with closing(_client("budgets", endpoint)) as budgets:
        budgets.create_budget(AccountId=demo_aws.ACCOUNT_ID, Budget={
            "BudgetName": f"{twin}-monthly", "BudgetType": "COST", "TimeUnit": "MONTHLY",
            "BudgetLimit": {"Amount": str(budget["limit"]), "Unit": "USD"},
            "CalculatedSpend": {
                "ActualSpend": {"Amount": str(budget["actual"]), "Unit": "USD"},
                "ForecastedSpend": {"Amount": str(budget["forecast"]), "Unit": "USD"}},
        }, NotificationsWithSubscribers=notes if budget["notify"] else [])  # fmt: skip


def _client(service: str, endpoint: str | None = None) -> Any:
    return boto3.client(service, region_name="us-east-1", endpoint_url=endpoint, **_KEYS)


@pytest.fixture(scope="module")
def accounts(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, str]]:
    """A moto_server per twin, and one left empty."""
    tmp = tmp_path_factory.mktemp("cost")
    procs, endpoints = [], {}
    try:
        for twin in ("good", "bad", "empty"):
            port = free_port()
            procs.append(demo_aws.start_moto(port, tmp / f"moto-{twin}.log"))
            endpoints[twin] = f"http://127.0.0.1:{port}"
        for twin, endpoint in endpoints.items():
            wait_http(f"{endpoint}/moto-api/", timeout=30)
            if twin != "empty":
                _seed(endpoint, twin)
        yield endpoints
    finally:
        for proc in procs:
            stop(proc)


def _read(endpoint: str) -> tuple[list[cost.Month], list[cost.Budget]]:
    with closing(_client("ce", endpoint)) as ce, closing(_client("budgets", endpoint)) as budgets, \
            closing(_client("sts", endpoint)) as sts:  # fmt: skip
        return (cost.cost_by_month(ce, "Project", TODAY),
                cost.read_budgets(budgets, cost.account_id(sts)))


def test_cost_and_budgets_read_through_moto(accounts):
    months, budgets = _read(accounts["good"])
    assert [m.start for m in months] == [cost.month_start(TODAY, 2), cost.month_start(TODAY, 1)]
    assert months[-1].total == 165.0 and months[-1].by_service["Amazon EC2"] == 104.0
    assert round(months[-1].by_tag[""], 2) == 4.95 and "shop" in months[-1].by_tag
    assert [(b.name, b.limit, b.actual, b.notifications) for b in budgets] == [
        ("good-monthly", 300.0, 90.0, 1)]
    # the same request again: moto answers it alike (and a real account would)
    assert _read(accounts["good"])[0] == months


def test_rules_pass_on_good_and_fail_on_bad(accounts):
    months, budgets = _read(accounts["good"])
    assert rules.untagged_percent(months[-1]) == pytest.approx(3.0)
    assert rules.rise_percent(*months) == pytest.approx(3.125)
    assert rules.rise_findings(*months, 20) == []
    assert rules.budget_findings(budgets, 100) == []
    months, budgets = _read(accounts["bad"])
    assert rules.untagged_percent(months[-1]) == pytest.approx(30.0)
    assert [f.file for f in rules.rise_findings(*months, 20)] == ["Amazon EC2", "Amazon SageMaker"]
    assert [f.message.split(":")[0] for f in rules.budget_findings(budgets, 100)] == [
        "has no notification", "spent 230.00 USD of 200.00 USD"]


def test_empty_account_has_no_cost_and_no_budget(accounts):
    months, budgets = _read(accounts["empty"])
    assert months == [] and budgets == []
    assert [f.message for f in rules.budget_findings(budgets, 100)] == [
        "no monthly cost budget is defined"]


def test_forecast_in_aws_shape_and_when_refused():
    with closing(_client("ce")) as ce, Stubber(ce) as stub:
        stub.add_response("get_cost_forecast", {
            "Total": {"Amount": "412.3381", "Unit": "USD"},
            "ForecastResultsByTime": [{"TimePeriod": {"Start": TODAY.isoformat(),
                                                      "End": cost.month_start(
                                                          TODAY, -1).isoformat()},
                                       "MeanValue": "412.3381"}]})  # fmt: skip
        stub.add_client_error("get_cost_forecast", "DataUnavailableException",
                              "Insufficient amount of historical data to generate forecast.")
        found = cost.cost_forecast(ce, TODAY)
        assert found == cost.Forecast(412.3381, "USD", "Cost Explorer GetCostForecast")
        assert cost.cost_forecast(ce, TODAY) is None


def test_cost_explorer_pages_and_unrecognised_answers():
    ce = _client("ce")
    rows = TWINS["good"][0]
    first = {**rows, "ResultsByTime": [{**r, "Groups": r["Groups"][:2]} for r in
                                       rows["ResultsByTime"]], "NextPageToken": "p2"}
    second = {**rows, "ResultsByTime": [{**r, "Groups": r["Groups"][2:]} for r in
                                        rows["ResultsByTime"]]}  # fmt: skip
    with Stubber(ce) as stub:
        stub.add_response("get_cost_and_usage", first)
        stub.add_response("get_cost_and_usage", second)
        months = cost.cost_by_month(ce, "Project", TODAY)
        assert months[-1].total == 165.0
        stub.add_response("get_cost_and_usage", {"ResultsByTime": [{
            "TimePeriod": {"Start": "2026-10-01", "End": "2026-11-01"},
            "Groups": [{"Keys": ["Amazon EC2"], "Metrics": {}}]}]})  # fmt: skip
        with pytest.raises(NotVerified, match="unrecognised format"):
            cost.cost_by_month(ce, "Project", TODAY)
        stub.add_client_error("get_cost_and_usage", "AccessDeniedException",
                              "User is not authorized to perform: ce:GetCostAndUsage")
        with pytest.raises(NotVerified, match="AccessDeniedException"):
            cost.cost_by_month(ce, "Project", TODAY)


def _config(tmp: Path, endpoint: str) -> Path:
    path = tmp / "golive.toml"
    path.write_text(f'[environments.x]\naws_endpoint_url = "{endpoint}"\n'
                    'aws_region = "ap-northeast-1"\n', "utf-8")  # fmt: skip
    return path


@pytest.mark.parametrize(("twin", "expected"), [("good", "pass"), ("bad", "fail")])
def test_checks_through_the_plugin(accounts, tmp_path, twin, expected):
    results = run(_config(tmp_path, accounts[twin]), tmp_path / "out", MODULE)
    assert {cid: results.status(cid) for cid in IDS} == dict.fromkeys(IDS, expected), [
        results.explain(cid) for cid in IDS]
    if twin == "good":
        forecast = results.evidence("routine.cost-forecast", "forecast of this month")
        assert "AWS Budgets ForecastedSpend" in forecast["source"]  # moto has no forecast


def test_checks_on_an_empty_account(accounts, tmp_path):
    results = run(_config(tmp_path, accounts["empty"]), tmp_path / "out", MODULE)
    assert results.status("routine.cost-by-resource") == "not_verified"
    assert results.status("routine.monthly-cost-report") == "not_verified"
    assert results.status("routine.cost-forecast") == "not_verified"
    assert results.status("routine.budget-plan") == "fail"  # reachable, and no budget


@pytest.mark.parametrize("broken", [False, True])
def test_demo_cost_rows_pass_on_good_and_fail_on_broken(broken):
    """The rows the demo queues in its moto (golive.demo.aws) judged by the same rules."""
    rows = demo_aws._cost_rows(broken)
    with closing(_client("ce")) as ce, Stubber(ce) as stub:
        stub.add_response("get_cost_and_usage", {"ResultsByTime": rows})
        months = cost.cost_by_month(ce, demo_aws.DEMO_TAG["Key"], TODAY)
    untagged, rise = rules.untagged_percent(months[-1]), rules.rise_percent(*months)
    if broken:
        assert untagged > 10 and rise > 20, (untagged, rise)
    else:
        assert untagged <= 10 and rise <= 20, (untagged, rise)


DEMO_IDS = IDS | {"ops.code-review", "ops.review-history", "routine.action-items"}
DEMO_MODULES = (*MODULE, "tests/operations/test_code_review.py",
                "tests/routine/test_action_items.py")


@pytest.mark.slow
@pytest.mark.parametrize(("broken", "expected"), [(False, "pass"), (True, "fail")])
def test_demo_twins_through_the_plugin(tmp_path, broken, expected):
    """The demo's own AWS account (golive.demo.aws.populate on moto_server) and exports
    (golive.demo.exports): every criterion of this change passes on good, fails on broken."""
    port = free_port()
    proc = demo_aws.start_moto(port, tmp_path / "moto.log")
    try:
        endpoint = f"http://127.0.0.1:{port}"
        wait_http(f"{endpoint}/moto-api/", timeout=30)
        demo_aws.populate(endpoint, "ap-northeast-1", broken=broken)
        exports.write(tmp_path / "exports", broken)
        config = _config(tmp_path, endpoint)
        config.write_text(config.read_text("utf-8") + 'exports_dir = "exports"\n', "utf-8")
        results = run(config, tmp_path / "out", DEMO_MODULES)
    finally:
        stop(proc)
    assert {cid: results.status(cid) for cid in DEMO_IDS} == dict.fromkeys(DEMO_IDS, expected), [
        results.explain(cid) for cid in DEMO_IDS]
