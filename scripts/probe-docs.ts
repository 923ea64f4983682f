// `npx tsx scripts/probe-docs.ts [--evaluator prompt_injection]`: how often an evaluator flags real technical
// documentation, the text agents retrieve and tools return all day. The README files of the installed npm packages
// (pinned by package-lock.json, never in any training set) are cut into 2 KB chunks; every chunk is benign, so the
// flagged share is a false-positive rate. The files are split in two halves by position in the sorted list: cue
// wording may be checked against the "dev" half's errors; the "held-out" half is only ever counted.
// Also prints the evaluator's latency on these chunks (markdown, code and tables, not prose).

import { readFileSync, readdirSync, statSync } from "node:fs";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { createEvaluator, isEvaluatorName } from "../src/guardrails/index.js";
import { percentile } from "../src/guardrails/ml/index.js";

const CHUNK = 2000;
/** At most this many chunks per README, so a few huge files do not dominate. */
const CHUNKS_PER_FILE = 4;
const MIN_BYTES = 3000;
const THRESHOLDS = [0.5, 0.7, 0.9];

/** README files of the packages in node_modules (scoped ones included), sorted, at least MIN_BYTES long. */
function readmeFiles(root = "node_modules"): string[] {
  const packages: string[] = [];
  for (const name of readdirSync(root)) {
    if (name.startsWith(".")) continue;
    if (name.startsWith("@")) for (const sub of readdirSync(join(root, name))) packages.push(join(root, name, sub));
    else packages.push(join(root, name));
  }
  const files: string[] = [];
  for (const dir of packages.sort()) {
    const readme = readdirSync(dir).find((f) => f.toLowerCase() === "readme.md");
    if (readme && statSync(join(dir, readme)).size >= MIN_BYTES) files.push(join(dir, readme));
  }
  return files;
}

function chunksOf(text: string): string[] {
  const chunks: string[] = [];
  for (let s = 0; s + CHUNK / 2 < text.length && chunks.length < CHUNKS_PER_FILE; s += CHUNK) chunks.push(text.slice(s, s + CHUNK));
  return chunks;
}

function main(): void {
  const { values } = parseArgs({ options: { evaluator: { type: "string", default: "prompt_injection" } } });
  const name = values.evaluator;
  if (!isEvaluatorName(name)) throw new Error(`unknown evaluator "${name}"`);
  const evaluator = createEvaluator(name);
  const files = readmeFiles();
  const halves = { dev: files.filter((_, i) => i % 2 === 0), "held-out": files.filter((_, i) => i % 2 === 1) };
  console.log(`${name}: README files of ${files.length} installed packages, ${CHUNK}-character chunks (all benign)`);
  const latencies: number[] = [];
  for (const [half, list] of Object.entries(halves)) {
    const scores: number[] = [];
    for (const file of list) {
      for (const chunk of chunksOf(readFileSync(file, "utf8"))) {
        evaluator.evaluate({ input: chunk }); // warm-up: the first call of a shape pays for regex compilation
        const started = performance.now();
        scores.push(evaluator.evaluate({ input: chunk }).score);
        latencies.push(performance.now() - started);
      }
    }
    const rates = THRESHOLDS.map((t) => `${(100 * scores.filter((s) => s >= t).length / scores.length).toFixed(1)} % at ${t}`);
    console.log(`${half.padEnd(8)} ${String(scores.length).padStart(4)} chunks flagged: ${rates.join(", ")}`);
  }
  latencies.sort((a, b) => a - b);
  const at = (q: number): string => percentile(latencies, q).toFixed(2);
  console.log(`latency per chunk: p50 ${at(0.5)} ms, p99 ${at(0.99)} ms, max ${at(1)} ms`);
}

main();
