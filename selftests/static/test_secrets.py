"""Secrets, precision first: live keys by shape are reported first; lockfiles, generated
folders, placeholders, integrity hashes and public keys are left out with a counted reason.

Every key here is built at run time from its parts, so golive's own repository commits
none (its own scan, and any push protection, stay quiet); none of them works anywhere.
"""

from __future__ import annotations

import base64
import json
import subprocess
from pathlib import Path

import pytest

from golive import NotVerified
from golive.rules import secrets
from golive.rules.prewarm import scans_for
from golive.rules.secret_shapes import (
    candidate_exclusion,
    excluded_file_reason,
    line_exclusion,
    live_keys,
)

from ._helpers import text_of, write


def _b64(data: dict[str, object]) -> str:
    return base64.urlsafe_b64encode(json.dumps(data).encode()).decode().rstrip("=")


def jwt(role: str, iss: str = "supabase") -> str:
    header = _b64({"alg": "HS256", "typ": "JWT"})
    payload = _b64({"iss": iss, "ref": "qzvbnmlkjhgfdsapoiuy", "role": role,
                    "iat": 1718000000, "exp": 2033576000})
    return f"{header}.{payload}.{'Hk3' * 14}x"


SERVICE_ROLE = jwt("service_role")
ANON = jwt("anon")
LOCAL_DEMO = jwt("service_role", iss="supabase-demo")
AWS_ID = "AKIA" + "Q7RZ" * 4
AWS_SECRET = "wJ9rT" * 8
GITHUB = "ghp_" + "Zr8Lq2Vn5Xw1" * 3
SLACK = "xoxb-" + "5820194736" + "-" + "Pq7Lm2Vb9Xk4Tz"
STRIPE = "sk_live_" + "51Hq8Lm2Vb9Xk4Tz7Rw3Ny6C"
DATADOG = "4f1c9a2b7e3d8f60" * 2
PEM_BODY = "MIIEowIBAAKCAQEAq8Lm2Vb9Xk4Tz7Rw3Ny6Cq8Lm2Vb9Xk4Tz7Rw3Ny6C"


def _pem() -> str:
    begin, end = "-----BEGIN RSA PRIVATE KEY-----", "-----END RSA PRIVATE KEY-----"
    return f"{begin}\n{PEM_BODY}\n{PEM_BODY}\n{end}\n"


def _git_repo(root: Path) -> Path:
    subprocess.run(["git", "init", "-q", str(root)], check=True)
    return root


# --- golive's detectors on their own -------------------------------------------------


@pytest.mark.parametrize(
    ("text", "kind"),
    [
        (f'const admin = createClient(url, "{SERVICE_ROLE}")\n', "Supabase service_role JWT"),
        (f"aws_access_key_id = {AWS_ID}\naws_secret_access_key = {AWS_SECRET}\n",
         "AWS access key pair"),
        (_pem(), "private key"),
        (f"token: {GITHUB}\n", "GitHub token"),
        (f"SLACK_BOT_TOKEN={SLACK}\n", "Slack token"),
        (f"STRIPE_SECRET_KEY={STRIPE}\n", "Stripe live secret key"),
        (f"VERCEL_TOKEN={'Rz8Lq2Vn5Xw1' * 2}\n", "Vercel token"),
        (f"DD_API_KEY={DATADOG}\n", "Datadog API key"),
        (f"DATADOG_APP_KEY={DATADOG}{'0a1b2c3d'}\n", "Datadog application key"),
    ],
)
def test_live_key_shapes(text: str, kind: str) -> None:
    keys, _ = live_keys(text)
    assert [k.kind for k in keys] == [kind]


@pytest.mark.parametrize(
    "text",
    [
        f"NEXT_PUBLIC_SUPABASE_ANON_KEY={ANON}\n",  # public by design
        f"SUPABASE_SERVICE_ROLE_KEY={LOCAL_DEMO}\n",  # `supabase start` default
        f"aws_access_key_id = {AWS_ID}\n",  # an id without its secret opens nothing
        "aws_access_key_id = AKIAIOSFODNN7EXAMPLE\n"
        "aws_secret_access_key = wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY\n",
        "GITHUB_TOKEN=ghp_xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx\n",
        "DD_API_KEY=<your-datadog-api-key>\n",
        "-----BEGIN PRIVATE KEY-----\n...\n-----END PRIVATE KEY-----\n",
    ],
)
def test_not_live(text: str) -> None:
    assert live_keys(text)[0] == []


def test_public_and_local_jwts_are_named() -> None:
    _, benign = live_keys(f"A={ANON}\nB={LOCAL_DEMO}\n")
    assert benign == {
        1: "Supabase anon key (public by design)",
        2: "Supabase local development key (supabase-demo)",
    }


@pytest.mark.parametrize(
    ("path", "line", "reason"),
    [
        (".env.example", "SUPABASE_SERVICE_ROLE_KEY=your-service-role-key",
         "documented placeholder"),
        ("docs/setup.md", "STRIPE_SECRET_KEY=sk_live_xxx", "documented placeholder"),
        (".env.sample", "API_KEY=<api key>", "documented placeholder"),
        ("README.md", "password: changeme", "documented placeholder"),
        ("src/config.ts", 'const apiKey = "YOUR_API_KEY"', "placeholder value"),
        ("package.json", '"integrity": "sha512-' + "Qm9v" * 12 + '=="', "integrity hash"),
        (".env.example", "DATABASE_URL=postgres://app:Tq8vLm2Rz5Kw9XpN@db.internal/app", None),
        ("src/config.ts", 'const apiKey = "Tq8vLm2Rz5Kw9XpNb4Hs"', None),
    ],
)
def test_line_exclusions(path: str, line: str, reason: str | None) -> None:
    assert line_exclusion(path, line) == reason


@pytest.mark.parametrize(
    ("path", "reason"),
    [
        ("package-lock.json", "lockfile (integrity hashes)"),
        ("apps/web/pnpm-lock.yaml", "lockfile (integrity hashes)"),
        ("yarn.lock", "lockfile (integrity hashes)"),
        ("bun.lock", "lockfile (integrity hashes)"),
        ("apps/web/.next/server/chunk.js", "generated or vendored folder"),
        ("packages/ui/dist/index.js", "generated or vendored folder"),
        ("public/app.min.js", "generated file (minified, source map, snapshot, build info)"),
        ("tsconfig.abc.tsbuildinfo", "generated file (minified, source map, snapshot, build info)"),
        ("scripts/deploy.sh", None),
        ("supabase/functions/admin/index.ts", None),
    ],
)
def test_files_left_out(path: str, reason: str | None) -> None:
    assert excluded_file_reason(path) == reason


# --- the scan: detect-secrets with golive's detectors and filters on top -------------


def test_service_role_jwt_in_ts_and_shell_reported_first(tmp_path: Path) -> None:
    repo = _git_repo(tmp_path)
    write(repo, "config/db.yml", "url: postgres://admin:Zq7rVb2Lm9Xw4Tk8@db.internal:5432/app\n")
    write(repo, "src/lib/admin.ts",
          f'import {{ createClient }} from "@supabase/supabase-js"\n'
          f'export const admin = createClient(process.env.URL!, "{SERVICE_ROLE}")\n')
    write(repo, "scripts/deploy.sh",
          "#!/usr/bin/env bash\nset -euo pipefail\n"
          f'export SUPABASE_SERVICE_ROLE_KEY="{SERVICE_ROLE}"\nnpx vercel deploy --prod\n')
    scan = secrets.scan_secrets(repo)
    shown = [str(f) for f in scan.findings]
    assert scan.live == 2
    assert shown[0].startswith("scripts/deploy.sh:3: live key by shape: Supabase service_role JWT")
    assert shown[1].startswith("src/lib/admin.ts:2: live key by shape: Supabase service_role JWT")
    assert "config/db.yml:1: plain-text secret committed: Basic Auth Credentials" in shown[2]
    assert SERVICE_ROLE not in text_of(scan.findings)
    assert "Zq7rVb2Lm9Xw4Tk8" not in text_of(scan.findings)


def test_every_live_shape_is_reported(tmp_path: Path) -> None:
    repo = _git_repo(tmp_path)
    write(repo, "infra/aws.env",
          f"AWS_ACCESS_KEY_ID={AWS_ID}\nAWS_SECRET_ACCESS_KEY={AWS_SECRET}\n")
    write(repo, "deploy/key.pem", _pem())
    write(repo, ".github/scripts/release.sh", f"#!/bin/sh\nGH_TOKEN={GITHUB}\n")
    write(repo, "ops/notify.ts", f'const slack = "{SLACK}"\n')
    write(repo, "api/billing.ts", f'const stripe = "{STRIPE}"\n')
    write(repo, "datadog/agent.env", f"DD_API_KEY={DATADOG}\n")
    kinds = text_of(secrets.scan_secrets(repo).findings)
    for kind in ("infra/aws.env:1: live key by shape: AWS access key pair",
                 "deploy/key.pem:1: live key by shape: private key",
                 ".github/scripts/release.sh:2: live key by shape: GitHub token",
                 "ops/notify.ts:1: live key by shape: Slack token",
                 "api/billing.ts:1: live key by shape: Stripe live secret key",
                 "datadog/agent.env:1: live key by shape: Datadog API key"):
        assert kind in kinds


def test_placeholders_lockfiles_and_public_keys_are_not_reported(tmp_path: Path) -> None:
    repo = _git_repo(tmp_path)
    write(repo, ".env.example",
          "NEXT_PUBLIC_SUPABASE_URL=https://your-project.supabase.co\n"
          "SUPABASE_SERVICE_ROLE_KEY=your-service-role-key\n"
          "STRIPE_SECRET_KEY=sk_live_xxxxxxxxxxxxxxxxxxxxxxxx\n"
          "DATABASE_PASSWORD=changeme\n")
    write(repo, "docs/deploy.md", "```\nexport GITHUB_TOKEN=<your token>\n```\n")
    write(repo, "src/lib/supabase.ts", f'export const anonKey = "{ANON}"\n')
    write(repo, "supabase/seed.env", f"SERVICE_ROLE_KEY={LOCAL_DEMO}\n")
    write(repo, "package-lock.json", json.dumps({"packages": {"node_modules/a": {
        "integrity": "sha512-" + "Zm9vYmFy" * 10 + "==", "resolved": "https://r.invalid/a.tgz"}}}))
    write(repo, "pnpm-lock.yaml", "packages:\n  a@1.0.0:\n    resolution: {integrity: sha512-"
          + "Zm9vYmFy" * 10 + "==}\n")
    write(repo, "apps/web/.next/server/page.js", f'var k="{SERVICE_ROLE}";\n')
    write(repo, "src/app.ts", "export const ok = true\n")
    scan = secrets.scan_secrets(repo)
    assert scan.findings == []
    assert scan.skipped == {"lockfile (integrity hashes)": 2, "generated or vendored folder": 1}
    assert scan.excluded.get("Supabase anon key (public by design)", 0) >= 1
    facts = scan.facts()
    assert facts["files skipped"] == scan.skipped
    assert facts["candidates excluded"] == dict(sorted(scan.excluded.items()))


def test_placeholder_pair(tmp_path: Path) -> None:
    """The same variable, a placeholder in the example and a real value in a script."""
    repo = _git_repo(tmp_path)
    write(repo, ".env.example", "STRIPE_SECRET_KEY=sk_live_your_key_here\n")
    assert secrets.scan_secrets(repo).findings == []
    write(repo, "scripts/seed.sh", f"STRIPE_SECRET_KEY={STRIPE}\n")
    assert text_of(secrets.scan_secrets(repo).findings).startswith(
        "scripts/seed.sh:1: live key by shape: Stripe live secret key"
    )


def test_scan_is_bounded_and_says_what_it_left(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    repo = _git_repo(tmp_path)
    monkeypatch.setattr(secrets, "MAX_FILES", 2)
    monkeypatch.setattr(secrets, "MAX_FILE_BYTES", 1024)
    for n in range(4):
        write(repo, f"src/m{n}.ts", f"export const n = {n}\n")
    write(repo, "data/big.json", "[" + "1," * 2000 + "1]")
    (repo / "logo.png").write_bytes(b"\x89PNG\r\n\x1a\n\0\0\0")
    scan = secrets.scan_secrets(repo)
    assert scan.scanned == 2
    assert scan.skipped == {
        "beyond the limit of 2 files (live-key detectors only)": 2,
        "larger than 1 KiB (live-key detectors only)": 1,
        "binary": 1,
    }


def test_live_keys_are_found_beyond_the_detect_secrets_budget(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    repo = _git_repo(tmp_path)
    monkeypatch.setattr(secrets, "MAX_FILE_BYTES", 1024)
    monkeypatch.setattr(secrets, "SHAPE_MAX_BYTES", 8192)
    write(repo, "src/app.ts", "export const ok = true\n")
    write(repo, "supabase/seed.ts", "// data\n" * 200 + f'const k = "{SERVICE_ROLE}"\n')
    write(repo, "data/dump.sql", "-- rows\n" * 2000)
    scan = secrets.scan_secrets(repo)
    assert scan.skipped == {
        "larger than 1 KiB (live-key detectors only)": 1,
        "larger than 8 KiB": 1,
    }
    assert text_of(scan.findings).startswith(
        "supabase/seed.ts:201: live key by shape: Supabase service_role JWT"
    )


def test_nothing_to_scan_is_not_verified(tmp_path: Path) -> None:
    repo = _git_repo(tmp_path)
    write(repo, "package-lock.json", "{}\n")
    with pytest.raises(NotVerified, match="no files to scan"):
        secrets.scan_secrets(repo)


# --- no scan nobody asked for --------------------------------------------------------


def test_prewarm_starts_only_the_scans_selected_criteria_read() -> None:
    scan = secrets.secret_scan_findings
    assert scan not in scans_for({"platform.env-template", "cicd.workflow-build"})
    assert scan in scans_for({"platform.secrets-encrypted"})
    assert scan in scans_for({"sec.secret-management"})
    assert scans_for(set()) == []
    assert scan in scans_for(None)  # selection unknown: everything, as before


def test_template_placeholder_is_no_plain_text_credential(tmp_path: Path) -> None:
    write(tmp_path, ".env.template",
          "SUPABASE_SERVICE_ROLE_KEY=your-service-role-key\nSTRIPE_SECRET_KEY=<stripe key>\n"
          "DATABASE_URL=postgresql://postgres:[YOUR-PASSWORD]@db.example.supabase.co/postgres\n")
    assert secrets.secret_reference_findings(tmp_path) == []
    write(tmp_path, ".env.template", "STRIPE_SECRET_KEY=Tq8vLm2Rz5Kw9XpNb4Hs\n"
          "NEXT_PUBLIC_SUPABASE_PUBLISHABLE_KEY=sb_publishable_Tq8vLm2Rz5Kw9XpN\n")
    shown = text_of(secrets.secret_reference_findings(tmp_path))
    assert "STRIPE_SECRET_KEY has a value in the template" in shown
    assert "NEXT_PUBLIC_SUPABASE_PUBLISHABLE_KEY" not in shown  # public by design


def test_budget_cuts_documents_before_code(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    repo = _git_repo(tmp_path)
    script = write(repo, "scripts/deploy.sh",
                   f'#!/bin/sh\nexport SUPABASE_SERVICE_ROLE_KEY="{SERVICE_ROLE}"\n')
    write(repo, "docs/notes.md", "# notes\n")  # smaller, yet a document: cut first
    monkeypatch.setattr(secrets, "MAX_TOTAL_BYTES", script.stat().st_size + 4)
    scan = secrets.scan_secrets(repo)
    assert scan.skipped == {"beyond the budget of 0 MiB (live-key detectors only)": 1}
    assert scan.live == 1  # the script was scanned, the document left out


def test_a_timed_out_scan_is_not_run_again_by_the_next_asker(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The prewarm thread and the check ask for the same scan: when the first runs out of
    time, the second gets not_verified at once instead of a second full timeout."""
    import sys
    import time

    from golive.facts.scans import runner

    monkeypatch.setenv("GOLIVE_CACHE_DIR", str(tmp_path / "cache"))
    monkeypatch.setattr(runner, "tool_path", lambda name: sys.executable)
    args = ["-c", "import time; time.sleep(30)"]
    with pytest.raises(NotVerified, match="did not finish within 1 s"):
        runner.run_scanner("sleeper", args, [], timeout=1)
    started = time.perf_counter()
    with pytest.raises(NotVerified, match="did not finish within 1 s"):
        runner.run_scanner("sleeper", args, [], timeout=1)
    assert time.perf_counter() - started < 0.5


def test_hashes_markers_and_test_fixtures_are_not_reported(tmp_path: Path) -> None:
    """Each generic candidate has a twin that is still reported (or live by shape)."""
    digest = "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08"
    repo = _git_repo(tmp_path)
    write(repo, "scripts/rule-integrity.json", json.dumps({"tools/check.mjs": digest}) + "\n")
    write(repo, "tools/detect.mjs", "const PEM = /-----BEGIN PRIVATE KEY-----/\n")
    write(repo, "tests/rls/db.test.ts", 'const password = "Tq8vLm2Rz5Kw9XpN"\n')
    write(repo, "src/app.ts", "export const ok = true\n")
    scan = secrets.scan_secrets(repo)
    assert scan.findings == []
    assert scan.excluded.get("hex digest (no credential named on the line)") == 1
    assert scan.excluded.get("test fixture (generic candidate in a test file)") == 1
    twin = _git_repo(tmp_path / "twin")
    write(twin, "config/signing.env", f"WEBHOOK_SECRET={digest}\n")
    write(twin, "src/db.ts", 'const password = "Tq8vLm2Rz5Kw9XpN"\n')
    write(twin, "tests/admin.test.ts", f'const key = "{SERVICE_ROLE}"\n')
    shown = text_of(secrets.scan_secrets(twin).findings)
    assert "tests/admin.test.ts:1: live key by shape: Supabase service_role JWT" in shown
    assert "config/signing.env:1: plain-text secret committed" in shown
    assert "src/db.ts:1: plain-text secret committed: Secret Keyword" in shown


@pytest.mark.parametrize(
    ("line", "kind", "reason"),
    [
        ("  DB: 'postgres://postgres:postgres@127.0.0.1:5432/postgres',", "Basic Auth Credentials",
         "local development credential (loopback host)"),
        ("DB=postgres://app:Tq8vLm2Rz5Kw9XpN@db.prod.internal:5432/app", "Basic Auth Credentials",
         None),
        ("  // the old code leaked `mongodb://admin:hunter2@db.internal`", "Basic Auth Credentials",
         "comment (generic candidate)"),
        ("# DB=postgres://app:Tq8vLm2Rz5Kw9XpN@db.prod.internal/app", "Basic Auth Credentials",
         None),  # a commented-out dotenv line is still committed
        ("  'mfa.enrol.secret': 'Setup key',", "Secret Keyword", "prose value (words, not a key)"),
        ("const secret = 'Tq8vLm2Rz5Kw9XpN'", "Secret Keyword", None),
        ("secure_password_change = false", "Secret Keyword", "boolean or null value"),
        ("  isLoading={passwordStatus === 'executing'}", "Secret Keyword",
         "comparison, not an assignment"),
        ('openai_api_key = "env(OPENAI_API_KEY)"', "Secret Keyword",
         "reference to a variable or secret store"),
        ('"SUPABASE_SERVICE_ROLE_KEY": "@supabase-service-role-key"', "Secret Keyword",
         "reference to a variable or secret store"),
    ],
)
def test_candidate_exclusions(line: str, kind: str, reason: str | None) -> None:
    assert candidate_exclusion("src/config.ts", line, kind) == reason
