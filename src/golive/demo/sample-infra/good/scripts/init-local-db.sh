#!/usr/bin/env bash
# init-local-db.sh — ローカル Supabase DB を初期化する。
#   1. db コンテナを起動し、pg_isready が通るまで待つ (最大 WAIT_TIMEOUT 秒)
#   2. supabase/migrations/*.sql を未適用のものだけ順に適用する (1 ファイル 1 トランザクション)
#   3. supabase/seed.sql を投入する (冪等)
#
# 使い方: scripts/init-local-db.sh [--reset]
#   --reset  ボリュームを削除して最初から作り直す
set -euo pipefail

ROOT_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
readonly ROOT_DIR
readonly ENV_FILE="${ROOT_DIR}/.env.local"
readonly MIGRATIONS_DIR="${ROOT_DIR}/supabase/migrations"
readonly SEED_FILE="${ROOT_DIR}/supabase/seed.sql"
readonly WAIT_TIMEOUT="${WAIT_TIMEOUT:-120}"

log() { printf '[init-local-db] %s\n' "$*" >&2; }
die() {
  log "ERROR: $*"
  exit 1
}

[[ -f "${ENV_FILE}" ]] || die ".env.local がありません: cp .env.template .env.local して値を設定してください"
[[ -d "${MIGRATIONS_DIR}" ]] || die "マイグレーションのディレクトリがありません: ${MIGRATIONS_DIR}"
[[ -f "${SEED_FILE}" ]] || die "シードファイルがありません: ${SEED_FILE}"

compose() {
  docker compose --env-file "${ENV_FILE}" -f "${ROOT_DIR}/docker-compose.yml" "$@"
}

# psql はコンテナ内のものを使う。ON_ERROR_STOP=1: SQL エラーで必ず非ゼロ終了させる
psql_db() {
  compose exec -T db psql -U postgres -d postgres -v ON_ERROR_STOP=1 --quiet "$@"
}

if [[ "${1:-}" == "--reset" ]]; then
  log "ボリュームを削除して作り直します"
  compose down --volumes --remove-orphans
fi

log "db コンテナを起動します"
compose up -d db

log "DB の起動を待っています (最大 ${WAIT_TIMEOUT}s)"
deadline=$((SECONDS + WAIT_TIMEOUT))
until compose exec -T db pg_isready -U postgres -h localhost -q; do
  if ((SECONDS >= deadline)); then
    compose logs --tail 50 db >&2
    die "DB が ${WAIT_TIMEOUT}s 以内に起動しませんでした"
  fi
  sleep 2
done
log "DB 起動完了 ($((SECONDS))s)"

log "マイグレーションを適用します"
psql_db <<'SQL'
create schema if not exists supabase_migrations;
create table if not exists supabase_migrations.schema_migrations (
  version    text primary key,
  name       text not null,
  applied_at timestamptz not null default now()
);
SQL

shopt -s nullglob
migrations=("${MIGRATIONS_DIR}"/*.sql)
((${#migrations[@]} > 0)) || die "マイグレーションがありません: ${MIGRATIONS_DIR}"
for file in "${migrations[@]}"; do
  name="$(basename "${file}" .sql)"
  version="${name%%_*}"
  applied="$(psql_db -tA -c "select count(*) from supabase_migrations.schema_migrations where version = '${version}'")"
  if [[ "${applied}" != "0" ]]; then
    continue
  fi
  log "  適用: ${name}"
  {
    cat "${file}"
    printf "\ninsert into supabase_migrations.schema_migrations (version, name) values ('%s', '%s');\n" "${version}" "${name}"
  } | psql_db --single-transaction
done

log "シードデータを投入します"
psql_db --single-transaction <"${SEED_FILE}"

log "残りのサービスを起動します"
compose up -d --wait
log "完了"
