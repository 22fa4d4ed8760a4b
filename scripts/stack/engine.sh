#!/usr/bin/env bash
# The Docker engine for `npm run test:stack`.
#
#   bash scripts/stack/engine.sh start   # an engine answering `docker info`, started if none is
#   bash scripts/stack/engine.sh stop    # stops the engine only if `start` started it
#
# `start` installs Debian's docker.io when there is no dockerd, then runs dockerd with the
# overlay2 storage driver (vfs as a fallback: it works everywhere but copies every layer, so
# building the two app images takes ~18 min instead of ~3). Root only: dockerd needs it.
set -euo pipefail

state="${OC_STACK_STATE:-${TMPDIR:-/tmp}/observable-cluster-stack}"
pid_file="$state/dockerd.pid"
mkdir -p "$state"

engine_up() { docker info >/dev/null 2>&1; }

wait_engine() {
  local pid=$1
  for _ in $(seq 1 60); do
    engine_up && return 0
    kill -0 "$pid" 2>/dev/null || return 1
    sleep 1
  done
  return 1
}

start() {
  if engine_up; then
    echo "engine: a Docker engine is already running ($(docker info --format '{{.ServerVersion}}, {{.Driver}}'))"
    return 0
  fi
  if [ "$(id -u)" -ne 0 ]; then
    echo "engine: no Docker engine answers and starting dockerd needs root" >&2
    return 1
  fi
  if ! command -v dockerd >/dev/null 2>&1; then
    echo "engine: installing Debian's docker.io"
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends docker.io >/dev/null
  fi
  local driver
  for driver in overlay2 vfs; do
    echo "engine: starting dockerd --storage-driver=$driver (log: $state/dockerd.log)"
    # Own session: a Ctrl-C in the test run must not take the engine down before its cleanup.
    setsid dockerd --storage-driver="$driver" >"$state/dockerd.log" 2>&1 &
    local pid=$!
    echo "$pid" >"$pid_file"
    if wait_engine "$pid"; then
      echo "engine: up ($(docker info --format '{{.ServerVersion}}, {{.Driver}}'))"
      return 0
    fi
    echo "engine: dockerd with $driver did not come up:" >&2
    tail -5 "$state/dockerd.log" >&2
    kill "$pid" 2>/dev/null || true
    wait "$pid" 2>/dev/null || true
    rm -f "$pid_file"
  done
  return 1
}

stop() {
  if [ ! -f "$pid_file" ]; then
    echo "engine: left running (not started by this script)"
    return 0
  fi
  local pid
  pid="$(cat "$pid_file")"
  rm -f "$pid_file"
  # A stale file (the machine restarted since) may name another process now.
  if [ "$(cat "/proc/$pid/comm" 2>/dev/null)" != dockerd ]; then
    echo "engine: the dockerd this script started (pid $pid) is gone"
    return 0
  fi
  if kill -0 "$pid" 2>/dev/null; then
    echo "engine: stopping the dockerd this script started (pid $pid)"
    kill -TERM "$pid"
    for _ in $(seq 1 30); do
      kill -0 "$pid" 2>/dev/null || break
      sleep 1
    done
    if kill -0 "$pid" 2>/dev/null; then
      echo "engine: dockerd still running after 30 s; SIGKILL" >&2
      kill -KILL "$pid" 2>/dev/null || true
    fi
  fi
}

case "${1:-}" in
  start) start ;;
  stop) stop ;;
  *)
    echo "usage: $0 start|stop" >&2
    exit 2
    ;;
esac
