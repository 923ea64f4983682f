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
/** Upper bound of features per token (buffer size for tokenFeatures). */
export const MAX_TOKEN_FEATURES = 16 + 2 * GAZ_BITS + 1 + OFFSETS.length * (3 + GAZ_BITS);

/** Hashed index of (template, value): one multiply to separate templates, one avalanche. */
function slot(template: number, value: number, mask: number): number {
  return fmix32(Math.imul(template, 0x9e3779b1) ^ value) & mask;
}

/**
 * Writes the hashed feature indices (masked to dims) of token i into `out` and returns how many. Values are
 * all 1, so a token's logit is the sum of the weights at these indices. No allocation: this runs per token.
 */
export function tokenFeatures(ctx: TokenContext, i: number, mask: number, out: Int32Array): number {
  const n = ctx.tokens.length;
  let count = 0;
  const word = ctx.word[i] as number;
  out[count++] = slot(T.Bias, 0, mask);
  out[count++] = slot(T.Word, word, mask);
  out[count++] = slot(T.Shape, ctx.shape[i] as number, mask);
  out[count++] = slot(T.Prefix3, ctx.prefix3[i] as number, mask);
  out[count++] = slot(T.Suffix3, ctx.suffix3[i] as number, mask);
  out[count++] = slot(T.Suffix4, ctx.suffix4[i] as number, mask);
  const gaz = ctx.gaz[i] as number;
  const capital = ctx.capital[i] as number;
  for (let g = gaz; g !== 0; g &= g - 1) {
    const b = 31 - Math.clz32(g & -g);
    out[count++] = slot(T.Gaz, b, mask);
    out[count++] = slot(T.GazCapital, b * 2 + capital, mask);
  }
  if (gaz === 0 || gaz === Gaz.CommonWord) out[count++] = slot(T.GazCapital, 1000 + capital + (gaz ? 2 : 0), mask);
  out[count++] = slot(T.Structured, ctx.structured[i] as number, mask);
  const token = ctx.tokens[i] as Token;
  if (token.newlineBefore) out[count++] = slot(T.NewLine, 1, mask);
  const previous = i > 0 ? (ctx.tokens[i - 1] as Token).lower : "";
  if (i === 0 || previous === "." || previous === "!" || previous === "?" || token.newlineBefore) out[count++] = slot(T.SentenceStart, capital, mask);
  out[count++] = slot(T.Length, Math.min(token.end - token.start, 12), mask);
  out[count++] = slot(T.BigramLeft, combineHashes(i > 0 ? (ctx.word[i - 1] as number) : PAD, word), mask);
  out[count++] = slot(T.BigramRight, combineHashes(word, i + 1 < n ? (ctx.word[i + 1] as number) : PAD), mask);
  for (let k = 0; k < OFFSETS.length; k++) {
    const offset = OFFSETS[k] as number;
    const j = i + offset;
    const inside = j >= 0 && j < n;
    if (offset >= -2 && offset <= 2) {
      out[count++] = slot(T.NeighbourWord + k, inside ? (ctx.word[j] as number) : PAD, mask);
      out[count++] = slot(T.NeighbourShape + k, inside ? (ctx.shape[j] as number) : PAD, mask);
      out[count++] = slot(T.NeighbourStructured + k, inside ? (ctx.structured[j] as number) : 255, mask);
    }
    if (!inside) continue;
    const capitalJ = ctx.capital[j] as number;
    for (let g = ctx.gaz[j] as number; g !== 0; g &= g - 1) {
      const b = 31 - Math.clz32(g & -g);
      out[count++] = slot(T.NeighbourGaz + k, b * 2 + capitalJ, mask);
    }
  }
  return count;
}
