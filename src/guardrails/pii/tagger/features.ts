// Token features for the PII tagger: the word, its shape and affixes, gazetteer memberships and the structured
// entity it sits in, for the token and its neighbours. Each feature is hashed from small integers (template id,
// value hash), so no feature string is built at run time.

import { combineHashes, fmix32, fnv1a } from "../../ml/hash.js";
import { Gaz, GAZ_BITS, type Gazetteer } from "./gazetteer.js";
import { shapeOf, type Token } from "./tokens.js";

/** Labels of structured entities a token can be inside, as a small integer (0 = none). */
export const STRUCTURED_LABELS = ["", "EMAIL_ADDRESS", "PHONE_NUMBER", "CREDIT_CARD", "IBAN_CODE", "US_SSN", "IP_ADDRESS", "DATE_TIME", "SECRET"] as const;

export interface TokenContext {
  tokens: Token[];
  /** Per token: hashes of the word, shape, 3-prefix, 3-suffix and 4-suffix. */
  word: Uint32Array;
  shape: Uint32Array;
  prefix3: Uint32Array;
  suffix3: Uint32Array;
  suffix4: Uint32Array;
  /** Gaz bits. */
  gaz: Uint32Array;
  /** Index into STRUCTURED_LABELS. */
  structured: Uint8Array;
  /** 1 when the token starts with an upper-case letter. */
  capital: Uint8Array;
}

const PAD = 0x5bd1e995; // hash of the "outside the text" token

export function buildContext(text: string, tokens: Token[], gazetteer: Gazetteer, structured: Uint8Array): TokenContext {
  const n = tokens.length;
  const ctx: TokenContext = {
    tokens,
    word: new Uint32Array(n),
    shape: new Uint32Array(n),
    prefix3: new Uint32Array(n),
    suffix3: new Uint32Array(n),
    suffix4: new Uint32Array(n),
    gaz: gazetteer.flags(tokens),
    structured,
    capital: new Uint8Array(n),
  };
  for (let i = 0; i < n; i++) {
    const t = tokens[i] as Token;
    const w = t.lower;
    ctx.word[i] = fnv1a(w);
    ctx.shape[i] = fnv1a(shapeOf(text, t.start, t.end));
    ctx.prefix3[i] = fnv1a(w, 0x1234567, 0, Math.min(3, w.length));
    ctx.suffix3[i] = fnv1a(w, 0x2345678, Math.max(0, w.length - 3));
    ctx.suffix4[i] = fnv1a(w, 0x3456789, Math.max(0, w.length - 4));
    const first = text[t.start] as string;
    ctx.capital[i] = first !== first.toLowerCase() ? 1 : 0;
  }
  return ctx;
}

const enum T {
  Bias = 1,
  Word,
  Shape,
  Prefix3,
  Suffix3,
  Suffix4,
  Gaz,
  GazCapital,
  Structured,
  NewLine,
  SentenceStart,
  Length,
  BigramLeft,
  BigramRight,
  // Neighbour templates: base + offset slot.
  NeighbourWord = 32,
  NeighbourShape = 48,
  NeighbourGaz = 64,
  NeighbourStructured = 96,
}

const OFFSETS = [-3, -2, -1, 1, 2, 3] as const;

/**
 * Calls `emit` with the hashed feature index (masked to dims) of every feature of token i. Values are all 1,
 * so a token's logit is the sum of the weights of its indices.
 */
export function tokenFeatures(ctx: TokenContext, i: number, mask: number, emit: (index: number) => void): void {
  const n = ctx.tokens.length;
  const f = (template: number, value: number) => emit(fmix32(combineHashes(template, value)) & mask);
  const word = ctx.word[i] as number;
  f(T.Bias, 0);
  f(T.Word, word);
  f(T.Shape, ctx.shape[i] as number);
  f(T.Prefix3, ctx.prefix3[i] as number);
  f(T.Suffix3, ctx.suffix3[i] as number);
  f(T.Suffix4, ctx.suffix4[i] as number);
  const gaz = ctx.gaz[i] as number;
  const capital = ctx.capital[i] as number;
  for (let b = 0; b < GAZ_BITS; b++) {
    if (gaz & (1 << b)) {
      f(T.Gaz, b);
      f(T.GazCapital, b * 2 + capital);
    }
  }
  if (gaz === 0 || gaz === Gaz.CommonWord) f(T.GazCapital, 1000 + capital + (gaz ? 2 : 0));
  f(T.Structured, ctx.structured[i] as number);
  const token = ctx.tokens[i] as Token;
  if (token.newlineBefore) f(T.NewLine, 1);
  const previous = i > 0 ? (ctx.tokens[i - 1] as Token).lower : "";
  if (i === 0 || previous === "." || previous === "!" || previous === "?" || token.newlineBefore) f(T.SentenceStart, capital);
  f(T.Length, Math.min(token.end - token.start, 12));
  f(T.BigramLeft, combineHashes(i > 0 ? (ctx.word[i - 1] as number) : PAD, word));
  f(T.BigramRight, combineHashes(word, i + 1 < n ? (ctx.word[i + 1] as number) : PAD));
  for (let k = 0; k < OFFSETS.length; k++) {
    const j = i + (OFFSETS[k] as number);
    const inside = j >= 0 && j < n;
    if (Math.abs(OFFSETS[k] as number) <= 2) {
      f(T.NeighbourWord + k, inside ? (ctx.word[j] as number) : PAD);
      f(T.NeighbourShape + k, inside ? (ctx.shape[j] as number) : PAD);
      f(T.NeighbourStructured + k, inside ? (ctx.structured[j] as number) : 255);
    }
    if (!inside) continue;
    const g = ctx.gaz[j] as number;
    for (let b = 0; b < GAZ_BITS; b++) if (g & (1 << b)) f(T.NeighbourGaz + k, b * 2 + (ctx.capital[j] as number));
  }
}
