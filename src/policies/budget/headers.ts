// x-ratelimit-* response headers (OpenAI's names and duration format) and retry-after.
import type { LimitKind } from "./schema.js";

/** The state of one limit after an admission, as the engine reports it. */
export interface LimitStatus {
  rule: string;
  kind: LimitKind;
  cap: number;
  used: number;
  remaining: number;
  /** Epoch ms when usage next goes down on its own. */
  resetAt: number;
}

/** "6m0s", "1.5s", "20ms": the duration format OpenAI uses in x-ratelimit-reset-*. */
export function formatReset(ms: number): string {
  if (ms <= 0) return "0s";
  if (ms < 1_000) return `${Math.ceil(ms)}ms`;
  const totalSeconds = Math.ceil(ms / 1_000);
  const h = Math.floor(totalSeconds / 3_600);
  const m = Math.floor((totalSeconds % 3_600) / 60);
  const s = totalSeconds % 60;
  if (h > 0) return `${h}h${m}m${s}s`;
  if (m > 0) return `${m}m${s}s`;
  return `${s}s`;
}

/** Whole seconds to wait, at least 1 (retry-after takes integer seconds). */
export function retryAfterSeconds(retryAt: number, now: number): number {
  return Math.max(1, Math.ceil((retryAt - now) / 1_000));
}

/**
 * Headers for requests and for tokens, each from the tightest applicable limit (least remaining). Money limits have
 * no standard header; they show in the usage report and in denials.
 */
export function rateLimitHeaders(statuses: readonly LimitStatus[], now: number): Record<string, string> {
  const headers: Record<string, string> = {};
  for (const [kind, suffix] of [["requests", "requests"], ["tokens", "tokens"]] as const) {
    const tightest = statuses
      .filter((s) => s.kind === kind)
      .reduce<LimitStatus | undefined>((best, s) => (!best || s.remaining < best.remaining ? s : best), undefined);
    if (!tightest) continue;
    headers[`x-ratelimit-limit-${suffix}`] = String(tightest.cap);
    headers[`x-ratelimit-remaining-${suffix}`] = String(tightest.remaining);
    headers[`x-ratelimit-reset-${suffix}`] = formatReset(tightest.resetAt - now);
  }
  return headers;
}
