// One direction (request = decoding, response = encoding) of the ext_proc filter: what was sent, what reply is
// awaited, the streamed-chunk FIFO and the per-message timer. Mirrors
// source/extensions/filters/http/ext_proc/processor_state.{h,cc} (ProcessorState::handleHeadersResponse,
// handleBodyResponse, handleTrailersResponse, ChunkQueue, shouldRemoveContentLength, setProcessingMode).
import type { FilterChain, StreamFilter } from "./filter-chain.js";
import type { HeaderMap } from "./header-map.js";
import { applyBodyMutation, applyHeaderMutations, type MutationOutcome } from "./header-mutation.js";
import type { ExtProcFilter } from "./ext-proc-filter.js";
import type { BodySendMode, WireCommonResponse, WireHeaderMutation, WireProcessingMode } from "./wire-types.js";

export type CallbackState =
  | "Idle"
  | "HeadersCallback"
  | "BufferedBodyCallback"
  | "StreamedBodyCallback"
  | "BufferedPartialBodyCallback"
  | "TrailersCallback";

/** absl::Status as the handlers return it: FailedPrecondition marks a spurious reply, anything else is an error. */
export type HandleResult = { ok: true } | { ok: false; spurious: boolean; message: string };
const OK: HandleResult = { ok: true };
const spurious = (message = "spurious message"): HandleResult => ({ ok: false, spurious: true, message });

interface QueuedChunk {
  length: number;
  endStream: boolean;
}

export class ProcessorState {
  callbackState: CallbackState = "Idle";
  sendHeaders = true;
  sendTrailers = false;
  bodyMode: BodySendMode = "NONE";
  /** Held headers while a reply may still mutate them (processor_state.h headers_). */
  headers: HeaderMap | null = null;
  trailers: HeaderMap | null = null;
  noBody = false;
  completeBodyAvailable = false;
  trailersAvailable = false;
  paused = false;
  bodyReplaced = false;
  partialBodyProcessed = false;
  private chunks: QueuedChunk[] = [];
  private chunkData: Buffer = Buffer.alloc(0);
  private timer: NodeJS.Timeout | null = null;
  private newTimeoutReceived = false;

  constructor(
    readonly direction: "request" | "response",
    private readonly filter: ExtProcFilter,
    private readonly chain: () => FilterChain,
    private readonly self: StreamFilter,
  ) {}

  get phase(): { headers: "request_headers" | "response_headers"; body: "request_body" | "response_body"; trailers: "request_trailers" | "response_trailers" } {
    return this.direction === "request"
      ? { headers: "request_headers", body: "request_body", trailers: "request_trailers" }
      : { headers: "response_headers", body: "response_body", trailers: "response_trailers" };
  }

  /** Decoding/EncodingProcessorState::setProcessingModeInternal: DEFAULT headers = SEND, DEFAULT trailers = SKIP. */
  setProcessingMode(mode: WireProcessingMode): void {
    const request = this.direction === "request";
    this.sendHeaders = (request ? mode.request_header_mode : mode.response_header_mode) !== "SKIP";
    this.sendTrailers = (request ? mode.request_trailer_mode : mode.response_trailer_mode) === "SEND";
    this.bodyMode = (request ? mode.request_body_mode : mode.response_body_mode) ?? "NONE";
  }

  /** Streamed and partial modes (and BUFFERED without a headers message) cannot keep content-length honest. */
  shouldRemoveContentLength(): boolean {
    return this.bodyMode === "STREAMED" || this.bodyMode === "BUFFERED_PARTIAL" || (this.bodyMode === "BUFFERED" && !this.sendHeaders);
  }

  // ---- timer (ProcessorState::onStartProcessorCall / onFinishProcessorCall / restartMessageTimer) ----

  onStartProcessorCall(timeoutMs: number, state: CallbackState): void {
    this.callbackState = state;
    this.stopMessageTimer();
    this.timer = setTimeout(() => this.filter.onMessageTimeout(), timeoutMs);
    this.newTimeoutReceived = false;
  }

  onFinishProcessorCall(next: CallbackState = "Idle"): void {
    this.stopMessageTimer();
    this.callbackState = next;
    this.newTimeoutReceived = false;
  }

  stopMessageTimer(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
  }

  restartMessageTimer(timeoutMs: number): boolean {
    if (this.timer === null || this.newTimeoutReceived) return false;
    this.stopMessageTimer();
    this.timer = setTimeout(() => this.filter.onMessageTimeout(), timeoutMs);
    this.newTimeoutReceived = true;
    return true;
  }

  // ---- filter-manager access ----

  bufferedData(): Buffer | null {
    return this.chain().bufferedData(this.self);
  }

  addBufferedData(bytes: Buffer): void {
    this.chain().addBufferedData(this.self, bytes);
  }

  modifyBufferedData(change: (current: Buffer) => Buffer): void {
    this.chain().setBufferedData(this.self, change(this.bufferedData() ?? Buffer.alloc(0)));
  }

  injectData(bytes: Buffer, endStream: boolean): void {
    this.chain().injectData(this.self, bytes, endStream);
  }

  continueIfNecessary(): void {
    if (!this.paused) return;
    this.paused = false;
    this.chain().continueFrom(this.self);
  }

  // ---- chunk queue (ChunkQueue) ----

  get queuedBytes(): number {
    return this.chunkData.length;
  }

  queueEmpty(): boolean {
    return this.chunks.length === 0;
  }

  enqueueChunk(bytes: Buffer, endStream: boolean): void {
    this.chunks.push({ length: bytes.length, endStream });
    this.chunkData = Buffer.concat([this.chunkData, bytes]);
  }

  dequeueChunk(): { bytes: Buffer; endStream: boolean } | undefined {
    const chunk = this.chunks.shift();
    if (!chunk) return undefined;
    const bytes = this.chunkData.subarray(0, chunk.length);
    this.chunkData = this.chunkData.subarray(chunk.length);
    return { bytes, endStream: chunk.endStream };
  }

  /** ChunkQueue::consolidate: all queued chunks become one; returns its end_stream and the bytes. */
  consolidateChunks(): { bytes: Buffer; endStream: boolean } {
    const endStream = this.chunks.at(-1)?.endStream ?? false;
    this.chunks = [{ length: this.chunkData.length, endStream }];
    return { bytes: this.chunkData, endStream };
  }

  clearChunks(): void {
    this.chunks = [];
    this.chunkData = Buffer.alloc(0);
  }

  // ---- replies ----

  private applyHeaderMutation(mutation: WireHeaderMutation, replacing: boolean): MutationOutcome {
    if (!this.headers) return { ok: true, rejected: 0 };
    return applyHeaderMutations(mutation, this.headers, { ...this.filter.mutationOptions(), replacingMessage: replacing, removeContentLength: this.shouldRemoveContentLength() });
  }

  /** Sends what was held while the headers reply was outstanding (ProcessorState::sendBufferedDataInStreamedMode). */
  private sendBufferedDataInStreamedMode(endStream: boolean): void {
    const buffered = this.bufferedData();
    if (buffered && buffered.length > 0) {
      this.chain().setBufferedData(this.self, Buffer.alloc(0));
      this.filter.sendBodyChunk(this, "StreamedBodyCallback", buffered, endStream, () => this.enqueueChunk(buffered, endStream));
    }
    this.continueIfNecessary();
  }

  handleHeadersResponse(common: WireCommonResponse | undefined): HandleResult {
    if (this.callbackState !== "HeadersCallback") return spurious();
    const replace = common?.status === "CONTINUE_AND_REPLACE" || common?.status === 1;
    if (common?.header_mutation) {
      const outcome = this.applyHeaderMutation(common.header_mutation, replace);
      if (!outcome.ok) return { ok: false, spurious: false, message: outcome.error };
      this.filter.countRejected(outcome.rejected);
    }
    this.filter.clearRouteCacheFor(this, common);
    this.onFinishProcessorCall();
    if (replace) {
      // CONTINUE_AND_REPLACE: the body (if any) is replaced now and nothing more of this direction is sent.
      if (common?.body_mutation) {
        this.headers?.remove("content-length");
        this.bodyReplaced = true;
        const replaced = applyBodyMutation(common.body_mutation, this.bufferedData() ?? Buffer.alloc(0));
        if (this.bufferedData() === null) this.addBufferedData(replaced);
        else this.chain().setBufferedData(this.self, replaced);
      }
      this.clearChunks();
      this.bodyMode = "NONE";
      this.sendTrailers = false;
    } else if (this.noBody) {
      // There never was a body: fall through to continue.
    } else if (this.completeBodyAvailable && this.bodyMode !== "NONE") {
      // The whole body arrived during the headers wait: one message, whatever the body mode.
      const buffered = this.bufferedData();
      if (buffered !== null) {
        this.filter.sendBodyChunk(this, "BufferedBodyCallback", buffered, !this.trailersAvailable);
        return OK;
      }
    } else if (this.bodyMode === "BUFFERED") {
      return OK;
    } else if (this.bodyMode === "STREAMED") {
      this.sendBufferedDataInStreamedMode(false);
      return OK;
    } else if (this.bodyMode === "BUFFERED_PARTIAL") {
      const buffered = this.bufferedData();
      if (buffered && buffered.length > 0) {
        this.chain().setBufferedData(this.self, Buffer.alloc(0));
        this.enqueueChunk(buffered, false);
      }
      if (this.queuedBytes > this.filter.bufferLimit) {
        this.consolidateChunks();
        this.filter.sendBodyChunk(this, "BufferedPartialBodyCallback", this.chunkData, false);
      }
      return OK;
    }
    if (!replace && this.sendTrailers && this.trailersAvailable && this.trailers) {
      this.filter.sendTrailers(this, this.trailers);
      return OK;
    }
    this.headers = null;
    this.continueIfNecessary();
    return OK;
  }

  handleBodyResponse(common: WireCommonResponse | undefined): HandleResult {
    let shouldContinue = false;
    if (this.callbackState === "BufferedBodyCallback") {
      if (common?.header_mutation && this.headers) {
        const outcome = this.applyHeaderMutation(common.header_mutation, false);
        if (!outcome.ok) return { ok: false, spurious: false, message: outcome.error };
        this.filter.countRejected(outcome.rejected);
      }
      if (common?.body_mutation) {
        const contentLength = this.headers?.getString("content-length");
        const mutatedLength = common.body_mutation.body?.length ?? 0;
        if (contentLength !== undefined && /^\d+$/.test(contentLength) && Number(contentLength) !== mutatedLength) {
          return { ok: false, spurious: false, message: "mismatch between content length and the length of the mutated body" };
        }
        this.modifyBufferedData((data) => applyBodyMutation(common.body_mutation, data));
      }
      this.onFinishProcessorCall();
      shouldContinue = true;
    } else if (this.callbackState === "StreamedBodyCallback") {
      // Header mutations are ignored here: the headers already went on.
      const chunk = this.dequeueChunk();
      if (!chunk) return spurious();
      const data = applyBodyMutation(common?.body_mutation, chunk.bytes);
      shouldContinue = chunk.endStream;
      // A chunk replaced by nothing is simply not forwarded.
      if (data.length > 0) this.injectData(data, chunk.endStream);
      this.onFinishProcessorCall(this.queueEmpty() ? "Idle" : "StreamedBodyCallback");
    } else if (this.callbackState === "BufferedPartialBodyCallback") {
      const chunk = this.dequeueChunk();
      if (!chunk) return spurious();
      if (common?.header_mutation && this.headers) {
        const outcome = this.applyHeaderMutation(common.header_mutation, false);
        if (!outcome.ok) return { ok: false, spurious: false, message: outcome.error };
        this.filter.countRejected(outcome.rejected);
      }
      const data = applyBodyMutation(common?.body_mutation, chunk.bytes);
      if (data.length > 0) this.injectData(data, chunk.endStream);
      shouldContinue = true;
      this.onFinishProcessorCall();
      this.partialBodyProcessed = true;
      if (this.queuedBytes > 0) {
        const rest = this.consolidateChunks();
        this.clearChunks();
        this.injectData(rest.bytes, rest.endStream);
      }
    } else {
      return spurious();
    }
    this.filter.clearRouteCacheFor(this, common);
    this.headers = null;
    if (this.sendTrailers && this.trailersAvailable && this.queueEmpty() && this.trailers) {
      this.filter.sendTrailers(this, this.trailers);
      return OK;
    }
    if (shouldContinue) this.continueIfNecessary();
    return OK;
  }

  handleTrailersResponse(mutation: WireHeaderMutation | undefined): HandleResult {
    if (this.callbackState !== "TrailersCallback") return spurious();
    if (mutation && this.trailers) {
      const outcome = applyHeaderMutations(mutation, this.trailers, { ...this.filter.mutationOptions(), replacingMessage: false, removeContentLength: false });
      if (!outcome.ok) return { ok: false, spurious: false, message: outcome.error };
      this.filter.countRejected(outcome.rejected);
    }
    this.trailers = null;
    this.onFinishProcessorCall();
    this.continueIfNecessary();
    return OK;
  }

  /** ProcessorState::clearAsyncState: give up on the processor, flush what is queued, resume. */
  clearAsyncState(): void {
    this.onFinishProcessorCall();
    if (this.queuedBytes > 0) {
      const rest = this.consolidateChunks();
      this.clearChunks();
      this.injectData(rest.bytes, rest.endStream);
    }
    this.continueIfNecessary();
  }
}
