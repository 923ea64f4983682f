// Which rules apply to a request, and which counter of each rule it charges.
import type { CounterRef } from "../../state/store.js";
import type { Dimension, LimitKind, LimitRule } from "./schema.js";
import { windowAt } from "./window.js";

/** Who and where: the dimensions limits match and split on. */
export interface Scope {
  keyId?: string | undefined;
  cohort?: string | undefined;
  route?: string | undefined;
}

const FIELD: Record<Dimension, keyof Scope> = { key: "keyId", cohort: "cohort", route: "route" };

/** A `per` dimension with no value (e.g. no principal) shares this one counter rather than escaping the limit. */
export const MISSING = "-";

export function ruleApplies(rule: LimitRule, scope: Scope): boolean {
  for (const dim of ["key", "cohort", "route"] as const) {
    const allowed = rule.match[dim];
    if (!allowed) continue;
    const value = scope[FIELD[dim]];
    if (value === undefined || !allowed.includes(value)) return false;
  }
  return true;
}

/** Dimensions a rule needs to pick its counter (matched or split on). */
export function ruleDimensions(rule: LimitRule): Set<Dimension> {
  const dims = new Set<Dimension>(rule.per);
  for (const dim of ["key", "cohort", "route"] as const) if (rule.match[dim]) dims.add(dim);
  return dims;
}

/** Stable counter id: the rule name and, for split rules, the values it splits on (encoded, so ids stay plain). */
export function counterId(rule: LimitRule, scope: Scope): string {
  let id = rule.name;
  for (const dim of rule.per) id += `|${dim}=${encodeURIComponent(scope[FIELD[dim]] ?? MISSING)}`;
  return id;
}

export function counterFor(rule: LimitRule, scope: Scope, now: number, rollingBuckets: number): CounterRef {
  return { id: counterId(rule, scope), window: windowAt(rule.window, now, rollingBuckets) };
}

export function scopeValues(rule: LimitRule, scope: Scope): Record<string, string> {
  const values: Record<string, string> = {};
  for (const dim of rule.per) values[dim] = scope[FIELD[dim]] ?? MISSING;
  return values;
}

export function applicableRules(rules: readonly LimitRule[], scope: Scope, kinds: readonly LimitKind[]): LimitRule[] {
  return rules.filter((rule) => kinds.includes(rule.kind) && ruleApplies(rule, scope));
}
