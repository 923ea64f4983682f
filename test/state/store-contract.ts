// One behaviour contract for every Store implementation: the memory store and the Redis store must agree exactly.
import { describe, expect, it } from "vitest";
import type { CounterRef, FixedWindow, LeaseResult, RollingWindow, Store } from "../../src/state/store.js";

const T0 = Date.UTC(2026, 0, 15, 12, 0, 0);
const DAY: FixedWindow = { kind: "fixed", period: "2026-01-15", endsAt: Date.UTC(2026, 0, 16) };
const NEXT_DAY: FixedWindow = { kind: "fixed", period: "2026-01-16", endsAt: Date.UTC(2026, 0, 17) };
const MINUTE_ROLLING: RollingWindow = { kind: "rolling", windowMs: 60_000, bucketMs: 10_000 };
const TTL = 60_000;

let counterSeq = 0;
function counter(window: CounterRef["window"] = DAY): CounterRef {
  counterSeq += 1;
  return { id: `c${counterSeq}|k=a{b}`, window };
}

function granted(result: LeaseResult): Extract<LeaseResult, { ok: true }> {
  if (!result.ok) throw new Error(`expected a grant, got a refusal at ${result.denied}`);
  return result;
}

export function storeContract(name: string, makeStore: () => Store): void {
  describe(`${name}: store contract`, () => {
    it("grants within the cap, refuses past it, and a refusal changes no counter", async () => {
      const store = makeStore();
      const a = counter();
      const b = counter();
      const first = granted(await store.lease({ items: [{ counter: a, cap: 10, amount: 6 }, { counter: b, cap: 100, amount: 6 }], now: T0, ttlMs: TTL }));
      expect(first.usage.map((u) => u.used)).toEqual([6, 6]);
      expect(first.usage[0]!.resetAt).toBe(DAY.endsAt);

      const refused = await store.lease({ items: [{ counter: b, cap: 100, amount: 5 }, { counter: a, cap: 10, amount: 5 }], now: T0, ttlMs: TTL });
      expect(refused.ok).toBe(false);
      if (refused.ok) return;
      expect(refused.denied).toBe(1);
      expect(refused.retryAt).toBe(DAY.endsAt);
      expect((await store.read([a, b], T0)).map((u) => u.used)).toEqual([6, 6]);
    });

    it("settles a lease to the actual amount and releases with 0", async () => {
      const store = makeStore();
      const a = counter();
      const one = granted(await store.lease({ items: [{ counter: a, cap: 1000, amount: 300 }], now: T0, ttlMs: TTL }));
      const two = granted(await store.lease({ items: [{ counter: a, cap: 1000, amount: 200 }], now: T0, ttlMs: TTL }));
      expect((await store.settle([{ lease: one.leases[0]!, actual: 120 }], T0 + 1))[0]!.used).toBe(320);
      expect((await store.read([a], T0 + 3))[0]!.used).toBe(320);
      await store.settle([{ lease: two.leases[0]!, actual: 0 }], T0 + 4);
      expect((await store.read([a], T0 + 5))[0]!.used).toBe(120);
    });

    it("takes back expired leases, and a late settlement adds only the actual amount", async () => {
      const store = makeStore();
      const a = counter();
      const lease = granted(await store.lease({ items: [{ counter: a, cap: 100, amount: 100 }], now: T0, ttlMs: TTL }));
      expect((await store.lease({ items: [{ counter: a, cap: 100, amount: 1 }], now: T0 + TTL - 1, ttlMs: TTL })).ok).toBe(false);
      expect((await store.read([a], T0 + TTL))[0]!.used).toBe(0);
      granted(await store.lease({ items: [{ counter: a, cap: 100, amount: 90 }], now: T0 + TTL, ttlMs: TTL }));
      expect((await store.settle([{ lease: lease.leases[0]!, actual: 7 }], T0 + TTL + 1))[0]!.used).toBe(97);
      const late = granted(await store.lease({ items: [{ counter: a, cap: 100, amount: 3 }], now: T0 + TTL + 2, ttlMs: TTL }));
      expect((await store.settle([{ lease: late.leases[0]!, actual: 0 }], T0 + 3 * TTL))[0]!.used).toBe(7);
    });

    it("renews a lease so it outlives its first ttl, but never brings back one already taken back", async () => {
      const store = makeStore();
      const a = counter();
      const long = granted(await store.lease({ items: [{ counter: a, cap: 100, amount: 60 }], now: T0, ttlMs: TTL }));
      const renewed = await store.renew(long.leases, TTL, T0 + TTL - 1);
      expect(renewed[0]!.expiresAt).toBe(T0 + 2 * TTL - 1);
      expect((await store.read([a], T0 + TTL + 1))[0]!.used).toBe(60);
      expect((await store.lease({ items: [{ counter: a, cap: 100, amount: 41 }], now: T0 + TTL + 1, ttlMs: TTL })).ok).toBe(false);
      // After it expired and was taken back, renewing changes nothing.
      expect((await store.read([a], T0 + 2 * TTL))[0]!.used).toBe(0);
      await store.lease({ items: [{ counter: a, cap: 100, amount: 1 }], now: T0 + 2 * TTL, ttlMs: TTL });
      await store.renew(renewed, TTL, T0 + 2 * TTL + 1);
      expect((await store.read([a], T0 + 2 * TTL + 2))[0]!.used).toBe(1);
    });

    it("starts every fixed period from zero (the period is part of the key)", async () => {
      const store = makeStore();
      const id = `roll${++counterSeq}`;
      const today = { id, window: DAY };
      const tomorrow = { id, window: NEXT_DAY };
      granted(await store.lease({ items: [{ counter: today, cap: 5, amount: 5 }], now: DAY.endsAt - 1, ttlMs: TTL }));
      expect((await store.lease({ items: [{ counter: today, cap: 5, amount: 1 }], now: DAY.endsAt - 1, ttlMs: TTL })).ok).toBe(false);
      const next = granted(await store.lease({ items: [{ counter: tomorrow, cap: 5, amount: 5 }], now: DAY.endsAt, ttlMs: TTL }));
      expect(next.usage[0]).toEqual({ used: 5, resetAt: NEXT_DAY.endsAt });
    });

    it("rolls buckets out of a rolling window and says when room frees up", async () => {
      const store = makeStore();
      const a = counter(MINUTE_ROLLING);
      const t = T0; // bucket boundary: T0 is a multiple of 10 s
      const at = (ms: number) => store.lease({ items: [{ counter: a, cap: 12, amount: 4 }], now: t + ms, ttlMs: 120_000 });
      const l1 = granted(await at(0));
      const l2 = granted(await at(15_000));
      await store.settle([{ lease: l1.leases[0]!, actual: 4 }, { lease: l2.leases[0]!, actual: 4 }], t + 16_000);
      const third = await at(20_000);
      expect(third.ok).toBe(true);
      const fourth = await at(25_000);
      expect(fourth.ok).toBe(false);
      if (fourth.ok) return;
      // 12 used; freeing the oldest bucket (4) makes room for 4 more: it leaves the window at t + 60 s.
      expect(fourth.retryAt).toBe(t + 60_000);
      expect(fourth.usage[0]!.resetAt).toBe(t + 60_000);
      expect((await at(60_000)).ok).toBe(true);
      expect((await store.read([a], t + 60_000))[0]!.used).toBe(12);
    });

    it("says never (retryAt undefined) for an amount larger than the cap", async () => {
      const store = makeStore();
      const result = await store.lease({ items: [{ counter: counter(), cap: 10, amount: 11 }], now: T0, ttlMs: TTL });
      expect(result).toMatchObject({ ok: false, denied: 0, retryAt: undefined });
    });

    it("admits exactly the cap under hundreds of concurrent leases", async () => {
      const store = makeStore();
      const shared = counter();
      const results = await Promise.all(
        Array.from({ length: 300 }, (_, i) =>
          store.lease({ items: [{ counter: counter(), cap: 1, amount: 1 }, { counter: shared, cap: 50, amount: 1 }], now: T0 + i, ttlMs: TTL }),
        ),
      );
      expect(results.filter((r) => r.ok)).toHaveLength(50);
      expect((await store.read([shared], T0 + 500))[0]!.used).toBe(50);
    });

    it("adds without a cap and reads it back", async () => {
      const store = makeStore();
      const a = counter(MINUTE_ROLLING);
      await store.add([{ counter: a, amount: 3 }], T0);
      const [usage] = await store.add([{ counter: a, amount: 4 }], T0 + 10_000);
      expect(usage).toEqual({ used: 7, resetAt: T0 + 60_000 });
      expect((await store.read([a], T0 + 60_000))[0]!.used).toBe(4);
    });

    it("says yes to exactly one caller of once() per key until the ttl passes", async () => {
      const store = makeStore();
      const key = `alert${++counterSeq}`;
      const answers = await Promise.all(Array.from({ length: 20 }, () => store.once(key, 60_000, T0)));
      expect(answers.filter(Boolean)).toHaveLength(1);
    });
  });
}
