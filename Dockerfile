# syntax=docker/dockerfile:1.7
#
# One image for every process role of the shop; the command picks the role:
#   gateway     node dist/api/main.js                       (default CMD; HTTP :3000)
#   worker pool node dist/workers/main.js <domain...>       (users|catalog|orders|notifications; HTTP :9465, SDK metrics :9464)
#   migrations  node dist/db/migrate.js                     (one-shot, exits 0)
# In Kubernetes set `args:` (not `command:`), so tini stays PID 1 and forwards SIGTERM to node.
#
# Debian (glibc) on purpose: the Temporal SDK's native core bridge ships glibc binaries, and
# Alpine/musl is not a supported platform for it.
#
#   docker build -t temporal-shop:local .
#   docker build --build-arg NODE_VERSION=22 -t temporal-shop:node22 .

ARG NODE_VERSION=20
ARG DEBIAN_RELEASE=bookworm

# --- toolchain: node + what node-gyp needs when a native module (bcrypt, better-sqlite3) has
# no prebuilt binary for this platform. Never shipped.
FROM node:${NODE_VERSION}-${DEBIAN_RELEASE}-slim AS toolchain
RUN apt-get update \
 && apt-get install -y --no-install-recommends python3 make g++ ca-certificates \
 && rm -rf /var/lib/apt/lists/*
WORKDIR /app
ENV npm_config_update_notifier=false npm_config_fund=false npm_config_audit=false
COPY package.json package-lock.json ./

# --- prod-deps: production dependencies only, native modules compiled for this platform.
FROM toolchain AS prod-deps
RUN --mount=type=cache,target=/root/.npm,sharing=locked \
    npm ci --omit=dev

# --- build: full dependency tree, TypeScript compile, prebuilt workflow bundles
# (dist/workflow-bundles/<domain>.js, loaded by the workers instead of bundling at start).
FROM toolchain AS build
RUN --mount=type=cache,target=/root/.npm,sharing=locked \
    npm ci
# Exactly the inputs of tsconfig.build.json (test/deploy checks the two lists agree).
COPY tsconfig.json tsconfig.build.json ./
COPY api ./api
COPY workflows ./workflows
COPY activities ./activities
COPY workers ./workers
COPY db ./db
COPY common ./common
COPY scripts ./scripts
RUN npm run build \
 && test -n "$(ls dist/workflow-bundles/*.js)"

# --- runtime: no compiler, no dev dependencies, no sources; root-owned read-only app files.
FROM node:${NODE_VERSION}-${DEBIAN_RELEASE}-slim AS runtime
ARG VERSION=0.0.0-dev
ARG REVISION=unknown
LABEL org.opencontainers.image.title="temporal-shop" \
      org.opencontainers.image.description="E-commerce backend on Temporal: gateway, worker pools, migrations" \
      org.opencontainers.image.licenses="MIT" \
      org.opencontainers.image.version="${VERSION}" \
      org.opencontainers.image.revision="${REVISION}"
# tini as PID 1: forwards SIGTERM/SIGINT to node (which drains the workers) and reaps zombies.
RUN apt-get update \
 && apt-get install -y --no-install-recommends tini \
 && rm -rf /var/lib/apt/lists/*
WORKDIR /app
ENV NODE_ENV=production \
    DATA_DIR=/app/.data \
    PORT=3000 \
    WORKER_HTTP_PORT=9465 \
    TEMPORAL_METRICS_BIND=0.0.0.0:9464
COPY --from=prod-deps /app/node_modules ./node_modules
COPY --from=build /app/dist ./dist
COPY package.json ./
COPY deploy/docker/healthcheck.mjs ./deploy/healthcheck.mjs
# The one writable place (DATA_DIR: only used by the embedded fallbacks); everything else
# stays root-owned, so the app cannot modify its own code.
RUN mkdir -p /app/.data && chown 1000:1000 /app/.data
# The `node` user of the base image, numerically, so Kubernetes can verify runAsNonRoot.
USER 1000:1000
EXPOSE 3000 9464 9465
STOPSIGNAL SIGTERM
# Liveness of whichever role runs here: the gateway (:PORT) or a worker pool (:WORKER_HTTP_PORT).
HEALTHCHECK --interval=15s --timeout=5s --start-period=30s --retries=3 \
  CMD ["node", "/app/deploy/healthcheck.mjs"]
ENTRYPOINT ["/usr/bin/tini", "--"]
CMD ["node", "dist/api/main.js"]
