// ContentSafety: is this a harmful request or harmful content, and of which kind? Categories: hate, harassment,
// violence, self_harm, sexual, sexual_minors, weapons, illegal_activity (+ other_harm), a score each; the overall
// score is the maximum.
//
// Two linear models read one "concept view" of the text (lexicons/view.ts): words stay, but every word the
// multilingual concept lexicon knows ("bomb", "폭탄", "how to", "wie baue ich") becomes a placeholder for its concept,
// and each sentence adds one placeholder per pair of concepts met in it ("how-to × explosive").
//   - the words model reads the whole view: English phrasing plus concepts in any language;
//   - the concept model reads only the placeholders, so it cannot learn that Thai or maths problems mean "benign"
//     (the failure of a words-only model with whole source families held out).
// Their logits are averaged per window (long texts: overlapping windows, max over windows). A third model says which
// category, given harmful, reading the best window only. Rules (rules.ts: English regexes, and a
// multilingual rule over concept tags) floor their category: a polite "how do I build a pipe bomb" is a hit in any
// language the lexicon covers, whatever the models say.

import { type LexiconMatcher, type LexiconTerm, conceptsFromJson } from "../lexicons/index.js";
import { conceptView, placeholdersOnly } from "../lexicons/view.js";
import { type LinearModel, loadModel, modelPath, sigmoid } from "../ml/index.js";
import { loadToxicityLexiconTerms } from "../toxicity/index.js";
import { type EvaluateArgs, type Evaluator, type EvaluatorOptions, type Span, type Verdict, textOf, modelThreshold } from "../types.js";
import {
  CONTENT_SAFETY_CATEGORIES,
  CONTENT_SAFETY_CATEGORY_MODEL_FILE,
  CONTENT_SAFETY_CONCEPT_MODEL_FILE,
  CONTENT_SAFETY_MODEL_FILE,
  CONTENT_SAFETY_VIEW,
  CONTENT_SAFETY_WINDOW,
  type ContentSafetyCategory,
  DEFAULT_CONTENT_SAFETY_THRESHOLD,
} from "./config.js";
import { englishRulesMayMatch, matchConceptRules, matchRules, tagSentences } from "./rules.js";

export { CONTENT_SAFETY_CATEGORIES, type ContentSafetyCategory } from "./config.js";

/** Score a rule match gives its category: above any sensible threshold, below certainty. */
export const RULE_SCORE = 0.95;

/**
 * Weight of the words model's logit in the blend (the concept model gets 1 − it): meta.wordsWeight of the words
 * model, chosen on held-out families by the trainer; 0.5 for models that predate it.
 */
function wordsWeightOf(model: LinearModel): number {
  const w = model.meta.wordsWeight;
  return typeof w === "number" && w >= 0 && w <= 1 ? w : 0.5;
}

/** Concept tags that name a harmful object or act: their spans point at what made a text harmful. */
const OBJECT_TAGS = new Set([
  "weapon", "explosive", "cbrn", "poison", "drug", "kill", "hurt", "selfharm", "eating", "die", "sexual", "csam", "hack", "fraud",
  "deceive", "dangerous", "steal", "illegal", "terror", "stalk", "harass", "rape", "kidnap", "torture", "traffic", "dehuman",
  "exterminate", "insult", "hateideology", "misinfo", "strong", "listed",
]);

export interface ContentSafetyOptions extends EvaluatorOptions {
  /** A words model to use instead of the shipped one (training and cross-validation pass their own). */
  model?: LinearModel;
  /** A concept-only model to use instead of the shipped one. */
  conceptModel?: LinearModel;
  /** A category model to use instead of the shipped one. */
  categoryModel?: LinearModel;
  /** Profanity lexicon terms to use instead of the shipped toxicity lexicon's. */
  lexiconTerms?: readonly LexiconTerm[];
  /** Apply the harmful-request rules (default true; cross-validation measures the models alone too). */
  rules?: boolean;
}

/** Everything scoring needs, loaded once. */
export interface ContentSafetyModels {
  words: LinearModel;
  concepts: LinearModel;
  /** P(category | harmful), one output per category; absent in cross-validation (the score does not need it). */
  categories?: LinearModel;
  /** One matcher for the concept lexicon (compiled into the words model's meta) and the profanity lexicon. */
  matcher: LexiconMatcher;
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

const matchers = new WeakMap<LinearModel, LexiconMatcher>();

/**
 * The matcher a words model reads its view with: its compiled concept lexicon (meta.concepts, written by the
 * training script) plus the profanity lexicon's terms, in one matcher so a text is folded and walked once.
 * Cached per model.
 */
export function contentSafetyMatcher(model: LinearModel, lexiconTerms: readonly LexiconTerm[]): LexiconMatcher {
  const cached = matchers.get(model);
  if (cached) return cached;
  if (model.meta.concepts === undefined) throw new Error("content safety model has no compiled concepts in its meta (retrain it)");
  const matcher = conceptsFromJson(model.meta.concepts, lexiconTerms);
  matchers.set(model, matcher);
  return matcher;
}

/**
 * Output-0 logits of the concept-only model for given windows of its mostly blank text: LinearModel's sparse scorer
 * (sparseWordWindowLogits), or the general one for a model with char n-grams.
 */
export function sparseWindowLogits(model: LinearModel, text: string, starts: Int32Array, ends: Int32Array): Float64Array {
  if (model.spec.char) {
    // Char n-grams also sit at the trailing padding position; the general scorer handles that.
    const all = model.windowLogits(text, CONTENT_SAFETY_WINDOW);
    return Float64Array.from({ length: starts.length }, (_, w) => all.logits[w * model.outputs] as number);
  }
  return model.sparseWordWindowLogits(text, starts, ends);
}

/** Score one text: the path shared by the evaluator and the trainer's validation. */
export function scoreContentSafety(text: string, models: ContentSafetyModels, useRules = true): ContentSafetyScore {
  const categories = zeroCategories();
  if (!HAS_WORD.test(text)) return { score: 0, categories, spans: [] };
  const view = conceptView(text, { concepts: models.matcher, ...CONTENT_SAFETY_VIEW });
  const words = models.words.windowLogits(view.text, CONTENT_SAFETY_WINDOW);
  const concepts = sparseWindowLogits(models.concepts, placeholdersOnly(view.text), words.starts, words.ends);
  const wordsWeight = wordsWeightOf(models.words);
  let best = 0;
  let bestZ = Number.NEGATIVE_INFINITY;
  for (let w = 0; w < words.starts.length; w++) {
    const z = wordsWeight * (words.logits[w] as number) + (1 - wordsWeight) * (concepts[w] as number);
    if (z > bestZ) {
      bestZ = z;
      best = w;
    }
  }
  const pHarmful = sigmoid(bestZ);
  if (models.categories) {
    // P(category | harmful) of the best window, scaled so the top category carries P(harmful).
    const conditional = models.categories.predict(view.text.slice(words.starts[best] as number, words.ends[best] as number));
    const top = Math.max(...conditional);
    CONTENT_SAFETY_CATEGORIES.forEach((category, i) => {
      categories[category] = top > 0 ? pHarmful * ((conditional[i] as number) / top) : 0;
    });
  } else {
    categories.other_harm = pHarmful;
  }

  const spans: Span[] = [];
  if (useRules) {
    const sentences = tagSentences(text, view.tags);
    const english = englishRulesMayMatch(sentences) ? matchRules(text) : [];
    // An English rule and the concept rule often find the same request: overlapping hits of one category merge.
    const hits = [...english, ...matchConceptRules(sentences)].sort((a, b) => a.start - b.start);
    for (const hit of hits) {
      categories[hit.category] = Math.max(categories[hit.category], RULE_SCORE);
      const last = spans[spans.length - 1];
      if (last && last.label === hit.category && hit.start < last.end) {
        last.end = Math.max(last.end, hit.end);
        last.text = text.slice(last.start, last.end);
      } else spans.push({ start: hit.start, end: hit.end, text: text.slice(hit.start, hit.end), label: hit.category });
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
  if (spans.length === 0) {
    // Point at the harmful objects inside the best window, else at the window itself.
    const from = view.toOriginal(words.starts[best] as number);
    const to = Math.max(from, view.toOriginal(words.ends[best] as number));
    for (const t of view.tags) {
      if (OBJECT_TAGS.has(t.tag) && t.start >= from && t.end <= to) spans.push({ start: t.start, end: t.end, text: text.slice(t.start, t.end), label: top });
    }
    if (spans.length === 0) spans.push({ start: from, end: to, text: text.slice(from, to), label: top });
  }
  return { score, categories, spans };
}

export class ContentSafety implements Evaluator {
  readonly name = "content_safety" as const;
  readonly threshold: number;
  private readonly models: ContentSafetyModels;
  private readonly rules: boolean;

  constructor(options: ContentSafetyOptions = {}) {
    const words = options.model ?? loadModel(modelPath(CONTENT_SAFETY_MODEL_FILE));
    const concepts = options.conceptModel ?? loadModel(modelPath(CONTENT_SAFETY_CONCEPT_MODEL_FILE));
    const categories = options.categoryModel ?? loadModel(modelPath(CONTENT_SAFETY_CATEGORY_MODEL_FILE));
    if (words.outputs !== 1 || concepts.outputs !== 1) throw new Error("content safety words and concept models must have one output (harmful)");
    if (categories.labels.join() !== CONTENT_SAFETY_CATEGORIES.join()) {
      throw new Error(`content safety category model has outputs ${categories.labels.join()}, expected ${CONTENT_SAFETY_CATEGORIES.join()}`);
    }
    this.models = { words, concepts, categories, matcher: contentSafetyMatcher(words, options.lexiconTerms ?? loadToxicityLexiconTerms()) };
    this.rules = options.rules ?? true;
    this.threshold = modelThreshold(options.threshold, words.meta.threshold, DEFAULT_CONTENT_SAFETY_THRESHOLD, this.name);
  }

  evaluate(args: EvaluateArgs): Verdict {
    const started = performance.now();
    const text = textOf(args);
    const result = scoreContentSafety(text, this.models, this.rules);
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
