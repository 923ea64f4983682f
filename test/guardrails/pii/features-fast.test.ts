// The tagger's table-driven feature path must write exactly the indices of the reference tokenFeatures, in order.
import { describe, expect, it } from "vitest";
import { FeatureSlots, MAX_TOKEN_FEATURES, tokenFeatures, tokenFeaturesFast } from "../../../src/guardrails/pii/tagger/features.js";
import { contextOf } from "../../../src/guardrails/pii/tagger/tagger.js";
import { soleToken, tokenize } from "../../../src/guardrails/pii/tagger/tokens.js";
import { PIN_TEXTS } from "../ml/pins.helper.js";

describe("tokenFeaturesFast", () => {
  it("matches tokenFeatures index for index", () => {
    for (const dims of [2 ** 18, 2 ** 12]) {
      const slots = new FeatureSlots(dims - 1);
      for (const text of [...PIN_TEXTS, "O'Kon\n\nNew York, United Kingdom. 12 Main St. Springfield"]) {
        const ctx = contextOf(text, []);
        for (let i = 0; i < ctx.tokens.length; i++) {
          const a = new Int32Array(MAX_TOKEN_FEATURES);
          const b = new Int32Array(MAX_TOKEN_FEATURES);
          const n = tokenFeatures(ctx, i, dims - 1, a);
          expect(tokenFeaturesFast(ctx, i, slots, b)).toBe(n);
          expect(Array.from(b.subarray(0, n))).toEqual(Array.from(a.subarray(0, n)));
        }
      }
    }
  });
});

describe("soleToken", () => {
  it("finds the one token exactly when tokenize finds one", () => {
    for (const text of ["", " ", "Anna", " Anna ", "O'Kon", "New York", "St.", "a-b", "😀", "x😀", "D’Amore", "São", "  \n", "日本", "l'", "'l"]) {
      const tokens = tokenize(text);
      const sole = soleToken(text);
      if (tokens.length === 1) expect(sole, JSON.stringify(text)).toEqual({ start: tokens[0]?.start, end: tokens[0]?.end });
      else expect(sole, JSON.stringify(text)).toBeUndefined();
    }
  });
});
