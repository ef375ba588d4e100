"""golive's own active probes of a running target: a bounded client, the crawl that finds
parameters, and their settings. What a response means is judged in
``golive.rules.appsec.injection``."""

from golive.facts.live.probes.client import BudgetExhausted, Exchange, InjectionPoint, Prober
from golive.facts.live.probes.crawl import Crawl, crawl
from golive.facts.live.probes.settings import ProbeEndpoint, ProbeSettings

__all__ = [
    "BudgetExhausted",
    "Crawl",
    "Exchange",
    "InjectionPoint",
    "ProbeEndpoint",
    "ProbeSettings",
    "Prober",
    "crawl",
]
