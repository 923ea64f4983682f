// The `limits:` section of the config file: rate limits and token/dollar budgets per route, key, cohort or any
// combination. Parsing normalises it into LimitsConfig (rules with integer caps and windows in ms), so the engine
// never sees YAML spellings. Every issue carries the path of the offending key, e.g. limits.rules.team-a.window.
//
//   limits:
//     defaults: { fail: fail_closed, on_stream_exceed: cut, default_max_tokens: 4096 }
//     rules:
//       free-rpm:       { match: { cohort: free }, per: [key], requests: 60, window: 1m, rolling: true }
//       team-a-monthly: { match: { cohort: team-a }, usd: 500, window: monthly,
//                         alerts: { thresholds: [50, 80, 100], webhook: https://hooks.example/budget } }
import { z } from "zod";

const DURATION = /^(\d+)(ms|s|m|h|d)$/;
const UNIT_MS = { ms: 1, s: 1_000, m: 60_000, h: 3_600_000, d: 86_400_000 } as const;

/** "90s", "15m", "24h", "7d" → milliseconds. */
export function parseDuration(text: string): number {
  const match = DURATION.exec(text);
  if (!match) throw new Error(`not a duration: ${text}`);
  return Number(match[1]) * UNIT_MS[match[2] as keyof typeof UNIT_MS];
}

const duration = (min: string) =>
  z
    .string()
    .regex(DURATION, 'a duration such as "30s", "15m", "24h" or "7d"')
    .refine((text) => !DURATION.test(text) || parseDuration(text) >= parseDuration(min), `at least ${min}`)
    .transform(parseDuration);

const CALENDAR = ["daily", "weekly", "monthly"] as const;
const windowText = z.union([z.enum(CALENDAR), z.string().regex(DURATION, 'daily, weekly, monthly or a duration such as "1m"')]);

const failMode = z.enum(["fail_open", "fail_closed"]);
const streamAction = z.enum(["cut", "finish"]);
const dimension = z.enum(["key", "cohort", "route"]);
const names = z.union([z.string().min(1), z.array(z.string().min(1)).min(1)]).transform((v) => (Array.isArray(v) ? v : [v]));

const burnRateSchema = z
  .strictObject({
    /** Spend in this many recent minutes … */
    window: duration("1m").default(parseDuration("10m")),
    /** … compared with the average rate over this longer baseline (which must be longer than `window`). */
    baseline: duration("10m").default(parseDuration("24h")),
    /** Fire when the recent rate is more than `factor` times the usual rate. */
    factor: z.number().gt(1),
    /** Ignore bursts below this spend in the window (USD), so small keys do not page anyone. */
    min_spend_usd: z.number().nonnegative().default(1),
  })
  .refine((b) => b.baseline > b.window, { message: "baseline must be longer than window", path: ["baseline"] });

const ruleAlertsSchema = z.strictObject({
  /** Percentages of the cap; each fires once per period (e.g. [50, 80, 100]). */
  thresholds: z.array(z.number().gt(0).max(1_000)).default([]),
  burn_rate: burnRateSchema.optional(),
  /** Overrides `limits.alerts.webhook` for this rule. */
  webhook: z.url({ protocol: /^https?$/ }).optional(),
});

const ruleSchema = z
  .strictObject({
    /** The rule applies when every given dimension matches (absent = any). */
    match: z.strictObject({ route: names.optional(), key: names.optional(), cohort: names.optional() }).prefault({}),
    /** One counter per value of these dimensions (e.g. [key]: every key gets its own cap). */
    per: z.array(dimension).default([]).refine((dims) => new Set(dims).size === dims.length, "dimensions repeat"),
    // Caps stay far below 2^53 so sums in Redis (Lua numbers are doubles) remain exact.
    requests: z.number().int().positive().max(1e15).optional(),
    tokens: z.number().int().positive().max(1e15).optional(),
    /** Which tokens a `tokens` rule counts. */
    count: z.enum(["input", "output", "total"]).optional(),
    /** Money cap in USD (kept as integer micro-dollars). */
    usd: z.number().positive().max(1e9).optional(),
    /** Calendar period in UTC (daily, weekly from Monday, monthly) or a duration. */
    window: windowText,
    /** Only for duration windows: a sliding window instead of fixed ones aligned to the epoch. */
    rolling: z.boolean().default(false),
    fail: failMode.optional(),
    on_stream_exceed: streamAction.optional(),
    alerts: ruleAlertsSchema.optional(),
  })
  .superRefine((rule, ctx) => {
    const kinds = (["requests", "tokens", "usd"] as const).filter((k) => rule[k] !== undefined);
    if (kinds.length !== 1) {
      ctx.addIssue({ code: "custom", message: "give exactly one of requests, tokens or usd", path: [] });
    }
    if (rule.count !== undefined && rule.tokens === undefined) {
      ctx.addIssue({ code: "custom", message: "count applies to tokens rules only", path: ["count"] });
    }
    if (rule.rolling && (CALENDAR as readonly string[]).includes(rule.window)) {
      ctx.addIssue({ code: "custom", message: "rolling needs a duration window, not a calendar period", path: ["rolling"] });
    }
    if (DURATION.test(rule.window) && parseDuration(rule.window) < 1_000) {
      ctx.addIssue({ code: "custom", message: "windows are at least 1s", path: ["window"] });
    }
    if (rule.alerts?.burn_rate && rule.usd === undefined) {
      ctx.addIssue({ code: "custom", message: "burn_rate applies to usd rules only", path: ["alerts", "burn_rate"] });
    }
  });

const priceSchema = z.strictObject({
  /** USD per million tokens. */
  input: z.number().nonnegative(),
  output: z.number().nonnegative(),
  cached_input: z.number().nonnegative().optional(),
});

const pricesSchema = z.strictObject({
  /** A price file in the format of config/prices.yaml that replaces the shipped table. */
  file: z.string().min(1).optional(),
  /** Per-model overrides, by model name (dated snapshots match their base name, e.g. gpt-4o-2024-08-06 → gpt-4o). */
  models: z.record(z.string().min(1), priceSchema).default({}),
  /** Price of models the table does not know; set high on purpose, so an unknown model cannot run a budget dry cheaply. */
  fallback: priceSchema.default({ input: 15, output: 75, cached_input: 1.5 }),
});

const alertsSchema = z.strictObject({
  webhook: z.url({ protocol: /^https?$/ }).optional(),
  /** Attempts per alert, back-off doubling from backoff_ms (with jitter), each attempt bounded by timeout_ms. */
  max_attempts: z.number().int().min(1).max(10).default(5),
  backoff_ms: z.number().int().positive().max(60_000).default(500),
  timeout_ms: z.number().int().positive().max(60_000).default(5_000),
  /** Alerts waiting for delivery beyond this are dropped (and counted). */
  max_pending: z.number().int().positive().max(10_000).default(100),
});

const defaultsSchema = z.strictObject({
  fail: failMode.default("fail_closed"),
  on_stream_exceed: streamAction.default("cut"),
  /** Output tokens reserved when a request gives no max_tokens. */
  default_max_tokens: z.number().int().positive().default(4_096),
  /**
   * Give requests without an output limit one of default_max_tokens (when a token or money rule applies), so even a
   * buffered response cannot outgrow its reservation. Off by default: it changes what the client asked for.
   */
  cap_output_tokens: z.boolean().default(false),
  /**
   * A reservation nobody settles (its replica died) is given back after this. Streams renew theirs; make it longer
   * than your slowest buffered (non-streamed) response.
   */
  reservation_ttl: duration("10s").default(parseDuration("15m")),
  /** Buckets per rolling window: more is smoother, fewer is cheaper. */
  rolling_buckets: z.number().int().min(2).max(600).default(60),
});

const RULE_NAME = /^[A-Za-z0-9_.-]{1,64}$/;

export const limitsSchema = z
  .strictObject({
    defaults: defaultsSchema.prefault({}),
    rules: z
      .record(z.string(), ruleSchema)
      .superRefine((rules, ctx) => {
        for (const name of Object.keys(rules)) {
          if (!RULE_NAME.test(name)) ctx.addIssue({ code: "custom", message: "rule names are 1-64 characters of A-Z a-z 0-9 _ . -", path: [name] });
        }
      })
      .default({}),
    prices: pricesSchema.prefault({}),
    alerts: alertsSchema.prefault({}),
  })
  .transform(normalize);

export type LimitsInput = z.input<typeof limitsSchema>;
export type LimitsConfig = z.output<typeof limitsSchema>;

export type Dimension = z.infer<typeof dimension>;
export type FailMode = z.infer<typeof failMode>;
export type StreamAction = z.infer<typeof streamAction>;
export type LimitKind = "requests" | "tokens" | "money";
export type TokenCount = "input" | "output" | "total";
export type PriceConfig = z.infer<typeof priceSchema>;

export type WindowRule =
  | { type: "calendar"; unit: "day" | "week" | "month" }
  | { type: "duration"; ms: number; rolling: boolean };

export interface BurnRateRule {
  windowMs: number;
  baselineMs: number;
  factor: number;
  minSpendMicros: number;
}

export interface LimitRule {
  name: string;
  match: { route?: string[]; key?: string[]; cohort?: string[] };
  per: Dimension[];
  kind: LimitKind;
  /** Tokens rules only. */
  count: TokenCount;
  /** Requests, tokens, or micro-dollars. */
  cap: number;
  window: WindowRule;
  fail: FailMode;
  onStreamExceed: StreamAction;
  alerts: { thresholds: number[]; burnRate: BurnRateRule | undefined; webhook: string | undefined };
}

type RawLimits = {
  defaults: z.output<typeof defaultsSchema>;
  rules: Record<string, z.output<typeof ruleSchema>>;
  prices: z.output<typeof pricesSchema>;
  alerts: z.output<typeof alertsSchema>;
};

function normalize(raw: RawLimits) {
  const rules: LimitRule[] = Object.entries(raw.rules).map(([name, rule]) => {
    const kind: LimitKind = rule.requests !== undefined ? "requests" : rule.tokens !== undefined ? "tokens" : "money";
    const cap = rule.requests ?? rule.tokens ?? Math.round((rule.usd ?? 0) * 1e6);
    const window: WindowRule =
      rule.window === "daily" ? { type: "calendar", unit: "day" }
      : rule.window === "weekly" ? { type: "calendar", unit: "week" }
      : rule.window === "monthly" ? { type: "calendar", unit: "month" }
      : { type: "duration", ms: parseDuration(rule.window), rolling: rule.rolling };
    const burn = rule.alerts?.burn_rate;
    return {
      name,
      match: rule.match,
      per: rule.per,
      kind,
      count: rule.count ?? "total",
      cap,
      window,
      fail: rule.fail ?? raw.defaults.fail,
      onStreamExceed: rule.on_stream_exceed ?? raw.defaults.on_stream_exceed,
      alerts: {
        thresholds: [...new Set(rule.alerts?.thresholds ?? [])].sort((a, b) => a - b),
        burnRate: burn && {
          windowMs: burn.window,
          baselineMs: burn.baseline,
          factor: burn.factor,
          minSpendMicros: Math.round(burn.min_spend_usd * 1e6),
        },
        webhook: rule.alerts?.webhook ?? raw.alerts.webhook,
      },
    };
  });
  return {
    defaultMaxTokens: raw.defaults.default_max_tokens,
    capOutputTokens: raw.defaults.cap_output_tokens,
    reservationTtlMs: raw.defaults.reservation_ttl,
    rollingBuckets: raw.defaults.rolling_buckets,
    rules,
    prices: raw.prices,
    alerts: {
      maxAttempts: raw.alerts.max_attempts,
      backoffMs: raw.alerts.backoff_ms,
      timeoutMs: raw.alerts.timeout_ms,
      maxPending: raw.alerts.max_pending,
    },
  };
}
