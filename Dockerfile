# syntax=docker/dockerfile:1
# One image recipe for both apps: `--build-arg APP=web` (default) or `--build-arg APP=gateway`.
# The base must carry what the official Node 26 binary links besides glibc: libatomic1, libstdc++6
# and libgcc-s1 (`ldd $(command -v node)`); the official image installs libatomic1 for this.
ARG NODE_IMAGE=node:26-trixie-slim

# All dependencies, for building.
FROM ${NODE_IMAGE} AS deps
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund

# Compile both apps (rspack bundles our code; node_modules stay external).
FROM deps AS build
COPY tsconfig.json nest-cli.json rspack.config.js ./
COPY apps ./apps
COPY libs ./libs
RUN npx nest build web && npx nest build gateway

# Production dependencies only.
FROM ${NODE_IMAGE} AS prod-deps
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --omit=dev --no-audit --no-fund --ignore-scripts && npm cache clean --force

# Runtime: production node_modules + one bundled main.js, as the non-root `node` user.
FROM ${NODE_IMAGE} AS runtime
ARG APP=web
ENV NODE_ENV=production
WORKDIR /app
COPY --from=prod-deps --chown=node:node /app/node_modules ./node_modules
COPY --from=build --chown=node:node /app/dist/apps/${APP}/main.js ./main.js
COPY --chown=node:node package.json ./
USER node
STOPSIGNAL SIGTERM
CMD ["node", "main.js"]
