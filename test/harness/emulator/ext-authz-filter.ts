// The ext_authz HTTP filter (gRPC service), as source/extensions/filters/http/ext_authz/ext_authz.cc and
// source/extensions/filters/common/ext_authz/{check_request_utils.cc,ext_authz_grpc_impl.cc} behave up to 1.37:
// the request is held (StopAllIterationAndWatermark) while Check runs; OK applies header mutations (legacy
// `append`: true appends to an existing header with ",", otherwise set); a non-OK status is a denial (default
// 403); an RPC failure follows failure_mode_allow / status_on_error (default 403).
import { randomBytes } from "node:crypto";
import { ExtAuthzPerRouteSchema, type ExtAuthzConfig, type GrpcServiceConfig } from "../envoy-config/schema.js";
import type { CheckOutcome } from "./grpc-clients.js";
import type { DataStatus, HeadersStatus, StreamFilter, TrailersStatus } from "./filter-chain.js";
import type { HeaderMap } from "./header-map.js";
import type { LocalReply } from "./ext-proc-types.js";
import { statusCodeValue } from "./status-code.js";
import { structToJson } from "./struct.js";
import type { WireCheckResponse, WireHeaderValueOption } from "./wire-types.js";

export interface ConnectionInfo {
  remoteAddress: string;
  remotePort: number;
  localAddress: string;
  localPort: number;
  tls?: { peerPrincipal?: string; peerCertificatePem?: string; localPrincipal?: string; sni?: string };
}

export interface ExtAuthzSettings {
  filterName: string;
  config: ExtAuthzConfig;
  grpcService: GrpcServiceConfig;
  timeoutMs: number;
  failureModeAllow: boolean;
  statusOnError: number;
}

export interface ExtAuthzHost {
  perFilterConfigs(filterName: string): unknown[];
  check(service: GrpcServiceConfig, request: unknown, timeoutMs: number): Promise<CheckOutcome>;
  connection: ConnectionInfo;
  streamId: string;
  startedAt: Date;
  continueDecoding(filter: StreamFilter): void;
  sendLocalReply(reply: LocalReply): void;
  clearRouteCache(): void;
  mergeDynamicMetadata(namespace: string, values: Record<string, unknown>): void;
  isDestroyed(): boolean;
  recordCheck(request: unknown, outcome?: CheckOutcome): void;
}

/** MessageUtil::sanitizeUtf8String: bytes that are not valid UTF-8 become "!". */
export function sanitizeUtf8(bytes: Buffer): string {
  const decoded = new TextDecoder("utf-8", { fatal: false }).decode(bytes);
  return decoded.replace(/\uFFFD/g, "!");
}

/** Stream ids are random uint64s in Envoy (StreamInfo::getStreamIdProvider); sent in decimal. */
export function newStreamId(): string {
  return randomBytes(8).readBigUInt64BE().toString();
}

const DYNAMIC_METADATA_NS = "envoy.filters.http.ext_authz";

export class ExtAuthzFilter {
  readonly decoderFilter: StreamFilter;
  readonly encoderFilter: StreamFilter;
  private responseHeadersToAdd: WireHeaderValueOption[] = [];
  private headers: HeaderMap | null = null;

  constructor(
    private readonly settings: ExtAuthzSettings,
    private readonly host: ExtAuthzHost,
  ) {
    this.decoderFilter = {
      headers: (h, eos) => this.decodeHeaders(h, eos),
      data: (): DataStatus => "Continue",
      trailers: (): TrailersStatus => "Continue",
    };
    this.encoderFilter = {
      headers: (h) => this.encodeHeaders(h),
      data: (): DataStatus => "Continue",
      trailers: (): TrailersStatus => "Continue",
    };
  }

  private perRoute(): { disabled: boolean; contextExtensions: Record<string, string> } {
    let disabled = false;
    const contextExtensions: Record<string, string> = {};
    for (const raw of this.host.perFilterConfigs(this.settings.filterName)) {
      const c = ExtAuthzPerRouteSchema.parse(raw);
      disabled = c.disabled === true;
      Object.assign(contextExtensions, c.check_settings?.context_extensions ?? {});
    }
    return { disabled, contextExtensions };
  }

  private decodeHeaders(headers: HeaderMap, _endStream: boolean): HeadersStatus {
    const perRoute = this.perRoute();
    if (perRoute.disabled) return "Continue";
    this.headers = headers;
    const request = this.checkRequest(headers, perRoute.contextExtensions);
    void this.host.check(this.settings.grpcService, request, this.settings.timeoutMs).then((outcome) => {
      this.host.recordCheck(request, outcome);
      if (!this.host.isDestroyed()) this.onComplete(outcome);
    });
    return "StopAllIterationAndWatermark";
  }

  /** CheckRequestUtils::createHttpCheck. */
  private checkRequest(headers: HeaderMap, contextExtensions: Record<string, string>): unknown {
    const conn = this.host.connection;
    const map: Record<string, string> = {};
    for (const e of headers.entries()) {
      const value = sanitizeUtf8(e.value);
      map[e.key] = e.key in map ? `${map[e.key]},${value}` : value;
    }
    const started = this.host.startedAt.getTime();
    const source: Record<string, unknown> = { address: { socket_address: { address: conn.remoteAddress, port_value: conn.remotePort } } };
    if (conn.tls?.peerPrincipal) source["principal"] = conn.tls.peerPrincipal;
    if (this.settings.config.include_peer_certificate && conn.tls?.peerCertificatePem) source["certificate"] = encodeURIComponent(conn.tls.peerCertificatePem);
    const service = headers.getString("x-envoy-downstream-service-cluster");
    if (service) source["service"] = service;
    const destination: Record<string, unknown> = { address: { socket_address: { address: conn.localAddress, port_value: conn.localPort } } };
    if (conn.tls?.localPrincipal) destination["principal"] = conn.tls.localPrincipal;
    return {
      attributes: {
        source,
        destination,
        request: {
          time: { seconds: Math.floor(started / 1000), nanos: (started % 1000) * 1e6 },
          http: {
            id: this.host.streamId,
            method: headers.getString(":method") ?? "",
            headers: map,
            path: headers.getString(":path") ?? "",
            host: headers.getString(":authority") ?? "",
            scheme: headers.getString(":scheme") ?? "",
            protocol: "HTTP/1.1",
            // size is 0 for a header-only check; proto3 leaves 0 off the wire.
          },
        },
        context_extensions: contextExtensions,
        metadata_context: {},
        route_metadata_context: {},
        ...(conn.tls?.sni && this.settings.config.include_tls_session ? { tls_session: { sni: conn.tls.sni } } : {}),
      },
    };
  }

  private onComplete(outcome: CheckOutcome): void {
    if (!outcome.ok) {
      if (this.settings.failureModeAllow) {
        if (this.settings.config.failure_mode_allow_header_add) this.headers?.setCopy("x-envoy-auth-failure-mode-allowed", "true");
        this.host.continueDecoding(this.decoderFilter);
        return;
      }
      this.host.sendLocalReply({ status: this.settings.statusOnError, body: Buffer.alloc(0), details: "ext_authz_error" });
      return;
    }
    const response = outcome.response;
    const metadata = response.ok_response?.dynamic_metadata ?? response.dynamic_metadata;
    if (metadata) this.host.mergeDynamicMetadata(DYNAMIC_METADATA_NS, structToJson(metadata));
    if ((response.status?.code ?? 0) !== 0) {
      this.deny(response);
      return;
    }
    const mutated = this.applyOk(response);
    if (mutated && this.settings.config.clear_route_cache) this.host.clearRouteCache();
    this.host.continueDecoding(this.decoderFilter);
  }

  private applyOk(response: WireCheckResponse): boolean {
    const headers = this.headers;
    const ok = response.ok_response;
    if (!headers || !ok) return false;
    let mutated = false;
    for (const option of ok.headers ?? []) {
      const key = (option.header?.key ?? "").toLowerCase();
      if (!key) continue;
      const value = option.header?.value ?? "";
      mutated = true;
      if (option.append?.value === true) {
        // Legacy headers_to_append: only joins onto a header that already exists.
        if (headers.has(key)) headers.appendCopy(key, value);
      } else {
        headers.setCopy(key, value);
      }
    }
    for (const name of ok.headers_to_remove ?? []) {
      const key = name.toLowerCase();
      // Pseudo-headers and host can never be removed.
      if (key === "" || key.startsWith(":") || key === "host") continue;
      headers.remove(key);
      mutated = true;
    }
    if ((ok.query_parameters_to_set?.length ?? 0) > 0 || (ok.query_parameters_to_remove?.length ?? 0) > 0) {
      const url = new URL(headers.getString(":path") ?? "/", "http://placeholder");
      for (const q of ok.query_parameters_to_set ?? []) url.searchParams.set(q.key ?? "", q.value ?? "");
      for (const q of ok.query_parameters_to_remove ?? []) url.searchParams.delete(q);
      headers.setCopy(":path", `${url.pathname}${url.search}`);
      mutated = true;
    }
    this.responseHeadersToAdd = ok.response_headers_to_add ?? [];
    return mutated;
  }

  private deny(response: WireCheckResponse): void {
    const denied = response.denied_response;
    const code = statusCodeValue(denied?.status?.code);
    const options = (denied?.headers ?? []).filter((o) => o.append?.value !== true && o.header?.key);
    this.host.sendLocalReply({
      status: code === undefined || code === 0 ? 403 : code,
      body: Buffer.from(denied?.body ?? "", "utf8"),
      details: "ext_authz_denied",
      modifyHeaders: (headers) => {
        // Same-name headers are replaced as a group, so repeated names (set-cookie) survive.
        for (const key of new Set(options.map((o) => (o.header?.key ?? "").toLowerCase()))) headers.remove(key);
        for (const o of options) headers.addCopy((o.header?.key ?? "").toLowerCase(), o.header?.value ?? "");
      },
    });
  }

  private encodeHeaders(headers: HeaderMap): HeadersStatus {
    for (const option of this.responseHeadersToAdd) {
      const key = (option.header?.key ?? "").toLowerCase();
      if (!key) continue;
      if (option.append?.value === true) headers.addCopy(key, option.header?.value ?? "");
      else headers.setCopy(key, option.header?.value ?? "");
    }
    return "Continue";
  }
}
