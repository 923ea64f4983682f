// Shared setup for budget tests: config from YAML-shaped input, a clock tests move by hand, and an engine.
import { BudgetEngine } from "../../../src/policies/budget/engine.js";
import type { BudgetMetrics } from "../../../src/policies/budget/metrics.js";
import { loadPriceTable } from "../../../src/policies/budget/prices.js";
import { limitsSchema, type LimitsConfig, type LimitsInput } from "../../../src/policies/budget/schema.js";
import { WebhookSender } from "../../../src/policies/budget/webhook.js";
import type { ApiFlavor, EndpointKind, Usage } from "../../../src/exchange/model.js";
import { ExchangeContext } from "../../../src/exchange/context.js";
import type { StreamEvent } from "../../../src/policies/types.js";
import { codecs } from "../../../src/providers/index.js";
import { SseParser } from "../../../src/providers/sse.js";
import type { Store } from "../../../src/state/store.js";

export function limits(input: LimitsInput): LimitsConfig {
  return limitsSchema.parse(input);
}

export class ManualClock {
  constructor(public time: number = Date.UTC(2026, 0, 15, 12, 0, 0)) {}
  readonly now = (): number => this.time;
  advance(ms: number): void {
    this.time += ms;
  }
}

export function makeEngine(config: LimitsConfig, store: Store, clock: ManualClock, extra: { metrics?: BudgetMetrics; fetch?: typeof fetch } = {}): BudgetEngine {
  return new BudgetEngine(config, {
    store,
    prices: loadPriceTable(config.prices),
    clock: clock.now,
    metrics: extra.metrics,
    sender: new WebhookSender({ ...config.alerts, ...(extra.fetch ? { fetch: extra.fetch } : {}) }),
  });
}

export function usage(inputTokens: number, outputTokens: number, cachedInputTokens = 0): Usage {
  return { inputTokens, outputTokens, cachedInputTokens, reasoningTokens: 0 };
}

// ---- policy-level helpers: the real request context and provider codecs ---------------------------------------

export interface ContextOptions {
  api?: ApiFlavor;
  kind?: EndpointKind;
  keyId?: string;
  cohort?: string;
  route?: string;
}

/** A request context as the exchange builds it, with the body parsed by the real codec. */
export function contextFor(body: Record<string, unknown>, options: ContextOptions = {}): ExchangeContext {
  const ctx = new ExchangeContext();
  ctx.requestId = `req-${Math.random().toString(16).slice(2)}`;
  ctx.endpoint = { api: options.api ?? "openai", kind: options.kind ?? "chat_completions" };
  ctx.setPrincipal({ keyId: options.keyId ?? "k1", cohort: options.cohort ?? "team-a", routes: [] });
  if (options.route) ctx.setRoute(options.route, "provider");
  ctx.request = codecs[ctx.endpoint.api].parseRequest(ctx.endpoint, body);
  return ctx;
}

/** Parse SSE text into stream events with the real codec, recording usage on the context as the exchange does. */
export function streamEvents(ctx: ExchangeContext, sse: string): StreamEvent[] {
  const endpoint = ctx.endpoint!;
  const codec = codecs[endpoint.api];
  return new SseParser().push(Buffer.from(sse, "utf8")).map((frame) => {
    const event = codec.parseStreamFrame(endpoint, frame);
    if (event.usage) ctx.addUsage(event.usage);
    return event;
  });
}

export const sse = (data: unknown): string => `data: ${typeof data === "string" ? data : JSON.stringify(data)}\n\n`;

export function openaiChunk(content: string): string {
  return sse({ id: "c1", object: "chat.completion.chunk", choices: [{ index: 0, delta: { content } }] });
}

export function openaiUsageChunk(promptTokens: number, completionTokens: number): string {
  return sse({ id: "c1", object: "chat.completion.chunk", choices: [], usage: { prompt_tokens: promptTokens, completion_tokens: completionTokens, total_tokens: promptTokens + completionTokens } });
}
