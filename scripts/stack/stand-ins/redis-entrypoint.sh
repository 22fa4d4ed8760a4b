#!/bin/sh
# The redis stand-in's entrypoint: the behaviour compose relies on from the official image.
set -eu

case "${1:-}" in
  -* | *.conf) set -- redis-server "$@" ;;
esac

if [ "${1:-}" = redis-server ] && [ "$(id -u)" = 0 ]; then
  # A fresh named volume may be root-owned: hand /data to redis, then run as redis.
  chown -R redis:redis /data
  exec setpriv --reuid=redis --regid=redis --init-groups "$0" "$@"
fi

if [ "${1:-}" = redis-server ]; then
  umask 0077
  protected=yes
  if [ -f "${2:-}" ] && grep -q '^protected-mode' "$2"; then protected=configured; fi
  # No config file says otherwise: listen for the other containers, as the official image does.
  if [ "$protected" = yes ]; then set -- "$@" --protected-mode no; fi
fi

exec "$@"
