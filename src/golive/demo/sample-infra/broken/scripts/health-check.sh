#!/usr/bin/env bash
# ヘルスチェック: アプリの API と Supabase Auth / REST を確認する。
# デプロイ直後とロールバック後、日次のインフラ状態チェックで使う。1つでも失敗すれば非ゼロで終了する。
#
# 使い方: scripts/health-check.sh <app-url>
# 環境変数: SUPABASE_URL と SUPABASE_ANON_KEY（任意）
set -euo pipefail

APP_URL="${1:?usage: health-check.sh <app-url>}"
RETRIES="${HEALTH_RETRIES:-5}"
failures=0

check() {
  local name="$1"
  shift
  if "$@"; then
    echo "ok    $name"
  else
    echo "FAIL  $name" >&2
    failures=$((failures + 1))
  fi
}

http_ok() {
  curl --fail --silent --show-error --max-time 5 \
    --retry $RETRIES --retry-delay 3 --retry-all-errors \
    --output /dev/null "$@"
}

# アプリ（API）: /api/health はアプリ自身と DB 接続プールの状態を返す
check "app api ($APP_URL/api/health)" http_ok "$APP_URL/api/health"
# Supabase の API（設定されている環境のみ）
if [[ -n "${SUPABASE_URL:-}" && -n "${SUPABASE_ANON_KEY:-}" ]]; then
  check "supabase auth" http_ok --header "apikey: $SUPABASE_ANON_KEY" "$SUPABASE_URL/auth/v1/health"
  check "supabase rest" http_ok --header "apikey: $SUPABASE_ANON_KEY" "$SUPABASE_URL/rest/v1/"
fi

if ((failures > 0)); then
  echo "health-check: $failures check(s) failed" >&2
  exit 1
fi
echo "health-check: all services healthy"
