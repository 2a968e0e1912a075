#!/usr/bin/env bash
# Starts a Murmur node. Builds the project on first use.
#
#   bin/start-node.sh [--config PATH] [--node-id ID] [--listen HOST] [--advertise HOST]
#                     [--client-port PORT] [--peer-port PORT] [--data-dir DIR]
#                     [--seeds HOST:PORT,...] [--set KEY=VALUE ...] [--daemon]
#
# --config defaults to conf/node.yaml of this installation. Without --daemon the node runs
# in the foreground and logs to standard error; Ctrl-C stops it gracefully. With --daemon
# it runs in the background, logs to DATA_DIR/node.log and writes DATA_DIR/node.pid;
# stop it with: kill $(cat DATA_DIR/node.pid)
#
# JVM options come from MURMUR_JAVA_OPTS (default: -Xms1g -Xmx1g -XX:+UseG1GC
# -XX:+AlwaysPreTouch -XX:MaxGCPauseMillis=50).
set -euo pipefail
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

daemon=false
have_config=false
args=()
while [ $# -gt 0 ]; do
  case "$1" in
    --daemon) daemon=true ;;
    --config|--config=*) have_config=true; args+=("$1") ;;
    -h|--help)
      sed -n '2,17p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//'
      exit 0 ;;
    *) args+=("$1") ;;
  esac
  shift
done
if ! $have_config; then
  args=(--config "$MURMUR_HOME/conf/node.yaml" ${args[@]+"${args[@]}"})
fi

cp=$(murmur_classpath node)
jvm_opts=${MURMUR_JAVA_OPTS:--Xms1g -Xmx1g -XX:+UseG1GC -XX:+AlwaysPreTouch -XX:MaxGCPauseMillis=50}
# shellcheck disable=SC2206
cmd=("$JAVA" $(murmur_jvm_flags) $jvm_opts "-Dlogback.configurationFile=$MURMUR_HOME/conf/logback.xml"
     -cp "$cp" io.murmur.server.NodeMain)

if ! $daemon; then
  exec "${cmd[@]}" "${args[@]}"
fi

# Daemon: validate first (errors show here, not in a log), then start in the background.
data_dir=$("$JAVA" $(murmur_jvm_flags) -Xmx64m -cp "$cp" io.murmur.server.NodeMain "${args[@]}" --check)
mkdir -p "$data_dir"
pid_file="$data_dir/node.pid"
log_file="$data_dir/node.log"
if [ -f "$pid_file" ] && kill -0 "$(cat "$pid_file")" 2>/dev/null; then
  echo "murmur: a node is already running from $data_dir (pid $(cat "$pid_file"))" >&2
  exit 1
fi
start_line=$( [ -f "$log_file" ] && wc -l < "$log_file" || echo 0)
nohup "${cmd[@]}" "${args[@]}" >>"$log_file" 2>&1 </dev/null &
pid=$!
echo "$pid" > "$pid_file"
for _ in $(seq 1 600); do
  if line=$(tail -n +"$((start_line + 1))" "$log_file" 2>/dev/null | grep -m1 '^murmur node .* listening'); then
    echo "$line"
    echo "pid $pid; log $log_file; stop with: kill \$(cat $pid_file)"
    exit 0
  fi
  if ! kill -0 "$pid" 2>/dev/null; then
    echo "murmur: the node exited during start; last lines of $log_file:" >&2
    tail -n 20 "$log_file" >&2
    rm -f "$pid_file"
    exit 1
  fi
  sleep 0.1
done
echo "murmur: the node (pid $pid) has not reported listening after 60 s; see $log_file" >&2
exit 1
