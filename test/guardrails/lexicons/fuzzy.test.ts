import { describe, expect, it } from "vitest";
import { FuzzyMatcher, blockedWords, vowelShape } from "../../../src/guardrails/lexicons/fuzzy.js";
import { type LexiconTerm, skeletonOf } from "../../../src/guardrails/lexicons/index.js";

const term = (t: string, weight = 1, lang = "en", tag?: string): LexiconTerm => ({ term: t, weight, lang, mode: "word", ...(tag ? { tag } : {}) });
const TERMS: LexiconTerm[] = [
  term("fucking"),
  term("fuck", 1, "mul"),
  term("threat", 1, "en", "hurt"),
  term("vermin", 1, "en", "dehuman"),
  term("scumbags"),
  term("cazzone", 1, "it"), // not English: never a fuzzy target
  term("tutorial", 1, "en", "howto"), // framing tags stay exact
  term("hore", 0.3), // below the profanity weight for fuzzy targets
];

const hits = (fuzzy: FuzzyMatcher, text: string): string[] => fuzzy.match(text, skeletonOf(text), []).map((h) => `${text.slice(h.start, h.end)}=${h.term}`);

describe("fuzzy lexicon matching", () => {
  const fuzzy = new FuzzyMatcher(TERMS, { format: "tollgate-fuzzy/1", blocked: ["threat"] });

  it("matches swapped, dropped and vowel-changed letters of English targets", () => {
    expect(hits(fuzzy, "you fcuking fvck")).toEqual(["fcuking=fucking", "fvck=fuck"]);
    expect(hits(fuzzy, "they are a thraet")).toEqual(["thraet=threat"]);
    expect(hits(fuzzy, "absolute vrmin")).toEqual(["vrmin=vermin"]);
  });

  it("matches run-together words with a whole target at one end", () => {
    expect(hits(fuzzy, "blackvermin like you, such massivescumbags")).toEqual(["blackvermin=vermin", "massivescumbags=scumbags"]);
  });

  it("leaves exact words, known words, short words and other targets alone", () => {
    expect(hits(fuzzy, "fuck")).toEqual([]); // exact: the lexicon matcher's job
    expect(hits(fuzzy, "pesa haus kanggo")).toEqual([]);
    expect(hits(fuzzy, "cazone cazzne")).toEqual([]);
    expect(hits(fuzzy, "tutroial hroe")).toEqual([]);
    const blocking = new FuzzyMatcher(TERMS, { format: "tollgate-fuzzy/1", blocked: ["thraet"] });
    expect(hits(blocking, "a thraet")).toEqual([]);
  });

  it("does not report a word an exact hit already covers", () => {
    const text = "fcuking idiot";
    expect(fuzzy.match(text, skeletonOf(text), [{ start: 0, end: 7, term: "x", weight: 1, lang: "en" }])).toEqual([]);
  });

  it("lists the known words a fuzzy rule would match, so they never do", () => {
    expect(blockedWords(TERMS, ["duck", "fack", "facking", "fucking", "thraet", "house"])).toEqual(["facking", "thraet"]);
    expect(vowelShape("fvck")).toBe(vowelShape("fuck"));
  });
});
