import { describe, expect, it } from "vitest";
import { usageReport } from "../../../src/policies/budget/usage.js";
import { MemoryStore } from "../../../src/state/memory.js";
import { limits, makeEngine, ManualClock, usage } from "./helpers.js";

describe("usage report", () => {
  it("reports every rule that applies to a key, and names the rules it cannot resolve", async () => {
    const clock = new ManualClock(Date.UTC(2026, 0, 15, 12, 0, 0));
    const engine = makeEngine(
      limits({
        rules: {
          "key-daily": { per: ["key"], usd: 2, window: "daily" },
          "key-tpm": { per: ["key"], tokens: 10_000, count: "input", window: "1m", rolling: true },
          "team-a": { match: { cohort: "team-a" }, requests: 1_000, window: "monthly" },
          "per-route": { per: ["route"], requests: 100, window: "1m" },
          "other-key": { match: { key: "k2" }, requests: 5, window: "1m" },
        },
      }),
      new MemoryStore(),
      clock,
    );
    const admission = await engine.reserve({ scope: { keyId: "k1", cohort: "team-a", route: "chat" }, model: "gpt-4o", estimate: { inputTokens: 1_000, outputTokens: 100 }, phase: "all" });
    if (!admission.ok) throw new Error("denied");
    await engine.reconcile(admission.reservation, usage(1_000, 100));

    const report = await usageReport(engine, { keyId: "k1", cohort: "team-a" });
    expect(report.generatedAt).toBe("2026-01-15T12:00:00.000Z");
    expect(report.entries).toEqual([
      {
        rule: "key-daily",
        kind: "money",
        scope: { key: "k1" },
        period: "d:2026-01-15",
        unit: "micro_usd",
        cap: 2_000_000,
        used: 3_500,
        remaining: 1_996_500,
        percent: 0.18,
        resetAt: "2026-01-16T00:00:00.000Z",
        usd: { cap: 2, used: 0.0035, remaining: 1.9965 },
      },
      expect.objectContaining({ rule: "key-tpm", kind: "tokens", count: "input", used: 1_000, period: "rolling:60000", resetAt: "2026-01-15T12:01:00.000Z" }),
      expect.objectContaining({ rule: "team-a", kind: "requests", scope: {}, used: 1, period: "m:2026-01" }),
    ]);
    expect(report.unresolved).toEqual([{ rule: "per-route", needs: ["route"] }]);
    expect(report.store).toMatchObject({ backend: "memory", state: "ok" });

    // A cohort-only query cannot name a per-key counter.
    const cohort = await usageReport(engine, { cohort: "team-a" });
    expect(cohort.entries.map((e) => e.rule)).toEqual(["team-a"]);
    expect(cohort.unresolved.map((u) => u.rule)).toEqual(["key-daily", "key-tpm", "per-route", "other-key"]);
  });
});
