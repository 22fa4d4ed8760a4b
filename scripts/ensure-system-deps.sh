#!/usr/bin/env bash
# Install the real servers and tools the tests drive, only those missing or too old.
#
#   From the machine's Debian (apt-get install):
#     redis-server    the counter store (spawned per test suite on an ephemeral port)
#     chromium        the live view's end-to-end test drives it through playwright-core
#     docker.io       the docker CLI (`docker compose`); scripts/stack/engine.sh starts dockerd
#     debootstrap     the root filesystems of the stack test's stand-in images
#     nginx           the gateway's differential suite sends the same raw requests through it
#                     (apps/gateway/test/differential.e2e-spec.ts; /usr/sbin is not on every PATH)
#   From Debian sid, as static or Go binaries extracted into a folder of our own (never
#   installed into the machine, whose apt sources stay as they are):
#     docker-compose  Compose v2, as the docker CLI plugin `docker compose` (the command the
#                     README gives users) in ${DOCKER_CONFIG:-~/.docker}/cli-plugins
#     promtool        promtool 3.5 (`check metrics|config|rules`, `test rules`) and prometheus 3.5
#     prometheus      (the dashboards test scrapes the apps with it) in $OC_TOOLS_DIR/bin, where
#                     libs/testing's prometheus-tools.ts finds them
#
# Env: OC_TOOLS_DIR (default ~/.cache/observable-cluster/tools).
set -euo pipefail

tools="${OC_TOOLS_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/observable-cluster/tools}"
plugins="${DOCKER_CONFIG:-$HOME/.docker}/cli-plugins"
# What docker-compose.yml pins (Prometheus 3.5 LTS; Compose v2): a sid update within the same
# line is fine, another line is not what the tests are meant to run.
prometheus_line=3.5
prometheus_major=3
compose_major=2

sudo=""
[ "$(id -u)" -eq 0 ] || sudo="sudo"

# --- the machine's own packages -----------------------------------------------------------
declare -A package_for=(
  [redis-server]=redis-server
  [chromium]=chromium
  [docker]=docker.io
  [debootstrap]=debootstrap
  [nginx]=nginx
)
missing=()
for binary in "${!package_for[@]}"; do
  command -v "$binary" >/dev/null 2>&1 || [ -x "/usr/sbin/$binary" ] || missing+=("${package_for[$binary]}")
done
if [ ${#missing[@]} -gt 0 ]; then
  echo "system deps: installing ${missing[*]}"
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}"
  # nginx's package starts a service on install where it can; the tests start their own.
  if command -v systemctl >/dev/null 2>&1 && systemctl is-active --quiet nginx 2>/dev/null; then
    $sudo systemctl stop nginx || true
  fi
fi

# --- Go binaries from sid, extracted -------------------------------------------------------
have_version() { # binary, expected prefix
  [ -x "$1" ] && "$1" --version 2>/dev/null | head -1 | grep -Eq "$2"
}

need=()
# The pinned line, or the same major once sid has moved past it (sid is the only suite with
# Prometheus 3; a fresh machine must still get one, with a warning below).
have_version "$tools/bin/prometheus" "^prometheus, version ${prometheus_major}\." || need+=(prometheus)
have_version "$tools/bin/promtool" "^promtool, version ${prometheus_major}\." || need+=(promtool)
have_version "$plugins/docker-compose" "^Docker Compose version v?${compose_major}\." || need+=(docker-compose)

if [ ${#need[@]} -eq 0 ]; then
  echo "system deps: all present (prometheus/promtool $("$tools/bin/promtool" --version 2>&1 | head -1 | cut -d' ' -f3) in $tools/bin, docker compose v$compose_major)"
  exit 0
fi

echo "system deps: fetching ${need[*]} from Debian sid into $tools"
apt_dir="$tools/apt"
mkdir -p "$apt_dir/lists/partial" "$apt_dir/cache/archives/partial" "$apt_dir/debs" "$tools/bin" "$plugins"
echo "deb ${OC_DEBIAN_MIRROR:-http://deb.debian.org/debian} sid main" >"$apt_dir/sources.list"
apt_opts=(
  -o "Dir::Etc::sourcelist=$apt_dir/sources.list"
  -o "Dir::Etc::sourceparts=-"
  -o "Dir::State::Lists=$apt_dir/lists"
  -o "Dir::Cache=$apt_dir/cache"
  -o "APT::Get::List-Cleanup=0"
  # A dated snapshot of sid, as the mirror here serves it, is past its Release file's Valid-Until.
  -o "Acquire::Check-Valid-Until=false"
  # Our own folders belong to us, not to apt's download user _apt.
  -o "APT::Sandbox::User=$(id -un)"
)
apt-get "${apt_opts[@]}" update -qq
rm -f "$apt_dir/debs"/*.deb
(cd "$apt_dir/debs" && apt-get "${apt_opts[@]}" download -qq "${need[@]}")

extract="$(mktemp -d)"
trap 'rm -rf "$extract"' EXIT
for deb in "$apt_dir/debs"/*.deb; do dpkg-deb -x "$deb" "$extract"; done
for binary in prometheus promtool; do
  if [ -f "$extract/usr/bin/$binary" ]; then
    install -m 0755 "$extract/usr/bin/$binary" "$tools/bin/$binary"
  fi
done
if [ -f "$extract/usr/libexec/docker/cli-plugins/docker-compose" ]; then
  install -m 0755 "$extract/usr/libexec/docker/cli-plugins/docker-compose" "$plugins/docker-compose"
fi

for binary in prometheus promtool; do
  have_version "$tools/bin/$binary" "^$binary, version ${prometheus_major}\." || {
    echo "system deps: sid's $binary is not $prometheus_major.x: $("$tools/bin/$binary" --version 2>&1 | head -1)" >&2
    exit 1
  }
  have_version "$tools/bin/$binary" "^$binary, version ${prometheus_line//./\\.}\." ||
    echo "system deps: WARNING: sid's $binary is not the pinned $prometheus_line line: the tests run $("$tools/bin/$binary" --version 2>&1 | head -1 | cut -d' ' -f3)" >&2
done
have_version "$plugins/docker-compose" "^Docker Compose version v?${compose_major}\." || {
  echo "system deps: no Compose v$compose_major plugin in $plugins" >&2
  exit 1
}
echo "system deps: $("$tools/bin/prometheus" --version | head -1 | cut -d' ' -f1-3), $("$plugins/docker-compose" version)"
