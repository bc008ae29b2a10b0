# syntax=docker/dockerfile:1
# One image for the HTTP host and the worker; the command picks (ECS sets it per service):
#   host   (default)  node apps/http/dist/main.js     listens on PORT (8000), GET /health
#   worker            node apps/worker/dist/main.js   claims jobs; no port, so run it with --no-healthcheck
# Build:  docker build -t parallax .          (infra/push.sh builds, tags and pushes to ECR)

ARG NODE_IMAGE=node:20-bookworm-slim

# ---- build: every dependency (dev included), TypeScript compiled to each workspace's dist/ ----
FROM ${NODE_IMAGE} AS build
WORKDIR /srv/parallax
# Manifests first, so the dependency layer is reused while only sources change.
COPY package.json package-lock.json .npmrc ./
COPY packages/domain/package.json packages/domain/
COPY packages/application/package.json packages/application/
COPY packages/adapters/package.json packages/adapters/
COPY apps/http/package.json apps/http/
COPY apps/worker/package.json apps/worker/
# onnxruntime-node's postinstall would fetch CUDA provider libraries (Fargate has no GPU; the CPU
# runtime is in the package): skipped, as package.json's allowScripts does for development installs.
ENV ONNXRUNTIME_NODE_INSTALL=skip
RUN npm ci --no-audit --no-fund --loglevel=error
COPY tsconfig.base.json tsconfig.json ./
COPY packages packages
COPY apps apps
COPY bench bench
RUN npm run build

# ---- runtime: production dependencies only, compiled JavaScript, ffmpeg and python3, non-root ----
FROM ${NODE_IMAGE} AS runtime
# ffmpeg decodes tracking videos; python3 (with the modules real notebooks import) runs Python cells
# and /convert charts; tini is PID 1 so the subprocesses jobs and kernels leave behind are reaped and
# SIGTERM reaches node, which drains (host: in-flight requests; worker: running jobs) and exits 0.
RUN apt-get update \
 && apt-get install -y --no-install-recommends ffmpeg python3 python3-matplotlib python3-numpy python3-pandas tini ca-certificates \
 && rm -rf /var/lib/apt/lists/*
ENV NODE_ENV=production \
    ONNXRUNTIME_NODE_INSTALL=skip
WORKDIR /srv/parallax
COPY package.json package-lock.json .npmrc ./
COPY packages/domain/package.json packages/domain/
COPY packages/application/package.json packages/application/
COPY packages/adapters/package.json packages/adapters/
COPY apps/http/package.json apps/http/
COPY apps/worker/package.json apps/worker/
RUN npm ci --omit=dev --no-audit --no-fund --loglevel=error && npm cache clean --force
# The packages' exports resolve to dist/ outside the `source` condition, so no TypeScript runs here.
COPY --from=build /srv/parallax/packages/domain/dist packages/domain/dist
COPY --from=build /srv/parallax/packages/application/dist packages/application/dist
COPY --from=build /srv/parallax/packages/adapters/dist packages/adapters/dist
COPY --from=build /srv/parallax/apps/http/dist apps/http/dist
COPY --from=build /srv/parallax/apps/worker/dist apps/worker/dist
# The `parallax` CLI launcher: queued tracking tasks run `node apps/worker/bin/parallax.js track-task <id>`.
COPY apps/worker/bin apps/worker/bin
RUN mkdir -p /srv/parallax/data && chown node:node /srv/parallax/data
ENV PORT=8000 \
    HOST=0.0.0.0 \
    DATA_DIR=/srv/parallax/data \
    PYTHON_BIN=python3
# The node user (uid 1000) of the base image: nothing in the container runs as root.
USER node
EXPOSE 8000
STOPSIGNAL SIGTERM
# node:slim has no curl; Node 20's fetch asks the host's own /health.
HEALTHCHECK --interval=30s --timeout=5s --start-period=30s --retries=3 \
  CMD ["node", "-e", "fetch('http://127.0.0.1:' + (process.env.PORT || 8000) + '/health').then((r) => process.exit(r.ok ? 0 : 1), () => process.exit(1))"]
ENTRYPOINT ["/usr/bin/tini", "--"]
CMD ["node", "apps/http/dist/main.js"]
