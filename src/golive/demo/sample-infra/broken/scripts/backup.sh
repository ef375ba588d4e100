#!/usr/bin/env bash
# バックアップ: pg_dump でデータベース全体をダンプし、S3 に保存する。
#
# 使い方: scripts/backup.sh
# 必要な環境変数: DATABASE_URL, BACKUP_BUCKET
set -euo pipefail

: "${DATABASE_URL:?DATABASE_URL is required}"
: "${BACKUP_BUCKET:?BACKUP_BUCKET is required}"
WORK_DIR="${BACKUP_WORK_DIR:-/tmp/backup}"

mkdir -p "$WORK_DIR"
cd $WORK_DIR
file="backup-$(date -u +%Y%m%dT%H%M%SZ).dump"
pg_dump --format=custom --file="$file" "$DATABASE_URL"
aws s3 cp "$file" "s3://${BACKUP_BUCKET}/postgres/$file" --sse aws:kms --only-show-errors
rm -f "$file"
echo "backup $file done"
