// The evaluator contract. Evaluators are pure: text in, verdict out. They know nothing of HTTP, Envoy, budgets
// or where the text came from; the data path decides what to do with a verdict.

/** A character range of the evaluated text (JavaScript string indices, end exclusive). */
export interface Span {
  start: number;
  end: number;
  text: string;
  /** What was found: an entity type (Presidio names: EMAIL_ADDRESS, CREDIT_CARD...), a secret kind, a category. */
  label: string;
}

/** Either key is accepted: pre-guardrails pass `input`, post-guardrails pass `output`. */
export type EvaluateArgs = { input: string; output?: undefined } | { output: string; input?: undefined };

export interface Verdict {
  evaluator: EvaluatorName;
  /** 0..1: how sure the evaluator is that the text is what it looks for. */
  score: number;
  threshold: number;
  flagged: boolean;
  spans: Span[];
  /** Per-category scores (ContentSafety, Toxicity) where the evaluator has categories. */
  categories?: Record<string, number>;
  latencyMs: number;
}

export type EvaluatorName = "prompt_injection" | "protect_flash" | "pii" | "toxicity" | "content_safety" | "secrets";

export interface EvaluatorOptions {
  threshold?: number;
}

export interface Evaluator {
  readonly name: EvaluatorName;
  readonly threshold: number;
  evaluate(args: EvaluateArgs): Verdict;
}

export type RedactStyle = "mask" | "label" | "hash";

/** PII and Secrets can also rewrite text, replacing each span. */
export interface Redactor {
  redact(text: string, options?: { style?: RedactStyle }): { text: string; spans: Span[] };
}

/** The text an EvaluateArgs carries, whichever key was used. */
export function textOf(args: EvaluateArgs): string {
  const text = args.input ?? args.output;
  if (typeof text !== "string") throw new TypeError("evaluate() needs { input: string } or { output: string }");
  return text;
}

/** Validate a threshold option: a finite score in 0..1. Throws a RangeError naming the evaluator. */
export function checkThreshold(threshold: number, evaluator: EvaluatorName): number {
  if (typeof threshold !== "number" || !(threshold >= 0 && threshold <= 1)) {
    throw new RangeError(`${evaluator} threshold must be a number within 0..1, got ${String(threshold)}`);
  }
  return threshold;
}

/**
 * The threshold a trained evaluator runs at: the caller's, else the one its model file ships (chosen on held-out
 * data at training time), else a fallback; checked to lie within 0..1.
 */
export function modelThreshold(given: number | undefined, shipped: unknown, fallback: number, evaluator: EvaluatorName): number {
  return checkThreshold(given ?? (typeof shipped === "number" ? shipped : fallback), evaluator);
}
