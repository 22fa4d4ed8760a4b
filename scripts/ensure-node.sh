#!/usr/bin/env bash
# Put Node >= 22 first on PATH (the project targets Node 24 LTS: see .nvmrc).
#
#   source scripts/ensure-node.sh      # in your shell or in .ci/run: PATH stays changed
#   bash scripts/ensure-node.sh        # prints the bin directory to prepend
#
# When the system Node is older, the npm package `node@<major>` (it ships the official binary
# through the npm registry) is installed once into a cache folder and reused afterwards.
# Written to be sourced: no `set -e`, and it returns rather than exits on failure.

_oc_root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
_oc_major="$(tr -dc '0-9' <"$_oc_root/.nvmrc")"
_oc_min=22
_oc_cache="${OC_NODE_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/observable-cluster/node-$_oc_major}"
_oc_node_major() { node -p 'process.versions.node.split(".")[0]' 2>/dev/null || echo 0; }

if [ "$(_oc_node_major)" -lt "$_oc_min" ]; then
  if [ ! -x "$_oc_cache/node_modules/node/bin/node" ]; then
    echo "ensure-node: system node is $(node --version 2>/dev/null || echo missing); installing node@$_oc_major into $_oc_cache" >&2
    mkdir -p "$_oc_cache" &&
      npm install --prefix "$_oc_cache" --no-save --no-audit --no-fund --loglevel=error "node@$_oc_major" >&2
  fi
  export PATH="$_oc_cache/node_modules/node/bin:$PATH"
  hash -r
fi

if [ "$(_oc_node_major)" -lt "$_oc_min" ]; then
  echo "ensure-node: need node >= $_oc_min, have $(node --version 2>/dev/null || echo none)" >&2
  # shellcheck disable=SC2317
  return 1 2>/dev/null || exit 1
fi

if [ "${BASH_SOURCE[0]}" = "$0" ]; then
  dirname "$(command -v node)"
fi
