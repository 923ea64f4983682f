// The data path's redaction: flagged spans of a segment are replaced in the configured style (the same styles the
// PII and Secrets evaluators offer). Spans from several rules may overlap, so they are merged first; a verdict
// without spans (a whole-text classifier) replaces the whole text.
import { redactSpans, replacement } from "../../guardrails/redact.js";
import type { RedactStyle, Span } from "../../guardrails/types.js";

export function redactText(text: string, spans: readonly Span[], wholeLabel: string, style: RedactStyle): string {
  if (spans.length === 0) return replacement({ start: 0, end: text.length, text, label: wholeLabel }, style);
  return redactSpans(text, mergeSpans(spans), { style });
}

/** Overlapping spans become one (the first label wins), so a replacement never cuts another in half. */
export function mergeSpans(spans: readonly Span[]): Span[] {
  const sorted = [...spans].sort((a, b) => a.start - b.start || b.end - a.end);
  const out: Span[] = [];
  for (const s of sorted) {
    const last = out[out.length - 1];
    if (last && s.start < last.end) {
      if (s.end > last.end) {
        last.text += s.text.slice(last.end - s.start);
        last.end = s.end;
      }
    } else out.push({ ...s });
  }
  return out;
}
