// What the ext_proc filter needs from the HTTP stream it runs in and from the gRPC side, and its effective
// settings (filter config + per-test overrides). Kept apart so the filter file holds only the state machine.
import type { GrpcServiceConfig, StringMatcher } from "../envoy-config/schema.js";
import type { FilterChain } from "./filter-chain.js";
import type { HeaderMap } from "./header-map.js";
import type { HeaderLimits } from "./header-mutation.js";
import type { MutationChecker } from "./mutation-rules.js";
import type { OutgoingProcessingRequest, WireProcessingMode, WireProcessingResponse } from "./wire-types.js";

export interface ExtProcSettings {
  filterName: string;
  grpcService: GrpcServiceConfig;
  processingMode: WireProcessingMode;
  failureModeAllow: boolean;
  messageTimeoutMs: number;
  maxMessageTimeoutMs: number;
  allowModeOverride: boolean;
  disableImmediateResponse: boolean;
  routeCacheAction: "DEFAULT" | "CLEAR" | "RETAIN";
  checker: MutationChecker;
  forwardAllowed: StringMatcher[];
  forwardDisallowed: StringMatcher[];
  forwardingNamespaces: string[];
  receivingNamespaces: string[];
  bufferLimit: number;
  headerLimits: HeaderLimits;
  /** ≥1.35 (ext_proc_fail_close_spurious_resp): a spurious reply is a 500 unless failure_mode_allow. */
  failClosedOnSpurious: boolean;
  /** ≥1.34: a mode_override's DEFAULT header/trailer modes keep the filter's configured ones. */
  modeOverrideKeepsDefaults: boolean;
  /** ≤1.33 sent Envoy-generated local replies (router 503s, ext_authz denials) to the processor. */
  processLocalReplies: boolean;
}

/** The gRPC Process stream as the filter sees it (Envoy's ExternalProcessorStream). */
export interface ExtProcStream {
  send(message: OutgoingProcessingRequest): void;
  /** Half-close then reset, as Envoy closes the stream when processing ends (server observes CANCELLED). */
  close(): void;
}

export interface ExtProcStreamCallbacks {
  onReceiveMessage(message: WireProcessingResponse): void;
  /** The server ended the call: OK means "no more processing", anything else is an error. */
  onStatus(code: number, details: string): void;
}

export interface LocalReply {
  status: number;
  body: Buffer;
  details: string;
  /** Adjusts the local reply's headers before it is sent (ImmediateResponse headers). */
  modifyHeaders?: (headers: HeaderMap) => void;
  grpcStatus?: number;
}

/** The HTTP stream (Envoy's StreamDecoderFilterCallbacks + StreamInfo) from the filter's point of view. */
export interface ExtProcHost {
  decoder(): FilterChain;
  encoder(): FilterChain;
  /** Typed per-filter configs for this filter name on the current route, least specific first. */
  perFilterConfigs(filterName: string): unknown[];
  openExtProcStream(service: GrpcServiceConfig, callbacks: ExtProcStreamCallbacks): ExtProcStream;
  sendLocalReply(reply: LocalReply): void;
  clearRouteCache(): void;
  dynamicMetadata(namespace: string): Record<string, unknown> | undefined;
  mergeDynamicMetadata(namespace: string, values: Record<string, unknown>): void;
  /** True while the response being encoded is a local reply (≥1.34 skips ext_proc for those). */
  encodingLocalReply(): boolean;
  record(event: ExtProcEvent): void;
}

export type ExtProcEvent =
  | { type: "sent"; message: OutgoingProcessingRequest }
  | { type: "received"; message: WireProcessingResponse; ignored?: string }
  | { type: "stream_status"; code: number; details: string }
  | { type: "timeout"; direction: "request" | "response" }
  | { type: "spurious"; message: string }
  | { type: "rejected_mutations"; count: number }
  | { type: "closed" };
