#!/usr/bin/env bash
# The replication benchmark: 50/50 get/put with 1 KiB values against one node and against
# a three-node cluster (N=3, R=W=2), in the same run, next to the loopback ceiling.
#
# usage: bench/cluster-bench.sh [ROUNDS] [SECONDS] [WARMUP_SECONDS] [INITIAL_WARMUP_SECONDS]
#
# MURMUR_BENCH_SET="KEY=VALUE ..." sets config keys on every node (e.g.
# "storage.sync=periodic"); MURMUR_BENCH_CONCURRENCY sets the requests in flight (default 16).
#
# Starts four nodes on loopback (one alone, three joined into a cluster) under a temp
# dir. One client process then runs ROUNDS rounds (default 3); each round measures the
# ceiling, then the single node, then the cluster, for SECONDS each (default 8) after
# WARMUP_SECONDS of unmeasured load (default 3). Before its first measurement each target
# gets INITIAL_WARMUP_SECONDS of unmeasured load instead (default 45): on two cores, three
# node processes and the client take about that long to compile their hot code, and a
# cluster measured sooner is measured mostly compiling. Prints each round and the medians
# of the ratios, and stops every node it started.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
rounds=${1:-3}
seconds=${2:-8}
warmup=${3:-3}
initial_warmup=${4:-45}
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

bin/murmur bench --ops mixed --read-ratio 0.5 --value-bytes 1024 --keys 10000 --concurrency "${MURMUR_BENCH_CONCURRENCY:-16}" \
  --duration "$seconds" --warmup "$warmup" --initial-warmup "$initial_warmup" --rounds "$rounds" --seed 7 \
  --ceiling --target single-node=127.0.0.1:$base --target three-nodes="$cluster"
