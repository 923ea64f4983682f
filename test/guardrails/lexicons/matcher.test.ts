import { describe, expect, it } from "vitest";
import { lexiconFromJson, LexiconMatcher, type LexiconTerm, skeletonOf } from "../../../src/guardrails/lexicons/index.js";
import { lexiconView, PLACEHOLDERS } from "../../../src/guardrails/lexicons/view.js";

const term = (t: string, weight = 1, mode: LexiconTerm["mode"] = "word", lang = "en"): LexiconTerm => ({ term: t, weight, lang, mode });

const matcher = new LexiconMatcher([
  term("fuck"),
  term("shit"),
  term("ass", 0.6),
  term("hijo de puta", 1, "word", "es"),
  term("arsch", 0.6, "prefix", "de"),
  term("scheiße", 1, "sub", "de"),
  term("개새끼", 1, "sub", "ko"),
  term("他妈的", 1, "sub", "zh"),
]);

const found = (text: string): string[] => matcher.match(text).map((h) => text.slice(h.start, h.end));

describe("skeletonOf", () => {
  it("lowercases, reads leetspeak inside words only and maps back to the original text", () => {
    const s = skeletonOf("Sh1t costs $455!");
    expect(s.text).toBe("shit costs $455!");
    expect(s.origin[0]).toBe(0);
    expect(s.origin[s.text.length - 1]).toBe(15);
  });

  it("drops zero-width characters and folds full-width letters", () => {
    expect(skeletonOf("f\u200Buck").text).toBe("fuck");
    expect(skeletonOf("ｆｕｃｋ").text).toBe("fuck");
  });
});

describe("LexiconMatcher", () => {
  it("matches whole words, not substrings of innocent words", () => {
    expect(found("kiss my ass")).toEqual(["ass"]);
    expect(found("the class assessment")).toEqual([]);
  });

  it("sees through masking, leetspeak, stretching, spacing and zero-width characters", () => {
    expect(found("f*ck this")).toEqual(["f*ck"]);
    expect(found("sh!t happens")).toEqual(["sh!t"]);
    expect(found("fuuuuuck")).toEqual(["fuuuuuck"]);
    expect(found("f u c k you")).toEqual(["f u c k"]);
    expect(found("f.u.c.k")).toEqual(["f.u.c.k"]);
    expect(found("fu\u200Bck")).toEqual(["fu\u200Bck"]);
  });

  it("does not read a masked word with one visible letter or a plain number as a term", () => {
    expect(found("a*** and 455")).toEqual([]);
  });

  it("matches phrases, prefixes of compounds and substrings in scripts without spaces", () => {
    expect(found("eres un hijo de puta")).toEqual(["hijo de puta"]);
    expect(found("du Arschgeige")).toEqual(["Arschgeige"]);
    expect(found("so eine Kackscheiße")).toEqual(["scheiße"]);
    expect(found("이 개새끼야")).toEqual(["개새끼"]);
    expect(found("你他妈的")).toEqual(["他妈的"]);
  });

  it("reports spans as indices into the original text", () => {
    const text = "Well, F*CK.";
    const [hit] = matcher.match(text);
    expect(hit).toMatchObject({ start: 6, end: 10, term: "fuck", weight: 1 });
  });
});

describe("lexiconView", () => {
  it("replaces hits with tier placeholders and maps view positions back", () => {
    const text = "oh shit, ass";
    const view = lexiconView(text, matcher);
    expect(view.text).toBe(`oh  ${PLACEHOLDERS.strong} ,  ${PLACEHOLDERS.listed} `);
    expect(view.toOriginal(0)).toBe(0);
    expect(view.toOriginal(view.text.indexOf(","))).toBe(text.indexOf(","));
    expect(view.toOriginal(view.text.length)).toBe(text.length);
  });

  it("leaves a text without hits untouched", () => {
    expect(lexiconView("hello there", matcher).text).toBe("hello there");
  });
});

describe("lexiconFromJson", () => {
  it("rejects a malformed compiled lexicon with the offending path", () => {
    expect(() => lexiconFromJson({ format: "tollgate-lexicon/1", terms: [["x", 2, "en", "word"]] })).toThrow(/terms\.0\.1/);
    expect(() => lexiconFromJson(null)).toThrow(/invalid compiled lexicon/);
  });
});
