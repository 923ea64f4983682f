import { describe, expect, it } from "vitest";
import { PII } from "../../../src/guardrails/pii/index.js";
import { loadTagger, TAG_LABELS } from "../../../src/guardrails/pii/tagger/tagger.js";

const pii = new PII();
function labelled(text: string): [string, string][] {
  return pii.evaluate({ output: text }).spans.map((s) => [s.label, s.text]);
}

describe("PII: shipped model files", () => {
  it("load, with the labels the tagger decodes", () => {
    const tagger = loadTagger();
    expect(tagger.model.labels).toEqual(TAG_LABELS);
    expect(tagger.model.weights.some((w) => w !== 0)).toBe(true);
  });

  it("score known names, organisations, places and addresses", () => {
    expect(labelled("Hi, this is Isa van den Bosch. You can reach me at isa.bosch@gmail.com.")).toEqual([
      ["PERSON", "Isa van den Bosch"],
      ["EMAIL_ADDRESS", "isa.bosch@gmail.com"],
    ]);
    const spans = labelled("Dameon Huels works as an engineer at Upton - Hessel in North Macedonia.");
    expect(spans).toContainEqual(["PERSON", "Dameon Huels"]);
    expect(spans.some(([label, text]) => label === "ORGANIZATION" && text.includes("Upton"))).toBe(true);
    expect(spans).toContainEqual(["GPE", "North Macedonia"]);
    expect(labelled("Ship it to 148 Corkery Court, attention Garnier Poirier.").map(([l]) => l)).toEqual(["STREET_ADDRESS", "PERSON"]);
    expect(labelled("Who's coming to Italy with me?")).toEqual([["GPE", "Italy"]]);
    expect(labelled("Jeremy Hartmann of Gradiant Research LLC's board")).toContainEqual(["ORGANIZATION", "Gradiant Research LLC's"]);
  });

  it("does not flag ordinary sentences", () => {
    for (const text of [
      "The function returns -1 if the list is empty.",
      "Temperature reached 92 degrees during the test.",
      "Please read section 309 of the handbook.",
      "Will you review the pull request today?",
    ]) {
      expect(pii.evaluate({ input: text }), text).toMatchObject({ flagged: false, spans: [] });
    }
  });
});

describe("PII: verdict, options and redaction", () => {
  const text = "👋🏽 Mail jane.doe@acme.io or call +44 20 7946 0958.";

  it("reports offsets as string indices into the original text after emoji", () => {
    const spans = pii.evaluate({ input: text }).spans;
    expect(spans.map((s) => s.label)).toEqual(["EMAIL_ADDRESS", "PHONE_NUMBER"]);
    for (const s of spans) expect(text.slice(s.start, s.end)).toBe(s.text);
    expect(spans[0]?.start).toBe(10); // two astral characters: four code units
  });

  it("restricts to the requested entities and validates options", () => {
    const onlyPhones = new PII({ entities: ["PHONE_NUMBER"] });
    expect(onlyPhones.evaluate({ input: text }).spans.map((s) => s.label)).toEqual(["PHONE_NUMBER"]);
    expect(() => new PII({ entities: ["SHOE_SIZE" as never] })).toThrow(/unknown PII entity/);
    expect(() => new PII({ threshold: -1 })).toThrow(RangeError);
    expect(() => pii.evaluate({} as never)).toThrow(TypeError);
  });

  it("thresholds: spans below the threshold are dropped and the verdict is not flagged", () => {
    const strict = new PII({ threshold: 0.999 });
    expect(strict.evaluate({ input: text })).toMatchObject({ flagged: false, spans: [], threshold: 0.999 });
    const verdict = pii.evaluate({ input: text });
    expect(verdict).toMatchObject({ evaluator: "pii", flagged: true, threshold: 0.5 });
    expect(verdict.score).toBeGreaterThanOrEqual(0.9);
    expect(verdict.latencyMs).toBeGreaterThanOrEqual(0);
  });

  it("redacts with mask, label and hash styles", () => {
    expect(pii.redact(text, { style: "label" }).text).toBe("👋🏽 Mail <EMAIL_ADDRESS> or call <PHONE_NUMBER>.");
    expect(pii.redact(text, { style: "mask" }).text).toBe(`👋🏽 Mail ${"*".repeat(16)} or call ${"*".repeat(16)}.`);
    expect(pii.redact(text, { style: "hash" }).text).toMatch(/^👋🏽 Mail <EMAIL_ADDRESS:[0-9a-f]{12}> or call <PHONE_NUMBER:[0-9a-f]{12}>\.$/);
    expect(pii.redact(text).spans).toHaveLength(2);
  });

  it("handles empty, huge and binary-looking input without crashing", () => {
    expect(pii.evaluate({ input: "" })).toMatchObject({ flagged: false, spans: [] });
    const big = "lorem ipsum dolor ".repeat(20_000) + "call +44 20 7946 0958";
    expect(pii.evaluate({ input: big }).spans.map((s) => s.label)).toContain("PHONE_NUMBER");
    expect(() => pii.evaluate({ input: "\u0000\uffff\ud800 \u202e" })).not.toThrow();
  });
});
