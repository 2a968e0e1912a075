#!/usr/bin/env bash
# Compiles the benchmark module (and what it depends on, without tests) and runs JMH.
# Every argument goes to JMH, e.g.
#   bin/jmh.sh RingLookupBenchmark -prof gc -f 1 -wi 3 -i 5 -w 1s -r 1s
#   bin/jmh.sh -l            (list the benchmarks)
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
cd "$root"
mvn -q -B -pl bench -am -DskipTests process-classes
exec java -cp "bench/target/classes:$(cat bench/target/jmh.classpath)" org.openjdk.jmh.Main "$@"
