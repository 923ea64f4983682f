// The provider codec contract: pure functions from bytes to the typed model and back. Translation between APIs and
// usage extraction live here only (DESIGN.md §2).
import type { ApiFlavor, Endpoint, ParsedRequest, TextSegment, Usage } from "../exchange/model.js";
import type { Denial, StreamEvent } from "../policies/types.js";
import { formatSse, sseEventName, type SseFrame } from "./sse.js";

export interface ParsedResponse {
  segments: TextSegment[];
  usage?: Usage;
}

export interface ErrorBody {
  contentType: string;
  body: string;
  /** HTTP status to answer with when the API carries errors differently (JSON-RPC errors ride on 200). */
  status?: number;
}

export interface ProviderCodec {
  readonly api: ApiFlavor;
  /** Parses a request body already decoded from JSON; throws RequestParseError for a malformed request. */
  parseRequest(endpoint: Endpoint, body: unknown): ParsedRequest;
  parseResponse(endpoint: Endpoint, body: unknown): ParsedResponse;
  parseStreamFrame(endpoint: Endpoint, frame: SseFrame): StreamEvent;
  /**
   * The same event with its output text replaced (redaction in flight). Events without output text come back
   * unchanged.
   */
  rewriteStreamText(endpoint: Endpoint, event: StreamEvent, text: string): StreamEvent;
  /** A complete error response body in this API's shape. */
  errorBody(denial: Denial, requestId: string, request?: ParsedRequest): ErrorBody;
  /** The bytes that end a stream with an error, in this API's event format, including its terminator. */
  streamError(denial: Denial, requestId: string): string;
  /** Headers that carry the provider credential upstream. */
  credentialHeaders(secret: string): Record<string, string>;
}

export function emptyUsage(): Usage {
  return { inputTokens: 0, outputTokens: 0, cachedInputTokens: 0, reasoningTokens: 0 };
}

/** An event rebuilt from new data, keeping its `event:` name. */
export function reserialize(event: StreamEvent, data: unknown, textDelta: string | undefined): StreamEvent {
  const next: StreamEvent = { ...event, raw: formatSse(JSON.stringify(data), sseEventName(event.raw)), data };
  if (textDelta === undefined) delete next.textDelta;
  else next.textDelta = textDelta;
  return next;
}

/** The event with its `data:` parsed when it is JSON; a codec then reads its provider's fields from `data`. */
export function jsonEvent(frame: SseFrame): StreamEvent {
  const event: StreamEvent = { raw: frame.raw };
  if (frame.data === undefined) return event;
  try {
    event.data = JSON.parse(frame.data);
  } catch {
    // Not JSON (a comment, a keep-alive, a provider quirk): passed on untouched.
  }
  return event;
}
