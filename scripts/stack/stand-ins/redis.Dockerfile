# Stand-in for redis:7.4.1-alpine (Docker Hub is out of reach here): Debian's redis-server (7.0)
# with the official image's contract — data in /data (a volume, the working directory), the
# entrypoint prepends redis-server to bare options, fixes /data ownership and drops to the redis
# user, and turns protected mode off when no config file is given (the container's network is
# the access control); redis-cli for compose's health check.
FROM observable-cluster/stand-in-base:bookworm
RUN apt-get update -qq \
 && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends redis-server \
 && rm -rf /var/lib/apt/lists/* \
 && mkdir /data && chown redis:redis /data
COPY redis-entrypoint.sh /usr/local/bin/docker-entrypoint.sh
VOLUME /data
WORKDIR /data
EXPOSE 6379
LABEL org.observable-cluster.stand-in="redis:7.4.1-alpine: Debian bookworm redis-server"
ENTRYPOINT ["docker-entrypoint.sh"]
CMD ["redis-server"]
