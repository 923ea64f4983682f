// Reading labelled JSONL datasets. Every malformed line is reported with its file and line number.

import { readFileSync } from "node:fs";

/** A labelled text row as in ../shared/datasets: {text, label, source, ...extra fields}. */
export interface LabelledRow {
  text: string;
  label: number;
  source: string;
  /** 1-based line number in the file, for error messages and reports. */
  line: number;
  /** Other string fields of the row (category, lang...). */
  fields: Record<string, string>;
}

/** Parse JSONL text into objects; blank lines are skipped. */
export function parseJsonl(text: string, origin = "input"): { line: number; value: unknown }[] {
  const out: { line: number; value: unknown }[] = [];
  const lines = text.split("\n");
  for (let i = 0; i < lines.length; i++) {
    const raw = (lines[i] as string).trim();
    if (raw === "") continue;
    try {
      out.push({ line: i + 1, value: JSON.parse(raw) });
    } catch (error) {
      throw new Error(`${origin}:${i + 1}: invalid JSON (${(error as Error).message})`);
    }
  }
  return out;
}

export function readLabelledJsonl(path: string): LabelledRow[] {
  const rows: LabelledRow[] = [];
  for (const { line, value } of parseJsonl(readFileSync(path, "utf8"), path)) {
    if (typeof value !== "object" || value === null || Array.isArray(value)) throw new Error(`${path}:${line}: not a JSON object`);
    const record = value as Record<string, unknown>;
    if (typeof record.text !== "string") throw new Error(`${path}:${line}: "text" must be a string`);
    if (record.label !== 0 && record.label !== 1) throw new Error(`${path}:${line}: "label" must be 0 or 1`);
    const fields: Record<string, string> = {};
    for (const [key, v] of Object.entries(record)) if (typeof v === "string" && key !== "text" && key !== "source") fields[key] = v;
    rows.push({
      text: record.text,
      label: record.label,
      source: typeof record.source === "string" ? record.source : "unknown",
      line,
      fields,
    });
  }
  return rows;
}
