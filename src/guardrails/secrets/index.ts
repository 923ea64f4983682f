// Secrets evaluator: provider API keys, tokens, private keys and passwords in prompts, tool arguments and output.

import { type EvaluateArgs, type Evaluator, type EvaluatorOptions, type Redactor, type Span, type Verdict, textOf } from "../types.js";
import { type RedactOptions, redactSpans } from "../redact.js";
import { findSecrets } from "./scan.js";

export interface SecretsOptions extends EvaluatorOptions {
  /** Key for redact({style: "hash"}) digests (HMAC-SHA256); see RedactOptions.hashKey. */
  hashKey?: string;
}

export interface ScoredSpan extends Span {
  score: number;
}

function checkThreshold(threshold: number): number {
  if (!Number.isFinite(threshold) || threshold < 0 || threshold > 1) throw new RangeError(`threshold must be within 0..1, got ${threshold}`);
  return threshold;
}

export class Secrets implements Evaluator, Redactor {
  readonly name = "secrets" as const;
  readonly threshold: number;
  private readonly hashKey: string | undefined;

  constructor(options: SecretsOptions = {}) {
    this.threshold = checkThreshold(options.threshold ?? 0.5);
    this.hashKey = options.hashKey;
  }

  /** Every credential at or above the threshold, with its score; labels are rule ids upper-cased (OPENAI_API_KEY). */
  find(text: string): ScoredSpan[] {
    if (typeof text !== "string") throw new TypeError("Secrets.find needs a string");
    const spans: ScoredSpan[] = [];
    for (const f of findSecrets(text)) {
      if (f.score < this.threshold) continue;
      spans.push({ start: f.start, end: f.end, text: text.slice(f.start, f.end), label: f.id.toUpperCase(), score: f.score });
    }
    return spans;
  }

  evaluate(args: EvaluateArgs): Verdict {
    const started = performance.now();
    const text = textOf(args);
    const found = this.find(text);
    const score = found.reduce((max, s) => Math.max(max, s.score), 0);
    return {
      evaluator: this.name,
      score,
      threshold: this.threshold,
      flagged: found.length > 0,
      spans: found.map(({ start, end, text: t, label }) => ({ start, end, text: t, label })),
      latencyMs: performance.now() - started,
    };
  }

  redact(text: string, options: RedactOptions = {}): { text: string; spans: Span[] } {
    const spans = this.find(text).map(({ start, end, text: t, label }) => ({ start, end, text: t, label }));
    return { text: redactSpans(text, spans, { hashKey: this.hashKey, ...options }), spans };
  }
}
