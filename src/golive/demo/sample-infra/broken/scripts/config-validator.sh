# 設定値検証: 必要な設定ファイルがあるか確認する。
#
# 使い方: scripts/config-validator.sh [repo-root]
set -euo pipefail

ROOT="${1:-$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)}"

for file in vercel.json build-settings.json .env.template; do
  if [[ -f "$ROOT/$file" ]]; then
    echo "config-validator: $file found"
  else
    echo "config-validator: $file missing" >&2
  fi
done
