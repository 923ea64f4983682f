import { describe, expect, it } from "vitest";
import { Toxicity } from "../../../src/guardrails/toxicity/index.js";

// These load the shipped weights and lexicon: they fail if the files are missing, corrupt or retrained badly.
const toxicity = new Toxicity();
const score = (text: string): number => toxicity.evaluate({ input: text }).score;

/** Each text's verdict is flagged (or not) as expected. */
function expectFlagged(texts: readonly string[], flagged: boolean): void {
  for (const text of texts) expect(toxicity.evaluate({ input: text }).flagged, text).toBe(flagged);
}

describe("Toxicity (shipped model)", () => {
  it("flags English insults, threats and hate", () => {
    expectFlagged([
      "You are a fucking idiot",
      "You are so stupid and ugly, nobody likes you",
      "All immigrants are vermin and should be exterminated",
    ], true);
  });

  it("flags obfuscated profanity: masks, leetspeak, spaced and stretched letters", () => {
    expectFlagged(["you f*ck1ng moron", "f u c k you", "fuuuuuck off", "sh1t head"], true);
  });

  it("scores toxicity in languages it has no training rows for", () => {
    expectFlagged([
      "Halt die Fresse, du Hurensohn",
      "Vai tomar no cu, seu filho da puta",
      "Eres un pendejo de mierda",
      "Va te faire foutre, connard",
      "이 개새끼야 꺼져",
    ], true);
  });

  it("scores insults without swear words, in languages the profanity lists barely cover", () => {
    expectFlagged([
      "You are so stupid and ugly, nobody likes you",
      "Du bist so dumm und hässlich, niemand mag dich",
      "너는 정말 멍청하고 못생겼어",
      "तुम बेवकूफ हो",
      "Bạn thật ngu ngốc",
      "Kamu bodoh sekali",
      "Wewe ni mjinga",
      "أنت غبي جدا",
      "你真是个蠢货",
      "Ты тупой урод",
    ], true);
  });

  it("scores threats and dehumanising statements", () => {
    expectFlagged(["People like you should be shot", "Immigrants are cockroaches", "I will kill you"], true);
  });

  it("does not flag very short everyday texts", () => {
    for (const text of ["lol", "a", "k", "ok", "no", "yes", "hi", "lmao", "nice"]) expect(score(text), text).toBeLessThan(0.3);
    // One lexicon word is still enough.
    expect(toxicity.evaluate({ input: "idiot" }).flagged).toBe(true);
  });

  it("leaves benign text in several languages alone", () => {
    expectFlagged([
      "Thanks for the help, the recipe was great!",
      "Wie komme ich zum Bahnhof?",
      "Como faço para assar um bolo de chocolate?",
      "오늘 날씨가 정말 좋네요",
      "¿Dónde está la biblioteca?",
      "The class assessment is due Monday",
      "I hate Mondays",
      "This bug is killing me",
      "Das ist ein dummer Fehler in meinem Code",
    ], false);
  });

  it("ranks an insult above the same sentence made polite", () => {
    expect(score("you are a worthless piece of shit")).toBeGreaterThan(score("you are a wonderful person"));
  });

  it("points its spans at the offending words", () => {
    const text = "Nice try, dumbass. Fuck off.";
    const verdict = toxicity.evaluate({ output: text });
    expect(verdict.flagged).toBe(true);
    const words = verdict.spans.map((s) => text.slice(s.start, s.end));
    expect(words).toContain("Fuck");
    for (const span of verdict.spans) expect(span.text).toBe(text.slice(span.start, span.end));
  });

  it("finds one insult inside a long, otherwise benign answer", () => {
    const filler = "The quarterly report covers revenue, costs and hiring plans for the next year. ".repeat(30);
    const verdict = toxicity.evaluate({ output: `${filler}Honestly, you are a fucking moron. ${filler}` });
    expect(verdict.flagged).toBe(true);
    expect(toxicity.evaluate({ output: filler }).flagged).toBe(false);
  });

  it("returns a well-formed verdict and honours a custom threshold", () => {
    const strict = new Toxicity({ threshold: 0.99 });
    const verdict = strict.evaluate({ input: "what a silly idea" });
    expect(verdict).toMatchObject({ evaluator: "toxicity", threshold: 0.99, flagged: false });
    expect(verdict.score).toBeGreaterThanOrEqual(0);
    expect(verdict.score).toBeLessThanOrEqual(1);
    expect(verdict.categories).toHaveProperty("profanity");
    expect(verdict.latencyMs).toBeGreaterThanOrEqual(0);
  });

  it("handles empty text and rejects bad input and bad options clearly", () => {
    expect(toxicity.evaluate({ input: "" }).flagged).toBe(false);
    expect(() => toxicity.evaluate({} as never)).toThrow(/input/);
    expect(() => new Toxicity({ threshold: 2 })).toThrow(/threshold/);
  });
});

describe("toxicity: obfuscation and other languages (hand-written cases)", () => {
  const tox = new Toxicity();
  it("flags obfuscated English insults and hate", () => {
    for (const text of ["you are a fcuking idiot", "you fvcking moron", "That is fitting for blackvermin like you."]) {
      expect(tox.evaluate({ input: text }).flagged, text).toBe(true);
    }
  });
  it("flags insults in German, Portuguese, Spanish and Korean, and leaves everyday sentences there alone", () => {
    for (const text of ["Du bist so ein dummer Idiot", "Você é um idiota inútil", "Eres un imbécil y un inútil", "너는 정말 멍청한 놈이야"]) {
      expect(tox.evaluate({ input: text }).flagged, text).toBe(true);
    }
    for (const text of ["Wie spät ist es in Berlin?", "Obrigado pela ajuda com o relatório", "¿Dónde está la estación de tren?", "오늘 날씨가 정말 좋네요", "Habari ya asubuhi, rafiki yangu"]) {
      expect(tox.evaluate({ input: text }).flagged, text).toBe(false);
    }
  });
});
