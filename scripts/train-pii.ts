// Trains the PII token tagger (PERSON, ORGANIZATION, GPE, STREET_ADDRESS) from ../shared/datasets/pii-train.jsonl
// and writes src/guardrails/models/pii-tagger.json. With --loso it first measures the whole PII evaluator
// leave-one-source-out: rows of the constructed templates are grouped into five template folds (a template never
// sits on both sides), and every upstream file (presidio-research, noren, the hard negatives) is its own fold.
//
//   npm run train -- --model pii [--loso] [--data FILE] [--dims 262144] [--epochs 6] [--seed 7]

import { resolve } from "node:path";
import { parseArgs } from "node:util";
import { formatSpanReport, readSpanRows, spanReport, type SpanReport, type SpanRow } from "../src/guardrails/eval/spans.js";
import { leaveOneGroupOut } from "../src/guardrails/ml/crossval.js";
import { LinearModel } from "../src/guardrails/ml/linear.js";
import { modelPath } from "../src/guardrails/ml/paths.js";
import { seededRandom } from "../src/guardrails/ml/rng.js";
import { saveModel } from "../src/guardrails/ml/serialize.js";
import { type TrainingExample, trainLinear } from "../src/guardrails/ml/train.js";
import { resolveOverlaps } from "../src/guardrails/pii/candidate.js";
import { PII } from "../src/guardrails/pii/index.js";
import { findStructured } from "../src/guardrails/pii/structured.js";
import { contextOf, TAG_LABELS, TAGGER_FEATURES, TAGGER_FILE, Tagger, taggerSpec, tokenVector } from "../src/guardrails/pii/tagger/tagger.js";
import type { Verdict } from "../src/guardrails/types.js";

const DEFAULT_DATA = resolve(process.cwd(), "../shared/datasets/pii-train.jsonl");
// Gold types the tagger learns; LOCATION is Presidio's other name for GPE.
const GOLD_TO_TAG: Readonly<Record<string, number>> = { PERSON: 0, ORGANIZATION: 1, GPE: 2, LOCATION: 2, STREET_ADDRESS: 3 };
// Share of rows added again fully lower-cased, so names typed in lower case ("follow up with anna ...") are seen.
const LOWERCASE_SHARE = 0.2;

export interface Options {
  data: string;
  dims: number;
  epochs: number;
  seed: number;
  loso: boolean;
}

/** Template folds for the constructed rows, one fold per upstream file otherwise. */
export function validationGroup(source: string): string {
  const template = /own_template#(\d+)/.exec(source);
  if (template) return `constructed templates, fold ${Number(template[1]) % 5}`;
  const hash = source.indexOf("#");
  const file = hash >= 0 ? source.slice(0, hash) : source;
  return file.startsWith("himorishige/noren") ? "himorishige/noren (security)" : file;
}

function examplesOf(rows: readonly SpanRow[], dims: number, seed: number): TrainingExample[] {
  const random = seededRandom(seed);
  const examples: TrainingExample[] = [];
  const add = (text: string, entities: SpanRow["entities"]) => {
    const sure = resolveOverlaps(findStructured(text).filter((c) => c.score >= 0.5));
    const ctx = contextOf(text, sure);
    ctx.tokens.forEach((token, i) => {
      const y = new Float32Array(TAG_LABELS.length);
      for (const e of entities) {
        const k = GOLD_TO_TAG[e.type];
        if (k !== undefined && e.start < token.end && token.start < e.end) y[k] = 1;
      }
      examples.push({ x: tokenVector(ctx, i, dims), y });
    });
  };
  for (const row of rows) {
    add(row.text, row.entities);
    const lower = row.text.toLowerCase();
    if (lower.length === row.text.length && lower !== row.text && random() < LOWERCASE_SHARE) add(lower, row.entities);
  }
  return examples;
}

function train(rows: readonly SpanRow[], options: Options): Tagger {
  const examples = examplesOf(rows, options.dims, options.seed);
  const model = trainLinear(examples, taggerSpec(options.dims), TAG_LABELS, {
    epochs: options.epochs,
    seed: options.seed,
    meta: { features: TAGGER_FEATURES },
  });
  return new Tagger(model);
}

/** Leave-one-source-out: every row is scored by a tagger that never saw its fold. Rows come back in fold order. */
export function losoVerdicts(rows: readonly SpanRow[], options: Options): { ordered: SpanRow[]; verdicts: Verdict[] } {
  const folds = leaveOneGroupOut(rows, (r) => validationGroup(r.source));
  const ordered: SpanRow[] = [];
  const verdicts: Verdict[] = [];
  for (const fold of folds) {
    const started = Date.now();
    const pii = new PII({ tagger: train(fold.train, options) });
    for (const row of fold.test) {
      ordered.push(row);
      verdicts.push(pii.evaluate({ input: row.text }));
    }
    console.error(`fold "${fold.name}": ${fold.test.length} held out, ${((Date.now() - started) / 1000).toFixed(1)} s`);
  }
  return { ordered, verdicts };
}

function validate(rows: readonly SpanRow[], options: Options): SpanReport {
  const { ordered, verdicts } = losoVerdicts(rows, options);
  let next = 0;
  // spanReport visits rows in order; hand back the held-out verdict of each.
  const report = spanReport(ordered, { evaluate: () => verdicts[next++] as Verdict }, { groupOf: validationGroup });
  return report;
}

export function parseOptions(argv: readonly string[]): Options {
  const { values } = parseArgs({
    args: [...argv],
    options: {
      model: { type: "string" },
      data: { type: "string", default: DEFAULT_DATA },
      dims: { type: "string", default: String(1 << 18) },
      epochs: { type: "string", default: "6" },
      seed: { type: "string", default: "7" },
      loso: { type: "boolean", default: false },
    },
    strict: true,
  });
  const dims = Number(values.dims);
  const epochs = Number(values.epochs);
  const seed = Number(values.seed);
  if (!Number.isInteger(dims) || dims < 1024 || (dims & (dims - 1)) !== 0) throw new Error(`--dims must be a power of two >= 1024, got ${values.dims}`);
  if (!Number.isInteger(epochs) || epochs < 1) throw new Error(`--epochs must be a positive integer, got ${values.epochs}`);
  if (!Number.isInteger(seed)) throw new Error(`--seed must be an integer, got ${values.seed}`);
  return { data: values.data, dims, epochs, seed, loso: values.loso };
}

export async function main(argv: readonly string[] = process.argv.slice(2)): Promise<void> {
  const options = parseOptions(argv);
  const rows = readSpanRows(options.data);
  console.error(`read ${rows.length} rows from ${options.data}`);
  const meta: Record<string, string | number> = { features: TAGGER_FEATURES, seed: options.seed, epochs: options.epochs, rows: rows.length };
  if (options.loso) {
    const report = validate(rows, options);
    console.log(formatSpanReport(report));
    meta.losoOverallF2 = Number(report.overall.f2.toFixed(4));
  }
  const tagger = train(rows, options);
  const model = new LinearModel(tagger.model.spec, tagger.model.labels, tagger.model.weights, tagger.model.bias, meta);
  const path = modelPath(TAGGER_FILE);
  const { bytes, nonZero } = saveModel(path, model, { pruneBelow: 1e-3 });
  console.error(`wrote ${path}: ${bytes} bytes, ${nonZero} non-zero weights`);
}

if (import.meta.url === `file://${process.argv[1]}`) {
  main().catch((error: unknown) => {
    console.error(error instanceof Error ? error.message : error);
    process.exitCode = 1;
  });
}
