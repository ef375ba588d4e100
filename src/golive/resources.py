"""Where golive's scanner configs live: the top-level ``security/`` folder.

First found of: ``$GOLIVE_SECURITY_DIR``; ``security/`` of the source tree golive runs
from (an editable install or a checkout).
"""

from __future__ import annotations

import os
from pathlib import Path

__all__ = ["SECURITY_DIR_ENV", "security_dir", "security_file"]

SECURITY_DIR_ENV = "GOLIVE_SECURITY_DIR"


def security_dir() -> Path | None:
    explicit = os.environ.get(SECURITY_DIR_ENV)
    if explicit:
        return Path(explicit)
    # src/golive/security/paths.py → the checkout's root is three folders up from golive/
    checkout = Path(__file__).resolve().parents[2] / "security"
    return checkout if checkout.is_dir() else None


def security_file(name: str) -> Path | None:
    folder = security_dir()
    path = folder / name if folder else None
    return path if path is not None and path.is_file() else None
