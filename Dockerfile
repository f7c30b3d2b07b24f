# One image for the three apps (gateway, tool server, keeper): the command picks the entry point.
FROM node:20-bookworm-slim AS build
WORKDIR /app
RUN apt-get update && apt-get install -y --no-install-recommends python3 make g++ && rm -rf /var/lib/apt/lists/*
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY . .
# `npm run build` compiles the apps and builds the web console into dist/ui (served at /ui).
RUN npm run build && npm prune --omit=dev

FROM node:20-bookworm-slim
WORKDIR /app
ENV NODE_ENV=production
# Inside a container the gateway must answer beyond its own loopback; outside one it binds 127.0.0.1.
ENV HOST=0.0.0.0
COPY --from=build /app/node_modules ./node_modules
COPY --from=build /app/dist ./dist
COPY --from=build /app/package.json ./
COPY config ./config
RUN mkdir -p data keys && chown -R node:node /app
USER node
EXPOSE 8080 8081
# The same V8 flags as `npm start` (why: docs/deploying.md, "Memory flags").
CMD ["node", "--max-semi-space-size=24", "--max-old-space-size=512", "dist/src/gateway/main.js"]
