// PII evaluator: structured entities by rule and checksum, names, organisations, places and street addresses by
// gazetteers plus a small trained token model. Span labels are Presidio's entity names.

import type { RedactOptions } from "../redact.js";
import { redactFound, spanVerdict, type ScoredSpan as BaseScoredSpan } from "../span-verdict.js";
import { type EvaluateArgs, type Evaluator, type EvaluatorOptions, type Redactor, type Span, type Verdict, checkThreshold, textOf } from "../types.js";
import { type Candidate, PII_ENTITIES, type PiiEntity, resolveOverlaps } from "./candidate.js";
import { findStructured } from "./structured.js";
import { contextOf, loadTagger, type Tagger } from "./tagger/tagger.js";

export { PII_ENTITIES, type PiiEntity } from "./candidate.js";

export interface PIIOptions extends EvaluatorOptions {
  /** Entity types to report; default all of PII_ENTITIES. */
  entities?: readonly PiiEntity[];
  /** Key for redact({style: "hash"}) digests (HMAC-SHA256). */
  hashKey?: string;
  /** Token model for names, organisations, places and addresses; default the shipped one. */
  tagger?: Tagger;
}

// Structured entities at least this sure are what the tagger sees as "inside an e-mail, a date..."; fixed, so that
// the features at run time match those the model was trained with whatever threshold the caller picks.
const STRUCTURED_FEATURE_THRESHOLD = 0.5;

export interface ScoredSpan extends BaseScoredSpan {
  label: PiiEntity;
}

export class PII implements Evaluator, Redactor {
  readonly name = "pii" as const;
  readonly threshold: number;
  readonly entities: ReadonlySet<PiiEntity>;
  private readonly hashKey: string | undefined;
  private readonly tagger: Tagger;

  constructor(options: PIIOptions = {}) {
    this.threshold = checkThreshold(options.threshold ?? 0.5, this.name);
    const entities = options.entities ?? PII_ENTITIES;
    for (const e of entities) {
      if (!PII_ENTITIES.includes(e)) throw new RangeError(`unknown PII entity "${String(e)}"; known: ${PII_ENTITIES.join(", ")}`);
    }
    this.entities = new Set(entities);
    this.hashKey = options.hashKey;
    this.tagger = options.tagger ?? loadTagger();
  }

  /** Entities at or above the threshold, non-overlapping, in text order. */
  find(text: string): ScoredSpan[] {
    if (typeof text !== "string") throw new TypeError("PII.find needs a string");
    const structured = findStructured(text);
    const sure = resolveOverlaps(structured.filter((c) => c.score >= STRUCTURED_FEATURE_THRESHOLD));
    const tagged = this.tagger.spans(text, contextOf(text, sure));
    const candidates: Candidate[] = [...structured, ...tagged].filter((c) => c.score >= this.threshold);
    const spans: ScoredSpan[] = [];
    for (const c of resolveOverlaps(candidates)) {
      if (!this.entities.has(c.label)) continue;
      spans.push({ start: c.start, end: c.end, text: text.slice(c.start, c.end), label: c.label, score: c.score });
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
