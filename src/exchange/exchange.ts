// The per-request state machine behind one ext_proc stream. Each ProcessingRequest gets exactly one reply of the
// matching kind; policies run per phase against a time budget; verdicts become header/body mutations or an
// ImmediateResponse in the client's own API shape. The exchange never throws into the transport: whatever
// happens inside, the reply is well formed.
import type { Logger } from "../telemetry/logger.js";
import { requestLogger } from "../telemetry/logger.js";
import type { Metrics } from "../telemetry/metrics.js";
import type { Runtime } from "../config/runtime.js";
import { decodeHeaders, mergeHeaderChanges, toHeaderMutation } from "../envoy/headers-codec.js";
import { commonReply, immediateReply } from "../envoy/replies.js";
import type { CommonResponse, HttpBody, HttpHeaders, ProcessingRequest, ProcessingResponse, RequestPhase } from "../envoy/types.js";
import { REQUEST_PHASES } from "../envoy/types.js";
import { codecs } from "../providers/index.js";
import type { ProviderCodec } from "../providers/codec.js";
import { RequestParseError, parseJsonBody } from "../providers/json.js";
import { isJsonRpc } from "../providers/mcp.js";
import type { Denial, HeaderChanges, Outcome, Policy, PolicyEvent, PolicyResult, ResponseModel } from "../policies/types.js";
import { ExchangeContext, requestIdFrom, traceIdFrom } from "./context.js";
import { withinBudget } from "./deadline.js";
import { MCP_ENDPOINT, endpointFromPath, pathOnly } from "./endpoints.js";
import { ResponseStream } from "./response-stream.js";
import type { EndpointKind } from "./model.js";
import { GENAI, endSpan, type Tracing } from "../telemetry/tracing.js";
import type { Span } from "@opentelemetry/api";
import { createHash } from "node:crypto";
import { auditUsage, type AuditDecision, type AuditLog } from "../telemetry/audit.js";
import { decisionOf, denialDecision } from "./decisions.js";
import { COST_STATE } from "./cost.js";

export interface ExchangeDeps {
  runtime: Runtime;
  logger: Logger;
  metrics: Metrics;
  tracing: Tracing;
  /** Where the request's one audit record goes; absent when auditing is off. */
  audit?: AuditLog | undefined;
}

/** GenAI operation names (semantic conventions) per endpoint. */
const OPERATION: Record<EndpointKind, string> = {
  chat_completions: "chat",
  completions: "text_completion",
  embeddings: "embeddings",
  responses: "chat",
  messages: "chat",
  mcp: "execute_tool",
};

type Hook = "requestHeaders" | "requestBody" | "responseHeaders" | "responseBody";

/** What a phase's policies decided together. */
interface PhaseDecision {
  denial?: Denial;
  deniedBy?: string;
  headers?: HeaderChanges;
  bodyChanged: boolean;
}

const MCP_HEADER = "mcp-session-id";

export class Exchange {
  readonly ctx = new ExchangeContext();
  private readonly runtime: Runtime;
  private readonly metrics: Metrics;
  private readonly tracing: Tracing;
  private readonly audit: AuditLog | undefined;
  private span: Span | undefined;
  private phase: RequestPhase = "request_headers";
  private readonly decisions: AuditDecision[] = [];
  private promptSha256: string | null = null;
  private log: Logger;
  private readonly started = process.hrtime.bigint();
  private observability = false;
  private decision: "allowed" | "denied" | "failed" = "allowed";
  private denial: Denial | undefined;
  private responseComplete = false;
  private immediateSent = false;
  /** The HTTP status the client got for a refusal (JSON-RPC errors ride on 200 while the denial says why). */
  private sentStatus: number | undefined;
  private finished = false;
  private pendingResponseHeaders: HeaderChanges | undefined;
  private readonly events: PolicyEvent[] = [];
  private requestBody: Buffer[] = [];
  private requestBodyBytes = 0;
  private requestBodyDone = false;
  private responseBody: Buffer[] = [];
  private stream: ResponseStream | undefined;

  constructor(deps: ExchangeDeps) {
    this.runtime = deps.runtime;
    this.metrics = deps.metrics;
    this.tracing = deps.tracing;
    this.audit = deps.audit;
    this.log = deps.logger;
  }

  /**
   * True once the reply to the last message Envoy will send for this request is out: the response ended, or an
   * ImmediateResponse ended the request. The transport then closes the stream with OK itself.
   */
  get complete(): boolean {
    return !this.observability && (this.responseComplete || this.immediateSent);
  }

  /** Handles one message; returns its reply, or undefined in observability mode (Envoy ignores replies there). */
  async process(msg: ProcessingRequest): Promise<ProcessingResponse | undefined> {
    const phase = phaseOf(msg);
    if (!phase) throw new ProtocolError("ProcessingRequest carries none of the request/response oneof fields");
    this.observability ||= msg.observability_mode === true;
    this.phase = phase;
    const t0 = process.hrtime.bigint();
    let reply: ProcessingResponse;
    try {
      reply = await this.dispatch(phase, msg);
    } catch (err) {
      reply = this.internalFailure(phase, err);
    }
    this.metrics.phaseDuration.observe({ phase }, Number(process.hrtime.bigint() - t0) / 1e9);
    if (reply.immediate_response) this.immediateSent = true;
    return this.observability ? undefined : reply;
  }

  private async dispatch(phase: RequestPhase, msg: ProcessingRequest): Promise<ProcessingResponse> {
    if (this.denial && phase !== "response_body") {
      // Envoy sends nothing after an ImmediateResponse; a peer that does still gets a well-formed reply.
      return commonReply(phase);
    }
    switch (phase) {
      case "request_headers":
        return this.onRequestHeaders(msg.request_headers ?? {});
      case "request_body":
        return this.onRequestBody(msg.request_body ?? {});
      case "request_trailers":
        return this.onRequestTrailers();
      case "response_headers":
        return this.onResponseHeaders(msg.response_headers ?? {});
      case "response_body":
        return this.onResponseBody(msg.response_body ?? {});
      case "response_trailers":
        this.responseComplete = true;
        return commonReply(phase);
    }
  }

  // ---- request path ------------------------------------------------------------------------------------------

  private async onRequestHeaders(msg: HttpHeaders): Promise<ProcessingResponse> {
    const ctx = this.ctx;
    ctx.requestHeaders = decodeHeaders(msg.headers);
    ctx.requestId = requestIdFrom(ctx.requestHeaders);
    ctx.traceId = traceIdFrom(ctx.requestHeaders) ?? ctx.requestId;
    this.log = requestLogger(this.log, ctx.requestId, ctx.traceId);
    const path = ctx.requestHeaders.get(":path") ?? "/";
    const method = ctx.requestHeaders.get(":method") ?? "GET";
    ctx.endpoint = endpointFromPath(path) ?? (this.isMcpRoute(path) || this.isMcpWithoutBody(method) ? MCP_ENDPOINT : undefined);
    this.span = this.tracing.startRequestSpan(`tollgate ${method} ${pathOnly(path)}`, ctx.requestHeaders, {
      "http.request.method": method,
      "url.path": pathOnly(path),
      "tollgate.request_id": ctx.requestId,
    });

    if (this.audit && !this.audit.acceptingRequests()) {
      // Fail-closed auditing: a request that could not be recorded is not served.
      return this.deny({ status: 503, code: "audit_unavailable", message: "The audit log cannot be written; requests are refused until it recovers." });
    }
    const decision = await this.runPhase("requestHeaders", "request_headers");
    if (decision.denial) return this.deny(decision.denial, decision.deniedBy);
    let headers = decision.headers;
    if (msg.end_of_stream) {
      // No body follows: the request is complete now, so the body-phase policies (routing among them) run here.
      this.requestBodyDone = true;
      if (!ctx.endpoint && this.runtime.config.unknown_paths === "deny") return this.denyUnknownPath(path);
      if (ctx.endpoint) {
        const body = await this.runPhase("requestBody", "request_headers");
        if (body.denial) return this.deny(body.denial, body.deniedBy);
        headers = mergeHeaderChanges(headers, body.headers);
      }
    }
    return this.requestReply("request_headers", headers, undefined);
  }

  private async onRequestBody(msg: HttpBody): Promise<ProcessingResponse> {
    if (this.requestBodyDone) return commonReply("request_body");
    const chunk = msg.body ?? Buffer.alloc(0);
    this.requestBodyBytes += chunk.length;
    if (this.requestBodyBytes > this.runtime.config.server.max_body_bytes) {
      this.requestBodyDone = true;
      return this.deny({ status: 413, code: "request_too_large", message: `Request body exceeds ${this.runtime.config.server.max_body_bytes} bytes.` });
    }
    this.requestBody.push(chunk);
    // Bodies that arrive in parts (BUFFERED_PARTIAL, or trailers follow) are judged once complete.
    if (!msg.end_of_stream) return commonReply("request_body");
    return this.completeRequestBody("request_body");
  }

  private async onRequestTrailers(): Promise<ProcessingResponse> {
    if (this.requestBodyDone) return commonReply("request_trailers");
    // The body ended without end_of_stream because trailers follow; it can no longer be rewritten, only judged.
    const reply = await this.completeRequestBody("request_trailers");
    return reply.immediate_response ? reply : commonReply("request_trailers");
  }

  private async completeRequestBody(phase: "request_body" | "request_trailers"): Promise<ProcessingResponse> {
    this.requestBodyDone = true;
    const ctx = this.ctx;
    const bytes = this.requestBody.length === 1 ? this.requestBody[0]! : Buffer.concat(this.requestBody);
    this.requestBody = [];
    if (bytes.length > 0) this.promptSha256 = createHash("sha256").update(bytes).digest("hex");
    const path = ctx.requestHeaders.get(":path") ?? "/";
    let body: unknown;
    try {
      if (ctx.endpoint || bytes.length > 0) body = parseJsonBody(bytes);
    } catch (err) {
      if (!ctx.endpoint) {
        // Not JSON and not a path we know: not ours to judge.
        return this.runtime.config.unknown_paths === "deny" ? this.denyUnknownPath(path) : commonReply(phase);
      }
      return this.denyParse(err);
    }
    if (!ctx.endpoint) {
      if (body !== undefined && isJsonRpc(body)) ctx.endpoint = MCP_ENDPOINT;
      else return this.runtime.config.unknown_paths === "deny" ? this.denyUnknownPath(path) : commonReply(phase);
    }
    try {
      ctx.request = codecs[ctx.endpoint.api].parseRequest(ctx.endpoint, body);
    } catch (err) {
      return this.denyParse(err);
    }
    const decision = await this.runPhase("requestBody", phase);
    if (decision.denial) return this.deny(decision.denial, decision.deniedBy);
    let newBody: Buffer | undefined;
    let headers = decision.headers;
    if (decision.bodyChanged && ctx.request) {
      if (phase === "request_trailers") {
        this.log.warn({ phase }, "a policy rewrote a body that had already gone upstream (trailers followed it); change dropped");
      } else {
        newBody = Buffer.from(JSON.stringify(ctx.request.body), "utf8");
        // Envoy keeps content-length on BUFFERED bodies and fails the request when it no longer matches.
        headers = mergeHeaderChanges(headers, { set: { "content-length": String(newBody.length) } });
      }
    }
    return this.requestReply(phase, headers, newBody);
  }

  private requestReply(phase: RequestPhase, headers: HeaderChanges | undefined, body: Buffer | undefined): ProcessingResponse {
    const response: CommonResponse = {};
    const mutation = toHeaderMutation(headers);
    if (mutation) {
      response.header_mutation = mutation;
      // Re-pick the route: the routing policy named the cluster in a header (Envoy clears only with a mutation).
      response.clear_route_cache = true;
    }
    if (body) response.body_mutation = { body };
    return commonReply(phase, response);
  }

  /** A path a route sends to an MCP provider is MCP, whatever its body turns out to be (malformed included). */
  private isMcpRoute(path: string): boolean {
    const route = this.runtime.routes.select(path, undefined, this.ctx.requestHeaders);
    return route !== undefined && route.providers.some((p) => this.runtime.providers.get(p)?.codec.api === "mcp");
  }

  private isMcpWithoutBody(method: string): boolean {
    // Streamable HTTP MCP: GET opens the server's event stream, DELETE ends a session; both carry the session id.
    return (method === "GET" || method === "DELETE") && this.ctx.requestHeaders.has(MCP_HEADER);
  }

  // ---- response path -----------------------------------------------------------------------------------------

  private async onResponseHeaders(msg: HttpHeaders): Promise<ProcessingResponse> {
    const ctx = this.ctx;
    ctx.responseHeaders = decodeHeaders(msg.headers);
    ctx.responseStatus = Number(ctx.responseHeaders.get(":status") ?? "0") || undefined;
    if (msg.end_of_stream) this.responseComplete = true;
    const contentType = ctx.responseHeaders.get("content-type") ?? "";
    const codec = this.codec();
    const sse = /^\s*text\/event-stream/i.test(contentType);
    if (sse && codec && ctx.endpoint) {
      this.stream = new ResponseStream(ctx, codec, ctx.endpoint, this.runtime.policies, this.streamHooks());
    }
    const decision = await this.runPhase("responseHeaders", "response_headers");
    if (decision.denial) return this.deny(decision.denial, decision.deniedBy);
    // A streamed body may be rewritten chunk by chunk (hold-back, redaction, an error event), so the provider's
    // content-length no longer holds; Envoy refuses a mutated body whose length disagrees with it.
    const headers = mergeHeaderChanges(mergeHeaderChanges(this.pendingResponseHeaders, decision.headers), this.stream ? { remove: ["content-length"] } : undefined);
    const response: CommonResponse = {};
    const mutation = toHeaderMutation(headers);
    if (mutation) response.header_mutation = mutation;
    const reply = commonReply("response_headers", response);
    // SSE must flow chunk by chunk: switch this response's body to STREAMED (needs allow_mode_override).
    if (this.stream) reply.mode_override = { response_body_mode: "STREAMED" };
    return reply;
  }

  private async onResponseBody(msg: HttpBody): Promise<ProcessingResponse> {
    const chunk = msg.body ?? Buffer.alloc(0);
    const eos = msg.end_of_stream === true;
    if (eos) this.responseComplete = true;
    if (this.denial) {
      // Once a stream was ended with an error event, nothing more of the upstream's reaches the client.
      return commonReply("response_body", { body_mutation: { clear_body: true } });
    }
    if (this.stream) {
      const out = await this.stream.push(chunk, eos);
      if (out.terminated) this.recordDenial(out.terminated.denial, out.terminated.by);
      return commonReply("response_body", out.replacement === undefined ? {} : out.replacement.length === 0 ? { body_mutation: { clear_body: true } } : { body_mutation: { body: out.replacement } });
    }
    this.responseBody.push(chunk);
    if (!eos) return commonReply("response_body");
    return this.completeResponseBody();
  }

  private async completeResponseBody(): Promise<ProcessingResponse> {
    const ctx = this.ctx;
    const bytes = this.responseBody.length === 1 ? this.responseBody[0]! : Buffer.concat(this.responseBody);
    this.responseBody = [];
    const codec = this.codec();
    const contentType = ctx.responseHeaders.get("content-type") ?? "";
    if (!codec || !ctx.endpoint || !/json/i.test(contentType) || bytes.length === 0) return commonReply("response_body");
    let body: unknown;
    try {
      body = JSON.parse(bytes.toString("utf8"));
    } catch {
      this.log.warn({ bytes: bytes.length }, "provider response is not valid JSON; passed through unjudged");
      return commonReply("response_body");
    }
    const parsed = codec.parseResponse(ctx.endpoint, body);
    if (parsed.usage) ctx.addUsage(parsed.usage);
    const model: ResponseModel = { status: ctx.responseStatus ?? 0, segments: parsed.segments, body, ...(parsed.usage ? { usage: parsed.usage } : {}) };
    const decision = await this.runPhase("responseBody", "response_body", model);
    if (decision.denial) return this.deny(decision.denial, decision.deniedBy);
    const response: CommonResponse = {};
    let headers = decision.headers;
    if (decision.bodyChanged) {
      const newBody = Buffer.from(JSON.stringify(model.body), "utf8");
      response.body_mutation = { body: newBody };
      headers = mergeHeaderChanges(headers, { set: { "content-length": String(newBody.length) } });
    }
    const mutation = toHeaderMutation(headers);
    if (mutation) response.header_mutation = mutation;
    return commonReply("response_body", response);
  }

  // ---- policies ----------------------------------------------------------------------------------------------

  private async runPhase(hook: Hook, phase: RequestPhase, response?: ResponseModel): Promise<PhaseDecision> {
    const deadline = Date.now() + this.runtime.config.server.phase_budget_ms;
    const decision: PhaseDecision = { bodyChanged: false };
    for (const policy of this.runtime.policies) {
      const fn = policy[hook];
      if (!fn) continue;
      let result: PolicyResult;
      try {
        const pending = hook === "responseBody" ? policy.responseBody!(this.ctx, response!) : (fn as (c: ExchangeContext) => PolicyResult | Promise<PolicyResult>).call(policy, this.ctx);
        result = await withinBudget(pending, policy.name, deadline - Date.now());
      } catch (err) {
        const failed = this.policyFailed(policy, phase, err);
        if (failed) return { ...decision, denial: failed, deniedBy: policy.name };
        continue;
      }
      if (result.events) this.record(result.events);
      if (result.verdict === "deny") return { ...decision, denial: result.denial, deniedBy: policy.name };
      if (result.responseHeaders) {
        if (hook === "responseHeaders" || hook === "responseBody") decision.headers = mergeHeaderChanges(decision.headers, result.responseHeaders);
        else this.pendingResponseHeaders = mergeHeaderChanges(this.pendingResponseHeaders, result.responseHeaders);
      }
      if (result.verdict === "mutate") {
        decision.headers = mergeHeaderChanges(decision.headers, result.headers);
        decision.bodyChanged ||= result.bodyChanged === true;
      }
    }
    return decision;
  }

  private streamHooks() {
    return {
      budgetMs: this.runtime.config.server.phase_budget_ms,
      onFailure: (policy: Policy, err: unknown) => this.policyFailed(policy, "response_body", err),
      onEvents: (events: PolicyEvent[]) => this.record(events),
      log: () => this.log,
    };
  }

  /** Logs and counts a failed policy; returns the denial when the route fails closed. */
  private policyFailed(policy: Policy, phase: RequestPhase, err: unknown): Denial | undefined {
    const failMode = this.failMode();
    const reason = err instanceof Error && err.name === "PolicyTimeout" ? "timeout" : "error";
    this.metrics.policyFailures.inc({ policy: policy.name, phase, fail_mode: failMode, reason });
    this.log.error({ policy: policy.name, phase, fail_mode: failMode, err }, `policy ${reason === "timeout" ? "overran its time budget" : "failed"}`);
    if (failMode === "open") return undefined;
    return { status: 503, code: "policy_unavailable", message: `Policy "${policy.name}" could not decide in time; the route fails closed.` };
  }

  private failMode(): "open" | "closed" {
    const route = this.runtime.config.routes.find((r) => r.name === this.ctx.routeName);
    return route?.fail_mode ?? "closed";
  }

  // ---- replies -----------------------------------------------------------------------------------------------

  private codec(): ProviderCodec | undefined {
    return this.ctx.endpoint ? codecs[this.ctx.endpoint.api] : undefined;
  }

  /** Policy events go on the span as they happen (so their timestamps mean something) and into the request log. */
  private record(events: PolicyEvent[]): void {
    for (const e of events) {
      this.events.push(e);
      this.span?.addEvent(e.name, e.attributes);
      const decision = decisionOf(e, this.phase);
      if (decision) this.decisions.push(decision);
    }
  }

  private recordDenial(denial: Denial, by: string | undefined): void {
    this.decision = "denied";
    this.denial = denial;
    // A policy that explained its refusal in an event (a guardrail block with its scores, a tool denial) is
    // already recorded; other refusals get their own entry.
    if (!this.decisions.some((d) => d.policy === by && (d.action === "block" || d.action === "deny"))) {
      this.decisions.push(denialDecision(denial, by, this.phase));
    }
    this.log.info({ status: denial.status, code: denial.code, policy: by }, "request denied");
  }

  private deny(denial: Denial, by?: string): ProcessingResponse {
    this.recordDenial(denial, by);
    const codec = this.codec() ?? codecs.openai;
    const err = codec.errorBody(denial, this.ctx.requestId, this.ctx.request);
    const headers = mergeHeaderChanges(this.pendingResponseHeaders, {
      set: { "content-type": err.contentType, "x-request-id": this.ctx.requestId, ...(denial.headers ?? {}) },
    });
    this.sentStatus = err.status ?? denial.status;
    return immediateReply(this.sentStatus, toHeaderMutation(headers), err.body, `tollgate_${denial.code}`);
  }

  private denyParse(err: unknown): ProcessingResponse {
    if (err instanceof RequestParseError) {
      const code = err.message.startsWith("request body is not valid JSON") ? "invalid_json" : "invalid_request";
      return this.deny({ status: 400, code, message: err.message });
    }
    throw err;
  }

  private denyUnknownPath(path: string): ProcessingResponse {
    return this.deny({ status: 404, code: "unknown_endpoint", message: `Tollgate does not serve ${pathOnly(path)}.` });
  }

  /** A bug or an unexpected input inside Tollgate: fail per the route's mode, never leave the stream unanswered. */
  private internalFailure(phase: RequestPhase, err: unknown): ProcessingResponse {
    this.decision = "failed";
    this.log.error({ phase, err }, "internal error while processing a message");
    const failMode = this.failMode();
    this.metrics.policyFailures.inc({ policy: "exchange", phase, fail_mode: failMode, reason: "error" });
    if (failMode === "open" || this.denial) return commonReply(phase);
    return this.deny({ status: 503, code: "internal_error", message: "Tollgate could not process this request." });
  }

  // ---- end of stream -----------------------------------------------------------------------------------------

  /** Called once when the gRPC stream ends, however it ends. Runs every policy's `done` and records the request. */
  async finish(streamEnd: "closed" | "cancelled" | "error"): Promise<void> {
    if (this.finished) return;
    this.finished = true;
    this.ctx.cancel(`stream ${streamEnd}`);
    const outcome: Outcome = this.decision === "denied" ? "denied" : this.decision === "failed" ? "failed" : this.responseComplete ? "completed" : streamEnd === "error" ? "failed" : "cancelled";
    for (const policy of this.runtime.policies) {
      if (!policy.done) continue;
      try {
        await policy.done(this.ctx, outcome);
      } catch (err) {
        this.log.error({ policy: policy.name, err }, "policy done hook failed");
      }
    }
    const ctx = this.ctx;
    const latencyMs = Number(process.hrtime.bigint() - this.started) / 1e6;
    this.endSpan(outcome);
    this.writeAudit(outcome, latencyMs);
    this.metrics.requests.inc({ route: ctx.routeName ?? "none", endpoint: ctx.endpoint?.kind ?? "unknown", decision: outcome });
    if (!ctx.requestId) return; // the stream ended before any request headers: nothing to record
    this.log.info(
      {
        outcome,
        route: ctx.routeName,
        provider: ctx.provider,
        endpoint: ctx.endpoint?.kind,
        key_id: ctx.principal?.keyId,
        cohort: ctx.principal?.cohort,
        model: ctx.request?.kind === "llm" ? ctx.request.model : undefined,
        status: this.sentStatus ?? ctx.responseStatus,
        code: this.denial?.code,
        usage: ctx.usage,
        events: this.events.length > 0 ? this.events : undefined,
        latency_ms: Math.round(latencyMs * 100) / 100,
      },
      "request complete",
    );
  }

  private writeAudit(outcome: Outcome, latencyMs: number): void {
    if (!this.audit || !this.ctx.requestId) return;
    const ctx = this.ctx;
    const request = ctx.request;
    const tools = request?.kind === "mcp" ? request.calls.flatMap((c) => (c.toolName ? [c.toolName] : [])) : (request?.tools ?? []);
    this.audit.append({
      time: new Date().toISOString(),
      trace_id: ctx.traceId,
      request_id: ctx.requestId,
      principal: ctx.principal ? { key_id: ctx.principal.keyId, cohort: ctx.principal.cohort } : null,
      route: ctx.routeName ?? null,
      provider: ctx.provider ?? null,
      model: request?.kind === "llm" ? (request.model ?? null) : null,
      endpoint: ctx.endpoint?.kind ?? null,
      tools,
      prompt_sha256: this.promptSha256,
      decisions: this.decisions,
      usage: auditUsage(ctx.usage),
      cost_usd_micros: typeof ctx.state.get(COST_STATE) === "number" ? (ctx.state.get(COST_STATE) as number) : 0,
      status: this.sentStatus ?? ctx.responseStatus ?? null,
      outcome,
      latency_ms: Math.round(latencyMs * 100) / 100,
    });
  }

  private endSpan(outcome: Outcome): void {
    const span = this.span;
    if (!span) return;
    const ctx = this.ctx;
    const model = ctx.request?.kind === "llm" ? ctx.request.model : undefined;
    const maxTokens = ctx.request?.kind === "llm" ? ctx.request.maxTokens : undefined;
    const tools = ctx.request?.kind === "mcp" ? ctx.request.calls.flatMap((c) => (c.toolName ? [c.toolName] : [])) : [];
    const attributes: Record<string, string | number> = { "tollgate.outcome": outcome };
    if (ctx.endpoint) attributes[GENAI.operation] = OPERATION[ctx.endpoint.kind];
    if (ctx.provider) attributes[GENAI.provider] = ctx.provider;
    if (model) attributes[GENAI.requestModel] = model;
    if (maxTokens !== undefined) attributes[GENAI.requestMaxTokens] = maxTokens;
    if (tools.length > 0) attributes[GENAI.toolName] = tools.join(",");
    if (ctx.routeName) attributes["tollgate.route"] = ctx.routeName;
    if (ctx.principal) {
      attributes["tollgate.key_id"] = ctx.principal.keyId;
      attributes["tollgate.cohort"] = ctx.principal.cohort;
    }
    if (ctx.usage) {
      attributes[GENAI.inputTokens] = ctx.usage.inputTokens;
      attributes[GENAI.outputTokens] = ctx.usage.outputTokens;
    }
    const status = this.sentStatus ?? ctx.responseStatus;
    if (status !== undefined) attributes["http.response.status_code"] = status;
    if (this.denial) attributes["tollgate.denial.code"] = this.denial.code;
    span.setAttributes(attributes);
    endSpan(span, outcome === "completed" || outcome === "denied", this.denial?.message);
  }
}

export class ProtocolError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "ProtocolError";
  }
}

function phaseOf(msg: ProcessingRequest): RequestPhase | undefined {
  if (msg.request && REQUEST_PHASES.includes(msg.request)) return msg.request;
  return REQUEST_PHASES.find((p) => msg[p] !== undefined && msg[p] !== null);
}
