import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import {
  bestF1Threshold,
  binaryMetrics,
  groupKFold,
  leaveOneGroupOut,
  parseJsonl,
  percentile,
  readLabelledJsonl,
  rocAuc,
  seededRandom,
  thresholdForFpr,
} from "../../../src/guardrails/ml/index.js";

describe("metrics", () => {
  it("takes percentiles by nearest rank, and says what an empty list gives", () => {
    const sorted = [1, 2, 3, 4, 5, 6, 7, 8, 9, 10];
    expect([percentile(sorted, 0), percentile(sorted, 0.5), percentile(sorted, 0.99), percentile(sorted, 1)]).toEqual([1, 6, 10, 10]);
    expect(percentile(Float64Array.of(0.25, 0.5), 0.5)).toBe(0.5);
    expect(percentile([], 0.5)).toBeNaN();
    expect(percentile([], 0.5, 0)).toBe(0);
  });

  it("computes the confusion-matrix metrics", () => {
    const m = binaryMetrics([1, 1, 1, 0, 0, 0, 0], [0.9, 0.8, 0.2, 0.7, 0.1, 0.1, 0.0], 0.5);
    expect(m).toMatchObject({ tp: 2, fn: 1, fp: 1, tn: 3, positives: 3, negatives: 4 });
    expect(m.precision).toBeCloseTo(2 / 3);
    expect(m.recall).toBeCloseTo(2 / 3);
    expect(m.f1).toBeCloseTo(2 / 3);
    expect(m.fpr).toBeCloseTo(1 / 4);
  });

  it("computes ROC AUC with ties counted half, NaN for one class", () => {
    expect(rocAuc([1, 0], [0.9, 0.1])).toBe(1);
    expect(rocAuc([1, 0], [0.1, 0.9])).toBe(0);
    expect(rocAuc([1, 0], [0.5, 0.5])).toBe(0.5);
    expect(rocAuc([1, 1, 0, 0], [0.8, 0.4, 0.6, 0.2])).toBe(0.75);
    expect(rocAuc([1, 1], [0.2, 0.3])).toBeNaN();
  });

  it("finds the F1-optimal threshold and an FPR-bounded threshold", () => {
    const labels = [1, 1, 1, 0, 0, 0];
    const scores = [0.9, 0.8, 0.6, 0.7, 0.2, 0.1];
    expect(bestF1Threshold(labels, scores)).toEqual({ threshold: 0.6, f1: expect.closeTo(6 / 7, 6) });
    const t = thresholdForFpr(labels, scores, 0);
    expect(binaryMetrics(labels, scores, t).fp).toBe(0);
    expect(t).toBeGreaterThan(0.7);
  });

  it("rejects mismatched lengths", () => {
    expect(() => binaryMetrics([1], [0.1, 0.2], 0.5)).toThrow(/differ in length/);
  });
});

describe("group cross-validation", () => {
  const rows = Array.from({ length: 30 }, (_, i) => ({ id: i, group: `g${i % 5}` }));

  it("leaves one group out per fold", () => {
    const folds = leaveOneGroupOut(rows, (r) => r.group);
    expect(folds.map((f) => f.name)).toEqual(["g0", "g1", "g2", "g3", "g4"]);
    for (const f of folds) {
      expect(f.test.every((r) => r.group === f.name)).toBe(true);
      expect(f.train.some((r) => r.group === f.name)).toBe(false);
      expect(f.train.length + f.test.length).toBe(rows.length);
    }
    expect(() => leaveOneGroupOut(rows, () => "same")).toThrow(/two groups/);
  });

  it("keeps groups whole in k folds and covers every row once", () => {
    const folds = groupKFold(rows, (r) => r.group, 3, 9);
    const seen = folds.flatMap((f) => f.test.map((r) => r.id)).sort((a, b) => a - b);
    expect(seen).toEqual(rows.map((r) => r.id));
    for (const f of folds) {
      const testGroups = new Set(f.test.map((r) => r.group));
      expect(f.train.some((r) => testGroups.has(r.group))).toBe(false);
    }
    expect(() => groupKFold(rows, (r) => r.group, 6)).toThrow(/at least 6 groups/);
  });
});

describe("jsonl and rng", () => {
  it("reads labelled rows and reports the bad line", () => {
    const dir = mkdtempSync(join(tmpdir(), "tollgate-jsonl-"));
    const good = join(dir, "good.jsonl");
    writeFileSync(good, '{"text":"a","label":1,"source":"s","lang":"en"}\n\n{"text":"b","label":0}\n');
    expect(readLabelledJsonl(good)).toEqual([
      { text: "a", label: 1, source: "s", line: 1, fields: { lang: "en" } },
      { text: "b", label: 0, source: "unknown", line: 3, fields: {} },
    ]);
    const bad = join(dir, "bad.jsonl");
    writeFileSync(bad, '{"text":"a","label":1}\n{"text":"b","label":2}\n');
    expect(() => readLabelledJsonl(bad)).toThrow(/bad.jsonl:2: "label" must be 0 or 1/);
    expect(() => parseJsonl('{"a":1}\n{oops', "x")).toThrow(/x:2: invalid JSON/);
  });

  it("generates a reproducible sequence in [0, 1)", () => {
    const a = seededRandom(42);
    const b = seededRandom(42);
    const xs = Array.from({ length: 100 }, () => a());
    expect(xs).toEqual(Array.from({ length: 100 }, () => b()));
    expect(xs.every((x) => x >= 0 && x < 1)).toBe(true);
    expect(new Set(xs).size).toBe(100);
  });
});
