import { Redis } from "ioredis";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createStore } from "../../src/state/config.js";
import { counterKeys, keySlot } from "../../src/state/redis/keys.js";
import { RESERVE } from "../../src/state/redis/scripts.js";
import { RedisStore } from "../../src/state/redis/store.js";
import { StoreUnavailableError, type CounterRef, type Store } from "../../src/state/store.js";
import { dropPrefix, ensureSharedRedis, PrivateRedis, SHARED_REDIS_URL, testPrefix } from "./redis-helper.js";
import { storeContract } from "./store-contract.js";

const prefix = testPrefix("redis-store");
const clients: Redis[] = [];
const stores: Store[] = [];

function client(url = SHARED_REDIS_URL): Redis {
  const redis = new Redis(url, { enableOfflineQueue: false, maxRetriesPerRequest: 0, commandTimeout: 2_000 });
  // Every store of the contract suites listens on the same two clients.
  redis.setMaxListeners(100);
  clients.push(redis);
  return redis;
}

async function ready(redis: Redis): Promise<Redis> {
  if (redis.status !== "ready") await new Promise((resolve) => redis.once("ready", resolve));
  return redis;
}

function track<T extends Store>(store: T): T {
  stores.push(store);
  return store;
}

const DAY = { kind: "fixed", period: "2026-01-15", endsAt: Date.UTC(2026, 0, 16) } as const;
const T0 = Date.UTC(2026, 0, 15, 12);

beforeAll(async () => {
  await ensureSharedRedis();
  await ready(client());
  await ready(client());
});

afterAll(async () => {
  await dropPrefix(clients[0]!, prefix);
  await Promise.all(stores.map((store) => store.close()));
  for (const redis of clients) redis.disconnect();
});

storeContract("redis", () => track(new RedisStore(clients[0]!, { prefix })));
storeContract("redis grouped per cluster slot", () => track(new RedisStore(clients[0]!, { prefix, grouping: "slot" })));

describe("redis store", () => {
  it("computes Redis Cluster slots like Redis (CRC16/XMODEM mod 16384)", () => {
    expect(keySlot("123456789")).toBe(0x31c3);
    expect(keySlot("foo")).toBe(12182);
  });

  it("puts the period in the key, one hash tag per counter, and an expiry past the period end", async () => {
    const store = track(new RedisStore(clients[0]!, { prefix }));
    const counter: CounterRef = { id: "tag-test|k=a", window: DAY };
    await store.lease({ items: [{ counter, cap: 10, amount: 1 }], now: T0, ttlMs: 1_000 });
    const keys = counterKeys(prefix, counter);
    expect(keys.hash).toBe(`${prefix}b1:{tag-test|k=a}:p:2026-01-15`);
    expect(keys.leases).toBe(`${keys.hash}:l`);
    const expireAt = await clients[0]!.pexpiretime(keys.hash);
    expect(expireAt).toBeGreaterThan(DAY.endsAt);
  });

  it("shares one budget between two replicas (two clients, two stores)", async () => {
    const replicaA = track(new RedisStore(clients[0]!, { prefix }));
    const replicaB = track(new RedisStore(clients[1]!, { prefix }));
    const counter: CounterRef = { id: "replicas", window: DAY };
    const results = await Promise.all(
      Array.from({ length: 200 }, (_, i) =>
        (i % 2 ? replicaA : replicaB).lease({ items: [{ counter, cap: 50, amount: 1 }], now: T0, ttlMs: 60_000 }),
      ),
    );
    expect(results.filter((r) => r.ok)).toHaveLength(50);
    expect((await replicaB.read([counter], T0))[0]!.used).toBe(50);
  });

  it("reloads its scripts after Redis lost them (NOSCRIPT falls back to EVAL)", async () => {
    const store = track(new RedisStore(clients[0]!, { prefix }));
    await clients[0]!.script("FLUSH");
    const counter: CounterRef = { id: "noscript", window: DAY };
    const result = await store.lease({ items: [{ counter, cap: 10, amount: 2 }], now: T0, ttlMs: 1_000 });
    expect(result.ok).toBe(true);
    expect(await clients[0]!.script("EXISTS", RESERVE.sha)).toEqual([1]);
  });

  it("gives back the leases of earlier slots when a later slot refuses", async () => {
    const store = track(new RedisStore(clients[0]!, { prefix, grouping: "slot" }));
    // Two counters in different slots; the one in the higher slot is full.
    const ids = ["slot-a", "slot-b", "slot-c", "slot-d"].sort((x, y) => keySlot(x) - keySlot(y));
    const low: CounterRef = { id: ids[0]!, window: DAY };
    const high: CounterRef = { id: ids[3]!, window: DAY };
    expect(keySlot(low.id)).toBeLessThan(keySlot(high.id));
    await store.lease({ items: [{ counter: high, cap: 1, amount: 1 }], now: T0, ttlMs: 60_000 });
    const refused = await store.lease({
      items: [{ counter: high, cap: 1, amount: 1 }, { counter: low, cap: 5, amount: 5 }],
      now: T0,
      ttlMs: 60_000,
    });
    expect(refused).toMatchObject({ ok: false, denied: 0 });
    expect((await store.read([low, high], T0)).map((u) => u.used)).toEqual([0, 1]);
  });
});

describe("redis going away and coming back", () => {
  let redis: PrivateRedis;
  beforeAll(async () => {
    redis = await PrivateRedis.start();
  });
  afterAll(async () => {
    await redis.destroy();
  });

  it("fails fast with StoreUnavailableError, shows degraded, and recovers by itself", async () => {
    const store = track(createStore({ kind: "redis", url: redis.url, cluster: false, key_prefix: prefix, command_timeout_ms: 200, connect_timeout_ms: 500 }));
    const changes: string[] = [];
    store.status.onChange((s) => changes.push(s.state));
    await waitUntil(() => store.status.state === "ok");
    const counter: CounterRef = { id: "outage", window: DAY };
    expect((await store.lease({ items: [{ counter, cap: 10, amount: 1 }], now: T0, ttlMs: 60_000 })).ok).toBe(true);

    await redis.stop();
    await expect(store.lease({ items: [{ counter, cap: 10, amount: 1 }], now: T0, ttlMs: 60_000 })).rejects.toBeInstanceOf(
      StoreUnavailableError,
    );
    expect(store.status.snapshot()).toMatchObject({ backend: "redis", state: "degraded" });

    await redis.start();
    await waitUntil(() => store.status.state === "ok");
    // A fresh server (no persistence): the counter starts over and the scripts are loaded again.
    expect((await store.lease({ items: [{ counter, cap: 10, amount: 1 }], now: T0, ttlMs: 60_000 })).ok).toBe(true);
    expect(changes.at(-1)).toBe("ok");
    expect(changes).toContain("degraded");
  });
});

async function waitUntil(check: () => boolean): Promise<void> {
  for (let i = 0; i < 200 && !check(); i++) await new Promise((resolve) => setTimeout(resolve, 25));
  expect(check()).toBe(true);
}
