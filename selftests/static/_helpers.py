"""Small helpers shared by the static probes' self-tests."""

from __future__ import annotations

from pathlib import Path

from golive import Finding


def text_of(findings: list[Finding]) -> str:
    """All findings as one text, to search for the expected defect."""
    return "\n".join(str(f) for f in findings)


def write(root: Path, relative: str, text: str) -> Path:
    """Write ``text`` at ``root/relative``, creating folders."""
    path = root / relative
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path
