"""The pytest layer: plugin, target fixtures, shared sessions. Only it imports pytest.

Checks in ``tests/`` take what they need as fixtures; the names here are for their type
annotations.
"""

from golive.harness.once import RunOnce
from golive.harness.plugin import GoliveSession, ThresholdOf

__all__ = ["GoliveSession", "RunOnce", "ThresholdOf"]
