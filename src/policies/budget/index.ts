// Builds the budget engine, its policy and its usage report from the parsed `limits:` config.
//
//   const metrics = registerBudgetMetrics(registry);          // once per process (names are registered once)
//   const store = createStore(config.store);                  // once per process; survives config reloads
//   const budget = await createBudget(config.limits, { store, metrics, logger });
//   policies.push(budget.policy);                             // after auth and routing (it needs key and route)
//   admin: GET /v1/usage?key=…&cohort=…&route=…  →  await budget.usageReport({ keyId, cohort, route })
import type { Logger } from "pino";
import type { Store } from "../../state/store.js";
import type { Policy } from "../types.js";
import { BudgetEngine } from "./engine.js";
import type { BudgetMetrics } from "./metrics.js";
import { budgetPolicy } from "./policy.js";
import { loadPriceTable } from "./prices.js";
import type { LimitsConfig } from "./schema.js";
import { warmTokenizers } from "./tokenizer.js";
import { usageReport, type UsageQuery, type UsageReport } from "./usage.js";
import { WebhookSender } from "./webhook.js";

export interface BudgetDeps {
  store: Store;
  metrics?: BudgetMetrics;
  logger?: Logger;
  clock?: () => number;
  /** For tests: the HTTP client alert webhooks use. */
  fetch?: typeof fetch;
}

export interface Budget {
  engine: BudgetEngine;
  policy: Policy;
  usageReport(query: UsageQuery): Promise<UsageReport>;
  /** Waits for background alert work (graceful shutdown, tests). */
  idle(): Promise<void>;
}

/** Loads the price table (throws with the file name on a bad table) and the tokenizers, then wires the engine. */
export async function createBudget(config: LimitsConfig, deps: BudgetDeps): Promise<Budget> {
  const prices = loadPriceTable(config.prices);
  await warmTokenizers();
  const sender = new WebhookSender({ ...config.alerts, ...(deps.fetch ? { fetch: deps.fetch } : {}) });
  const engine = new BudgetEngine(config, { store: deps.store, prices, metrics: deps.metrics, logger: deps.logger, clock: deps.clock, sender });
  return {
    engine,
    policy: budgetPolicy(engine),
    usageReport: (query) => usageReport(engine, query),
    idle: () => engine.idle(),
  };
}

export { limitsSchema, type LimitsConfig, type LimitsInput } from "./schema.js";
export { registerBudgetMetrics, type BudgetMetrics } from "./metrics.js";
export type { UsageQuery, UsageReport } from "./usage.js";
