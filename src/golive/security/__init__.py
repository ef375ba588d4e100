"""Security checks: golive's own passive OWASP checks, active checks as each identity,
dependency/infrastructure/secret scans, TLS (sslyze), and ZAP when a daemon is configured.

Every probe returns a ``SourceResult`` (findings with a severity, or why it could not
check); ``security/owasp-top10.yaml`` maps findings to OWASP Top 10 (2021) categories.
"""

from golive.security._model import SecFinding, Severity, SourceResult
from golive.security.targets import SecurityTargets, load_targets

__all__ = ["SecFinding", "SecurityTargets", "Severity", "SourceResult", "load_targets"]
