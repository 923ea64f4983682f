# Tollgate: the gRPC policy service Envoy calls (ext_proc, ext_authz, grpc.health.v1) plus its admin port.
#   docker build -t tollgate .
#   docker run -p 50051:50051 -p 9464:9464 tollgate
# Two stages: the build stage compiles TypeScript with the dev toolchain (it is also the image docker-compose
# uses to run the fake provider); the runtime stage holds only production dependencies, the compiled code and
# the data files Tollgate reads at run time, and runs as the unprivileged "node" user.

FROM node:20-alpine AS build
WORKDIR /app
# Scripts are skipped here: `prepare` would build before the sources are copied.
COPY package.json package-lock.json ./
RUN npm ci --ignore-scripts
COPY tsconfig.json tsconfig.build.json ./
COPY src ./src
COPY scripts ./scripts
COPY proto ./proto
COPY config ./config
COPY test/harness ./test/harness
RUN npm run build

FROM node:20-alpine AS runtime
ENV NODE_ENV=production
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --omit=dev --ignore-scripts && npm cache clean --force
COPY --from=build /app/dist ./dist
# Read at run time relative to the package root: built-in config and prices, Envoy proto list, guardrail weights.
COPY config ./config
COPY proto ./proto
COPY src/guardrails/models ./src/guardrails/models
# The built-in config writes its audit log to .tollgate/ under the working directory; only that is writable.
RUN mkdir -p /app/.tollgate && chown node:node /app/.tollgate
VOLUME ["/app/.tollgate"]
USER node
# gRPC (ext_proc, ext_authz, health) and the admin HTTP port (/metrics, /healthz, /readyz).
EXPOSE 50051 9464
HEALTHCHECK --interval=10s --timeout=2s --start-period=10s --retries=3 \
  CMD node -e "fetch('http://127.0.0.1:9464/readyz').then((r) => process.exit(r.ok ? 0 : 1), () => process.exit(1))"
ENTRYPOINT ["node", "dist/src/main.js"]
CMD ["serve"]
