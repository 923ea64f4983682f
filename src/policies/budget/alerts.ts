// Budget alerts: percentage thresholds of a cap, and a burn-rate rule (spend in the last N minutes over K times the
// usual rate). Each fires once per period per counter across all replicas: the store's once() decides which replica
// sends it (a local memo saves the store round trip afterwards). An alert goes to the log, a metric and the webhook.
// Delivery is at most once: a webhook that fails every attempt is logged and counted, not retried next period.
import type { Logger } from "pino";
import { KEY_GRACE_MS, type CounterRef, type CounterUsage, type Store } from "../../state/store.js";
import type { BudgetMetrics } from "./metrics.js";
import type { BurnRateRule, LimitRule } from "./schema.js";
import type { WebhookSender } from "./webhook.js";

export interface BudgetAlert {
  type: "threshold" | "burn_rate";
  rule: string;
  kind: LimitRule["kind"];
  /** Values of the rule's `per` dimensions (e.g. {key: "k1"}); empty for a shared counter. */
  scope: Record<string, string>;
  /** Period id for calendar and fixed windows; "rolling" otherwise. */
  period: string;
  unit: "requests" | "tokens" | "micro_usd";
  cap: number;
  /** Counter usage (threshold alerts) or spend in the burn window (burn-rate alerts). */
  used: number;
  percent: number;
  threshold?: number;
  burn?: { windowMinutes: number; windowSpendMicros: number; usualMicrosPerMinute: number; factor: number };
  firedAt: string;
}

export interface AlertDeps {
  store: Store;
  sender: WebhookSender;
  metrics?: BudgetMetrics | undefined;
  logger?: Logger | undefined;
}

/** Buckets of the two rolling spend windows a burn-rate rule keeps. */
const RECENT_BUCKETS = 30;
const BASELINE_BUCKETS = 60;
const MEMO_LIMIT = 10_000;

export class BudgetAlerts {
  readonly #memo = new Map<string, number>();

  constructor(private readonly deps: AlertDeps) {}

  /** After a counter changed: fire every threshold the usage has reached and that has not fired this period. */
  async thresholds(rule: LimitRule, counter: CounterRef, scope: Record<string, string>, usage: CounterUsage, now: number): Promise<void> {
    const percent = (usage.used / rule.cap) * 100;
    for (const threshold of rule.alerts.thresholds) {
      if (percent < threshold) break;
      await this.#fire(rule, counter, scope, now, `t${threshold}`, { type: "threshold", used: usage.used, threshold });
    }
  }

  /** Record settled spend for a burn-rate rule and fire when the recent rate runs away from the usual one. */
  async spend(rule: LimitRule, counter: CounterRef, scope: Record<string, string>, micros: number, now: number): Promise<void> {
    const burn = rule.alerts.burnRate;
    if (!burn || micros <= 0) return;
    const recent: CounterRef = {
      id: `${counter.id}#burn`,
      window: { kind: "rolling", windowMs: burn.windowMs, bucketMs: Math.ceil(burn.windowMs / RECENT_BUCKETS) },
    };
    const baseline: CounterRef = {
      id: `${counter.id}#burn`,
      window: { kind: "rolling", windowMs: burn.baselineMs, bucketMs: Math.ceil(burn.baselineMs / BASELINE_BUCKETS) },
    };
    const [recentUsage, baselineUsage] = await this.deps.store.add(
      [
        { counter: recent, amount: micros },
        { counter: baseline, amount: micros },
      ],
      now,
    );
    const verdict = burnVerdict(burn, recentUsage!.used, baselineUsage!.used);
    if (!verdict) return;
    await this.#fire(rule, counter, scope, now, "burn", {
      type: "burn_rate",
      used: recentUsage!.used,
      burn: {
        windowMinutes: burn.windowMs / 60_000,
        windowSpendMicros: recentUsage!.used,
        usualMicrosPerMinute: round(verdict.usualPerMs * 60_000),
        factor: burn.factor,
      },
    });
  }

  /** Fire once per counter, period and `what` (threshold or burn) across replicas. */
  async #fire(
    rule: LimitRule,
    counter: CounterRef,
    scope: Record<string, string>,
    now: number,
    what: string,
    details: Pick<BudgetAlert, "type" | "used" | "threshold" | "burn">,
  ): Promise<void> {
    const period = periodOf(counter);
    const key = `${counter.id}|${period}|${what}`;
    const ttlMs = dedupTtl(counter, now);
    const alert: BudgetAlert = {
      rule: rule.name,
      kind: rule.kind,
      scope,
      period,
      unit: unitOf(rule),
      cap: rule.cap,
      percent: round((details.used / rule.cap) * 100),
      ...details,
      firedAt: new Date(now).toISOString(),
    };
    const known = this.#memo.get(key);
    if (known !== undefined && known > now) return;
    this.#remember(key, now + ttlMs, now);
    let first: boolean;
    try {
      first = await this.deps.store.once(`alert|${key}`, ttlMs, now);
    } catch (error) {
      this.#memo.delete(key); // nobody could claim it: let a later request try again
      throw error;
    }
    if (!first) return;
    this.deps.logger?.warn({ alert }, `budget alert: ${alert.type} on ${alert.rule}`);
    const url = rule.alerts.webhook;
    if (!url) {
      this.deps.metrics?.alerts.inc({ rule: rule.name, type: alert.type, outcome: "logged" });
      return;
    }
    // Delivery runs in the background: the request that crossed the threshold does not wait for the webhook.
    void this.deps.sender.send(url, alert).then((outcome) => {
      this.deps.metrics?.alerts.inc({ rule: rule.name, type: alert.type, outcome });
      if (outcome !== "delivered") this.deps.logger?.error({ alert, outcome }, "budget alert webhook not delivered");
    });
  }

  #remember(key: string, until: number, now: number): void {
    if (this.#memo.size >= MEMO_LIMIT) for (const [k, t] of this.#memo) if (t <= now) this.#memo.delete(k);
    if (this.#memo.size >= MEMO_LIMIT) this.#memo.clear();
    this.#memo.set(key, until);
  }
}

/**
 * The usual rate is the spend in the baseline outside the recent window, over the rest of the baseline. With no such
 * history there is nothing to compare with, and thresholds are the alert that applies.
 */
export function burnVerdict(burn: BurnRateRule, recent: number, baseline: number): { usualPerMs: number } | undefined {
  if (recent < burn.minSpendMicros) return undefined;
  const history = baseline - recent;
  if (history <= 0) return undefined;
  const usualPerMs = history / (burn.baselineMs - burn.windowMs);
  return recent / burn.windowMs > burn.factor * usualPerMs ? { usualPerMs } : undefined;
}

function periodOf(counter: CounterRef): string {
  return counter.window.kind === "fixed" ? counter.window.period : "rolling";
}

/** Keep the dedup mark for the rest of the period (fixed) or one window length (rolling). */
function dedupTtl(counter: CounterRef, now: number): number {
  const w = counter.window;
  return w.kind === "fixed" ? Math.max(1, w.endsAt - now) + KEY_GRACE_MS : w.windowMs;
}

function unitOf(rule: LimitRule): BudgetAlert["unit"] {
  return rule.kind === "money" ? "micro_usd" : rule.kind;
}

function round(n: number): number {
  return Math.round(n * 100) / 100;
}
