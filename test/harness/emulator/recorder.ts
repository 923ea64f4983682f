// What the emulator saw for each HTTP request, for tests to assert on: every ext_proc message in order, the
// ext_authz exchange, routing, upstream attempts, local replies and the final downstream outcome.
import type { ExtProcEvent } from "./ext-proc-types.js";
import type { OutgoingProcessingRequest, WireCheckResponse, WireProcessingResponse } from "./wire-types.js";

export interface ExtProcMessageRecord {
  at: number;
  direction: "sent" | "received";
  /** The oneof case: request_headers, response_body, immediate_response, … ("none" for an empty reply). */
  kind: string;
  message: OutgoingProcessingRequest | WireProcessingResponse;
  /** Set when Envoy drops the reply (it arrived after processing was complete). */
  ignored?: string;
}

export interface UpstreamAttemptRecord {
  cluster: string;
  method: string;
  path: string;
  authority: string;
  status?: number;
  failure?: string;
}

export interface RequestRecord {
  /** 0-based order of arrival at the emulator. */
  index: number;
  /** The id Envoy would put in CheckRequest.attributes.request.http.id. */
  streamId: string;
  method: string;
  path: string;
  startedAt: number;
  extProc: ExtProcMessageRecord[];
  extProcEvents: ExtProcEvent[];
  extAuthz?: { request: unknown; response?: WireCheckResponse; error?: { code: number; details: string } };
  /** Cluster the router picked, and whether the route was recomputed after clear_route_cache. */
  route?: { cluster?: string; recomputed: boolean; notFound?: boolean };
  upstream: UpstreamAttemptRecord[];
  localReply?: { status: number; details: string; body: string };
  dynamicMetadata: Record<string, Record<string, unknown>>;
  response?: { status?: number; reset: boolean; resetReason?: string };
  /** Resolves once the downstream response is finished (or reset) and the ext_proc stream is closed. */
  done: Promise<void>;
}

export function messageKind(message: OutgoingProcessingRequest | WireProcessingResponse): string {
  if ("response" in message && typeof message.response === "string") return message.response;
  for (const key of ["request_headers", "request_body", "request_trailers", "response_headers", "response_body", "response_trailers", "immediate_response"] as const) {
    if (key in message && (message as Record<string, unknown>)[key] !== undefined) return key;
  }
  return "none";
}

/**
 * The ext_proc conversation as arrows, e.g. ["→request_headers", "←request_headers", "→request_body", …]:
 * → is Envoy to the processor, ← a reply (marked "(ignored)" when Envoy dropped it).
 */
export function extProcSequence(record: RequestRecord): string[] {
  return record.extProc.map((m) => `${m.direction === "sent" ? "→" : "←"}${m.kind}${m.ignored ? " (ignored)" : ""}`);
}

export function newRecord(index: number, streamId: string, method: string, path: string): { record: RequestRecord; finish: () => void } {
  let finish = (): void => undefined;
  const done = new Promise<void>((resolve) => {
    finish = resolve;
  });
  const record: RequestRecord = {
    index,
    streamId,
    method,
    path,
    startedAt: Date.now(),
    extProc: [],
    extProcEvents: [],
    upstream: [],
    dynamicMetadata: {},
    done,
  };
  return { record, finish };
}
