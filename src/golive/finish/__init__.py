"""Finishing a run: history, trends, incident records, notifications, reports."""
