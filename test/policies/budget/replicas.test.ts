// Two Tollgate replicas (own Redis connection, store, engine and policy each) sharing one real Redis: caps hold
// exactly under 200 concurrent requests, and after reconciliation the counters equal what the upstream reported.
import { Redis } from "ioredis";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { BudgetEngine } from "../../../src/policies/budget/engine.js";
import { budgetPolicy } from "../../../src/policies/budget/policy.js";
import type { LimitsInput } from "../../../src/policies/budget/schema.js";
import { usageReport } from "../../../src/policies/budget/usage.js";
import type { Policy } from "../../../src/policies/types.js";
import { RedisStore } from "../../../src/state/redis/store.js";
import type { ExchangeContext } from "../../../src/exchange/context.js";
import { dropPrefix, ensureSharedRedis, SHARED_REDIS_URL, testPrefix } from "../../state/redis-helper.js";
import { contextFor, limits, makeEngine, ManualClock, usage } from "./helpers.js";

const prefix = testPrefix("replicas");
const clients: Redis[] = [];

interface Replica {
  engine: BudgetEngine;
  policy: Policy;
}

async function replicas(rules: LimitsInput["rules"]): Promise<[Replica, Replica]> {
  const clock = new ManualClock();
  const make = async (): Promise<Replica> => {
    const client = new Redis(SHARED_REDIS_URL, { enableOfflineQueue: false, maxRetriesPerRequest: 0 });
    clients.push(client);
    await new Promise((resolve) => client.once("ready", resolve));
    const engine = makeEngine(limits({ rules }), new RedisStore(client, { prefix }), clock);
    return { engine, policy: budgetPolicy(engine) };
  };
  return [await make(), await make()];
}

/** One request through a replica's policy up to admission; undefined when denied. */
async function admit(replica: Replica, body: Record<string, unknown>, keyId: string): Promise<ExchangeContext | undefined> {
  const ctx = contextFor(body, { keyId });
  const early = await replica.policy.requestHeaders!(ctx);
  if (early.verdict === "deny") return undefined;
  const result = await replica.policy.requestBody!(ctx);
  return result.verdict === "deny" ? undefined : ctx;
}

/** The upstream answers: its reported usage goes through responseBody, then the request ends. */
async function complete(replica: Replica, ctx: ExchangeContext, inputTokens: number, outputTokens: number): Promise<void> {
  const reported = usage(inputTokens, outputTokens);
  ctx.addUsage(reported);
  await replica.policy.responseBody!(ctx, { status: 200, segments: [], body: {}, usage: reported });
  await replica.policy.done!(ctx, "completed");
}

async function counterUsed(replica: Replica, rule: string, keyId: string): Promise<number> {
  const report = await usageReport(replica.engine, { keyId });
  return report.entries.find((e) => e.rule === rule)!.used;
}

beforeAll(async () => {
  await ensureSharedRedis();
});

afterAll(async () => {
  if (clients[0]) await dropPrefix(clients[0], prefix);
  for (const client of clients) client.disconnect();
});

const body = (maxTokens: number) => ({ model: "gpt-4o", max_tokens: maxTokens, messages: [{ role: "user", content: "hello world" }] });

describe("two replicas sharing one Redis", () => {
  it("admit exactly 50 of 200 concurrent requests at a cap of 50, and count exactly the 50", async () => {
    const pair = await replicas({ rpm: { per: ["key"], requests: 50, window: "1m" } });
    const admitted = await Promise.all(Array.from({ length: 200 }, (_, i) => admit(pair[i % 2]!, body(10), "rpm-key")));
    const served = admitted.flatMap((ctx, i) => (ctx ? [{ ctx, replica: pair[i % 2]! }] : []));
    expect(served).toHaveLength(50);
    await Promise.all(served.map(({ ctx, replica }) => complete(replica, ctx, 9, 3)));
    expect(await counterUsed(pair[0], "rpm", "rpm-key")).toBe(50);
  });

  it("hold a token cap under concurrency, and reconcile to exactly what the upstream reported", async () => {
    const pair = await replicas({ tpm: { per: ["key"], tokens: 10_000, window: "1h" } });
    // Each request reserves 9 prompt + 100 max_tokens = 109 tokens: 91 fit in 10 000.
    const first = await Promise.all(Array.from({ length: 200 }, (_, i) => admit(pair[i % 2]!, body(100), "tpm-key")));
    const served = first.flatMap((ctx, i) => (ctx ? [{ ctx, replica: pair[i % 2]! }] : []));
    expect(served).toHaveLength(91);

    let reported = 0;
    await Promise.all(
      served.map(({ ctx, replica }, i) => {
        const output = 1 + ((i * 37) % 100);
        reported += 9 + output;
        return complete(replica, ctx, 9, output);
      }),
    );
    expect(await counterUsed(pair[1], "tpm", "tpm-key")).toBe(reported);

    // A second wave where admissions and reconciliations interleave: the cap still holds, the sum still matches.
    const second = await Promise.all(
      Array.from({ length: 200 }, async (_, i) => {
        const replica = pair[i % 2]!;
        const ctx = await admit(replica, body(100), "tpm-key");
        if (!ctx) return 0;
        const output = 1 + ((i * 53) % 100);
        await complete(replica, ctx, 9, output);
        return 9 + output;
      }),
    );
    reported += second.reduce((a, b) => a + b, 0);
    const used = await counterUsed(pair[0], "tpm", "tpm-key");
    expect(used).toBe(reported);
    expect(used).toBeLessThanOrEqual(10_000);
    expect(second.filter((n) => n > 0).length).toBeGreaterThan(0);
  });
});
