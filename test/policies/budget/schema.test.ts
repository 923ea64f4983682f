import { describe, expect, it } from "vitest";
import { limitsSchema } from "../../../src/policies/budget/schema.js";

function issues(input: unknown): { path: string; message: string }[] {
  const result = limitsSchema.safeParse(input);
  if (result.success) return [];
  return result.error.issues.map((issue) => ({ path: issue.path.join("."), message: issue.message }));
}

describe("limits schema", () => {
  it("normalises rules: kinds, integer micro-dollar caps, windows in ms, defaults applied", () => {
    const config = limitsSchema.parse({
      defaults: { fail: "fail_open", default_max_tokens: 1000 },
      rules: {
        "free-rpm": { match: { cohort: "free" }, per: ["key"], requests: 60, window: "1m", rolling: true },
        "team-tokens": { match: { cohort: ["a", "b"], route: "chat" }, tokens: 100_000, count: "output", window: "1h", on_stream_exceed: "finish" },
        "team-monthly": { match: { cohort: "a" }, usd: 500.25, window: "monthly", fail: "fail_closed", alerts: { thresholds: [80, 50, 80] } },
      },
    });
    expect(config.defaultMaxTokens).toBe(1000);
    expect(config.reservationTtlMs).toBe(15 * 60_000);
    const [rpm, tokens, money] = config.rules;
    expect(rpm).toMatchObject({ name: "free-rpm", kind: "requests", cap: 60, per: ["key"], match: { cohort: ["free"] }, fail: "fail_open", window: { type: "duration", ms: 60_000, rolling: true } });
    expect(tokens).toMatchObject({ kind: "tokens", count: "output", cap: 100_000, onStreamExceed: "finish", match: { cohort: ["a", "b"], route: ["chat"] } });
    expect(money).toMatchObject({ kind: "money", cap: 500_250_000, fail: "fail_closed", window: { type: "calendar", unit: "month" } });
    expect(money!.alerts.thresholds).toEqual([50, 80]);
  });

  it("names the offending key in every error", () => {
    expect(
      issues({
        rules: {
          both: { requests: 5, usd: 3, window: "1m" },
          none: { window: "daily" },
          badwin: { requests: 5, window: "2x" },
          tiny: { requests: 5, window: "500ms" },
          roll: { requests: 5, window: "daily", rolling: true },
          count: { requests: 5, window: "1m", count: "input" },
          burn: { tokens: 5, window: "1h", alerts: { burn_rate: { factor: 3 } } },
          base: { usd: 5, window: "daily", alerts: { burn_rate: { factor: 3, window: "1h", baseline: "30m" } } },
          "bad name!": { requests: 1, window: "1m" },
        },
      }),
    ).toEqual(
      expect.arrayContaining([
        { path: "rules.both", message: "give exactly one of requests, tokens or usd" },
        { path: "rules.none", message: "give exactly one of requests, tokens or usd" },
        { path: "rules.badwin.window", message: expect.stringContaining("daily, weekly, monthly or a duration") },
        { path: "rules.tiny.window", message: "windows are at least 1s" },
        { path: "rules.roll.rolling", message: expect.stringContaining("rolling needs a duration window") },
        { path: "rules.count.count", message: "count applies to tokens rules only" },
        { path: "rules.burn.alerts.burn_rate", message: "burn_rate applies to usd rules only" },
        { path: "rules.base.alerts.burn_rate.baseline", message: "baseline must be longer than window" },
        { path: "rules.bad name!", message: expect.stringContaining("rule names") },
      ]),
    );
  });

  it("rejects unknown keys and non-http webhooks", () => {
    expect(issues({ rules: { a: { requests: 1, window: "1m", limit: 3 } } })[0]?.path).toBe("rules.a");
    expect(issues({ alerts: { webhook: "file:///etc/passwd" } })[0]?.path).toBe("alerts.webhook");
  });

  it("accepts an empty section", () => {
    expect(limitsSchema.parse({}).rules).toEqual([]);
  });
});
