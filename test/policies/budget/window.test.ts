import { describe, expect, it } from "vitest";
import { formatReset, rateLimitHeaders, retryAfterSeconds } from "../../../src/policies/budget/headers.js";
import { windowAt } from "../../../src/policies/budget/window.js";

describe("windows", () => {
  it("puts calendar periods in UTC: days, ISO weeks from Monday, months", () => {
    const t = Date.UTC(2026, 0, 15, 23, 59, 59, 999); // Thursday
    expect(windowAt({ type: "calendar", unit: "day" }, t, 60)).toEqual({ kind: "fixed", period: "d:2026-01-15", endsAt: Date.UTC(2026, 0, 16) });
    expect(windowAt({ type: "calendar", unit: "week" }, t, 60)).toEqual({ kind: "fixed", period: "w:2026-01-12", endsAt: Date.UTC(2026, 0, 19) });
    expect(windowAt({ type: "calendar", unit: "month" }, t, 60)).toEqual({ kind: "fixed", period: "m:2026-01", endsAt: Date.UTC(2026, 1, 1) });
    // Sunday still belongs to the week that started on Monday; December rolls into the next year.
    expect(windowAt({ type: "calendar", unit: "week" }, Date.UTC(2026, 0, 18, 12), 60)).toMatchObject({ period: "w:2026-01-12" });
    expect(windowAt({ type: "calendar", unit: "month" }, Date.UTC(2026, 11, 31, 12), 60)).toMatchObject({ endsAt: Date.UTC(2027, 0, 1) });
  });

  it("aligns fixed durations to the epoch and splits rolling ones into buckets", () => {
    const t = Date.UTC(2026, 0, 15, 12, 0, 30);
    expect(windowAt({ type: "duration", ms: 60_000, rolling: false }, t, 60)).toEqual({
      kind: "fixed",
      period: `60000ms:${Math.floor(t / 60_000)}`,
      endsAt: Date.UTC(2026, 0, 15, 12, 1, 0),
    });
    expect(windowAt({ type: "duration", ms: 60_000, rolling: true }, t, 60)).toEqual({ kind: "rolling", windowMs: 60_000, bucketMs: 1_000 });
  });
});

describe("rate-limit headers", () => {
  it("formats resets like OpenAI and rounds retry-after up to whole seconds", () => {
    expect(formatReset(20)).toBe("20ms");
    expect(formatReset(1_200)).toBe("2s");
    expect(formatReset(360_000)).toBe("6m0s");
    expect(formatReset(3_723_000)).toBe("1h2m3s");
    expect(retryAfterSeconds(1_001, 0)).toBe(2);
    expect(retryAfterSeconds(0, 5)).toBe(1);
  });

  it("reports the tightest requests and tokens limits", () => {
    const now = 1_000_000;
    const headers = rateLimitHeaders(
      [
        { rule: "rpm", kind: "requests", cap: 60, used: 10, remaining: 50, resetAt: now + 30_000 },
        { rule: "rpd", kind: "requests", cap: 1000, used: 990, remaining: 10, resetAt: now + 3_600_000 },
        { rule: "tpm", kind: "tokens", cap: 10_000, used: 2_500, remaining: 7_500, resetAt: now + 1_500 },
        { rule: "usd", kind: "money", cap: 1, used: 1, remaining: 0, resetAt: now },
      ],
      now,
    );
    expect(headers).toEqual({
      "x-ratelimit-limit-requests": "1000",
      "x-ratelimit-remaining-requests": "10",
      "x-ratelimit-reset-requests": "1h0m0s",
      "x-ratelimit-limit-tokens": "10000",
      "x-ratelimit-remaining-tokens": "7500",
      "x-ratelimit-reset-tokens": "2s",
    });
  });
});
