#!/usr/bin/env bash
# init-local-db.sh — ローカル DB を初期化する

cd "$(dirname "$0")/.." || exit 1
docker compose up -d db

# DB の起動を待つ
sleep 10

for f in supabase/migrations/*.sql; do
  echo "apply $f"
  docker compose exec -T db psql -U postgres -d postgres < "$f"
done

echo "done"
