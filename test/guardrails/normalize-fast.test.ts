// normalize()'s shortcut for plain ASCII that needs no change must agree with the three whitespace replaces it
// skips, on every short string over the characters that matter.
import { describe, expect, it } from "vitest";
import { needsUnicodeNormalization, needsUnicodeNormalizationOf, normalize } from "../../src/guardrails/normalize.js";

const reference = (s: string): string =>
  s
    .replace(/[ \t\r\n]*[\r\n][ \t\r\n]*/g, "\n")
    .replace(/[ \t]{2,}|\t/g, " ")
    .replace(/^[ \n]+|[ \n]+$/g, "");

describe("normalize on plain ASCII", () => {
  it("matches the whitespace-collapsing replaces, with an identity mapping when nothing changes", () => {
    const alphabet = ["a", "b", " ", "\n", "\t", "\r"];
    const strings: string[] = [""];
    for (let length = 1; length <= 6; length++) {
      const total = alphabet.length ** length;
      for (let x = 0; x < total; x++) {
        let s = "";
        for (let k = 0, v = x; k < length; k++, v = Math.floor(v / alphabet.length)) s += alphabet[v % alphabet.length];
        strings.push(s);
      }
    }
    for (const s of strings) {
      const n = normalize(s);
      expect(n.text, JSON.stringify(s)).toBe(reference(s));
      if (n.text === s) {
        expect(Array.from(n.starts)).toEqual(Array.from({ length: s.length }, (_, i) => i));
        expect(Array.from(n.ends)).toEqual(Array.from({ length: s.length }, (_, i) => i + 1));
      }
    }
  });
});

describe("needsUnicodeNormalizationOf", () => {
  it("answers like needsUnicodeNormalization, for the text's own normalisation or another one", () => {
    const texts = ["", "plain", "plain ", " a  b\n", "café", "Ｉｇｎｏｒｅ", "a\u200bb", "tab\there"];
    for (const s of texts) {
      for (const other of texts) {
        expect(needsUnicodeNormalizationOf(s, normalize(other)), `${JSON.stringify(s)} / ${JSON.stringify(other)}`).toBe(needsUnicodeNormalization(s));
      }
    }
  });
});
