// Secrets evaluator: provider API keys, tokens, private keys and passwords in prompts, tool arguments and output.

import { type EvaluateArgs, type Evaluator, type EvaluatorOptions, type Redactor, type Span, type Verdict, checkThreshold, textOf } from "../types.js";
import type { RedactOptions } from "../redact.js";
import { redactFound, spanVerdict, type ScoredSpan } from "../span-verdict.js";
import { findSecrets } from "./scan.js";

export interface SecretsOptions extends EvaluatorOptions {
  /** Key for redact({style: "hash"}) digests (HMAC-SHA256); see RedactOptions.hashKey. */
  hashKey?: string;
}

export type { ScoredSpan } from "../span-verdict.js";

export class Secrets implements Evaluator, Redactor {
  readonly name = "secrets" as const;
  readonly threshold: number;
  private readonly hashKey: string | undefined;

  constructor(options: SecretsOptions = {}) {
    this.threshold = checkThreshold(options.threshold ?? 0.5, this.name);
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
    return spanVerdict(this.name, this.threshold, this.find(textOf(args)), started);
  }

  redact(text: string, options: RedactOptions = {}): { text: string; spans: Span[] } {
    return redactFound(text, this.find(text), this.hashKey, options);
  }
}
