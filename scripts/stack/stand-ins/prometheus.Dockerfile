# Stand-in for prom/prometheus:v3.5.x (Docker Hub is out of reach here): Debian's prometheus 3.5
# (sid's package: trixie has 2.53) in a trixie root, with the official image's contract —
# entrypoint /bin/prometheus (trixie's /bin is /usr/bin), runs as nobody, data in /prometheus (a volume, the working
# directory). The Debian mirror here serves dated snapshots, whose sid Release file is past its
# Valid-Until (the machine's apt is set the same way).
ARG BASE
FROM ${BASE}
# Declared again: an ARG before FROM is out of scope after it.
ARG BASE
ARG IMAGE
RUN echo 'deb http://deb.debian.org/debian sid main' > /etc/apt/sources.list.d/sid.list \
 && printf 'Package: *\nPin: release n=sid\nPin-Priority: 100\n' > /etc/apt/preferences.d/sid \
 && apt-get -o Acquire::Check-Valid-Until=false update -qq \
 && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends -t sid prometheus \
 && rm -rf /var/lib/apt/lists/* \
 && mkdir -p /prometheus && chown nobody:nogroup /prometheus
USER nobody
VOLUME /prometheus
WORKDIR /prometheus
EXPOSE 9090
LABEL org.observable-cluster.stand-in="${IMAGE}: ${BASE} + Debian sid's prometheus"
ENTRYPOINT ["/bin/prometheus"]
CMD ["--config.file=/etc/prometheus/prometheus.yml", "--storage.tsdb.path=/prometheus"]
