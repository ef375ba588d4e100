"""Which committed strings are live keys by their shape, which are placeholders, and which
files hold no secret by construction (lockfiles, generated and vendored folders).

detect-secrets finds candidates by entropy and keywords; this module sits on top of it:
golive's own detectors recognise keys that work as they are (a Supabase ``service_role``
JWT, an AWS key pair, a private key, provider-prefixed tokens) and rank them first, and
its filters drop what can't be a secret, each with a reason the evidence counts. No
function here returns a key's value.
"""

from __future__ import annotations

import base64
import binascii
import itertools
import json
import re
from dataclasses import dataclass
from pathlib import PurePosixPath

__all__ = [
    "GENERATED_DIRS",
    "LOCKFILES",
    "LiveKey",
    "candidate_exclusion",
    "excluded_file_reason",
    "is_documentation",
    "is_placeholder",
    "line_exclusion",
    "live_keys",
]

# lockfiles hold integrity hashes and registry URLs, never the team's credentials
LOCKFILES = frozenset(
    {
        "package-lock.json",
        "npm-shrinkwrap.json",
        "pnpm-lock.yaml",
        "yarn.lock",
        "bun.lock",
        "bun.lockb",
        "deno.lock",
        "composer.lock",
        "Gemfile.lock",
        "Cargo.lock",
        "poetry.lock",
        "Pipfile.lock",
        "uv.lock",
        "go.sum",
        ".terraform.lock.hcl",
    }
)
# built or downloaded by a tool: a secret there was copied from a source file scanned anyway
GENERATED_DIRS = frozenset(
    {
        "node_modules",
        "vendor",
        ".next",
        ".nuxt",
        ".turbo",
        ".vercel",
        ".terraform",
        "dist",
        "build",
        "out",
        "coverage",
        ".git",
        ".venv",
        "venv",
        "__pycache__",
    }
)
_GENERATED_SUFFIXES = (".min.js", ".min.css", ".map", ".snap", ".tsbuildinfo")
_DOC_SUFFIXES = (".md", ".mdx", ".rst", ".txt", ".adoc")
_DOC_DIRS = frozenset({"docs", "doc", "examples", "example", "samples", "sample", "templates"})
_TEMPLATE_NAME = re.compile(r"\.(example|sample|template|tmpl|dist|defaults?)(\.|$)", re.I)


def excluded_file_reason(path: str) -> str | None:
    """Why ``path`` (relative, posix) is not scanned at all, or None."""
    parts = PurePosixPath(path).parts
    name = parts[-1] if parts else path
    if name in LOCKFILES:
        return "lockfile (integrity hashes)"
    if GENERATED_DIRS.intersection(parts[:-1]):
        return "generated or vendored folder"
    if name.endswith(_GENERATED_SUFFIXES):
        return "generated file (minified, source map, snapshot, build info)"
    return None


def is_documentation(path: str) -> bool:
    """Templates, examples and documents: where placeholders are written on purpose."""
    pure = PurePosixPath(path)
    return (
        pure.name.lower().endswith(_DOC_SUFFIXES)
        or bool(_TEMPLATE_NAME.search(pure.name))
        or bool(_DOC_DIRS.intersection(p.lower() for p in pure.parts[:-1]))
    )


# --- placeholders and hashes --------------------------------------------------------

_ASSIGNED = re.compile(r"""[=:]\s*(?:"([^"]*)"|'([^']*)'|`([^`]*)`|(<[^<>\n]*>)|([^\s,;#]+))""")
_PLACEHOLDER = re.compile(
    r"""^(<[^<>]*>|\$\{[^}]*\}|\{\{[^}]*\}\}|\[[^\]]*\]|%[^%]+%)$"""
    r"""|your[-_ ]?|changeme|change[-_]me|replace[-_]?me|placeholder|example|dummy|redacted"""
    r"""|xxx|\*\*\*|\.\.\.|^(?:test|fake|sample|secret|password|token|key)$""",
    re.I,
)
# Supabase config.toml env(NAME), GitHub ${{ secrets.NAME }}, Vercel @name, $NAME
_REFERENCE = re.compile(
    r"^(env\([A-Za-z_][A-Za-z0-9_]*\)|\$\{\{[^}]*\}\}|@[a-z0-9][a-z0-9_.-]*|\$[A-Z_][A-Z0-9_]*"
    r"|vault:[\w/.#-]+)$"
)
# Terraform/HCL: ``plaintext_value = var.db_url`` names an input, it holds no value
_HCL_REFERENCE = re.compile(r"^(var|local|module|data)\.[A-Za-z_][\w.\[\]\"-]*$")
_HCL_SUFFIXES = (".tf", ".tfvars", ".hcl")
_INTEGRITY = re.compile(r"""\b(integrity|sha(1|256|384|512)-[A-Za-z0-9+/=]{20,}|"resolved"\s*:)""")


def is_placeholder(value: str) -> bool:
    """A value written to show where a credential goes: ``<...>``, ``${VAR}``, ``your-key``,
    ``xxx``, ``changeme``, …"""
    return bool(_PLACEHOLDER.search(value.strip().strip("\"'`")))


def _values(line: str) -> list[str]:
    return [next(g for g in m.groups() if g is not None) for m in _ASSIGNED.finditer(line)]


def line_exclusion(path: str, line: str) -> str | None:
    """Why a candidate on this line is no secret (placeholder, integrity hash), or None."""
    if _INTEGRITY.search(line):
        return "integrity hash"
    values = _values(line)
    hcl = path.endswith(_HCL_SUFFIXES)
    if values and all(
        _REFERENCE.match(v.strip()) or (hcl and _HCL_REFERENCE.match(v.strip())) for v in values
    ):
        return "reference to a variable or secret store"
    if values and all(is_placeholder(v) for v in values):
        return "documented placeholder" if is_documentation(path) else "placeholder value"
    return None


_LOCAL_HOST = re.compile(r"@(localhost|127\.0\.0\.1|0\.0\.0\.0|\[::1\]|host\.docker\.internal)\b")
# prose comments of code; not ``#``: a commented-out ``KEY=value`` in a dotenv or shell
# file is still a committed credential
_COMMENT = re.compile(r"^\s*(//|\*|/\*|<!--)")
_LITERALS = frozenset({"true", "false", "null", "none", "yes", "no", "on", "off", "undefined"})
_COMPARISON = re.compile(r"[!=]==?\s*[\"'`]")
_CREDENTIAL_WORD = re.compile(r"secret|token|passw|pwd|api.?key|auth|credential|private", re.I)
_TEST_PATH = re.compile(
    r"(^|/)(tests?|__tests__|e2e|fixtures|__mocks__|mocks|testing|spec)/|\.(test|spec)\.[cm]?[jt]sx?$"
    r"|(^|/)mock[-_.][^/]*$|[-_.]mocks?\.[cm]?[jt]sx?$"
)


# the generic candidates of detect-secrets: entropy and keyword hits, no provider's format
_GENERIC = frozenset({"Base64 High Entropy String", "Hex High Entropy String", "Secret Keyword"})
# a provider's key format on the line: none of the public/local filters below applies
_PROVIDER_SHAPE = re.compile(
    r"\b(AIza[0-9A-Za-z_-]{20,}|(?:AKIA|ASIA)[0-9A-Z]{16}|gh[pousr]_\w{20,}|github_pat_\w{20,}"
    r"|xox[bap]-[\w-]{10,}|[sr]k_(?:live|test)_\w{10,}|whsec_\w{10,}|sntrys_\w{10,}"
    r"|glpat-[\w-]{16,}|SG\.[\w-]{16,}|vc[pkia]_\w{20,}|eyJ[\w-]{8,}\.eyJ)"
)
_WORDS = re.compile(r"^[a-z]{2,}(?:[-_.](?:[a-z]{2,}|\d{1,4}))*$", re.I)
_VERIFIER_LINE = re.compile(
    r"(google|yandex|bing|msvalidate|facebook|apple|pinterest|naver|baidu)[-_]?"
    r"(site|domain)?[-_]?verification|msvalidate\.01", re.I
)
_VERIFIER_KEY = re.compile(
    r"""^\s*["']?(google|yandex|yahoo|bing|me|other|naver|baidu|pinterest|facebook)["']?\s*:""",
    re.I,
)
_VERIFICATION_BLOCK = re.compile(r"""\bverification["']?\s*[:=]\s*\{""", re.I)
# cloud identifiers: they name a project or account, they grant nothing
_IDENTIFIER_NAME = re.compile(
    r"""(?i)(\b|_)(project(?:[-_]?id)?|gcp[-_]project|account[-_]?id|org(?:anization)?[-_]?id"""
    r"""|tenant[-_]?id|subscription[-_]?id|region|zone|bucket|cluster)["']?\s*[=:]"""
    r"""|--(?:project|region|zone|account)[= ]"""
)
# Stripe object ids (products, prices, customers, …) appear in URLs and receipts; the
# keys (sk_/rk_/whsec_) are not among them
_STRIPE_OBJECT = re.compile(
    r"^(prod|price|plan|cus|sub|si|pi|ch|in|ii|txn|evt|acct|pm|seti|cs|promo|coupon|re|po|tr)"
    r"_[A-Za-z0-9]{8,}$"
)
_TOKEN = re.compile(r"[A-Za-z0-9_+/=-]{16,}")
# a constant naming a key's prefix (``sb_secret_``): the shape, with no key after it
_PREFIX_VALUE = re.compile(r"^[a-z]{2,10}(?:_[a-z0-9]{1,10}){0,3}[_-]$")
_DETECTOR_FILE = re.compile(r"secret|leak|pattern|detector|gitleaks|redact|scrub", re.I)
_DETECTOR_SAMPLE = re.compile(
    r"""^\s*["']?(positive|negative|true_?positive|false_?positive|should_?match"""
    r"""|must_?match|should_?not_?match|matches|sample|examples?)["']?\s*:""",
    re.I,
)
# files that configure a developer's own machine: compose stacks (not production ones),
# editor and dev-container settings
_LOCAL_FILE = re.compile(
    r"(^|/)(\.vscode|\.devcontainer|\.idea)/|(^|/)(docker-)?compose[\w.-]*\.ya?ml$"
)
_DEPLOYED_NAME = re.compile(r"prod|live|stag|deploy|release|cloud|swarm|k8s", re.I)
_CI_SCRIPT = re.compile(r"(^|/)ci/[^/]+\.(sh|bash|ps1)$")
_LOOPBACK = re.compile(r"\b(localhost|127\.0\.0\.1|0\.0\.0\.0|\[::1\]|emulator)\b")
_SAMPLE_PASSWORDS = frozenset(
    {"hunter2", "password", "passw0rd", "pass", "secret", "changeme", "example", "test"}
)
# Kubernetes/Helm/Terraform keys whose value is the *name* of a secret held elsewhere
_SECRET_NAME_KEY = re.compile(
    r"""^\s*-?\s*["']?(secretName|existingSecret\w*|secret_name|secretRef|secretKeyRef"""
    r"""|secretStoreRef|tlsSecret|secretProviderClass)["']?\s*[:=]"""
)
# External Secrets ``- secretKey: name`` followed by where the value comes from
_EXTERNAL_KEY = re.compile(r"""^\s*-?\s*secretKey\s*:""")
_REMOTE_REF = re.compile(r"^\s*(remoteRef|sourceRef|key)\s*:")
_BASIC_AUTH = re.compile(r"://[^:/\s@'\"]+:([^@\s/'\"]+)@")


def _alphabet(value: str) -> bool:
    """An ordered character set (``ABC…XYZ0123…``, Crockford base32): almost every
    neighbour is the next character or one after it; a random key has few such pairs."""
    if len(value) < 16:
        return False
    steps = sum(1 for a, b in itertools.pairwise(value) if 0 < ord(b) - ord(a) <= 2)
    return steps >= 0.75 * (len(value) - 1)


def _public_or_local(path: str, line: str, kind: str, before: list[str], after: list[str],
                     lines: list[str]) -> str | None:
    """Why a generic candidate is a public identifier or a local-only value, or None."""
    values = [v.strip() for v in _values(line)]
    name = PurePosixPath(path).name
    if _DETECTOR_FILE.search(name) and _DETECTOR_SAMPLE.match(line):
        return "sample in a secret detector's pattern file"
    if _PROVIDER_SHAPE.search(line):
        return None
    if values and all(_WORDS.match(v.strip("\"'")) for v in values) and (
        _SECRET_NAME_KEY.match(line)
        or (_EXTERNAL_KEY.match(line) and any(_REMOTE_REF.match(t) for t in after))
    ):
        return "name of a secret (Kubernetes/Helm/Terraform reference), not its value"
    if kind != "Secret Keyword" and (
        _VERIFIER_LINE.search(line)
        or (_VERIFIER_KEY.match(line) and any(_VERIFICATION_BLOCK.search(b) for b in before))
    ):
        return "site-verification token (public: published in every page)"
    if values and all(_alphabet(v) for v in values):
        return "character alphabet (an ordered sequence, not a key)"
    if values and all(_PREFIX_VALUE.match(v) for v in values):
        return "key prefix constant (no key body)"
    if kind != "Secret Keyword" and not _CREDENTIAL_WORD.search(line):
        if _IDENTIFIER_NAME.search(line):
            return "cloud project/account identifier (public, grants nothing)"
        tokens = [t for t in _TOKEN.findall(line)
                  if re.search(r"\d", t) and re.search(r"[A-Za-z]", t)]
        if tokens and all(_STRIPE_OBJECT.match(t) for t in tokens):
            return "Stripe object id (product/price id: public, not a key)"
    if kind == "Secret Keyword" and values and all(_WORDS.match(v) for v in values):
        if _LOCAL_FILE.search(path) and not _DEPLOYED_NAME.search(name):
            return "local development credential (word value in a dev compose/editor file)"
        if _CI_SCRIPT.search(path) and any(_LOOPBACK.search(t) for t in lines):
            return "test user of a CI-local stack (loopback only)"
    return None


def candidate_exclusion(
    path: str, line: str, kind: str, lines: list[str] | None = None, number: int = 0
) -> str | None:
    """Why a detect-secrets candidate of ``kind`` on this line is no secret, or None.
    ``lines``/``number`` (the file's lines, the candidate's 1-based line) give context.

    Only generic candidates are dropped here; a key that is live by shape is reported
    by :func:`live_keys` wherever it is."""
    reason = line_exclusion(path, line)
    if reason is not None:
        return reason
    if kind in _GENERIC:
        every = lines or []
        before = every[max(0, number - 4) : max(0, number - 1)]
        after = every[number : number + 3]
        reason = _public_or_local(path, line, kind, before, after, every)
        if reason is not None:
            return reason
    if kind == "Basic Auth Credentials" and is_documentation(path):
        passwords = _BASIC_AUTH.findall(line)
        if passwords and all(p.lower() in _SAMPLE_PASSWORDS for p in passwords):
            return "well-known sample password in a document"
    if kind == "Private Key":
        # live_keys found no key body on this line: a BEGIN marker in a detector's pattern,
        # a doc or a redacted sample
        return "private-key marker without a key body"
    if kind == "Hex High Entropy String" and not _CREDENTIAL_WORD.search(line):
        return "hex digest (no credential named on the line)"
    if kind == "Basic Auth Credentials" and _LOCAL_HOST.search(line):
        return "local development credential (loopback host)"
    if _COMMENT.match(line):
        return "comment (generic candidate)"
    values = _values(line)
    if kind == "Secret Keyword" and values and all(" " in v.strip() for v in values):
        return "prose value (words, not a key)"
    if kind == "Secret Keyword" and values and all(v.lower() in _LITERALS for v in values):
        return "boolean or null value"
    if kind == "Secret Keyword" and _COMPARISON.search(line):
        return "comparison, not an assignment"
    if _TEST_PATH.search(path):
        return "test fixture (generic candidate in a test file)"
    return None


# --- live keys ----------------------------------------------------------------------


@dataclass(frozen=True)
class LiveKey:
    """A key that works as committed, where it is (never its value)."""

    kind: str
    line: int


_JWT = re.compile(r"\beyJ[A-Za-z0-9_-]{8,}\.(eyJ[A-Za-z0-9_-]{8,})\.[A-Za-z0-9_-]{16,}")
_AWS_ID = re.compile(r"\b((?:AKIA|ASIA)[0-9A-Z]{16})\b")
_AWS_SECRET = re.compile(
    r"""(?i)(?:aws)?_?secret_?(?:access)?_?key\w*["']?\s*[=:]\s*["']?"""
    r"""(?<![A-Za-z0-9/+])([A-Za-z0-9/+]{40})(?![A-Za-z0-9/+=])"""
)
_PEM = re.compile(
    r"-----BEGIN ((?:RSA|EC|DSA|OPENSSH|ENCRYPTED|PGP) )?PRIVATE KEY( BLOCK)?-----"
    r"(?:\\n|\s)+([A-Za-z0-9+/=]{40,})"
)
_PREFIXED: tuple[tuple[str, re.Pattern[str]], ...] = (
    ("GitHub token", re.compile(r"\bgh[pousr]_[A-Za-z0-9]{36}\b")),
    ("GitHub fine-grained token", re.compile(r"\bgithub_pat_[A-Za-z0-9_]{60,}")),
    ("Slack token", re.compile(r"\bxox[bap]-[0-9]{6,}-[0-9A-Za-z-]{10,}")),
    ("Stripe live secret key", re.compile(r"\b[sr]k_live_[0-9A-Za-z]{20,}")),
    ("Vercel token", re.compile(r"\bvc[pkia]_[0-9A-Za-z]{24,}")),
    (
        "Vercel token",
        re.compile(
            r"""(?i)\bVERCEL_(?:API_)?TOKEN["']?\s*[=:]\s*["']?[0-9A-Za-z]{24}(?![0-9A-Za-z])"""
        ),
    ),
    (
        "Datadog API key",
        re.compile(r"""(?i)\b(?:DD|DATADOG)_API_KEY["']?\s*[=:]\s*["']?[0-9a-f]{32}(?![0-9a-f])"""),
    ),
    (
        "Datadog application key",
        re.compile(
            r"""(?i)\b(?:DD|DATADOG)_APP(?:LICATION)?_KEY["']?\s*[=:]\s*["']?[0-9a-f]{40}"""
            r"""(?![0-9a-f])"""
        ),
    ),
)
# AWS documents these two; they appear in every tutorial
_AWS_EXAMPLES = ("EXAMPLE",)


def _jwt_claims(segment: str) -> dict[str, object] | None:
    try:
        raw = base64.urlsafe_b64decode(segment + "=" * (-len(segment) % 4))
        claims = json.loads(raw)
    except (binascii.Error, ValueError, UnicodeDecodeError):
        return None
    return claims if isinstance(claims, dict) else None


def _line_of(text: str, offset: int) -> int:
    return text.count("\n", 0, offset) + 1


def _jwt_keys(text: str, benign: dict[int, str]) -> list[LiveKey]:
    keys = []
    for match in _JWT.finditer(text):
        claims = _jwt_claims(match.group(1))
        if claims is None:
            continue
        line = _line_of(text, match.start())
        if claims.get("iss") == "supabase-demo":
            # the fixed keys `supabase start` prints: local-only, the same for everyone
            benign[line] = "Supabase local development key (supabase-demo)"
        elif claims.get("role") == "service_role":
            keys.append(LiveKey("Supabase service_role JWT", line))
        elif claims.get("role") == "anon":
            benign[line] = "Supabase anon key (public by design)"
    return keys


def _filler(value: str) -> bool:
    """``AKIAXXXXXXXXXXXXXXXX``, ``xxxx…``, ``0000…``: written to show the shape; a real
    key id or secret has no run of one character this long and more than a few kinds."""
    body = value.removeprefix("AKIA").removeprefix("ASIA")
    return bool(re.search(r"(.)\1{5,}", body)) or len(set(body)) <= 3


def _aws_pairs(text: str) -> list[LiveKey]:
    ids = [
        m
        for m in _AWS_ID.finditer(text)
        if not m.group(1).endswith(_AWS_EXAMPLES) and not _filler(m.group(1))
    ]
    secrets = [
        m
        for m in _AWS_SECRET.finditer(text)
        if "EXAMPLE" not in m.group(1) and not _filler(m.group(1))
    ]
    if not ids or not secrets:
        return []
    return [LiveKey("AWS access key pair", _line_of(text, m.start())) for m in ids]


def live_keys(text: str) -> tuple[list[LiveKey], dict[int, str]]:
    """Keys in ``text`` that are live by their shape, and the lines holding keys that are
    public or local by design (line -> reason)."""
    benign: dict[int, str] = {}
    keys = _jwt_keys(text, benign)
    keys += _aws_pairs(text)
    for match in _PEM.finditer(text):
        keys.append(LiveKey("private key", _line_of(text, match.start())))
    for kind, pattern in _PREFIXED:
        for match in pattern.finditer(text):
            if _PLACEHOLDER.search(match.group(0)):
                continue  # ghp_xxxx…, sk_live_your_key: written to show the shape
            keys.append(LiveKey(kind, _line_of(text, match.start())))
    unique = {(k.kind, k.line): k for k in keys}
    return sorted(unique.values(), key=lambda k: (k.line, k.kind)), benign
