// What the Toxicity trainer and the runtime must agree on: file names, features, windows. One place, so a
// retrained model and the code that reads it cannot drift apart.

import type { ConceptViewOptions } from "../lexicons/view.js";
import type { FeatureSpec } from "../ml/index.js";

export const TOXICITY_MODEL_FILE = "toxicity.json";
/** The compiled multilingual lexicon; ContentSafety reads it too. */
export const TOXICITY_LEXICON_FILE = "toxicity_lexicon.json";

/**
 * Char 2–5-grams carry misspellings, leetspeak leftovers and languages the lexicon lacks; word 1–2-grams carry
 * English phrasing ("you people", "go back"). 2^18 slots keep the file well under 5 MB after pruning.
 * (Chosen by leave-one-source-out AUC; see the model card.)
 */
export const TOXICITY_FEATURES: FeatureSpec = { dims: 1 << 18, char: { min: 2, max: 5 }, word: { min: 1, max: 2 } };

/** Long texts are scored in overlapping windows (max over windows) so one insult in a long answer still counts. */
export const TOXICITY_WINDOW = { window: 320, stride: 160 } as const;

export const DEFAULT_TOXICITY_THRESHOLD = 0.5;

/**
 * The concept view (as ContentSafety's): lexicon words and concept words (insult, you, group, dehumanising terms…)
 * become placeholders, and each sentence adds a placeholder per pair of concepts in it ("you" × "insult"), so what
 * the model learns from English insults applies to "du bist ein Idiot" and "너는 멍청해" alike.
 */
export const TOXICITY_VIEW: Omit<ConceptViewOptions, "lexicon" | "concepts"> = { mode: "replace", pairs: true };

/** Concept-only model (placeholders alone, as ContentSafety's): blended in when the words model's meta.conceptWeight > 0. */
export const TOXICITY_CONCEPT_MODEL_FILE = "toxicity_concepts.json";

/** Unigrams of concept, tier and pair placeholders; a few thousand distinct ones exist. */
export const TOXICITY_CONCEPT_FEATURES: FeatureSpec = { dims: 1 << 14, word: { min: 1, max: 1 } };
