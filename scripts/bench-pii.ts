// Latency of the PII and Secrets evaluators on ~2 KB texts built from the training file's sentences (numbers,
// not pass/fail; the project-wide bench lives in bench/). Run: npx tsx scripts/bench-pii.ts [--iterations 2000]

import { resolve } from "node:path";
import { parseArgs } from "node:util";
import { readSpanRows } from "../src/guardrails/eval/spans.js";
import { percentile } from "../src/guardrails/ml/index.js";
import { PII } from "../src/guardrails/pii/index.js";
import { Secrets } from "../src/guardrails/secrets/index.js";
import type { EvaluateArgs, Verdict } from "../src/guardrails/types.js";

const TARGET_CHARS = 2048;

function measure(name: string, evaluator: { evaluate(args: EvaluateArgs): Verdict }, texts: readonly string[], iterations: number): void {
  for (let i = 0; i < 200; i++) evaluator.evaluate({ input: texts[i % texts.length] as string }); // warm-up
  // Wall time, and this thread's CPU time: on a shared, oversubscribed machine the wall-clock tail mostly measures
  // time spent descheduled, which the CPU time leaves out.
  const wall: number[] = [];
  const cpu: number[] = [];
  for (let i = 0; i < iterations; i++) {
    const text = texts[i % texts.length] as string;
    const cpuStart = process.cpuUsage();
    const started = process.hrtime.bigint();
    evaluator.evaluate({ input: text });
    wall.push(Number(process.hrtime.bigint() - started) / 1e6);
    const used = process.cpuUsage(cpuStart);
    cpu.push((used.user + used.system) / 1000);
  }
  for (const [kind, times] of [["wall", wall], ["cpu", cpu]] as const) {
    times.sort((a, b) => a - b);
    const mean = times.reduce((a, b) => a + b, 0) / times.length;
    console.log(
      `${name.padEnd(8)} ${kind.padEnd(4)} ${iterations} runs on ~${TARGET_CHARS}-char texts: mean ${mean.toFixed(3)} ms, p50 ${percentile(times, 0.5).toFixed(3)} ms, p99 ${percentile(times, 0.99).toFixed(3)} ms`,
    );
  }
}

export function main(argv: readonly string[] = process.argv.slice(2)): void {
  const { values } = parseArgs({
    args: [...argv],
    options: { iterations: { type: "string", default: "2000" }, data: { type: "string", default: resolve(process.cwd(), "../shared/datasets/pii-train.jsonl") } },
  });
  const iterations = Number(values.iterations);
  if (!Number.isInteger(iterations) || iterations < 1) throw new Error(`--iterations must be a positive integer, got ${values.iterations}`);
  const rows = readSpanRows(values.data);
  // Consecutive sentences joined until ~2 KB: mixed prose, logs and PII, as a chat turn or tool output would be.
  const texts: string[] = [];
  let current = "";
  for (const row of rows) {
    current += (current ? " " : "") + row.text;
    if (current.length >= TARGET_CHARS) {
      texts.push(current.slice(0, TARGET_CHARS));
      current = "";
    }
  }
  const loadStarted = performance.now();
  const pii = new PII();
  pii.evaluate({ input: "warm" });
  console.log(`PII load (gazetteers + tagger): ${(performance.now() - loadStarted).toFixed(0)} ms, ${texts.length} distinct texts`);
  measure("pii", pii, texts, iterations);
  measure("secrets", new Secrets(), texts, iterations);
}

if (import.meta.url === `file://${process.argv[1]}`) main();
