// Redis going away and coming back, with a private redis-server this test kills and restarts.
import { Registry } from "prom-client";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { registerBudgetMetrics } from "../../../src/policies/budget/metrics.js";
import { budgetPolicy } from "../../../src/policies/budget/policy.js";
import { usageReport } from "../../../src/policies/budget/usage.js";
import { createStore } from "../../../src/state/config.js";
import type { Store } from "../../../src/state/store.js";
import { PrivateRedis } from "../../state/redis-helper.js";
import { contextFor, limits, makeEngine, ManualClock, usage } from "./helpers.js";

let redis: PrivateRedis;
let store: Store;

async function waitFor(check: () => boolean): Promise<void> {
  for (let i = 0; i < 400 && !check(); i++) await new Promise((resolve) => setTimeout(resolve, 25));
  expect(check()).toBe(true);
}

beforeAll(async () => {
  redis = await PrivateRedis.start();
  store = createStore({ kind: "redis", url: redis.url, cluster: false, key_prefix: "tollgate:", command_timeout_ms: 200, connect_timeout_ms: 500 });
  await waitFor(() => store.status.state === "ok");
});

afterAll(async () => {
  await store.close();
  await redis.destroy();
});

describe("Redis outage", () => {
  it("fails open or closed per limit, shows degraded, and recovers by itself", async () => {
    const registry = new Registry();
    const metrics = registerBudgetMetrics(registry);
    const clock = new ManualClock();
    const config = limits({
      rules: {
        "open-rpm": { per: ["key"], requests: 100, window: "1h", fail: "fail_open" },
        "closed-daily": { match: { cohort: "strict" }, per: ["key"], tokens: 100_000, window: "daily", fail: "fail_closed" },
      },
    });
    const engine = makeEngine(config, store, clock, { metrics });
    const policy = budgetPolicy(engine);
    const relaxed = { keyId: "k1", cohort: "relaxed", route: "chat" };
    const strict = { keyId: "k2", cohort: "strict", route: "chat" };
    const estimate = { inputTokens: 10, outputTokens: 10 };

    expect(await engine.reserve({ scope: relaxed, estimate, phase: "all" })).toMatchObject({ ok: true, unenforced: [] });
    expect((await engine.reserve({ scope: strict, estimate, phase: "all" })).ok).toBe(true);

    await redis.stop();
    const open = await engine.reserve({ scope: relaxed, estimate, phase: "all" });
    expect(open).toMatchObject({ ok: true, unenforced: ["open-rpm"] });
    const closed = await engine.reserve({ scope: strict, estimate, phase: "all" });
    expect(closed).toMatchObject({ ok: false, denial: { status: 503, code: "budget_unavailable", headers: { "retry-after": "1" } } });
    // Through the policy: the same denial reaches the client, the open rule's bypass is a span event.
    const ctx = contextFor({ model: "gpt-4o", messages: [{ role: "user", content: "hi" }] }, { cohort: "strict", keyId: "k2" });
    expect(await policy.requestHeaders!(ctx)).toMatchObject({
      verdict: "continue",
      events: [{ name: "budget.unenforced", attributes: { rules: "open-rpm", reason: "store_unavailable" } }],
    });
    expect(await policy.requestBody!(ctx)).toMatchObject({ verdict: "deny", denial: { status: 503, code: "budget_unavailable" } });
    expect(store.status.snapshot()).toMatchObject({ backend: "redis", state: "degraded" });
    const during = await registry.metrics();
    expect(during).toContain('tollgate_store_degraded{backend="redis"} 1');
    expect(during).toMatch(/tollgate_store_errors_total\{backend="redis",operation="lease"\} [1-9]/);
    // Reconciling while down neither throws nor blocks; the request is simply not counted.
    if (open.ok) await engine.reconcile(open.reservation, usage(10, 5));

    await redis.start();
    await waitFor(() => store.status.state === "ok");
    expect((await registry.metrics())).toContain('tollgate_store_degraded{backend="redis"} 0');
    const back = await engine.reserve({ scope: relaxed, estimate, phase: "all" });
    expect(back).toMatchObject({ ok: true, unenforced: [] });
    expect((await engine.reserve({ scope: strict, estimate, phase: "all" })).ok).toBe(true);
    // The fresh server lost its data (no persistence): counting starts again from the requests made since.
    const report = await usageReport(engine, { keyId: "k1", cohort: "relaxed" });
    expect(report.entries.find((e) => e.rule === "open-rpm")?.used).toBe(1);
  });

  it("charges a request admitted during the outage once the store is back", async () => {
    const clock = new ManualClock();
    const engine = makeEngine(limits({ rules: { "open-tpm": { per: ["key"], tokens: 1_000, window: "1h", fail: "fail_open" } } }), store, clock);
    const scope = { keyId: "k-late", cohort: "c", route: "r" };
    await redis.stop();
    const admission = await engine.reserve({ scope, estimate: { inputTokens: 10, outputTokens: 100 }, phase: "all" });
    expect(admission).toMatchObject({ ok: true, unenforced: ["open-tpm"] });
    await redis.start();
    await waitFor(() => store.status.state === "ok");
    if (admission.ok) await engine.reconcile(admission.reservation, usage(12, 40));
    const report = await usageReport(engine, { keyId: "k-late" });
    expect(report.entries[0]).toMatchObject({ rule: "open-tpm", used: 52 });
  });
});
