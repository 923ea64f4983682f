// The admin HTTP port: Prometheus metrics, liveness and readiness. Read-only, no request bodies accepted.
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { Metrics } from "../telemetry/metrics.js";
import type { HealthState } from "./health.js";

export interface AdminDeps {
  metrics: Metrics;
  health: HealthState;
  /** Extra readiness conditions (e.g. a budget store that is down and fails closed). */
  readiness?: () => { ready: boolean; reasons: string[]; degraded?: string[] };
  /** More read-only routes, e.g. the usage report; return false when the path is not theirs. */
  routes?: (req: IncomingMessage, res: ServerResponse, url: URL) => boolean | Promise<boolean>;
}

function json(res: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { "content-type": "application/json", "content-length": Buffer.byteLength(text) });
  res.end(text);
}

export function createAdminServer(deps: AdminDeps): Server {
  return createServer((req, res) => {
    void handle(deps, req, res).catch(() => {
      if (!res.headersSent) json(res, 500, { error: "internal error" });
      else res.destroy();
    });
  });
}

async function handle(deps: AdminDeps, req: IncomingMessage, res: ServerResponse): Promise<void> {
  const url = new URL(req.url ?? "/", "http://admin");
  if (req.method !== "GET" && req.method !== "HEAD") {
    json(res, 405, { error: "the admin port is read-only" });
    return;
  }
  switch (url.pathname) {
    case "/metrics": {
      const body = await deps.metrics.registry.metrics();
      res.writeHead(200, { "content-type": deps.metrics.registry.contentType });
      res.end(body);
      return;
    }
    case "/healthz":
      // Liveness: the process answers. Draining is not death; Envoy's gRPC health check sees NOT_SERVING.
      json(res, 200, { status: "alive" });
      return;
    case "/readyz": {
      const extra = deps.readiness?.() ?? { ready: true, reasons: [] };
      const serving = deps.health.status === "SERVING";
      const reasons = [...(serving ? [] : [`grpc health is ${deps.health.status}`]), ...extra.reasons];
      const body: Record<string, unknown> = { status: serving && extra.ready ? "ready" : "not ready", reasons };
      if (extra.degraded && extra.degraded.length > 0) body.degraded = extra.degraded;
      json(res, serving && extra.ready ? 200 : 503, body);
      return;
    }
  }
  if (deps.routes && (await deps.routes(req, res, url))) return;
  json(res, 404, { error: `no admin endpoint ${url.pathname}` });
}
