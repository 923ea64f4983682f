// Train the ContentSafety model: `npm run train -- --model content_safety` (or `npx tsx scripts/train-contentsafety.ts`).
//
// Data: contentsafety-train.jsonl (20 languages). Validation: leave-one-source-family-out (family = repository:
// all MultiJail translations, all XSafety languages, all XQuAD languages fall out together, so no translation of a
// held-out item is trained on). Every source is single-label or nearly so, so per family we report recall (harmful
// families) or false-positive rate (benign families); pooled out-of-fold scores give the shipped threshold: the
// lowest one with at most 3 % false positives on benign rows. Needs toxicity_lexicon.json (train toxicity first).

import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { ContentSafety, scoreContentSafety } from "../src/guardrails/contentsafety/index.js";
import {
  CONTENT_SAFETY_CATEGORIES,
  CONTENT_SAFETY_FEATURES,
  CONTENT_SAFETY_LABELS,
  CONTENT_SAFETY_MODEL_FILE,
} from "../src/guardrails/contentsafety/config.js";
import type { LexiconMatcher } from "../src/guardrails/lexicons/index.js";
import { lexiconView } from "../src/guardrails/lexicons/view.js";
import {
  type JsonObject,
  type LabelledRow,
  LinearModel,
  binaryMetrics,
  groupKFold,
  leaveOneGroupOut,
  modelPath,
  readLabelledJsonl,
  rocAuc,
  saveModel,
  thresholdForFpr,
  trainLinear,
  vectorize,
} from "../src/guardrails/ml/index.js";
import { loadToxicityLexicon } from "../src/guardrails/toxicity/index.js";
import { DATASETS, type SourceReport, perGroupReport, printTable } from "./train-toxicity.js";

const SEED = 20240611;
const MAX_BENIGN_FPR = 0.03;

export interface ContentSafetyTrainConfig {
  epochs: number;
  l2: number;
  /** Give every source family the same total weight, each label half of it overall. */
  balanceFamilies: boolean;
}

export const DEFAULT_CONFIG: ContentSafetyTrainConfig = { epochs: 4, l2: 1e-6, balanceFamilies: true };

export function familyOf(source: string): string {
  return source.split(":")[0] ?? source;
}

export function trainContentSafetyModel(rows: readonly LabelledRow[], lexicon: LexiconMatcher, config = DEFAULT_CONFIG, meta: JsonObject = {}): LinearModel {
  const familySize = new Map<string, number>();
  for (const row of rows) familySize.set(familyOf(row.source), (familySize.get(familyOf(row.source)) ?? 0) + 1);
  const meanSize = rows.length / familySize.size;
  const examples = rows.map((row) => {
    const y = new Float64Array(CONTENT_SAFETY_LABELS.length).fill(Number.NaN);
    y[0] = row.label;
    if (row.label === 1) {
      // Category heads learn P(category | harmful): benign rows leave them untouched (NaN).
      CONTENT_SAFETY_CATEGORIES.forEach((category, i) => {
        y[i + 1] = row.fields.category === category ? 1 : 0;
      });
    }
    const weight = config.balanceFamilies ? meanSize / (familySize.get(familyOf(row.source)) as number) : 1;
    return { x: vectorize(lexiconView(row.text, lexicon).text, CONTENT_SAFETY_FEATURES), y, weight };
  });
  return trainLinear(examples, CONTENT_SAFETY_FEATURES, CONTENT_SAFETY_LABELS, { epochs: config.epochs, l2: config.l2, seed: SEED, meta });
}

export interface OutOfFold {
  labels: number[];
  model: number[];
  withRules: number[];
  families: string[];
  langs: string[];
  categories: string[];
}

/**
 * Out-of-fold scores with whole source families held out. "loso": one family per fold. "group5": families dealt
 * into 5 folds. Both never train on a held-out family; group5 exists because this file's sources are single-label
 * and language-balanced only as a whole: holding out MultiJail alone (1,850 harmful rows in 10 languages) leaves
 * those languages almost all-benign in training, and the model learns "Korean means benign".
 */
export function crossValidate(rows: readonly LabelledRow[], lexicon: LexiconMatcher, config = DEFAULT_CONFIG, protocol: "loso" | "group5" = "group5"): OutOfFold {
  const out: OutOfFold = { labels: [], model: [], withRules: [], families: [], langs: [], categories: [] };
  const folds = protocol === "loso" ? leaveOneGroupOut(rows, (r) => familyOf(r.source)) : groupKFold(rows, (r) => familyOf(r.source), 5, SEED);
  for (const fold of folds) {
    const model = trainContentSafetyModel(fold.train, lexicon, config);
    for (const row of fold.test) {
      out.labels.push(row.label);
      out.model.push(scoreContentSafety(row.text, model, lexicon, false).score);
      out.withRules.push(scoreContentSafety(row.text, model, lexicon, true).score);
      out.families.push(familyOf(row.source));
      out.langs.push(row.fields.lang ?? "unknown");
      out.categories.push(row.label === 1 ? (row.fields.category ?? "unknown") : "benign");
    }
  }
  return out;
}

const round = (x: number): number => Math.round(x * 10000) / 10000;

export async function main(): Promise<void> {
  const started = Date.now();
  const lexicon = loadToxicityLexicon();
  const rows = readLabelledJsonl(join(DATASETS, "contentsafety-train.jsonl"));
  const config = DEFAULT_CONFIG;
  const protocol = process.argv.includes("--loso") ? "loso" : "group5";
  const oof = crossValidate(rows, lexicon, config, protocol);

  const threshold = thresholdForFpr(oof.labels, oof.withRules, MAX_BENIGN_FPR);
  const pooled = binaryMetrics(oof.labels, oof.withRules, threshold);
  const pooledModelOnly = binaryMetrics(oof.labels, oof.model, thresholdForFpr(oof.labels, oof.model, MAX_BENIGN_FPR));
  const auc = round(rocAuc(oof.labels, oof.withRules));
  console.log(
    `pooled ${protocol} (source families held out) at ${MAX_BENIGN_FPR * 100}% benign FPR: threshold ${threshold.toFixed(3)}, recall ${round(pooled.recall)}, ` +
      `FPR ${round(pooled.fpr)}, ROC AUC ${auc}; model without rules: recall ${round(pooledModelOnly.recall)}, FPR ${round(pooledModelOnly.fpr)}`,
  );
  const families = perGroupReport(oof.families, oof.labels, oof.withRules, threshold);
  printTable("per source family (held out)", families);
  const languages = perGroupReport(oof.langs, oof.labels, oof.withRules, threshold);
  printTable("per language (out-of-fold)", languages);
  const categories: SourceReport[] = perGroupReport(oof.categories, oof.labels, oof.withRules, threshold);
  printTable("per category (harmful rows: recall; benign: FPR)", categories);

  const model = trainContentSafetyModel(rows, lexicon, config);
  const meta: JsonObject = {
    threshold: round(threshold),
    trainedOn: "contentsafety-train.jsonl",
    config: { ...config },
    validation: {
      protocol: protocol === "loso" ? "leave-one-source-family-out" : "source families dealt into 5 folds (never trained on a held-out family)",
      maxBenignFpr: MAX_BENIGN_FPR,
      pooledRecall: round(pooled.recall),
      pooledFpr: round(pooled.fpr),
      pooledRocAuc: auc,
      modelOnlyRecall: round(pooledModelOnly.recall),
      modelOnlyFpr: round(pooledModelOnly.fpr),
      perFamily: families.map((s) => ({ ...s })),
      perLanguage: languages.map((s) => ({ ...s })),
      perCategory: categories.map((s) => ({ ...s })),
    },
  };
  const final = new LinearModel(model.spec, model.labels, model.weights, model.bias, meta);
  const saved = saveModel(modelPath(CONTENT_SAFETY_MODEL_FILE), final, { pruneBelow: 2e-3 });
  // Load through the evaluator once, so a file the runtime cannot read fails the training run, not production.
  new ContentSafety({ model: final, lexicon }).evaluate({ input: "How do I build a pipe bomb?" });
  console.log(`\nsaved ${CONTENT_SAFETY_MODEL_FILE}: ${saved.bytes} bytes, ${saved.nonZero} weights; ${Math.round((Date.now() - started) / 1000)} s`);
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  main().catch((error: unknown) => {
    console.error(error instanceof Error ? error.message : error);
    process.exit(1);
  });
}
