#!/usr/bin/env bash
# Put Node >= 24.9 first on PATH (the project targets Node 26 LTS: see .nvmrc; 24.9 is the oldest
# that works, package.json engines: jest's require(esm) needs it).
#
#   source scripts/ensure-node.sh      # in your shell or in .ci/run: PATH stays changed
#   bash scripts/ensure-node.sh        # prints the bin directory to prepend
#   OC_NODE_MIN=26.0 source …          # CI: nothing older than the .nvmrc major (.ci/run)
#
# When the system Node is older, the npm package `node@<major>` (it ships the official binary
# through the npm registry) is installed once into a cache folder and reused afterwards.
# Written to be sourced: no `set -e`, and it returns rather than exits on failure.

_oc_root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
_oc_major="$(tr -dc '0-9' <"$_oc_root/.nvmrc")"
_oc_min="${OC_NODE_MIN:-24.9}"
_oc_cache="${OC_NODE_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/observable-cluster/node-$_oc_major}"
# Prints 1 when the `node` on PATH is at least $_oc_min (major.minor), else 0 (also when missing).
_oc_node_ok() {
  node -p "const [a, b] = process.versions.node.split('.').map(Number), [c, d] = '$_oc_min'.split('.').map(Number); +(a > c || (a === c && b >= d))" 2>/dev/null || echo 0
}

if [ "$(_oc_node_ok)" != 1 ]; then
  if [ ! -x "$_oc_cache/node_modules/node/bin/node" ]; then
    echo "ensure-node: system node is $(node --version 2>/dev/null || echo missing); installing node@$_oc_major into $_oc_cache" >&2
    mkdir -p "$_oc_cache" &&
      npm install --prefix "$_oc_cache" --no-save --no-audit --no-fund --loglevel=error "node@$_oc_major" >&2
  fi
  export PATH="$_oc_cache/node_modules/node/bin:$PATH"
  hash -r
fi

if [ "$(_oc_node_ok)" != 1 ]; then
  echo "ensure-node: need node >= $_oc_min, have $(node --version 2>/dev/null || echo none)" >&2
  # shellcheck disable=SC2317
  return 1 2>/dev/null || exit 1
fi

if [ "${BASH_SOURCE[0]}" = "$0" ]; then
  dirname "$(command -v node)"
fi
