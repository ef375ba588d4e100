"""golive's own active probes of a running target: a bounded client, the crawl that finds
parameters, and their settings. What a response means is judged in
``golive.rules.appsec.injection``."""

from golive.facts.live.probes.canary import Canary
from golive.facts.live.probes.client import (
    BudgetExhausted,
    Exchange,
    FormPoint,
    InjectionPoint,
    Prober,
)
from golive.facts.live.probes.crawl import Crawl, crawl
from golive.facts.live.probes.settings import ProbeEndpoint, ProbeForm, ProbeSettings

__all__ = [
    "BudgetExhausted",
    "Canary",
    "Crawl",
    "Exchange",
    "FormPoint",
    "InjectionPoint",
    "ProbeEndpoint",
    "ProbeForm",
    "ProbeSettings",
    "Prober",
    "crawl",
]
