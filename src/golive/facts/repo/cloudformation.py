"""Read CloudFormation / SAM templates (YAML with short-form tags, or JSON; CDK synth output).

Short-form tags (``!Ref x``, ``!Sub "..."``, ``!GetAtt a.b``) are read as the long form
(``{"Ref": "x"}``, ``{"Fn::Sub": "..."}``), so YAML and JSON templates look alike. Values
are resolved only where the template itself fixes them (a parameter's Default, a ``!Sub``
or ``!Join`` of literals); anything decided at deploy time stays :class:`Unresolved`.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import yaml

from golive.facts.repo.structured import Located, LocatedList

__all__ = [
    "Unresolved",
    "is_template",
    "load_template_text",
    "resolve",
    "template_resources",
]


@dataclass(frozen=True)
class Unresolved:
    """A value only known at deploy time (an intrinsic function, a variable without default)."""

    expression: str

    def __str__(self) -> str:
        return self.expression


_Base: type[yaml.SafeLoader] = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


class _TemplateLoader(_Base):  # type: ignore[valid-type,misc]
    pass


def _mapping(loader: _TemplateLoader, node: yaml.MappingNode) -> Located:
    loader.flatten_mapping(node)
    mapping = Located()
    mapping.line = node.start_mark.line + 1
    for key_node, value_node in node.value:
        name = str(loader.construct_object(key_node, deep=True))
        mapping[name] = loader.construct_object(value_node, deep=True)
        mapping.key_lines[name] = key_node.start_mark.line + 1
    return mapping


def _sequence(loader: _TemplateLoader, node: yaml.SequenceNode) -> LocatedList:
    items = LocatedList(loader.construct_object(child, deep=True) for child in node.value)
    items.line = node.start_mark.line + 1
    items.item_lines = tuple(child.start_mark.line + 1 for child in node.value)
    return items


def _tagged(loader: _TemplateLoader, suffix: str, node: yaml.Node) -> Located:
    """``!Name value`` → ``{"Fn::Name": value}`` (``!Ref`` and ``!Condition`` keep their name)."""
    if isinstance(node, yaml.MappingNode):
        value: Any = _mapping(loader, node)
    elif isinstance(node, yaml.SequenceNode):
        value = _sequence(loader, node)
    else:
        value = loader.construct_scalar(node)
    key = suffix if suffix in ("Ref", "Condition") else f"Fn::{suffix}"
    if key == "Fn::GetAtt" and isinstance(value, str):
        value = value.split(".", 1)
    out = Located({key: value})
    out.line = node.start_mark.line + 1
    return out


_TemplateLoader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _mapping)
_TemplateLoader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_SEQUENCE_TAG, _sequence)
_TemplateLoader.add_multi_constructor("!", _tagged)


def load_template_text(text: str) -> Any:
    """Parse YAML accepting any ``!Tag``; raises ValueError naming the problem.

    JSON templates need no special loader: :func:`structured.load_structured` reads them."""
    try:
        return yaml.load(text, Loader=_TemplateLoader)  # noqa: S506 - a SafeLoader subclass
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        where = f" (line {mark.line + 1})" if mark is not None else ""
        raise ValueError(f"invalid YAML: {exc.problem or exc.context}{where}") from None
    except yaml.YAMLError as exc:
        raise ValueError(f"invalid YAML: {exc}") from None


def is_template(data: object) -> bool:
    """A CloudFormation / SAM template: a ``Resources`` mapping of typed resources."""
    if not isinstance(data, dict):
        return False
    resources = data.get("Resources")
    return isinstance(resources, dict) and any(
        isinstance(r, dict) and isinstance(r.get("Type"), str) for r in resources.values()
    )


def template_resources(data: Any, *types: str) -> Iterator[tuple[str, str, Any]]:
    """(logical id, type, Properties) of the template's resources of ``types``."""
    resources = data.get("Resources") if isinstance(data, dict) else None
    for logical_id, resource in resources.items() if isinstance(resources, dict) else []:
        if isinstance(resource, dict) and resource.get("Type") in types:
            props = resource.get("Properties")
            if not isinstance(props, Located):
                props = Located(props if isinstance(props, dict) else {})
                props.line = resource.line if isinstance(resource, Located) else None
            yield str(logical_id), str(resource["Type"]), props


def _parameter_default(name: str, parameters: dict[str, Any]) -> Any:
    param = parameters.get(name)
    if not isinstance(param, dict) or "Default" not in param:
        return Unresolved(f"!Ref {name}")
    default = param["Default"]
    if str(param.get("Type", "")) == "Number" and isinstance(default, str):
        try:
            return float(default) if "." in default else int(default)
        except ValueError:
            return default
    return default


def _sub(args: Any, parameters: dict[str, Any]) -> Any:
    template, names = (args[0], args[1]) if isinstance(args, list) and len(args) == 2 else (
        args, {})
    if not isinstance(template, str):
        return Unresolved(f"!Sub {template}")
    out, rest, unresolved = [], template, False
    while "${" in rest:
        head, _, tail = rest.partition("${")
        var, _, rest = tail.partition("}")
        out.append(head)
        value = names.get(var) if isinstance(names, dict) and var in names else (
            _parameter_default(var, parameters) if not var.startswith(("AWS::", "!")) and "."
            not in var else Unresolved(var))
        value = resolve(value, parameters)
        if isinstance(value, str | int | float) and not isinstance(value, bool):
            out.append(str(value))
        else:
            unresolved = True
            out.append("${" + var + "}")
    text = "".join(out) + rest
    return Unresolved(text) if unresolved else text


def resolve(value: Any, parameters: dict[str, Any] | None = None) -> Any:
    """``value`` with the intrinsics the template itself fixes replaced by their value."""
    params = parameters or {}
    if isinstance(value, list):
        items = LocatedList(resolve(v, params) for v in value)
        items.line = getattr(value, "line", None)
        return items
    if not isinstance(value, dict):
        return value
    if len(value) == 1:
        key, arg = next(iter(value.items()))
        if key == "Ref":
            return resolve(_parameter_default(str(arg), params), params)
        if key == "Fn::Sub":
            return _sub(arg, params)
        if key == "Fn::Join" and isinstance(arg, list) and len(arg) == 2:
            parts = [resolve(p, params) for p in arg[1]] if isinstance(arg[1], list) else None
            if parts is not None and all(isinstance(p, str) for p in parts):
                return str(arg[0]).join(parts)
            return Unresolved(f"!Join {json.dumps(arg, default=str)}")
        if str(key).startswith("Fn::"):
            return Unresolved(f"!{key.removeprefix('Fn::')} {json.dumps(arg, default=str)}")
    out = Located({k: resolve(v, params) for k, v in value.items()})
    if isinstance(value, Located):
        out.line, out.key_lines = value.line, dict(value.key_lines)
    return out
