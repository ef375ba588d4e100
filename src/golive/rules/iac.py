"""IAM policies and security groups written as code: JSON policy documents, CloudFormation
JSON, EC2 API JSON and Terraform (``.tf``).

Two questions, each answered with the files it read (none read → the caller cannot judge):

- IAM: no ``Allow`` statement grants ``Action "*"`` on ``Resource "*"`` (full admin).
- Security groups: no ingress rule opens an administrative or database port (SSH, RDP,
  PostgreSQL, MySQL) to ``0.0.0.0/0`` or ``::/0``.

Terraform is read with a small structural scanner (blocks, attributes, lists of strings,
``var.x`` defaults of the same module), not a full HCL evaluator: a value it cannot
resolve (a reference, a function call) is not judged rather than guessed.
"""

from __future__ import annotations

import bisect
import json
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from golive.facts.repo.discover import find_files
from golive.facts.repo.structured import Document, line_of, load_structured, relative
from golive.judging.findings import Finding

__all__ = [
    "ADMIN_PORTS",
    "OPEN_CIDRS",
    "IacScan",
    "IngressRule",
    "iam_policy_scan",
    "security_group_scan",
]

ADMIN_PORTS = {22: "SSH", 3389: "RDP", 5432: "PostgreSQL", 3306: "MySQL"}
OPEN_CIDRS = frozenset({"0.0.0.0/0", "::/0"})
_ALL_PROTOCOLS = frozenset({"-1", "all", "*"})
_TCP = frozenset({"tcp", "6"})


@dataclass
class IacScan:
    """Files that define the kind of resource asked about, and what is wrong in them."""

    files: list[str] = field(default_factory=list)
    findings: list[Finding] = field(default_factory=list)

    def add_file(self, shown: str) -> None:
        if shown not in self.files:
            self.files.append(shown)


@dataclass(frozen=True)
class IngressRule:
    protocol: str | None
    from_port: int | None
    to_port: int | None
    cidrs: tuple[str, ...]
    file: str
    line: int | None
    where: str

    def exposed_ports(self) -> list[int]:
        """The admin ports this rule opens to the whole internet."""
        if not OPEN_CIDRS.intersection(self.cidrs) or self.protocol is None:
            return []
        protocol = self.protocol.lower()
        if protocol in _ALL_PROTOCOLS:
            return sorted(ADMIN_PORTS)
        if protocol not in _TCP or self.from_port is None or self.to_port is None:
            return []
        low, high = self.from_port, self.to_port
        if low == -1 and high == -1:
            return sorted(ADMIN_PORTS)
        return [p for p in sorted(ADMIN_PORTS) if low <= p <= high]

    def findings(self) -> list[Finding]:
        opened = sorted(OPEN_CIDRS.intersection(self.cidrs))
        return [
            Finding(self.file, self.line,
                    f"{self.where}: ingress opens port {port} ({ADMIN_PORTS[port]}) to "
                    f"{' and '.join(opened)}")
            for port in self.exposed_ports()
        ]


def _strings(value: object) -> list[str]:
    if isinstance(value, str):
        return [value]
    if isinstance(value, list):
        return [str(v) for v in value if isinstance(v, str | int | float)]
    return []


def _wildcard_grant(effect: object, action: object, resource: object) -> bool:
    allow = effect is None or str(effect).strip().lower() == "allow"
    return allow and "*" in _strings(action) and "*" in _strings(resource)


# --- JSON ---------------------------------------------------------------------------


def _json_documents(repo: Path, marker: str) -> Iterator[Document | Finding]:
    for path in find_files(repo, "*.json"):
        try:
            text = path.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError):
            continue
        if marker not in text:
            continue
        yield load_structured(repo, path)


def _walk(value: Any) -> Iterator[Any]:
    yield value
    if isinstance(value, dict):
        for child in value.values():
            yield from _walk(child)
    elif isinstance(value, list):
        for child in value:
            yield from _walk(child)


def _json_policy_findings(doc: Document) -> tuple[bool, list[Finding]]:
    seen, found = False, []
    for node in _walk(doc.data):
        if not isinstance(node, dict) or "Statement" not in node:
            continue
        statements = node["Statement"]
        statements = [statements] if isinstance(statements, dict) else statements
        if not isinstance(statements, list):
            continue
        seen = True
        for statement in statements:
            if isinstance(statement, dict) and _wildcard_grant(
                statement.get("Effect"), statement.get("Action"), statement.get("Resource")
            ):
                sid = statement.get("Sid")
                label = f"statement {sid}" if sid else "a statement"
                found.append(doc.finding(
                    f"{label} allows Action \"*\" on Resource \"*\" (full administrator "
                    "access)", statement))
    return seen, found


def _port(value: object) -> int | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, str) and re.fullmatch(r"-?\d+", value.strip()):
        return int(value)
    return None


def _json_ingress_rule(doc: Document, entry: dict[str, Any], where: str) -> IngressRule:
    cidrs = [str(entry.get(k)) for k in ("CidrIp", "CidrIpv6") if entry.get(k)]
    for key, inner in (("IpRanges", "CidrIp"), ("Ipv6Ranges", "CidrIpv6")):
        for item in entry.get(key) or []:
            if isinstance(item, dict) and item.get(inner):
                cidrs.append(str(item[inner]))
    protocol = entry.get("IpProtocol")
    return IngressRule(
        str(protocol) if protocol is not None else None,
        _port(entry.get("FromPort")), _port(entry.get("ToPort")), tuple(cidrs),
        doc.shown, line_of(entry), where)


def _json_ingress_rules(doc: Document) -> Iterator[IngressRule]:
    for node in _walk(doc.data):
        if not isinstance(node, dict):
            continue
        name = node.get("GroupName") or node.get("GroupId") or "security group"
        for key in ("IpPermissions", "SecurityGroupIngress"):
            entries = node.get(key)
            for entry in entries if isinstance(entries, list) else []:
                if isinstance(entry, dict):
                    yield _json_ingress_rule(doc, entry, str(name))
        if node.get("Type") == "AWS::EC2::SecurityGroupIngress" and isinstance(
            node.get("Properties"), dict
        ):
            yield _json_ingress_rule(doc, node["Properties"], "AWS::EC2::SecurityGroupIngress")


# --- Terraform ----------------------------------------------------------------------


def _mask(text: str) -> str:
    """``text`` with comments blanked and string contents replaced, offsets kept."""
    out = list(text)
    i, n = 0, len(text)
    while i < n:
        ch = text[i]
        if ch == '"':
            j = i + 1
            while j < n and text[j] not in '"\n':
                j += 2 if text[j] == "\\" else 1
            for k in range(i + 1, min(j, n)):
                out[k] = "x"
            i = j + 1
        elif ch == "#" or text.startswith("//", i):
            j = text.find("\n", i)
            j = n if j < 0 else j
            for k in range(i, j):
                out[k] = " "
            i = j
        elif text.startswith("/*", i):
            j = text.find("*/", i + 2)
            j = n if j < 0 else j + 2
            for k in range(i, j):
                if text[k] != "\n":
                    out[k] = " "
            i = j
        else:
            i += 1
    return "".join(out)


def _closing(masked: str, start: int, opening: str = "{", closing: str = "}") -> int:
    depth = 0
    for i in range(start, len(masked)):
        if masked[i] == opening:
            depth += 1
        elif masked[i] == closing:
            depth -= 1
            if depth == 0:
                return i
    return len(masked) - 1


@dataclass(frozen=True)
class _Block:
    text: str  # the original source
    masked: str
    start: int  # offset of "{" in the file
    end: int  # offset of "}"
    line: int
    labels: tuple[str, ...]

    @property
    def inner(self) -> tuple[str, str, int]:
        return self.text[self.start + 1 : self.end], self.masked[self.start + 1 : self.end], (
            self.start + 1)


class _TerraformFile:
    def __init__(self, repo: Path, path: Path) -> None:
        self.text = path.read_text(encoding="utf-8", errors="replace")
        self.masked = _mask(self.text)
        self.shown = relative(repo, path)
        self._newlines = [i for i, ch in enumerate(self.text) if ch == "\n"]

    def line(self, offset: int) -> int:
        return bisect.bisect_left(self._newlines, offset) + 1

    def blocks(self, keyword: str, kind: str | None = None) -> Iterator[_Block]:
        pattern = re.compile(rf'(?m)^\s*{keyword}\s+"([^"\n]+)"(?:\s+"([^"\n]+)")?\s*\{{')
        for match in pattern.finditer(self.text):
            if self.masked[match.start(): match.end()].count("{") != 1:
                continue  # inside a comment or string
            labels = tuple(g for g in match.groups() if g)
            if kind is not None and labels[0] != kind:
                continue
            start = match.end() - 1
            yield _Block(self.text, self.masked, start, _closing(self.masked, start),
                         self.line(start), labels)

    def nested(self, block: _Block, name: str) -> Iterator[_Block]:
        _, masked, offset = block.inner
        for match in re.finditer(rf"(?m)^\s*{name}\s*\{{", masked):
            start = offset + match.end() - 1
            if self._depth(block, start) == 1:
                yield _Block(self.text, self.masked, start, _closing(self.masked, start),
                             self.line(start), (name,))

    def _depth(self, block: _Block, position: int) -> int:
        depth = 0
        for i in range(block.start, position):
            depth += (self.masked[i] == "{") - (self.masked[i] == "}")
        return depth

    def objects(self) -> Iterator[_Block]:
        """Every ``{ ... }`` of the file: blocks, object literals, JSON in heredocs."""
        for i, ch in enumerate(self.masked):
            if ch == "{":
                yield _Block(self.text, self.masked, i, _closing(self.masked, i),
                             self.line(i), ())


def _top_level(text: str, masked: str) -> str:
    """``text`` with comments and nested ``{...}`` blanked: only this level's attributes."""
    out, depth = [], 0
    for ch, mask in zip(text, masked, strict=True):
        if mask == "}":
            depth -= 1
        comment = mask == " " and ch not in " \n"
        out.append(ch if (depth == 0 and not comment) or ch == "\n" else " ")
        if mask == "{":
            depth += 1
    return "".join(out)


_VALUE_STRING = re.compile(r'"((?:[^"\\\n]|\\.)*)"')


def _attribute(block: _Block, *names: str, variables: dict[str, Any]) -> object:
    """The value of the first attribute named like one of ``names`` at the block's top level:
    a string, number, list of strings, or None when absent or not a literal."""
    text, masked, _ = block.inner
    level = _top_level(text, masked)
    for name in names:
        match = re.search(rf'(?m)(?:^|[\s{{,])"?{re.escape(name)}"?\s*[=:]\s*', level)
        if not match:
            continue
        at = match.end()
        if level.startswith("[", at):
            end = _closing(masked, at, "[", "]")
            items: list[str] = []
            raw = text[at + 1 : end]
            for item in re.finditer(r'"((?:[^"\\\n]|\\.)*)"|([A-Za-z_][\w.]*)', raw):
                if item.group(1) is not None:
                    items.append(item.group(1))
                else:
                    resolved = _resolve(item.group(2), variables)
                    if resolved is None:
                        return None
                    items.extend(_strings(resolved))
            return items
        string = _VALUE_STRING.match(text, at)
        if string:
            return string.group(1)
        token = re.match(r"[^\s,}]+", text[at:])
        if token:
            word = token.group(0)
            if re.fullmatch(r"-?\d+", word):
                return int(word)
            return _resolve(word, variables)
    return None


def _resolve(reference: str, variables: dict[str, Any]) -> object:
    if reference.startswith("var."):
        return variables.get(reference[4:])
    return None


def _variables(files: list[_TerraformFile]) -> dict[str, Any]:
    found: dict[str, Any] = {}
    for tf in files:
        for block in tf.blocks("variable"):
            value = _attribute(block, "default", variables={})
            if value is not None:
                found[block.labels[0]] = value
    return found


def _terraform_modules(repo: Path) -> dict[Path, list[_TerraformFile]]:
    modules: dict[Path, list[_TerraformFile]] = {}
    for path in find_files(repo, "*.tf"):
        try:
            modules.setdefault(path.parent, []).append(_TerraformFile(repo, path))
        except OSError:
            continue
    return modules


_IAM_HINT = re.compile(
    r'resource\s+"aws_iam_|data\s+"aws_iam_policy_document"|"?Statement"?\s*[=:]'
)
_SG_KINDS = (
    "aws_security_group", "aws_security_group_rule", "aws_vpc_security_group_ingress_rule",
)


def _terraform_iam(tf: _TerraformFile, variables: dict[str, Any]) -> list[Finding]:
    found = []
    for obj in tf.objects():
        effect = _attribute(obj, "effect", "Effect", variables=variables)
        action = _attribute(obj, "actions", "Action", variables=variables)
        resource = _attribute(obj, "resources", "Resource", variables=variables)
        if _wildcard_grant(effect, action, resource):
            sid = _attribute(obj, "sid", "Sid", variables=variables)
            label = f"statement {sid}" if isinstance(sid, str) and sid else "a statement"
            found.append(Finding(
                tf.shown, obj.line,
                f"{label} allows Action \"*\" on Resource \"*\" (full administrator access)"))
    return found


def _terraform_ingress(tf: _TerraformFile, variables: dict[str, Any]) -> Iterator[IngressRule]:
    def rule(block: _Block, where: str, cidr_keys: tuple[str, ...],
             protocol_key: str) -> IngressRule:
        cidrs: list[str] = []
        for key in cidr_keys:
            cidrs.extend(_strings(_attribute(block, key, variables=variables)))
        protocol = _attribute(block, protocol_key, variables=variables)
        return IngressRule(
            str(protocol) if protocol is not None else None,
            _port(_attribute(block, "from_port", variables=variables)),
            _port(_attribute(block, "to_port", variables=variables)),
            tuple(cidrs), tf.shown, block.line, where)

    for group in tf.blocks("resource", "aws_security_group"):
        where = f"aws_security_group.{group.labels[1]}"
        for ingress in tf.nested(group, "ingress"):
            yield rule(ingress, where, ("cidr_blocks", "ipv6_cidr_blocks"), "protocol")
    for block in tf.blocks("resource", "aws_security_group_rule"):
        if _attribute(block, "type", variables=variables) == "ingress":
            yield rule(block, f"aws_security_group_rule.{block.labels[1]}",
                       ("cidr_blocks", "ipv6_cidr_blocks"), "protocol")
    for block in tf.blocks("resource", "aws_vpc_security_group_ingress_rule"):
        yield rule(block, f"aws_vpc_security_group_ingress_rule.{block.labels[1]}",
                   ("cidr_ipv4", "cidr_ipv6"), "ip_protocol")


# --- the two scans --------------------------------------------------------------------


def iam_policy_scan(repo: Path) -> IacScan:
    """IAM policy documents (JSON) and Terraform IAM code, with wildcard admin grants."""
    scan = IacScan()
    for doc in _json_documents(repo, '"Statement"'):
        if isinstance(doc, Finding):
            scan.findings.append(doc)
            scan.add_file(doc.file)
            continue
        seen, found = _json_policy_findings(doc)
        if seen:
            scan.add_file(doc.shown)
            scan.findings.extend(found)
    for files in _terraform_modules(repo).values():
        variables = _variables(files)
        for tf in files:
            if _IAM_HINT.search(tf.text):
                scan.add_file(tf.shown)
                scan.findings.extend(_terraform_iam(tf, variables))
    return scan


def _json_security_groups(repo: Path, scan: IacScan) -> None:
    for marker in ('"IpPermissions"', '"SecurityGroupIngress"', "AWS::EC2::SecurityGroupIngress"):
        for doc in _json_documents(repo, marker):
            if isinstance(doc, Finding):
                scan.findings.append(doc)
                scan.add_file(doc.file)
                continue
            if doc.shown in scan.files:
                continue
            rules = list(_json_ingress_rules(doc))
            if rules or marker in json.dumps(doc.data):
                scan.add_file(doc.shown)
            for ingress in rules:
                scan.findings.extend(ingress.findings())


def _terraform_security_groups(repo: Path, scan: IacScan) -> None:
    for files in _terraform_modules(repo).values():
        variables = _variables(files)
        for tf in files:
            if not any(f'"{kind}"' in tf.text for kind in _SG_KINDS):
                continue
            scan.add_file(tf.shown)
            for ingress in _terraform_ingress(tf, variables):
                scan.findings.extend(ingress.findings())


def security_group_scan(repo: Path) -> IacScan:
    """Security groups in JSON (EC2 API, CloudFormation) and Terraform, with ingress rules
    that open admin ports to the internet."""
    scan = IacScan()
    _json_security_groups(repo, scan)
    _terraform_security_groups(repo, scan)
    return scan
