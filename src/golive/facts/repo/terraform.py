"""Read Terraform HCL files (python-hcl2): resources, with variables resolved to defaults.

python-hcl2 keeps string literals quoted (``"\\"name\\""``) and expressions as
``${...}``: a literal becomes its text; ``var.x`` with a default (and ``local.x`` holding a
literal) becomes that value; anything else — a resource attribute, a variable without a
default, a function call — stays :class:`Unresolved`, decided only at apply time.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import hcl2
from hcl2.utils import SerializationOptions

from golive.facts.repo.cloudformation import Unresolved

__all__ = [
    "TerraformFile",
    "TfResource",
    "load_terraform",
    "load_tfvars",
    "resources_as_written",
    "tf_resolve",
]

_REF = re.compile(r"\$\{\s*(var|local)\.([A-Za-z0-9_-]+)\s*\}")
_WHOLE_REF = re.compile(r"^\$\{\s*(var|local)\.([A-Za-z0-9_-]+)\s*\}$")


@dataclass(frozen=True)
class TfResource:
    type: str
    name: str
    attrs: dict[str, Any]
    line: int | None


@dataclass
class TerraformFile:
    resources: list[TfResource] = field(default_factory=list)
    variables: dict[str, Any] = field(default_factory=dict)  # name → default (when given)
    locals: dict[str, Any] = field(default_factory=dict)
    modules: list[dict[str, Any]] = field(default_factory=list)  # module blocks' arguments


def _unquote(key: str) -> str:
    return key[1:-1] if len(key) >= 2 and key[0] == key[-1] == '"' else key


def _strip_blocks(value: Any) -> Any:
    if isinstance(value, dict):
        return {_unquote(str(k)): _strip_blocks(v) for k, v in value.items()
                if k != "__is_block__"}
    if isinstance(value, list):
        return [_strip_blocks(v) for v in value]
    return value


# string literals without their quotes, expressions as ``${...}`` text, comments dropped
_AS_WRITTEN = SerializationOptions(strip_string_quotes=True, with_comments=False)


def _parse(text: str, options: SerializationOptions | None = None) -> dict[str, Any]:
    try:
        data = _strip_blocks(hcl2.loads(text) if options is None
                             else hcl2.loads(text, serialization_options=options))  # fmt: skip
    except Exception as exc:
        first = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        raise ValueError(f"invalid HCL: {first}") from None
    return data if isinstance(data, dict) else {}


def _load(path: Path) -> tuple[str, dict[str, Any]]:
    text = path.read_text(encoding="utf-8")
    return text, _parse(text)


def _resources(text: str, data: dict[str, Any], kind: str | None = None) -> Iterator[TfResource]:
    """Every ``resource "type" "name"`` block (of type ``kind`` when given), with its line."""
    for block in data.get("resource") or []:
        for rtype, named in block.items() if isinstance(block, dict) else []:
            if kind is not None and rtype != kind:
                continue
            for name, attrs in named.items() if isinstance(named, dict) else []:
                if not isinstance(attrs, dict):
                    continue
                found = re.search(
                    rf'^\s*resource\s+"{re.escape(rtype)}"\s+"{re.escape(name)}"', text, re.M)
                line = text.count("\n", 0, found.start()) + 1 if found else None
                yield TfResource(rtype, name, attrs, line)


def resources_as_written(text: str, kind: str) -> list[TfResource]:
    """The ``kind`` resources of a .tf file's text with attributes as written (string
    literals unquoted, references left as ``${...}`` text, nothing resolved); ValueError if
    unparsable. For readers that interpret expressions themselves (heredocs, ``file()``)."""
    return list(_resources(text, _parse(text, _AS_WRITTEN), kind))


def load_tfvars(path: Path) -> dict[str, Any]:
    """The variable values a .tfvars file sets (raw: resolve with :func:`tf_resolve`)."""
    return _load(path)[1]


def load_terraform(path: Path) -> TerraformFile:
    """Resources, variable defaults, locals and module calls of one .tf file; ValueError if
    unparsable."""
    text, data = _load(path)
    out = TerraformFile()
    for block in data.get("module") or []:
        for body in block.values() if isinstance(block, dict) else []:
            if isinstance(body, dict):
                out.modules.append(body)
    for block in data.get("variable") or []:
        for name, body in block.items() if isinstance(block, dict) else []:
            if isinstance(body, dict) and "default" in body:
                out.variables[name] = body["default"]
    for block in data.get("locals") or []:
        if isinstance(block, dict):
            out.locals.update(block)
    out.resources.extend(_resources(text, data))
    return out


def _lookup(kind: str, name: str, variables: dict[str, Any], local: dict[str, Any],
            depth: int) -> Any:
    table = variables if kind == "var" else local
    if name not in table:
        return Unresolved(f"{kind}.{name}")
    return tf_resolve(table[name], variables, local, depth + 1)


def tf_resolve(value: Any, variables: dict[str, Any], local: dict[str, Any] | None = None,
               depth: int = 0) -> Any:
    """An attribute value as Python data: literals unquoted, var/local references resolved
    where a default or literal fixes them, everything else :class:`Unresolved`."""
    local = local or {}
    if depth > 8:
        return Unresolved("(reference loop)")
    if isinstance(value, list):
        return [tf_resolve(v, variables, local, depth) for v in value]
    if isinstance(value, dict):
        return {k: tf_resolve(v, variables, local, depth) for k, v in value.items()}
    if not isinstance(value, str):
        return value
    whole = _WHOLE_REF.match(value)
    if whole:
        return _lookup(whole.group(1), whole.group(2), variables, local, depth)
    quoted = len(value) >= 2 and value[0] == value[-1] == '"'
    if not quoted:
        return Unresolved(value.removeprefix("${").removesuffix("}"))
    text = value[1:-1]
    unresolved = False

    def substitute(match: re.Match[str]) -> str:
        nonlocal unresolved
        got = _lookup(match.group(1), match.group(2), variables, local, depth)
        if isinstance(got, str | int | float) and not isinstance(got, bool):
            return str(got)
        unresolved = True
        return match.group(0)

    text = _REF.sub(substitute, text)
    return Unresolved(text) if unresolved or "${" in text else text
