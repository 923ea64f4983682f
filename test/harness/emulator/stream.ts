// One HTTP request through the emulated Envoy (HCM ActiveStream + FilterManager): builds the header map, runs
// the decoder filters (header_mutation, ext_authz, ext_proc, router) and the encoder filters in reverse,
// caches the route until a filter clears it, and produces local replies the way FilterManager::sendLocalReply
// does: through the encoder filters before a response exists, straight to the codec once one is being encoded,
// and a stream reset once response headers went downstream.
import type { IncomingMessage, ServerResponse } from "node:http";
import type { GatewayModel } from "../envoy-config/model.js";
import type { GrpcServiceConfig, RouteConfiguration } from "../envoy-config/schema.js";
import { DownstreamWriter, mutateRequestHeaders, requestHasBody, requestHeaderMap } from "./downstream.js";
import { ExtAuthzFilter, newStreamId, type ConnectionInfo, type ExtAuthzHost } from "./ext-authz-filter.js";
import { ExtProcFilter } from "./ext-proc-filter.js";
import type { ExtProcEvent, ExtProcHost, ExtProcStream, ExtProcStreamCallbacks, LocalReply } from "./ext-proc-types.js";
import { FilterChain, type StreamFilter } from "./filter-chain.js";
import type { CheckOutcome, GrpcClusters } from "./grpc-clients.js";
import { HeaderMap } from "./header-map.js";
import { headerMutationFilters } from "./header-mutation-filter.js";
import { readBodyFrames } from "./http1-frames.js";
import { messageKind, type RequestRecord, type UpstreamAttemptRecord } from "./recorder.js";
import type { ResolvedRoute, RouteTable } from "./route-table.js";
import { RouterFilter, type RouterHost, type UpstreamTarget } from "./router.js";
import type { EmulatorOverrides, FilterSettings } from "./settings.js";

export interface StreamDeps {
  gateway: GatewayModel;
  routeTable: RouteTable;
  overrides: EmulatorOverrides;
  settings: FilterSettings;
  grpc: GrpcClusters;
  upstreamTarget(cluster: string): UpstreamTarget | undefined;
  record: RequestRecord;
  finish: () => void;
}

/** grpc-status for a local reply to a gRPC client (Grpc::Utility::httpToGrpcStatus). */
function grpcStatusFor(http: number): number {
  const map: Record<number, number> = { 400: 13, 401: 16, 403: 7, 404: 12, 429: 14, 502: 14, 503: 14, 504: 14 };
  return map[http] ?? 2;
}

function settingsFor<T>(map: Map<string, T>, name: string): T {
  const found = map.get(name);
  if (!found) throw new Error(`no settings for filter ${name}`);
  return found;
}

const NO_SINK = { headers: () => undefined, data: () => undefined, trailers: () => undefined };

export class ActiveStream implements ExtProcHost, ExtAuthzHost, RouterHost {
  readonly streamId = newStreamId();
  readonly startedAt = new Date();
  readonly routeConfig: RouteConfiguration;
  readonly bufferLimit: number;
  private readonly decoderChain: FilterChain;
  private readonly encoderChain: FilterChain;
  private readonly writer: DownstreamWriter;
  private readonly extProcFilters: ExtProcFilter[] = [];
  private router: RouterFilter | undefined;
  private cachedRoute: ResolvedRoute | null | undefined;
  private routeRecomputed = false;
  private encoderStarted = false;
  private localReplyEncoding = false;
  private requestComplete = false;
  private destroyed = false;
  private readonly metadata = new Map<string, Record<string, unknown>>();

  constructor(
    private readonly req: IncomingMessage,
    res: ServerResponse,
    private readonly deps: StreamDeps,
    readonly connection: ConnectionInfo,
    private readonly scheme: "http" | "https",
  ) {
    this.routeConfig = deps.gateway.routeConfig;
    this.bufferLimit = deps.overrides.bufferLimitBytes ?? deps.gateway.listener.bufferLimitBytes;
    this.writer = new DownstreamWriter(res, () => this.requestComplete, () => this.onResponseEnd());
    const decoders: StreamFilter[] = [];
    const encoders: StreamFilter[] = [];
    for (const f of deps.gateway.httpFilters) {
      if (f.kind === "header_mutation") {
        const pair = headerMutationFilters(f.config);
        decoders.push(pair.decoder);
        encoders.unshift(pair.encoder);
      } else if (f.kind === "ext_authz") {
        const filter = new ExtAuthzFilter(settingsFor(deps.settings.extAuthz, f.name), this);
        decoders.push(filter.decoderFilter);
        encoders.unshift(filter.encoderFilter);
      } else if (f.kind === "ext_proc") {
        const filter = new ExtProcFilter(settingsFor(deps.settings.extProc, f.name), this);
        this.extProcFilters.push(filter);
        decoders.push(filter.decoderFilter);
        encoders.unshift(filter.encoderFilter);
      } else {
        this.router = new RouterFilter(this);
        decoders.push(this.router.filter);
      }
    }
    this.decoderChain = new FilterChain(decoders, NO_SINK, this.bufferLimit, () => this.tooLarge("request"));
    this.encoderChain = new FilterChain(encoders, this.writer, this.bufferLimit, () => this.tooLarge("response"));
    res.on("close", () => {
      if (!this.writer.ended) this.resetStream("downstream_remote_disconnect");
    });
  }

  start(): void {
    const headers = requestHeaderMap(this.req, this.scheme);
    mutateRequestHeaders(headers, this.connection.remoteAddress, this.scheme, {
      useRemoteAddress: this.deps.gateway.hcm.useRemoteAddress,
      internalOnlyHeaders: this.routeConfig.internal_only_headers ?? [],
      clientsAreExternal: this.deps.overrides.clientsAreExternal === true,
      localAddress: this.connection.localAddress,
    });
    // The HCM snaps the route before the filters run; it is recomputed only after clearRouteCache().
    this.cachedRoute = this.deps.routeTable.match(headers);
    const hasBody = requestHasBody(this.req);
    if (!hasBody) this.requestComplete = true;
    this.decoderChain.sourceHeaders(headers, !hasBody);
    if (hasBody) this.pumpBody();
    else this.req.resume();
  }

  /** Body frames as the HTTP/1 codec dispatches them; trailers, if any, end the stream instead. */
  private pumpBody(): void {
    // Registered first so the request counts as complete before its last frame is processed.
    this.req.on("end", () => {
      this.requestComplete = true;
    });
    readBodyFrames(
      this.req,
      () => !this.destroyed,
      (bytes) => this.decoderChain.sourceData(bytes, false),
      (rest) => {
        const trailers = this.req.rawTrailers;
        if (trailers.length === 0) {
          this.decoderChain.sourceData(rest ?? Buffer.alloc(0), true);
          return;
        }
        if (rest) this.decoderChain.sourceData(rest, false);
        const map = new HeaderMap("trailers");
        for (let i = 0; i + 1 < trailers.length; i += 2) map.addCopy((trailers[i] ?? "").toLowerCase(), trailers[i + 1] ?? "");
        this.decoderChain.sourceTrailers(map);
      },
    );
  }

  // ---- shared host callbacks ----

  decoder(): FilterChain {
    return this.decoderChain;
  }

  encoder(): FilterChain {
    return this.encoderChain;
  }

  route(): ResolvedRoute | null {
    if (this.cachedRoute === undefined) {
      const headers = this.decoderChain.headers;
      this.cachedRoute = headers ? this.deps.routeTable.match(headers) : null;
      this.routeRecomputed = true;
    }
    return this.cachedRoute;
  }

  clearRouteCache(): void {
    this.cachedRoute = undefined;
  }

  perFilterConfigs(filterName: string): unknown[] {
    const r = this.route();
    return [r?.virtualHost.typed_per_filter_config?.[filterName], r?.route.typed_per_filter_config?.[filterName]].filter((c) => c !== undefined);
  }

  dynamicMetadata(namespace: string): Record<string, unknown> | undefined {
    return this.metadata.get(namespace);
  }

  mergeDynamicMetadata(namespace: string, values: Record<string, unknown>): void {
    const merged = { ...this.metadata.get(namespace), ...values };
    this.metadata.set(namespace, merged);
    this.deps.record.dynamicMetadata[namespace] = merged;
  }

  isDestroyed(): boolean {
    return this.destroyed;
  }

  // ---- ext_proc host ----

  openExtProcStream(service: GrpcServiceConfig, callbacks: ExtProcStreamCallbacks): ExtProcStream {
    return this.deps.grpc.openProcess(service, callbacks);
  }

  encodingLocalReply(): boolean {
    return this.localReplyEncoding;
  }

  record(event: ExtProcEvent): void {
    const r = this.deps.record;
    r.extProcEvents.push(event);
    if (event.type === "sent" || event.type === "received") {
      r.extProc.push({
        at: Date.now(),
        direction: event.type,
        kind: messageKind(event.message),
        message: event.message,
        ...(event.type === "received" && event.ignored ? { ignored: event.ignored } : {}),
      });
    }
  }

  // ---- ext_authz host ----

  check(service: GrpcServiceConfig, request: unknown, timeoutMs: number): Promise<CheckOutcome> {
    this.deps.record.extAuthz = { request };
    return this.deps.grpc.check(service, request, timeoutMs);
  }

  continueDecoding(filter: StreamFilter): void {
    if (!this.destroyed) this.decoderChain.continueFrom(filter);
  }

  recordCheck(request: unknown, outcome?: CheckOutcome): void {
    this.deps.record.extAuthz = {
      request,
      ...(outcome?.ok ? { response: outcome.response } : {}),
      ...(outcome && !outcome.ok ? { error: { code: outcome.code, details: outcome.details } } : {}),
    };
  }

  // ---- router host ----

  clusterExists(name: string): boolean {
    return this.deps.gateway.clusters.has(name);
  }

  upstreamTarget(name: string): UpstreamTarget | undefined {
    return this.deps.upstreamTarget(name);
  }

  encodeHeaders(headers: HeaderMap, endStream: boolean): void {
    if (this.destroyed || this.encoderChain.aborted) return;
    this.encoderStarted = true;
    this.encoderChain.sourceHeaders(headers, endStream);
  }

  encodeData(bytes: Buffer, endStream: boolean): void {
    if (!this.destroyed && !this.encoderChain.aborted) this.encoderChain.sourceData(bytes, endStream);
  }

  downstreamStarted(): boolean {
    return this.writer.headersSent;
  }

  recordRoute(cluster: string | undefined): void {
    this.deps.record.route = { ...(cluster !== undefined ? { cluster } : { notFound: true }), recomputed: this.routeRecomputed };
  }

  recordAttempt(attempt: UpstreamAttemptRecord): void {
    this.deps.record.upstream.push(attempt);
  }

  // ---- local replies, resets, teardown ----

  sendLocalReply(reply: LocalReply): void {
    if (this.destroyed) return;
    if (this.writer.headersSent) {
      this.resetStream(`local reply after response started: ${reply.details}`);
      return;
    }
    this.deps.record.localReply = { status: reply.status, details: reply.details, body: reply.body.toString("utf8") };
    this.decoderChain.aborted = true;
    this.router?.onDestroy();
    const headers = new HeaderMap("response");
    headers.addCopy(":status", String(reply.status));
    headers.addCopy("content-length", String(reply.body.length));
    if (reply.body.length > 0) headers.addCopy("content-type", "text/plain");
    reply.modifyHeaders?.(headers);
    if ((this.decoderChain.headers?.getString("content-type") ?? "").startsWith("application/grpc")) {
      // gRPC clients get a trailers-only reply carrying the status (Utility::sendLocalReply).
      const grpc = new HeaderMap("response");
      grpc.addCopy(":status", "200");
      grpc.addCopy("content-type", "application/grpc");
      grpc.addCopy("grpc-status", String(reply.grpcStatus ?? grpcStatusFor(reply.status)));
      if (reply.body.length > 0) grpc.addCopy("grpc-message", encodeURIComponent(reply.body.toString("utf8")));
      this.deliverLocalReply(grpc, Buffer.alloc(0));
      return;
    }
    this.deliverLocalReply(headers, reply.body);
  }

  private deliverLocalReply(headers: HeaderMap, body: Buffer): void {
    if (this.encoderStarted) {
      // A response is already in the encoder chain: sendDirectLocalReply bypasses the filters.
      this.encoderChain.aborted = true;
      this.writer.headers(headers, body.length === 0);
      if (body.length > 0) this.writer.data(body, true);
      return;
    }
    this.encoderStarted = true;
    this.localReplyEncoding = true;
    this.encoderChain.sourceHeaders(headers, body.length === 0);
    if (body.length > 0) this.encoderChain.sourceData(body, true);
  }

  private tooLarge(direction: "request" | "response"): void {
    if (direction === "request") {
      this.sendLocalReply({ status: 413, body: Buffer.from("Payload Too Large"), details: "request_payload_too_large" });
    } else {
      this.sendLocalReply({ status: 500, body: Buffer.from("Internal Server Error"), details: "response_payload_too_large" });
    }
  }

  resetStream(reason: string): void {
    if (this.destroyed) return;
    this.deps.record.response = { ...(this.writer.status !== undefined ? { status: this.writer.status } : {}), reset: true, resetReason: reason };
    this.decoderChain.aborted = true;
    this.encoderChain.aborted = true;
    this.req.socket.destroy();
    this.destroy();
  }

  private onResponseEnd(): void {
    if (this.destroyed) return;
    this.deps.record.response = { ...(this.writer.status !== undefined ? { status: this.writer.status } : {}), reset: false };
    this.destroy();
  }

  /** ActiveStream destruction: filters' onDestroy (ext_proc closes its gRPC stream), upstream dropped. */
  private destroy(): void {
    this.destroyed = true;
    for (const f of this.extProcFilters) f.onDestroy();
    this.router?.onDestroy();
    this.deps.finish();
  }
}
