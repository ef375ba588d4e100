"""perf.availability from the monitoring's uptime: CloudWatch canaries and Route 53 health
checks on a real moto server, Datadog SLO histories through the API client (recorded
answers of the real shape) and its export. The pass and the fail of the reference stacks
are in test_pairs.py; here the differently planted cases."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import boto3
import httpx
import pytest

from golive.catalog import load_catalog
from golive.config import load_config
from golive.facts.live.uptime import WINDOW_DAYS, cloudwatch_uptime
from golive.facts.saas import datadog, sources
from golive.rules.uptime import judge_uptime, slo_readings

pytestmark = [pytest.mark.slow, pytest.mark.xdist_group("heavy")]
LIMIT = load_catalog().get("perf.availability").threshold
NOW = dt.datetime.now(dt.UTC)


@pytest.fixture(scope="module")
def cloudwatch(empty_account: Path) -> Iterator[Any]:
    config = load_config(empty_account)
    _name, env = config.environment(None)
    client = boto3.client("cloudwatch", endpoint_url=env.aws_endpoint_url,
                          region_name=env.aws_region, aws_access_key_id="golive",
                          aws_secret_access_key="golive")  # fmt: skip
    yield client
    client.close()


def _hourly(cw: Any, namespace: str, metric: str, dimension: tuple[str, str], values: list[float],
            days: float = WINDOW_DAYS) -> None:  # fmt: skip
    step = days * 86400 / len(values)
    points = [{"MetricName": metric, "Dimensions": [{"Name": dimension[0], "Value": dimension[1]}],
               "Unit": "Percent", "Timestamp": NOW - dt.timedelta(seconds=(len(values) - i) * step),
               "Value": v} for i, v in enumerate(values)]  # fmt: skip
    for chunk in range(0, len(points), 500):
        cw.put_metric_data(Namespace=namespace, MetricData=points[chunk:chunk + 500])


def test_a_failing_health_check_is_not_hidden_by_a_good_canary(cloudwatch: Any):
    """Differently planted: the canary is perfect, a Route 53 health check of the API is
    healthy 98.5 % of the month. The judged figure is the lowest: it fails."""
    assert LIMIT is not None
    _hourly(cloudwatch, "CloudWatchSynthetics", "SuccessPercent", ("CanaryName", "home"),
            [100.0] * 720)  # fmt: skip
    _hourly(cloudwatch, "AWS/Route53", "HealthCheckPercentageHealthy",
            ("HealthCheckId", "api-health"), [100.0] * 709 + [0.0] * 11)  # fmt: skip
    readings = cloudwatch_uptime(cloudwatch, NOW)
    by_source = {r.source: r for r in readings}
    assert set(by_source) >= {"Synthetics canary home", "Route 53 health check api-health"}
    assert by_source["Synthetics canary home"].percent == 100.0
    judgement = judge_uptime(readings)
    worst = judgement.worst
    assert worst is not None and worst.source == "Route 53 health check api-health"
    assert 98.4 < worst.percent < 98.6 and worst.coverage > 0.95
    assert LIMIT.met_by(by_source["Synthetics canary home"].percent)
    assert not LIMIT.met_by(worst.percent)


def test_a_canary_started_yesterday_does_not_measure_the_month(cloudwatch: Any):
    _hourly(cloudwatch, "CloudWatchSynthetics", "SuccessPercent", ("CanaryName", "new"),
            [100.0] * 24, days=1)  # fmt: skip
    judgement = judge_uptime([r for r in cloudwatch_uptime(cloudwatch, NOW)
                              if r.source.endswith(" new")])  # fmt: skip
    assert judgement.worst is None
    assert [r.source for r in judgement.partial] == ["Synthetics canary new"]
    assert judgement.partial[0].coverage < 0.1


def _slo_answer(slo_id: str, name: str, sli: float | None, days: float) -> dict[str, Any]:
    to_ts = int(NOW.timestamp())
    return {"data": {
        "from_ts": to_ts - int(days * 86400), "to_ts": to_ts, "type": "metric", "type_id": 1,
        "slo": {"id": slo_id, "name": name, "type": "metric"},
        "overall": {"sli_value": sli, "span_precision": 2, "precision": {"30d": 2}},
        "thresholds": {"30d": {"target": 99.9, "target_display": "99.9", "timeframe": "30d"}},
    }, "errors": None}  # fmt: skip


def _datadog_api(histories: dict[str, dict[str, Any]]) -> httpx.MockTransport:
    """Datadog's SLO endpoints with recorded answers; keys required as the real API does."""

    def handle(request: httpx.Request) -> httpx.Response:
        keys = request.headers
        if keys.get("DD-API-KEY") != "api" or "DD-APPLICATION-KEY" not in keys:
            return httpx.Response(403, json={"errors": ["Forbidden"]})
        if request.url.path == "/api/v1/slo":
            listed = [{"id": k, "name": v["data"]["slo"]["name"], "type": "metric",
                       "thresholds": [{"timeframe": "30d", "target": 99.9}]}
                      for k, v in histories.items()]  # fmt: skip
            return httpx.Response(200, json={"data": listed, "errors": []})
        slo_id = request.url.path.split("/")[-2]
        assert int(request.url.params["to_ts"]) - int(request.url.params["from_ts"]) > 86400 * 29
        return httpx.Response(200, json=histories[slo_id])

    return httpx.MockTransport(handle)


def _datadog_env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Any:
    monkeypatch.setenv("DD_TEST_API", "api")
    monkeypatch.setenv("DD_TEST_APP", "app")
    config = tmp_path / "golive.toml"
    config.write_text('[environments.x]\ndatadog_api_key = "env:DD_TEST_API"\n'
                      'datadog_app_key = "env:DD_TEST_APP"\n', encoding="utf-8")  # fmt: skip
    return load_config(config).environment("x")[1]


@pytest.mark.parametrize(("sli", "passes"), [(99.97, True), (99.62, False)])
def test_datadog_slo_history_through_the_api(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, sli: float, passes: bool
):
    assert LIMIT is not None
    env = _datadog_env(tmp_path, monkeypatch)
    api = _datadog_api({"abc123": _slo_answer("abc123", "checkout API", sli, 30),
                        "def456": _slo_answer("def456", "no data yet", None, 30)})  # fmt: skip
    end = int(NOW.timestamp())
    found = sources.slo_histories(env, None, end - 30 * 86400, end, transport=api)
    assert found.origin == "Datadog API"
    readings = slo_readings(found.items, WINDOW_DAYS)
    assert [r.source for r in readings] == ["Datadog SLO checkout API (abc123)"]
    worst = judge_uptime(readings).worst
    assert worst is not None and worst.percent == sli
    assert LIMIT.met_by(worst.percent) is passes


def test_datadog_slo_export_and_no_source(tmp_path: Path):
    exports = tmp_path / "exports"
    exports.mkdir()
    env = load_config(_write(tmp_path, "[environments.x]\n")).environment("x")[1]
    with pytest.raises(sources.SourceUnavailable, match=r"datadog-slo-history\.json"):
        sources.slo_histories(env, exports, 0, 1)
    (exports / datadog.SLO_HISTORY_FILE).write_text(json.dumps(
        [_slo_answer("a1", "web", 99.95, 30), _slo_answer("b2", "api", 99.1, 7)]),
        encoding="utf-8")  # fmt: skip
    found = sources.slo_histories(env, exports, 0, 1)
    judgement = judge_uptime(slo_readings(found.items, WINDOW_DAYS))
    assert [r.source for r in judgement.measured] == ["Datadog SLO web (a1)"]
    assert [r.source for r in judgement.partial] == ["Datadog SLO api (b2)"]  # 7 of 30 days


def _write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "golive.toml"
    path.write_text(text, encoding="utf-8")
    return path


def test_not_an_slo_history_answer_names_the_source():
    with pytest.raises(ValueError, match=r"export x\.json: no 'data'"):
        datadog.slo_history_from_json({"errors": ["Forbidden"]}, "export x.json")
