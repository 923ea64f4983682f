// A request's reservation: which rules it holds leases on, and what a request costs against a rule.
import type { CounterRef, Lease } from "../../state/store.js";
import type { Scope } from "./limits.js";
import { costMicros, outputTokensWithin, type PriceLookup } from "./prices.js";
import type { LimitRule } from "./schema.js";

export interface Held {
  rule: LimitRule;
  counter: CounterRef;
  /** The granted lease and any top-ups; empty when the store was down and the rule fails open. */
  leases: Lease[];
  /** No more mid-stream checks: the rule chose `finish` at its cap, or the store was down and it fails open. */
  unchecked: boolean;
}

export interface Reservation {
  readonly scope: Scope;
  readonly model: string | undefined;
  readonly price: PriceLookup;
  readonly estimate: { inputTokens: number; outputTokens: number } | undefined;
  readonly held: Held[];
  state: "active" | "settled";
}

/** What a request costs against one rule: 1 request, some tokens, or micro-dollars. */
export function amountFor(rule: LimitRule, price: PriceLookup, input: number, output: number, cachedInput: number): number {
  switch (rule.kind) {
    case "requests":
      return 1;
    case "tokens":
      return rule.count === "input" ? input : rule.count === "output" ? output : input + output;
    case "money":
      return costMicros(price.price, { inputTokens: input, outputTokens: output, cachedInputTokens: cachedInput });
  }
}

export function heldAmount(h: Held): number {
  return h.leases.reduce((sum, lease) => sum + lease.amount, 0);
}

/** The most output tokens that fit in what a rule holds. */
export function outputWithin(h: Held, price: PriceLookup, input: number): number {
  const held = heldAmount(h);
  if (h.rule.kind === "money") return outputTokensWithin(price.price, input, held);
  if (h.rule.kind === "tokens" && h.rule.count === "output") return held;
  if (h.rule.kind === "tokens" && h.rule.count === "total") return Math.max(0, held - input);
  return Number.MAX_SAFE_INTEGER;
}

