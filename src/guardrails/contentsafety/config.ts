// What the ContentSafety trainer and the runtime share: file names, outputs, features, windows, view options.

import type { ConceptViewOptions } from "../lexicons/view.js";
import type { FeatureSpec } from "../ml/index.js";

/** Words + concepts model, output "harmful". Its meta carries the threshold and the compiled concept lexicon. */
export const CONTENT_SAFETY_MODEL_FILE = "content_safety.json";
/** P(category | harmful) on the same view; scored on the best window only, which keeps long texts cheap. */
export const CONTENT_SAFETY_CATEGORY_MODEL_FILE = "content_safety_categories.json";
/** Concept-only model: reads nothing but concept and pair placeholders, so it cannot learn a language or a style. */
export const CONTENT_SAFETY_CONCEPT_MODEL_FILE = "content_safety_concepts.json";

/** The categories the issue names, plus other_harm (misinformation, privacy, fraud-adjacent requests) from the data. */
export const CONTENT_SAFETY_CATEGORIES = [
  "hate",
  "harassment",
  "violence",
  "self_harm",
  "sexual",
  "sexual_minors",
  "weapons",
  "illegal_activity",
  "other_harm",
] as const;

export type ContentSafetyCategory = (typeof CONTENT_SAFETY_CATEGORIES)[number];


/**
 * Word 1–2-grams over the concept view. Char n-grams scored better on a random split but worse with source families
 * held out: they pick up each source's style and script (maths problems, SQuAD questions) rather than what is asked.
 * 2^17 slots keep each file under 5 MB after pruning.
 */
export const CONTENT_SAFETY_FEATURES: FeatureSpec = { dims: 1 << 17, word: { min: 1, max: 2 } };

/** Concept-only model: unigrams of tag and tag-pair placeholders; a few thousand distinct ones exist. */
export const CONTENT_SAFETY_CONCEPT_FEATURES: FeatureSpec = { dims: 1 << 14, word: { min: 1, max: 1 } };

/**
 * Concept words are replaced (not annotated): the words model then cannot tell an English "bomb" from a Thai one,
 * which is the point. Pairs carry "a how-to and an explosive in one sentence" to a linear model.
 */
export const CONTENT_SAFETY_VIEW: Omit<ConceptViewOptions, "lexicon" | "concepts"> = { mode: "replace", pairs: true };

export const CONTENT_SAFETY_WINDOW = { window: 400, stride: 200 } as const;

export const DEFAULT_CONTENT_SAFETY_THRESHOLD = 0.5;
