// What the ContentSafety trainer and the runtime share: file name, outputs, features, windows.

import type { FeatureSpec } from "../ml/index.js";

export const CONTENT_SAFETY_MODEL_FILE = "content_safety.json";

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

/** Output 0 is "harmful" (all rows); outputs 1.. are P(category | harmful), trained on harmful rows only. */
export const CONTENT_SAFETY_LABELS: readonly string[] = ["harmful", ...CONTENT_SAFETY_CATEGORIES];

/**
 * Word 1–2-grams only. Char n-grams scored better on a random split but worse with source families held out: they
 * pick up each source's style and script (math problems, SQuAD questions) rather than what is asked. 2^17 slots
 * × 10 outputs keep the file under 5 MB. See the model card for validation.
 */
export const CONTENT_SAFETY_FEATURES: FeatureSpec = { dims: 1 << 17, word: { min: 1, max: 2 } };

export const CONTENT_SAFETY_WINDOW = { window: 400, stride: 200 } as const;

export const DEFAULT_CONTENT_SAFETY_THRESHOLD = 0.5;
