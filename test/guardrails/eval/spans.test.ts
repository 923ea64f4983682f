import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { canonicalType, formatSpanReport, readSpanRows, type SpanRow, spanReport, sourceFamily } from "../../../src/guardrails/eval/spans.js";
import type { EvaluateArgs, Span, Verdict } from "../../../src/guardrails/types.js";

/** An evaluator that returns fixed spans per text. */
function fixed(byText: Record<string, Omit<Span, "text">[]>) {
  return {
    evaluate(args: EvaluateArgs): Verdict {
      const text = args.input ?? args.output ?? "";
      const spans = (byText[text] ?? []).map((s) => ({ ...s, text: text.slice(s.start, s.end) }));
      return { evaluator: "pii", score: spans.length ? 1 : 0, threshold: 0.5, flagged: spans.length > 0, spans, latencyMs: 0 };
    },
  };
}

const rows: SpanRow[] = [
  // PERSON found with a shorter span (overlap counts), LOCATION scored as GPE, a wrong-type prediction.
  {
    text: "Anna Berg lives in Oslo, call 555",
    entities: [
      { type: "PERSON", start: 0, end: 9 },
      { type: "GPE", start: 19, end: 23 },
      { type: "TITLE", start: 0, end: 4 },
    ],
    source: "a#1",
  },
  { text: "nothing here", entities: [], source: "b#7 (template 3)" },
];
const evaluator = fixed({
  "Anna Berg lives in Oslo, call 555": [
    { start: 0, end: 4, label: "PERSON" },
    { start: 19, end: 23, label: "LOCATION" },
    { start: 30, end: 33, label: "PHONE_NUMBER" },
  ],
  "nothing here": [{ start: 0, end: 7, label: "OPENAI_API_KEY" }],
});

describe("spanReport", () => {
  const report = spanReport(rows, evaluator);

  it("counts overlap matches per type, with aliases, precision over predictions and recall over gold", () => {
    expect(report.byType.PERSON).toMatchObject({ gold: 1, predicted: 1, correct: 1, found: 1, precision: 1, recall: 1, f2: 1 });
    expect(report.byType.GPE).toMatchObject({ gold: 1, found: 1, precision: 1 });
    expect(report.byType.PHONE_NUMBER).toMatchObject({ gold: 0, predicted: 1, correct: 0, precision: 0 });
    expect(report.byType.SECRET).toMatchObject({ predicted: 1, correct: 0 });
    expect(report.overall).toMatchObject({ gold: 2, found: 2, predicted: 4, correct: 2, recall: 1, precision: 0.5 });
    expect(report.overall.f2).toBeCloseTo((5 * 0.5 * 1) / (4 * 0.5 + 1), 10);
  });

  it("lists unscored gold types instead of scoring them, and groups rows by source family", () => {
    expect(report.unscoredGold).toEqual({ TITLE: 1 });
    expect(Object.keys(report.bySource)).toEqual(["a", "b"]);
    expect(report.bySource.b?.overall).toMatchObject({ gold: 0, predicted: 1 });
  });

  it("a prediction of the wrong type is both a false positive and a miss", () => {
    const r = spanReport([{ text: "Oslo", entities: [{ type: "GPE", start: 0, end: 4 }], source: "x" }], fixed({ Oslo: [{ start: 0, end: 4, label: "PERSON" }] }));
    expect(r.byType.GPE).toMatchObject({ found: 0, recall: 0 });
    expect(r.byType.PERSON).toMatchObject({ correct: 0, precision: 0 });
  });

  it("formats a readable table", () => {
    const text = formatSpanReport(report);
    expect(text).toMatch(/PERSON\s+1\s+1\s+100\.0\s+100\.0\s+100\.0/);
    expect(text).toContain("source a (1 rows)");
    expect(text).toContain("gold of unscored types: TITLE 1");
  });

  it("rejects malformed rows with the row named", () => {
    expect(() => spanReport([{ text: "ab", entities: [{ type: "PERSON", start: 1, end: 9 }], source: "" }], evaluator)).toThrow(/row 0/);
    expect(() => spanReport([{ text: 3 } as unknown as SpanRow], evaluator)).toThrow(TypeError);
  });
});

describe("helpers", () => {
  it("maps aliases and credential kinds to canonical types", () => {
    expect(canonicalType("LOCATION")).toBe("GPE");
    expect(canonicalType("GITHUB_TOKEN")).toBe("SECRET");
    expect(canonicalType("AWS_SECRET_ACCESS_KEY")).toBe("SECRET");
    expect(canonicalType("JWT")).toBe("SECRET");
    expect(canonicalType("PERSON")).toBe("PERSON");
    expect(canonicalType("city", { CITY: "LOCATION" })).toBe("LOCATION");
  });

  it("strips row suffixes from sources", () => {
    expect(sourceFamily("microsoft/presidio-research:data/x.json#12 (template_id 3)")).toBe("microsoft/presidio-research:data/x.json");
  });

  it("reads span rows from JSONL and names the bad line", () => {
    const dir = mkdtempSync(join(tmpdir(), "spans-"));
    const good = join(dir, "good.jsonl");
    writeFileSync(good, `${JSON.stringify(rows[0])}\n\n${JSON.stringify(rows[1])}\n`);
    expect(readSpanRows(good)).toHaveLength(2);
    const bad = join(dir, "bad.jsonl");
    writeFileSync(bad, `${JSON.stringify(rows[0])}\n{"text": "x", "entities": [{"type": "A", "start": 0, "end": 5}]}\n`);
    expect(() => readSpanRows(bad)).toThrow(/bad\.jsonl:2/);
  });
});
