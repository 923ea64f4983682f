// The distributed store: counters in Redis (standalone, Sentinel or Cluster), changed only by the versioned Lua
// scripts in scripts.ts, so any number of replicas share one budget.
import { randomBytes } from "node:crypto";
import type { Cluster, Redis } from "ioredis";
import { StoreStatus } from "../status.js";
import {
  bucketLeavesAt,
  bucketsAt,
  counterExpiry,
  StoreUnavailableError,
  type AddItem,
  type CounterRef,
  type CounterUsage,
  type Lease,
  type LeaseItem,
  type LeaseRequest,
  type LeaseResult,
  type Settlement,
  type Store,
} from "../store.js";
import { counterKeys, onceKey } from "./keys.js";
import { READ, RENEW, RESERVE, SETTLE, type LuaScript } from "./scripts.js";

export interface RedisStoreOptions {
  /** Prefix of every key (tests and tenants use their own). Default "tollgate:". */
  prefix?: string;
  /**
   * How a request's counters are grouped into script calls. "auto": one call on standalone Redis, one per cluster
   * slot on Redis Cluster. "slot": always per slot (lets tests exercise the cluster protocol on one node).
   */
  grouping?: "auto" | "slot";
  clock?: () => number;
  /** Close the client with the store (true when the store created it). */
  ownsClient?: boolean;
}

type Client = Redis | Cluster;

export class RedisStore implements Store {
  readonly kind = "redis";
  readonly status: StoreStatus;
  readonly #prefix: string;
  readonly #perSlot: boolean;
  readonly #detach: () => void;
  readonly #ownsClient: boolean;

  constructor(
    private readonly client: Client,
    options: RedisStoreOptions = {},
  ) {
    this.#prefix = options.prefix ?? "tollgate:";
    this.#perSlot = options.grouping === "slot" || client.isCluster;
    this.#ownsClient = options.ownsClient ?? false;
    this.status = new StoreStatus("redis", options.clock);
    // Connection events keep the status true even when no request is running; commands confirm it.
    const onReady = (): void => this.status.markOk();
    const onClose = (): void => this.status.markError(new Error("connection to redis closed"));
    const onError = (error: unknown): void => this.status.markError(error);
    client.on("ready", onReady);
    client.on("close", onClose);
    client.on("error", onError);
    this.#detach = () => {
      client.off("ready", onReady);
      client.off("close", onClose);
      client.off("error", onError);
    };
    if (client.status !== "ready") this.status.markError(new Error(`redis not ready (${client.status})`));
  }

  async lease(request: LeaseRequest): Promise<LeaseResult> {
    const { items, now, ttlMs } = request;
    const id = randomBytes(8).toString("hex");
    const usage: CounterUsage[] = items.map((item) => ({ used: 0, resetAt: resetAt(item.counter, -1, now) }));
    const leases: Lease[] = new Array(items.length);
    const granted: Lease[] = [];
    for (const group of this.#groups(items.map((item) => item.counter))) {
      let result: LeaseResult;
      try {
        result = await this.#leaseGroup(group.map((i) => items[i]!), id, now, ttlMs);
      } catch (error) {
        await this.#giveBack(granted, now);
        throw error;
      }
      for (const [j, u] of result.usage.entries()) usage[group[j]!] = u;
      if (!result.ok) {
        await this.#giveBack(granted, now);
        return { ok: false, denied: group[result.denied]!, usage, retryAt: result.retryAt };
      }
      result.leases.forEach((lease, j) => (leases[group[j]!] = lease));
      granted.push(...result.leases);
    }
    return { ok: true, leases, usage };
  }

  async settle(settlements: Settlement[], now: number): Promise<CounterUsage[]> {
    return this.#settleRows(
      settlements.map(({ lease, actual }) => ({
        counter: lease.counter,
        member: lease.amount > 0 ? memberOf(lease) : "",
        leased: lease.amount,
        actual,
        bucket: lease.bucket,
      })),
      now,
    );
  }

  async renew(leases: Lease[], ttlMs: number, now: number): Promise<Lease[]> {
    const expiresAt = now + ttlMs;
    const held = leases.filter((lease) => lease.amount > 0);
    for (const group of this.#groups(held.map((lease) => lease.counter))) {
      const keys = group.map((i) => counterKeys(this.#prefix, held[i]!.counter).leases);
      await this.#run(RENEW, keys, [expiresAt, ...group.map((i) => memberOf(held[i]!))]);
    }
    return leases.map((lease) => ({ ...lease, expiresAt }));
  }

  async add(items: AddItem[], now: number): Promise<CounterUsage[]> {
    return this.#settleRows(
      items.map(({ counter, amount }) => ({
        counter,
        member: "",
        leased: 0,
        actual: amount,
        bucket: bucketsAt(counter.window, now).current,
      })),
      now,
    );
  }

  async read(counters: CounterRef[], now: number): Promise<CounterUsage[]> {
    const usage: CounterUsage[] = new Array(counters.length);
    for (const group of this.#groups(counters)) {
      const keys = group.flatMap((i) => this.#keys(counters[i]!));
      const args = [now, ...group.map((i) => bucketsAt(counters[i]!.window, now).oldest)];
      const reply = await this.#run(READ, keys, args);
      group.forEach((i, j) => (usage[i] = usageAt(counters[i]!, reply, 2 * j, now)));
    }
    return usage;
  }

  async once(key: string, ttlMs: number, _now: number): Promise<boolean> {
    const reply = await this.#call(() => this.client.set(onceKey(this.#prefix, key), "1", "PX", ttlMs, "NX"));
    return reply === "OK";
  }

  async close(): Promise<void> {
    this.#detach();
    if (this.#ownsClient) this.client.disconnect();
  }

  async #leaseGroup(items: LeaseItem[], id: string, now: number, ttlMs: number): Promise<LeaseResult> {
    const expiresAt = now + ttlMs;
    const keys = items.flatMap((item) => this.#keys(item.counter));
    const args: (string | number)[] = [now, id, expiresAt];
    const buckets = items.map((item) => bucketsAt(item.counter.window, now));
    items.forEach((item, i) => {
      const b = buckets[i]!;
      args.push(item.cap, item.amount, b.current, b.oldest, counterExpiry(item.counter.window, now) - now);
    });
    const reply = await this.#run(RESERVE, keys, args);
    const usage = items.map((item, i) => usageAt(item.counter, reply, 3 + 2 * i, now));
    if (num(reply, 0) === 1) {
      const leases = items.map((item, i) => ({
        counter: item.counter,
        id,
        amount: item.amount,
        bucket: buckets[i]!.current,
        expiresAt,
      }));
      return { ok: true, leases, usage };
    }
    const denied = num(reply, 1) - 1;
    const item = items[denied]!;
    const retryBucket = num(reply, 2);
    const w = item.counter.window;
    const retryAt = retryBucket < 0 ? undefined : w.kind === "fixed" ? w.endsAt : bucketLeavesAt(w, retryBucket);
    return { ok: false, denied, usage, retryAt };
  }

  /** Release leases of earlier slot groups after a later group refused or failed; expiry covers what this misses. */
  async #giveBack(leases: Lease[], now: number): Promise<void> {
    if (leases.length === 0) return;
    await this.settle(
      leases.map((lease) => ({ lease, actual: 0 })),
      now,
    ).catch(() => undefined);
  }

  async #settleRows(
    rows: { counter: CounterRef; member: string; leased: number; actual: number; bucket: number }[],
    now: number,
  ): Promise<CounterUsage[]> {
    const usage: CounterUsage[] = new Array(rows.length);
    for (const group of this.#groups(rows.map((row) => row.counter))) {
      const keys = group.flatMap((i) => this.#keys(rows[i]!.counter));
      const args: (string | number)[] = [now];
      for (const i of group) {
        const row = rows[i]!;
        const w = row.counter.window;
        args.push(row.member, row.leased, row.actual, row.bucket, bucketsAt(w, now).oldest, counterExpiry(w, now) - now);
      }
      const reply = await this.#run(SETTLE, keys, args);
      group.forEach((i, j) => (usage[i] = usageAt(rows[i]!.counter, reply, 2 * j, now)));
    }
    return usage;
  }

  #keys(counter: CounterRef): string[] {
    const keys = counterKeys(this.#prefix, counter);
    return [keys.hash, keys.leases];
  }

  /** Indices of counters grouped so that each group is one script call (one slot on a cluster), in slot order. */
  #groups(counters: CounterRef[]): number[][] {
    if (!this.#perSlot) return [counters.map((_, i) => i)];
    const bySlot = new Map<number, number[]>();
    counters.forEach((counter, i) => {
      const slot = counterKeys(this.#prefix, counter).slot;
      bySlot.set(slot, [...(bySlot.get(slot) ?? []), i]);
    });
    return [...bySlot.entries()].sort(([a], [b]) => a - b).map(([, group]) => group);
  }

  /** EVALSHA, falling back to EVAL (which also caches the script) after a restart or failover emptied the cache. */
  async #run(script: LuaScript, keys: string[], args: (string | number)[]): Promise<unknown[]> {
    const reply = await this.#call(async () => {
      try {
        return await this.client.evalsha(script.sha, keys.length, ...keys, ...args);
      } catch (error) {
        if (!(error instanceof Error) || !error.message.startsWith("NOSCRIPT")) throw error;
        return await this.client.eval(script.source, keys.length, ...keys, ...args);
      }
    });
    if (!Array.isArray(reply)) throw new StoreUnavailableError(`${script.name} returned ${typeof reply}`);
    return reply;
  }

  async #call<T>(operation: () => Promise<T>): Promise<T> {
    try {
      const result = await operation();
      this.status.markOk();
      return result;
    } catch (error) {
      this.status.markError(error);
      const message = error instanceof Error ? error.message : String(error);
      throw new StoreUnavailableError(`redis: ${message}`, { cause: error });
    }
  }
}

/** A lease's member in its counter's lease set (see scripts.ts). */
function memberOf(lease: Lease): string {
  return `${lease.id}:${lease.amount}:${lease.bucket}`;
}

function num(reply: unknown[], index: number): number {
  const value = reply[index];
  if (typeof value !== "number") throw new StoreUnavailableError(`unexpected script reply at ${index}: ${String(value)}`);
  return value;
}

function resetAt(counter: CounterRef, first: number, now: number): number {
  const w = counter.window;
  if (w.kind === "fixed") return w.endsAt;
  return first < 0 ? now : bucketLeavesAt(w, first);
}

function usageAt(counter: CounterRef, reply: unknown[], offset: number, now: number): CounterUsage {
  return { used: num(reply, offset), resetAt: resetAt(counter, num(reply, offset + 1), now) };
}
