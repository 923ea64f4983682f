// Wires one Tollgate process: config (with hot reload), logger, metrics, the gRPC server with ext_proc, ext_authz
// and health, and the admin HTTP port. Used by `tollgate serve` and by tests that need a real server.
import type { Server as HttpServer } from "node:http";
import type { AddressInfo } from "node:net";
import type * as grpc from "@grpc/grpc-js";
import { loadConfigFile, secretKey, type LoadedConfig } from "./config/load.js";
import { ConfigHolder } from "./config/reloader.js";
import { buildRuntime, type RuntimeServices } from "./config/runtime.js";
import { createAdminServer } from "./transport/admin.js";
import { ExtProcService } from "./transport/ext-proc.js";
import { HealthState } from "./transport/health.js";
import { createGrpcServer, listen } from "./transport/server.js";
import { createLogger, type Logger } from "./telemetry/logger.js";
import { createMetrics, type Metrics } from "./telemetry/metrics.js";
import { createTracing } from "./telemetry/tracing.js";
import { createStore } from "./state/config.js";
import type { Store } from "./state/store.js";
import { registerBudgetMetrics } from "./policies/budget/index.js";
import { usageRoute } from "./transport/usage-route.js";
import { AuditLog } from "./telemetry/audit.js";
import { dirname, resolve } from "node:path";
import { mkdirSync } from "node:fs";
import { cachedResolver } from "./policies/guardrails/resolver.js";
import type { EvaluatorResolver } from "./policies/guardrails/policy.js";
import { createEvaluator } from "./guardrails/registry.js";
import type { SpanExporter } from "@opentelemetry/sdk-trace-base";

export interface ServerOverrides {
  grpcHost?: string;
  grpcPort?: number;
  grpcSocket?: string;
  adminHost?: string;
  adminPort?: number;
}

export interface StartOptions {
  configFile: string;
  overrides?: ServerOverrides;
  logger?: Logger;
  metrics?: Metrics;
  /** Replaces the guardrail evaluators (tests pass deterministic ones). */
  evaluators?: EvaluatorResolver;
  /** Replaces the configured span exporter (tests pass an in-memory one). */
  spanExporter?: SpanExporter;
  /** Watch the config file for changes (on by default for `serve`). */
  watch?: boolean;
  env?: NodeJS.ProcessEnv;
}

export interface Tollgate {
  grpcPort: number | undefined;
  grpcSocket: string | undefined;
  adminPort: number;
  config: ConfigHolder;
  health: HealthState;
  metrics: Metrics;
  logger: Logger;
  extProc: ExtProcService;
  /**
   * Graceful stop: NOT_SERVING, keep serving for drain_delay_ms (unless `immediate`), then refuse new streams,
   * let open ones finish (bounded by drain_timeout_ms), close everything.
   */
  stop(options?: { immediate?: boolean }): Promise<void>;
}

function storeReady(store: Store, timeoutMs: number): Promise<boolean> {
  if (!store.status.degraded) return Promise.resolve(true);
  return new Promise((resolve) => {
    const timer = setTimeout(() => resolve(false), timeoutMs);
    store.status.onChange(() => {
      if (!store.status.degraded) {
        clearTimeout(timer);
        resolve(true);
      }
    });
  });
}

export function applyOverrides(loaded: LoadedConfig, o: ServerOverrides = {}): LoadedConfig {
  const server = loaded.config.server;
  if (o.grpcHost !== undefined) server.grpc.host = o.grpcHost;
  if (o.grpcPort !== undefined) server.grpc.port = o.grpcPort;
  if (o.grpcSocket !== undefined) server.grpc.socket = o.grpcSocket;
  if (o.adminHost !== undefined) server.admin.host = o.adminHost;
  if (o.adminPort !== undefined) server.admin.port = o.adminPort;
  return loaded;
}

function listenHttp(server: HttpServer, host: string, port: number): Promise<number> {
  return new Promise((resolve, reject) => {
    server.once("error", reject);
    server.listen(port, host, () => resolve((server.address() as AddressInfo).port));
  });
}

export async function startTollgate(options: StartOptions): Promise<Tollgate> {
  const logger = options.logger ?? createLogger();
  const metrics = options.metrics ?? createMetrics();
  const load = () => applyOverrides(loadConfigFile(options.configFile, options.env), options.overrides);
  const loaded = load();
  // Process-wide: the counter store and its metrics outlive config reloads (changing the store needs a restart).
  const storeConfig = loaded.config.store;
  const storePassword = storeConfig.kind === "redis" && storeConfig.password ? loaded.secrets.get(secretKey(storeConfig.password)) : undefined;
  const store = createStore(storeConfig, { password: storePassword });
  const services: RuntimeServices = {
    metrics,
    evaluators: options.evaluators ?? cachedResolver(createEvaluator),
    store,
    budgetMetrics: registerBudgetMetrics(metrics.registry),
    logger,
  };
  const holder = new ConfigHolder(load, services, await buildRuntime(loaded, services), logger, metrics);
  store.status.onChange((snapshot) => logger.warn({ store: snapshot }, "budget store state changed"));
  // Serve only once the store answers, or after its connect timeout (then each limit's fail mode applies).
  if (!(await storeReady(store, loaded.config.store.kind === "redis" ? loaded.config.store.connect_timeout_ms : 0))) {
    logger.warn({ store: store.status.snapshot() }, "budget store not reachable at start; limits use their fail modes until it is");
  }
  for (const w of loaded.warnings) logger.warn({ file: loaded.file }, w);
  const cfg = loaded.config.server;

  // Tracing is set up once per process: a changed exporter needs a restart, everything else reloads.
  const tracing = createTracing(loaded.config.telemetry.tracing, options.spanExporter);
  // Like tracing, the audit file is opened once; moving it needs a restart.
  const auditFile = loaded.config.audit.file ? resolve(loaded.config.audit.file) : undefined;
  if (auditFile) mkdirSync(dirname(auditFile), { recursive: true });
  const audit = auditFile
    ? new AuditLog(
        { file: auditFile, flush: loaded.config.audit.flush, flushIntervalMs: loaded.config.audit.flush_interval_ms, mode: loaded.config.audit.mode },
        { logger, registry: metrics.registry },
      )
    : undefined;
  await audit?.ready();
  const health = new HealthState();
  const extProc = new ExtProcService({ runtime: holder.current, logger, metrics, tracing, audit });
  const grpcServer: grpc.Server = createGrpcServer(cfg.grpc, { runtime: holder.current, logger, metrics, extProc, health, audit });
  const bound = await listen(grpcServer, cfg.grpc);
  const admin = createAdminServer({
    metrics,
    health,
    readiness: () => {
      const reasons: string[] = [];
      if (audit && !audit.healthy) reasons.push(`audit log: ${audit.lastError?.message ?? "unwritable"}`);
      // A degraded store is reported but does not make the replica unready: every replica shares the store, and
      // each limit's fail mode already decides what requests get meanwhile.
      const degraded = store.status.degraded ? [`budget store ${store.status.state}`] : [];
      return { ready: reasons.length === 0, reasons, degraded };
    },
    routes: (req, res, url) => usageRoute(holder.current, req, res, url),
  });
  const adminPort = await listenHttp(admin, cfg.admin.host, cfg.admin.port);
  if (options.watch ?? false) holder.watch();
  // Serving only once config, listeners and admin are all up: Envoy's health check gates traffic on this.
  health.set("SERVING");
  logger.info({ grpc_port: bound.port, grpc_socket: bound.socket, admin_port: adminPort, config: loaded.file }, "tollgate serving");

  let stopping: Promise<void> | undefined;
  const stop = (opts: { immediate?: boolean } = {}) =>
    (stopping ??= (async () => {
      health.set("NOT_SERVING");
      holder.close();
      const server = holder.current().config.server;
      logger.info({ inflight: extProc.inflight, delay_ms: opts.immediate ? 0 : server.drain_delay_ms }, "draining");
      if (!opts.immediate && server.drain_delay_ms > 0) await new Promise((r) => setTimeout(r, server.drain_delay_ms));
      const drained = new Promise<void>((resolve) => grpcServer.tryShutdown(() => resolve()));
      let timer: NodeJS.Timeout | undefined;
      const timeout = new Promise<"timeout">((resolve) => {
        timer = setTimeout(() => resolve("timeout"), server.drain_timeout_ms);
      });
      if ((await Promise.race([drained, timeout])) === "timeout") {
        logger.warn({ inflight: extProc.inflight }, "drain timeout: closing the remaining streams");
        grpcServer.forceShutdown();
      }
      clearTimeout(timer);
      await extProc.drained();
      await tracing.shutdown();
      await holder.current().budget?.idle();
      await store.close();
      await audit?.close().catch((err: unknown) => logger.error({ err }, "audit log closed with records lost"));
      const adminClosed = new Promise<void>((resolve) => admin.close(() => resolve()));
      admin.closeAllConnections();
      await adminClosed;
      logger.info("stopped");
    })());

  return { grpcPort: bound.port, grpcSocket: bound.socket, adminPort, config: holder, health, metrics, logger, extProc, stop };
}
