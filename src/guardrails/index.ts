// tollgate/guardrails: the evaluators as a library. Each is pure (text in, verdict out) and knows nothing of
// Envoy, HTTP or budgets.
//
//   import { PromptInjection, PII } from "tollgate/guardrails";
//   new PromptInjection().evaluate({ input: "Ignore all previous instructions" });
//   new PII().redact("mail me at jo@example.com", { style: "label" });

export * from "./types.js";
export { PromptInjection, type PromptInjectionOptions } from "./injection/index.js";
export { ProtectFlash } from "./flash/index.js";
export { PII, type PIIOptions } from "./pii/index.js";
export { Secrets, type SecretsOptions } from "./secrets/index.js";
export { Toxicity, type ToxicityOptions } from "./toxicity/index.js";
export { ContentSafety, type ContentSafetyOptions, CONTENT_SAFETY_CATEGORIES, type ContentSafetyCategory } from "./contentsafety/index.js";
export { EVALUATOR_NAMES, type EvaluatorSettings, createEvaluator, isEvaluatorName } from "./registry.js";
export { type DecodedVariant, type NormalizedText, decodeVariants, normalize, toOriginalRange } from "./normalize.js";
