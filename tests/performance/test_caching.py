"""Performance: CDN and application caching (Week 3 / パフォーマンス最適化).

Judged on the running target over HTTP, without load: what its responses tell a CDN or a
browser (perf.cdn-config), and whether identical API reads are answered from the
application's own cache (perf.app-cache). The load phase's cache effect is
perf.cache-effect (tests/performance/test_load.py).
"""

from __future__ import annotations

import statistics

import httpx
import pytest

import golive
from golive import CriterionContext, Evidence, Finding
from golive.facts.live import caching
from golive.facts.live.security_targets import SecurityTargets

# A static asset is "long-lived" when browsers and the CDN may keep it at least this long
# (hashed or versioned assets are usually given a year).
REPEAT_READS = 5


def _html_findings(response: httpx.Response) -> list[Finding]:
    control = response.headers.get("cache-control")
    found = []
    if control is None:
        found.append(Finding("/", None, "HTML sends no Cache-Control: a CDN may cache it"))
    else:
        d = caching.cache_directives(control)
        shared = "s-maxage" in d or ("public" in d and (caching.max_age(d) or 0) > 0)
        if shared and not ({"no-cache", "no-store", "private"} & set(d)):
            found.append(Finding("/", None, f"HTML is cached publicly: Cache-Control {control}"))
    return found


def _asset_findings(
    client: httpx.Client, path: str, long_lived_s: float
) -> tuple[list[Finding], dict[str, object]]:
    response = client.get(path)
    control = response.headers.get("cache-control")
    validator = response.headers.get("etag")
    facts: dict[str, object] = {"status": response.status_code, "cache_control": control,
                                "etag": validator}  # fmt: skip
    if response.status_code != 200:
        return [Finding(path, None, f"answered {response.status_code}")], facts
    found = []
    d = caching.cache_directives(control)
    age = caching.max_age(d)
    if not control:
        found.append(Finding(path, None, "no Cache-Control: every visit fetches it again"))
    elif {"no-store", "no-cache", "private"} & set(d) or not ({"public", "immutable"} & set(d)):
        found.append(Finding(path, None, f"not cacheable by a CDN: Cache-Control {control}"))
    elif age is None or age < long_lived_s:
        days = long_lived_s / 86400
        found.append(Finding(path, None, f"max-age {age} s is shorter than {days:g} days"))
    if not validator:
        found.append(Finding(path, None, "no ETag: a stale copy cannot be revalidated"))
    else:
        status = caching.revalidates(client, path, validator)
        facts["conditional_get_status"] = status
        if status != 304:
            found.append(Finding(path, None, f"revalidation with its ETag answered {status}"))
    return found, facts


@pytest.mark.criterion("perf.cdn-config")
def test_cdn_cache_policy(
    criterion: CriterionContext, evidence: Evidence, http_client: httpx.Client
) -> None:
    """Static assets linked by the home page: public (or immutable), max-age at least the
    catalog's days, an ETag, and 304 on revalidation; the HTML is not cached publicly."""
    page = http_client.get("/")
    if page.status_code != 200 or "html" not in page.headers.get("content-type", ""):
        golive.not_verified(f"GET / answered {page.status_code} without HTML: no page to read")
    assets = caching.static_asset_urls(page.text)
    evidence.record("static assets linked by /", len(assets), "assets", assets=assets,
                    html_cache_control=page.headers.get("cache-control"))  # fmt: skip
    if not assets:
        golive.not_verified("the home page links no same-site static asset")
    threshold = criterion.threshold
    assert threshold is not None and threshold.unit == "days", "perf.cdn-config needs days"
    long_lived_s = threshold.value * 86400
    findings = _html_findings(page)
    for path in assets:
        found, facts = _asset_findings(http_client, path, long_lived_s)
        evidence.record(f"asset {path}", None, facts=facts)
        findings += found
    criterion.expect_no_findings(findings, what="CDN cache policy")


@pytest.mark.criterion("perf.app-cache")
def test_app_cache_serves_repeat_reads(
    criterion: CriterionContext,
    evidence: Evidence,
    http_client: httpx.Client,
    security_targets: SecurityTargets,
) -> None:
    """Identical anonymous reads of each data endpoint, one after the other: the responses
    say whether they came from the cache (X-Cache or a CDN's spelling, or Age), and most
    repeats (reads 2..N) are hits."""
    paths = [d.path for d in security_targets.data_access]
    if not paths:
        golive.not_verified("the security targets name no data endpoint to read")
    findings = []
    for path in paths:
        reads = caching.repeat_reads(http_client, path, REPEAT_READS)
        repeats = reads.reads[1:]
        hits = [r for r in repeats if r.cache and r.cache.startswith("HIT")]
        facts: dict[str, object] = {"reads": [r.facts() for r in reads.reads]}
        if reads.hits and reads.misses:
            facts["p50_hit_ms"] = statistics.median(r.ms for r in reads.hits)
            facts["p50_miss_ms"] = statistics.median(r.ms for r in reads.misses)
        evidence.record(f"repeat reads of {path}", len(hits), "hits", repeats=len(repeats),
                        facts=facts)  # fmt: skip
        if any(r.status != 200 for r in reads.reads):
            findings.append(Finding(path, None, f"answered {[r.status for r in reads.reads]}"))
        elif all(r.cache is None for r in reads.reads):
            findings.append(Finding(path, None, "no response says whether it came from a cache"
                                    " (no X-Cache, CDN cache status or Age)"))  # fmt: skip
        elif 2 * len(hits) <= len(repeats):
            findings.append(Finding(path, None, f"only {len(hits)} of {len(repeats)} repeated"
                                    " reads were cache hits"))  # fmt: skip
    criterion.expect_no_findings(findings, what="application cache")
