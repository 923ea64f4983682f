// Just enough protobuf decoding to follow a reply: which oneof arm a ProcessingResponse carries, its mode_override
// body modes, an immediate response's HTTP status, and a CheckResponse's decision. A full decode (protobufjs +
// toObject) would cost the load generator about as much CPU as the server spends, and the client must stay cheap
// to saturate the server. test/bench/wire.test.ts checks this against the real proto-loader codec.

/** Field numbers of the ProcessingResponse `response` oneof (envoy/service/ext_proc/v3/external_processor.proto). */
export const REPLY_KIND = {
  none: 0,
  request_headers: 1,
  response_headers: 2,
  request_body: 3,
  response_body: 4,
  request_trailers: 5,
  response_trailers: 6,
  immediate_response: 7,
} as const;

/** BodySendMode enum values (envoy/extensions/filters/http/ext_proc/v3/processing_mode.proto). */
export const BODY_MODE = { NONE: 0, STREAMED: 1, BUFFERED: 2, BUFFERED_PARTIAL: 3 } as const;

export interface ReplySummary {
  /** One of REPLY_KIND; 0 when no oneof arm is set (Envoy treats that as a spurious reply). */
  kind: number;
  /** Whether mode_override was set. Envoy ≥1.34 then takes both body modes from it (absent field = NONE). */
  modeOverride: boolean;
  /** mode_override.request_body_mode / response_body_mode when present on the wire (proto3 omits NONE = 0). */
  requestBodyMode: number | undefined;
  responseBodyMode: number | undefined;
  /** immediate_response.status.code when kind is immediate_response. */
  immediateStatus: number | undefined;
}

export interface CheckSummary {
  /** google.rpc.Status code; 0 (also when absent) means allow. */
  code: number;
  /** denied_response.status.code when present. */
  deniedStatus: number | undefined;
}

class Reader {
  pos: number;
  constructor(
    readonly buf: Uint8Array,
    start = 0,
    readonly end = buf.length,
  ) {
    this.pos = start;
  }

  get done(): boolean {
    return this.pos >= this.end;
  }

  varint(): number {
    let result = 0;
    let shift = 0;
    for (;;) {
      if (this.pos >= this.end) throw new Error("truncated varint");
      const byte = this.buf[this.pos++] ?? 0;
      // Multiplication instead of << keeps values above 2^31 positive; enum and length values never get near 2^53.
      result += (byte & 0x7f) * 2 ** shift;
      if ((byte & 0x80) === 0) return result;
      shift += 7;
      if (shift > 63) throw new Error("varint too long");
    }
  }

  /** Skips the value of a field with this wire type; returns [start, end) for length-delimited ones. */
  skip(wireType: number): [number, number] {
    switch (wireType) {
      case 0:
        this.varint();
        return [this.pos, this.pos];
      case 1:
        this.pos += 8;
        return [this.pos, this.pos];
      case 2: {
        const len = this.varint();
        const start = this.pos;
        this.pos += len;
        if (this.pos > this.end) throw new Error("truncated length-delimited field");
        return [start, this.pos];
      }
      case 5:
        this.pos += 4;
        return [this.pos, this.pos];
      default:
        throw new Error(`unsupported wire type ${wireType}`);
    }
  }
}

/** Reads varint field `field` of the message in [start, end), or undefined. Last occurrence wins, as in protobuf. */
function varintField(buf: Uint8Array, start: number, end: number, field: number): number | undefined {
  const r = new Reader(buf, start, end);
  let value: number | undefined;
  while (!r.done) {
    const tag = r.varint();
    if (tag >>> 3 === field && (tag & 7) === 0) value = r.varint();
    else r.skip(tag & 7);
  }
  return value;
}

/** Returns [start, end) of sub-message field `field` in [start, end), or undefined. */
function messageField(buf: Uint8Array, start: number, end: number, field: number): [number, number] | undefined {
  const r = new Reader(buf, start, end);
  let found: [number, number] | undefined;
  while (!r.done) {
    const tag = r.varint();
    const range = r.skip(tag & 7);
    if (tag >>> 3 === field && (tag & 7) === 2) found = range;
  }
  return found;
}

export function summarizeProcessingResponse(buf: Uint8Array): ReplySummary {
  const summary: ReplySummary = {
    kind: REPLY_KIND.none,
    modeOverride: false,
    requestBodyMode: undefined,
    responseBodyMode: undefined,
    immediateStatus: undefined,
  };
  const r = new Reader(buf);
  while (!r.done) {
    const tag = r.varint();
    const field = tag >>> 3;
    const [start, end] = r.skip(tag & 7);
    if (field >= REPLY_KIND.request_headers && field <= REPLY_KIND.immediate_response) {
      summary.kind = field;
      if (field === REPLY_KIND.immediate_response) {
        // ImmediateResponse.status (1) is an HttpStatus whose code (1) is an enum.
        const status = messageField(buf, start, end, 1);
        summary.immediateStatus = status ? varintField(buf, status[0], status[1], 1) : undefined;
      }
    } else if (field === 9) {
      // mode_override: ProcessingMode.request_body_mode (3), response_body_mode (4).
      summary.modeOverride = true;
      summary.requestBodyMode = varintField(buf, start, end, 3);
      summary.responseBodyMode = varintField(buf, start, end, 4);
    }
  }
  return summary;
}

export function summarizeCheckResponse(buf: Uint8Array): CheckSummary {
  const status = messageField(buf, 0, buf.length, 1);
  const denied = messageField(buf, 0, buf.length, 2);
  const deniedStatus = denied ? messageField(buf, denied[0], denied[1], 1) : undefined;
  return {
    code: status ? (varintField(buf, status[0], status[1], 1) ?? 0) : 0,
    deniedStatus: deniedStatus ? varintField(buf, deniedStatus[0], deniedStatus[1], 1) : undefined,
  };
}
