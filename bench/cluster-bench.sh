#!/usr/bin/env bash
# The replication benchmark: 50/50 get/put with 1 KiB values against one node and against
# a three-node cluster (N=3, R=W=2), in the same run, next to the loopback ceiling.
#
# usage: bench/cluster-bench.sh [ROUNDS] [SECONDS] [WARMUP_SECONDS]
#
# MURMUR_BENCH_SET="KEY=VALUE ..." sets config keys on every node (e.g.
# "storage.sync=periodic").
#
# Starts four nodes on loopback (one alone, three joined into a cluster) under a temp
# dir, and runs ROUNDS rounds (default 3); each round measures the ceiling, then the
# single node, then the cluster, for SECONDS each (default 8) after WARMUP_SECONDS of
# unmeasured load (default 3). Prints each round and the medians, and stops every node it
# started.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
rounds=${1:-3}
seconds=${2:-8}
warmup=${3:-3}
work=$(mktemp -d "${TMPDIR:-/tmp}/murmur-bench.XXXXXX")
pids=()
stop_all() {
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
  for p in "${pids[@]}"; do
    for _ in $(seq 100); do kill -0 "$p" 2>/dev/null || break; sleep 0.1; done
    kill -9 "$p" 2>/dev/null || true
  done
  rm -rf "$work"
}
trap stop_all EXIT INT TERM

start() { # id client-port peer-port [seed]
  local seeds=()
  [ $# -ge 4 ] && seeds=(--seeds "$4")
  local sets=()
  for kv in ${MURMUR_BENCH_SET:-}; do sets+=(--set "$kv"); done
  bin/start-node.sh --daemon --node-id "$1" --client-port "$2" --peer-port "$3" --data-dir "$work/$1" \
    "${seeds[@]}" "${sets[@]}" > /dev/null
  pids+=("$(cat "$work/$1/node.pid")")
}

base=$((20000 + RANDOM % 20000))
start solo $base $((base + 1))
start n1 $((base + 10)) $((base + 11))
start n2 $((base + 20)) $((base + 21)) 127.0.0.1:$((base + 11))
start n3 $((base + 30)) $((base + 31)) 127.0.0.1:$((base + 11))
cluster=127.0.0.1:$((base + 10)),127.0.0.1:$((base + 20)),127.0.0.1:$((base + 30))

echo "waiting for the nodes to answer and the cluster to form..."
for _ in $(seq 120); do
  if bin/murmur --host 127.0.0.1:$base ping > /dev/null 2>&1 \
      && [ "$(bin/murmur --host 127.0.0.1:$((base + 10)) status 2>/dev/null | grep -c ' ALIVE ')" = 3 ]; then
    break
  fi
  sleep 1
done
bin/murmur --host 127.0.0.1:$((base + 10)) status

common=(bench --ops mixed --read-ratio 0.5 --value-bytes 1024 --keys 10000 --concurrency 16
        --duration "$seconds" --warmup "$warmup" --seed 7)
for r in $(seq "$rounds"); do
  echo "== round $r of $rounds: ceiling and single node"
  bin/murmur --host 127.0.0.1:$base "${common[@]}" --ceiling --csv "$work/single.csv"
  echo "== round $r of $rounds: three-node cluster (N=3, R=W=2)"
  bin/murmur --host "$cluster" "${common[@]}" --csv "$work/cluster.csv"
done

echo
echo "medians of $rounds rounds (ops/s, p50 and p99 in microseconds):"
median() { sort -n | awk '{a[NR]=$1} END {print (NR % 2) ? a[(NR + 1) / 2] : (a[NR / 2] + a[NR / 2 + 1]) / 2}'; }
row() { # label file target
  local f=$2 t=$3
  local ops p50 p99 err
  ops=$(awk -F, -v t="$t" 'NR > 1 && $2 == t {print $11}' "$f" | median)
  p50=$(awk -F, -v t="$t" 'NR > 1 && $2 == t {print $12}' "$f" | median)
  p99=$(awk -F, -v t="$t" 'NR > 1 && $2 == t {print $13}' "$f" | median)
  err=$(awk -F, -v t="$t" 'NR > 1 && $2 == t {s += $16} END {print s + 0}' "$f")
  printf '%-28s %10.0f %8.0f %8.0f %8d\n' "$1" "$ops" "$p50" "$p99" "$err"
  echo "$ops" > "$work/$1.ops"
}
printf '%-28s %10s %8s %8s %8s\n' target ops/s p50 p99 errors
row ceiling "$work/single.csv" ceiling
row single-node "$work/single.csv" node
row three-nodes "$work/cluster.csv" node
awk -v c="$(cat "$work/ceiling.ops")" -v s="$(cat "$work/single-node.ops")" -v t="$(cat "$work/three-nodes.ops")" \
  'BEGIN {printf "single/ceiling %.3f, three-nodes/single %.3f, three-nodes/ceiling %.3f\n", s / c, t / s, t / c}'
