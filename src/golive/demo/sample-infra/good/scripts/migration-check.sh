#!/usr/bin/env bash
# migration-check.sh — マイグレーションの整合性チェック (CI とローカルで実行)。
#   1. ファイル名が <14桁タイムスタンプ>_<snake_case>.sql で、バージョンが一意であること
#   2. 空の使い捨て DB に全マイグレーション + シードが ON_ERROR_STOP で通ること
#   3. 実行時間が MIGRATION_TIME_LIMIT 秒 (既定 60 = 1分) 以内であること
# 問題があれば非ゼロで終了する。
#
# 使い方: scripts/migration-check.sh
#   DATABASE_URL (使い捨ての DB) を渡すとそこで検証する。省略時は docker compose の db を使う。
set -euo pipefail

ROOT_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
readonly ROOT_DIR
readonly MIGRATIONS_DIR="${ROOT_DIR}/supabase/migrations"
readonly SEED_FILE="${ROOT_DIR}/supabase/seed.sql"
readonly MIGRATION_TIME_LIMIT="${MIGRATION_TIME_LIMIT:-60}"
readonly CHECK_DB="migration_check_$$"

status=0
fail() {
  printf '[migration-check] NG: %s\n' "$*" >&2
  status=1
}
log() { printf '[migration-check] %s\n' "$*" >&2; }

run_psql() {
  if [[ -n "${DATABASE_URL:-}" ]]; then
    psql "${DATABASE_URL}" -v ON_ERROR_STOP=1 --quiet "$@"
  else
    docker compose exec -T db psql -U postgres -v ON_ERROR_STOP=1 --quiet "$@"
  fi
}

# 1. 命名規則と一意性
shopt -s nullglob
files=("${MIGRATIONS_DIR}"/*.sql)
if ((${#files[@]} == 0)); then
  fail "マイグレーションがありません: ${MIGRATIONS_DIR}"
fi
declare -A seen=()
for file in "${files[@]}"; do
  name="$(basename "${file}")"
  if [[ ! "${name}" =~ ^[0-9]{14}_[a-z0-9_]+\.sql$ ]]; then
    fail "命名規則違反: ${name} (<YYYYMMDDHHMMSS>_<name>.sql)"
    continue
  fi
  version="${name%%_*}"
  if [[ -n "${seen[${version}]:-}" ]]; then
    fail "バージョン重複: ${version} (${seen[${version}]} と ${name})"
  fi
  seen[${version}]="${name}"
done

# 2. 使い捨て DB への適用 (ソート順 = 適用順)
if ((status == 0)); then
  run_psql -d postgres -c "drop database if exists ${CHECK_DB}" -c "create database ${CHECK_DB}"
  trap 'run_psql -d postgres -c "drop database if exists ${CHECK_DB}" >/dev/null 2>&1 || true' EXIT
  started=${SECONDS}
  for file in "${files[@]}"; do
    log "適用: $(basename "${file}")"
    if ! run_psql -d "${CHECK_DB}" --single-transaction <"${file}"; then
      fail "適用失敗: $(basename "${file}")"
      break
    fi
  done
  if ((status == 0)) && ! run_psql -d "${CHECK_DB}" --single-transaction <"${SEED_FILE}"; then
    fail "シード投入失敗: ${SEED_FILE}"
  fi
  elapsed=$((SECONDS - started))
  log "所要時間: ${elapsed}s (上限 ${MIGRATION_TIME_LIMIT}s)"
  if ((elapsed > MIGRATION_TIME_LIMIT)); then
    fail "マイグレーションが ${MIGRATION_TIME_LIMIT}s を超えました (${elapsed}s)"
  fi
fi

if ((status == 0)); then
  log "OK: ${#files[@]} 件のマイグレーションとシードを確認しました"
fi
exit "${status}"
