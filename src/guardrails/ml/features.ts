// Hashed n-gram features. Every feature is an occurrence of a character n-gram or a word n-gram at a position
// of the text; its index is a hash into a fixed space of `dims` slots. The feature value of an index is its count
// divided by the square root of the number of occurrences in its namespace (char or word), so a text's logit is a
// plain sum of per-occurrence weights, scaled per namespace. That additivity is what lets the windowed scorer
// (linear.ts) score every window of a long text from prefix sums in one pass.

import { FNV_OFFSET, fmix32 } from "./hash.js";

/** An inclusive range of n-gram lengths. */
export interface NgramRange {
  min: number;
  max: number;
}

export interface FeatureSpec {
  /** Size of the hashed feature space; a power of two. */
  dims: number;
  /** Character n-grams (code units, lowercased, the text padded with one space each side). */
  char?: NgramRange;
  /** Word n-grams over runs of letters, marks and digits (lowercased). */
  word?: NgramRange;
}

/** Which n-gram family a feature occurrence belongs to; each is normalised separately. */
export const Namespace = { Char: 0, Word: 1 } as const;
export type Namespace = (typeof Namespace)[keyof typeof Namespace];

/** Called once per feature occurrence: hashed index, namespace, and the start position in the original text. */
export type FeatureVisitor = (index: number, namespace: Namespace, position: number) => void;

/** Sparse vector: sorted unique indices and their values. */
export interface SparseVector {
  indices: Int32Array;
  values: Float32Array;
}

const CHAR_SEED = fmix32(FNV_OFFSET ^ 0x63686172);
const WORD_SEED = fmix32(FNV_OFFSET ^ 0x776f7264);
const MAX_NGRAM = 16;
// The hot loops below inline their hashing (FNV-1a steps, then Fibonacci hashing: multiply by 2^32/φ and keep the
// top bits) instead of calling hash.ts: calls across modules are not reliably inlined under every loader (tsx
// runs them several times slower), and these loops run once per n-gram.
const FNV_PRIME = 0x01000193;
const GOLDEN = 0x9e3779b1 | 0;

/** Throws a clear error for a spec that would silently produce nonsense (zero dims, inverted ranges). */
export function validateFeatureSpec(spec: FeatureSpec): void {
  const { dims } = spec;
  if (!Number.isInteger(dims) || dims < 2 || dims > 1 << 26 || (dims & (dims - 1)) !== 0) {
    throw new RangeError(`feature dims must be a power of two between 2 and 2^26, got ${dims}`);
  }
  if (!spec.char && !spec.word) throw new RangeError("feature spec needs char and/or word n-grams");
  for (const [name, range] of [["char", spec.char], ["word", spec.word]] as const) {
    if (!range) continue;
    if (!Number.isInteger(range.min) || !Number.isInteger(range.max) || range.min < 1 || range.max < range.min || range.max > MAX_NGRAM) {
      throw new RangeError(`${name} n-gram range must satisfy 1 <= min <= max <= ${MAX_NGRAM}, got ${range.min}..${range.max}`);
    }
  }
}

// Lowercasing per code unit keeps positions aligned with the input (String#toLowerCase can change the length,
// e.g. U+0130). Code units whose lowercase is not a single code unit are kept as they are.
let lowerTable: Uint16Array | undefined;
function lowerCaseTable(): Uint16Array {
  if (lowerTable) return lowerTable;
  const table = new Uint16Array(65536);
  for (let c = 0; c < 65536; c++) {
    if (c < 128) {
      table[c] = c >= 65 && c <= 90 ? c + 32 : c;
    } else if (c >= 0xd800 && c <= 0xdfff) {
      table[c] = c;
    } else {
      const lower = String.fromCharCode(c).toLowerCase();
      table[c] = lower.length === 1 ? lower.charCodeAt(0) : c;
    }
  }
  lowerTable = table;
  return table;
}

/** Letters, combining marks and digits form words; everything else separates them. */
function isWordUnit(c: number): boolean {
  if (c < 128) return (c >= 48 && c <= 57) || (c >= 97 && c <= 122) || (c >= 65 && c <= 90) || c === 95;
  return WORD_CHAR.test(String.fromCharCode(c));
}
const WORD_CHAR = /[\p{L}\p{M}\p{N}]/u;

// Word-character test per code unit is cached the same way as lowercase: one regex call per code unit ever.
let wordTable: Uint8Array | undefined;
function wordUnitTable(): Uint8Array {
  if (wordTable) return wordTable;
  const table = new Uint8Array(65536);
  for (let c = 0; c < 65536; c++) table[c] = c >= 0xd800 && c <= 0xdfff ? 1 : isWordUnit(c) ? 1 : 0;
  wordTable = table;
  return table;
}

/**
 * All feature occurrences of a text in flat typed arrays: char occurrences occupy [0, charCount), word occurrences
 * [charCount, charCount + wordCount). Filling arrays instead of calling a visitor keeps the hot loops monomorphic,
 * which is worth several times the speed in V8.
 */
export interface FeatureOccurrences {
  index: Int32Array;
  position: Int32Array;
  charCount: number;
  wordCount: number;
}

let scratchIndex = new Int32Array(4096);
let scratchPosition = new Int32Array(4096);
let scratchTokenHash = new Int32Array(512);
let scratchTokenStart = new Int32Array(512);

function ensureScratch(size: number): void {
  if (scratchIndex.length >= size) return;
  let n = scratchIndex.length;
  while (n < size) n *= 2;
  scratchIndex = new Int32Array(n);
  scratchPosition = new Int32Array(n);
}

const GRAM_SCRATCH = new Int32Array(MAX_NGRAM);

/**
 * Hashed slots of the char n-grams of lengths min..max starting at position i (-1 and text.length read as the
 * padding space) into out; returns how many were written.
 */
function charGramSlots(text: string, lower: Uint16Array, i: number, min: number, max: number, shift: number, out: Int32Array): number {
  const length = text.length;
  let h = CHAR_SEED;
  let count = 0;
  for (let k = 1; k <= max; k++) {
    const at = i + k - 1;
    if (at > length) break;
    const c = at < 0 || at === length ? 32 : (lower[text.charCodeAt(at)] as number);
    h = Math.imul(h ^ c, FNV_PRIME);
    if (k >= min) out[count++] = Math.imul(h ^ k, GOLDEN) >>> shift;
  }
  return count;
}

/** Hash each word (run of letters/marks/digits, lowercased) into scratchTokenHash/Start; returns the count. */
function hashWords(text: string): number {
  const lower = lowerCaseTable();
  const words = wordUnitTable();
  const length = text.length;
  if (scratchTokenHash.length < length + 1) {
    scratchTokenHash = new Int32Array(length + 1);
    scratchTokenStart = new Int32Array(length + 1);
  }
  let tokens = 0;
  let i = 0;
  while (i < length) {
    if (words[text.charCodeAt(i)] !== 1) {
      i++;
      continue;
    }
    const start = i;
    let h = WORD_SEED;
    while (i < length && words[text.charCodeAt(i)] === 1) {
      h = Math.imul(h ^ (lower[text.charCodeAt(i)] as number), FNV_PRIME);
      i++;
    }
    scratchTokenHash[tokens] = Math.imul(h ^ (h >>> 15), GOLDEN);
    scratchTokenStart[tokens] = start;
    tokens++;
  }
  return tokens;
}

/**
 * Extract every feature occurrence of `text`. Positions are indices into `text` (the virtual leading space maps
 * to 0, the trailing one to text.length). The returned arrays are shared scratch space, valid until the next call:
 * copy what must outlive it.
 */
export function extractFeatures(text: string, spec: FeatureSpec): FeatureOccurrences {
  const lower = lowerCaseTable();
  const shift = 32 - Math.log2(spec.dims);
  const length = text.length;
  const charRange = spec.char;
  const wordRange = spec.word;
  const charPerPosition = charRange ? charRange.max - charRange.min + 1 : 0;
  const wordPerToken = wordRange ? wordRange.max - wordRange.min + 1 : 0;
  ensureScratch((length + 2) * charPerPosition + (length + 1) * wordPerToken + 16);
  const index = scratchIndex;
  const position = scratchPosition;
  let n = 0;
  if (charRange) {
    const { min, max } = charRange;
    // Virtual padding: position -1 and `length` read as a space so that word starts and ends form n-grams.
    const grams = GRAM_SCRATCH;
    for (let i = -1; i <= length; i++) {
      const at0 = i < 0 ? 0 : i;
      const count = charGramSlots(text, lower, i, min, max, shift, grams);
      for (let g = 0; g < count; g++) {
        index[n] = grams[g] as number;
        position[n] = at0;
        n++;
      }
    }
  }
  const charCount = n;
  if (wordRange) {
    const { min, max } = wordRange;
    const tokens = hashWords(text);
    const tokenHash = scratchTokenHash;
    const tokenStart = scratchTokenStart;
    for (let t = 0; t < tokens; t++) {
      let h = 0;
      for (let k = 1; k <= max && t + k - 1 < tokens; k++) {
        h = k === 1 ? (tokenHash[t] as number) : Math.imul(h ^ (h >>> 13), FNV_PRIME) ^ (tokenHash[t + k - 1] as number);
        if (k >= min) {
          index[n] = Math.imul(h ^ Math.imul(k, 0x27d4eb2d), GOLDEN) >>> shift;
          position[n] = tokenStart[t] as number;
          n++;
        }
      }
    }
  }
  return { index, position, charCount, wordCount: n - charCount };
}

/**
 * Single-output scoring pass fused with extraction (no occurrence arrays written and re-read): adds each
 * occurrence's weight into sums[position + 1] and counts it in counts[position + 1], char and word namespaces
 * separately. Arrays must have text.length + 2 slots and start zeroed. Used by LinearModel.windowLogits.
 */
export function accumulateFeatureWeights(
  text: string,
  spec: FeatureSpec,
  weights: Float32Array,
  charSums: Float64Array,
  charCounts: Int32Array,
  wordSums: Float64Array,
  wordCounts: Int32Array,
): void {
  const lower = lowerCaseTable();
  const shift = 32 - Math.log2(spec.dims);
  const length = text.length;
  if (spec.char) {
    const { min, max } = spec.char;
    const grams = GRAM_SCRATCH;
    for (let i = -1; i <= length; i++) {
      const slot = (i < 0 ? 0 : i) + 1;
      const count = charGramSlots(text, lower, i, min, max, shift, grams);
      let sum = 0;
      for (let g = 0; g < count; g++) sum += weights[grams[g] as number] as number;
      charSums[slot] = (charSums[slot] as number) + sum;
      charCounts[slot] = (charCounts[slot] as number) + count;
    }
  }
  if (spec.word) {
    const { min, max } = spec.word;
    const tokens = hashWords(text);
    const tokenHash = scratchTokenHash;
    const tokenStart = scratchTokenStart;
    for (let t = 0; t < tokens; t++) {
      let h = 0;
      const slot = (tokenStart[t] as number) + 1;
      for (let k = 1; k <= max && t + k - 1 < tokens; k++) {
        h = k === 1 ? (tokenHash[t] as number) : Math.imul(h ^ (h >>> 13), FNV_PRIME) ^ (tokenHash[t + k - 1] as number);
        if (k >= min) {
          wordSums[slot] = (wordSums[slot] as number) + (weights[Math.imul(h ^ Math.imul(k, 0x27d4eb2d), GOLDEN) >>> shift] as number);
          wordCounts[slot] = (wordCounts[slot] as number) + 1;
        }
      }
    }
  }
}

/** Visit every feature occurrence of `text` (convenience over extractFeatures; slower in hot paths). */
export function forEachFeature(text: string, spec: FeatureSpec, visit: FeatureVisitor): void {
  const { index, position, charCount, wordCount } = extractFeatures(text, spec);
  for (let j = 0; j < charCount + wordCount; j++) {
    visit(index[j] as number, j < charCount ? Namespace.Char : Namespace.Word, position[j] as number);
  }
}

/**
 * The training-time view of a text: counts per hashed index, each namespace scaled by 1/sqrt(its occurrence
 * count). Indices from the two namespaces share the space; their values add.
 */
export function vectorize(text: string, spec: FeatureSpec): SparseVector {
  const { index, charCount, wordCount } = extractFeatures(text, spec);
  const a = index.slice(0, charCount).sort();
  const b = index.slice(charCount, charCount + wordCount).sort();
  const ua = a.length > 0 ? 1 / Math.sqrt(a.length) : 0;
  const ub = b.length > 0 ? 1 / Math.sqrt(b.length) : 0;
  const indices = new Int32Array(a.length + b.length);
  const values = new Float32Array(a.length + b.length);
  let n = 0;
  let i = 0;
  let j = 0;
  // Merge the two sorted runs, summing equal indices (within and across namespaces).
  while (i < a.length || j < b.length) {
    const ai = i < a.length ? (a[i] as number) : Number.POSITIVE_INFINITY;
    const bj = j < b.length ? (b[j] as number) : Number.POSITIVE_INFINITY;
    const idx = Math.min(ai, bj);
    let value = 0;
    while (i < a.length && a[i] === idx) {
      value += ua;
      i++;
    }
    while (j < b.length && b[j] === idx) {
      value += ub;
      j++;
    }
    indices[n] = idx;
    values[n] = value;
    n++;
  }
  return { indices: indices.slice(0, n), values: values.slice(0, n) };
}
