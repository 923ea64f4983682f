// Span-level scoring of entity detectors (PII, Secrets) against gold spans, the way Presidio's evaluator counts
// them: a predicted span is correct when it overlaps a gold span of the same type, and a gold span is found when
// some predicted span of its type overlaps it. Precision counts predicted spans, recall counts gold spans, so a
// prediction split in two (or two gold spans covered by one prediction) is not punished twice.
//
// Label aliases: predictions and gold labels are mapped to one canonical name before comparing, so an evaluator
// that says LOCATION is scored against gold GPE (and CITY/COUNTRY), ADDRESS against STREET_ADDRESS, and any
// credential kind the Secrets evaluator reports (OPENAI_API_KEY, JWT, PASSWORD...) against SECRET.

import { PII_ENTITIES } from "../pii/candidate.js";
import { readFileSync } from "node:fs";
import { parseJsonl } from "../ml/jsonl.js";
import { percentile } from "../ml/metrics.js";
import type { EvaluateArgs, Verdict } from "../types.js";

export interface GoldEntity {
  type: string;
  start: number;
  end: number;
  subtype?: string;
}

export interface SpanRow {
  text: string;
  entities: GoldEntity[];
  source: string;
}

export interface SpanScores {
  /** Predicted spans of this type. */
  predicted: number;
  /** Predicted spans that overlap a gold span of this type. */
  correct: number;
  /** Gold spans of this type. */
  gold: number;
  /** Gold spans overlapped by a prediction of this type. */
  found: number;
  precision: number;
  recall: number;
  f2: number;
}

export interface SpanGroupReport {
  rows: number;
  overall: SpanScores;
  byType: Record<string, SpanScores>;
}

export interface SpanReport extends SpanGroupReport {
  /** Per source family (the source with its "#row" suffix removed). */
  bySource: Record<string, SpanGroupReport>;
  /** Gold spans of types outside the scored set, by type: reported, not scored. */
  unscoredGold: Record<string, number>;
  /** Evaluator latency per row, milliseconds (the verdicts' latencyMs). */
  latencyMs: { mean: number; p50: number; p99: number };
}

export interface SpanReportOptions {
  /** Canonical types to score; gold of other types is listed in unscoredGold, predictions of them are ignored. */
  types?: readonly string[];
  /** Extra label → canonical type mappings, consulted before the built-in aliases. */
  aliases?: Readonly<Record<string, string>>;
  /** Groups rows for the per-source table; default sourceFamily. */
  groupOf?: (source: string) => string;
}

/** The entity types the PII evaluator promises (Presidio names). */
export const PII_TYPES: readonly string[] = PII_ENTITIES;

const ALIASES: Readonly<Record<string, string>> = {
  LOCATION: "GPE",
  LOC: "GPE",
  CITY: "GPE",
  COUNTRY: "GPE",
  STATE: "GPE",
  ADDRESS: "STREET_ADDRESS",
  PER: "PERSON",
  NAME: "PERSON",
  ORG: "ORGANIZATION",
  COMPANY: "ORGANIZATION",
  EMAIL: "EMAIL_ADDRESS",
  PHONE: "PHONE_NUMBER",
  IBAN: "IBAN_CODE",
  SSN: "US_SSN",
  IP: "IP_ADDRESS",
  CREDIT_CARD_NUMBER: "CREDIT_CARD",
  DATE: "DATE_TIME",
  TIME: "DATE_TIME",
};

// Every credential kind reported by the Secrets evaluator is a SECRET in Presidio-style gold data.
const SECRET_KIND = /(?:^|_)(?:KEY|TOKEN|SECRET|PASSWORD|JWT|CREDENTIALS|AUTH|WEBHOOK|SID)(?:_|$)|^JWT$/;

export function canonicalType(label: string, extra: Readonly<Record<string, string>> = {}): string {
  const upper = label.toUpperCase();
  const mapped = extra[upper] ?? extra[label] ?? ALIASES[upper];
  if (mapped !== undefined) return mapped;
  if (upper !== "SECRET" && SECRET_KIND.test(upper)) return "SECRET";
  return upper;
}

/** "repo:path#row (template 3)" → "repo:path": rows of one upstream file form one source family. */
export function sourceFamily(source: string): string {
  const hash = source.indexOf("#");
  return (hash >= 0 ? source.slice(0, hash) : source).trim();
}

interface Tally {
  predicted: number;
  correct: number;
  gold: number;
  found: number;
}

function emptyTally(): Tally {
  return { predicted: 0, correct: 0, gold: 0, found: 0 };
}

function scores(t: Tally): SpanScores {
  const precision = t.predicted === 0 ? (t.gold === 0 ? 1 : 0) : t.correct / t.predicted;
  const recall = t.gold === 0 ? 1 : t.found / t.gold;
  const f2 = precision + recall === 0 ? 0 : (5 * precision * recall) / (4 * precision + recall);
  return { ...t, precision, recall, f2 };
}

class GroupTally {
  rows = 0;
  readonly total = emptyTally();
  readonly byType = new Map<string, Tally>();

  add(type: string, field: keyof Tally): void {
    let t = this.byType.get(type);
    if (!t) this.byType.set(type, (t = emptyTally()));
    t[field]++;
    this.total[field]++;
  }

  report(): SpanGroupReport {
    const byType: Record<string, SpanScores> = {};
    for (const type of [...this.byType.keys()].sort()) byType[type] = scores(this.byType.get(type) as Tally);
    return { rows: this.rows, overall: scores(this.total), byType };
  }
}

function overlaps(a: { start: number; end: number }, b: { start: number; end: number }): boolean {
  return a.start < b.end && b.start < a.end;
}

function checkRow(row: SpanRow, index: number): void {
  if (typeof row?.text !== "string" || !Array.isArray(row.entities)) {
    throw new TypeError(`row ${index}: expected {text: string, entities: [...], source}`);
  }
  for (const e of row.entities) {
    if (typeof e?.type !== "string" || !Number.isInteger(e.start) || !Number.isInteger(e.end) || e.start < 0 || e.end > row.text.length || e.end <= e.start) {
      throw new RangeError(`row ${index}: entity ${JSON.stringify(e)} is not a valid span of a ${row.text.length}-character text`);
    }
  }
}

/** Rows of a span-labelled JSONL file (pii-train.jsonl's format); malformed rows are reported with their line. */
export function readSpanRows(path: string): SpanRow[] {
  return parseJsonl(readFileSync(path, "utf8"), path).map(({ line, value }) => {
    const row = value as SpanRow;
    try {
      checkRow(row, line);
    } catch (error) {
      throw new Error(`${path}:${line}: ${(error as Error).message}`);
    }
    return { text: row.text, entities: row.entities, source: typeof row.source === "string" ? row.source : "" };
  });
}

export function spanReport(
  rows: readonly SpanRow[],
  evaluator: { evaluate(args: EvaluateArgs): Verdict },
  options: SpanReportOptions = {},
): SpanReport {
  const types = new Set(options.types ?? PII_TYPES);
  const aliases = options.aliases ?? {};
  const groupOf = options.groupOf ?? sourceFamily;
  const all = new GroupTally();
  const groups = new Map<string, GroupTally>();
  const unscoredGold: Record<string, number> = {};
  const latencies: number[] = [];

  rows.forEach((row, index) => {
    checkRow(row, index);
    const group = groupOf(String(row.source ?? ""));
    let g = groups.get(group);
    if (!g) groups.set(group, (g = new GroupTally()));
    g.rows++;
    all.rows++;
    const started = performance.now();
    const verdict = evaluator.evaluate({ input: row.text });
    // The evaluator's own measurement when it reports one (it also holds for verdicts computed earlier).
    latencies.push(Number.isFinite(verdict.latencyMs) ? verdict.latencyMs : performance.now() - started);

    const gold = [];
    for (const e of row.entities) {
      const type = canonicalType(e.type, aliases);
      if (types.has(type)) gold.push({ start: e.start, end: e.end, type });
      else unscoredGold[type] = (unscoredGold[type] ?? 0) + 1;
    }
    const predicted = verdict.spans
      .map((s) => ({ start: s.start, end: s.end, type: canonicalType(s.label, aliases) }))
      .filter((s) => types.has(s.type));

    for (const p of predicted) {
      const hit = gold.some((e) => e.type === p.type && overlaps(e, p));
      for (const t of [all, g]) {
        t.add(p.type, "predicted");
        if (hit) t.add(p.type, "correct");
      }
    }
    for (const e of gold) {
      const hit = predicted.some((p) => p.type === e.type && overlaps(e, p));
      for (const t of [all, g]) {
        t.add(e.type, "gold");
        if (hit) t.add(e.type, "found");
      }
    }
  });

  latencies.sort((a, b) => a - b);
  const bySource: Record<string, SpanGroupReport> = {};
  for (const name of [...groups.keys()].sort()) bySource[name] = (groups.get(name) as GroupTally).report();
  return {
    ...all.report(),
    bySource,
    unscoredGold,
    latencyMs: {
      mean: latencies.reduce((a, b) => a + b, 0) / Math.max(1, latencies.length),
      p50: percentile(latencies, 0.5, 0),
      p99: percentile(latencies, 0.99, 0),
    },
  };
}

/** The span report of verdicts already made (one per row, in row order), e.g. each by a model that never saw its row. */
export function spanReportOfVerdicts(rows: readonly SpanRow[], verdicts: readonly Verdict[], options: SpanReportOptions = {}): SpanReport {
  if (verdicts.length !== rows.length) throw new Error(`spanReportOfVerdicts: ${verdicts.length} verdicts for ${rows.length} rows`);
  // spanReport evaluates the rows in order: hand back each row's verdict (its latency is the verdict's own).
  let next = 0;
  return spanReport(rows, { evaluate: () => verdicts[next++] as Verdict }, options);
}

function pct(x: number): string {
  return (100 * x).toFixed(1).padStart(6);
}

function table(group: SpanGroupReport, indent = ""): string[] {
  const lines = [`${indent}${"type".padEnd(16)} ${"gold".padStart(6)} ${"pred".padStart(6)}   prec%    rec%     F2%`];
  const row = (name: string, s: SpanScores) =>
    `${indent}${name.padEnd(16)} ${String(s.gold).padStart(6)} ${String(s.predicted).padStart(6)}  ${pct(s.precision)}  ${pct(s.recall)}  ${pct(s.f2)}`;
  for (const [type, s] of Object.entries(group.byType)) lines.push(row(type, s));
  lines.push(row("OVERALL", group.overall));
  return lines;
}

/** Plain-text tables: overall by type, then one per source family, then unscored gold and latency. */
export function formatSpanReport(report: SpanReport): string {
  const lines = [`span-level, overlap match (${report.rows} rows)`, ...table(report)];
  for (const [source, group] of Object.entries(report.bySource)) {
    lines.push("", `source ${source} (${group.rows} rows)`, ...table(group, "  "));
  }
  const unscored = Object.entries(report.unscoredGold);
  if (unscored.length > 0) lines.push("", `gold of unscored types: ${unscored.map(([t, n]) => `${t} ${n}`).join(", ")}`);
  const l = report.latencyMs;
  lines.push(`latency ms/row: mean ${l.mean.toFixed(3)}, p50 ${l.p50.toFixed(3)}, p99 ${l.p99.toFixed(3)}`);
  return lines.join("\n");
}
