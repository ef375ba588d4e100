"""Static checks: reading the deliverables a team commits to its infrastructure repository."""

from golive.static.discover import find_deliverable, find_files, repo_files, require_deliverable
from golive.static.scanners import ToolRun, run_scanner, tool_path

__all__ = [
    "ToolRun",
    "find_deliverable",
    "find_files",
    "repo_files",
    "require_deliverable",
    "run_scanner",
    "tool_path",
]
