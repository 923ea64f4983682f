// Denials and limit status: what the client is told when a limit refuses (or admits) a request.
import type { CounterUsage } from "../../state/store.js";
import type { LimitStatus } from "./headers.js";
import type { LimitRule } from "./schema.js";

export type DenialCode = "rate_limited" | "budget_exceeded" | "budget_unavailable";

export interface BudgetDenial {
  status: 429 | 503;
  code: DenialCode;
  message: string;
  rule: string;
  headers: Record<string, string>;
}

/** A limit's state after an admission or a refusal (for x-ratelimit headers). */
export function limitStatus(rule: LimitRule, usage: CounterUsage): LimitStatus {
  return { rule: rule.name, kind: rule.kind, cap: rule.cap, used: usage.used, remaining: Math.max(0, rule.cap - usage.used), resetAt: usage.resetAt };
}

/** 429 with a stable code: money rules say budget_exceeded, request and token rules rate_limited. */
export function deny(rule: LimitRule, headers: Record<string, string>, message: string): BudgetDenial {
  return { status: 429, code: rule.kind === "money" ? "budget_exceeded" : "rate_limited", rule: rule.name, message, headers };
}

/** A message a person can act on: how much is used, how much this request needs, or that it can never fit. */
export function denialMessage(rule: LimitRule, amount: number, used: number, never: boolean): string {
  const unit = rule.kind === "money" ? "micro-USD" : rule.kind === "tokens" ? `${rule.count} tokens` : "requests";
  const show = (n: number) => (rule.kind === "money" ? `$${(n / 1e6).toFixed(6).replace(/0+$/, "").replace(/\.$/, "")}` : `${n} ${unit}`);
  if (never) return `limit "${rule.name}": this request needs ${show(amount)}, more than the whole limit of ${show(rule.cap)}; lower max_tokens or the prompt`;
  return `limit "${rule.name}" reached: ${show(used)} of ${show(rule.cap)} used, this request needs ${show(amount)}`;
}
