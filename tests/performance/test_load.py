"""Week 3 load test: one staged Locust run (ramp, steady, spike) judged against the plan's SLOs.

The run happens once per session (``load_result``); each check judges one criterion.
Latencies are over all requests of the run, failed ones included, as Locust counts them.
"""

from __future__ import annotations

import pytest

import golive
from golive.facts.load import (
    AUTHENTICATED_ENDPOINTS,
    KEY_ENDPOINTS,
    EndpointStats,
    LoadPlan,
    LoadResult,
    record_load_evidence,
)
from golive.harness import ThresholdOf

pytestmark = pytest.mark.xdist_group("load")


def _require(condition: bool, message: str) -> None:
    """Fail with exactly ``message`` (the verdict's reason), without pytest's assert detail."""
    if not condition:
        raise AssertionError(message)


@pytest.mark.criterion("perf.availability")
def test_availability(criterion, evidence, judged_load: LoadResult):
    record_load_evidence(evidence, judged_load, series=False)
    evidence.record(
        "successful requests", judged_load.successes, "requests", of=judged_load.requests
    )
    criterion.expect(judged_load.availability_pct, name="successful / all requests", unit="%")


@pytest.mark.criterion("perf.avg-response")
def test_average_response_time(criterion, evidence, judged_load: LoadResult):
    record_load_evidence(evidence, judged_load)
    latency = judged_load.latency
    assert latency is not None
    evidence.record("latency", latency.avg_ms, "ms", **latency.model_dump())
    criterion.expect(latency.avg_ms, name="average response time, all requests", unit="ms")


@pytest.mark.criterion("perf.error-rate")
def test_error_rate(criterion, evidence, judged_load: LoadResult):
    record_load_evidence(evidence, judged_load, series=False)
    evidence.record("failed requests", judged_load.failures, "requests", of=judged_load.requests)
    criterion.expect(judged_load.error_rate_pct, name="failed / all requests", unit="%")


def _endpoint_facts(stats: EndpointStats) -> dict[str, object]:
    return {
        "requests": stats.requests,
        "failures": stats.failures,
        "rps": stats.rps,
        **stats.latency.model_dump(exclude={"count"}),
    }


@pytest.mark.criterion("perf.endpoint-load")
@pytest.mark.parametrize("endpoint", KEY_ENDPOINTS)
def test_endpoint_under_load(
    endpoint: str,
    evidence,
    judged_load: LoadResult,
    load_plan: LoadPlan,
    threshold_of: ThresholdOf,
):
    """Each key endpoint was exercised and kept within the plan's error budget."""
    stats = judged_load.endpoints.get(endpoint)
    if stats is None:
        if endpoint in AUTHENTICATED_ENDPOINTS and load_plan.login is None:
            golive.not_verified(
                "no test account: set GOLIVE_LOAD_LOGIN_EMAIL and GOLIVE_LOAD_LOGIN_PASSWORD"
            )
        raise AssertionError(f"{endpoint}: no request completed during the load run")
    budget = threshold_of("perf.error-rate")  # the plan's budget, per endpoint
    assert budget is not None
    ok = budget.met_by(stats.error_rate_pct)
    evidence.record(
        f"{endpoint} error rate", round(stats.error_rate_pct, 3), "%",
        expected=str(budget), ok=ok, **_endpoint_facts(stats),
    )  # fmt: skip
    evidence.measured = {"value": round(stats.error_rate_pct, 3), "unit": "%", "name": endpoint}
    _require(
        ok,
        f"{endpoint}: {stats.failures} of {stats.requests} requests failed"
        f" ({stats.error_rate_pct:.2f} %), required {budget}",
    )


@pytest.mark.criterion("perf.endpoint-load")
def test_planned_concurrency_reached(evidence, judged_load: LoadResult, load_plan: LoadPlan):
    """The run reached the planned users (steady and spike), so the endpoints saw that load."""
    planned = max(load_plan.users, load_plan.spike_users)
    record_load_evidence(evidence, judged_load)
    evidence.record(
        "peak concurrent users", judged_load.peak_users, "users",
        expected=f">= {planned}", ok=judged_load.peak_users >= planned,
    )  # fmt: skip
    evidence.measured = {"value": judged_load.peak_users, "unit": "users", "name": "peak users"}
    _require(
        judged_load.peak_users >= planned,
        f"peak {judged_load.peak_users} concurrent users, planned {planned}",
    )


@pytest.mark.criterion("perf.cache-effect")
def test_cache_effect(evidence, judged_load: LoadResult):
    """Cached responses are served from a cache and are faster than the same endpoint's misses.

    A response is *cacheable* when its Cache-Control allows reuse (public, immutable or a
    positive max-age, and no no-store) or it is a 304; a *hit* when it says it came from a
    cache (304 Not Modified, X-Cache / CF-Cache-Status / X-Vercel-Cache: HIT, or Age > 0).
    Measured: the hit ratio over cacheable responses, and the speed-up p50(miss) / p50(hit)
    on the cacheable endpoint with the most hits. Passes when some responses are cacheable,
    some are hits, and hits are faster (speed-up > 1).
    """
    cached = [e for e in judged_load.endpoints.values() if e.cache.cacheable]
    cacheable = sum(e.cache.cacheable for e in cached)
    hits = sum(e.cache.hits for e in cached)
    ratio = 100.0 * hits / cacheable if cacheable else 0.0
    evidence.record(
        "cache hit ratio", round(ratio, 2), "%", hits=hits, cacheable=cacheable,
        endpoints={e.name: e.cache.model_dump() for e in judged_load.endpoints.values()},
    )  # fmt: skip
    uncached = [e for e in judged_load.endpoints.values() if not e.cache.cacheable]
    if cached and uncached:  # context: cached asset vs uncached API, not judged
        evidence.record(
            "p50 cacheable vs uncacheable endpoints",
            min(e.latency.p50_ms for e in cached), "ms",
            uncacheable_p50_ms=min(e.latency.p50_ms for e in uncached),
        )  # fmt: skip
    _require(
        cacheable > 0,
        "no response allowed reuse: no endpoint sent Cache-Control with public, immutable"
        " or max-age > 0 (without no-store)",
    )
    _require(
        hits > 0, f"{cacheable} cacheable responses, none served from a cache (no 304, HIT or Age)"
    )
    compared = [e for e in cached if e.cache.hit_p50_ms and e.cache.miss_p50_ms is not None]
    if not compared:
        golive.not_verified("every cacheable response was a hit: no miss to compare with")
    best = max(compared, key=lambda e: e.cache.hits)
    assert best.cache.hit_p50_ms and best.cache.miss_p50_ms is not None
    speedup = best.cache.miss_p50_ms / best.cache.hit_p50_ms
    evidence.record(
        f"{best.name} cache speed-up", round(speedup, 2), "x",
        hit_p50_ms=best.cache.hit_p50_ms, miss_p50_ms=best.cache.miss_p50_ms,
        expected="> 1", ok=speedup > 1,
    )  # fmt: skip
    evidence.measured = {"value": round(speedup, 2), "unit": "x", "name": f"{best.name} speed-up"}
    _require(
        speedup > 1,
        f"{best.name}: cache hits (p50 {best.cache.hit_p50_ms} ms) are not faster than"
        f" misses (p50 {best.cache.miss_p50_ms} ms)",
    )
