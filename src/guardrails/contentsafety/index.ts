// ContentSafety: is this a harmful request or harmful content, and of which kind? Categories: hate, harassment,
// violence, self_harm, sexual, sexual_minors, weapons, illegal_activity (+ other_harm), a score each; the overall
// score is the maximum.
//
// A hashed n-gram logistic regression trained on 20 languages reads the lexicon view (lexicon words → tier
// placeholders, shared with Toxicity). Output 0 says "harmful"; outputs 1.. say which category given harmful.
// A category's score is P(harmful) scaled by how its conditional probability compares with the top category's,
// so the top category carries P(harmful) and the maximum is the overall score. English harmful-request rules
// (rules.ts) floor their category: a polite "how do I build a pipe bomb" is a hit whatever the model says.

import { type LexiconMatcher } from "../lexicons/index.js";
import { lexiconView } from "../lexicons/view.js";
import { type LinearModel, loadModel, modelPath } from "../ml/index.js";
import { loadToxicityLexicon } from "../toxicity/index.js";
import { type EvaluateArgs, type Evaluator, type EvaluatorOptions, type Span, type Verdict, textOf } from "../types.js";
import {
  CONTENT_SAFETY_CATEGORIES,
  CONTENT_SAFETY_MODEL_FILE,
  CONTENT_SAFETY_WINDOW,
  type ContentSafetyCategory,
  DEFAULT_CONTENT_SAFETY_THRESHOLD,
} from "./config.js";
import { matchRules } from "./rules.js";

export { CONTENT_SAFETY_CATEGORIES, type ContentSafetyCategory } from "./config.js";

/** Score a rule match gives its category: above any sensible threshold, below certainty. */
export const RULE_SCORE = 0.95;

export interface ContentSafetyOptions extends EvaluatorOptions {
  /** A model to use instead of the shipped one (training and cross-validation pass their own). */
  model?: LinearModel;
  lexicon?: LexiconMatcher;
  /** Apply the harmful-request rules (default true; cross-validation measures the model alone too). */
  rules?: boolean;
}

export interface ContentSafetyScore {
  score: number;
  categories: Record<ContentSafetyCategory, number>;
  spans: Span[];
}

const HAS_WORD = /[\p{L}\p{N}]/u;

function zeroCategories(): Record<ContentSafetyCategory, number> {
  const out = {} as Record<ContentSafetyCategory, number>;
  for (const c of CONTENT_SAFETY_CATEGORIES) out[c] = 0;
  return out;
}

/** Score one text: the path shared by the evaluator and the trainer's validation. */
export function scoreContentSafety(text: string, model: LinearModel, lexicon: LexiconMatcher, useRules = true): ContentSafetyScore {
  const categories = zeroCategories();
  if (!HAS_WORD.test(text)) return { score: 0, categories, spans: [] };
  const view = lexiconView(text, lexicon);
  const outputs = model.scoreWindows(view.text, CONTENT_SAFETY_WINDOW);
  const harmful = outputs[0];
  const pHarmful = harmful ? harmful.probability : 0;
  let topConditional = 0;
  for (let k = 1; k < outputs.length; k++) topConditional = Math.max(topConditional, (outputs[k] as { probability: number }).probability);
  CONTENT_SAFETY_CATEGORIES.forEach((category, i) => {
    const conditional = outputs[i + 1]?.probability ?? 0;
    categories[category] = topConditional > 0 ? pHarmful * (conditional / topConditional) : 0;
  });
  const spans: Span[] = [];
  if (useRules) {
    for (const hit of matchRules(text)) {
      categories[hit.category] = Math.max(categories[hit.category], RULE_SCORE);
      spans.push({ start: hit.start, end: hit.end, text: text.slice(hit.start, hit.end), label: hit.category });
    }
  }
  let score = 0;
  let top: ContentSafetyCategory = "other_harm";
  for (const c of CONTENT_SAFETY_CATEGORIES) {
    if (categories[c] > score) {
      score = categories[c];
      top = c;
    }
  }
  if (spans.length === 0 && harmful) {
    const start = view.toOriginal(harmful.start);
    const end = Math.max(start, view.toOriginal(harmful.end));
    spans.push({ start, end, text: text.slice(start, end), label: top });
  }
  return { score, categories, spans };
}

export class ContentSafety implements Evaluator {
  readonly name = "content_safety" as const;
  readonly threshold: number;
  private readonly model: LinearModel;
  private readonly lexicon: LexiconMatcher;
  private readonly rules: boolean;

  constructor(options: ContentSafetyOptions = {}) {
    this.model = options.model ?? loadModel(modelPath(CONTENT_SAFETY_MODEL_FILE));
    if (this.model.labels.length !== CONTENT_SAFETY_CATEGORIES.length + 1) {
      throw new Error(`content safety model has ${this.model.labels.length} outputs, expected ${CONTENT_SAFETY_CATEGORIES.length + 1}`);
    }
    this.lexicon = options.lexicon ?? loadToxicityLexicon();
    this.rules = options.rules ?? true;
    const fromModel = this.model.meta.threshold;
    this.threshold = options.threshold ?? (typeof fromModel === "number" ? fromModel : DEFAULT_CONTENT_SAFETY_THRESHOLD);
    if (!(this.threshold >= 0 && this.threshold <= 1)) throw new RangeError(`content safety threshold must be in 0..1, got ${this.threshold}`);
  }

  evaluate(args: EvaluateArgs): Verdict {
    const started = performance.now();
    const text = textOf(args);
    const result = scoreContentSafety(text, this.model, this.lexicon, this.rules);
    const flagged = result.score >= this.threshold;
    return {
      evaluator: this.name,
      score: result.score,
      threshold: this.threshold,
      flagged,
      spans: flagged ? result.spans : [],
      categories: { ...result.categories },
      latencyMs: performance.now() - started,
    };
  }
}
