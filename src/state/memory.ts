// The embedded store: counters in this process's memory. Correct for one replica (every operation runs to completion
// inside one turn of the event loop, so check-and-add is atomic); several replicas need the Redis store.
// The algorithm mirrors src/state/redis/scripts.ts step for step; test/state runs one contract suite against both.
import { randomBytes } from "node:crypto";
import { StoreStatus } from "./status.js";
import {
  bucketLeavesAt,
  bucketsAt,
  counterExpiry,
  type AddItem,
  type CounterRef,
  type CounterUsage,
  type Lease,
  type LeaseRequest,
  type LeaseResult,
  type Settlement,
  type Store,
} from "./store.js";

interface HeldLease {
  amount: number;
  bucket: number;
  expiresAt: number;
}

interface Entry {
  buckets: Map<number, number>;
  leases: Map<string, HeldLease>;
  expiresAt: number;
}

/** Sweep expired entries every this many writes, so memory stays bounded without a timer. */
const SWEEP_EVERY = 10_000;

export class MemoryStore implements Store {
  readonly kind = "memory";
  readonly status: StoreStatus;
  readonly #entries = new Map<string, Entry>();
  readonly #once = new Map<string, number>();
  #writes = 0;

  constructor(options: { clock?: () => number } = {}) {
    this.status = new StoreStatus("memory", options.clock);
  }

  async lease(request: LeaseRequest): Promise<LeaseResult> {
    const { items, now, ttlMs } = request;
    const views = items.map((item) => this.#view(item.counter, now));
    const usage = views.map((view, i) => usageOf(items[i]!.counter, view.entry, view.oldest, now));
    for (const [i, item] of items.entries()) {
      if (usage[i]!.used + item.amount > item.cap) {
        const view = views[i]!;
        return { ok: false, denied: i, usage, retryAt: retryAt(item.counter, view.entry, view.oldest, item, usage[i]!.used) };
      }
    }
    const id = randomBytes(8).toString("hex");
    const expiresAt = now + ttlMs;
    const leases: Lease[] = [];
    for (const [i, item] of items.entries()) {
      const { entry, current, oldest } = views[i]!;
      if (item.amount > 0) {
        entry.buckets.set(current, (entry.buckets.get(current) ?? 0) + item.amount);
        entry.leases.set(id, { amount: item.amount, bucket: current, expiresAt });
      }
      entry.expiresAt = Math.max(entry.expiresAt, counterExpiry(item.counter.window, now));
      leases.push({ counter: item.counter, id, amount: item.amount, bucket: current, expiresAt });
      usage[i] = usageOf(item.counter, entry, oldest, now);
    }
    this.#wrote(now);
    return { ok: true, leases, usage };
  }

  async settle(settlements: Settlement[], now: number): Promise<CounterUsage[]> {
    const usage = settlements.map(({ lease, actual }) => {
      const { entry, oldest } = this.#view(lease.counter, now);
      const held = entry.leases.get(lease.id);
      // A lease that expired was already taken back, so only `actual` is added; a live one is replaced.
      const delta = actual - (held ? held.amount : 0);
      entry.leases.delete(lease.id);
      if (lease.bucket >= oldest && delta !== 0) {
        entry.buckets.set(lease.bucket, (entry.buckets.get(lease.bucket) ?? 0) + delta);
      }
      entry.expiresAt = Math.max(entry.expiresAt, counterExpiry(lease.counter.window, now));
      return usageOf(lease.counter, entry, oldest, now);
    });
    this.#wrote(now);
    return usage;
  }

  async renew(leases: Lease[], ttlMs: number, now: number): Promise<Lease[]> {
    const expiresAt = now + ttlMs;
    for (const lease of leases) {
      // Like the Redis store: a lease not yet taken back is still counted, so it may be renewed.
      const held = this.#entries.get(storageKey(lease.counter))?.leases.get(lease.id);
      if (held && lease.amount > 0) held.expiresAt = expiresAt;
    }
    return leases.map((lease) => ({ ...lease, expiresAt }));
  }

  async add(items: AddItem[], now: number): Promise<CounterUsage[]> {
    const usage = items.map(({ counter, amount }) => {
      const { entry, current, oldest } = this.#view(counter, now);
      if (amount !== 0) entry.buckets.set(current, (entry.buckets.get(current) ?? 0) + amount);
      entry.expiresAt = Math.max(entry.expiresAt, counterExpiry(counter.window, now));
      return usageOf(counter, entry, oldest, now);
    });
    this.#wrote(now);
    return usage;
  }

  async read(counters: CounterRef[], now: number): Promise<CounterUsage[]> {
    return counters.map((counter) => {
      const key = storageKey(counter);
      const entry = this.#entries.get(key);
      if (!entry || entry.expiresAt <= now) return usageOf(counter, undefined, 0, now);
      const { oldest } = this.#view(counter, now);
      return usageOf(counter, entry, oldest, now);
    });
  }

  async once(key: string, ttlMs: number, now: number): Promise<boolean> {
    const until = this.#once.get(key);
    if (until !== undefined && until > now) return false;
    this.#once.set(key, now + ttlMs);
    this.#wrote(now);
    return true;
  }

  async close(): Promise<void> {
    this.#entries.clear();
    this.#once.clear();
  }

  /** The entry for a counter with expired leases taken back and buckets outside the window dropped. */
  #view(counter: CounterRef, now: number): { entry: Entry; current: number; oldest: number } {
    const key = storageKey(counter);
    let entry = this.#entries.get(key);
    if (!entry || entry.expiresAt <= now) {
      entry = { buckets: new Map(), leases: new Map(), expiresAt: 0 };
      this.#entries.set(key, entry);
    }
    const { current, oldest } = bucketsAt(counter.window, now);
    for (const [id, held] of entry.leases) {
      if (held.expiresAt > now) continue;
      entry.leases.delete(id);
      if (held.bucket >= oldest) entry.buckets.set(held.bucket, (entry.buckets.get(held.bucket) ?? 0) - held.amount);
    }
    for (const bucket of entry.buckets.keys()) if (bucket < oldest) entry.buckets.delete(bucket);
    return { entry, current, oldest };
  }

  #wrote(now: number): void {
    this.#writes += 1;
    if (this.#writes % SWEEP_EVERY !== 0) return;
    for (const [key, entry] of this.#entries) if (entry.expiresAt <= now) this.#entries.delete(key);
    for (const [key, until] of this.#once) if (until <= now) this.#once.delete(key);
  }
}

function storageKey(counter: CounterRef): string {
  const w = counter.window;
  return w.kind === "fixed" ? `${counter.id}\u0000p:${w.period}` : `${counter.id}\u0000r:${w.windowMs}:${w.bucketMs}`;
}

function usageOf(counter: CounterRef, entry: Entry | undefined, oldest: number, now: number): CounterUsage {
  const w = counter.window;
  let used = 0;
  let first: number | undefined;
  for (const [bucket, value] of entry?.buckets ?? []) {
    if (bucket < oldest || value === 0) continue;
    used += value;
    if (first === undefined || bucket < first) first = bucket;
  }
  if (w.kind === "fixed") return { used, resetAt: w.endsAt };
  return { used, resetAt: first === undefined ? now : bucketLeavesAt(w, first) };
}

/** When enough of the window has passed for `amount` to fit (see retryAt in the Lua reserve script). */
function retryAt(counter: CounterRef, entry: Entry, oldest: number, item: { cap: number; amount: number }, used: number): number | undefined {
  if (item.amount > item.cap) return undefined;
  const w = counter.window;
  if (w.kind === "fixed") return w.endsAt;
  let freed = 0;
  const buckets = [...entry.buckets].filter(([b, v]) => b >= oldest && v !== 0).sort(([a], [b]) => a - b);
  for (const [bucket, value] of buckets) {
    freed += value;
    if (used - freed + item.amount <= item.cap) return bucketLeavesAt(w, bucket);
  }
  return undefined;
}
