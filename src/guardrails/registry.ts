// Evaluator names (as used in config, the CLI and verdicts) → constructors. Adding an evaluator is one line here.
import { ContentSafety } from "./contentsafety/index.js";
import { ProtectFlash } from "./flash/index.js";
import { PromptInjection } from "./injection/index.js";
import { PII, type PIIOptions } from "./pii/index.js";
import { Secrets } from "./secrets/index.js";
import { Toxicity } from "./toxicity/index.js";
import type { Evaluator, EvaluatorName, EvaluatorOptions } from "./types.js";

const constructors: Record<EvaluatorName, new (options: EvaluatorOptions) => Evaluator> = {
  prompt_injection: PromptInjection,
  protect_flash: ProtectFlash,
  pii: PII,
  secrets: Secrets,
  toxicity: Toxicity,
  content_safety: ContentSafety,
};

/** Every evaluator name, in a stable order. */
export const EVALUATOR_NAMES = Object.keys(constructors) as EvaluatorName[];

export function isEvaluatorName(name: string): name is EvaluatorName {
  return Object.hasOwn(constructors, name);
}

/** Options by name: the common ones, plus the entity types for `pii` (an error for any other evaluator). */
export type EvaluatorSettings = EvaluatorOptions & Pick<PIIOptions, "entities">;

/** Construct an evaluator by name; models load on construction (once per process, then cached). */
export function createEvaluator(name: EvaluatorName, options: EvaluatorSettings = {}): Evaluator {
  if (!isEvaluatorName(name)) {
    throw new Error(`unknown evaluator "${String(name)}" (known: ${EVALUATOR_NAMES.join(", ")})`);
  }
  if (options.entities !== undefined && name !== "pii") throw new Error(`"entities" applies to the pii evaluator, not ${name}`);
  return new constructors[name](options);
}
