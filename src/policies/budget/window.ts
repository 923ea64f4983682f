// Which store window a rule's counter is in at a given time. Calendar periods are UTC (weeks start on Monday, ISO);
// fixed durations are aligned to the epoch. The period id goes into the key, so a new period is a new counter.
import type { Window } from "../../state/store.js";
import type { WindowRule } from "./schema.js";

const DAY_MS = 86_400_000;

export function windowAt(rule: WindowRule, now: number, rollingBuckets: number): Window {
  if (rule.type === "duration") {
    if (rule.rolling) return { kind: "rolling", windowMs: rule.ms, bucketMs: Math.max(1, Math.ceil(rule.ms / rollingBuckets)) };
    const index = Math.floor(now / rule.ms);
    return { kind: "fixed", period: `${rule.ms}ms:${index}`, endsAt: (index + 1) * rule.ms };
  }
  const date = new Date(now);
  const y = date.getUTCFullYear();
  const m = date.getUTCMonth();
  const d = date.getUTCDate();
  if (rule.unit === "month") {
    return { kind: "fixed", period: `m:${y}-${pad(m + 1)}`, endsAt: Date.UTC(y, m + 1, 1) };
  }
  const dayStart = Date.UTC(y, m, d);
  if (rule.unit === "day") return { kind: "fixed", period: `d:${isoDate(dayStart)}`, endsAt: dayStart + DAY_MS };
  const sinceMonday = (date.getUTCDay() + 6) % 7;
  const weekStart = dayStart - sinceMonday * DAY_MS;
  return { kind: "fixed", period: `w:${isoDate(weekStart)}`, endsAt: weekStart + 7 * DAY_MS };
}

/** Length of the window a rule describes, for dedup ttl of alerts and for rates (calendar months: 31 days). */
export function windowLengthMs(rule: WindowRule): number {
  if (rule.type === "duration") return rule.ms;
  return rule.unit === "day" ? DAY_MS : rule.unit === "week" ? 7 * DAY_MS : 31 * DAY_MS;
}

function pad(n: number): string {
  return String(n).padStart(2, "0");
}

function isoDate(ms: number): string {
  return new Date(ms).toISOString().slice(0, 10);
}
