// Pins exact evaluator outputs (scores to the last bit, spans, normalisation and its index mapping) so that
// performance work cannot silently change a result. Regenerate pins.json only for a deliberate model change.
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { pinnedOutputs } from "./pins.helper.js";

describe("pinned evaluator outputs", () => {
  it("match pins.json exactly", () => {
    const expected = JSON.parse(readFileSync(new URL("./pins.json", import.meta.url), "utf8")) as Record<string, unknown>;
    const actual = JSON.parse(JSON.stringify(pinnedOutputs())) as Record<string, unknown>;
    for (const key of Object.keys(expected)) expect(actual[key], key).toEqual(expected[key]);
    expect(Object.keys(actual).sort()).toEqual(Object.keys(expected).sort());
  });
});
