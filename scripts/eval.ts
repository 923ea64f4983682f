// `npm run eval -- --evaluator NAME --file X.jsonl [--loso] [--threshold T] [--by source|family]`
//
// Labelled text files ({text, label, source}): per-source precision, recall, F1, false-positive rate, ROC AUC and
// latency of the shipped evaluator. --loso instead retrains per held-out source family with the trainer's
// evalTrainer (scripts/train.ts explains the convention) and scores each family with the model that never saw it.
// Span files ({text, entities, source}, pii-train.jsonl's format): span-level precision/recall/F2 per entity type
// via src/guardrails/eval/spans.ts; --loso retrains per held-out family with the trainer's spanEvalTrainer (PII:
// the token tagger, on train-pii.ts's own folds) and pools the held-out verdicts into the same report.
// --by family groups the report by the trainer's families (with --loso).

import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import type { SpanRow } from "../src/guardrails/eval/spans.js";
import { type LabelledRow, binaryMetrics, leaveOneGroupOut, percentile, readLabelledJsonl } from "../src/guardrails/ml/index.js";
import { EVALUATOR_NAMES, createEvaluator, isEvaluatorName } from "../src/guardrails/registry.js";
import type { EvaluatorName, Verdict } from "../src/guardrails/types.js";
import { formatTable, parseFlags } from "./lib/datasets.js";
import { loadTrainer } from "./train.js";

interface Scored {
  row: LabelledRow;
  score: number;
  latencyMs: number;
}

const USAGE = `usage: npm run eval -- --evaluator NAME --file X.jsonl [--loso] [--threshold T] [--by source|family]
  NAME: ${EVALUATOR_NAMES.join(", ")}`;

const pct = (x: number): string => (Number.isNaN(x) ? "n/a" : `${(100 * x).toFixed(1)}%`);
const num = (x: number): string => (Number.isNaN(x) ? "n/a" : x.toFixed(3));
const shorten = (s: string, n = 70): string => (s.length > n ? `${s.slice(0, n - 1)}…` : s);

/** Per-group and overall metrics table at one threshold. */
export function formatLabelledReport(scored: readonly Scored[], threshold: number, groupOf: (row: LabelledRow) => string): string {
  const groups = new Map<string, Scored[]>();
  for (const s of scored) {
    const key = groupOf(s.row);
    const list = groups.get(key);
    if (list) list.push(s);
    else groups.set(key, [s]);
  }
  const line = (name: string, list: readonly Scored[]): string[] => {
    const m = binaryMetrics(list.map((s) => s.row.label), list.map((s) => s.score), threshold);
    const lat = list.map((s) => s.latencyMs).sort((a, b) => a - b);
    return [shorten(name), String(m.n), String(m.positives), num(m.precision), num(m.recall), num(m.f1), pct(m.fpr), num(m.rocAuc), percentile(lat, 0.5).toFixed(3), percentile(lat, 0.99).toFixed(3)];
  };
  const rows = [...groups.entries()].sort(([a], [b]) => a.localeCompare(b)).map(([name, list]) => line(name, list));
  rows.push(line("ALL", scored));
  return formatTable(["source", "n", "pos", "precision", "recall", "F1", "FPR", "ROC AUC", "p50 ms", "p99 ms"], rows);
}

/** Train one fold; a failure names the file and the held-out family. */
async function trainFold<T>(file: string, family: string, train: () => T | Promise<T>): Promise<T> {
  try {
    return await train();
  } catch (error) {
    throw new Error(`${file}: training without family "${family}" failed: ${(error as Error).message}`);
  }
}

function isSpanFile(path: string): boolean {
  const first = readFileSync(path, "utf8").split("\n").find((l) => l.trim() !== "");
  if (first === undefined) throw new Error(`${path} is empty`);
  try {
    const value = JSON.parse(first) as Record<string, unknown>;
    return Array.isArray(value.entities);
  } catch (error) {
    throw new Error(`${path}:1: invalid JSON (${(error as Error).message})`);
  }
}

async function spanEval(name: EvaluatorName, file: string, loso: boolean, by: string): Promise<void> {
  let spans: typeof import("../src/guardrails/eval/spans.js");
  try {
    spans = await import("../src/guardrails/eval/spans.js");
  } catch (error) {
    throw new Error(`span-level evaluation needs src/guardrails/eval/spans.ts: ${(error as Error).message}`);
  }
  const rows = spans.readSpanRows(file);
  if (!loso) {
    if (by === "family") throw new Error("--by family needs --loso (families come from the trainer)");
    console.log(spans.formatSpanReport(spans.spanReport(rows, createEvaluator(name))));
    return;
  }
  const trainer = (await loadTrainer(name)).spanEvalTrainer;
  if (!trainer) throw new Error(`the ${name} trainer does not export spanEvalTrainer, so --loso is not available for span files (${file})`);
  const folds = leaveOneGroupOut(rows, (row) => trainer.familyOf(row.source));
  const ordered: SpanRow[] = [];
  const verdicts: Verdict[] = [];
  for (const [i, fold] of folds.entries()) {
    process.stderr.write(`\rfold ${i + 1}/${folds.length}: ${shorten(fold.name, 50).padEnd(50)}`);
    const evaluator = await trainFold(file, fold.name, () => trainer.train(fold.train, { name: fold.name, heldOut: fold.test }));
    for (const row of fold.test) {
      ordered.push(row);
      verdicts.push(evaluator.evaluate({ input: row.text }));
    }
  }
  process.stderr.write("\n");
  console.log(`${name}: leave-one-family-out over ${folds.length} families, each held-out row scored by a model retrained without its family`);
  console.log(spans.formatSpanReport(spans.spanReportOfVerdicts(ordered, verdicts, by === "family" ? { groupOf: trainer.familyOf } : {})));
}

async function labelledEval(name: EvaluatorName, file: string, loso: boolean, threshold: number | undefined, by: string): Promise<void> {
  const rows = readLabelledJsonl(file);
  const shipped = createEvaluator(name, threshold === undefined ? {} : { threshold });
  let scored: Scored[] = [];
  let groupOf = (row: LabelledRow): string => row.source;
  if (loso) {
    const trainer = (await loadTrainer(name)).evalTrainer;
    if (!trainer) throw new Error(`the ${name} trainer does not export evalTrainer, so --loso is not available for it`);
    const familyOf = (row: LabelledRow): string => trainer.familyOf(row.source);
    if (by === "family") groupOf = familyOf;
    const folds = leaveOneGroupOut(rows, familyOf);
    for (const [i, fold] of folds.entries()) {
      process.stderr.write(`\rfold ${i + 1}/${folds.length}: ${shorten(fold.name, 50).padEnd(50)}`);
      const score = await trainFold(file, fold.name, () => trainer.train(fold.train, { name: fold.name, heldOut: fold.test }));
      for (const row of fold.test) {
        const started = performance.now();
        const value = score(row.text);
        scored.push({ row, score: value, latencyMs: performance.now() - started });
      }
    }
    process.stderr.write("\n");
    console.log(`${name}: leave-one-family-out over ${folds.length} families, threshold ${shipped.threshold}`);
    if (trainer.thresholdRule) {
      const labels = scored.map((s) => s.row.label);
      const scores = scored.map((s) => s.score);
      const picked = trainer.thresholdRule.pick(labels, scores);
      const m = binaryMetrics(labels, scores, picked);
      console.log(
        `the trainer's threshold rule (${trainer.thresholdRule.name}) on these out-of-fold scores: ${num(picked)} ` +
          `(P ${num(m.precision)}, R ${num(m.recall)}, F1 ${num(m.f1)}, FPR ${pct(m.fpr)}); the table uses ${shipped.threshold}`,
      );
    }
  } else {
    if (by === "family") throw new Error("--by family needs --loso (families come from the trainer)");
    scored = rows.map((row) => {
      const verdict = shipped.evaluate({ input: row.text });
      return { row, score: verdict.score, latencyMs: verdict.latencyMs };
    });
    console.log(`${name}: shipped model, threshold ${shipped.threshold}`);
  }
  console.log(formatLabelledReport(scored, shipped.threshold, groupOf));
}

export async function main(argv: string[]): Promise<void> {
  const { values } = parseFlags(argv, { evaluator: "string", file: "string", loso: "boolean", threshold: "number", by: "string" });
  const name = values.evaluator;
  const file = values.file;
  if (typeof name !== "string" || typeof file !== "string") throw new Error(USAGE);
  if (!isEvaluatorName(name)) throw new Error(`unknown evaluator "${name}"\n${USAGE}`);
  const by = typeof values.by === "string" ? values.by : "source";
  if (by !== "source" && by !== "family") throw new Error(`--by must be source or family, got "${by}"`);
  const threshold = typeof values.threshold === "number" ? values.threshold : undefined;
  if (isSpanFile(file)) await spanEval(name, file, values.loso === true, by);
  else await labelledEval(name, file, values.loso === true, threshold, by);
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  main(process.argv.slice(2)).catch((error: unknown) => {
    console.error(error instanceof Error ? error.message : String(error));
    process.exit(1);
  });
}
