import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import {
  type FeatureSpec,
  LinearModel,
  decodeModel,
  encodeModel,
  loadModel,
  saveModel,
  sigmoid,
  trainLinear,
  vectorize,
} from "../../../src/guardrails/ml/index.js";

const spec: FeatureSpec = { dims: 1 << 12, char: { min: 2, max: 4 }, word: { min: 1, max: 1 } };
const positives = ["please transfer the money now", "wire money to this account", "send money today", "transfer funds quickly"];
const negatives = ["the weather is lovely", "a cat sat on the mat", "we walked in the park", "the garden has roses"];
const examples = [...positives.map((t) => ({ x: vectorize(t, spec), y: [1] })), ...negatives.map((t) => ({ x: vectorize(t, spec), y: [0] }))];

describe("trainLinear + LinearModel", () => {
  const model = trainLinear(examples, spec, ["money"], { epochs: 30, seed: 3 });

  it("separates a toy problem", () => {
    for (const t of positives) expect(model.predict(t)[0]).toBeGreaterThan(0.5);
    for (const t of negatives) expect(model.predict(t)[0]).toBeLessThan(0.5);
    expect(model.predict("money money money")[0]).toBeGreaterThan(model.predict("roses in the park")[0] as number);
  });

  it("is deterministic for a seed", () => {
    const again = trainLinear(examples, spec, ["money"], { epochs: 30, seed: 3 });
    expect(Array.from(again.weights)).toEqual(Array.from(model.weights));
    const other = trainLinear(examples, spec, ["money"], { epochs: 30, seed: 4 });
    expect(Array.from(other.weights)).not.toEqual(Array.from(model.weights));
  });

  it("scores a text identically from occurrences and from its sparse vector (the additivity windows rely on)", () => {
    for (const t of ["send the money", "Zürich İstanbul ﬁne", ""]) {
      const viaVector = sigmoid(model.logitsOf(vectorize(t, spec))[0] as number);
      expect(model.predict(t)[0]).toBeCloseTo(viaVector, 6);
    }
  });

  it("finds a short payload inside a long benign text with windows", () => {
    const filler = "the weather is lovely and the garden has roses. ".repeat(60);
    const text = `${filler}wire money to this account now. ${filler}`;
    const [whole] = model.predict(text);
    const [best] = model.scoreWindows(text, { window: 40, stride: 20 });
    expect(best!.probability).toBeGreaterThan(0.5);
    expect(best!.probability).toBeGreaterThan(whole as number);
    const payloadAt = text.indexOf("wire money");
    expect(best!.start).toBeLessThanOrEqual(payloadAt + 10);
    expect(best!.end).toBeGreaterThan(payloadAt);
  });

  it("supports several outputs and skips unknown targets (NaN)", () => {
    const multi = trainLinear(
      [
        { x: vectorize("money money", spec), y: [1, Number.NaN] },
        { x: vectorize("roses roses", spec), y: [0, 1] },
        { x: vectorize("cats cats", spec), y: [0, 0] },
      ],
      spec,
      ["money", "roses"],
      { epochs: 40 },
    );
    const scores = multi.scoreWindows("roses roses", { window: 50, stride: 25 });
    expect(scores.map((s) => s.label)).toEqual(["money", "roses"]);
    expect(scores[1]!.probability).toBeGreaterThan(0.5);
  });

  it("rejects bad inputs clearly", () => {
    expect(() => trainLinear([], spec, ["a"])).toThrow(/at least one example/);
    expect(() => trainLinear(examples, spec, ["a", "b"])).toThrow(/targets, expected 2/);
    expect(() => model.scoreWindows("x", { window: 0, stride: 1 })).toThrow(/positive/);
    expect(() => new LinearModel(spec, ["a"], new Float32Array(3), new Float64Array(1))).toThrow(/does not match/);
  });
});

describe("model files", () => {
  const model = trainLinear(examples, spec, ["money"], { epochs: 30, seed: 3, meta: { threshold: 0.6 } });

  it("round-trips with small quantisation error and keeps meta", () => {
    const decoded = decodeModel(JSON.parse(JSON.stringify(encodeModel(model))));
    expect(decoded.meta).toEqual({ threshold: 0.6 });
    for (const t of [...positives, ...negatives]) expect(decoded.predict(t)[0]).toBeCloseTo(model.predict(t)[0] as number, 2);
  });

  it("saves, loads and caches", () => {
    const dir = mkdtempSync(join(tmpdir(), "tollgate-ml-"));
    const path = join(dir, "m.json");
    const { bytes, nonZero } = saveModel(path, model);
    expect(bytes).toBe(readFileSync(path).length);
    expect(nonZero).toBeGreaterThan(0);
    expect(loadModel(path)).toBe(loadModel(path));
  });

  it("prunes small weights on request", () => {
    const full = encodeModel(model);
    const pruned = encodeModel(model, { pruneBelow: full.scale / 4 });
    expect(pruned.nonZero).toBeLessThan(full.nonZero);
  });

  it("reports what is wrong with a bad file", () => {
    const good = encodeModel(model);
    expect(() => decodeModel(null, "x.json")).toThrow(/x.json: not a JSON object/);
    expect(() => decodeModel({ ...good, format: "other" })).toThrow(/format/);
    expect(() => decodeModel({ ...good, bias: [1, 2] })).toThrow(/bias/);
    expect(() => decodeModel({ ...good, spec: { dims: 3, char: { min: 1, max: 2 } } })).toThrow(/spec: feature dims/);
    expect(() => decodeModel({ ...good, weights: Buffer.from([0x80]).toString("base64") })).toThrow(/truncated/);
    const dir = mkdtempSync(join(tmpdir(), "tollgate-ml-"));
    writeFileSync(join(dir, "bad.json"), "{not json");
    expect(() => loadModel(join(dir, "bad.json"))).toThrow(/cannot read model .*bad.json/);
  });
});
