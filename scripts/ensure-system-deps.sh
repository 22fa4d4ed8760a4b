#!/usr/bin/env bash
# Install the real servers and tools the tests drive (Debian packages), only those missing.
#   redis-server   the counter store (spawned per test suite on an ephemeral port)
#   promtool       `promtool check metrics|config|rules`, and `prometheus` for the live dashboard
#                  tests (package: prometheus)
#   docker-compose `docker-compose config` validates docker-compose.yml (no engine needed)
#   chromium       the live view's end-to-end test drives it through playwright-core
#   nginx          the gateway's differential suite runs the same raw requests through it
#                  (apps/gateway/test/differential.e2e-spec.ts; /usr/sbin is not on every PATH)
set -euo pipefail

declare -A package_for=(
  [redis-server]=redis-server
  [promtool]=prometheus
  [prometheus]=prometheus
  [docker-compose]=docker-compose
  [chromium]=chromium
  [nginx]=nginx
)

missing=()
for binary in "${!package_for[@]}"; do
  command -v "$binary" >/dev/null 2>&1 || [ -x "/usr/sbin/$binary" ] || missing+=("${package_for[$binary]}")
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

# The prometheus and nginx packages start a service on install; the tests start their own instances.
for service in prometheus nginx; do
  if command -v systemctl >/dev/null 2>&1 && systemctl is-active --quiet "$service" 2>/dev/null; then
    $sudo systemctl stop "$service" || true
  fi
done
