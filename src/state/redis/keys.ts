// Key names of the Redis store, and Redis Cluster slots.
//
// Cluster choice: every counter gets its own hash tag ({<counter id>}), so a counter's hash and lease set share a
// slot, and counters spread over the cluster. A per-request tag cannot work: a cohort's counter is shared by all of the
// cohort's keys and cannot live in every key's slot. So one request's counters may sit in several slots, and the store
// leases them with a protocol that is safe without cross-slot atomicity (see RedisStore.lease): each slot group is
// leased atomically by one script, groups in a fixed order; if a later group refuses, the earlier leases are released.
// Each counter's check-and-add is atomic, so no counter ever passes its cap; the price is a short window in which an
// earlier group holds a lease that is then given back (it can only refuse other requests, never over-admit), and a
// replica that dies between groups leaves leases that expire on their own.
import type { CounterRef } from "../store.js";

/** Layout version of the keys (see scripts.ts): bump only with an incompatible change of what the keys hold. */
export const KEY_LAYOUT = "b1";

/** Braces would end the hash tag early, so they are escaped inside ids. */
function escapeTag(id: string): string {
  return id.replaceAll("{", "%7B").replaceAll("}", "%7D");
}

export interface CounterKeys {
  hash: string;
  leases: string;
  slot: number;
}

export function counterKeys(prefix: string, counter: CounterRef): CounterKeys {
  const tag = escapeTag(counter.id);
  const w = counter.window;
  const suffix = w.kind === "fixed" ? `p:${w.period}` : `r:${w.windowMs}:${w.bucketMs}`;
  const hash = `${prefix}${KEY_LAYOUT}:{${tag}}:${suffix}`;
  return { hash, leases: `${hash}:l`, slot: keySlot(tag) };
}

export function onceKey(prefix: string, key: string): string {
  return `${prefix}${KEY_LAYOUT}:once:{${escapeTag(key)}}`;
}

/** CRC16/XMODEM, as Redis Cluster uses for key slots. */
function crc16(bytes: Uint8Array): number {
  let crc = 0;
  for (const byte of bytes) {
    crc ^= byte << 8;
    for (let bit = 0; bit < 8; bit++) crc = crc & 0x8000 ? ((crc << 1) ^ 0x1021) & 0xffff : (crc << 1) & 0xffff;
  }
  return crc;
}

/** The cluster slot of a key whose hash tag content is `tag` (or of a tagless key named `tag`). */
export function keySlot(tag: string): number {
  return crc16(Buffer.from(tag, "utf8")) % 16384;
}
