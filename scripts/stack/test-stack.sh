#!/usr/bin/env bash
# `npm run test:stack`: docker-compose.yml on a real Docker engine, driven by `docker compose`
# (Compose v2) as the README's users drive it.
#   1. an engine: the running one, or dockerd started here (and stopped at the end);
#   2. the images compose pulls: present, pulled, or local stand-ins (stand-ins.sh says which);
#   3. jest (jest.stack.config.js): `docker compose up --build --wait`, checks through the
#      published ports, kill/start/restart, `down -v`.
# Ends with `tests: N passed, M failed` (and writes it to $TEST_SUMMARY_FILE when set).
set -euo pipefail
cd "$(dirname "$0")/../.."
# shellcheck source=../ensure-node.sh
source scripts/ensure-node.sh
# Compose v2 (the CLI plugin), promtool/prometheus 3.5, debootstrap: installed when missing.
bash scripts/ensure-system-deps.sh

project="${STACK_PROJECT:-oc-stack-test}"
cleanup() {
  local code=$?
  # Whatever jest managed or not: nothing of the project stays, and an engine started here stops.
  if docker info >/dev/null 2>&1; then
    COMPOSE_PROJECT_NAME="$project" docker compose --ansi never down -v --remove-orphans >/dev/null 2>&1 || true
  fi
  bash scripts/stack/engine.sh stop || true
  exit "$code"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

started=$SECONDS
bash scripts/stack/engine.sh start
bash scripts/stack/stand-ins.sh
echo "stack: engine and images ready in $((SECONDS - started)) s"
STACK_PROJECT="$project" npx jest -c jest.stack.config.js --runInBand
