#!/usr/bin/env bash
# YCSB's core workloads against a running Murmur cluster, through the Java client (smart
# routing on). Builds the project on first use.
#
#   bin/ycsb.sh load|run WORKLOAD [-p KEY=VALUE ...] [-threads N] [-target OPS] [-s]
#
# load inserts the workload's records, run runs its operations. WORKLOAD is a, b, c, d or f
# (conf/ycsb/workloadX) or the path of a workload file; e is refused (its operations are
# scans, which a hash-partitioned store does not have). Every other argument goes to YCSB's
# client, e.g. -p hosts=127.0.0.1:7070,127.0.0.1:7080 (default 127.0.0.1:7070),
# -p recordcount=10000, -p murmur.write_w=3. YCSB prints its summary on standard output:
# [OVERALL] run time and throughput, then per operation its count, latencies and returns.
#
# JVM options come from MURMUR_YCSB_JAVA_OPTS (default: -Xmx1g -XX:+UseZGC).
set -euo pipefail
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

usage() {
  sed -n '2,14p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//' >&2
  exit 2
}

[ $# -ge 1 ] && { [ "$1" = "-h" ] || [ "$1" = "--help" ]; } && { sed -n '2,14p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//'; exit 0; }
[ $# -ge 2 ] || usage
phase=$1
workload=$2
shift 2
case "$phase" in
  load) mode=-load ;;
  run) mode=-t ;;
  *) echo "ycsb: the first argument is load or run, not '$phase'" >&2; usage ;;
esac
case "$workload" in
  e|E|workloade)
    echo "ycsb: workload e is 95% scans, and Murmur has no scan: keys are placed by the hash of" >&2
    echo "ycsb: their bytes, so there is no key order to read a range in. Workloads a, b, c, d and f run." >&2
    exit 2 ;;
  a|b|c|d|f) file="$MURMUR_HOME/conf/ycsb/workload$workload" ;;
  *)
    if [ -f "$workload" ]; then
      file=$workload
    else
      echo "ycsb: no workload '$workload': a, b, c, d, f, or the path of a workload file" >&2
      exit 2
    fi ;;
esac

cp=$(murmur_classpath cluster-sim)
# shellcheck disable=SC2086
exec "$JAVA" $(murmur_jvm_flags) ${MURMUR_YCSB_JAVA_OPTS:--Xmx1g -XX:+UseZGC} \
  "-Dlogback.configurationFile=$MURMUR_HOME/conf/logback.xml" \
  -cp "$cp" site.ycsb.Client -db io.murmur.sim.ycsb.MurmurYcsbClient "$mode" -P "$file" "$@"
