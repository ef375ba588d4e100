"""The local Supabase stack: compose files, Dockerfile, resource limits and DB scripts.

Scanners run once each over all their inputs: ``check-jsonschema --builtin-schema
vendor.compose-spec`` over both compose files, ``hadolint -f json`` over every Dockerfile;
shellcheck findings come from the one run over every script of the repository
(:func:`golive.facts.scans.shellcheck.shellcheck_findings`). On top of them,
golive's own rules for what the plan asks (healthchecks, named volumes, limits, networks,
pinned multi-stage non-root images, strict-mode scripts that wait for the database).
"""

from __future__ import annotations

import fnmatch
import json
import re
from pathlib import Path
from typing import Any

from golive._errors import NotVerified
from golive.facts.repo.compose import (
    COMPOSE_NAMES,
    OVERRIDE_NAMES,
    ComposeFile,
    Stack,
    as_list,
    compose_paths,
    limits,
    load_stack,
    parse_size,
    port_host_ip,
    port_text,
    volume_parts,
)
from golive.facts.repo.discover import SKIPPED_DIRS, find_deliverable, find_files
from golive.facts.repo.dockerfile import Dockerfile, assignments, substitute
from golive.facts.repo.shellscript import Script, read_script, strict_mode
from golive.facts.repo.structured import (
    Document,
    json_path_parts,
    line_at,
    load_structured,
    relative,
)
from golive.facts.repo.workspaces import app_of, apps
from golive.facts.scans.runner import run_scanner
from golive.facts.scans.shellcheck import shellcheck_findings
from golive.judging.findings import Finding
from golive.rules.secrets import is_sensitive

__all__ = [
    "DOCKERFILE_NAMES",
    "INIT_LOCAL_DB",
    "MIGRATION_CHECK",
    "RESOURCE_LIMITS",
    "compose_examined",
    "compose_override_findings",
    "docker_compose_findings",
    "docker_network_findings",
    "docker_resources_findings",
    "dockerfile_findings",
    "dockerfiles_by_app",
    "init_local_db_findings",
    "migration_check_findings",
    "resource_limits_findings",
    "volume_persistence_findings",
]

DOCKERFILE_NAMES = ("Dockerfile", "Dockerfile.*", "*.Dockerfile", "*.dockerfile")
RESOURCE_LIMITS = "resource-limits.conf"
INIT_LOCAL_DB = "init-local-db.sh"
MIGRATION_CHECK = "migration-check.sh"

# database engines by image (the last path part, any registry or vendor prefix) and where
# each keeps its data; bitnami images keep it under /bitnami/<engine>
_DB_IMAGES = (
    ("postgres", re.compile(r"(^|/)(postgres|postgresql|postgis|timescaledb|timescaledb-ha|"
                            r"pgvector)(:|@|$)")),
    ("mysql", re.compile(r"(^|/)(mysql|mariadb|percona|percona-server)(:|@|$)")),
    ("mongo", re.compile(r"(^|/)(mongo|mongodb|mongodb-community-server)(:|@|$)")),
    ("redis", re.compile(r"(^|/)(redis|redis-stack-server|valkey)(:|@|$)")),
)
_DATA_DIRS = {
    "postgres": "/var/lib/postgresql/data",
    "mysql": "/var/lib/mysql",
    "mongo": "/data/db",
    "redis": "/data",
}
_DATA_DIR = _DATA_DIRS["postgres"]
# redis is a database only when it is told to persist (else it is a cache: nothing to keep)
_REDIS_PERSISTS = re.compile(r"--appendonly\s+yes|--save\s+[\"']?\d")
_LOOPBACK = ("127.0.0.1", "::1", "[::1]", "localhost")


def _not_found(repo: Path, *names: str) -> Finding:
    skipped = ", ".join(sorted(SKIPPED_DIRS))
    return Finding(
        names[0], None, f"not found: {' or '.join(names)} anywhere in {repo} (skipping {skipped})"
    )


# --- compose files -------------------------------------------------------------------


def compose_schema_findings(repo: Path) -> dict[str, list[Finding]]:
    """check-jsonschema's compose-spec verdict per compose file (one run for both)."""
    root = Path(repo).resolve()
    stack = load_stack(root, _not_found(root, *COMPOSE_NAMES))
    paths = [f.path for f in stack.files] or [p for p in compose_paths(root) if p is not None]
    if not paths:
        return {}
    names = [relative(root, p) for p in paths]
    run = run_scanner(
        "check-jsonschema",
        ["--builtin-schema", "vendor.compose-spec", "-o", "json", *names],
        paths,
        cwd=root,
    )
    try:
        report = json.loads(run.stdout)
    except json.JSONDecodeError as exc:
        raise NotVerified(
            f"check-jsonschema gave no JSON report (exit {run.returncode}): "
            f"{(run.stderr or run.stdout).strip()[:300]}"
        ) from exc
    result: dict[str, list[Finding]] = {n: [] for n in names}
    documents = {name: load_structured(root, path) for name, path in zip(names, paths, strict=True)}
    for error in report.get("errors", []):
        file = str(error.get("filename"))
        best = error.get("best_deep_match") or error.get("best_match") or error
        where = str(best.get("path", error.get("path", "$")))
        document = documents.get(file)
        line = (
            line_at(document.data, *json_path_parts(where))
            if isinstance(document, Document) else None
        )
        result.setdefault(file, []).append(
            Finding(
                file, line, f"compose spec: {where}: {best.get('message', error.get('message'))}"
            )
        )
    for error in report.get("parse_errors", []):
        file = str(error.get("filename"))
        result.setdefault(file, []).append(Finding(file, None, str(error.get("message"))))
    return result


def _stack(repo: Path) -> Stack:
    stack = load_stack(repo, _not_found(repo, *COMPOSE_NAMES))
    # the compose checks have always said "not valid YAML"
    stack.findings = [
        Finding(f.file, f.line, f.message.replace("invalid YAML", "not valid YAML", 1))
        for f in stack.findings
    ]
    stack.include_findings = [
        Finding(f.file, f.line, f.message.replace("invalid YAML", "not valid YAML", 1))
        for f in stack.include_findings
    ]
    return stack


def compose_examined(repo: Path) -> tuple[list[str], list[str]]:
    """The compose files read (includes followed) and the services they define, for the
    evidence of what the compose checks examined."""
    stack = load_stack(repo, _not_found(repo, *COMPOSE_NAMES))
    return [f.name for f in stack.files], sorted(stack.merged_services())


def _examined_services(stack: Stack, what: str) -> dict[str, dict[str, Any]]:
    """The merged services; none at all → not_verified (checked nothing is never a pass)."""
    services = stack.merged_services()
    if not services:
        names = ", ".join(f.name for f in stack.files)
        why = "; ".join([*stack.unfollowed, *(str(f) for f in stack.include_findings)])
        raise NotVerified(
            f"no service is defined in {names}" + (f" ({why})" if why else "")
            + f": no {what} to examine"
        )
    return services


def _image_problem(image: object) -> str | None:
    if not isinstance(image, str) or not image:
        return None
    if "@sha256:" in image:
        return None
    tail = image.rsplit("/", 1)[-1]
    if ":" not in tail:
        return f"image {image} has no tag (it floats to :latest)"
    tag = tail.split(":", 1)[1]
    if tag == "latest" or (tag.startswith("${") and ":-latest" in tag):
        return f"image {image} uses the moving tag latest"
    return None


def _healthcheck_problem(service: dict[str, Any]) -> str | None:
    check = service.get("healthcheck")
    if not isinstance(check, dict):
        return "no healthcheck"
    if check.get("disable") is True:
        return "healthcheck disabled"
    test = check.get("test")
    if test in (None, "", [], ["NONE"]):
        return "healthcheck has no test"
    return None


def docker_compose_findings(repo: Path) -> list[Finding]:
    """docker-compose.yml exists, satisfies the compose spec, and every service is
    health-checked, pinned and started only after its dependencies are healthy."""
    stack = _stack(repo)
    base = stack.base
    if base is None:
        return stack.findings
    side = stack.base_side  # the base file and the files it includes
    findings = [f for f in stack.findings if f.file == base.name]
    findings += stack.include_findings
    schema = compose_schema_findings(repo)
    for compose in side:
        findings += schema.get(compose.name, [])
    if not any(compose.services for compose in side):
        if stack.unfollowed:
            raise NotVerified(
                f"{base.name} defines no service itself and golive could not follow what it "
                f"refers to: {'; '.join(stack.unfollowed)}"
            )
        findings.append(Finding(base.name, base.line("services"), "no services"))
    merged = stack.merged_services()
    for compose, name, service in (
        (c, n, s) for c in side for n, s in c.services.items()
    ):
        findings += _service_findings(compose, name, service, merged)
    return findings


def _service_findings(
    base: ComposeFile, name: str, service: dict[str, Any], merged: dict[str, dict[str, Any]]
) -> list[Finding]:
    """One service of the base side: health-checked, pinned, started after healthy deps."""
    findings: list[Finding] = []
    line = base.line("services", name)
    problem = _healthcheck_problem(service)
    if problem:
        findings.append(Finding(base.name, line, f"service {name}: {problem}"))
    problem = _image_problem(service.get("image"))
    if problem and "build" not in service:
        findings.append(
            Finding(
                base.name,
                base.line("services", name, "image"),
                f"service {name}: {problem}",
            )
        )
    if "image" not in service and "build" not in service:
        findings.append(Finding(base.name, line, f"service {name}: neither image nor build"))
    depends = service.get("depends_on")
    dependencies: dict[str, Any] = (
        {str(d): {} for d in depends}
        if isinstance(depends, list)
        else dict(depends)
        if isinstance(depends, dict)
        else {}
    )
    for dependency, spec in dependencies.items():
        condition = spec.get("condition") if isinstance(spec, dict) else None
        if dependency not in merged:
            findings.append(
                Finding(
                    base.name, line, f"service {name} depends on undefined service {dependency}"
                )
            )
        elif condition != "service_healthy" and "healthcheck" in merged[dependency]:
            findings.append(
                Finding(
                    base.name,
                    base.line("services", name, "depends_on"),
                    f"service {name} starts before {dependency} is healthy "
                    "(depends_on condition: service_healthy)",
                )
            )
    return findings


def compose_override_findings(repo: Path) -> list[Finding]:
    """docker-compose.override.yml exists, is valid, and only overrides; it never switches
    off healthchecks, runs privileged, or opens ports beyond loopback."""
    stack = _stack(repo)
    if stack.override is None:
        problems = [f for f in stack.findings if Path(f.file).name in OVERRIDE_NAMES]
        return problems or [_not_found(repo, *OVERRIDE_NAMES)]
    schema = compose_schema_findings(repo)
    findings = [f for c in stack.override_side for f in schema.get(c.name, [])]
    base_services = {n: s for c in stack.base_side for n, s in c.services.items()}
    overriding = [(c, n, s) for c in stack.override_side for n, s in c.services.items()]
    if not overriding:
        raise NotVerified(
            f"{stack.override.name} overrides no service: nothing to examine"
            + (f" ({'; '.join(stack.unfollowed)})" if stack.unfollowed else "")
        )
    for override, name, service in overriding:
        line = override.line("services", name)
        if name not in base_services and "image" not in service and "build" not in service:
            findings.append(
                Finding(
                    override.name,
                    line,
                    f"service {name} is not in the base compose file and has no image or build",
                )
            )
        check = service.get("healthcheck")
        if isinstance(check, dict) and (
            check.get("disable") is True or check.get("test") == ["NONE"]
        ):
            findings.append(
                Finding(
                    override.name,
                    override.line("services", name, "healthcheck"),
                    f"service {name}: healthcheck switched off",
                )
            )
        if service.get("privileged") is True:
            findings.append(
                Finding(
                    override.name,
                    override.line("services", name, "privileged"),
                    f"service {name} runs privileged",
                )
            )
        if service.get("network_mode") == "host":
            findings.append(Finding(override.name, line, f"service {name} uses the host network"))
        for index, port in enumerate(as_list(service.get("ports"))):
            host_ip = port_host_ip(port)
            if host_ip not in _LOOPBACK:
                findings.append(
                    Finding(
                        override.name,
                        override.line("services", name, "ports", index),
                        f"service {name} publishes {port_text(port)} on all "
                        "interfaces (bind 127.0.0.1)",
                    )
                )
    return findings


# --- resources, volumes, networks -----------------------------------------------------

def memory_limit(service: dict[str, Any]) -> int | None:
    return parse_size(limits(service)[0])


def docker_resources_findings(repo: Path) -> list[Finding]:
    """Every service (base and override merged) has a memory and a CPU limit."""
    stack = _stack(repo)
    if stack.base is None:
        return stack.findings
    findings: list[Finding] = []
    for name, service in _examined_services(stack, "container resources").items():
        file, line = stack.where(name)
        memory, cpus, reserved = limits(service)
        if memory is None:
            findings.append(Finding(file, line, f"service {name}: no memory limit"))
        elif parse_size(memory) is None:
            findings.append(
                Finding(file, line, f"service {name}: memory limit {memory!r} unreadable")
            )
        if cpus is None:
            findings.append(Finding(file, line, f"service {name}: no CPU limit"))
        else:
            try:
                if float(str(cpus)) <= 0:
                    raise ValueError
            except ValueError:
                findings.append(
                    Finding(file, line, f"service {name}: CPU limit {cpus!r} unreadable")
                )
        low, high = parse_size(reserved), parse_size(memory)
        if low is not None and high is not None and low > high:
            findings.append(Finding(file, line, f"service {name}: memory reservation above limit"))
    return findings


def _engine(service: dict[str, Any]) -> str | None:
    """The database engine a service runs (by its image), None when it runs none; redis
    counts only when its command turns persistence on (else it is a cache)."""
    image = str(service.get("image", "")).lower()
    engine = next((e for e, pattern in _DB_IMAGES if pattern.search(image)), None)
    if engine == "redis":
        command = service.get("command")
        text = " ".join(map(str, command)) if isinstance(command, list) else str(command or "")
        return engine if _REDIS_PERSISTS.search(text) else None
    return engine


def _is_database(service: dict[str, Any]) -> bool:
    return _engine(service) is not None


def volume_persistence_findings(repo: Path) -> list[Finding]:
    """Every database service keeps its data directory on a declared named volume."""
    stack = _stack(repo)
    if stack.base is None:
        return stack.findings
    findings: list[Finding] = []
    declared = stack.top_level("volumes")
    services = _examined_services(stack, "database volume")
    databases = {n: s for n, s in services.items() if _is_database(s)}
    if not databases:
        # the plan's line is about the database's data: a stack without one has none to keep
        raise NotVerified(
            f"no database service in the stack (services: {', '.join(sorted(services))}; "
            "a database is an image of postgres, mysql/mariadb, mongo, or redis run with "
            "--appendonly yes/--save): no database data to persist"
        )
    for name, service in services.items():
        for volume in as_list(service.get("volumes")):
            source, _, kind = volume_parts(volume)
            if kind == "volume" and source and source not in declared:
                file, line = stack.where(name, "volumes")
                findings.append(
                    Finding(
                        file,
                        line,
                        f"service {name}: volume {source} is not declared under top-level volumes",
                    )
                )
    for name, service in databases.items():
        finding = _data_dir_finding(stack, name, service)
        if finding is not None:
            findings.append(finding)
    return findings


def _data_dir(service: dict[str, Any]) -> str:
    engine = _engine(service) or "postgres"
    image = str(service.get("image", "")).lower()
    default = (
        f"/bitnami/{'postgresql' if engine == 'postgres' else engine}"
        if image.startswith(("bitnami/", "docker.io/bitnami/")) else _DATA_DIRS[engine]
    )
    if engine != "postgres":
        return default
    env = service.get("environment")
    if isinstance(env, dict) and env.get("PGDATA"):
        return str(env["PGDATA"])
    if isinstance(env, list):
        return next(
            (str(e).split("=", 1)[1] for e in env if str(e).startswith("PGDATA=")), default
        )
    return default


def _data_dir_finding(stack: Stack, name: str, service: dict[str, Any]) -> Finding | None:
    """Why the database's data directory is not on a named volume (None when it is)."""
    data_dir = _data_dir(service)
    mounts = [volume_parts(v) for v in as_list(service.get("volumes"))]
    covering = [
        m for m in mounts if m[1] and (data_dir + "/").startswith(m[1].rstrip("/") + "/")
    ]
    file, line = stack.where(name, "volumes")
    if not covering:
        tmpfs = as_list(service.get("tmpfs")) + (
            [service["tmpfs"]] if isinstance(service.get("tmpfs"), str) else []
        )
        held = (
            "tmpfs (lost on stop)"
            if any(str(t).startswith(data_dir) for t in tmpfs)
            else "the container layer (lost when it is recreated)"
        )
        return Finding(
            file,
            line or stack.where(name)[1],
            f"service {name}: data directory {data_dir} lives in {held}; mount a named volume",
        )
    source, target, kind = covering[-1]
    if source is None:
        return Finding(
            file,
            line,
            f"service {name}: {target} is an anonymous volume "
            "(a new one on every recreate); use a named volume",
        )
    if kind != "volume":
        return Finding(
            file, line, f"service {name}: {target} is a bind mount of {source}; use a named volume"
        )
    return None


def docker_network_findings(repo: Path) -> list[Finding]:
    """User-defined networks, every service on one, no host networking, ports on loopback."""
    stack = _stack(repo)
    if stack.base is None:
        return stack.findings
    services = _examined_services(stack, "container network")
    findings: list[Finding] = []
    declared = stack.top_level("networks")
    if not declared:
        findings.append(
            Finding(
                stack.base.name,
                None,
                "no networks declared: every service shares the default network",
            )
        )
    for name, service in services.items():
        file, line = stack.where(name)
        if service.get("network_mode") == "host":
            findings.append(Finding(file, line, f"service {name} uses the host network"))
            continue
        networks = service.get("networks")
        attached = list(networks) if isinstance(networks, dict | list) else []
        if not attached and service.get("network_mode") is None:
            findings.append(Finding(file, line, f"service {name} is on no declared network"))
        for network in attached:
            if str(network) not in declared and str(network) != "default":
                findings.append(
                    Finding(
                        file,
                        line,
                        f"service {name}: network {network} is not "
                        "declared under top-level networks",
                    )
                )
    for name, file, line, port in stack.ports():
        if port_host_ip(port) not in _LOOPBACK:
            findings.append(
                Finding(
                    file,
                    line,
                    f"service {name} publishes {port_text(port)} on all interfaces "
                    "(bind 127.0.0.1)",
                )
            )
    return findings


# --- resource-limits.conf ---------------------------------------------------------------

_CONF_LINE = re.compile(r"^\s*([A-Za-z_][A-Za-z0-9_.]*)\s*=?\s*(.*?)\s*$")
_PG_UNITS = {"b": 1, "kb": 1024, "mb": 1024**2, "gb": 1024**3, "tb": 1024**4}
# the unit a bare number means, per parameter (postgresql.conf)
_PG_DEFAULT_UNIT = {
    "shared_buffers": 8192,
    "effective_cache_size": 8192,
    "wal_buffers": 8192,
    "work_mem": 1024,
    "maintenance_work_mem": 1024,
    "temp_buffers": 8192,
}
REQUIRED_PARAMETERS = (
    "max_connections",
    "shared_buffers",
    "work_mem",
    "maintenance_work_mem",
    "effective_cache_size",
)


def _pg_bytes(name: str, value: str) -> int | None:
    match = re.fullmatch(r"(\d+)\s*([kKmMgGtT]?[bB])?", value)
    if not match:
        return None
    number, unit = match.groups()
    if unit:
        return int(number) * _PG_UNITS[unit.lower()]
    return int(number) * _PG_DEFAULT_UNIT.get(name, 1)


def parse_pg_conf(text: str) -> tuple[dict[str, tuple[str, int]], list[tuple[int, str]]]:
    """name -> (value, line) of a postgresql.conf-style file, and (line, problem) pairs."""
    values: dict[str, tuple[str, int]] = {}
    problems: list[tuple[int, str]] = []
    for number, raw in enumerate(text.splitlines(), start=1):
        line = re.sub(r"\s+#.*$|^\s*#.*$", "", raw).strip()
        if not line:
            continue
        match = _CONF_LINE.match(line)
        if match is None or not match.group(2):
            problems.append((number, "not a 'name = value' line"))
            continue
        name, value = match.group(1).lower(), match.group(2)
        if value[:1] == "'":
            if not value.endswith("'") or len(value) < 2:
                problems.append((number, f"{name}: unterminated quote"))
                continue
            value = value[1:-1]
        values[name] = (value, number)
    return values, problems


def _mounts_file(stack: Stack, conf: Path) -> str | None:
    """The service that mounts ``conf`` into its container, if any."""
    for compose in stack.files:
        for name, service in compose.services.items():
            for volume in as_list(service.get("volumes")):
                source, _, kind = volume_parts(volume)
                if (
                    kind == "bind"
                    and source
                    and (compose.path.parent / source).resolve() == conf.resolve()
                ):
                    return name
    return None


def _conf_findings(
    name: str, values: dict[str, tuple[str, int]], problems: list[tuple[int, str]]
) -> tuple[list[Finding], dict[str, int]]:
    """What is wrong with the settings themselves, and the sizes in bytes that parse."""
    findings = [Finding(name, line, problem) for line, problem in problems]
    findings += [
        Finding(name, None, f"{parameter} is not set")
        for parameter in REQUIRED_PARAMETERS if parameter not in values
    ]
    sizes: dict[str, int] = {}
    for parameter, (value, line) in values.items():
        if parameter not in _PG_DEFAULT_UNIT:
            continue
        size = _pg_bytes(parameter, value)
        if size is None:
            findings.append(Finding(name, line, f"{parameter} = {value}: not a size"))
        else:
            sizes[parameter] = size
    connections = values.get("max_connections")
    if connections and not connections[0].isdigit():
        findings.append(Finding(name, connections[1], "max_connections is not a number"))
    return findings, sizes


def _budget_findings(
    name: str, values: dict[str, tuple[str, int]], sizes: dict[str, int],
    service: str, limit: int,
) -> list[Finding]:
    """The settings against the container's memory limit."""
    def line_of(parameter: str) -> int | None:
        return values[parameter][1] if parameter in values else None

    findings = []
    mib = 1024**2
    shared = sizes.get("shared_buffers")
    if shared is not None and shared > 0.4 * limit:
        findings.append(
            Finding(
                name,
                line_of("shared_buffers"),
                f"shared_buffers {shared // mib} MiB is over 40% of {service}'s "
                f"memory limit ({limit // mib} MiB)",
            )
        )
    cache = sizes.get("effective_cache_size")
    if cache is not None and cache > limit:
        findings.append(
            Finding(
                name,
                line_of("effective_cache_size"),
                f"effective_cache_size {cache // mib} MiB exceeds the container's "
                f"{limit // mib} MiB",
            )
        )
    work = sizes.get("work_mem")
    connections = values.get("max_connections")
    if shared is not None and work is not None and connections and connections[0].isdigit():
        budget = shared + int(connections[0]) * work
        if budget > limit:
            findings.append(
                Finding(
                    name,
                    line_of("work_mem"),
                    f"shared_buffers + max_connections × work_mem = "
                    f"{budget // mib} MiB exceeds {service}'s memory limit "
                    f"({limit // mib} MiB)",
                )
            )
    return findings


def resource_limits_findings(repo: Path) -> list[Finding]:
    """resource-limits.conf sets the database's memory and connection budget, fits inside
    the container's memory limit, and is actually mounted into the database container."""
    path = find_deliverable(repo, RESOURCE_LIMITS)
    if path is None:
        return [_not_found(repo, RESOURCE_LIMITS)]
    name = relative(repo, path)
    try:
        values, problems = parse_pg_conf(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError) as exc:
        return [Finding(name, None, f"cannot read: {exc}")]
    findings, sizes = _conf_findings(name, values, problems)
    stack = _stack(repo)
    if stack.base is None:
        findings.append(
            Finding(
                name,
                None,
                "cannot check against the container: "
                + (stack.findings[0].message if stack.findings else "no compose"),
            )
        )
        return findings
    services = stack.merged_services()
    mounted_by = _mounts_file(stack, path)
    if mounted_by is None:
        findings.append(
            Finding(
                name,
                None,
                "not mounted into any container by the compose files: the database never reads it",
            )
        )
        # resource-limits.conf is postgresql.conf syntax: the postgres service reads it
        databases = [n for n, s in services.items() if _engine(s) == "postgres"]
        mounted_by = databases[0] if databases else None
    if mounted_by is None:
        return findings
    limit = memory_limit(services[mounted_by])
    if limit is None:
        findings.append(
            Finding(
                name,
                None,
                f"service {mounted_by} has no memory limit to size these settings against",
            )
        )
        return findings
    return findings + _budget_findings(name, values, sizes, mounted_by, limit)


# --- Dockerfile ---------------------------------------------------------------------------


def _dockerignore(dockerfile: Path, root: Path) -> Path | None:
    """The ignore file of its build: ``<name>.dockerignore`` or ``.dockerignore`` beside it,
    else of an enclosing folder up to the repository (a monorepo builds an app's Dockerfile
    from the root: ``docker build -f apps/web/Dockerfile .``)."""
    beside = dockerfile.parent / f"{dockerfile.name}.dockerignore"
    if beside.is_file():
        return beside
    folder = dockerfile.parent
    while True:
        if (folder / ".dockerignore").is_file():
            return folder / ".dockerignore"
        if folder == root or root not in folder.parents:
            return None
        folder = folder.parent


def _dockerignore_problem(dockerfile: Path, root: Path | None = None) -> str | None:
    ignore = _dockerignore(dockerfile, root or dockerfile.parent)
    if ignore is None:
        return (
            "no .dockerignore next to it: COPY . sends .env.local, .git and node_modules "
            "into the build"
        )
    patterns = [
        p.strip()
        for p in ignore.read_text(encoding="utf-8").splitlines()
        if p.strip() and not p.strip().startswith(("#", "!"))
    ]
    missing = []
    for probe in (".env.local", ".git"):
        if not any(
            fnmatch.fnmatch(probe, re.sub(r"^(/|\*\*/)+", "", p).rstrip("/")) for p in patterns
        ):
            missing.append(probe)
    if missing:
        shown = ignore.name if ignore.parent == dockerfile.parent else ignore.as_posix()
        if root is not None and ignore.parent != dockerfile.parent:
            shown = relative(root, ignore)
        return f"{shown} does not exclude {', '.join(missing)}"
    return None


def dockerfile_findings(repo: Path) -> list[Finding]:
    """hadolint errors and warnings, plus: base images pinned, multi-stage, non-root final
    user, no secrets in ARG/ENV, a .dockerignore keeping secrets out of the context."""
    root = Path(repo).resolve()
    paths = [p for p in find_files(root, *DOCKERFILE_NAMES) if p.is_file()]
    if not paths:
        return [_not_found(repo, "Dockerfile")]
    names = [relative(root, p) for p in paths]
    run = run_scanner("hadolint", ["-f", "json", "--no-fail", *names], paths, cwd=root)
    try:
        results = json.loads(run.stdout or "[]")
    except json.JSONDecodeError as exc:
        raise NotVerified(
            f"hadolint gave no JSON report (exit {run.returncode}): "
            f"{(run.stderr or run.stdout).strip()[:300]}"
        ) from exc
    findings = [
        Finding(
            str(r.get("file")),
            r.get("line"),
            f"hadolint {r.get('code')} ({r.get('level')}): {r.get('message')}",
        )
        for r in results
        if r.get("level") in ("error", "warning")
    ]
    for path, name in zip(paths, names, strict=True):
        findings += _dockerfile_rules(path, name, root)
    return findings


def dockerfiles_by_app(repo: Path) -> dict[str, list[str]]:
    """The Dockerfiles of each app (:func:`golive.facts.repo.workspaces.apps`), for the
    evidence; a monorepo's root tooling is listed as "(root)"."""
    root = Path(repo).resolve()
    every = apps(root)
    found: dict[str, list[str]] = {}
    for path in find_files(root, *DOCKERFILE_NAMES):
        if path.is_file():
            owner = app_of(root, path, every)
            found.setdefault(owner.label if owner else "(root)", []).append(relative(root, path))
    return found


def _base_image_findings(dockerfile: Dockerfile, name: str) -> list[Finding]:
    found = []
    global_args = dockerfile.global_args()
    stages: list[str] = []
    for instruction in dockerfile.froms:
        words = [w for w in instruction.arguments.split() if not w.startswith("--")]
        if not words:
            found.append(Finding(name, instruction.line, "FROM without an image"))
            continue
        image = substitute(words[0], global_args)
        if image.lower() not in stages and image != "scratch":
            problem = _image_problem(image)
            if problem:
                found.append(Finding(name, instruction.line, f"base {problem}"))
        if len(words) >= 3 and words[1].upper() == "AS":
            stages.append(words[2].lower())
    return found


def _final_user_findings(dockerfile: Dockerfile, name: str) -> list[Finding]:
    last_from = dockerfile.froms[-1]
    users = [i for i in dockerfile.final_stage() if i.keyword == "USER"]
    if not users:
        return [Finding(name, last_from.line, "the final stage runs as root (no USER)")]
    if users[-1].arguments.split(":")[0].strip() in ("root", "0"):
        return [Finding(name, users[-1].line, "the final stage runs as root")]
    return []


def _build_secret_findings(dockerfile: Dockerfile, name: str) -> list[Finding]:
    return [
        Finding(
            name,
            instruction.line,
            f"{instruction.keyword} {key}: a secret in a build argument "
            "or environment stays in the image history (use "
            "RUN --mount=type=secret or runtime env)",
        )
        for instruction in dockerfile.instructions
        if instruction.keyword in ("ARG", "ENV")
        for key, _ in assignments(instruction.arguments)
        if is_sensitive(key)
    ]


def _dockerfile_rules(path: Path, name: str, root: Path | None = None) -> list[Finding]:
    dockerfile = Dockerfile.parse(path.read_text(encoding="utf-8"))
    froms = dockerfile.froms
    if not froms:
        return [Finding(name, None, "no FROM instruction")]
    findings = _base_image_findings(dockerfile, name)
    if len(froms) < 2:
        findings.append(
            Finding(
                name,
                froms[0].line,
                "single-stage build: build tools and sources "
                "ship in the runtime image (use a multi-stage build)",
            )
        )
    findings += _final_user_findings(dockerfile, name)
    findings += _build_secret_findings(dockerfile, name)
    problem = _dockerignore_problem(path, root)
    if problem:
        findings.append(Finding(name, None, problem))
    return findings


# --- scripts ------------------------------------------------------------------------------


def _strict_mode_problem(text: str) -> tuple[int | None, str] | None:
    """Whether errexit, nounset and pipefail are on before the first command runs."""
    strict = strict_mode(text.splitlines())
    missing = strict.missing_before_first_command
    if not missing:
        return None
    if strict.first_command is None:
        return None, "no strict mode (set -euo pipefail)"
    return strict.first_command, (
        f"no strict mode before the first command (missing {', '.join(missing)}; "
        "use set -euo pipefail)"
    )


def _script(repo: Path, name: str) -> tuple[Script | None, list[Finding]]:
    path = find_deliverable(repo, name)
    if path is None:
        return None, [_not_found(repo, name)]
    script = read_script(repo, path, name)
    if isinstance(script, Finding):
        return None, [script]
    rel = script.shown
    findings = []
    if not script.text.startswith("#!"):
        findings.append(Finding(rel, 1, "no shebang line"))
    problem = _strict_mode_problem(script.text)
    if problem:
        findings.append(Finding(rel, problem[0], problem[1]))
    findings += shellcheck_findings(repo).get(rel, [])
    code = "\n".join(line for _, line in script.code_lines())
    if re.search(r"\bpsql\b", code) and "ON_ERROR_STOP" not in code:
        findings.append(
            Finding(
                rel,
                None,
                "psql runs without -v ON_ERROR_STOP=1: a failing SQL statement still exits 0",
            )
        )
    return script, findings


_WAIT = re.compile(
    r"pg_isready|--wait\b|service_healthy|\.State\.Health|health_status|"
    r"select\s+1",
    re.IGNORECASE,
)
_MIGRATE = re.compile(
    r"supabase\s+(db\s+(push|reset)|migration\s+up)|dbmate|prisma\s+migrate|"
    r"sqitch|flyway|migrate\s+up|migrations",
    re.IGNORECASE,
)


def init_local_db_findings(repo: Path) -> list[Finding]:
    """init-local-db.sh: strict mode, waits for the database with a readiness check, runs
    the migrations and the seed, psql stops on errors, shellcheck clean."""
    script, findings = _script(repo, INIT_LOCAL_DB)
    if script is None:
        return findings
    rel = script.shown
    code = "\n".join(line for _, line in script.code_lines())
    loops = re.search(r"\b(until|while)\b[^\n]*(" + _WAIT.pattern + ")", code, re.IGNORECASE)
    if not (loops or re.search(r"--wait\b", code)):
        how = " (only a fixed sleep)" if re.search(r"\bsleep\b", code) else ""
        findings.append(
            Finding(
                rel,
                None,
                "does not wait for the database to be ready"
                + how
                + " (loop on pg_isready, or docker compose up --wait)",
            )
        )
    if not _MIGRATE.search(code):
        findings.append(Finding(rel, None, "does not run the migrations"))
    if not re.search(r"seed", code, re.IGNORECASE):
        findings.append(Finding(rel, None, "does not load the seed data"))
    migrations = [p for p in find_files(repo, "*.sql") if p.parent.name == "migrations"]
    if not migrations:
        findings.append(Finding(rel, None, "no migrations/*.sql in the repository to run"))
    if not find_files(repo, "seed.sql", "seed*.sql"):
        findings.append(Finding(rel, None, "no seed.sql in the repository to load"))
    return findings


_SWALLOW = re.compile(r"\|\|\s*(true|:)\s*(;|$)|;\s*true\s*$")


def migration_check_findings(repo: Path) -> list[Finding]:
    """migration-check.sh: strict mode, checks the migrations, fails (non-zero) on a problem
    instead of swallowing it, psql stops on errors, shellcheck clean."""
    script, findings = _script(repo, MIGRATION_CHECK)
    if script is None:
        return findings
    rel = script.shown
    lines = script.code_lines()
    code = "\n".join(line for _, line in lines)
    if not re.search(r"migration", code, re.IGNORECASE):
        findings.append(Finding(rel, None, "does not look at the migrations"))
    for number, line in lines:
        if (
            _SWALLOW.search(line)
            and re.search(r"psql|supabase|migrat|docker|sql", line, re.I)
            and not line.lstrip().startswith("trap ")
        ):
            findings.append(
                Finding(
                    rel,
                    number,
                    "a failing check is swallowed (|| true): the "
                    "script exits 0 on a broken migration",
                )
            )
    exits = re.findall(r"\bexit\s+(\S+)", code)
    if not any(e not in ("0",) for e in exits) and not re.search(r"set\s+-\w*e", code):
        findings.append(Finding(rel, None, "never exits non-zero: CI cannot tell a failed check"))
    return findings
