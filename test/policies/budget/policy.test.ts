import { describe, expect, it } from "vitest";
import { budgetPolicy, INJECTED_USAGE_STATE, normalize } from "../../../src/policies/budget/policy.js";
import { MemoryStore } from "../../../src/state/memory.js";
import type { ExchangeContext } from "../../../src/exchange/context.js";
import type { Policy, PolicyResult, ResponseModel, StreamEvent } from "../../../src/policies/types.js";
import { contextFor, limits, makeEngine, ManualClock, openaiChunk, openaiUsageChunk, sse, streamEvents, usage } from "./helpers.js";
import type { LimitsInput } from "../../../src/policies/budget/schema.js";
import type { LlmRequest } from "../../../src/exchange/model.js";

function setup(rules: LimitsInput["rules"], defaults: LimitsInput["defaults"] = {}) {
  const clock = new ManualClock();
  const store = new MemoryStore();
  const engine = makeEngine(limits({ rules, defaults }), store, clock);
  return { clock, store, engine, policy: budgetPolicy(engine) };
}

const chatBody = (extra: Record<string, unknown> = {}) => ({ model: "gpt-4o", messages: [{ role: "user", content: "hello world" }], ...extra });

async function admit(policy: Policy, ctx: ExchangeContext): Promise<PolicyResult> {
  const early = await policy.requestHeaders!(ctx);
  if (early.verdict === "deny") return early;
  return policy.requestBody!(ctx);
}

function response(ctx: ExchangeContext, status: number, reported?: ReturnType<typeof usage>): ResponseModel {
  if (reported) ctx.addUsage(reported);
  return { status, segments: [{ kind: "assistant", role: "assistant", index: 0, text: "Hi there, friend.", path: [] }], body: {}, ...(reported ? { usage: reported } : {}) };
}

async function used(setupResult: ReturnType<typeof setup>, ctx: ExchangeContext): Promise<number[]> {
  const state = ctx.state.get("budget") as { early?: { held: { counter: never }[] }; main?: { held: { counter: never }[] } };
  const counters = [...(state.early?.held ?? []), ...(state.main?.held ?? [])].map((h) => h.counter);
  return (await setupResult.store.read(counters, setupResult.clock.now())).map((u) => u.used);
}

describe("budget policy", () => {
  it("checks request rate early, and denies with 429, retry-after and x-ratelimit headers", async () => {
    const { policy } = setup({ rpm: { per: ["key"], requests: 1, window: "1m" } });
    const first = await policy.requestHeaders!(contextFor(chatBody()));
    expect(first).toMatchObject({ verdict: "continue", responseHeaders: { set: { "x-ratelimit-limit-requests": "1", "x-ratelimit-remaining-requests": "0" } } });
    const second = await policy.requestHeaders!(contextFor(chatBody()));
    expect(second).toMatchObject({
      verdict: "deny",
      denial: { status: 429, code: "rate_limited", headers: { "retry-after": "60", "x-ratelimit-remaining-requests": "0" } },
    });
  });

  it("waits for the route when request rules depend on it", async () => {
    const { policy } = setup({ chat: { match: { route: "chat" }, requests: 5, window: "1m" } });
    const ctx = contextFor(chatBody());
    expect(await policy.requestHeaders!(ctx)).toEqual({ verdict: "continue" });
    ctx.setRoute("chat", "openai");
    expect(await policy.requestBody!(ctx)).toMatchObject({ verdict: "continue", responseHeaders: { set: { "x-ratelimit-remaining-requests": "4" } } });
  });

  it("reserves prompt + max_tokens at the body and reconciles to the reported usage", async () => {
    const s = setup({ tpm: { per: ["key"], tokens: 100_000, window: "1m" }, usd: { per: ["key"], usd: 5, window: "daily" } });
    const ctx = contextFor(chatBody({ max_tokens: 500 }));
    const admitted = await admit(s.policy, ctx);
    expect(admitted).toMatchObject({ verdict: "continue", responseHeaders: { set: { "x-ratelimit-remaining-tokens": String(100_000 - 509) } } });
    expect(await used(s, ctx)).toEqual([509, Math.ceil(9 * 2.5 + 500 * 10)]);
    await s.policy.responseBody!(ctx, response(ctx, 200, usage(9, 120)));
    expect(await used(s, ctx)).toEqual([129, Math.ceil(9 * 2.5 + 120 * 10)]);
    await s.policy.done!(ctx, "completed");
    expect(await used(s, ctx)).toEqual([129, 1223]);
  });

  it("bounds a request without an output limit to its reservation when cap_output_tokens is on", async () => {
    const s = setup({ tpm: { tokens: 100_000, window: "1m" } }, { cap_output_tokens: true, default_max_tokens: 300 });
    const ctx = contextFor(chatBody());
    expect(await admit(s.policy, ctx)).toMatchObject({ verdict: "mutate", bodyChanged: true });
    expect((ctx.request as LlmRequest).body["max_completion_tokens"]).toBe(300);
    expect(await used(s, ctx)).toEqual([309]);
    // A client's own limit is left alone.
    const own = contextFor(chatBody({ max_tokens: 50 }));
    expect(await admit(s.policy, own)).toMatchObject({ verdict: "continue" });
    expect((own.request as LlmRequest).body["max_completion_tokens"]).toBeUndefined();
  });

  it("refuses a request over the money budget with budget_exceeded", async () => {
    const s = setup({ tiny: { per: ["key"], usd: 0.001, window: "daily" } });
    const result = await admit(s.policy, contextFor(chatBody({ max_tokens: 500 })));
    expect(result).toMatchObject({ verdict: "deny", denial: { status: 429, code: "budget_exceeded", message: expect.stringContaining("$0.001") } });
  });

  it("asks OpenAI for streamed usage, hides that chunk from the client, and reconciles to it", async () => {
    const s = setup({ tpm: { tokens: 100_000, window: "1m" } });
    const ctx = contextFor(chatBody({ stream: true, max_tokens: 100 }));
    const result = await admit(s.policy, ctx);
    expect(result).toMatchObject({ verdict: "mutate", bodyChanged: true });
    expect((ctx.request as LlmRequest).body["stream_options"]).toEqual({ include_usage: true });
    expect(ctx.state.get(INJECTED_USAGE_STATE)).toBe(true);

    const events = streamEvents(ctx, openaiChunk("Hello") + openaiChunk(" there") + openaiUsageChunk(9, 2) + sse("[DONE]"));
    const out = await s.policy.responseStream!(ctx, events, false);
    expect(out.events.map((e) => e.raw)).toEqual([events[0]!.raw, events[1]!.raw, events[3]!.raw]);
    expect(await used(s, ctx)).toEqual([11]);
  });

  it("leaves the usage chunk to a client that asked for it", async () => {
    const s = setup({ tpm: { tokens: 100_000, window: "1m" } });
    const ctx = contextFor(chatBody({ stream: true, stream_options: { include_usage: true } }));
    expect(await admit(s.policy, ctx)).toMatchObject({ verdict: "continue" });
    const events = streamEvents(ctx, openaiChunk("Hi") + openaiUsageChunk(9, 1) + sse("[DONE]"));
    expect((await s.policy.responseStream!(ctx, events, false)).events).toHaveLength(3);
  });

  it("cuts a stream at the cap: passes what fits, ends with an error, charges what was delivered", async () => {
    const s = setup({ out: { tokens: 30, count: "output", window: "1h", on_stream_exceed: "cut" } });
    const ctx = contextFor(chatBody({ stream: true, max_tokens: 10 }));
    await admit(s.policy, ctx);
    const word = " word"; // one o200k token each
    const first = await s.policy.responseStream!(ctx, streamEvents(ctx, openaiChunk(word.repeat(10))), false);
    expect(first.terminate).toBeUndefined();
    const chunks = Array.from({ length: 5 }, () => openaiChunk(word.repeat(10))).join("");
    const second = await s.policy.responseStream!(ctx, streamEvents(ctx, chunks), false);
    expect(second.terminate).toMatchObject({ status: 429, code: "rate_limited" });
    expect(second.events).toHaveLength(2); // 10 + 20 = 30 tokens fit, the rest never reaches the client
    expect(second.policyEvents).toEqual([{ name: "budget.stream_cut", attributes: { rule: "out", output_tokens: 30 } }]);
    await s.policy.done!(ctx, "denied");
    expect(await used(s, ctx)).toEqual([30]);
  });

  it("lets a `finish` rule's stream end normally and charges all of it, refusing the next request", async () => {
    const s = setup({ out: { tokens: 30, count: "output", window: "1h", on_stream_exceed: "finish" } });
    const ctx = contextFor(chatBody({ stream: true, max_tokens: 10 }));
    await admit(s.policy, ctx);
    const events = streamEvents(ctx, openaiChunk(" word".repeat(40)) + openaiUsageChunk(9, 40) + sse("[DONE]"));
    const out = await s.policy.responseStream!(ctx, events, false);
    expect(out.terminate).toBeUndefined();
    expect(out.events).toHaveLength(2); // the text and [DONE]; the usage chunk was ours
    expect(out.policyEvents).toEqual([{ name: "budget.stream_over_cap", attributes: { rule: "out", action: "finish" } }]);
    expect(await used(s, ctx)).toEqual([40]);
    expect(await admit(s.policy, contextFor(chatBody({ max_tokens: 1 })))).toMatchObject({ verdict: "deny" });
  });

  it("releases everything when the request is cancelled before any output", async () => {
    const s = setup({ rpm: { requests: 5, window: "1m" }, tpm: { tokens: 100_000, window: "1m" } });
    const ctx = contextFor(chatBody({ max_tokens: 100 }));
    await admit(s.policy, ctx);
    expect(await used(s, ctx)).toEqual([1, 109]);
    await s.policy.done!(ctx, "cancelled");
    expect(await used(s, ctx)).toEqual([0, 0]);
  });

  it("gives back the early request count when the body is refused", async () => {
    const s = setup({ rpm: { requests: 5, window: "1m" }, tiny: { tokens: 5, window: "1m" } });
    const ctx = contextFor(chatBody({ max_tokens: 100 }));
    expect(await admit(s.policy, ctx)).toMatchObject({ verdict: "deny", denial: { code: "rate_limited" } });
    expect(await used(s, ctx)).toEqual([1]);
    await s.policy.done!(ctx, "denied");
    expect(await used(s, ctx)).toEqual([0]);
  });

  it("charges what was streamed when the client disconnects mid-answer", async () => {
    const s = setup({ tpm: { tokens: 100_000, window: "1m" } });
    const ctx = contextFor(chatBody({ stream: true, max_tokens: 1_000 }));
    await admit(s.policy, ctx);
    await s.policy.responseStream!(ctx, streamEvents(ctx, openaiChunk(" word".repeat(25))), false);
    await s.policy.done!(ctx, "cancelled");
    expect(await used(s, ctx)).toEqual([9 + 25]);
  });

  it("releases on an upstream error that reported no usage", async () => {
    const s = setup({ tpm: { tokens: 100_000, window: "1m" } });
    const ctx = contextFor(chatBody());
    await admit(s.policy, ctx);
    await s.policy.responseBody!(ctx, response(ctx, 500));
    await s.policy.done!(ctx, "completed");
    expect(await used(s, ctx)).toEqual([0]);
  });

  it("reconciles a buffered response with no usage to our own count of its text", async () => {
    const s = setup({ tpm: { tokens: 100_000, window: "1m" } });
    const ctx = contextFor(chatBody());
    await admit(s.policy, ctx);
    await s.policy.responseBody!(ctx, response(ctx, 200));
    expect(await used(s, ctx)).toEqual([9 + 5]); // "Hi there, friend." is 5 o200k tokens
  });

  it("applies only request rules to MCP calls", async () => {
    const s = setup({ rpm: { requests: 5, window: "1m" }, tpm: { tokens: 1, window: "1m" } });
    const ctx = contextFor({ jsonrpc: "2.0", id: 1, method: "tools/call", params: { name: "search", arguments: {} } }, { api: "mcp", kind: "mcp" });
    expect(await admit(s.policy, ctx)).toMatchObject({ verdict: "continue" });
    expect(await used(s, ctx)).toEqual([1]);
  });

  it("counts Anthropic cache reads as prompt tokens (its input_tokens leave them out)", () => {
    expect(normalize("anthropic", usage(10, 5, 1_000))).toMatchObject({ inputTokens: 1_010, cachedInputTokens: 1_000 });
    expect(normalize("openai", usage(1_010, 5, 1_000))).toMatchObject({ inputTokens: 1_010 });
  });

  it("passes events through untouched when no rule applies", async () => {
    const s = setup({});
    const ctx = contextFor(chatBody({ stream: true, stream_options: { include_usage: true } }));
    await admit(s.policy, ctx);
    const events: StreamEvent[] = streamEvents(ctx, openaiChunk("Hi") + sse("[DONE]"));
    expect((await s.policy.responseStream!(ctx, events, true)).events).toEqual(events);
  });
});
