// A small model of Envoy's HTTP filter manager (source/common/http/filter_manager.cc) for one direction: filters
// are called in order; a filter that stops iteration holds the frames behind it; StopIterationAndBuffer /
// StopIterationAndWatermark / StopAll move data into that filter's buffer; continueX() (commonContinue) resumes
// with headers, then the buffered data, then trailers; injectXDataToFilterChain() hands data to the next filter.
// Flow control (watermarks) is not modelled; the buffer limit is, as the 413/500 "too large" local replies.
import type { HeaderMap } from "./header-map.js";

export type HeadersStatus = "Continue" | "StopIteration" | "StopAllIterationAndWatermark";
export type DataStatus = "Continue" | "StopIterationAndBuffer" | "StopIterationAndWatermark" | "StopIterationNoBuffer";
export type TrailersStatus = "Continue" | "StopIteration";

/** Envoy passes data as a mutable buffer that filters may drain; `bytes` is that buffer. */
export interface DataFrame {
  bytes: Buffer;
}

export interface StreamFilter {
  headers(headers: HeaderMap, endStream: boolean): HeadersStatus;
  data(frame: DataFrame, endStream: boolean): DataStatus;
  trailers(trailers: HeaderMap): TrailersStatus;
}

/** Where frames go after the last filter (the codec, for the encoder chain). */
export interface FrameSink {
  headers(headers: HeaderMap, endStream: boolean): void;
  data(bytes: Buffer, endStream: boolean): void;
  trailers(trailers: HeaderMap): void;
}

interface FilterSlot {
  filter: StreamFilter;
  headersContinued: boolean;
  stopped: "no" | "single" | "all";
  buffered: Buffer | null;
  /** True once this filter saw end of stream (data or trailers); later data is not for it. */
  endStream: boolean;
}

export class FilterChain {
  private readonly slots: FilterSlot[] = [];
  private headerMap: HeaderMap | null = null;
  private trailerMap: HeaderMap | null = null;
  /** The source (codec or upstream) delivered end of stream. */
  private complete = false;
  private sinkEnded = false;
  /** Set after a local reply or reset: nothing more is iterated. */
  aborted = false;

  constructor(
    filters: readonly StreamFilter[],
    private readonly sink: FrameSink,
    private readonly bufferLimit: number,
    private readonly onTooLarge: () => void,
  ) {
    for (const filter of filters) this.slots.push({ filter, headersContinued: false, stopped: "no", buffered: null, endStream: false });
  }

  indexOf(filter: StreamFilter): number {
    const i = this.slots.findIndex((s) => s.filter === filter);
    if (i === -1) throw new Error("filter is not in this chain");
    return i;
  }

  get headers(): HeaderMap | null {
    return this.headerMap;
  }

  get observedEndStream(): boolean {
    return this.complete;
  }

  get hasTrailers(): boolean {
    return this.trailerMap !== null;
  }

  // ---- frames from the source ----

  sourceHeaders(headers: HeaderMap, endStream: boolean): void {
    this.headerMap = headers;
    this.complete = endStream;
    this.doHeaders(0, endStream);
  }

  sourceData(bytes: Buffer, endStream: boolean): void {
    if (endStream) this.complete = true;
    this.doData(0, bytes, endStream);
  }

  sourceTrailers(trailers: HeaderMap): void {
    this.trailerMap = trailers;
    this.complete = true;
    this.doTrailers(0);
  }

  // ---- callbacks filters use (StreamDecoderFilterCallbacks / StreamEncoderFilterCallbacks) ----

  bufferedData(filter: StreamFilter): Buffer | null {
    return this.slots[this.indexOf(filter)]?.buffered ?? null;
  }

  /** addDecodedData/addEncodedData: grows the filter's buffer; over the limit is "payload too large". */
  addBufferedData(filter: StreamFilter, bytes: Buffer): void {
    const slot = this.slot(this.indexOf(filter));
    slot.buffered = slot.buffered ? Buffer.concat([slot.buffered, bytes]) : Buffer.from(bytes);
    if (slot.buffered.length > this.bufferLimit) this.onTooLarge();
  }

  /** modifyDecodingBuffer/modifyEncodingBuffer. */
  setBufferedData(filter: StreamFilter, bytes: Buffer): void {
    this.slot(this.indexOf(filter)).buffered = bytes;
  }

  /** injectDecodedDataToFilterChain / injectEncodedDataToFilterChain: straight to the next filter. */
  injectData(filter: StreamFilter, bytes: Buffer, endStream: boolean): void {
    this.doData(this.indexOf(filter) + 1, bytes, endStream);
  }

  /** continueDecoding / continueEncoding (ActiveStreamFilterBase::commonContinue). */
  continueFrom(filter: StreamFilter): void {
    this.commonContinue(this.indexOf(filter));
  }

  // ---- iteration ----

  private slot(i: number): FilterSlot {
    const s = this.slots[i];
    if (!s) throw new Error(`no filter at ${i}`);
    return s;
  }

  private doHeaders(from: number, endStream: boolean): void {
    const headers = this.headerMap;
    if (!headers) return;
    for (let i = from; i < this.slots.length; i++) {
      if (this.aborted) return;
      const slot = this.slot(i);
      if (endStream) slot.endStream = true;
      const status = slot.filter.headers(headers, endStream);
      if (this.aborted) return;
      if (status === "Continue") {
        slot.headersContinued = true;
        continue;
      }
      slot.stopped = status === "StopIteration" ? "single" : "all";
      return;
    }
    if (endStream) this.sinkEnded = true;
    this.sink.headers(headers, endStream);
  }

  private doData(from: number, bytes: Buffer, endStream: boolean): void {
    const frame: DataFrame = { bytes };
    for (let i = from; i < this.slots.length; i++) {
      if (this.aborted) return;
      const slot = this.slot(i);
      if (slot.stopped === "all") {
        // StopAll: the filter manager buffers for the filter without calling it (watermarked, no 413).
        slot.buffered = slot.buffered ? Buffer.concat([slot.buffered, frame.bytes]) : Buffer.from(frame.bytes);
        return;
      }
      if (slot.endStream) return;
      if (endStream && !this.hasTrailers) slot.endStream = true;
      const status = slot.filter.data(frame, endStream && !this.hasTrailers);
      if (this.aborted) return;
      if (status === "Continue") {
        if (slot.stopped === "single") {
          this.addToBuffer(slot, frame.bytes, true);
          this.commonContinue(i);
          return;
        }
        continue;
      }
      slot.stopped = "single";
      if (status === "StopIterationAndBuffer") this.addToBuffer(slot, frame.bytes, false);
      else if (status === "StopIterationAndWatermark") this.addToBuffer(slot, frame.bytes, true);
      else if (this.complete && !this.hasTrailers && slot.buffered === null) {
        // A zero-length end-of-stream frame must still resume the chain later (commonHandleAfterDataCallback).
        slot.buffered = Buffer.alloc(0);
      }
      return;
    }
    if (this.sinkEnded) return;
    if (endStream && !this.hasTrailers) this.sinkEnded = true;
    this.sink.data(frame.bytes, endStream && !this.hasTrailers);
  }

  private doTrailers(from: number): void {
    const trailers = this.trailerMap;
    if (!trailers) return;
    for (let i = from; i < this.slots.length; i++) {
      if (this.aborted) return;
      const slot = this.slot(i);
      if (slot.stopped === "all") return;
      slot.endStream = true;
      const status = slot.filter.trailers(trailers);
      if (this.aborted) return;
      if (status === "Continue") {
        if (slot.stopped === "single") {
          this.commonContinue(i);
          return;
        }
        continue;
      }
      slot.stopped = "single";
      return;
    }
    this.sinkEnded = true;
    this.sink.trailers(trailers);
  }

  private addToBuffer(slot: FilterSlot, bytes: Buffer, watermarkOnly: boolean): void {
    slot.buffered = slot.buffered ? Buffer.concat([slot.buffered, bytes]) : Buffer.from(bytes);
    if (!watermarkOnly && slot.buffered.length > this.bufferLimit) this.onTooLarge();
  }

  private commonContinue(i: number): void {
    if (this.aborted) return;
    const slot = this.slot(i);
    const wasStoppedAll = slot.stopped === "all";
    slot.stopped = "no";
    if (!slot.headersContinued) {
      slot.headersContinued = true;
      this.doHeaders(i + 1, this.complete && slot.buffered === null && !this.hasTrailers);
    }
    const hadTrailers = this.hasTrailers;
    if (slot.buffered !== null) {
      const buffered = slot.buffered;
      slot.buffered = null;
      // After StopAll the stopped filter itself sees the buffered data first (iterate_from_current_filter_).
      this.doData(wasStoppedAll ? i : i + 1, buffered, this.complete && !hadTrailers);
    }
    if (hadTrailers) this.doTrailers(wasStoppedAll ? i : i + 1);
  }
}
