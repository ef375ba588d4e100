"""Third-party SaaS evidence: GitHub Actions, Vercel and Datadog history.

Read through each service's REST API with golive's own small httpx clients, or through
files a user exports from them into ``exports_dir``:

| file | written by |
| --- | --- |
| ``gh-runs.json`` | ``gh run list --json <fields> --limit 200`` (see :mod:`golive.saas.github`) |
| ``vercel-deployments.json`` | the ``GET /v6/deployments?projectId=…`` answer |
| ``datadog-dashboards.json`` | a list of ``GET /api/v1/dashboard/{id}`` answers |
| ``datadog-monitors.json`` | the ``GET /api/v1/monitor`` answer |
| ``alerts.json`` | Datadog monitor alert events after triage (``false_positive`` tag) |
| ``test-cases.json`` | the team's test-case inventory (``{"cases": [{id, title, automated}]}``) |

:mod:`golive.saas.history` turns them into figures, each with the items it came from.
"""

from golive.saas._common import SourceUnavailable
from golive.saas.history import Figure, InsufficientData
from golive.saas.sources import Sourced

__all__ = ["Figure", "InsufficientData", "SourceUnavailable", "Sourced"]
