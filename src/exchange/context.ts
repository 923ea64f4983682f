// Per-request state shared by the phases of one ext_proc stream, and what policies read through PolicyContext.
import { randomBytes } from "node:crypto";
import type { Endpoint, ParsedRequest, Usage } from "./model.js";
import type { PolicyContext, Principal } from "../policies/types.js";
import { REQUEST_ID_HEADER, TRACEPARENT_HEADER } from "../envoy/headers.js";

const TRACEPARENT = /^[\da-f]{2}-([\da-f]{32})-[\da-f]{16}-[\da-f]{2}$/;

/** Envoy's x-request-id, or a fresh id when a request arrives without one. */
export function requestIdFrom(headers: ReadonlyMap<string, string>): string {
  const id = headers.get(REQUEST_ID_HEADER);
  return id && id.length <= 128 ? id : randomBytes(16).toString("hex");
}

/** The trace id of a W3C traceparent header (Envoy propagates the client's or starts one). */
export function traceIdFrom(headers: ReadonlyMap<string, string>): string | undefined {
  const m = TRACEPARENT.exec(headers.get(TRACEPARENT_HEADER)?.trim() ?? "");
  return m && m[1] !== "0".repeat(32) ? m[1] : undefined;
}

export class ExchangeContext implements PolicyContext {
  requestId = "";
  traceId = "";
  endpoint: Endpoint | undefined;
  principal: Principal | undefined;
  routeName: string | undefined;
  provider: string | undefined;
  requestHeaders: ReadonlyMap<string, string> = new Map();
  request: ParsedRequest | undefined;
  responseStatus: number | undefined;
  responseHeaders: ReadonlyMap<string, string> = new Map();
  usage: Usage | undefined;
  readonly state = new Map<string, unknown>();
  private readonly abort = new AbortController();

  get signal(): AbortSignal {
    return this.abort.signal;
  }

  cancel(reason: string): void {
    if (!this.abort.signal.aborted) this.abort.abort(new Error(reason));
  }

  setPrincipal(principal: Principal): void {
    this.principal = principal;
  }

  setRoute(routeName: string, provider: string): void {
    this.routeName = routeName;
    this.provider = provider;
  }

  /** Merges usage reported by the provider; streamed reports are cumulative, so later values replace earlier ones. */
  addUsage(partial: Partial<Usage>): void {
    const u = this.usage ?? { inputTokens: 0, outputTokens: 0, cachedInputTokens: 0, reasoningTokens: 0 };
    for (const [k, v] of Object.entries(partial) as [keyof Usage, number | undefined][]) {
      if (typeof v === "number") u[k] = v;
    }
    this.usage = u;
  }
}
