import { Registry } from "prom-client";
import { describe, expect, it } from "vitest";
import type { Admission } from "../../../src/policies/budget/engine.js";
import { registerBudgetMetrics } from "../../../src/policies/budget/metrics.js";
import { MemoryStore } from "../../../src/state/memory.js";
import { StoreUnavailableError } from "../../../src/state/store.js";
import { limits, makeEngine, ManualClock, usage } from "./helpers.js";

const key = (keyId: string, cohort = "team-a", route = "chat") => ({ keyId, cohort, route });

function admitted(admission: Admission): Extract<Admission, { ok: true }> {
  if (!admission.ok) throw new Error(`denied: ${admission.denial.message}`);
  return admission;
}

describe("budget engine", () => {
  it("admits exactly the cap of concurrent requests and says when to retry", async () => {
    const clock = new ManualClock(Date.UTC(2026, 0, 15, 12, 0, 0));
    const engine = makeEngine(limits({ rules: { rpm: { per: ["key"], requests: 50, window: "1m" } } }), new MemoryStore(), clock);
    const results = await Promise.all(Array.from({ length: 300 }, () => engine.reserve({ scope: key("k1"), phase: "all" })));
    expect(results.filter((r) => r.ok)).toHaveLength(50);
    const denied = results.find((r) => !r.ok);
    expect(denied).toMatchObject({
      ok: false,
      denial: {
        status: 429,
        code: "rate_limited",
        rule: "rpm",
        headers: { "retry-after": "60", "x-ratelimit-limit-requests": "50", "x-ratelimit-remaining-requests": "0", "x-ratelimit-reset-requests": "1m0s" },
      },
    });
    // Another key has its own counter.
    expect((await engine.reserve({ scope: key("k2"), phase: "all" })).ok).toBe(true);
  });

  it("reserves prompt + max_tokens, then reconciles the counters to the reported usage", async () => {
    const clock = new ManualClock();
    const store = new MemoryStore();
    const config = limits({
      rules: {
        tpm: { per: ["key"], tokens: 10_000, window: "1m" },
        out: { per: ["key"], tokens: 10_000, count: "output", window: "1m" },
        daily: { match: { cohort: "team-a" }, usd: 10, window: "daily" },
      },
    });
    const engine = makeEngine(config, store, clock);
    const admission = admitted(await engine.reserve({ scope: key("k1"), model: "gpt-4o", estimate: { inputTokens: 1_000, outputTokens: 3_000 }, phase: "all" }));
    expect(admission.limits.map((l) => [l.rule, l.used])).toEqual([
      ["tpm", 4_000],
      ["out", 3_000],
      ["daily", 2_500 + 30_000],
    ]);
    expect(admission.headers).toMatchObject({ "x-ratelimit-limit-tokens": "10000", "x-ratelimit-remaining-tokens": "6000" });

    await engine.reconcile(admission.reservation, usage(1_020, 250, 100));
    const counters = admission.reservation.held.map((h) => h.counter);
    const after = await store.read(counters, clock.now());
    // total tokens, output tokens, and micro-dollars: 920 × 2.5 + 100 × 1.25 + 250 × 10, rounded up
    expect(after.map((u) => u.used)).toEqual([1_270, 250, 4_925]);
    // Settling twice changes nothing.
    await engine.reconcile(admission.reservation, usage(1_020, 250, 100));
    expect((await store.read(counters, clock.now())).map((u) => u.used)).toEqual([1_270, 250, 4_925]);
  });

  it("refuses a request that does not fit in what is left, and never one that can never fit", async () => {
    const clock = new ManualClock();
    const engine = makeEngine(limits({ rules: { tpm: { tokens: 1_000, window: "1m" } } }), new MemoryStore(), clock);
    admitted(await engine.reserve({ scope: key("k1"), estimate: { inputTokens: 500, outputTokens: 400 }, phase: "all" }));
    const noRoom = await engine.reserve({ scope: key("k1"), estimate: { inputTokens: 50, outputTokens: 100 }, phase: "all" });
    expect(noRoom).toMatchObject({ ok: false, denial: { code: "rate_limited", message: expect.stringContaining("900 total tokens of 1000 total tokens used") } });
    const never = await engine.reserve({ scope: key("k1"), estimate: { inputTokens: 500, outputTokens: 4_096 }, phase: "all" });
    expect(never.ok).toBe(false);
    if (never.ok) return;
    expect(never.denial.message).toContain("more than the whole limit");
    expect(never.denial.headers["retry-after"]).toBeUndefined();
  });

  it("gives everything back on release (cancel before any output)", async () => {
    const clock = new ManualClock();
    const store = new MemoryStore();
    const engine = makeEngine(limits({ rules: { rpm: { requests: 1, window: "1m" }, usd: { usd: 1, window: "daily" } } }), store, clock);
    const first = admitted(await engine.reserve({ scope: key("k1"), model: "gpt-4o", estimate: { inputTokens: 10, outputTokens: 10 }, phase: "all" }));
    expect((await engine.reserve({ scope: key("k1"), model: "gpt-4o", estimate: { inputTokens: 10, outputTokens: 10 }, phase: "all" })).ok).toBe(false);
    await engine.release(first.reservation);
    expect((await store.read(first.reservation.held.map((h) => h.counter), clock.now())).map((u) => u.used)).toEqual([0, 0]);
    expect((await engine.reserve({ scope: key("k1"), model: "gpt-4o", estimate: { inputTokens: 10, outputTokens: 10 }, phase: "all" })).ok).toBe(true);
  });

  it("starts a fresh budget when the period rolls over (UTC day)", async () => {
    const clock = new ManualClock(Date.UTC(2026, 0, 15, 23, 59, 0));
    const engine = makeEngine(limits({ rules: { daily: { per: ["key"], usd: 0.01, window: "daily" } } }), new MemoryStore(), clock);
    const spend = async () => engine.reserve({ scope: key("k1"), model: "gpt-4o", estimate: { inputTokens: 0, outputTokens: 1_000 }, phase: "all" });
    await engine.reconcile(admitted(await spend()).reservation, usage(0, 1_000));
    const refused = await spend();
    expect(refused).toMatchObject({ ok: false, denial: { code: "budget_exceeded", headers: { "retry-after": "60" } } });
    clock.advance(60_000);
    expect((await spend()).ok).toBe(true);
  });

  it("applies every matching rule, with matches on route, key and cohort combined", async () => {
    const clock = new ManualClock();
    const config = limits({
      rules: {
        global: { requests: 100, window: "1m" },
        chat: { match: { route: "chat" }, requests: 100, window: "1m" },
        "vip-chat": { match: { route: "chat", cohort: "vip" }, per: ["key"], requests: 100, window: "1m" },
        "k9-only": { match: { key: "k9" }, requests: 100, window: "1m" },
      },
    });
    const engine = makeEngine(config, new MemoryStore(), clock);
    const rulesFor = async (scope: ReturnType<typeof key>) => admitted(await engine.reserve({ scope, phase: "all" })).limits.map((l) => l.rule);
    expect(await rulesFor(key("k1", "team-a", "chat"))).toEqual(["global", "chat"]);
    expect(await rulesFor(key("k1", "vip", "chat"))).toEqual(["global", "chat", "vip-chat"]);
    expect(await rulesFor(key("k9", "vip", "embed"))).toEqual(["global", "k9-only"]);
  });

  describe("mid-stream", () => {
    async function streaming(onStreamExceed: "cut" | "finish") {
      const clock = new ManualClock();
      const store = new MemoryStore();
      const engine = makeEngine(limits({ rules: { out: { tokens: 1_000, count: "output", window: "1h", on_stream_exceed: onStreamExceed } } }), store, clock);
      const first = admitted(await engine.reserve({ scope: key("k1"), estimate: { inputTokens: 10, outputTokens: 300 }, phase: "all" }));
      const other = admitted(await engine.reserve({ scope: key("k2"), estimate: { inputTokens: 10, outputTokens: 500 }, phase: "all" }));
      return { engine, store, clock, first: first.reservation, other: other.reservation };
    }

    it("stays local within the reservation and tops up beyond it while the cap allows", async () => {
      const { engine, store, clock, first } = await streaming("cut");
      expect(await engine.streamCheck(first, 300)).toEqual({ action: "continue" });
      expect(await engine.streamCheck(first, 400)).toEqual({ action: "continue" });
      // Topped up: 300 + 500 (other) + (400 + 256 headroom - 300) = 1156 > 1000, so the exact need (100) was taken.
      expect((await store.read([first.held[0]!.counter], clock.now()))[0]!.used).toBe(900);
    });

    it("keeps a long stream's reservation alive past the reservation ttl", async () => {
      const clock = new ManualClock();
      const engine = makeEngine(limits({ defaults: { reservation_ttl: "1m" }, rules: { out: { tokens: 1_000, count: "output", window: "1h" } } }), new MemoryStore(), clock);
      const stream = admitted(await engine.reserve({ scope: key("k1"), estimate: { inputTokens: 0, outputTokens: 900 }, phase: "all" })).reservation;
      for (let minute = 0; minute < 5; minute++) {
        clock.advance(40_000);
        expect(await engine.streamCheck(stream, 10 * minute)).toEqual({ action: "continue" });
      }
      // Still held after 200 s with a 60 s ttl: another 200 tokens do not fit.
      expect((await engine.reserve({ scope: key("k2"), estimate: { inputTokens: 0, outputTokens: 200 }, phase: "all" })).ok).toBe(false);
    });

    it("cuts when the cap would be crossed, after taking the room that was left", async () => {
      const { engine, store, clock, first } = await streaming("cut");
      const verdict = await engine.streamCheck(first, 600);
      // 300 (first) + 500 (other) of 1000: the first stream may still produce 200 more, so 500 in all.
      expect(verdict).toMatchObject({ action: "cut", rule: "out", allowedOutputTokens: 500, denial: { status: 429, code: "rate_limited" } });
      expect((await store.read([first.held[0]!.counter], clock.now()))[0]!.used).toBe(1_000);
    });

    it("lets a `finish` rule's stream run on, then refuses the next request", async () => {
      const { engine, first, other } = await streaming("finish");
      expect(await engine.streamCheck(first, 600)).toEqual({ action: "finish", rule: "out" });
      expect(await engine.streamCheck(first, 5_000)).toEqual({ action: "continue" });
      await engine.reconcile(first, usage(10, 700));
      await engine.reconcile(other, usage(10, 400));
      expect((await engine.reserve({ scope: key("k3"), estimate: { inputTokens: 1, outputTokens: 1 }, phase: "all" })).ok).toBe(false);
    });
  });

  it("mid-stream with the store down: fail_open rules stop checking, fail_closed rules end the stream", async () => {
    const clock = new ManualClock();
    const memory = new MemoryStore();
    let down = false;
    // The memory store, made to fail like an unreachable Redis while `down` is set.
    const store = Object.assign(Object.create(memory) as MemoryStore, {
      lease: (request: Parameters<MemoryStore["lease"]>[0]) =>
        down ? Promise.reject(new StoreUnavailableError("redis: connection closed")) : memory.lease(request),
    });
    const config = limits({
      rules: {
        open: { tokens: 1_000_000, count: "output", window: "1h", fail: "fail_open" },
        closed: { tokens: 1_000_000, count: "output", window: "1h", fail: "fail_closed", on_stream_exceed: "cut" },
      },
    });
    const engine = makeEngine(config, store, clock);
    const reservation = admitted(await engine.reserve({ scope: key("k1"), estimate: { inputTokens: 1, outputTokens: 10 }, phase: "all" })).reservation;
    down = true;
    expect(await engine.streamCheck(reservation, 5)).toEqual({ action: "continue" });
    expect(await engine.streamCheck(reservation, 50)).toMatchObject({ action: "cut", rule: "closed", allowedOutputTokens: 10 });
    expect(reservation.held.map((h) => [h.rule.name, h.unchecked])).toEqual([
      ["open", true],
      ["closed", false],
    ]);
  });

  it("counts spend, tokens, denials and unknown models in metrics", async () => {
    const registry = new Registry();
    const metrics = registerBudgetMetrics(registry);
    const clock = new ManualClock();
    const engine = makeEngine(limits({ rules: { rpm: { requests: 1, window: "1m" } } }), new MemoryStore(), clock, { metrics });
    const admission = admitted(await engine.reserve({ scope: key("k1"), model: "brand-new-model", estimate: { inputTokens: 1_000, outputTokens: 10 }, phase: "all" }));
    await engine.reconcile(admission.reservation, usage(1_000, 0));
    await engine.reserve({ scope: key("k1"), phase: "all" });
    const text = await registry.metrics();
    expect(text).toContain('tollgate_budget_spend_micro_usd_total{key="k1",cohort="team-a",route="chat"} 15000');
    expect(text).toContain('tollgate_budget_tokens_total{key="k1",cohort="team-a",route="chat",direction="input"} 1000');
    expect(text).toContain('tollgate_budget_denials_total{rule="rpm",code="rate_limited"} 1');
    expect(text).toContain('tollgate_budget_unknown_model_total{model="brand-new-model"} 1');
    expect(text).toContain('tollgate_store_degraded{backend="memory"} 0');
  });
});

