#!/usr/bin/env bash
# バックアップ: PostgreSQL 17 の物理バックアップ（pg_basebackup）を S3 に保存し、復元する。
#
# 使い方:
#   scripts/backup.sh full [--label NAME]          フルバックアップ
#   scripts/backup.sh incremental [--label NAME]   差分バックアップ（直前のバックアップからの増分。
#                                                  pg_basebackup --incremental、PostgreSQL 17 以降）
#   scripts/backup.sh list                         保存済みバックアップの一覧
#   scripts/backup.sh restore BACKUP_ID TARGET_DIR BACKUP_ID までの差分チェーンを取得し、
#                                                  pg_combinebackup で TARGET_DIR に復元する
#
# 定期実行: .github/workflows/backup.yml（毎日 03:00 JST に full、6時間ごとに incremental）
# リストア手順: scripts/README.md の「リストア手順」
# 必要な環境変数: BACKUP_DATABASE_URL（replication 権限のあるユーザー）, BACKUP_BUCKET
set -euo pipefail

: "${BACKUP_DATABASE_URL:?BACKUP_DATABASE_URL is required}"
: "${BACKUP_BUCKET:?BACKUP_BUCKET is required}"
readonly PREFIX="s3://${BACKUP_BUCKET}/postgres"
WORK_DIR="$(mktemp -d "${TMPDIR:-/tmp}/backup.XXXXXX")"
readonly WORK_DIR
trap 'rm -rf "$WORK_DIR"' EXIT

usage() {
  sed -n '2,14p' "$0" >&2
  exit 2
}

log() {
  printf '%s [backup] %s\n' "$(date -u +%Y-%m-%dT%H:%M:%SZ)" "$*"
}

put() {
  aws s3 cp "$1" "$2" --sse aws:kms --only-show-errors
}

get() {
  aws s3 cp "$1" "$2" --only-show-errors
}

take_backup() {
  local mode="$1" label="$2" id parent=""
  id="$(date -u +%Y%m%dT%H%M%SZ)-${mode}${label:+-$label}"
  local args=(
    --dbname="$BACKUP_DATABASE_URL"
    --pgdata="$WORK_DIR/$id"
    --checkpoint=fast
    --wal-method=stream
    --manifest-checksums=SHA256
    --no-password
  )
  if [[ "$mode" == "incremental" ]]; then
    if parent="$(get "$PREFIX/LATEST" - 2>/dev/null)" && [[ -n "$parent" ]]; then
      get "$PREFIX/$parent/backup_manifest" "$WORK_DIR/parent_manifest"
      args+=(--incremental="$WORK_DIR/parent_manifest")
      log "incremental backup on top of $parent"
    else
      log "no previous backup found: taking a full backup instead"
      parent=""
    fi
  fi
  started=$SECONDS
  pg_basebackup "${args[@]}"
  tar -C "$WORK_DIR" -czf "$WORK_DIR/$id.tar.gz" "$id"
  put "$WORK_DIR/$id.tar.gz" "$PREFIX/$id/base.tar.gz"
  put "$WORK_DIR/$id/backup_manifest" "$PREFIX/$id/backup_manifest"
  printf '%s\n' "$parent" | put - "$PREFIX/$id/PARENT"
  printf '%s\n' "$id" | put - "$PREFIX/LATEST"
  log "backup $id stored in $PREFIX/$id in $((SECONDS - started)) s"
}

list_backups() {
  aws s3 ls "$PREFIX/" | awk '$1 == "PRE" {print $2}' | tr -d /
}

restore() {
  local target="$1" dest="$2" id="$1" chain=() dirs=()
  if [[ -e "$dest" ]]; then
    echo "restore: $dest already exists" >&2
    exit 1
  fi
  # BACKUP_ID から PARENT をたどり、フルバックアップまでのチェーンを作る
  while [[ -n "$id" ]]; do
    chain=("$id" "${chain[@]}")
    id="$(get "$PREFIX/$id/PARENT" -)"
  done
  log "restoring $target from chain: ${chain[*]}"
  for id in "${chain[@]}"; do
    get "$PREFIX/$id/base.tar.gz" "$WORK_DIR/$id.tar.gz"
    tar -C "$WORK_DIR" -xzf "$WORK_DIR/$id.tar.gz"
    dirs+=("$WORK_DIR/$id")
  done
  if ((${#dirs[@]} == 1)); then
    mv "${dirs[0]}" "$dest"
  else
    pg_combinebackup --output="$dest" "${dirs[@]}"
  fi
  log "restored $target into $dest: start PostgreSQL 17 on it (scripts/README.md)"
}

command="${1:-}"
[[ -n "$command" ]] || usage
shift
label=""
case "$command" in
  full | incremental)
    if [[ "${1:-}" == "--label" ]]; then
      label="${2:?--label needs a value}"
    fi
    take_backup "$command" "$label"
    ;;
  list) list_backups ;;
  restore)
    [[ $# -eq 2 ]] || usage
    restore "$1" "$2"
    ;;
  *) usage ;;
esac
