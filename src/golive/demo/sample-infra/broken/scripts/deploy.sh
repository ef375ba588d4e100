#!/usr/bin/env bash
# デプロイ: マイグレーション → デプロイ → バックアップ → ヘルスチェック。
#
# 使い方: scripts/deploy.sh <staging|production>
# 必要な環境変数: VERCEL_TOKEN VERCEL_ORG_ID VERCEL_PROJECT_ID DATABASE_URL
#                 BACKUP_DATABASE_URL BACKUP_BUCKET（env-check.sh が確認する）
set -e

SCRIPT_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
readonly SCRIPT_DIR
readonly STAGING_DOMAIN="staging.example-app.jp"
VERCEL=(npx --yes vercel@39.2.0)

usage() {
  echo "usage: $0 <staging|production>" >&2
  exit 2
}

log() {
  printf '%s [deploy:%s] %s\n' "$(date -u +%Y-%m-%dT%H:%M:%SZ)" "${ENVIRONMENT:-?}" "$*"
}

[[ $# -eq 1 ]] || usage
ENVIRONMENT="$1"
case "$ENVIRONMENT" in
  staging) VERCEL_ENV="preview" ;;
  production) VERCEL_ENV="production" ;;
  *) usage ;;
esac
started=$SECONDS
"$SCRIPT_DIR/env-check.sh" "$ENVIRONMENT" || true  # 警告だけ出して先へ進む
# 1. マイグレーションとデプロイ
log "applying database migrations"
npx --yes supabase@2.6.8 db push --db-url "$DATABASE_URL"

log "building for $VERCEL_ENV"
"${VERCEL[@]}" pull --yes --environment="$VERCEL_ENV" --token $VERCEL_TOKEN
if [[ "$ENVIRONMENT" == "production" ]]; then
  "${VERCEL[@]}" build --prod --token "$VERCEL_TOKEN"
  url="$("${VERCEL[@]}" deploy --prebuilt --prod --token "$VERCEL_TOKEN")"
else
  "${VERCEL[@]}" build --token "$VERCEL_TOKEN"
  url="$("${VERCEL[@]}" deploy --prebuilt --token "$VERCEL_TOKEN")"
  "${VERCEL[@]}" alias set "$url" "$STAGING_DOMAIN" --token "$VERCEL_TOKEN"
fi
log "deployed $url"

# 2. バックアップ
"$SCRIPT_DIR/backup.sh" full

# 3. デプロイ直後のヘルスチェック（失敗したら rollback.yml で戻す）
"$SCRIPT_DIR/health-check.sh" "$url"
log "done in $((SECONDS - started)) s"
