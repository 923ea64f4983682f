// The ext_proc HTTP filter, message by message as source/extensions/filters/http/ext_proc/ext_proc.cc
// (Filter::decodeHeaders/onData/onTrailers/encodeHeaders, onReceiveMessage, onGrpcError, onGrpcClose,
// onMessageTimeout, sendImmediateResponse, mergePerRouteConfig) with ProcessorState for each direction.
// Version switches follow the reference: spurious replies fail closed (≥1.35) and mode_override keeps DEFAULT
// header/trailer modes (≥1.34) unless the settings say otherwise.
import type { GrpcServiceConfig } from "../envoy-config/schema.js";
import { mergeExtProcPerRoute } from "./ext-proc-per-route.js";
import type { DataFrame, DataStatus, HeadersStatus, StreamFilter, TrailersStatus } from "./filter-chain.js";
import type { HeaderMap } from "./header-map.js";
import { applyHeaderMutations, headersToProto, isValidHttpStatus, type MutationOptions } from "./header-mutation.js";
import type { ExtProcHost, ExtProcSettings, ExtProcStream } from "./ext-proc-types.js";
import { ProcessorState, type CallbackState, type HandleResult } from "./processor-state.js";
import { statusCodeValue } from "./status-code.js";
import { jsonToStruct, structToJson } from "./struct.js";
import type { OutgoingHeaderMap, OutgoingProcessingRequest, WireCommonResponse, WireDuration, WireImmediateResponse, WireProcessingMode, WireProcessingResponse } from "./wire-types.js";

const GRPC_OK = 0;
const ALL_DISABLED: WireProcessingMode = { request_header_mode: "SKIP", response_header_mode: "SKIP" };

export class ExtProcFilter {
  readonly decoderFilter: StreamFilter;
  readonly encoderFilter: StreamFilter;
  readonly decoding: ProcessorState;
  readonly encoding: ProcessorState;
  private stream: ExtProcStream | null = null;
  private processingComplete = false;
  private routeConfigMerged = false;
  private grpcService: GrpcServiceConfig;

  constructor(
    private readonly settings: ExtProcSettings,
    private readonly host: ExtProcHost,
  ) {
    this.grpcService = settings.grpcService;
    this.decoderFilter = {
      headers: (h, eos) => this.decodeHeaders(h, eos),
      data: (f, eos) => this.onData(this.decoding, f, eos),
      trailers: (t) => this.onTrailers(this.decoding, t),
    };
    this.encoderFilter = {
      headers: (h, eos) => this.encodeHeaders(h, eos),
      data: (f, eos) => (this.skipLocalReply() ? "Continue" : this.onData(this.encoding, f, eos)),
      trailers: (t) => (this.skipLocalReply() ? "Continue" : this.onTrailers(this.encoding, t)),
    };
    this.decoding = new ProcessorState("request", this, () => host.decoder(), this.decoderFilter);
    this.encoding = new ProcessorState("response", this, () => host.encoder(), this.encoderFilter);
    this.decoding.setProcessingMode(settings.processingMode);
    this.encoding.setProcessingMode(settings.processingMode);
  }

  get bufferLimit(): number {
    return this.settings.bufferLimit;
  }

  mutationOptions(): Omit<MutationOptions, "replacingMessage" | "removeContentLength"> {
    return { checker: this.settings.checker, limits: this.settings.headerLimits };
  }

  countRejected(count: number): void {
    if (count > 0) this.host.record({ type: "rejected_mutations", count });
  }

  // ---- stream lifecycle ----

  private openStream(): "Ok" | "IgnoreError" {
    if (this.processingComplete) return "IgnoreError";
    this.stream ??= this.host.openExtProcStream(this.grpcService, {
      onReceiveMessage: (m) => this.onReceiveMessage(m),
      onStatus: (code, details) => {
        this.host.record({ type: "stream_status", code, details });
        if (code === GRPC_OK) this.onGrpcClose();
        else this.onGrpcError(code);
      },
    });
    return "Ok";
  }

  private closeStream(): void {
    if (!this.stream) return;
    this.stream.close();
    this.stream = null;
    this.host.record({ type: "closed" });
  }

  /** Filter::onDestroy: the HTTP stream is over. */
  onDestroy(): void {
    this.processingComplete = true;
    this.decoding.stopMessageTimer();
    this.encoding.stopMessageTimer();
    this.closeStream();
  }

  private send(message: OutgoingProcessingRequest): void {
    this.host.record({ type: "sent", message });
    this.stream?.send(message);
  }

  private metadataContext(): OutgoingProcessingRequest["metadata_context"] {
    const filterMetadata: Record<string, unknown> = {};
    for (const ns of this.settings.forwardingNamespaces) {
      const values = this.host.dynamicMetadata(ns);
      if (values) filterMetadata[ns] = jsonToStruct(values);
    }
    return { filter_metadata: filterMetadata };
  }

  private headersProto(headers: HeaderMap): OutgoingHeaderMap {
    return headersToProto(headers, { allowed: this.settings.forwardAllowed, disallowed: this.settings.forwardDisallowed });
  }

  // ---- decoding / encoding callbacks ----

  private onHeaders(state: ProcessorState, headers: HeaderMap, endStream: boolean): HeadersStatus {
    if (this.openStream() === "IgnoreError") return "Continue";
    state.headers = headers;
    state.noBody = endStream;
    const message: OutgoingProcessingRequest = { metadata_context: this.metadataContext() };
    message[state.phase.headers] = { headers: this.headersProto(headers), ...(endStream ? { end_of_stream: true as const } : {}) };
    state.onStartProcessorCall(this.settings.messageTimeoutMs, "HeadersCallback");
    this.send(message);
    state.paused = true;
    return "StopIteration";
  }

  private decodeHeaders(headers: HeaderMap, endStream: boolean): HeadersStatus {
    this.mergePerRouteConfig();
    if (endStream) this.decoding.completeBodyAvailable = true;
    let status: HeadersStatus = "Continue";
    if (this.decoding.sendHeaders) status = this.onHeaders(this.decoding, headers, endStream);
    if (!this.processingComplete && this.decoding.shouldRemoveContentLength()) headers.remove("content-length");
    return status;
  }

  private skipLocalReply(): boolean {
    return this.host.encodingLocalReply() && !this.settings.processLocalReplies;
  }

  private encodeHeaders(headers: HeaderMap, endStream: boolean): HeadersStatus {
    if (this.skipLocalReply()) return "Continue";
    this.mergePerRouteConfig();
    if (endStream) this.encoding.completeBodyAvailable = true;
    let status: HeadersStatus = "Continue";
    if (!this.processingComplete && this.encoding.sendHeaders) status = this.onHeaders(this.encoding, headers, endStream);
    if (!this.processingComplete && this.encoding.shouldRemoveContentLength()) headers.remove("content-length");
    return status;
  }

  private onData(state: ProcessorState, frame: DataFrame, endStream: boolean): DataStatus {
    if (endStream) state.completeBodyAvailable = true;
    if (state.bodyReplaced) {
      frame.bytes = Buffer.alloc(0);
      return "Continue";
    }
    if (this.processingComplete) return "Continue";
    if (state.callbackState === "HeadersCallback") {
      // The body mode is unknown until the headers reply (mode_override), so hold everything.
      state.paused = true;
      return "StopIterationAndWatermark";
    }
    switch (state.bodyMode) {
      case "BUFFERED":
        if (endStream) {
          if (this.openStream() === "IgnoreError") return "Continue";
          state.addBufferedData(frame.bytes);
          frame.bytes = Buffer.alloc(0);
          // Over the buffer limit the filter manager already answered 413/500; the processor never sees it.
          if (this.processingComplete) return "StopIterationNoBuffer";
          this.sendBodyChunk(state, "BufferedBodyCallback", state.bufferedData() ?? Buffer.alloc(0), true);
          state.paused = true;
          return "StopIterationNoBuffer";
        }
        state.paused = true;
        return "StopIterationAndBuffer";
      case "STREAMED": {
        if (this.openStream() === "IgnoreError") return "Continue";
        const chunk = frame.bytes;
        frame.bytes = Buffer.alloc(0);
        this.sendBodyChunk(state, "StreamedBodyCallback", chunk, endStream, () => state.enqueueChunk(chunk, endStream));
        if (endStream) {
          state.paused = true;
          return "StopIterationNoBuffer";
        }
        return "Continue";
      }
      case "BUFFERED_PARTIAL":
        if (state.partialBodyProcessed) {
          state.headers = null;
          return "Continue";
        }
        state.enqueueChunk(frame.bytes, endStream);
        frame.bytes = Buffer.alloc(0);
        if (state.callbackState !== "BufferedPartialBodyCallback" && (endStream || state.queuedBytes > this.settings.bufferLimit)) {
          if (this.openStream() === "IgnoreError") return "Continue";
          const all = state.consolidateChunks();
          this.sendBodyChunk(state, "BufferedPartialBodyCallback", all.bytes, all.endStream);
        }
        state.paused = true;
        return "StopIterationNoBuffer";
      default:
        return "Continue";
    }
  }

  private onTrailers(state: ProcessorState, trailers: HeaderMap): TrailersStatus {
    if (this.processingComplete) return "Continue";
    const bodyDelivered = state.completeBodyAvailable;
    state.completeBodyAvailable = true;
    state.trailersAvailable = true;
    state.trailers = trailers;
    if (state.callbackState !== "Idle") {
      state.paused = true;
      return "StopIteration";
    }
    const buffered = state.bufferedData();
    if (!bodyDelivered && ((buffered !== null && state.bodyMode === "BUFFERED") || (!state.queueEmpty() && state.bodyMode === "BUFFERED_PARTIAL"))) {
      if (this.openStream() === "IgnoreError") return "Continue";
      if (state.bodyMode === "BUFFERED") this.sendBodyChunk(state, "BufferedBodyCallback", buffered ?? Buffer.alloc(0), false);
      else this.sendBodyChunk(state, "BufferedPartialBodyCallback", state.consolidateChunks().bytes, false);
      state.paused = true;
      return "StopIteration";
    }
    if (!state.sendTrailers) return "Continue";
    if (this.openStream() === "IgnoreError") return "Continue";
    this.sendTrailers(state, trailers);
    state.paused = true;
    return "StopIteration";
  }

  sendBodyChunk(state: ProcessorState, next: CallbackState, body: Buffer, endStream: boolean, beforeSend?: () => void): void {
    const message: OutgoingProcessingRequest = { metadata_context: this.metadataContext() };
    message[state.phase.body] = { ...(body.length > 0 ? { body: Buffer.from(body) } : {}), ...(endStream ? { end_of_stream: true as const } : {}) };
    state.onStartProcessorCall(this.settings.messageTimeoutMs, next);
    beforeSend?.();
    this.send(message);
  }

  sendTrailers(state: ProcessorState, trailers: HeaderMap): void {
    const message: OutgoingProcessingRequest = { metadata_context: this.metadataContext() };
    message[state.phase.trailers] = { trailers: this.headersProto(trailers) };
    state.onStartProcessorCall(this.settings.messageTimeoutMs, "TrailersCallback");
    this.send(message);
  }

  // ---- replies ----

  private inHeaderProcessState(): boolean {
    return this.decoding.callbackState === "HeadersCallback" || this.encoding.callbackState === "HeadersCallback";
  }

  /** ≥1.34: DEFAULT header/trailer modes keep the filter's configured modes; body modes come from the override. */
  private effectiveOverride(o: WireProcessingMode): WireProcessingMode {
    if (!this.settings.modeOverrideKeepsDefaults) return o;
    const base = this.settings.processingMode;
    const keep = (v: WireProcessingMode["request_header_mode"], configured: WireProcessingMode["request_header_mode"]) =>
      v === undefined || v === "DEFAULT" ? configured : v;
    return {
      request_header_mode: keep(o.request_header_mode, base.request_header_mode),
      response_header_mode: keep(o.response_header_mode, base.response_header_mode),
      request_trailer_mode: keep(o.request_trailer_mode, base.request_trailer_mode),
      response_trailer_mode: keep(o.response_trailer_mode, base.response_trailer_mode),
      ...(o.request_body_mode ? { request_body_mode: o.request_body_mode } : {}),
      ...(o.response_body_mode ? { response_body_mode: o.response_body_mode } : {}),
    };
  }

  private onReceiveMessage(response: WireProcessingResponse): void {
    if (this.processingComplete) {
      this.host.record({ type: "received", message: response, ignored: "processing complete" });
      return;
    }
    this.host.record({ type: "received", message: response });
    if (response.override_message_timeout !== undefined) {
      this.onNewTimeout(response.override_message_timeout);
      return;
    }
    if (this.settings.allowModeOverride && this.inHeaderProcessState() && response.mode_override) {
      const mode = this.effectiveOverride(response.mode_override);
      this.decoding.setProcessingMode(mode);
      this.encoding.setProcessingMode(mode);
    }
    const result = this.dispatch(response);
    if (result.ok) return;
    if (result.spurious) {
      this.host.record({ type: "spurious", message: result.message });
      if (this.settings.failureModeAllow || !this.settings.failClosedOnSpurious) {
        this.closeStream();
        this.clearAsyncState();
        this.processingComplete = true;
        return;
      }
    }
    this.failWithError(500, result.message);
  }

  private dispatch(response: WireProcessingResponse): HandleResult {
    switch (response.response) {
      case "request_headers":
        this.setDynamicMetadata(response);
        return this.decoding.handleHeadersResponse(response.request_headers?.response);
      case "response_headers":
        this.setDynamicMetadata(response);
        return this.encoding.handleHeadersResponse(response.response_headers?.response);
      case "request_body":
        this.setDynamicMetadata(response);
        return this.decoding.handleBodyResponse(response.request_body?.response);
      case "response_body":
        this.setDynamicMetadata(response);
        return this.encoding.handleBodyResponse(response.response_body?.response);
      case "request_trailers":
        this.setDynamicMetadata(response);
        return this.decoding.handleTrailersResponse(response.request_trailers?.header_mutation);
      case "response_trailers":
        this.setDynamicMetadata(response);
        return this.encoding.handleTrailersResponse(response.response_trailers?.header_mutation);
      case "immediate_response":
        if (this.settings.disableImmediateResponse) {
          return { ok: false, spurious: true, message: "unhandled immediate response due to config disabled it" };
        }
        this.setDynamicMetadata(response);
        this.processingComplete = true;
        this.onFinishProcessorCalls();
        this.closeStream();
        this.sendImmediateResponse(response.immediate_response ?? {});
        return { ok: true };
      default:
        return { ok: false, spurious: true, message: "unhandled message" };
    }
  }

  private onNewTimeout(duration: WireDuration): void {
    const ms = Number(duration.seconds ?? 0) * 1000 + (duration.nanos ?? 0) / 1e6;
    if (!(ms >= 1 && ms <= this.settings.maxMessageTimeoutMs)) return;
    if (!this.decoding.restartMessageTimer(ms)) this.encoding.restartMessageTimer(ms);
  }

  private setDynamicMetadata(response: WireProcessingResponse): void {
    if (this.settings.receivingNamespaces.length === 0 || !response.dynamic_metadata) return;
    for (const [ns, value] of Object.entries(structToJson(response.dynamic_metadata))) {
      if (!this.settings.receivingNamespaces.includes(ns)) continue;
      // Only a Struct value is taken (Value::struct_value() of anything else is empty).
      const struct = typeof value === "object" && value !== null && !Array.isArray(value) ? (value as Record<string, unknown>) : {};
      this.host.mergeDynamicMetadata(ns, struct);
    }
  }

  /** Decoding-direction replies may clear the route cache, and only together with a header mutation. */
  clearRouteCacheFor(state: ProcessorState, common: WireCommonResponse | undefined): void {
    if (state.direction !== "request") return;
    if (common?.header_mutation === undefined) return;
    const action = this.settings.routeCacheAction;
    if (action === "CLEAR" || (action === "DEFAULT" && common.clear_route_cache === true)) this.host.clearRouteCache();
  }

  private onFinishProcessorCalls(): void {
    this.decoding.onFinishProcessorCall();
    this.encoding.onFinishProcessorCall();
  }

  private clearAsyncState(): void {
    this.decoding.clearAsyncState();
    this.encoding.clearAsyncState();
  }

  private onGrpcError(code: number): void {
    if (this.processingComplete) return;
    if (this.settings.failureModeAllow) {
      this.onGrpcClose();
      return;
    }
    this.failWithError(500, `ext_proc_error_gRPC_error_${code}`);
  }

  private onGrpcClose(): void {
    this.processingComplete = true;
    this.closeStream();
    this.clearAsyncState();
  }

  onMessageTimeout(): void {
    this.host.record({ type: "timeout", direction: this.decoding.callbackState !== "Idle" ? "request" : "response" });
    if (this.settings.failureModeAllow) {
      this.processingComplete = true;
      this.closeStream();
      this.clearAsyncState();
      return;
    }
    this.failWithError(504, "ext_proc_error_per-message_timeout_exceeded");
  }

  private failWithError(status: number, details: string): void {
    this.processingComplete = true;
    this.onFinishProcessorCalls();
    this.closeStream();
    this.sendImmediateResponse({ status: { code: status }, details });
  }

  private sendImmediateResponse(response: WireImmediateResponse): void {
    let status = statusCodeValue(response.status?.code) ?? 200;
    if (!isValidHttpStatus(status)) status = 200;
    const mutation = response.headers;
    this.host.sendLocalReply({
      status,
      body: response.body ?? Buffer.alloc(0),
      details: (response.details ?? "").replace(/\s/g, "_"),
      ...(response.grpc_status ? { grpcStatus: response.grpc_status.status ?? 0 } : {}),
      // ≥1.31 (immediate_response_use_filter_mutation_rule): checked against the filter's mutation_rules;
      // failures are only logged.
      modifyHeaders: (headers) => {
        if (mutation) applyHeaderMutations(mutation, headers, { ...this.mutationOptions(), replacingMessage: false, removeContentLength: false });
      },
    });
  }

  /** Filter::mergePerRouteConfig: once per stream, from the route cached when the filter first runs. */
  private mergePerRouteConfig(): void {
    if (this.routeConfigMerged) return;
    this.routeConfigMerged = true;
    const merged = mergeExtProcPerRoute(this.host.perFilterConfigs(this.settings.filterName), this.grpcService);
    if (!merged) return;
    if (merged.disabled) {
      // Rather than another flag, Envoy disables the filter with an all-SKIP processing mode.
      this.decoding.setProcessingMode(ALL_DISABLED);
      this.encoding.setProcessingMode(ALL_DISABLED);
      return;
    }
    if (merged.mode) {
      this.decoding.setProcessingMode(merged.mode);
      this.encoding.setProcessingMode(merged.mode);
    }
    this.grpcService = merged.grpcService;
  }
}
