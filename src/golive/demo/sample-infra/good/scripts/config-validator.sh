#!/usr/bin/env bash
# 設定値検証: リポジトリの設定ファイルの構文と、デプロイ先の環境変数の値を検証する。
# CI（build.yml の前段）と deploy.sh から呼ばれる。エラーをすべて列挙してから非ゼロで終了する。
#
# 使い方: scripts/config-validator.sh [repo-root]
set -euo pipefail

ROOT="${1:-$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)}"
errors=0
error() {
  echo "config-validator: $*" >&2
  errors=$((errors + 1))
}

# 1. JSON 設定ファイルの構文
while IFS= read -r -d '' file; do
  if ! jq empty "$file" 2>/dev/null; then
    error "${file#"$ROOT"/}: invalid JSON"
  fi
done < <(find "$ROOT" -name '*.json' -not -path '*/node_modules/*' -not -path '*/.git/*' -print0)

# 2. vercel.json の値: リージョンは東京（hnd1）、関数の実行時間は 60 秒以内
if [[ -f "$ROOT/vercel.json" ]]; then
  if ! jq -e '(.regions // ["hnd1"]) | all(. == "hnd1")' "$ROOT/vercel.json" >/dev/null; then
    error "vercel.json: regions must be [\"hnd1\"]"
  fi
  max_duration="$(jq '[.functions // {} | .[] | .maxDuration // 0] | max // 0' "$ROOT/vercel.json")"
  if ((max_duration > 60)); then
    error "vercel.json: functions maxDuration $max_duration s exceeds 60 s"
  fi
fi

# 3. .env.template: KEY=VALUE 形式で、値に秘密情報を書かない
if [[ -f "$ROOT/.env.template" ]]; then
  line_no=0
  while IFS= read -r line || [[ -n "$line" ]]; do
    line_no=$((line_no + 1))
    [[ -z "$line" || "$line" == \#* ]] && continue
    if [[ ! "$line" =~ ^[A-Z][A-Z0-9_]*= ]]; then
      error ".env.template:$line_no: not a KEY=VALUE line"
    fi
  done <"$ROOT/.env.template"
fi

# 4. 環境変数の値（設定されているものだけ）
if [[ -n "${DATABASE_URL:-}" ]]; then
  if [[ ! "$DATABASE_URL" =~ ^postgres(ql)?:// ]]; then
    error "DATABASE_URL must be a postgres:// URL"
  elif [[ "$DATABASE_URL" != *sslmode=require* && "$DATABASE_URL" != *sslmode=verify-full* ]]; then
    error "DATABASE_URL must require TLS (sslmode=require or verify-full)"
  fi
fi
if [[ -n "${NEXT_PUBLIC_SUPABASE_URL:-}" && ! "$NEXT_PUBLIC_SUPABASE_URL" =~ ^https:// ]]; then
  error "NEXT_PUBLIC_SUPABASE_URL must use https"
fi
if [[ -n "${DB_POOL_MAX:-}" ]]; then
  if [[ ! "$DB_POOL_MAX" =~ ^[0-9]+$ ]] || ((DB_POOL_MAX < 1 || DB_POOL_MAX > 100)); then
    error "DB_POOL_MAX must be an integer between 1 and 100"
  fi
fi

if ((errors > 0)); then
  echo "config-validator: $errors error(s)" >&2
  exit 1
fi
echo "config-validator: configuration ok"
