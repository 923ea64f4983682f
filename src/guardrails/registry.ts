// Evaluator names (as used in config, the CLI and verdicts) → constructors.
import { ContentSafety } from "./contentsafety/index.js";
import { PII } from "./pii/index.js";
import { Secrets } from "./secrets/index.js";
import { Toxicity } from "./toxicity/index.js";
import type { Evaluator, EvaluatorName, EvaluatorOptions } from "./types.js";

const constructors: Partial<Record<EvaluatorName, new (options: EvaluatorOptions) => Evaluator>> = {
  pii: PII,
  secrets: Secrets,
  toxicity: Toxicity,
  content_safety: ContentSafety,
};

export function createEvaluator(name: EvaluatorName, options: EvaluatorOptions = {}): Evaluator {
  const Ctor = constructors[name];
  if (!Ctor) throw new Error(`evaluator ${name} is not available in this build`);
  return new Ctor(options);
}
