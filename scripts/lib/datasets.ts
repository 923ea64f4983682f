// Helpers shared by the train and eval scripts: where the datasets live, flag parsing, plain-text tables and a rough
// language guess for per-language reports.

import { existsSync } from "node:fs";
import { dirname, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { type LabelledRow, readLabelledJsonl } from "../../src/guardrails/ml/index.js";

const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), "../..");

/** A file in the shared datasets folder: $TOLLGATE_DATASETS, else ../shared/datasets beside the repository. */
export function datasetPath(fileName: string): string {
  const dir = process.env.TOLLGATE_DATASETS ?? resolve(repoRoot, "../shared/datasets");
  const path = resolve(dir, fileName);
  if (!existsSync(path)) throw new Error(`dataset ${path} not found (set TOLLGATE_DATASETS to the datasets folder)`);
  return path;
}

const labelledCache = new Map<string, readonly LabelledRow[]>();
/**
 * The labelled rows of a dataset file, read and parsed once per process: leave-one-family-out runs ask for the
 * same reference files once per fold.
 */
export function readDataset(fileName: string): readonly LabelledRow[] {
  const path = datasetPath(fileName);
  let rows = labelledCache.get(path);
  if (!rows) {
    rows = readLabelledJsonl(path);
    labelledCache.set(path, rows);
  }
  return rows;
}

export type FlagKind = "boolean" | "string" | "number";
export interface Flags {
  /** Values by flag name (without the leading dashes). */
  values: Record<string, string | number | boolean>;
  /** Arguments that are not flags, in order. */
  positional: string[];
}

/** Parse `--name value`, `--name=value` and boolean `--name`; unknown flags are an error naming the flag. */
export function parseFlags(argv: readonly string[], kinds: Record<string, FlagKind>): Flags {
  const flags: Flags = { values: {}, positional: [] };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i] as string;
    if (arg === "--") {
      flags.positional.push(...argv.slice(i + 1));
      break;
    }
    if (!arg.startsWith("--")) {
      flags.positional.push(arg);
      continue;
    }
    const eq = arg.indexOf("=");
    const name = arg.slice(2, eq < 0 ? undefined : eq);
    const kind = kinds[name];
    if (!kind) throw new Error(`unknown flag --${name} (known: ${Object.keys(kinds).map((k) => `--${k}`).join(", ")})`);
    if (kind === "boolean") {
      if (eq >= 0) throw new Error(`--${name} takes no value`);
      flags.values[name] = true;
      continue;
    }
    const value = eq >= 0 ? arg.slice(eq + 1) : argv[++i];
    if (value === undefined) throw new Error(`--${name} needs a value`);
    if (kind === "number") {
      const n = Number(value);
      if (!Number.isFinite(n)) throw new Error(`--${name} needs a number, got "${value}"`);
      flags.values[name] = n;
    } else {
      flags.values[name] = value;
    }
  }
  return flags;
}

/** Left-aligned first column, right-aligned others. */
export function formatTable(header: string[], rows: string[][]): string {
  const widths = header.map((h, c) => Math.max(h.length, ...rows.map((r) => (r[c] ?? "").length)));
  const line = (cells: string[]) => cells.map((cell, c) => (c === 0 ? cell.padEnd(widths[c] as number) : cell.padStart(widths[c] as number))).join("  ");
  return [line(header), line(widths.map((w) => "-".repeat(w))), ...rows.map(line)].join("\n");
}

const SCRIPTS: [RegExp, string][] = [
  [/[\u3040-\u30ff]/, "ja"],
  [/[\uac00-\ud7af]/, "ko"],
  [/[\u4e00-\u9fff]/, "zh"],
  [/[\u0400-\u04ff]/, "ru"],
  [/[\u0600-\u06ff]/, "ar"],
  [/[\u0900-\u097f]/, "hi"],
  [/[\u0980-\u09ff]/, "bn"],
  [/[\u0e00-\u0e7f]/, "th"],
  [/[\u0370-\u03ff]/, "el"],
];
const STOP_WORDS: [string, RegExp][] = [
  ["en", /\b(?:the|and|you|is|are|to|of|what|how|with|this|that)\b/gi],
  ["de", /\b(?:der|die|das|und|ist|nicht|ich|sie|du|mit|ein|eine|zu|auf|alle|vorherigen)\b/gi],
  ["es", /\b(?:el|la|los|las|que|y|es|por|para|una|con|todas|anteriores)\b/gi],
  ["fr", /\b(?:le|la|les|et|est|des|une|pour|vous|que|dans|toutes)\b/gi],
  ["it", /\b(?:il|lo|gli|che|è|di|per|una|sono|tutte|delle)\b/gi],
  ["pt", /\b(?:o|os|as|que|é|não|uma|para|com|você|todas)\b/gi],
];

/** Rough language of a text: Unicode script first, then stop-word counts for Latin-script text. */
export function guessLanguage(text: string): string {
  const sample = text.slice(0, 600);
  for (const [pattern, lang] of SCRIPTS) if (pattern.test(sample)) return lang;
  let best = "other";
  let bestCount = 1;
  for (const [lang, pattern] of STOP_WORDS) {
    const count = sample.match(pattern)?.length ?? 0;
    if (count > bestCount) {
      best = lang;
      bestCount = count;
    }
  }
  return best;
}
