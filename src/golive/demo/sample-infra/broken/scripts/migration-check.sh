#!/usr/bin/env bash
# migration-check.sh — マイグレーションのチェック

for f in supabase/migrations/*.sql; do
  echo "check $f"
  docker compose exec -T db psql -U postgres -d postgres -f "/migrations/$(basename "$f")" || true
done

echo "migration check finished"
exit 0
