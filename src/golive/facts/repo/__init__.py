"""Parsers of the deliverables committed to the team's infrastructure repository."""
