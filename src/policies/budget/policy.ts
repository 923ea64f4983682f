// The budget policy: the engine wired into the request phases.
//
//   requestHeaders   early request-rate check, when the request-rate rules need nothing decided later (the route)
//   requestBody      count the prompt, reserve prompt + max_tokens and its cost on every applicable rule; for OpenAI
//                    streaming, ask for the usage chunk (stream_options.include_usage) when the client did not
//   (response)       x-ratelimit-* headers ride on `responseHeaders` set in the request phases
//   responseBody     reconcile to the reported usage
//   responseStream   count output as it streams, top up / cut per rule, strip the usage chunk we asked for, reconcile
//   done             anything not reconciled: charge what was delivered, or release when nothing was
import type { ApiFlavor, LlmRequest, Usage } from "../../exchange/model.js";
import type { Denial, Outcome, Policy, PolicyContext, PolicyEvent, PolicyResult, ResponseModel, StreamEvent, StreamResult } from "../types.js";
import type { BudgetDenial, BudgetEngine, Reservation } from "./engine.js";
import type { Scope } from "./limits.js";
import { TokenCounter } from "./tokenizer.js";
import { COST_STATE } from "../../exchange/cost.js";

/** ctx.state key of this policy's per-request state. */
export const BUDGET_STATE = "budget";
/** ctx.state flag: true when Tollgate added stream_options.include_usage (its usage-only chunk is not for the client). */
export const INJECTED_USAGE_STATE = "budget.include_usage_injected";

interface RequestState {
  early?: Reservation;
  main?: Reservation;
  counter?: TokenCounter;
  /** Output tokens counted from streamed text (what the client received). */
  streamedOutput: number;
  stripUsageChunk: boolean;
}

export function budgetPolicy(engine: BudgetEngine): Policy {
  return {
    name: "budget",

    async requestHeaders(ctx) {
      if (!ctx.endpoint || !engine.hasRules("requests")) return { verdict: "continue" };
      if (engine.dimensionsFor("requests").has("route") && ctx.routeName === undefined) return { verdict: "continue" };
      const admission = await engine.reserve({ scope: scopeOf(ctx), phase: "requests" });
      if (!admission.ok) return denied(admission.denial);
      stateOf(ctx).early = admission.reservation;
      return { verdict: "continue", responseHeaders: { set: admission.headers }, events: unenforced(admission.unenforced) };
    },

    async requestBody(ctx) {
      const request = ctx.request;
      if (!request) return { verdict: "continue" };
      const state = stateOf(ctx);
      const scope = scopeOf(ctx);
      let estimate: { inputTokens: number; outputTokens: number } | undefined;
      let bodyChanged = false;
      if (request.kind === "llm") {
        state.counter = await TokenCounter.forModel(request.model);
        if (engine.needsEstimate(scope)) {
          const output = request.endpoint.kind === "embeddings" ? 0 : (request.maxTokens ?? engine.config.defaultMaxTokens);
          estimate = { inputTokens: state.counter.prompt(request), outputTokens: output };
          if (engine.config.capOutputTokens && request.maxTokens === undefined) bodyChanged = capOutput(request, output);
        }
        bodyChanged = askForStreamUsage(ctx, request, state) || bodyChanged;
      }
      const admission = await engine.reserve({
        scope,
        model: request.kind === "llm" ? request.model : undefined,
        estimate,
        phase: state.early ? "usage" : "all",
      });
      if (!admission.ok) return denied(admission.denial);
      state.main = admission.reservation;
      const events: PolicyEvent[] = [...unenforced(admission.unenforced)];
      if (admission.limits.length > 0) {
        events.push({
          name: "budget.reserved",
          attributes: {
            rules: admission.limits.map((l) => l.rule).join(","),
            input_tokens: estimate?.inputTokens ?? 0,
            output_tokens: estimate?.outputTokens ?? 0,
          },
        });
      }
      const responseHeaders = { set: admission.headers };
      return bodyChanged ? { verdict: "mutate", bodyChanged, responseHeaders, events } : { verdict: "continue", responseHeaders, events };
    },

    async responseBody(ctx, response: ResponseModel): Promise<PolicyResult> {
      const state = ctx.state.get(BUDGET_STATE) as RequestState | undefined;
      if (!state) return { verdict: "continue" };
      const reported = response.usage ?? ctx.usage;
      if (!reported && response.status >= 400) {
        // An error the provider did not bill (no usage): give everything back.
        await releaseAll(engine, state);
        return { verdict: "continue" };
      }
      if (reported) {
        const usage = normalize(ctx.endpoint?.api, reported);
        const estimate = state.main?.estimate ?? state.early?.estimate;
        await reconcileAll(ctx, engine, state, { ...usage, inputTokens: usage.inputTokens || estimate?.inputTokens || 0 });
      } else {
        const outputText = response.segments.map((s) => s.text).join("");
        await reconcileAll(ctx, engine, state, usageToCharge(ctx, state, "early", state.counter?.text(outputText) ?? 0));
      }
      return { verdict: "continue" };
    },

    async responseStream(ctx, events: StreamEvent[], endOfStream: boolean): Promise<StreamResult> {
      const state = ctx.state.get(BUDGET_STATE) as RequestState | undefined;
      if (!state) return { events };
      const passed = state.stripUsageChunk ? events.filter((e) => !isUsageOnlyChunk(e)) : events;
      const before = state.streamedOutput;
      const perEvent = passed.map((e) => (e.textDelta && state.counter ? state.counter.text(e.textDelta) : 0));
      const total = before + perEvent.reduce((a, b) => a + b, 0);
      const reservation = state.main;
      const policyEvents: PolicyEvent[] = [];
      if (reservation?.state === "active") {
        const observed = Math.max(total, ctx.usage?.outputTokens ?? 0);
        const verdict = await engine.streamCheck(reservation, observed);
        if (verdict.action === "cut") {
          // Pass the events that fit in what the budget still allowed; the rest never reaches the client.
          const kept: StreamEvent[] = [];
          let sent = before;
          for (const [i, event] of passed.entries()) {
            if (sent + perEvent[i]! > verdict.allowedOutputTokens || event.terminal) break;
            sent += perEvent[i]!;
            kept.push(event);
          }
          state.streamedOutput = sent;
          await reconcileAll(ctx, engine, state, usageToCharge(ctx, state, "early", sent));
          return {
            events: kept,
            terminate: toDenial(verdict.denial),
            policyEvents: [{ name: "budget.stream_cut", attributes: { rule: verdict.rule, output_tokens: sent } }],
          };
        }
        if (verdict.action === "finish") {
          policyEvents.push({ name: "budget.stream_over_cap", attributes: { rule: verdict.rule, action: "finish" } });
        }
      }
      state.streamedOutput = total;
      if (passed.some((e) => e.terminal)) await reconcileAll(ctx, engine, state, usageToCharge(ctx, state, "normal"));
      else if (endOfStream) await reconcileAll(ctx, engine, state, usageToCharge(ctx, state, "early"));
      return policyEvents.length > 0 ? { events: passed, policyEvents } : { events: passed };
    },

    async done(ctx, outcome: Outcome) {
      const state = ctx.state.get(BUDGET_STATE) as RequestState | undefined;
      if (!state) return;
      // Output the client already received was generated and billed: charge it, whatever ended the request.
      const delivered = state.streamedOutput > 0 || (ctx.usage?.outputTokens ?? 0) > 0;
      if (outcome === "completed") await reconcileAll(ctx, engine, state, usageToCharge(ctx, state, "normal"));
      else if (delivered) await reconcileAll(ctx, engine, state, usageToCharge(ctx, state, "early"));
      else await releaseAll(engine, state);
    },
  };
}

function stateOf(ctx: PolicyContext): RequestState {
  let state = ctx.state.get(BUDGET_STATE) as RequestState | undefined;
  if (!state) {
    state = { streamedOutput: 0, stripUsageChunk: false };
    ctx.state.set(BUDGET_STATE, state);
  }
  return state;
}

function scopeOf(ctx: PolicyContext): Scope {
  return { keyId: ctx.principal?.keyId, cohort: ctx.principal?.cohort, route: ctx.routeName };
}

/** OpenAI streams report usage only when asked; ask, and remember to hide the extra chunk from this client. */
function askForStreamUsage(ctx: PolicyContext, request: LlmRequest, state: RequestState): boolean {
  const kind = request.endpoint.kind;
  if (request.endpoint.api !== "openai" || !request.stream || request.includeUsage) return false;
  if (kind !== "chat_completions" && kind !== "completions") return false;
  const existing = request.body["stream_options"];
  request.body["stream_options"] = { ...(typeof existing === "object" && existing !== null ? existing : {}), include_usage: true };
  state.stripUsageChunk = true;
  ctx.state.set(INJECTED_USAGE_STATE, true);
  return true;
}

/** The body field that limits output, per endpoint (chat uses max_completion_tokens, which reasoning models need). */
const OUTPUT_LIMIT_FIELD: Partial<Record<LlmRequest["endpoint"]["kind"], string>> = {
  chat_completions: "max_completion_tokens",
  completions: "max_tokens",
  responses: "max_output_tokens",
  messages: "max_tokens",
};

/** Bound the response to what was reserved (limits.defaults.cap_output_tokens). */
function capOutput(request: LlmRequest, tokens: number): boolean {
  const field = OUTPUT_LIMIT_FIELD[request.endpoint.kind];
  if (!field || tokens <= 0) return false;
  request.body[field] = tokens;
  request.maxTokens = tokens;
  return true;
}

/** OpenAI's usage chunk: `choices: []` and a usage object. */
function isUsageOnlyChunk(event: StreamEvent): boolean {
  const data = event.data;
  if (typeof data !== "object" || data === null) return false;
  const record = data as Record<string, unknown>;
  return Array.isArray(record["choices"]) && record["choices"].length === 0 && typeof record["usage"] === "object" && record["usage"] !== null;
}

/**
 * Usage in one convention: inputTokens counts every prompt token, cached ones included. The codecs report usage as
 * the provider did; Anthropic's input_tokens exclude cache reads, so those are added back.
 */
export function normalize(api: ApiFlavor | undefined, usage: Usage): Usage {
  if (api !== "anthropic") return usage;
  return { ...usage, inputTokens: usage.inputTokens + usage.cachedInputTokens };
}

/**
 * The usage to charge. At a normal end the provider's report is the truth (our prompt estimate fills in a missing
 * input count). For a response that ended early (cut, cancel, truncated), output is the larger of what the provider
 * reported so far and what we counted going to the client.
 */
function usageToCharge(ctx: PolicyContext, state: RequestState, ending: "normal" | "early", outputTokens = state.streamedOutput): Usage {
  const reported = ctx.usage ? normalize(ctx.endpoint?.api, ctx.usage) : undefined;
  const estimate = state.main?.estimate ?? state.early?.estimate;
  const inputTokens = reported?.inputTokens || estimate?.inputTokens || 0;
  const output = ending === "normal" && reported ? reported.outputTokens : Math.max(outputTokens, reported?.outputTokens ?? 0);
  return {
    inputTokens,
    outputTokens: output,
    cachedInputTokens: reported?.cachedInputTokens ?? 0,
    reasoningTokens: reported?.reasoningTokens ?? 0,
  };
}

/**
 * Settles both reservations with the same usage. The main reservation (priced by model) records the request's
 * tokens and spend; the early request-rate one only does when there is no main one, so nothing is counted twice.
 */
async function reconcileAll(ctx: PolicyContext, engine: BudgetEngine, state: RequestState, usage: Usage): Promise<void> {
  let cost = 0;
  if (state.early) cost = await engine.reconcile(state.early, usage, { record: !state.main });
  if (state.main) cost = await engine.reconcile(state.main, usage);
  ctx.state.set(COST_STATE, cost);
}

async function releaseAll(engine: BudgetEngine, state: RequestState): Promise<void> {
  if (state.early) await engine.release(state.early);
  if (state.main) await engine.release(state.main);
}

function toDenial(denial: BudgetDenial): Denial {
  return { status: denial.status, code: denial.code, message: denial.message, headers: denial.headers };
}

function denied(denial: BudgetDenial): PolicyResult {
  return {
    verdict: "deny",
    denial: toDenial(denial),
    events: [{ name: "budget.denied", attributes: { rule: denial.rule, code: denial.code, status: denial.status } }],
  };
}

function unenforced(rules: string[]): PolicyEvent[] {
  return rules.length === 0 ? [] : [{ name: "budget.unenforced", attributes: { rules: rules.join(","), reason: "store_unavailable" } }];
}
