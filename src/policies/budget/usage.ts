// The read-only usage report the admin port serves (e.g. GET /v1/usage?key=k1&cohort=team-a): every limit that
// applies to the given key/cohort/route with its current usage. Counters are found by name, never by scanning the
// store, so a rule that splits on a dimension the query does not give is listed as unresolved instead.
import type { StoreStatusSnapshot } from "../../state/status.js";
import type { BudgetEngine } from "./engine.js";
import { counterFor, ruleApplies, ruleDimensions, scopeValues, type Scope } from "./limits.js";
import type { Dimension, LimitRule } from "./schema.js";

export interface UsageQuery {
  keyId?: string | undefined;
  cohort?: string | undefined;
  route?: string | undefined;
}

export interface UsageEntry {
  rule: string;
  kind: LimitRule["kind"];
  /** Tokens rules: which tokens count. */
  count?: LimitRule["count"];
  scope: Record<string, string>;
  /** Period id of calendar and fixed windows ("d:2026-11-24", "m:2026-11"), or "rolling:<ms>". */
  period: string;
  unit: "requests" | "tokens" | "micro_usd";
  cap: number;
  used: number;
  remaining: number;
  percent: number;
  resetAt: string;
  /** Money rules: the same numbers in dollars, for people. */
  usd?: { cap: number; used: number; remaining: number };
}

export interface UsageReport {
  query: UsageQuery;
  generatedAt: string;
  entries: UsageEntry[];
  /** Rules that may apply but need a dimension the query did not give. */
  unresolved: { rule: string; needs: Dimension[] }[];
  store: StoreStatusSnapshot;
}

const QUERY_FIELD: Record<Dimension, keyof UsageQuery> = { key: "keyId", cohort: "cohort", route: "route" };

/** Throws StoreUnavailableError when the store cannot be read (the admin endpoint answers 503). */
export async function usageReport(engine: BudgetEngine, query: UsageQuery, now: number = engine.now()): Promise<UsageReport> {
  const scope: Scope = { keyId: query.keyId, cohort: query.cohort, route: query.route };
  const unresolved: UsageReport["unresolved"] = [];
  const rules: LimitRule[] = [];
  for (const rule of engine.config.rules) {
    const needs = [...ruleDimensions(rule)].filter((dim) => query[QUERY_FIELD[dim]] === undefined);
    if (needs.length > 0) unresolved.push({ rule: rule.name, needs });
    else if (ruleApplies(rule, scope)) rules.push(rule);
  }
  const counters = rules.map((rule) => counterFor(rule, scope, now, engine.config.rollingBuckets));
  const usages = counters.length > 0 ? await engine.store.read(counters, now) : [];
  const entries = rules.map((rule, i): UsageEntry => {
    const counter = counters[i]!;
    const { used, resetAt } = usages[i]!;
    const remaining = Math.max(0, rule.cap - used);
    const entry: UsageEntry = {
      rule: rule.name,
      kind: rule.kind,
      scope: scopeValues(rule, scope),
      period: counter.window.kind === "fixed" ? counter.window.period : `rolling:${counter.window.windowMs}`,
      unit: rule.kind === "money" ? "micro_usd" : rule.kind,
      cap: rule.cap,
      used,
      remaining,
      percent: Math.round((used / rule.cap) * 10_000) / 100,
      resetAt: new Date(resetAt).toISOString(),
    };
    if (rule.kind === "tokens") entry.count = rule.count;
    if (rule.kind === "money") entry.usd = { cap: rule.cap / 1e6, used: used / 1e6, remaining: remaining / 1e6 };
    return entry;
  });
  return { query, generatedAt: new Date(now).toISOString(), entries, unresolved, store: engine.store.status.snapshot() };
}
