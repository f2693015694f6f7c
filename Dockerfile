# syntax=docker/dockerfile:1
# The service image: compiled JavaScript on Node 24, production dependencies only, run as the
# unprivileged `node` user. It talks to a ClickHouse server (CLICKHOUSE_URL): the embedded chDB
# engine is an optional dependency and is left out. .ci/run repeats the runtime stage's install
# and file list outside Docker and runs the result.
#
#   docker build -t usage-readiness .
#   docker run --rm usage-readiness --help

# Build: the TypeScript compiler and the sources, compiled to dist/.
FROM node:24-slim AS build
WORKDIR /app
COPY package.json package-lock.json ./
# --ignore-scripts: `prepare` would build before the sources are copied.
RUN npm ci --no-audit --no-fund --ignore-scripts
COPY . .
RUN npm run build

# Production dependencies: no compiler, tsx, test tools or chDB.
FROM node:24-slim AS deps
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --omit=dev --omit=optional --ignore-scripts --no-audit --no-fund

FROM node:24-slim
ENV NODE_ENV=production \
    HOST=0.0.0.0 \
    PORT=8080
WORKDIR /app
COPY --from=deps /app/node_modules node_modules
COPY --from=build /app/dist dist
COPY package.json ./
COPY bin bin
COPY config config
COPY server/public server/public
USER node
EXPOSE 8080
HEALTHCHECK --interval=10s --timeout=5s --start-period=30s --retries=3 \
  CMD ["node", "-e", "fetch('http://127.0.0.1:' + (process.env.PORT || 8080) + '/healthz').then((r) => process.exit(r.ok ? 0 : 1), () => process.exit(1))"]
ENTRYPOINT ["node", "bin/usage-readiness.js"]
CMD ["serve"]
