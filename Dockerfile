# syntax=docker/dockerfile:1
# TokenPak gateway image. Build: docker build -t tokenpak .
# Run:   docker run -p 8766:8766 -v ./proxy.yaml:/etc/tokenpak/proxy.yaml:ro \
#          -v tokenpak-data:/var/lib/tokenpak -e OPENAI_API_KEY tokenpak
# See docs/deployment.md.

FROM node:20-bookworm-slim AS build
# better-sqlite3 downloads a prebuilt binary when one matches; these build it from source when none does.
RUN apt-get update \
 && apt-get install -y --no-install-recommends python3 make g++ \
 && rm -rf /var/lib/apt/lists/*
WORKDIR /app
COPY package.json package-lock.json ./
# Scripts are skipped so that `prepare` does not build before the sources are here; only the native module needs its install script.
RUN npm ci --ignore-scripts --no-audit --no-fund \
 && npm rebuild better-sqlite3
COPY tsconfig.json tsconfig.build.json ./
COPY src ./src
RUN npm run build \
 && npm prune --omit=dev --ignore-scripts --no-audit --no-fund

FROM node:20-bookworm-slim AS runtime
ENV NODE_ENV=production \
    TOKENPAK_CONFIG=/etc/tokenpak/proxy.yaml
WORKDIR /app
COPY --from=build /app/package.json ./package.json
COPY --from=build /app/node_modules ./node_modules
COPY --from=build /app/dist ./dist
# The config directory stays root's (read-only to the gateway): a ledger or pricing path left relative to
# the config fails at start instead of writing into the container's throw-away layer.
RUN mkdir -p /etc/tokenpak /var/lib/tokenpak \
 && chown 1000:1000 /var/lib/tokenpak
# The usage ledger (usage.db_path: /var/lib/tokenpak/usage.db) and a refreshed pricing table live here.
VOLUME ["/var/lib/tokenpak"]
# The image's `node` user, by number, so that Kubernetes' runAsNonRoot can verify it.
USER 1000:1000
EXPOSE 8766
# node:*-slim has no curl; Node's own fetch asks /health, and a refused or slow answer fails the check.
HEALTHCHECK --interval=30s --timeout=5s --start-period=15s --retries=3 \
  CMD ["node", "-e", "fetch('http://127.0.0.1:8766/health', { signal: AbortSignal.timeout(4000) }).then((response) => process.exit(response.ok ? 0 : 1), () => process.exit(1))"]
ENTRYPOINT ["node", "/app/dist/cli/main.js"]
# 0.0.0.0 only here: outside a container the gateway keeps listening on 127.0.0.1 unless told otherwise.
# The port is fixed inside the container (EXPOSE, HEALTHCHECK); publish it as any port with -p.
CMD ["serve", "--host", "0.0.0.0", "--port", "8766"]
