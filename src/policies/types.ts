// The policy contract. A policy is a small object with a name and hooks per phase; each hook returns a verdict
// ({verdict, data, transformed}-style, as Portkey's plugins do). Policies never see gRPC or Envoy types: the
// exchange turns verdicts into ext_proc replies.
import type { Endpoint, ParsedRequest, Usage } from "../exchange/model.js";

/** Who is calling, as established by ext_authz from a virtual API key. */
export interface Principal {
  keyId: string;
  cohort: string;
  /** Route names this key may use; empty means all. */
  routes: string[];
}

export interface HeaderChanges {
  set?: Record<string, string>;
  remove?: string[];
}

/** A span event a policy wants recorded on the request's trace (and in its audit record). */
export interface PolicyEvent {
  name: string;
  attributes: Record<string, string | number | boolean>;
}

export interface Denial {
  /** HTTP status for the client. */
  status: number;
  /** Stable machine-readable code, e.g. "rate_limited", "guardrail_blocked". */
  code: string;
  message: string;
  headers?: Record<string, string>;
}

export type PolicyResult =
  | { verdict: "continue"; events?: PolicyEvent[]; responseHeaders?: HeaderChanges }
  | {
      verdict: "mutate";
      /** Upstream request header changes (request phases) or response header changes (response phases). */
      headers?: HeaderChanges;
      /** Headers to add to the response the client gets, set from a request phase (e.g. x-ratelimit-*). */
      responseHeaders?: HeaderChanges;
      /** True when the policy changed the parsed body in place and the bytes must be rebuilt. */
      bodyChanged?: boolean;
      events?: PolicyEvent[];
    }
  | { verdict: "deny"; denial: Denial; events?: PolicyEvent[] };

export const CONTINUE: PolicyResult = Object.freeze({ verdict: "continue" }) as PolicyResult;

/** One server-sent event of a streamed response, parsed by the provider codec. */
export interface StreamEvent {
  /** The event's bytes as received, including its blank-line terminator. Re-emitted untouched unless replaced. */
  raw: string;
  /** Parsed `data:` JSON, when the event carries JSON. */
  data?: unknown;
  /** Output text this event adds. */
  textDelta?: string;
  /** Usage reported by this event (cumulative, as providers report it). */
  usage?: Partial<Usage>;
  /** The protocol's end marker ([DONE], message_stop). */
  terminal?: boolean;
}

/** What a policy does with the events of one streamed chunk. */
export interface StreamResult {
  /** Events to pass on (the policy may drop, hold back or rewrite events; held events are returned later). */
  events: StreamEvent[];
  /** End the stream now with an error event in the client's format. */
  terminate?: Denial;
  policyEvents?: PolicyEvent[];
}

/** The parsed, buffered (non-streamed) response. */
export interface ResponseModel {
  status: number;
  /** Output text segments (choices, content blocks, MCP tool results) with their JSON paths. */
  segments: import("../exchange/model.js").TextSegment[];
  usage?: Usage;
  body: unknown;
}

export type Outcome = "completed" | "denied" | "failed" | "cancelled";

/** What every hook can read about the request. Policies keep their own per-request state in `state`. */
export interface PolicyContext {
  readonly requestId: string;
  readonly traceId: string;
  readonly endpoint: Endpoint | undefined;
  readonly principal: Principal | undefined;
  readonly routeName: string | undefined;
  readonly provider: string | undefined;
  /** Request headers as received (lower-case names; values decoded as UTF-8). */
  readonly requestHeaders: ReadonlyMap<string, string>;
  readonly request: ParsedRequest | undefined;
  readonly responseStatus: number | undefined;
  readonly responseHeaders: ReadonlyMap<string, string>;
  /** Usage seen so far in the response (streamed usage accumulates here). */
  readonly usage: Usage | undefined;
  readonly state: Map<string, unknown>;
  /** Aborted when the client or Envoy goes away, or the phase budget ran out; long policy work should stop. */
  readonly signal: AbortSignal;
  /** The auth policy establishes who is calling; later policies read `principal`. */
  setPrincipal(principal: Principal): void;
  /** The routing policy picks the route and provider; later policies read `routeName` and `provider`. */
  setRoute(routeName: string, provider: string): void;
}

export interface Policy {
  readonly name: string;
  requestHeaders?(ctx: PolicyContext): PolicyResult | Promise<PolicyResult>;
  requestBody?(ctx: PolicyContext): PolicyResult | Promise<PolicyResult>;
  responseHeaders?(ctx: PolicyContext): PolicyResult | Promise<PolicyResult>;
  responseBody?(ctx: PolicyContext, response: ResponseModel): PolicyResult | Promise<PolicyResult>;
  responseStream?(ctx: PolicyContext, events: StreamEvent[], endOfStream: boolean): StreamResult | Promise<StreamResult>;
  /** Called exactly once per request, however it ended (release reservations, record usage). */
  done?(ctx: PolicyContext, outcome: Outcome): void | Promise<void>;
}
