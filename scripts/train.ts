// `npm run train [-- --model NAME] [-- trainer flags]`: one command that rebuilds the shipped models.
//
// Registration convention: model NAME is trained by scripts/train-NAME.ts, which exports
//   main(argv: string[]): Promise<void>      — train and write src/guardrails/models/<model>.json (deterministic seed)
// and, to take part in `npm run eval -- --loso`, optionally
//   evalTrainer: { familyOf(source): string; train(rows: LabelledRow[], fold?): (text: string) => number }
// (labelled files; train may return a promise) or, for span files (pii-train.jsonl's format),
//   spanEvalTrainer: { familyOf(source): string; train(rows: SpanRow[], fold?): Promise<{ evaluate(args): Verdict }> }
// `fold.heldOut` holds the rows of the held-out family: a trainer that adds data of its own (other files, a benign
// reference for a lexicon) leaves out rows of those families and texts. Add a line to TRAINERS to register a new one.

import { fileURLToPath } from "node:url";
import type { SpanRow } from "../src/guardrails/eval/spans.js";
import type { LabelledRow } from "../src/guardrails/ml/index.js";
import type { EvaluateArgs, Verdict } from "../src/guardrails/types.js";

/** The fold a trainer is asked to train for: its name and the rows it must never see (nor their texts). */
export interface EvalFold<Row> {
  name: string;
  heldOut: readonly Row[];
}

export interface EvalTrainer {
  /** Validation group of a row's source (leave-one-group-out holds out a whole family). */
  familyOf(source: string): string;
  /** Train on rows and return a scorer (0..1) that behaves like the shipped evaluator. */
  train(rows: LabelledRow[], fold?: EvalFold<LabelledRow>): ((text: string) => number) | Promise<(text: string) => number>;
  /**
   * The trainer's own threshold rule, applied by `npm run eval -- --loso` to the pooled out-of-fold scores of the
   * file's rows (reported beside the shipped threshold).
   */
  thresholdRule?: { name: string; pick(labels: readonly number[], scores: readonly number[]): number };
}

/** The span-file counterpart of EvalTrainer (PII). */
export interface SpanEvalTrainer {
  familyOf(source: string): string;
  /** Train on rows and return the evaluator the shipped one would be with the retrained weights. */
  train(rows: SpanRow[], fold?: EvalFold<SpanRow>): Promise<{ evaluate(args: EvaluateArgs): Verdict }>;
}

export interface TrainerModule {
  main(argv: string[]): Promise<void>;
  evalTrainer?: EvalTrainer;
  spanEvalTrainer?: SpanEvalTrainer;
}

/** Trainer name → module. Aliases map evaluator names to trainer files. */
export const TRAINERS: Record<string, () => Promise<unknown>> = {
  injection: () => import("./train-injection.js"),
  toxicity: () => import("./train-toxicity.js"),
  contentsafety: () => import("./train-contentsafety.js"),
  pii: () => import("./train-pii.js"),
};
const ALIASES: Record<string, string> = { prompt_injection: "injection", content_safety: "contentsafety" };

/** Load a trainer by model or evaluator name; a missing or malformed trainer is a clear error. */
export async function loadTrainer(name: string): Promise<TrainerModule> {
  const key = ALIASES[name] ?? name;
  const load = TRAINERS[key];
  if (!load) throw new Error(`no trainer for "${name}" (known: ${Object.keys(TRAINERS).join(", ")}; aliases: ${Object.keys(ALIASES).join(", ")})`);
  let mod: unknown;
  try {
    mod = await load();
  } catch (error) {
    throw new Error(`trainer scripts/train-${key}.ts could not be loaded: ${(error as Error).message}`);
  }
  if (typeof mod !== "object" || mod === null || typeof (mod as { main?: unknown }).main !== "function") {
    throw new Error(`scripts/train-${key}.ts must export main(argv)`);
  }
  return mod as TrainerModule;
}

export async function run(argv: string[]): Promise<void> {
  const at = argv.indexOf("--model");
  const names = at >= 0 ? [argv[at + 1]] : Object.keys(TRAINERS);
  const rest = at >= 0 ? [...argv.slice(0, at), ...argv.slice(at + 2)] : argv;
  for (const name of names) {
    if (name === undefined || name.startsWith("--")) throw new Error("--model needs a name");
    const started = Date.now();
    console.log(`== training ${name}`);
    await (await loadTrainer(name)).main(rest);
    console.log(`== ${name} done in ${((Date.now() - started) / 1000).toFixed(1)} s`);
  }
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  run(process.argv.slice(2)).catch((error: unknown) => {
    console.error(error instanceof Error ? error.message : String(error));
    process.exit(1);
  });
}
