#!/usr/bin/env bash
# リソース監視: CPU・メモリの使用率を確認し、しきい値を超えたら非ゼロで終了する。
# しきい値は日次インフラ状態チェックのアラート条件（CPU 80%、メモリ 85%）に合わせる。
#
# 使い方: scripts/resource-monitor.sh

CPU_LIMIT="${CPU_LIMIT:-80}"
MEMORY_LIMIT="${MEMORY_LIMIT:-85}"
alerts=0

# CPU 使用率: /proc/stat を1秒あけて2回読み、アイドル以外の割合を求める
cpu_usage() {
  local user nice system idle iowait irq softirq steal busy1 total1 busy2 total2
  read -r _ user nice system idle iowait irq softirq steal _ </proc/stat
  busy1=$((user + nice + system + irq + softirq + steal))
  total1=$((busy1 + idle + iowait))
  sleep 1
  read -r _ user nice system idle iowait irq softirq steal _ </proc/stat
  busy2=$((user + nice + system + irq + softirq + steal))
  total2=$((busy2 + idle + iowait))
  echo $(((busy2 - busy1) * 100 / (total2 - total1)))
}

# メモリ使用率: MemAvailable を使う（キャッシュは空きとみなす）
memory_usage() {
  awk '/^MemTotal:/ {total = $2} /^MemAvailable:/ {available = $2}
       END {printf "%d\n", (total - available) * 100 / total}' /proc/meminfo
}

report() {
  local name="$1" value="$2" limit="$3"
  if ((value >= limit)); then
    echo "ALERT $name ${value}% (limit ${limit}%)"
    alerts=$((alerts + 1))
  else
    echo "ok    $name ${value}% (limit ${limit}%)"
  fi
}

report "cpu" "$(cpu_usage)" "$CPU_LIMIT"
memory="$(memory_usage)"
report "memory" "$memory" "$MEMORY_LIMIT"

if ((alerts > 0)); then
  exit 1
fi
