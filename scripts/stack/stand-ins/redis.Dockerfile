# Stand-in for the official redis:8.0.x-alpine image (Docker Hub is out of reach here): Debian
# trixie's redis-server (8.0) with the official image's contract — data in /data (a volume, the
# working directory), the entrypoint prepends redis-server to bare options, fixes /data ownership
# and drops to the redis user, and turns protected mode off when no config file is given (the
# container's network is the access control); redis-cli for compose's health check.
ARG BASE
FROM ${BASE}
# Declared again: an ARG before FROM is out of scope after it.
ARG BASE
ARG IMAGE
RUN apt-get update -qq \
 && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends redis-server \
 && rm -rf /var/lib/apt/lists/* \
 && mkdir /data && chown redis:redis /data
COPY redis-entrypoint.sh /usr/local/bin/docker-entrypoint.sh
VOLUME /data
WORKDIR /data
EXPOSE 6379
LABEL org.observable-cluster.stand-in="${IMAGE}: ${BASE} + Debian's redis-server"
ENTRYPOINT ["docker-entrypoint.sh"]
CMD ["redis-server"]
