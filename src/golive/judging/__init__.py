"""Judging: statuses, findings, evidence and the run data; one place decides a verdict."""
