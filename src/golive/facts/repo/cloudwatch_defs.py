"""CloudWatch alarms, log groups and metric filters as a repository defines them.

Teams write them in several formats; all are read into one shape so the rules stay one:
alarms as PutMetricAlarm requests, metric filters as PutMetricFilter requests, log groups as
``{name, category?, retention_in_days?}``. Accepted formats:

- golive's shape (``{alarms: [...]}``, ``{log_groups: [...]}``, ``{metric_filters: [...]}``);
- CloudFormation / SAM templates, YAML (short-form tags) or JSON, CDK synth output included;
- Terraform HCL (``aws_cloudwatch_metric_alarm``, ``aws_cloudwatch_composite_alarm``,
  ``aws_cloudwatch_log_group``, ``aws_cloudwatch_log_metric_filter``);
- AWS CLI JSON (``describe-alarms``, ``put-metric-alarm --cli-input-json``,
  ``logs describe-log-groups``, ``logs describe-metric-filters``).

The plan's file (alarm-definitions.yml, …) is read first; when it is absent or in none of
these shapes, CloudFormation templates and Terraform files anywhere in the repository are.
A value fixed only at deploy time stays :class:`Unresolved`: the rules do not judge it.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from golive.facts.repo.cloudformation import (
    Unresolved,
    is_template,
    load_template_text,
    resolve,
    template_resources,
)
from golive.facts.repo.discover import find_deliverable, repo_files
from golive.facts.repo.structured import Document, Located, load_structured, relative
from golive.facts.repo.terraform import TerraformFile, load_terraform, load_tfvars, tf_resolve
from golive.judging.findings import Finding

__all__ = [
    "ACCEPTED",
    "ALARM_FILES",
    "FILTER_FILES",
    "LOG_CONFIG_FILES",
    "RETENTION_FILES",
    "Definitions",
    "Item",
    "Source",
    "Unresolved",
    "alarm_definitions",
    "log_group_definitions",
    "metric_filter_definitions",
    "retention_definitions",
]

ACCEPTED = "golive shape, CloudFormation/SAM, Terraform, AWS CLI JSON"
ALARM_FILES = ("alarm-definitions.yml", "alarm-definitions.yaml", "alarm-definitions.json")
LOG_CONFIG_FILES = ("log-config.json",)
RETENTION_FILES = ("retention-policy.json",)
FILTER_FILES = ("metric-filters.json", "metric-filters.yml", "metric-filters.yaml")

# folders of copies and other people's code (beside discover.SKIPPED_DIRS)
_SKIPPED = frozenset({"vendor", "vendored", "third_party", ".terraform", ".aws-sam",
                      ".serverless", "dist", "build"})
_MAX_BYTES = 2_000_000
_CFN_MARKERS = ("AWS::CloudWatch::", "AWS::Logs::")
_TF_MARKER = "aws_cloudwatch_"
_TF_MODULE_MARKER = 'module "'


class Item(Located):
    """One normalised definition, remembering the file and line it was written on."""

    file: str = ""

    def finding(self, message: str) -> Finding:
        return Finding(self.file, self.line, message)


def _item(data: dict[str, Any], file: str, line: int | None) -> Item:
    out = Item(data)
    out.file, out.line = file, line
    if isinstance(data, Located):
        out.key_lines = dict(data.key_lines)
    return out


@dataclass(frozen=True)
class Source:
    file: str
    format: str
    count: int

    def as_dict(self) -> dict[str, object]:
        return {"file": self.file, "format": self.format, "definitions": self.count}


@dataclass
class Definitions:
    """What the repository defines of one kind, and where it was read."""

    kind: str
    items: list[Item] = field(default_factory=list)
    composites: list[Item] = field(default_factory=list)  # composite alarms
    sources: list[Source] = field(default_factory=list)
    unrecognised: list[str] = field(default_factory=list)  # plan files in no known shape
    problems: list[Finding] = field(default_factory=list)  # unreadable plan file, bad shape
    missing: Finding | None = None
    plan_doc: Document | None = None  # the plan file, when read in golive's shape

    @property
    def unrecognised_reason(self) -> str:
        return (f"unrecognised format: {', '.join(self.unrecognised)} (accepted: {ACCEPTED})")

    def evidence(self) -> list[dict[str, object]]:
        shown = [s.as_dict() for s in self.sources]
        shown += [{"file": f, "format": "unrecognised"} for f in self.unrecognised]
        return shown


# --- parsing, once per file content ------------------------------------------------------


@functools.lru_cache(maxsize=1024)
def _parsed(path_text: str, mtime_ns: int, size: int) -> tuple[str, Any]:
    """("cfn-yaml" | "json" | "terraform" | "yaml" | "error" | "skip", data)."""
    path = Path(path_text)
    if size > _MAX_BYTES:
        return "skip", None
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        return "error", f"cannot read: {exc}"
    if path.suffix == ".tf":
        try:
            return "terraform", load_terraform(path)
        except (ValueError, OSError) as exc:
            return "error", str(exc)
    try:
        return "yaml", load_template_text(text)  # JSON is YAML; lines kept for both
    except ValueError as exc:
        return "error", str(exc)


def _parse(path: Path) -> tuple[str, Any]:
    try:
        stat = path.stat()
    except OSError as exc:
        return "error", f"cannot read: {exc}"
    return _parsed(str(path), stat.st_mtime_ns, stat.st_size)


def _scan_candidates(repo: Path) -> Iterator[tuple[Path, str]]:
    """Files that may define CloudWatch resources: templates and Terraform, prefiltered by
    their text so that package.json and friends are never parsed."""
    root = Path(repo).resolve()
    for path in repo_files(root):
        parts = path.relative_to(root).parts
        if any(p in _SKIPPED or p.startswith("asset.") for p in parts[:-1]):
            continue
        suffix = path.suffix.lower()
        if suffix == ".tf":
            yield path, "terraform"
        elif suffix in (".yml", ".yaml", ".json", ".template") and _has_marker(
            path, _CFN_MARKERS
        ):
            yield path, "cfn"


def _has_marker(path: Path, markers: tuple[str, ...]) -> bool:
    try:
        stat = path.stat()
    except OSError:
        return False
    return _marker_in(str(path), stat.st_mtime_ns, stat.st_size, markers)


@functools.lru_cache(maxsize=4096)
def _marker_in(path_text: str, mtime_ns: int, size: int, markers: tuple[str, ...]) -> bool:
    if size > _MAX_BYTES or path_text.endswith(("-lock.json", ".lock.json")):
        return False
    try:
        with open(path_text, encoding="utf-8", errors="replace") as handle:
            text = handle.read()
    except OSError:
        return False
    return any(marker in text for marker in markers)


def _cfn_format(repo: Path, path: Path, data: Any) -> str:
    shown = relative(repo, path)
    kind = "JSON" if path.suffix.lower() == ".json" else "YAML"
    if "cdk.out/" in f"/{shown}" or (path.name.endswith(".template.json") and "cdk" in shown):
        return "CDK synth (CloudFormation JSON)"
    transform = data.get("Transform") if isinstance(data, dict) else None
    if "AWS::Serverless" in str(transform):
        return f"SAM template ({kind})"
    return f"CloudFormation {kind}"


# --- CloudFormation ---------------------------------------------------------------------

_NUMERIC = ("Threshold", "Period", "EvaluationPeriods", "DatapointsToAlarm")


def _number(value: Any) -> Any:
    if isinstance(value, str):
        try:
            return int(value) if value.strip().lstrip("-").isdigit() else float(value)
        except ValueError:
            return value
    return value


def _cfn_parameters(data: Any) -> dict[str, Any]:
    params = dict(data.get("Parameters") or {}) if isinstance(data, dict) else {}
    # a !Ref to a log group resource names the group: let it resolve to its literal name
    for logical_id, _, props in template_resources(data, "AWS::Logs::LogGroup"):
        name = props.get("LogGroupName")
        if isinstance(name, str) and logical_id not in params:
            params[logical_id] = {"Default": name}
    return params


def _cfn_alarms(data: Any, file: str) -> tuple[list[Item], list[Item]]:
    params = _cfn_parameters(data)
    alarms: list[Item] = []
    composites: list[Item] = []
    for logical_id, rtype, props in template_resources(
        data, "AWS::CloudWatch::Alarm", "AWS::CloudWatch::CompositeAlarm"
    ):
        alarm = resolve(props, params)
        alarm.setdefault("AlarmName", Unresolved(
            f"{logical_id} (name generated by CloudFormation)"))
        for key in _NUMERIC:
            if key in alarm:
                alarm[key] = _number(alarm[key])
        for query in alarm.get("Metrics") or []:
            stat = query.get("MetricStat") if isinstance(query, dict) else None
            if isinstance(stat, dict) and "Period" in stat:
                stat["Period"] = _number(stat["Period"])
        item = _item(alarm, file, props.line)
        (composites if rtype.endswith("CompositeAlarm") else alarms).append(item)
    return alarms, composites


def _cfn_log_groups(data: Any, file: str) -> list[Item]:
    params = _cfn_parameters(data)
    groups = []
    for logical_id, _, props in template_resources(data, "AWS::Logs::LogGroup"):
        group = resolve(props, params)
        name = group.get("LogGroupName", Unresolved(
            f"{logical_id} (name generated by CloudFormation)"))
        days = _number(group.get("RetentionInDays"))
        groups.append(_item({"name": name, "retention_in_days": days}, file, props.line))
    return groups


def _cfn_filters(data: Any, file: str) -> list[Item]:
    params = _cfn_parameters(data)
    filters = []
    for logical_id, _, props in template_resources(data, "AWS::Logs::MetricFilter"):
        flt = resolve(props, params)
        transformations = [
            {"metricName": t.get("MetricName"), "metricNamespace": t.get("MetricNamespace"),
             "metricValue": t.get("MetricValue"), "unit": t.get("Unit")}
            for t in flt.get("MetricTransformations") or [] if isinstance(t, dict)
        ]
        filters.append(_item({
            "filterName": flt.get("FilterName") or logical_id,
            "logGroupName": flt.get("LogGroupName"),
            "filterPattern": flt.get("FilterPattern"),
            "metricTransformations": transformations,
        }, file, props.line))
    return filters


# --- Terraform ----------------------------------------------------------------------------

_TF_ALARM_KEYS = {
    "alarm_name": "AlarmName", "alarm_description": "AlarmDescription",
    "actions_enabled": "ActionsEnabled", "alarm_actions": "AlarmActions",
    "ok_actions": "OKActions", "insufficient_data_actions": "InsufficientDataActions",
    "comparison_operator": "ComparisonOperator", "datapoints_to_alarm": "DatapointsToAlarm",
    "evaluation_periods": "EvaluationPeriods", "metric_name": "MetricName",
    "namespace": "Namespace", "period": "Period", "statistic": "Statistic",
    "extended_statistic": "ExtendedStatistic", "threshold": "Threshold",
    "threshold_metric_id": "ThresholdMetricId", "treat_missing_data": "TreatMissingData",
    "unit": "Unit", "alarm_rule": "AlarmRule",
}


def _pairs(value: Any, key: str, val: str) -> Any:
    if isinstance(value, list):  # hcl2 gives a map attribute as a one-item list at times
        value = value[0] if len(value) == 1 and isinstance(value[0], dict) else value
    if isinstance(value, dict):
        return [{key: k, val: v} for k, v in value.items()]
    return value


def _tf_query(query: dict[str, Any]) -> dict[str, Any]:
    out: dict[str, Any] = {"Id": query.get("id")}
    for src, dst in (("expression", "Expression"), ("label", "Label"),
                     ("return_data", "ReturnData"), ("period", "Period")):
        if src in query:
            out[dst] = query[src]
    metrics = query.get("metric")
    metric = metrics[0] if isinstance(metrics, list) and metrics else metrics
    if isinstance(metric, dict):
        out["MetricStat"] = {
            "Metric": {"Namespace": metric.get("namespace"),
                       "MetricName": metric.get("metric_name"),
                       "Dimensions": _pairs(metric.get("dimensions") or {}, "Name", "Value")},
            "Period": metric.get("period"), "Stat": metric.get("stat"),
        }
    return out


def _tf_alarm(attrs: dict[str, Any]) -> dict[str, Any]:
    alarm = {_TF_ALARM_KEYS[k]: v for k, v in attrs.items() if k in _TF_ALARM_KEYS}
    if "dimensions" in attrs:
        alarm["Dimensions"] = _pairs(attrs["dimensions"], "Name", "Value")
    if "tags" in attrs:
        alarm["Tags"] = _pairs(attrs["tags"], "Key", "Value")
    queries = attrs.get("metric_query")
    if queries:
        alarm["Metrics"] = [_tf_query(q) for q in queries if isinstance(q, dict)]
    return alarm


def _tf_filter(name: str, attrs: dict[str, Any]) -> dict[str, Any]:
    blocks = attrs.get("metric_transformation") or []
    blocks = blocks if isinstance(blocks, list) else [blocks]
    return {
        "filterName": attrs.get("name") or name,
        "logGroupName": attrs.get("log_group_name"),
        "filterPattern": attrs.get("pattern"),
        "metricTransformations": [
            {"metricName": b.get("name"), "metricNamespace": b.get("namespace"),
             "metricValue": b.get("value"), "unit": b.get("unit")}
            for b in blocks if isinstance(b, dict)
        ],
    }


def _tf_variables(repo: Path, files: list[tuple[Path, TerraformFile]]
                  ) -> dict[Path, dict[str, Any]]:
    """The value of each variable per module folder, as far as the repository fixes it.

    A default only holds where nothing overrides it: a module called from elsewhere in the
    repository takes the call's argument (the default when the call leaves it out; calls
    that disagree leave it unresolved); a folder under ``modules/`` that nothing here calls
    is called from elsewhere, so its inputs stay unresolved; a root module takes
    terraform.tfvars and *.auto.tfvars, and a variable another .tfvars file sets stays
    unresolved."""
    defaults: dict[Path, dict[str, Any]] = {}
    local: dict[Path, dict[str, Any]] = {}
    for path, tf in files:
        defaults.setdefault(path.parent, {}).update(tf.variables)
        local.setdefault(path.parent, {}).update(tf.locals)
    calls: dict[Path, list[tuple[dict[str, Any], Path]]] = {}
    for path, tf in files:
        for body in tf.modules:
            source = tf_resolve(body.get("source"), {})
            if isinstance(source, str) and source.startswith(("./", "../")):
                target = (path.parent / source).resolve()
                calls.setdefault(target, []).append((body, path.parent))
    out: dict[Path, dict[str, Any]] = {}
    # root modules first: a call's arguments are read with its caller's values
    for folder, base in sorted(defaults.items(), key=lambda f: f[0].resolve() in calls):
        values = dict(base)
        called = calls.get(folder.resolve())
        if called:
            for name in {*base, *(k for body, _ in called for k in body)}:
                seen = [_raw(tf_resolve(body[name], out.get(caller, defaults.get(caller, {})),
                                        local.get(caller, {})))
                        if name in body else base.get(name, Unresolved(f"var.{name}"))
                        for body, caller in called]
                values[name] = seen[0] if all(v == seen[0] for v in seen) else Unresolved(
                    f"var.{name} (differs between module calls)")
        elif "modules" in Path(relative(repo, folder)).parts:
            values = {name: Unresolved(f"var.{name} (input of a module called from elsewhere)")
                      for name in base}
        else:
            for tfvars in sorted(folder.glob("*.tfvars")):
                try:
                    given = load_tfvars(tfvars)
                except (ValueError, OSError):
                    continue
                auto = tfvars.name == "terraform.tfvars" or tfvars.name.endswith(".auto.tfvars")
                for name, value in given.items():
                    values[name] = value if auto else Unresolved(
                        f"var.{name} (set in {tfvars.name})")
        out[folder] = values
    return out


def _raw(value: Any) -> Any:
    """A resolved value written back as python-hcl2 gives literals (strings quoted)."""
    if isinstance(value, str):
        return f'"{value}"'
    if isinstance(value, list):
        return [_raw(v) for v in value]
    if isinstance(value, dict):
        return {k: _raw(v) for k, v in value.items()}
    return value


def _tf_items(repo: Path, files: list[tuple[Path, TerraformFile]], kind: str
              ) -> tuple[list[Item], list[Item]]:
    """Items of ``kind`` from Terraform files; variables and locals are per module folder."""
    variables = _tf_variables(repo, files)
    local: dict[Path, dict[str, Any]] = {}
    for path, tf in files:
        local.setdefault(path.parent, {}).update(tf.locals)
    items, composites = [], []
    for path, tf in files:
        shown = relative(repo, path)
        for res in tf.resources:
            attrs = tf_resolve(res.attrs, variables[path.parent], local[path.parent])
            if kind == "alarms" and res.type == "aws_cloudwatch_metric_alarm":
                items.append(_item(_tf_alarm(attrs), shown, res.line))
            elif kind == "alarms" and res.type == "aws_cloudwatch_composite_alarm":
                composites.append(_item(_tf_alarm(attrs), shown, res.line))
            elif kind in ("log groups", "retention") and res.type == "aws_cloudwatch_log_group":
                name = attrs.get("name") or Unresolved(
                    f"{res.name} (name_prefix {attrs.get('name_prefix')})"
                    if "name_prefix" in attrs else f"{res.name} (name generated by Terraform)")
                days = attrs.get("retention_in_days", 0)
                items.append(_item({"name": name, "retention_in_days": days or None
                                    if not isinstance(days, Unresolved) else days},
                                   shown, res.line))
            elif kind == "metric filters" and res.type == "aws_cloudwatch_log_metric_filter":
                items.append(_item(_tf_filter(res.name, attrs), shown, res.line))
    return items, composites


# --- one document in a known shape -------------------------------------------------------


def _entries(data: Any, key: str) -> list[Any] | None:
    value = data.get(key) if isinstance(data, dict) else None
    return value if isinstance(value, list) else None


def _is_alarm_request(value: object) -> bool:
    return isinstance(value, dict) and "AlarmName" in value and any(
        k in value for k in ("MetricName", "Metrics", "ComparisonOperator", "AlarmRule"))


def _golive_or_cli(kind: str, data: Any, shown: str, defs: Definitions) -> str | None:
    """Fill ``defs`` from a plan file in golive's shape or an AWS CLI shape; the format's
    name, or None when the document is in neither."""
    def take(entries: list[Any], what: str) -> None:
        for entry in entries:
            if isinstance(entry, dict):
                defs.items.append(_item(entry, shown, getattr(entry, "line", None)))
            else:
                defs.problems.append(Finding(shown, getattr(entries, "line", None),
                                             f"{what} entry is not an object: {entry!r}"))

    if kind == "alarms":
        if isinstance(data, dict) and "alarms" in data:
            defs.plan_doc = Document(Path(shown), shown, data)
            alarms = _entries(data, "alarms")
            if not alarms:
                defs.problems.append(Finding(shown, getattr(data, "line", None),
                                             "'alarms' must be a non-empty list"))
            take(alarms or [], "alarm")
            return "golive shape"
        if isinstance(data, dict) and ("MetricAlarms" in data or "CompositeAlarms" in data):
            take(_entries(data, "MetricAlarms") or [], "alarm")
            defs.composites += [_item(c, shown, getattr(c, "line", None))
                                for c in _entries(data, "CompositeAlarms") or []
                                if isinstance(c, dict)]
            return "AWS CLI describe-alarms JSON"
        requests = data if isinstance(data, list) else [data]
        if requests and all(_is_alarm_request(r) for r in requests):
            for r in requests:
                target = defs.composites if "AlarmRule" in r else defs.items
                target.append(_item(r, shown, getattr(r, "line", None)))
            return "AWS CLI put-metric-alarm input JSON"
        return None
    if kind in ("log groups", "retention"):
        if isinstance(data, dict) and "logGroups" in data:
            for g in _entries(data, "logGroups") or []:
                if isinstance(g, dict):
                    defs.items.append(_item({"name": g.get("logGroupName"),
                                             "retention_in_days": g.get("retentionInDays")},
                                            shown, getattr(g, "line", None)))
            return "AWS CLI describe-log-groups JSON"
        if isinstance(data, dict) and "log_groups" in data:
            defs.plan_doc = Document(Path(shown), shown, data)
            groups = data["log_groups"]
            if kind == "retention" and isinstance(groups, dict):
                groups = [{"name": k, "retention_in_days": v} for k, v in groups.items()]
            if not isinstance(groups, list) or (kind == "log groups" and not groups):
                defs.problems.append(Finding(shown, getattr(data, "line", None), (
                    "'log_groups' must be a non-empty list" if kind == "log groups" else
                    "'log_groups' must list {name, retention_in_days} entries")))
                return "golive shape"
            for g in groups:
                if not isinstance(g, dict):
                    defs.problems.append(Finding(shown, getattr(groups, "line", None),
                                                 f"log group entry is not an object: {g!r}"))
                    continue
                if kind == "retention" and not isinstance(g.get("name"), str):
                    continue
                entry = dict(g)
                if kind == "retention":
                    entry.setdefault("retention_in_days", None)
                defs.items.append(_item(entry, shown, getattr(g, "line", None)))
            return "golive shape"
        return None
    # metric filters
    if isinstance(data, dict) and "metricFilters" in data:
        take(_entries(data, "metricFilters") or [], "metric filter")
        return "AWS CLI describe-metric-filters JSON"
    if (isinstance(data, dict) and "metric_filters" in data) or isinstance(data, list):
        raw = data.get("metric_filters") if isinstance(data, dict) else data
        if not isinstance(raw, list):
            defs.problems.append(Finding(shown, getattr(data, "line", None),
                                         "'metric_filters' must be a list of PutMetricFilter "
                                         "entries"))
            return "golive shape"
        take(raw, "metric filter")
        return "golive shape"
    return None


def _from_document(repo: Path, path: Path, kind: str, defs: Definitions) -> bool:
    """Read one plan file into ``defs``; False when it is in no known shape."""
    shown = relative(repo, path)
    if path.suffix.lower() == ".json":
        doc = load_structured(repo, path)
        if isinstance(doc, Finding):
            defs.problems.append(doc)
            return True
        data = doc.data
    else:
        how, data = _parse(path)
        if how == "error":
            defs.problems.append(Finding(shown, None, str(data)))
            return True
    if is_template(data):
        before = len(defs.items) + len(defs.composites)
        _template_into(repo, path, data, kind, defs)
        defs.sources.append(Source(shown, _cfn_format(repo, path, data),
                                   len(defs.items) + len(defs.composites) - before))
        return True
    found = _golive_or_cli(kind, data, shown, defs)
    if found is None:
        return False
    defs.sources.append(Source(shown, found, len(defs.items) + len(defs.composites)))
    return True


def _template_into(repo: Path, path: Path, data: Any, kind: str, defs: Definitions) -> None:
    shown = relative(repo, path)
    if kind == "alarms":
        alarms, composites = _cfn_alarms(data, shown)
        defs.items += alarms
        defs.composites += composites
    elif kind in ("log groups", "retention"):
        defs.items += _cfn_log_groups(data, shown)
    else:
        defs.items += _cfn_filters(data, shown)


def _from_repository(repo: Path, kind: str, defs: Definitions, exclude: Path | None) -> None:
    """CloudFormation templates and Terraform files anywhere in the repository."""
    tf_files: list[tuple[Path, TerraformFile]] = []
    candidates = list(_scan_candidates(repo))
    # a module's variables.tf holds the defaults its alarms use: read every .tf file of a
    # folder where one file defines CloudWatch resources, and no other
    # (and the folders that call local modules: their arguments override the defaults)
    tf_dirs = {p.parent for p, guess in candidates if guess == "terraform" and _has_marker(
        p, (_TF_MARKER, _TF_MODULE_MARKER))}
    for path, guess in candidates:
        if exclude is not None and path.resolve() == exclude.resolve():
            continue
        if guess == "terraform":
            parsed: tuple[str, Any] = _parse(path) if path.parent in tf_dirs else ("skip", None)
            if parsed[0] == "terraform":
                tf_files.append((path, parsed[1]))
            continue
        if path.suffix.lower() == ".json":
            doc = load_structured(repo, path)
            data = None if isinstance(doc, Finding) else doc.data
        else:
            _, data = _parse(path)
        if not is_template(data):
            continue
        before = len(defs.items) + len(defs.composites)
        _template_into(repo, path, data, kind, defs)
        count = len(defs.items) + len(defs.composites) - before
        if count:
            defs.sources.append(Source(relative(repo, path), _cfn_format(repo, path, data),
                                       count))
    if tf_files:
        items, composites = _tf_items(repo, tf_files, kind)
        defs.items += items
        defs.composites += composites
        for shown in dict.fromkeys(i.file for i in [*items, *composites]):
            defs.sources.append(Source(shown, "Terraform HCL", sum(
                1 for i in [*items, *composites] if i.file == shown)))


def _definitions(repo: Path, kind: str, names: tuple[str, ...], what: str,
                 extra: Callable[[Definitions], bool] | None = None) -> Definitions:
    defs = Definitions(kind)
    path = find_deliverable(repo, *names)
    if path is not None:
        if _from_document(repo, path, kind, defs):
            return defs
        defs.unrecognised.append(relative(repo, path))
    if extra is not None and extra(defs):
        return defs
    _from_repository(repo, kind, defs, path)
    if not defs.items and not defs.composites and not defs.unrecognised:
        defs.missing = Finding(
            names[0], None,
            f"not found: {' or '.join(names)} anywhere in the repository, nor {what} in "
            "CloudFormation/SAM templates or Terraform files")
    return defs


def alarm_definitions(repo: Path) -> Definitions:
    """The repository's CloudWatch alarms as PutMetricAlarm requests."""
    return _definitions(repo, "alarms", ALARM_FILES, "alarms")


def log_group_definitions(repo: Path) -> Definitions:
    """The repository's log groups (log-config.json, else templates and Terraform)."""
    return _definitions(repo, "log groups", LOG_CONFIG_FILES, "log groups")


def retention_definitions(repo: Path) -> Definitions:
    """Retention per log group (retention-policy.json, else templates and Terraform);
    ``retention_in_days`` None: the group never expires."""
    return _definitions(repo, "retention", RETENTION_FILES, "log groups")


def metric_filter_definitions(repo: Path) -> Definitions:
    """Metric filters as PutMetricFilter requests (metric-filters.*, a ``metric_filters``
    list in log-config.json, else templates and Terraform)."""

    def in_log_config(defs: Definitions) -> bool:
        path = find_deliverable(repo, *LOG_CONFIG_FILES)
        doc = load_structured(repo, path) if path is not None else None
        if isinstance(doc, Document) and isinstance(doc.data, dict) and (
            "metric_filters" in doc.data
        ):
            return _from_document(repo, path, "metric filters", defs)  # type: ignore[arg-type]
        return False

    return _definitions(repo, "metric filters", FILTER_FILES,
                        "a metric_filters list in log-config.json, nor metric filters",
                        in_log_config)
