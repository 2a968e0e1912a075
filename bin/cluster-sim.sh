#!/usr/bin/env bash
# The cluster simulator and local-cluster launcher. Builds the project on first use.
set -euo pipefail
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
cp=$(murmur_classpath cluster-sim)
# shellcheck disable=SC2086
exec "$JAVA" $(murmur_jvm_flags) ${MURMUR_SIM_JAVA_OPTS:--Xmx4g} -cp "$cp" io.murmur.sim.ClusterSim "$@"
