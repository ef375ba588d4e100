"""Hosts through testinfra, without a host: the [environments.NAME.hosts] table (strict,
no key or password in it), the preflight of its files, the parsers of what the hosts
print, and the rules that judge the facts."""

from __future__ import annotations

from pathlib import Path

import pytest

from golive._errors import ConfigError
from golive.catalog import Threshold
from golive.config import load_config
from golive.facts.live.hosts import (
    ContainerState,
    DiskUsage,
    HostFacts,
    HostUsage,
    PortState,
    ProcessState,
    ServiceState,
    UsageSeries,
    cpu_busy_percent,
    docker_state,
    memory_used_percent,
    parse_df,
    parse_meminfo,
    parse_proc_stat,
    pod_state,
)
from golive.preflight import preflight
from golive.rules import hosts

# --- the table ---------------------------------------------------------------------------


def _load(tmp_path: Path, hosts_toml: str) -> object:
    path = tmp_path / "golive.toml"
    path.write_text(f'default_env = "s"\n[environments.s]\n{hosts_toml}', encoding="utf-8")
    return load_config(path)


def _problems(tmp_path: Path, hosts_toml: str) -> list[str]:
    with pytest.raises(ConfigError) as caught:
        _load(tmp_path, hosts_toml)
    return caught.value.problems


def test_every_backend_of_the_brief_is_accepted(tmp_path: Path) -> None:
    config = _load(tmp_path, """
[environments.s.hosts.web]
backend = "ssh://deploy@10.0.0.5:22"
ssh_config = "ssh/config"
ssh_identity_file = "~/.ssh/deploy_ed25519"
services = ["nginx"]
ports = [443]
[environments.s.hosts.runner]
backend = "local://"
judge_usage = false
[environments.s.hosts.api]
backend = "docker://app@api-1"
[environments.s.hosts.worker]
backend = "kubectl://worker-0?namespace=prod&container=worker"
""")
    web = config.environments["s"].hosts["web"]  # type: ignore[attr-defined]
    assert web.scheme == "ssh" and web.services == ["nginx"] and web.ports == [443]
    assert web.disk_paths == ["/"] and web.max_disk_percent == 90 and web.judge_usage


@pytest.mark.parametrize(
    ("table", "word"),
    [
        ('backend = "paramiko://web"', "testinfra backend URL"),
        ('backend = "ssh://deploy:hunter2@web"', "literal password"),
        ('backend = "local://web"', "names no host"),
        ('backend = "ssh://"', "must name the host"),
        ('backend = "ssh://web?ssh_identity_file=/k"', "use the host's own field"),
        ('backend = "ssh://web"\nssh_identity_file = "-----BEGIN OPENSSH PRIVATE KEY-----"',
         "never the key itself"),
        ('backend = "ssh://web"\nssh_identity_file = "ssh-ed25519 AAAAC3Nza"',
         "never the key itself"),
        ('backend = "docker://api"\nssh_config = "ssh/config"', "only for an ssh:// backend"),
        ('backend = "ssh://web"\nports = [70000]', "less than or equal to 65535"),
        ('backend = "ssh://web"\nservices = ["nginx; rm -rf /"]', "should match pattern"),
        ('backend = "ssh://web"\nmax_disk_percent = 100', "less than 100"),
        ('backend = "ssh://web"\npassword = "x"', "unknown field"),
        ('backend = "ssh://web"\nports = ["443"]', "valid integer"),
    ],
)  # fmt: skip
def test_a_wrong_host_table_is_one_line_naming_the_field(
    tmp_path: Path, table: str, word: str
) -> None:
    problems = _problems(tmp_path, f"[environments.s.hosts.web]\n{table}\n")
    assert len(problems) == 1 and "environments.s.hosts.web" in problems[0], problems
    assert word in problems[0], problems
    assert "hunter2" not in problems[0]


def test_a_host_name_is_a_plain_word(tmp_path: Path) -> None:
    (problem,) = _problems(tmp_path, '[environments.s.hosts."web 1"]\nbackend = "local://"\n')
    assert "host name 'web 1'" in problem


def test_preflight_checks_the_ssh_files(tmp_path: Path) -> None:
    key = tmp_path / "id_ed25519"
    key.write_text("not really a key\n")
    key.chmod(0o644)
    config = _load(tmp_path, """
[environments.s.hosts.web]
backend = "ssh://deploy@10.0.0.5"
ssh_config = "missing/ssh_config"
ssh_identity_file = "id_ed25519"
[environments.s.hosts.gone]
backend = "ssh://10.0.0.6"
ssh_identity_file = "nowhere/id_rsa"
""")
    env = config.environments["s"]  # type: ignore[attr-defined]
    problems = preflight(config, "s", env)  # type: ignore[arg-type]
    assert any(p.startswith("environments.s.hosts.web.ssh_config: file not found")
               for p in problems), problems  # fmt: skip
    assert any(p.startswith("environments.s.hosts.web.ssh_identity_file:") and "0o644" in p
               and "chmod 600" in p for p in problems), problems  # fmt: skip
    assert any(p.startswith("environments.s.hosts.gone.ssh_identity_file: file not found")
               for p in problems), problems  # fmt: skip
    key.chmod(0o600)
    problems = preflight(config, "s", env)  # type: ignore[arg-type]
    assert not [p for p in problems if "hosts.web.ssh_identity_file" in p], problems


def test_preflight_names_a_missing_backend_program(tmp_path: Path, monkeypatch) -> None:
    monkeypatch.setenv("PATH", str(tmp_path))  # no ssh, docker or kubectl there
    config = _load(tmp_path, '[environments.s.hosts.api]\nbackend = "docker://api"\n')
    problems = preflight(config, "s", config.environments["s"])  # type: ignore[attr-defined,arg-type]
    assert problems == ["environments.s.hosts.api.backend: program not found on PATH: docker "
                        "(for docker://)"]  # fmt: skip


# --- parsers -----------------------------------------------------------------------------
STAT_1 = ("cpu  100 0 50 800 50 0 0 0 0 0\ncpu0 50 0 25 400 25 0 0 0 0 0\n"
          "cpu1 50 0 25 400 25 0 0 0 0 0\nintr 1\n")
STAT_2 = ("cpu  250 0 100 850 50 0 0 0 0 0\ncpu0 125 0 50 425 25 0 0 0 0 0\n"
          "cpu1 125 0 50 425 25 0 0 0 0 0\n")


def test_cpu_busy_from_two_readings_of_proc_stat() -> None:
    before, after = parse_proc_stat(STAT_1), parse_proc_stat(STAT_2)
    assert before == (1000, 850, 2)
    # 250 jiffies passed, 50 of them idle
    assert cpu_busy_percent(before, after) == 80.0
    with pytest.raises(ValueError):
        cpu_busy_percent(after, after)
    with pytest.raises(ValueError):
        parse_proc_stat("intr 1\n")


def test_memory_used_is_total_less_available() -> None:
    info = parse_meminfo("MemTotal:       1000 kB\nMemFree:  100 kB\nMemAvailable:    250 kB\n")
    assert memory_used_percent(info) == 75.0
    old_kernel = parse_meminfo(
        "MemTotal: 1000 kB\nMemFree: 100 kB\nBuffers: 50 kB\nCached: 50 kB\n"
    )
    assert memory_used_percent(old_kernel) == 80.0


def test_df_share_as_df_counts_it() -> None:
    text = ("Filesystem     1024-blocks    Used Available Capacity Mounted on\n"
            "/dev/sda1          1000000  900000     50000      95% /srv/data files\n")  # fmt: skip
    disk = parse_df(text, "/srv/data files")
    assert disk.used_percent == round(100 * 900000 / 950000, 2)
    assert disk.mounted_on == "/srv/data files" and disk.available_kib == 50000


def test_docker_inspect_and_pod_spec() -> None:
    box = docker_state({"State": {"Running": True, "Status": "running", "Restarting": False,
                                  "Health": {"Status": "unhealthy"}},
                        "RestartCount": 3,
                        "HostConfig": {"Memory": 536870912, "NanoCpus": 0, "CpuQuota": 50000,
                                       "CpuPeriod": 100000}})  # fmt: skip
    assert box.running and box.health == "unhealthy" and box.restarts == 3
    assert box.memory_limit_bytes == 536870912 and box.cpu_limit == 0.5
    bare = docker_state({"State": {"Running": False, "Status": "exited"}, "HostConfig": {}})
    assert not bare.running and bare.memory_limit_bytes is None and bare.cpu_limit is None
    pod = {"spec": {"containers": [
               {"name": "app", "resources": {"limits": {"cpu": "500m", "memory": "256Mi"}}},
               {"name": "sidecar", "resources": {}}]},
           "status": {"phase": "Running", "containerStatuses": [
               {"name": "app", "ready": True, "restartCount": 1, "state": {"running": {}}},
               {"name": "sidecar", "ready": False, "restartCount": 4,
                "state": {"waiting": {"reason": "CrashLoopBackOff"}}}]}}  # fmt: skip
    whole = pod_state(pod)
    assert not whole.running and whole.not_ready == ["sidecar"] and whole.unlimited == ["sidecar"]
    assert whole.restarts == 5 and whole.memory_limit_bytes is None
    app = pod_state(pod, "app")
    assert app.running and not app.not_ready and not app.unlimited
    assert app.cpu_limit == 0.5 and app.memory_limit_bytes == 256 * 1024**2


# --- rules -------------------------------------------------------------------------------
def _host(name: str = "web", **facts: object) -> HostFacts:
    return HostFacts(name, f"ssh://{name}", reachable=True, os="Linux", **facts)  # type: ignore[arg-type]


LIMITS = hosts.UsageLimits(
    cpu=Threshold(op="<=", value=80, unit="%"),
    memory=Threshold(op="<=", value=85, unit="%"),
    disk_percent={"web": 90.0, "db": 50.0},
    judged=frozenset({"web", "db"}),
)


def test_state_pass_fail_and_gaps() -> None:
    good = _host(services=[ServiceState("nginx", True)], processes=[ProcessState("nginx", 2)],
                 ports=[PortState(443, True, ["0.0.0.0"])])  # fmt: skip
    review = hosts.host_state([good])
    assert review.checked == 3 and not review.findings and not review.gaps
    bad = _host("db", services=[ServiceState("postgresql", False)],
                processes=[ProcessState("postgres", 0)], ports=[PortState(5432, False)])
    review = hosts.host_state([good, bad])
    assert [str(f) for f in review.findings] == [
        "host:db: service postgresql is not running",
        "host:db: no process postgres is running",
        "host:db: nothing listens on tcp port 5432",
    ]
    unknown = _host(services=[ServiceState("nginx", None, error="sudo: a password is required")])
    gone = HostFacts("gone", "ssh://gone", reachable=False, error="Connection refused")
    review = hosts.host_state([unknown, gone])
    assert not review.findings and review.gaps == [
        "host web (ssh://web): service nginx: sudo: a password is required",
        "host gone (ssh://gone) not reachable: Connection refused",
    ]


def test_a_container_must_run_healthy() -> None:
    sick = HostFacts("api", "docker://api", reachable=True, os="Linux",
                     container=ContainerState("docker", True, "running", health="unhealthy"))
    stopped = HostFacts("job", "docker://job", reachable=False, error="container not running",
                        container=ContainerState("docker", False, "exited"))  # fmt: skip
    review = hosts.host_state([sick, stopped])
    assert [str(f) for f in review.findings] == [
        "host:api: container health is unhealthy",
        "host:job: docker container not running (status exited)",
    ]


def test_usage_against_the_alert_levels_and_the_disk_level() -> None:
    calm = _host(usage=HostUsage(40.0, 50.0), disks=[DiskUsage("/", 60.0)])
    assert not hosts.host_usage([calm], LIMITS).findings
    assert hosts.peak(hosts.host_usage([calm], LIMITS)) == 50.0
    busy = _host("db", usage=HostUsage(93.5, 86.0), disks=[DiskUsage("/", 55.0)])
    review = hosts.host_usage([calm, busy], LIMITS)
    assert [str(f) for f in review.findings] == [
        "host:db: cpu usage 93.5 %, alert level ≤ 80 %",
        "host:db: memory usage 86.0 %, alert level ≤ 85 %",
        "host:db: disk / usage 55.0 %, alert level ≤ 50 %",
    ]
    shared = hosts.UsageLimits(LIMITS.cpu, LIMITS.memory, LIMITS.disk_percent, frozenset())
    review = hosts.host_usage([busy], shared)
    assert not review.findings and review.checked == 0 and "judge_usage" in review.reason


def test_usage_under_load_is_the_peak_of_the_samples() -> None:
    series = UsageSeries("web", "ssh://web", cpu=[30.0, 85.0, 40.0], memory=[50.0, 51.0, 52.0])
    review = hosts.usage_under_load([series], LIMITS)
    assert [str(f) for f in review.findings] == ["host:web: cpu usage 85.0 %, alert level ≤ 80 %"]
    cpu = next(v for v in review.values if v["resource"] == "cpu")
    assert cpu["samples"] == 3 and cpu["mean"] == 51.67
    empty = hosts.usage_under_load([UsageSeries("web", "ssh://web", error="refused")], LIMITS)
    assert empty.gaps == ["host web (ssh://web) not sampled during the load run: refused"]


def test_container_limits() -> None:
    capped = HostFacts("api", "docker://api", reachable=True,
                       container=ContainerState("docker", True, memory_limit_bytes=1 << 29,
                                                cpu_limit=1.0))  # fmt: skip
    open_ended = HostFacts("job", "docker://job", reachable=True,
                           container=ContainerState("docker", True, memory_limit_bytes=1 << 29))
    review = hosts.container_limits([capped, open_ended, _host()])
    assert review.checked == 2
    assert [str(f) for f in review.findings] == ["host:job: no CPU limit set"]


def test_no_hosts_names_the_table() -> None:
    assert hosts.no_hosts("staging") == "no hosts configured ([environments.staging.hosts])"


def test_a_failed_command_is_told_in_its_own_words() -> None:
    from golive.facts.live.hosts import HostConnection, _why

    shown = _why(AssertionError(
        "Unexpected exit code 1 for CommandResult(backend=<local>, exit_status=1, "
        "command=b'docker inspect web', _stdout=b'[]\\n', _stderr=b'Cannot connect to "
        "the Docker daemon. Is the docker daemon running?\\n')"))  # fmt: skip
    assert shown == "Cannot connect to the Docker daemon. Is the docker daemon running?"
    assert _why(ValueError("no aggregate cpu line")) == "ValueError: no aggregate cpu line"
    pod = HostConnection("w", "kubectl://w-0?namespace=p&kubeconfig=/home/me/.kube/prod")
    assert pod.shown == "kubectl://w-0" and pod.container
