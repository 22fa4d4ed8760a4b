#!/usr/bin/env bash
# Install the real servers and tools the tests drive (Debian packages), only those missing.
#   redis-server   the counter store (spawned per test suite on an ephemeral port)
#   promtool       `promtool check metrics|config|rules`, and `prometheus` for the live dashboard
#                  tests (package: prometheus)
#   docker-compose `docker-compose config` validates docker-compose.yml (no engine needed)
#   chromium       the live view's end-to-end test drives it through playwright-core
set -euo pipefail

declare -A package_for=(
  [redis-server]=redis-server
  [promtool]=prometheus
  [prometheus]=prometheus
  [docker-compose]=docker-compose
  [chromium]=chromium
)

missing=()
for binary in "${!package_for[@]}"; do
  command -v "$binary" >/dev/null 2>&1 || missing+=("${package_for[$binary]}")
done
mapfile -t missing < <(printf '%s\n' "${missing[@]}" | sort -u | grep -v '^$' || true)

if [ ${#missing[@]} -eq 0 ]; then
  echo "system deps: all present"
  exit 0
fi

sudo=""
[ "$(id -u)" -eq 0 ] || sudo="sudo"
echo "system deps: installing ${missing[*]}"
$sudo apt-get update -qq
DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}"

# The prometheus package starts a service on install; the tests start their own instances.
if command -v systemctl >/dev/null 2>&1 && systemctl is-active --quiet prometheus 2>/dev/null; then
  $sudo systemctl stop prometheus || true
fi
