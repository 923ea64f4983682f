// Budget metrics on a prom-client Registry. Spend counters carry key, cohort and route labels: one series per virtual
// key, which is what operators want to see (keys are configured, not client-chosen, so cardinality stays bounded).
import { Counter, Gauge, type Registry } from "prom-client";
import type { StoreStatus } from "../../state/status.js";

export interface BudgetMetrics {
  tokens: Counter<"key" | "cohort" | "route" | "direction">;
  spendMicros: Counter<"key" | "cohort" | "route">;
  denials: Counter<"rule" | "code">;
  storeErrors: Counter<"backend" | "operation">;
  unknownModels: Counter<"model">;
  alerts: Counter<"rule" | "type" | "outcome">;
  /** Report a store's health on the degraded gauge. */
  watchStore(status: StoreStatus): void;
}

export function registerBudgetMetrics(registry: Registry): BudgetMetrics {
  const registers = [registry];
  const watched = new Set<StoreStatus>();
  // Read at scrape time, so the gauge is right even when no request has touched the store since it changed.
  new Gauge({
    name: "tollgate_store_degraded",
    help: "1 while the state store is unreachable (limits apply their fail mode), by backend.",
    labelNames: ["backend"],
    registers,
    collect() {
      for (const status of watched) this.set({ backend: status.backend }, status.degraded ? 1 : 0);
    },
  });
  return {
    tokens: new Counter({
      name: "tollgate_budget_tokens_total",
      help: "Tokens charged to budgets after reconciliation, by key, cohort, route and direction (input, output).",
      labelNames: ["key", "cohort", "route", "direction"],
      registers,
    }),
    spendMicros: new Counter({
      name: "tollgate_budget_spend_micro_usd_total",
      help: "Spend charged to budgets after reconciliation, in micro-dollars, by key, cohort and route.",
      labelNames: ["key", "cohort", "route"],
      registers,
    }),
    denials: new Counter({
      name: "tollgate_budget_denials_total",
      help: "Requests refused by a limit (or cut mid-stream), by rule and code.",
      labelNames: ["rule", "code"],
      registers,
    }),
    storeErrors: new Counter({
      name: "tollgate_store_errors_total",
      help: "Failed store operations (the limit's fail mode applied), by backend and operation.",
      labelNames: ["backend", "operation"],
      registers,
    }),
    unknownModels: new Counter({
      name: "tollgate_budget_unknown_model_total",
      help: "Requests for models missing from the price table (charged the fallback price).",
      labelNames: ["model"],
      registers,
    }),
    alerts: new Counter({
      name: "tollgate_budget_alerts_total",
      help: "Budget alerts fired, by rule, type (threshold, burn_rate) and delivery outcome (delivered, failed, dropped, logged).",
      labelNames: ["rule", "type", "outcome"],
      registers,
    }),
    watchStore(status) {
      watched.add(status);
    },
  };
}

