// Rewrites flagged spans of a text. Span offsets index the original text; replacements go right to left so earlier
// offsets stay valid. A verdict without spans (a whole-text classifier) replaces the whole text.
import type { Span } from "../../guardrails/types.js";

export function placeholder(label: string): string {
  return `[REDACTED:${label}]`;
}

export function redactSpans(text: string, spans: readonly Span[], wholeLabel: string): string {
  if (spans.length === 0) return placeholder(wholeLabel);
  const merged = mergeSpans(spans);
  let out = text;
  for (let i = merged.length - 1; i >= 0; i--) {
    const s = merged[i]!;
    out = out.slice(0, s.start) + placeholder(s.label) + out.slice(s.end);
  }
  return out;
}

/** Overlapping spans become one (the first label wins), so a replacement never cuts another in half. */
export function mergeSpans(spans: readonly Span[]): Span[] {
  const sorted = [...spans].sort((a, b) => a.start - b.start || b.end - a.end);
  const out: Span[] = [];
  for (const s of sorted) {
    const last = out[out.length - 1];
    if (last && s.start < last.end) last.end = Math.max(last.end, s.end);
    else out.push({ ...s });
  }
  return out;
}
