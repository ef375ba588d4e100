"""Probes: small typed modules that return facts about one kind of target.

Probes never judge: checks in ``tests/`` compare their facts with catalog thresholds.

- :mod:`golive.probes.commands`      run an environment command (argv, no shell), timed
- :mod:`golive.probes.availability`  poll a health endpoint while something changes
- :mod:`golive.probes.postgres`      connection, TLS, settings, migrations, RLS facts
- :mod:`golive.probes.migrations`    migration and seed files of the repository
- :mod:`golive.probes.drills`        deploy/rollback and backup/restore drills, run once
- :mod:`golive.probes.aws`           the AWS account: IAM, security groups, encryption,
                                     alarms, log groups, metric filters, log events
- :mod:`golive.probes.host`          CPU/memory/disk of a target on this machine
- :mod:`golive.probes.notify`        post to a webhook; watch a receiver that lists messages
"""
