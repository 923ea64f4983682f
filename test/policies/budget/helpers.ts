// Shared setup for budget tests: config from YAML-shaped input, a clock tests move by hand, and an engine.
import { BudgetEngine } from "../../../src/policies/budget/engine.js";
import type { BudgetMetrics } from "../../../src/policies/budget/metrics.js";
import { loadPriceTable } from "../../../src/policies/budget/prices.js";
import { limitsSchema, type LimitsConfig, type LimitsInput } from "../../../src/policies/budget/schema.js";
import { WebhookSender } from "../../../src/policies/budget/webhook.js";
import type { Usage } from "../../../src/exchange/model.js";
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
