// Alerts with a local HTTP server as the webhook: thresholds fire once per period across replicas sharing Redis,
// delivery retries with back-off, and the burn-rate rule compares recent spend with the usual rate.
import { createServer, type Server } from "node:http";
import { Redis } from "ioredis";
import { Registry } from "prom-client";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { BudgetAlert } from "../../../src/policies/budget/alerts.js";
import type { BudgetEngine } from "../../../src/policies/budget/engine.js";
import { registerBudgetMetrics } from "../../../src/policies/budget/metrics.js";
import { MemoryStore } from "../../../src/state/memory.js";
import { RedisStore } from "../../../src/state/redis/store.js";
import { WebhookSender } from "../../../src/policies/budget/webhook.js";
import { dropPrefix, ensureSharedRedis, SHARED_REDIS_URL, testPrefix } from "../../state/redis-helper.js";
import { limits, makeEngine, ManualClock, usage } from "./helpers.js";

/** Records every POST; answers 500 to the first `failFirst` of them. */
class Hook {
  readonly received: BudgetAlert[] = [];
  attempts = 0;
  failFirst = 0;
  readonly #server: Server = createServer((req, res) => {
    let body = "";
    req.on("data", (chunk: Buffer) => (body += chunk.toString("utf8")));
    req.on("end", () => {
      this.attempts += 1;
      if (this.attempts <= this.failFirst) {
        res.writeHead(500).end();
        return;
      }
      this.received.push(JSON.parse(body) as BudgetAlert);
      res.writeHead(204).end();
    });
  });

  async start(): Promise<string> {
    await new Promise<void>((resolve) => this.#server.listen(0, "127.0.0.1", resolve));
    const address = this.#server.address();
    if (typeof address !== "object" || !address) throw new Error("no address");
    return `http://127.0.0.1:${address.port}/alerts`;
  }

  async stop(): Promise<void> {
    await new Promise((resolve) => this.#server.close(resolve));
  }
}

const prefix = testPrefix("alerts");
const clients: Redis[] = [];
const hook = new Hook();
let url: string;

beforeAll(async () => {
  await ensureSharedRedis();
  url = await hook.start();
});

afterAll(async () => {
  if (clients[0]) await dropPrefix(clients[0], prefix);
  for (const client of clients) client.disconnect();
  await hook.stop();
});

async function redisStore(): Promise<RedisStore> {
  const client = new Redis(SHARED_REDIS_URL, { enableOfflineQueue: false, maxRetriesPerRequest: 0 });
  clients.push(client);
  await new Promise((resolve) => client.once("ready", resolve));
  return new RedisStore(client, { prefix });
}

/** One request's spend through the engine: reserve, then reconcile to `outputTokens` of gpt-4o ($10/M). */
async function spend(engine: BudgetEngine, keyId: string, outputTokens: number): Promise<void> {
  const admission = await engine.reserve({ scope: { keyId, cohort: "c", route: "r" }, model: "gpt-4o", estimate: { inputTokens: 0, outputTokens }, phase: "all" });
  if (!admission.ok) return;
  await engine.reconcile(admission.reservation, usage(0, outputTokens));
}

describe("budget alerts", () => {
  it("fire each threshold exactly once per period across two replicas, with retries and back-off", async () => {
    hook.failFirst = 2;
    const config = limits({
      alerts: { backoff_ms: 5, max_attempts: 4 },
      rules: { daily: { per: ["key"], usd: 1, window: "daily", alerts: { thresholds: [50, 80, 100], webhook: url } } },
    });
    const clock = new ManualClock();
    const registry = new Registry();
    const metrics = registerBudgetMetrics(registry);
    const replicas = [makeEngine(config, await redisStore(), clock, { metrics }), makeEngine(config, await redisStore(), clock, { metrics })];
    // 120 requests of 1000 output tokens = $0.01 each, on both replicas at once: usage climbs past 100 %.
    await Promise.all(Array.from({ length: 120 }, (_, i) => spend(replicas[i % 2]!, "k1", 1_000)));
    await Promise.all(replicas.map((engine) => engine.idle()));

    expect(hook.received.map((a) => a.threshold).sort((a, b) => a! - b!)).toEqual([50, 80, 100]);
    const at50 = hook.received.find((a) => a.threshold === 50)!;
    expect(at50).toMatchObject({ type: "threshold", rule: "daily", kind: "money", scope: { key: "k1" }, period: "d:2026-01-15", unit: "micro_usd", cap: 1_000_000 });
    expect(at50.used).toBeGreaterThanOrEqual(500_000);
    expect(hook.attempts).toBe(5); // two failures retried, then three deliveries
    expect(await registry.metrics()).toMatch(/tollgate_budget_alerts_total\{rule="daily",type="threshold",outcome="delivered"\} [1-3]/);

    // The next day is a new period: the 50 % alert fires again, once.
    clock.advance(24 * 3_600_000);
    await Promise.all(Array.from({ length: 60 }, (_, i) => spend(replicas[i % 2]!, "k1", 1_000)));
    await Promise.all(replicas.map((engine) => engine.idle()));
    expect(hook.received.filter((a) => a.threshold === 50).map((a) => a.period)).toEqual(["d:2026-01-15", "d:2026-01-16"]);
  });

  it("give up after the last attempt, and drop alerts when too many are pending", async () => {
    const calls: string[] = [];
    const failing = (async (input: string | URL | Request) => {
      calls.push(String(input));
      throw new Error("connection refused");
    }) as typeof fetch;
    const dead = new WebhookSender({ maxAttempts: 3, backoffMs: 1, timeoutMs: 100, maxPending: 1, fetch: failing });
    expect(await dead.send("http://127.0.0.1:9/x", { a: 1 })).toBe("failed");
    expect(calls).toHaveLength(3);
    // A full queue drops instead of piling up.
    const slow = dead.send("http://127.0.0.1:9/x", {});
    expect(await dead.send("http://127.0.0.1:9/x", {})).toBe("dropped");
    expect(await slow).toBe("failed");
    await dead.idle();
  });

  it("fire the burn-rate rule when recent spend runs far above the usual rate, once", async () => {
    hook.received.length = 0;
    hook.attempts = 0;
    hook.failFirst = 0;
    const config = limits({
      rules: {
        monthly: {
          per: ["key"],
          usd: 1_000,
          window: "monthly",
          alerts: { webhook: url, burn_rate: { window: "10m", baseline: "6h", factor: 5, min_spend_usd: 0.05 } },
        },
      },
    });
    const clock = new ManualClock(Date.UTC(2026, 0, 15, 6, 0, 0));
    const engine = makeEngine(config, new MemoryStore(), clock);
    // Usual rate: $0.01 every 10 minutes for six hours.
    for (let i = 0; i < 36; i++) {
      await spend(engine, "k-burn", 1_000);
      clock.advance(10 * 60_000);
    }
    await engine.idle();
    expect(hook.received).toHaveLength(0);
    // Then $0.10 within ten minutes: ten times the usual rate.
    for (let i = 0; i < 10; i++) {
      await spend(engine, "k-burn", 1_000);
      clock.advance(30_000);
    }
    await engine.idle();
    expect(hook.received).toHaveLength(1);
    expect(hook.received[0]).toMatchObject({ type: "burn_rate", rule: "monthly", scope: { key: "k-burn" }, burn: { windowMinutes: 10, factor: 5 } });
    expect(hook.received[0]!.burn!.windowSpendMicros).toBeGreaterThanOrEqual(50_000);
  });
});
