"""Probes of running targets: HTTP, PostgreSQL, AWS, hosts, commands, webhooks."""
