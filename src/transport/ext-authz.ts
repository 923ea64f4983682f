// ext_authz Check: admission by virtual API key before Envoy buffers the body. Allowed requests carry the
// principal to ext_proc in signed headers (headers Envoy applies to the upstream request and so forwards to
// ext_proc); client-sent x-tollgate-* headers are removed so none can be forged. Denials carry a JSON body in the
// client's API shape and a clear reason.
import * as grpc from "@grpc/grpc-js";
import type { Runtime } from "../config/runtime.js";
import { INTERNAL_HEADER_PREFIX, REQUEST_ID_HEADER } from "../envoy/headers.js";
import { endpointFromPath } from "../exchange/endpoints.js";
import type { ApiFlavor } from "../exchange/model.js";
import { requestIdFrom, traceIdFrom } from "../exchange/context.js";
import type { AuditLog } from "../telemetry/audit.js";
import { codecs } from "../providers/index.js";
import type { Logger } from "../telemetry/logger.js";
import type { Metrics } from "../telemetry/metrics.js";

interface HeaderValue {
  key: string;
  value?: string;
  raw_value?: Buffer;
}

export interface CheckRequest {
  attributes?: {
    request?: {
      http?: {
        id?: string;
        method?: string;
        path?: string;
        host?: string;
        headers?: Record<string, string>;
        header_map?: { headers?: HeaderValue[] };
      };
    };
  };
}

interface HeaderValueOption {
  header: { key: string; value: string };
  append: { value: boolean };
}

export interface CheckResponse {
  status: { code: number; message?: string };
  ok_response?: { headers: HeaderValueOption[]; headers_to_remove: string[] };
  denied_response?: { status: { code: number }; headers: HeaderValueOption[]; body: string };
}

/** Envoy sends either the merged `headers` map or, with encode_raw_headers, `header_map` with raw bytes. */
export function checkHeaders(req: CheckRequest): Map<string, string> {
  const http = req.attributes?.request?.http;
  const out = new Map<string, string>();
  for (const [k, v] of Object.entries(http?.headers ?? {})) out.set(k.toLowerCase(), v);
  for (const h of http?.header_map?.headers ?? []) {
    const value = h.raw_value && h.raw_value.length > 0 ? h.raw_value.toString("utf8") : (h.value ?? "");
    out.set(h.key.toLowerCase(), value);
  }
  if (http?.path && !out.has(":path")) out.set(":path", http.path);
  return out;
}

// Explicit append=false: Envoy's legacy and newest code disagree on what an unset `append` means (reference §7).
function set(key: string, value: string): HeaderValueOption {
  return { header: { key, value }, append: { value: false } };
}

/** The API the client speaks, to shape a denial before any body was seen: by path, or by the route's provider. */
function clientApi(runtime: Runtime, path: string, headers: ReadonlyMap<string, string>): ApiFlavor {
  const known = endpointFromPath(path);
  if (known) return known.api;
  const route = runtime.routes.select(path, undefined, headers);
  const provider = route ? runtime.providers.get(route.providers[0] ?? "") : undefined;
  return provider?.codec.api ?? "openai";
}

export interface ExtAuthzDeps {
  runtime: () => Runtime;
  logger: Logger;
  metrics: Metrics;
  /** A request refused here never reaches ext_proc, so its one audit record is written here. */
  audit?: AuditLog | undefined;
}

export function checkRequest(deps: ExtAuthzDeps, req: CheckRequest): CheckResponse {
  const started = process.hrtime.bigint();
  const runtime = deps.runtime();
  const headers = checkHeaders(req);
  const requestId = requestIdFrom(headers);
  const decision = runtime.authenticator.authenticate(headers);
  if (decision.allow) {
    deps.metrics.authzChecks.inc({ decision: "allow", reason: "ok" });
    const principal = runtime.authenticator.principalHeaders(decision.principal, requestId);
    const forged = [...headers.keys()].filter((h) => h.startsWith(INTERNAL_HEADER_PREFIX) && !(h in principal));
    return {
      status: { code: grpc.status.OK },
      ok_response: { headers: Object.entries(principal).map(([k, v]) => set(k, v)), headers_to_remove: forged },
    };
  }
  const { denial } = decision;
  deps.metrics.authzChecks.inc({ decision: "deny", reason: denial.code });
  deps.logger.info({ request_id: requestId, status: denial.status, code: denial.code }, "ext_authz denied");
  const path = headers.get(":path") ?? "/";
  const err = codecs[clientApi(runtime, path, headers)].errorBody(denial, requestId);
  deps.audit?.append({
    time: new Date().toISOString(),
    trace_id: traceIdFrom(headers) ?? requestId,
    request_id: requestId,
    principal: null,
    route: null,
    provider: null,
    model: null,
    endpoint: endpointFromPath(path)?.kind ?? null,
    tools: [],
    prompt_sha256: null,
    decisions: [{ policy: "auth", phase: "request_headers", action: "deny", code: denial.code }],
    usage: null,
    cost_usd_micros: 0,
    status: denial.status,
    outcome: "denied",
    latency_ms: Math.round(Number(process.hrtime.bigint() - started) / 1e4) / 100,
  });
  return {
    status: { code: denial.status === 401 ? grpc.status.UNAUTHENTICATED : grpc.status.PERMISSION_DENIED, message: denial.code },
    denied_response: {
      status: { code: denial.status },
      headers: [set("content-type", err.contentType), set(REQUEST_ID_HEADER, requestId), ...Object.entries(denial.headers ?? {}).map(([k, v]) => set(k, v))],
      body: err.body,
    },
  };
}

export function extAuthzHandler(deps: ExtAuthzDeps): grpc.handleUnaryCall<CheckRequest, CheckResponse> {
  return (call, callback) => {
    try {
      callback(null, checkRequest(deps, call.request));
    } catch (err) {
      deps.logger.error({ err }, "ext_authz Check failed");
      deps.metrics.authzChecks.inc({ decision: "error", reason: "internal" });
      callback({ code: grpc.status.INTERNAL, details: "authorization check failed" });
    }
  };
}
