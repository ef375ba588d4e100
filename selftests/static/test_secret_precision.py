"""Public and local values are not secrets (validation round 2 on public repositories):
site-verification tokens, cloud project ids, Stripe object ids, secret *names*, references,
alphabets, key-prefix constants, a detector's own samples, local-only dev passwords and
filler AWS keys are left out with a counted reason; beside each, a credential of the same
look is still reported, and live-shaped keys are never left out.

Every value is built at run time from parts and works nowhere.
"""

from __future__ import annotations

import random
import subprocess
from pathlib import Path

from golive.rules import secrets
from golive.rules.secret_shapes import candidate_exclusion, live_keys

from ._helpers import text_of, write
from .test_secrets import AWS_ID, AWS_SECRET, GITHUB, SERVICE_ROLE, STRIPE

_ALNUM = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789"


def _random(seed: int, length: int, alphabet: str = _ALNUM + "-_") -> str:
    rng = random.Random(seed)
    return "".join(rng.choice(alphabet) for _ in range(length))


VERIFY = _random(1, 43)  # shaped like a Google site-verification token
GOOGLE_KEY = "AIza" + _random(2, 35)  # shaped like a Google API key
PASSWORD = _random(3, 24, _ALNUM)
PROJECT = "quiet-harbor-" + "613904" + "-k7"


def _repo(root: Path) -> Path:
    subprocess.run(["git", "init", "-q", str(root)], check=True)
    return root


def _scan(repo: Path) -> tuple[str, dict[str, int]]:
    scan = secrets.scan_secrets(repo)
    return text_of(scan.findings), scan.excluded


# --- public identifiers -------------------------------------------------------------


def test_site_verification_token_is_public_but_a_google_api_key_beside_it_is_not(
    tmp_path: Path,
) -> None:
    repo = _repo(tmp_path / "pass")
    write(repo, "app/layout.tsx",
          "export const metadata = {\n  title: 'x',\n  verification: {\n"
          f"    google: '{VERIFY}',\n  }},\n}}\n")
    write(repo, "public/index.html",
          f'<meta name="google-site-verification" content="{VERIFY[::-1]}" />\n')
    shown, excluded = _scan(repo)
    assert shown == ""
    assert excluded["site-verification token (public: published in every page)"] == 2
    fail = _repo(tmp_path / "fail")
    write(fail, "app/layout.tsx",
          "export const metadata = {\n  verification: {\n"
          f"    google: '{VERIFY}',\n  }},\n}}\nconst firebase = {{\n"
          f"  apiKey: '{GOOGLE_KEY}',\n}}\n")
    shown, _ = _scan(fail)
    assert "app/layout.tsx:7: plain-text secret committed" in shown
    assert "app/layout.tsx:3:" not in shown
    # a key of a provider's format is reported even under ``verification``
    other = _repo(tmp_path / "other")
    write(other, "app/layout.tsx",
          f"export const metadata = {{\n  verification: {{\n    google: '{GOOGLE_KEY}',\n"
          "  },\n}\n")
    assert "app/layout.tsx:3: plain-text secret committed" in _scan(other)[0]


def test_cloud_project_id_is_no_secret_but_a_token_in_the_same_script_is(
    tmp_path: Path,
) -> None:
    repo = _repo(tmp_path / "pass")
    write(repo, "deploy_to_cloud_run.sh",
          "#!/bin/sh\ngcloud run deploy api \\\n"
          f'  --set-env-vars "PROJECT_ID={PROJECT}" \\\n  --project {PROJECT}\n')
    shown, excluded = _scan(repo)
    assert shown == ""
    assert excluded.get("cloud project/account identifier (public, grants nothing)", 0) >= 1
    fail = _repo(tmp_path / "fail")
    write(fail, "deploy_to_cloud_run.sh",
          f"#!/bin/sh\nPROJECT_ID={PROJECT}\nAPI_TOKEN={PASSWORD}\n"
          f'curl -H "X-Api-Token: {_random(4, 40)}" https://api.invalid\n')
    shown, _ = _scan(fail)
    assert "deploy_to_cloud_run.sh:4: plain-text secret committed" in shown
    assert "deploy_to_cloud_run.sh:2:" not in shown


def test_stripe_object_ids_are_public_the_keys_are_not(tmp_path: Path) -> None:
    prod, price = "prod_" + _random(5, 14, _ALNUM), "price_1" + _random(6, 23, _ALNUM)
    prod2, price2 = "prod_" + _random(15, 14, _ALNUM), "price_1" + _random(16, 23, _ALNUM)
    seed = (f"insert into products values\n  ('stripe', '{prod}', '{price}', 9900, 'usd'),\n"
            f"  ('stripe', '{prod2}', '{price2}', 29900, 'usd');\n")
    repo = _repo(tmp_path / "pass")
    write(repo, "supabase/seed.sql", seed)
    shown, excluded = _scan(repo)
    assert shown == ""
    assert excluded["Stripe object id (product/price id: public, not a key)"] >= 1
    fail = _repo(tmp_path / "fail")
    write(fail, "supabase/seed.sql", seed)
    write(fail, "scripts/stripe.sh",
          f"STRIPE_SECRET_KEY={STRIPE}\n")
    write(fail, "src/stripe.ts", f'const webhookSecret = "whsec_{_random(7, 32, _ALNUM)}"\n')
    shown, _ = _scan(fail)
    assert "scripts/stripe.sh:1: live key by shape: Stripe live secret key" in shown
    assert "src/stripe.ts:1: plain-text secret committed" in shown
    assert "seed.sql" not in shown


# --- names and references -----------------------------------------------------------


def test_secret_names_and_references_are_not_values(tmp_path: Path) -> None:
    repo = _repo(tmp_path / "pass")
    write(repo, "k8s/ingress.yaml",
          "spec:\n  tls:\n    - hosts: [app.invalid]\n      secretName: app-prod-tls\n")
    write(repo, "helm/values-production.yaml",
          "postgresql:\n  auth:\n    existingSecret: app-secrets\n"
          "    existingSecretPasswordKey: postgres-password\n")
    write(repo, "k8s/external-secret.yaml",
          "spec:\n  data:\n  - secretKey: jwt-secret\n    remoteRef:\n      key: app/api\n")
    write(repo, "config/vault.json",
          '{\n  "password": "vault:secret/data/app/db#password"\n}\n')
    write(repo, "terraform/github.tf",
          'resource "github_actions_environment_secret" "db" {\n'
          '  secret_name     = "DATABASE_URL"\n  plaintext_value = var.postgres_url\n}\n')
    shown, excluded = _scan(repo)
    assert shown == ""
    assert excluded["name of a secret (Kubernetes/Helm/Terraform reference), not its value"] >= 3
    assert excluded["reference to a variable or secret store"] == 1
    # detect-secrets passes ``plaintext_value = var.x`` by; golive's own filter agrees
    assert candidate_exclusion("terraform/github.tf", "  plaintext_value = var.postgres_url",
                               "Secret Keyword") == "reference to a variable or secret store"
    assert candidate_exclusion("src/app.ts", "  plaintext_value = var.postgres_url",
                               "Secret Keyword") is None
    fail = _repo(tmp_path / "fail")
    write(fail, "helm/values-staging.yaml",
          f"postgresql:\n  auth:\n    existingSecret: app-secrets\n    password: {PASSWORD}\n")
    write(fail, "terraform/github.tf",
          'resource "github_actions_environment_secret" "db" {\n'
          f'  secret_name     = "DATABASE_URL"\n  db_password     = "{PASSWORD[::-1]}"\n}}\n')
    write(fail, "k8s/external-secret.yaml",
          f"spec:\n  data:\n  - secretKey: {_random(8, 32, _ALNUM)}\n")
    shown, _ = _scan(fail)
    assert "helm/values-staging.yaml:4: plain-text secret committed" in shown
    assert "terraform/github.tf:3: plain-text secret committed" in shown
    assert "k8s/external-secret.yaml:3: plain-text secret committed" in shown
    assert "helm/values-staging.yaml:3:" not in shown


# --- constants and a detector's samples ---------------------------------------------


def test_alphabets_prefixes_and_detector_samples_are_not_keys(tmp_path: Path) -> None:
    repo = _repo(tmp_path / "pass")
    write(repo, "src/cursor.ts",
          "const ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_'\n"
          "const CROCKFORD = '0123456789ABCDEFGHJKMNPQRSTVWXYZ'\n")
    write(repo, "src/credentials.ts", "const SECRET_KEY_PREFIX = 'sb_secret_'\n")
    write(repo, "tools/secret-patterns.json",
          '{"patterns": [{\n  "regex": "EXPO_TOKEN=[A-Za-z0-9_-]{16,}",\n'
          f'  "positive": "EXPO_TOKEN={_random(9, 20, _ALNUM)}"\n}}]}}\n')
    write(repo, "src/testing/mock-supabase.ts",
          "export const MFA = {\n  id: 'factor-mock',\n  secret: 'MOCKSECRETBASE32',\n}\n")
    shown, excluded = _scan(repo)
    assert shown == ""
    assert excluded["character alphabet (an ordered sequence, not a key)"] >= 1
    assert excluded["key prefix constant (no key body)"] == 1
    assert excluded["sample in a secret detector's pattern file"] == 1
    assert excluded["test fixture (generic candidate in a test file)"] == 1
    fail = _repo(tmp_path / "fail")
    write(fail, "src/cursor.ts", f"const SIGNING_KEY = '{_random(10, 40)}'\n")
    write(fail, "src/credentials.ts", f"const SECRET_KEY = 'sb_secret_{_random(11, 32, _ALNUM)}'\n")
    # a live-shaped key is reported even among a detector's samples
    write(fail, "tools/secret-patterns.json",
          f'{{"patterns": [{{\n  "regex": "ghp_\\\\w+",\n  "positive": "{GITHUB}"\n}}]}}\n')
    shown, _ = _scan(fail)
    assert "src/cursor.ts:1: plain-text secret committed" in shown
    assert "src/credentials.ts:1: plain-text secret committed" in shown
    assert "tools/secret-patterns.json:3: live key by shape: GitHub token" in shown


# --- local-only values --------------------------------------------------------------


def test_local_dev_compose_password_vs_a_deployed_one(tmp_path: Path) -> None:
    compose = ("services:\n  db:\n    image: postgres:16\n    environment:\n"
               "      POSTGRES_USER: dev_username\n      POSTGRES_PASSWORD: {}\n"
               "    ports: ['127.0.0.1:5432:5432']\n")
    repo = _repo(tmp_path / "pass")
    write(repo, "docker-compose.yml", compose.format("dev_password"))
    write(repo, ".vscode/settings.json",
          '{\n  "sqltools.connections": [\n    {\n      "server": "localhost",\n'
          '      "password": "dev_password"\n    }\n  ]\n}\n')
    shown, excluded = _scan(repo)
    assert shown == ""
    assert excluded[
        "local development credential (word value in a dev compose/editor file)"] == 2
    fail = _repo(tmp_path / "fail")
    write(fail, "docker-compose.prod.yml", compose.format("dev_password"))
    write(fail, "docker-compose.yml", compose.format(PASSWORD))
    shown, _ = _scan(fail)
    assert "docker-compose.prod.yml:6: plain-text secret committed" in shown
    assert "docker-compose.yml:6: plain-text secret committed" in shown


def test_ci_test_user_of_a_local_stack_vs_one_of_a_remote_stack(tmp_path: Path) -> None:
    script = ("#!/bin/sh\nAPI={}\nDEVICE_EMAIL=device@example.com\n"
              'DEVICE_PASSWORD="device-mutation-pw-1"\ncurl -fsS "$API/auth/v1/signup"\n')
    repo = _repo(tmp_path / "pass")
    write(repo, "scripts/ci/device-smoke.sh", script.format("http://127.0.0.1:54321"))
    shown, excluded = _scan(repo)
    assert shown == ""
    assert excluded["test user of a CI-local stack (loopback only)"] == 1
    fail = _repo(tmp_path / "fail")
    write(fail, "scripts/ci/device-smoke.sh", script.format("https://api.example.invalid"))
    write(fail, "scripts/seed-users.sh", script.format("http://127.0.0.1:54321"))
    shown, _ = _scan(fail)
    assert "scripts/ci/device-smoke.sh:4: plain-text secret committed" in shown
    assert "scripts/seed-users.sh:4: plain-text secret committed" in shown


# --- filler AWS keys ----------------------------------------------------------------


def test_filler_aws_pair_is_a_placeholder_a_real_looking_pair_is_live(tmp_path: Path) -> None:
    filler = f"AWS_ACCESS_KEY_ID=AKIA{'X' * 16}\nAWS_SECRET_ACCESS_KEY={'X' * 40}\n"
    assert live_keys(filler)[0] == []
    assert live_keys(f"AWS_ACCESS_KEY_ID=AKIA{'0' * 16}\nAWS_SECRET_ACCESS_KEY={'0' * 40}\n")[
        0] == []
    repo = _repo(tmp_path / "pass")
    write(repo, "config/.env.staging", "# AWS credentials\n" + filler)
    scan = secrets.scan_secrets(repo)
    assert (scan.findings, scan.live) == ([], 0)
    fail = _repo(tmp_path / "fail")
    write(fail, "config/.env.staging",
          f"AWS_ACCESS_KEY_ID={AWS_ID}\nAWS_SECRET_ACCESS_KEY={AWS_SECRET}\n")
    write(fail, "config/.env.production",
          f"AWS_ACCESS_KEY_ID=AKIA{'X' * 16}\nAWS_SECRET_ACCESS_KEY={AWS_SECRET}\n"
          f"SUPABASE_SERVICE_ROLE_KEY={SERVICE_ROLE}\n")
    scan = secrets.scan_secrets(fail)
    shown = text_of(scan.findings)
    assert scan.live == 2
    assert shown.startswith(
        "config/.env.production:3: live key by shape: Supabase service_role JWT")
    assert "config/.env.staging:1: live key by shape: AWS access key pair" in shown
