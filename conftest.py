"""Where the acceptance suites in tests/ get their fixtures from.

Nothing is defined here. The golive plugin, registered through its ``pytest11`` entry
point (``golive.harness.plugin``), brings the markers, verdicts and reports, and loads:

- ``golive.harness.fixtures``: the target fixtures (``golive_env``, ``repo_path``,
  ``base_url``, ``http_client``, ``database_dsn``, ``aws_client``, ``disruptive``) and what
  the run knows (``golive_config``, ``golive_catalog``, ``threshold_of``, ``run_once``,
  ``security_targets``);
- ``golive.harness.security``: ``target_session``, ``security_inputs``;
- ``golive.harness.sessions``: the shared sessions, each run once per test run
  (``deploy_drill``, ``backup_drill``, ``failover_drill``, ``data_loss_drill``,
  ``load_plan``, ``load_result``, ``judged_load``, ``alarms``, ``log_groups``,
  ``saas_exports``, ``run_history``).

So a wheel-installed golive gives the same fixtures to any suite.
"""
