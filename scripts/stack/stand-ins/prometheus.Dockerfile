# Stand-in for prom/prometheus:v2.55.1 (Docker Hub is out of reach here): Debian's prometheus
# (2.42, which has every flag compose passes) with the official image's contract — entrypoint
# /bin/prometheus, runs as nobody, data in /prometheus (a volume, the working directory).
FROM observable-cluster/stand-in-base:bookworm
RUN apt-get update -qq \
 && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends prometheus \
 && rm -rf /var/lib/apt/lists/* \
 && mkdir -p /prometheus && chown nobody:nogroup /prometheus
USER nobody
VOLUME /prometheus
WORKDIR /prometheus
EXPOSE 9090
LABEL org.observable-cluster.stand-in="prom/prometheus:v2.55.1: Debian bookworm prometheus"
ENTRYPOINT ["/usr/bin/prometheus"]
CMD ["--config.file=/etc/prometheus/prometheus.yml", "--storage.tsdb.path=/prometheus"]
