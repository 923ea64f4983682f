// The Store: windowed counters with leases, shared by every replica that points at the same backend.
//
// Budgets and rate limits are counters that may not pass a cap. A request *leases* an amount on every counter that
// applies to it (all or nothing), and later *settles* each lease with the amount it really used. Leases expire, so a
// replica that dies mid-request cannot hold budget forever: the next operation on the counter drops expired leases.
//
// Amounts are non-negative integers (requests, tokens, micro-dollars): no floats cross this interface.
import type { StoreStatus } from "./status.js";

/** A calendar or fixed-duration window: the counter starts from zero in every period, whose id is part of the key. */
export interface FixedWindow {
  kind: "fixed";
  /** Period id embedded in the key, e.g. "2026-11-24" or "1m:29500000". */
  period: string;
  /** End of the period (epoch ms, exclusive). Keys expire a little after it; no cron resets anything. */
  endsAt: number;
}

/** A rolling window made of equal buckets: usage is the sum of the buckets that overlap [now - windowMs, now]. */
export interface RollingWindow {
  kind: "rolling";
  windowMs: number;
  bucketMs: number;
}

export type Window = FixedWindow | RollingWindow;

/** One counter: a stable id (limit name plus scope values, chosen by the caller) in one window. */
export interface CounterRef {
  id: string;
  window: Window;
}

export interface LeaseItem {
  counter: CounterRef;
  /** Admit only if used + amount <= cap. */
  cap: number;
  amount: number;
}

export interface CounterUsage {
  /** Usage including live leases, after the operation. */
  used: number;
  /** When usage next goes down on its own (epoch ms): period end, or when the oldest bucket leaves the window. */
  resetAt: number;
}

/** A granted lease on one counter. Opaque to callers: hand it back to settle. */
export interface Lease {
  readonly counter: CounterRef;
  readonly id: string;
  readonly amount: number;
  /** Bucket the amount was added to (0 for fixed windows). */
  readonly bucket: number;
  readonly expiresAt: number;
}

export type LeaseResult =
  | { ok: true; leases: Lease[]; usage: CounterUsage[] }
  | {
      ok: false;
      /** Index (into the request's items) of the first counter that refused. */
      denied: number;
      usage: CounterUsage[];
      /** When the refusing counter can take the amount (epoch ms); undefined when it never can (amount > cap). */
      retryAt: number | undefined;
    };

export interface LeaseRequest {
  items: LeaseItem[];
  now: number;
  /** How long the lease lives if never settled. */
  ttlMs: number;
}

export interface Settlement {
  lease: Lease;
  /** The amount really used; 0 releases the lease. */
  actual: number;
}

/** Adds an amount to a counter with no cap and no lease (usage recorded after the fact, e.g. spend history). */
export interface AddItem {
  counter: CounterRef;
  amount: number;
}

export interface Store {
  readonly kind: "memory" | "redis";
  /** Health of the backend, for health checks, logs and the degraded gauge. */
  readonly status: StoreStatus;
  /** Lease `amount` on every counter or on none (a refusal changes no counter). */
  lease(request: LeaseRequest): Promise<LeaseResult>;
  /**
   * Replace each lease by its actual amount; a lease that already expired (and was taken back) adds `actual`.
   * Settle each lease once: a second settlement cannot tell "settled" from "expired" and would add `actual` again.
   */
  settle(settlements: Settlement[], now: number): Promise<CounterUsage[]>;
  /**
   * Push the expiry of leases still held to now + ttlMs (long streams outlive the reservation ttl). A lease already
   * taken back stays gone. Returns the leases with their new expiry.
   */
  renew(leases: Lease[], ttlMs: number, now: number): Promise<Lease[]>;
  /** Unconditional increments (no cap, no lease). */
  add(items: AddItem[], now: number): Promise<CounterUsage[]>;
  /** Current usage, read-only. */
  read(counters: CounterRef[], now: number): Promise<CounterUsage[]>;
  /** True for exactly one caller per `key` until `ttlMs` passes: dedup across replicas (alerts fire once). */
  once(key: string, ttlMs: number, now: number): Promise<boolean>;
  close(): Promise<void>;
}

/** The backend could not be reached or did not answer in time; each limit's fail mode decides what happens. */
export class StoreUnavailableError extends Error {
  override readonly name = "StoreUnavailableError";
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
  }
}

/**
 * How long keys outlive the data they hold: room for replicas whose clocks run a little behind, still writing to a
 * period that just ended. A settlement that arrives later finds no key and adds to a fresh one for a period nobody
 * reads any more, which is harmless.
 */
export const KEY_GRACE_MS = 5 * 60 * 1000;

/**
 * Epoch ms after which nothing in this counter matters: the end of a fixed period, or a rolling window's length after
 * the last write (older buckets no longer count; leases on them no longer matter). Plus the grace.
 */
export function counterExpiry(window: Window, now: number): number {
  return (window.kind === "fixed" ? window.endsAt : now + window.windowMs) + KEY_GRACE_MS;
}

/** The bucket `now` falls in, and the oldest bucket still inside the window (fixed windows have only bucket 0). */
export function bucketsAt(window: Window, now: number): { current: number; oldest: number } {
  if (window.kind === "fixed") return { current: 0, oldest: 0 };
  const current = Math.floor(now / window.bucketMs);
  return { current, oldest: current - Math.ceil(window.windowMs / window.bucketMs) + 1 };
}

/** When a bucket leaves the rolling window (epoch ms). */
export function bucketLeavesAt(window: RollingWindow, bucket: number): number {
  return (bucket + Math.ceil(window.windowMs / window.bucketMs)) * window.bucketMs;
}
