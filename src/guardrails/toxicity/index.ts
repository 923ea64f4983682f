// Toxicity: how likely a text is toxic, hateful, harassing or threatening (0..1).
//
// Two parts, one score. A multilingual lexicon (compiled from npm profanity lists, see lexicons/) finds offensive
// words in any language it covers and replaces each with a placeholder for its weight tier; a hashed n-gram
// logistic regression trained on English data reads that view. The model learned from English what a strong
// lexicon word means in context, and applies it to German, Korean or Portuguese hits alike. Long texts are scored
// in overlapping windows, max over windows. Spans are the lexicon hits, or the best window when the model flags
// a text without any lexicon word.

import { readFileSync } from "node:fs";
import { type CompiledFuzzy, FuzzyMatcher } from "../lexicons/fuzzy.js";
import { LexiconMatcher, type LexiconTerm, conceptTermsFromJson, conceptsFromJson, lexiconTermsFromJson } from "../lexicons/index.js";
import { type LexiconView, type Tier, conceptView, lexiconView, placeholdersOnly, tierOf } from "../lexicons/view.js";
import { type LinearModel, loadModel, modelPath, sigmoid } from "../ml/index.js";
import { type EvaluateArgs, type Evaluator, type EvaluatorOptions, type Span, type Verdict, textOf, modelThreshold } from "../types.js";
import {
  DEFAULT_TOXICITY_THRESHOLD,
  TOXICITY_CONCEPT_MODEL_FILE,
  TOXICITY_LEXICON_FILE,
  TOXICITY_MODEL_FILE,
  TOXICITY_VIEW,
  TOXICITY_WINDOW,
} from "./config.js";

export interface ToxicityOptions extends EvaluatorOptions {
  /** A model to use instead of the shipped one (training and cross-validation pass their own). */
  model?: LinearModel;
  /** Its concept-only model, when its meta.conceptWeight > 0 (default: the shipped one). */
  conceptModel?: LinearModel;
  /** Profanity lexicon terms to use instead of the shipped ones. */
  lexiconTerms?: readonly LexiconTerm[];
}

export interface ToxicityScore {
  score: number;
  spans: Span[];
  /** Strongest lexicon weight found (0 when none): "profanity" in the verdict's categories. */
  lexicon: number;
}

const HAS_WORD = /[\p{L}\p{N}]/u;

let shippedTerms: LexiconTerm[] | undefined;
let shippedLexicon: LexiconMatcher | undefined;

/** The shipped lexicon's terms, read once per process; errors name the file. */
export function loadToxicityLexiconTerms(): LexiconTerm[] {
  if (shippedTerms) return shippedTerms;
  const path = modelPath(TOXICITY_LEXICON_FILE);
  let json: unknown;
  try {
    json = JSON.parse(readFileSync(path, "utf8"));
  } catch (error) {
    throw new Error(`cannot read lexicon ${path}: ${(error as Error).message}`);
  }
  const file = json as { lexicon?: unknown };
  shippedTerms = lexiconTermsFromJson(file.lexicon);
  return shippedTerms;
}

/** The shipped lexicon as a matcher, built once per process. */
export function loadToxicityLexicon(): LexiconMatcher {
  shippedLexicon ??= new LexiconMatcher(loadToxicityLexiconTerms());
  return shippedLexicon;
}

/**
 * Per lexicon tier, the share of toxic rows among training rows whose strongest lexicon word has that tier: the
 * probability a hit alone justifies. It floors the score, because the n-gram model discounts a hit that stands in
 * text of a language it never saw (its n-grams read as "benign foreign text").
 */
export type LexiconFloors = Record<Tier, number>;

function floorsOf(model: LinearModel): LexiconFloors {
  const raw = model.meta.lexiconFloors;
  const floors: LexiconFloors = { strong: 0, listed: 0, hint: 0 };
  if (raw && typeof raw === "object" && !Array.isArray(raw)) {
    for (const tier of ["strong", "listed", "hint"] as const) {
      const v = raw[tier];
      if (typeof v === "number" && v >= 0 && v <= 1) floors[tier] = v;
    }
  }
  return floors;
}

const matchers = new WeakMap<LinearModel, LexiconMatcher>();

/**
 * The matcher a model reads its view with: the profanity lexicon's terms, plus the concept lexicon compiled into
 * the model's meta when it was trained on the concept view. Cached per model.
 */
export function toxicityMatcher(model: LinearModel, lexiconTerms: readonly LexiconTerm[]): LexiconMatcher {
  const cached = matchers.get(model);
  if (cached) return cached;
  const matcher = model.meta.concepts === undefined ? new LexiconMatcher(lexiconTerms) : conceptsFromJson(model.meta.concepts, lexiconTerms);
  matchers.set(model, matcher);
  const fuzzy = model.meta.fuzzy as unknown as CompiledFuzzy | undefined;
  if (fuzzy !== undefined && model.meta.concepts !== undefined) {
    if (fuzzy.format !== "tollgate-fuzzy/1" || !Array.isArray(fuzzy.blocked)) throw new Error("toxicity model meta.fuzzy is malformed (retrain it)");
    fuzzyMatchers.set(model, new FuzzyMatcher([...lexiconTerms, ...conceptTermsFromJson(model.meta.concepts)], fuzzy));
  }
  return matcher;
}

/**
 * Concept-only models (placeholders alone, word unigrams), blended into a words model's window logits with weight
 * meta.conceptWeight: they cannot learn a language or a source's style, only what concepts meet in a sentence.
 */
const conceptModels = new WeakMap<LinearModel, LinearModel>();

/** Pair a words model with its concept-only model (the trainer and the evaluator do this once per model). */
export function attachConceptModel(model: LinearModel, conceptModel: LinearModel): void {
  if (conceptModel.outputs !== 1 || conceptModel.spec.char) throw new Error("toxicity concept model must be a one-output word-unigram model");
  conceptModels.set(model, conceptModel);
}

function conceptWeightOf(model: LinearModel): number {
  const w = model.meta.conceptWeight;
  return typeof w === "number" && w > 0 && w <= 1 ? w : 0;
}

/** Fuzzy matchers of models trained with obfuscated-spelling hits (meta.fuzzy), built with their matcher. */
const fuzzyMatchers = new WeakMap<LinearModel, FuzzyMatcher>();

const WORD = /[\p{L}\p{N}]+/gu;

/** Where the evidence of a very short text is shrunk towards: "no evidence" means "not toxic" (logit of 0.05). */
const NO_EVIDENCE_LOGIT = Math.log(0.05 / 0.95);

/**
 * Very short texts carry too little evidence for their n-gram weights to mean much: "lol" or "k" alone would score
 * whatever the tweets that used them scored. Below `meta.shortTextWords` words (placeholders count as words), the
 * logit moves towards NO_EVIDENCE_LOGIT in proportion: one word keeps a third of its evidence when the limit is
 * three. Lexicon floors apply afterwards, so "idiot" alone stays toxic. Off unless the trainer chose it.
 */
function shrinkShort(logit: number, viewText: string, model: LinearModel): number {
  const limit = model.meta.shortTextWords;
  if (typeof limit !== "number" || limit <= 1) return sigmoid(logit);
  let words = 0;
  for (const _ of viewText.matchAll(WORD)) if (++words >= limit) return sigmoid(logit);
  return sigmoid(NO_EVIDENCE_LOGIT + (logit - NO_EVIDENCE_LOGIT) * (words / limit));
}

/** The window with the highest (blended) logit. */
function bestWindow(viewText: string, model: LinearModel): { logit: number; start: number; end: number } | undefined {
  const conceptWeight = conceptWeightOf(model);
  const conceptModel = conceptModels.get(model);
  if (conceptWeight === 0 || !conceptModel) return model.scoreWindows(viewText, TOXICITY_WINDOW)[0];
  const words = model.windowLogits(viewText, TOXICITY_WINDOW);
  const concepts = conceptModel.sparseWordWindowLogits(placeholdersOnly(viewText), words.starts, words.ends);
  let best: { logit: number; start: number; end: number } | undefined;
  for (let w = 0; w < words.starts.length; w++) {
    const z = (1 - conceptWeight) * (words.logits[w] as number) + conceptWeight * (concepts[w] as number);
    if (!best || z > best.logit) best = { logit: z, start: words.starts[w] as number, end: words.ends[w] as number };
  }
  return best;
}

/**
 * The text a model reads, with its lexicon hits: the lexicon view, or for a model with compiled concepts the concept
 * view (with the fuzzy matcher toxicityMatcher built for it, if any). `matcher`: toxicityMatcher(model, ...).
 */
export function toxicityView(text: string, model: LinearModel, matcher: LexiconMatcher): LexiconView {
  return model.meta.concepts === undefined ? lexiconView(text, matcher) : conceptView(text, { concepts: matcher, fuzzy: fuzzyMatchers.get(model), ...TOXICITY_VIEW });
}

/** Score one text with a given model and matcher (toxicityMatcher): the path shared by the evaluator and training. */
export function scoreToxicity(text: string, model: LinearModel, matcher: LexiconMatcher): ToxicityScore {
  // Nothing but whitespace and punctuation cannot insult anyone; the model's bias alone would say otherwise.
  if (!HAS_WORD.test(text)) return { score: 0, spans: [], lexicon: 0 };
  const view = toxicityView(text, model, matcher);
  const best = bestWindow(view.text, model);
  let score = best ? shrinkShort(best.logit, view.text, model) : 0;
  const floors = floorsOf(model);
  for (const hit of view.hits) score = Math.max(score, floors[tierOf(hit.weight)]);
  const spans: Span[] = view.hits.map((hit) => ({
    start: hit.start,
    end: hit.end,
    text: text.slice(hit.start, hit.end),
    label: "offensive_term",
  }));
  let strongest = 0;
  for (const hit of view.hits) strongest = Math.max(strongest, hit.weight);
  if (spans.length === 0 && best && text.length > 0) {
    const start = view.toOriginal(best.start);
    const end = Math.max(start, view.toOriginal(best.end));
    spans.push({ start, end, text: text.slice(start, end), label: "toxic" });
  }
  return { score, spans, lexicon: strongest };
}

export class Toxicity implements Evaluator {
  readonly name = "toxicity" as const;
  readonly threshold: number;
  private readonly model: LinearModel;
  private readonly matcher: LexiconMatcher;

  constructor(options: ToxicityOptions = {}) {
    this.model = options.model ?? loadModel(modelPath(TOXICITY_MODEL_FILE));
    if (conceptWeightOf(this.model) > 0 && !conceptModels.has(this.model)) {
      attachConceptModel(this.model, options.conceptModel ?? loadModel(modelPath(TOXICITY_CONCEPT_MODEL_FILE)));
    }
    this.matcher = toxicityMatcher(this.model, options.lexiconTerms ?? loadToxicityLexiconTerms());
    this.threshold = modelThreshold(options.threshold, this.model.meta.threshold, DEFAULT_TOXICITY_THRESHOLD, this.name);
  }

  evaluate(args: EvaluateArgs): Verdict {
    const started = performance.now();
    const text = textOf(args);
    const result = scoreToxicity(text, this.model, this.matcher);
    const flagged = result.score >= this.threshold;
    return {
      evaluator: this.name,
      score: result.score,
      threshold: this.threshold,
      flagged,
      // Only a flagged verdict points at text; an unflagged one reports lexicon words it still saw.
      spans: flagged ? result.spans : result.spans.filter((s) => s.label === "offensive_term"),
      categories: { toxic: result.score, profanity: result.lexicon },
      latencyMs: performance.now() - started,
    };
  }
}

/** The concept-only model paired with a words model (attachConceptModel), if any. */
export function conceptModelOf(model: LinearModel): LinearModel | undefined {
  return conceptModels.get(model);
}
