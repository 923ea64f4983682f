// The verdict and redaction shared by the evaluators that find spans (PII, Secrets): the score is the surest span,
// flagged when any span reached the threshold.
import { type RedactOptions, redactSpans } from "./redact.js";
import type { EvaluatorName, Span, Verdict } from "./types.js";

export interface ScoredSpan extends Span {
  score: number;
}

/** Spans without their scores, as verdicts and redactions report them. */
export function plainSpans(found: readonly ScoredSpan[]): Span[] {
  return found.map(({ start, end, text, label }) => ({ start, end, text, label }));
}

export function spanVerdict(evaluator: EvaluatorName, threshold: number, found: readonly ScoredSpan[], startedAt: number): Verdict {
  return {
    evaluator,
    score: found.reduce((max, s) => Math.max(max, s.score), 0),
    threshold,
    flagged: found.length > 0,
    spans: plainSpans(found),
    latencyMs: performance.now() - startedAt,
  };
}

export function redactFound(text: string, found: readonly ScoredSpan[], hashKey: string | undefined, options: RedactOptions): { text: string; spans: Span[] } {
  const spans = plainSpans(found);
  return { text: redactSpans(text, spans, { hashKey, ...options }), spans };
}
