"""Rules: facts in, findings out, one module per deliverable or plan area."""
