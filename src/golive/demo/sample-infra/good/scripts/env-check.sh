#!/usr/bin/env bash
# 環境チェック: デプロイ先の環境に必要な環境変数とツールが揃い、データベースに接続できるかを確認する。
# 問題があればすべて列挙してから非ゼロで終了する（deploy.sh はそこで止まる）。
#
# 使い方: scripts/env-check.sh <staging|production>
set -euo pipefail

ENVIRONMENT="${1:?usage: env-check.sh <staging|production>}"

required_vars=(
  VERCEL_TOKEN
  VERCEL_ORG_ID
  VERCEL_PROJECT_ID
  DATABASE_URL
  BACKUP_DATABASE_URL
  BACKUP_BUCKET
)
required_tools=(node npx curl jq psql pg_isready pg_basebackup aws)

problems=0
problem() {
  echo "env-check: $*" >&2
  problems=$((problems + 1))
}

case "$ENVIRONMENT" in
  staging | production) ;;
  *) problem "unknown environment '$ENVIRONMENT' (staging or production)" ;;
esac

for var in "${required_vars[@]}"; do
  if [[ -z "${!var:-}" ]]; then
    problem "environment variable $var is not set"
  fi
done

for tool in "${required_tools[@]}"; do
  if ! command -v "$tool" >/dev/null 2>&1; then
    problem "required tool $tool is not installed"
  fi
done

# 本番のデプロイがステージングのデータベースを向いていないこと（逆も）
if [[ "$ENVIRONMENT" == "production" && "${DATABASE_URL:-}" == *staging* ]]; then
  problem "production deploy points at a staging database"
fi
if [[ "$ENVIRONMENT" == "staging" && "${DATABASE_URL:-}" == *prod* ]]; then
  problem "staging deploy points at a production database"
fi

if ((problems == 0)); then
  if ! pg_isready --dbname="$DATABASE_URL" --timeout=5 >/dev/null; then
    problem "database is not accepting connections"
  fi
fi

if ((problems > 0)); then
  echo "env-check: $problems problem(s) in $ENVIRONMENT, refusing to continue" >&2
  exit 1
fi
echo "env-check: $ENVIRONMENT ok"
