// Rewriting text around found spans: the PII and Secrets evaluators' redact(), and the data path's redaction.

import { createHash, createHmac } from "node:crypto";
import type { RedactStyle, Span } from "./types.js";

export interface RedactOptions {
  style?: RedactStyle;
  /**
   * Key for the "hash" style. With a key the digest is an HMAC, so short values (an SSN has a billion
   * possibilities) cannot be recovered by hashing every candidate; without one it is a plain SHA-256.
   */
  hashKey?: string;
}

const REDACT_STYLES: readonly RedactStyle[] = ["mask", "label", "hash"];

function digest(value: string, key: string | undefined): string {
  const h = key === undefined ? createHash("sha256") : createHmac("sha256", key);
  return h.update(value, "utf8").digest("hex").slice(0, 12);
}

/** What one span becomes in the given style. */
export function replacement(span: Span, style: RedactStyle, key?: string): string {
  switch (style) {
    case "mask":
      // Same length, so offsets of the rest of the text stay valid.
      return "*".repeat(span.end - span.start);
    case "label":
      return `<${span.label}>`;
    case "hash":
      return `<${span.label}:${digest(span.text, key)}>`;
  }
}

/** Replace each span (sorted, non-overlapping, indices into `text`) according to the style. */
export function redactSpans(text: string, spans: readonly Span[], options: RedactOptions = {}): string {
  const style = options.style ?? "mask";
  if (!REDACT_STYLES.includes(style)) throw new RangeError(`unknown redaction style "${String(style)}"; use mask, label or hash`);
  let out = "";
  let cursor = 0;
  for (const span of spans) {
    if (span.start < cursor || span.end > text.length || span.end < span.start) {
      throw new RangeError(`span ${span.start}-${span.end} is out of order, overlapping or outside the text`);
    }
    out += text.slice(cursor, span.start) + replacement(span, style, options.hashKey);
    cursor = span.end;
  }
  return out + text.slice(cursor);
}
