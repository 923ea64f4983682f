// Token features for the PII tagger: the word, its shape and affixes, gazetteer memberships and the structured
// entity it sits in, for the token and its neighbours. Each feature is hashed from small integers (template id,
// value hash), so no feature string is built at run time.

import { combineHashes, fmix32, fnv1a } from "../../ml/hash.js";
import { Gaz, GAZ_BITS, type GazMemo, type Gazetteer } from "./gazetteer.js";
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
  /** Per token: its cached per-word values (shared by every token with the same text). */
  info: WordInfo[];
}

/**
 * Everything about a token that depends on its text alone, computed once per distinct token text and cached across
 * calls: the hashes above, and the model's slot indices of the word's own features once a tagger has asked for them.
 */
export interface WordInfo extends GazMemo {
  word: number;
  shape: number;
  prefix3: number;
  suffix3: number;
  suffix4: number;
  capital: number;
  /** Length feature value: min(token length, 12). */
  length: number;
  /** The mask `slots` were computed for (-1: none yet). */
  slotsMask: number;
  /** [Word, Shape, Prefix3, Suffix3, Suffix4, NeighbourWord k=1..4, NeighbourShape k=1..4, Length] slot indices. */
  slots: Int32Array;
}

// Token texts repeat (Zipf): the per-word hashes and shape come from this cache. It is cleared when full, so memory
// stays bounded (about 20 K entries of some 150 bytes) whatever the traffic.
const wordCache = new Map<string, WordInfo>();
const WORD_CACHE_LIMIT = 20_000;

function wordInfo(text: string, start: number, end: number, lower: string): WordInfo {
  const raw = text.slice(start, end);
  let info = wordCache.get(raw);
  if (info !== undefined) return info;
  const first = raw[0] as string;
  info = {
    word: fnv1a(lower),
    shape: fnv1a(shapeOf(raw, 0, raw.length)),
    prefix3: fnv1a(lower, 0x1234567, 0, Math.min(3, lower.length)),
    suffix3: fnv1a(lower, 0x2345678, Math.max(0, lower.length - 3)),
    suffix4: fnv1a(lower, 0x3456789, Math.max(0, lower.length - 4)),
    capital: first !== first.toLowerCase() ? 1 : 0,
    length: Math.min(end - start, 12),
    slotsMask: -1,
    slots: new Int32Array(14),
    gazOwner: undefined,
    gazBits: 0,
    phraseStart: false,
  };
  if (wordCache.size >= WORD_CACHE_LIMIT) wordCache.clear();
  wordCache.set(raw, info);
  return info;
}

const PAD = 0x5bd1e995; // hash of the "outside the text" token

export function buildContext(text: string, tokens: Token[], gazetteer: Gazetteer, structured: Uint8Array): TokenContext {
  const n = tokens.length;
  const info = new Array<WordInfo>(n);
  for (let i = 0; i < n; i++) {
    const t = tokens[i] as Token;
    info[i] = wordInfo(text, t.start, t.end, t.lower);
  }
  const ctx: TokenContext = {
    tokens,
    word: new Uint32Array(n),
    shape: new Uint32Array(n),
    prefix3: new Uint32Array(n),
    suffix3: new Uint32Array(n),
    suffix4: new Uint32Array(n),
    gaz: gazetteer.flags(tokens, info),
    structured,
    capital: new Uint8Array(n),
    info,
  };
  for (let i = 0; i < n; i++) {
    const w = info[i] as WordInfo;
    ctx.word[i] = w.word;
    ctx.shape[i] = w.shape;
    ctx.prefix3[i] = w.prefix3;
    ctx.suffix3[i] = w.suffix3;
    ctx.suffix4[i] = w.suffix4;
    ctx.capital[i] = w.capital;
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

/**
 * The slot indices of every (template, value) pair tokenFeatures can produce from a small value set, for one mask:
 * with these and the per-word slots in WordInfo, tokenFeaturesFast only hashes the two bigrams per token.
 */
export class FeatureSlots {
  readonly bias: number;
  readonly gaz: Int32Array;
  readonly gazCapital: Int32Array;
  readonly gazCapitalNone: Int32Array;
  readonly structured: Int32Array;
  readonly newLine: number;
  readonly sentenceStart: Int32Array;
  /** Per offset slot k (0..5): the PAD word / shape slots, structured slots (index 256 for "outside"), gaz slots. */
  readonly neighbourWordPad: Int32Array;
  readonly neighbourShapePad: Int32Array;
  readonly neighbourStructured: Int32Array;
  readonly neighbourGaz: Int32Array;

  constructor(readonly mask: number) {
    this.bias = slot(T.Bias, 0, mask);
    this.gaz = Int32Array.from({ length: GAZ_BITS }, (_, b) => slot(T.Gaz, b, mask));
    this.gazCapital = Int32Array.from({ length: 2 * GAZ_BITS }, (_, v) => slot(T.GazCapital, v, mask));
    this.gazCapitalNone = Int32Array.from({ length: 4 }, (_, v) => slot(T.GazCapital, 1000 + v, mask));
    this.structured = Int32Array.from({ length: 256 }, (_, v) => slot(T.Structured, v, mask));
    this.newLine = slot(T.NewLine, 1, mask);
    this.sentenceStart = Int32Array.from({ length: 2 }, (_, c) => slot(T.SentenceStart, c, mask));
    const K = OFFSETS.length;
    this.neighbourWordPad = Int32Array.from({ length: K }, (_, k) => slot(T.NeighbourWord + k, PAD, mask));
    this.neighbourShapePad = Int32Array.from({ length: K }, (_, k) => slot(T.NeighbourShape + k, PAD, mask));
    this.neighbourStructured = Int32Array.from({ length: K * 257 }, (_, x) => slot(T.NeighbourStructured + Math.floor(x / 257), x % 257 === 256 ? 255 : x % 257, mask));
    this.neighbourGaz = Int32Array.from({ length: K * 2 * GAZ_BITS }, (_, x) => slot(T.NeighbourGaz + Math.floor(x / (2 * GAZ_BITS)), x % (2 * GAZ_BITS), mask));
  }

  /** The per-word slots of `info` for this mask (computed on first use, then cached on the word). */
  wordSlots(info: WordInfo): Int32Array {
    const s = info.slots;
    if (info.slotsMask === this.mask) return s;
    const mask = this.mask;
    s[0] = slot(T.Word, info.word, mask);
    s[1] = slot(T.Shape, info.shape, mask);
    s[2] = slot(T.Prefix3, info.prefix3, mask);
    s[3] = slot(T.Suffix3, info.suffix3, mask);
    s[4] = slot(T.Suffix4, info.suffix4, mask);
    for (let k = 1; k <= 4; k++) {
      s[4 + k] = slot(T.NeighbourWord + k, info.word, mask);
      s[8 + k] = slot(T.NeighbourShape + k, info.shape, mask);
    }
    s[13] = slot(T.Length, info.length, mask);
    info.slotsMask = mask;
    return s;
  }
}

/**
 * Exactly the indices tokenFeatures writes, in the same order (so sums over them are bit-identical), from the
 * precomputed slots. ctx.structured values must be below 255 (STRUCTURED_LABELS indices).
 */
export function tokenFeaturesFast(ctx: TokenContext, i: number, slots: FeatureSlots, out: Int32Array): number {
  const n = ctx.tokens.length;
  const mask = slots.mask;
  const info = ctx.info;
  let count = 0;
  const own = slots.wordSlots(info[i] as WordInfo);
  const word = ctx.word[i] as number;
  out[count++] = slots.bias;
  out[count++] = own[0] as number;
  out[count++] = own[1] as number;
  out[count++] = own[2] as number;
  out[count++] = own[3] as number;
  out[count++] = own[4] as number;
  const gaz = ctx.gaz[i] as number;
  const capital = ctx.capital[i] as number;
  for (let g = gaz; g !== 0; g &= g - 1) {
    const b = 31 - Math.clz32(g & -g);
    out[count++] = slots.gaz[b] as number;
    out[count++] = slots.gazCapital[b * 2 + capital] as number;
  }
  if (gaz === 0 || gaz === Gaz.CommonWord) out[count++] = slots.gazCapitalNone[capital + (gaz ? 2 : 0)] as number;
  out[count++] = slots.structured[ctx.structured[i] as number] as number;
  const token = ctx.tokens[i] as Token;
  if (token.newlineBefore) out[count++] = slots.newLine;
  const previous = i > 0 ? (ctx.tokens[i - 1] as Token).lower : "";
  if (i === 0 || previous === "." || previous === "!" || previous === "?" || token.newlineBefore) out[count++] = slots.sentenceStart[capital] as number;
  out[count++] = own[13] as number;
  out[count++] = slot(T.BigramLeft, combineHashes(i > 0 ? (ctx.word[i - 1] as number) : PAD, word), mask);
  out[count++] = slot(T.BigramRight, combineHashes(word, i + 1 < n ? (ctx.word[i + 1] as number) : PAD), mask);
  const G2 = 2 * GAZ_BITS;
  for (let k = 0; k < 6; k++) {
    const j = i + (k < 3 ? k - 3 : k - 2);
    const inside = j >= 0 && j < n;
    if (k >= 1 && k <= 4) {
      if (inside) {
        const theirs = slots.wordSlots(info[j] as WordInfo);
        out[count++] = theirs[4 + k] as number;
        out[count++] = theirs[8 + k] as number;
        out[count++] = slots.neighbourStructured[k * 257 + (ctx.structured[j] as number)] as number;
      } else {
        out[count++] = slots.neighbourWordPad[k] as number;
        out[count++] = slots.neighbourShapePad[k] as number;
        out[count++] = slots.neighbourStructured[k * 257 + 256] as number;
      }
    }
    if (!inside) continue;
    const capitalJ = ctx.capital[j] as number;
    for (let g = ctx.gaz[j] as number; g !== 0; g &= g - 1) {
      const b = 31 - Math.clz32(g & -g);
      out[count++] = slots.neighbourGaz[k * G2 + b * 2 + capitalJ] as number;
    }
  }
  return count;
}
