// The router filter (source/common/router/router.cc, upstream_request.cc): picks the cluster from the route
// (recomputed if a filter cleared the route cache), answers route/cluster failures locally, forwards the request
// over HTTP/1.1 to the address the test mapped to the cluster, retries per retry_policy, enforces the route
// timeout, and feeds the upstream response into the encoder filter chain.
import { request as httpRequest, type Agent as HttpAgent, type ClientRequest, type IncomingMessage } from "node:http";
import { request as httpsRequest } from "node:https";
import type { Route, RouteConfiguration } from "../envoy-config/schema.js";
import { durationMs, httpStatusCode } from "../envoy-config/model.js";
import type { DataFrame, DataStatus, HeadersStatus, StreamFilter, TrailersStatus } from "./filter-chain.js";
import { HeaderMap } from "./header-map.js";
import type { LocalReply } from "./ext-proc-types.js";
import type { UpstreamAttemptRecord } from "./recorder.js";
import { readBodyFrames } from "./http1-frames.js";
import { RetryState, type AttemptFailure } from "./retry.js";
import type { ResolvedRoute } from "./route-table.js";

export interface UpstreamTarget {
  url: URL;
  /** The cluster's connection pool (keep-alive), owned by the emulator. */
  agent: HttpAgent;
  ca?: Buffer;
  servername?: string;
}

export interface RouterHost {
  route(): ResolvedRoute | null;
  routeConfig: RouteConfiguration;
  clusterExists(name: string): boolean;
  upstreamTarget(name: string): UpstreamTarget | undefined;
  sendLocalReply(reply: LocalReply): void;
  encodeHeaders(headers: HeaderMap, endStream: boolean): void;
  encodeData(bytes: Buffer, endStream: boolean): void;
  resetStream(reason: string): void;
  downstreamStarted(): boolean;
  bufferLimit: number;
  recordRoute(cluster: string | undefined): void;
  recordAttempt(attempt: UpstreamAttemptRecord): void;
}

/** Hop-by-hop headers never forwarded on an HTTP/1.1 hop. */
const HOP_BY_HOP = new Set(["connection", "keep-alive", "proxy-connection", "transfer-encoding", "upgrade"]);
const DEFAULT_ROUTE_TIMEOUT_MS = 15_000;

function applyHeaderList(headers: HeaderMap, add: Route["request_headers_to_add"], remove: string[] | undefined): void {
  for (const option of add ?? []) {
    if (option.append === false || option.append_action === "OVERWRITE_IF_EXISTS_OR_ADD") headers.setCopy(option.header.key, option.header.value ?? "");
    else headers.addCopy(option.header.key, option.header.value ?? "");
  }
  for (const name of remove ?? []) headers.remove(name);
}

/** The upstream response's body end: no body for HEAD, 1xx/204/304 or content-length 0 (HTTP/1 codec). */
function responseHasBody(method: string, res: IncomingMessage): boolean {
  const status = res.statusCode ?? 0;
  if (method === "HEAD" || status === 204 || status === 304 || (status >= 100 && status < 200)) return false;
  return res.headers["content-length"] !== "0";
}

export class RouterFilter {
  readonly filter: StreamFilter;
  private headers: HeaderMap | null = null;
  private route: ResolvedRoute | null = null;
  private cluster = "";
  private body: Buffer[] = [];
  private bodyBytes = 0;
  private retryBufferOverflow = false;
  private requestComplete = false;
  private attempt: ClientRequest | null = null;
  private retry = new RetryState(undefined);
  private routeTimer: NodeJS.Timeout | null = null;
  private perTryTimer: NodeJS.Timeout | null = null;
  private finished = false;

  constructor(private readonly host: RouterHost) {
    this.filter = {
      headers: (h, eos) => this.decodeHeaders(h, eos),
      data: (f, eos) => this.decodeData(f, eos),
      trailers: (): TrailersStatus => this.decodeTrailers(),
    };
  }

  private localReply(status: number, details: string, body = ""): HeadersStatus {
    this.finished = true;
    this.host.sendLocalReply({ status, details, body: Buffer.from(body) });
    return "StopIteration";
  }

  private decodeHeaders(headers: HeaderMap, endStream: boolean): HeadersStatus {
    this.route = this.host.route();
    if (!this.route) {
      this.host.recordRoute(undefined);
      return this.localReply(404, "route_not_found");
    }
    const { route, virtualHost } = this.route;
    if (route.direct_response) return this.localReply(route.direct_response.status, "direct_response", route.direct_response.body?.inline_string ?? "");
    const action = route.route;
    if (!action) return this.localReply(404, "route_not_found");
    this.cluster = this.clusterName(action, headers);
    this.host.recordRoute(this.cluster);
    if (!this.host.clusterExists(this.cluster)) {
      return this.localReply(httpStatusCode(action.cluster_not_found_response_code ?? "SERVICE_UNAVAILABLE", 503), "cluster_not_found");
    }
    if (!this.host.upstreamTarget(this.cluster)) return this.localReply(503, "no_healthy_upstream", "no healthy upstream");
    // Router::Filter::decodeHeaders → finalizeRequestHeaders: route, then virtual host, then route-config lists.
    applyHeaderList(headers, route.request_headers_to_add, route.request_headers_to_remove);
    applyHeaderList(headers, virtualHost.request_headers_to_add, virtualHost.request_headers_to_remove);
    applyHeaderList(headers, this.host.routeConfig.request_headers_to_add, this.host.routeConfig.request_headers_to_remove);
    if (action.prefix_rewrite !== undefined && route.match.prefix !== undefined) {
      const path = headers.getString(":path") ?? "/";
      headers.setCopy("x-envoy-original-path", path);
      headers.setCopy(":path", action.prefix_rewrite + path.slice(route.match.prefix.length));
    }
    if (action.host_rewrite_literal) headers.setCopy(":authority", action.host_rewrite_literal);
    const timeoutMs = durationMs(action.timeout) ?? DEFAULT_ROUTE_TIMEOUT_MS;
    if (timeoutMs > 0) headers.setCopy("x-envoy-expected-rq-timeout-ms", String(timeoutMs));
    this.retry = new RetryState(action.retry_policy ?? virtualHost.retry_policy);
    this.headers = headers;
    this.startAttempt();
    if (endStream) this.onRequestComplete();
    return "StopIteration";
  }

  private clusterName(action: NonNullable<Route["route"]>, headers: HeaderMap): string {
    if (action.cluster !== undefined) return action.cluster;
    // cluster_header: the header's value at route time; missing means "" and so cluster-not-found.
    if (action.cluster_header !== undefined) return headers.getString(action.cluster_header) ?? "";
    const weighted = action.weighted_clusters?.clusters ?? [];
    const total = weighted.reduce((n, c) => n + (c.weight ?? 0), 0);
    let pick = Math.random() * total;
    for (const c of weighted) {
      pick -= c.weight ?? 0;
      if (pick < 0) return c.name;
    }
    return weighted[0]?.name ?? "";
  }

  private decodeData(frame: DataFrame, endStream: boolean): DataStatus {
    if (this.finished) return "StopIterationNoBuffer";
    const bytes = frame.bytes;
    frame.bytes = Buffer.alloc(0);
    // The router keeps the body for retries while it fits in the buffer limit.
    this.bodyBytes += bytes.length;
    if (this.bodyBytes > this.host.bufferLimit) this.retryBufferOverflow = true;
    else this.body.push(bytes);
    if (bytes.length > 0) this.attempt?.write(bytes);
    if (endStream) this.onRequestComplete();
    return "StopIterationNoBuffer";
  }

  private decodeTrailers(): TrailersStatus {
    this.onRequestComplete();
    return "StopIteration";
  }

  private onRequestComplete(): void {
    if (this.requestComplete) return;
    this.requestComplete = true;
    this.attempt?.end();
    // The route timeout runs from the end of the downstream request to the end of the response.
    const timeoutMs = durationMs(this.route?.route.route?.timeout) ?? DEFAULT_ROUTE_TIMEOUT_MS;
    if (timeoutMs > 0) this.routeTimer = setTimeout(() => this.onRouteTimeout(), timeoutMs);
    this.armPerTryTimer();
  }

  private armPerTryTimer(): void {
    const ms = durationMs(this.route?.route.route?.retry_policy?.per_try_timeout);
    if (ms && ms > 0 && this.requestComplete) this.perTryTimer = setTimeout(() => this.onAttemptFailure({ kind: "per-try-timeout" }, "per_try_timeout"), ms);
  }

  private onRouteTimeout(): void {
    this.abortAttempt();
    if (this.host.downstreamStarted()) this.host.resetStream("upstream_response_timeout");
    else this.localReply(504, "upstream_response_timeout", "upstream request timeout");
  }

  private abortAttempt(): void {
    if (this.perTryTimer) clearTimeout(this.perTryTimer);
    this.perTryTimer = null;
    const attempt = this.attempt;
    this.attempt = null;
    attempt?.destroy();
  }

  /** Called when the HTTP stream ends or is reset: drop the upstream request and timers. */
  onDestroy(): void {
    this.finished = true;
    if (this.routeTimer) clearTimeout(this.routeTimer);
    this.abortAttempt();
  }

  private startAttempt(): void {
    const headers = this.headers;
    const target = this.host.upstreamTarget(this.cluster);
    if (!headers || !target) return;
    const method = headers.getString(":method") ?? "GET";
    const path = headers.getString(":path") ?? "/";
    const authority = headers.getString(":authority") ?? "";
    const raw: string[] = ["host", authority];
    for (const e of headers.entries()) {
      if (e.key.startsWith(":") || e.key === "host" || HOP_BY_HOP.has(e.key)) continue;
      raw.push(e.key, e.value.toString("latin1"));
    }
    const record: UpstreamAttemptRecord = { cluster: this.cluster, method, path, authority };
    this.host.recordAttempt(record);
    const https = target.url.protocol === "https:";
    const started = Date.now();
    const req = (https ? httpsRequest : httpRequest)({
      host: target.url.hostname,
      port: Number(target.url.port || (https ? 443 : 80)),
      method,
      path,
      headers: raw,
      setHost: false,
      agent: target.agent,
      ...(https ? { ca: target.ca, servername: target.servername } : {}),
    });
    this.attempt = req;
    let responded = false;
    req.on("response", (res) => {
      responded = true;
      record.status = res.statusCode;
      if (this.attempt !== req) {
        res.resume();
        return;
      }
      const status = res.statusCode ?? 502;
      const backoff = this.retryBufferOverflow ? undefined : this.retry.nextBackoff({ kind: "status", status });
      if (backoff !== undefined) {
        res.resume();
        this.retryAfter(backoff);
        return;
      }
      this.forwardResponse(res, method, Date.now() - started);
    });
    req.on("error", (err: NodeJS.ErrnoException) => {
      if (responded || this.attempt !== req) return;
      const connect = err.code === "ECONNREFUSED" || err.code === "ENOTFOUND" || err.code === "EHOSTUNREACH";
      record.failure = connect ? "connection_failure" : "connection_termination";
      this.onAttemptFailure({ kind: connect ? "connect-failure" : "reset" }, record.failure);
    });
    for (const chunk of this.body) if (chunk.length > 0) req.write(chunk);
    if (this.requestComplete) req.end();
  }

  private retryAfter(delayMs: number): void {
    this.abortAttempt();
    setTimeout(() => {
      if (this.finished) return;
      this.startAttempt();
      this.armPerTryTimer();
    }, delayMs);
  }

  private onAttemptFailure(failure: AttemptFailure, reason: string): void {
    if (this.finished) return;
    const backoff = this.retryBufferOverflow ? undefined : this.retry.nextBackoff(failure);
    this.abortAttempt();
    if (backoff !== undefined) {
      this.retryAfter(backoff);
      return;
    }
    if (failure.kind === "per-try-timeout") {
      this.localReply(504, "upstream_per_try_timeout", "upstream request timeout");
      return;
    }
    this.localReply(503, `upstream_reset_before_response_started{${reason}}`, `upstream connect error or disconnect/reset before headers. reset reason: ${reason.replace("_", " ")}`);
  }

  private forwardResponse(res: IncomingMessage, method: string, serviceTimeMs: number): void {
    if (this.perTryTimer) clearTimeout(this.perTryTimer);
    const headers = new HeaderMap("response");
    headers.addCopy(":status", String(res.statusCode ?? 502));
    for (let i = 0; i + 1 < res.rawHeaders.length; i += 2) headers.addCopy(res.rawHeaders[i] ?? "", Buffer.from(res.rawHeaders[i + 1] ?? "", "latin1"));
    headers.setCopy("x-envoy-upstream-service-time", String(serviceTimeMs));
    const { route, virtualHost } = this.route ?? {};
    applyHeaderList(headers, route?.response_headers_to_add, route?.response_headers_to_remove);
    applyHeaderList(headers, virtualHost?.response_headers_to_add, virtualHost?.response_headers_to_remove);
    applyHeaderList(headers, this.host.routeConfig.response_headers_to_add, this.host.routeConfig.response_headers_to_remove);
    const hasBody = responseHasBody(method, res);
    this.host.encodeHeaders(headers, !hasBody);
    if (!hasBody) {
      res.resume();
      this.onResponseComplete();
      return;
    }
    readBodyFrames(
      res,
      () => !this.finished,
      (bytes) => this.host.encodeData(bytes, false),
      (rest) => {
        this.host.encodeData(rest ?? Buffer.alloc(0), true);
        this.onResponseComplete();
      },
    );
    res.on("aborted", () => {
      if (!this.finished) this.host.resetStream("upstream_reset_after_response_started");
    });
    res.on("error", () => {
      if (!this.finished) this.host.resetStream("upstream_reset_after_response_started");
    });
  }

  private onResponseComplete(): void {
    if (this.routeTimer) clearTimeout(this.routeTimer);
    this.routeTimer = null;
  }
}
