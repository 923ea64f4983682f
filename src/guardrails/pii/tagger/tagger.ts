// The trained token model: one logistic output per entity type over hashed token features (ml/ core trainer and
// file format), then consecutive tokens of one type are joined into spans.

import type { FeatureSpec, SparseVector } from "../../ml/features.js";
import { type LinearModel, sigmoid } from "../../ml/linear.js";
import { modelPath } from "../../ml/paths.js";
import { loadModel } from "../../ml/serialize.js";
import type { Candidate, PiiEntity } from "../candidate.js";
import { buildContext, FeatureSlots, MAX_TOKEN_FEATURES, STRUCTURED_LABELS, type TokenContext, tokenFeatures, tokenFeaturesFast } from "./features.js";
import { loadGazetteer } from "./gazetteer.js";
import { gazetteerCandidates, joinAddressLines, namesSomething, onlyPlaces, ORG_RULE_SCORE, placeByContext } from "./rules.js";
import { type Token, firstTokenEndingAfter, tokenize } from "./tokens.js";

export const TAGGER_FILE = "pii-tagger.json";
export const TAG_LABELS: readonly PiiEntity[] = ["PERSON", "ORGANIZATION", "GPE", "STREET_ADDRESS"];
/** Marks model files whose hashed indices come from tokenFeatures (the ml/ spec fields describe n-gram models). */
export const TAGGER_FEATURES = "pii-token-window-v1";

/** The feature space of the tagger, in the shape the ml/ file format expects. */
export function taggerSpec(dims: number): FeatureSpec {
  return { dims, word: { min: 1, max: 1 } };
}

/** Token-level context of a text, given the structured candidates found in it (sorted, non-overlapping). */
export function contextOf(text: string, structured: readonly Candidate[]): TokenContext {
  const tokens = tokenize(text);
  const inside = new Uint8Array(tokens.length);
  // Both lists are sorted by position and the candidates do not overlap: one sweep.
  let c = 0;
  for (let i = 0; i < tokens.length && c < structured.length; i++) {
    const t = tokens[i] as Token;
    while (c < structured.length && (structured[c] as Candidate).end <= t.start) c++;
    const candidate = structured[c];
    if (candidate && candidate.start < t.end) inside[i] = Math.max(0, STRUCTURED_LABELS.indexOf(candidate.label as (typeof STRUCTURED_LABELS)[number]));
  }
  return buildContext(text, tokens, loadGazetteer(), inside);
}

/** Sorted unique feature indices of token i (the training-side view of tokenFeatures). */
export function tokenVector(ctx: TokenContext, i: number, dims: number): SparseVector {
  const buffer = new Int32Array(MAX_TOKEN_FEATURES);
  const count = tokenFeatures(ctx, i, dims - 1, buffer);
  // A hash collision inside one token counts twice, as it does when probabilities() sums weights.
  const counts = new Map<number, number>();
  for (const index of buffer.subarray(0, count)) counts.set(index, (counts.get(index) ?? 0) + 1);
  const indices = Int32Array.from(counts.keys()).sort();
  return { indices, values: Float32Array.from(indices, (index) => counts.get(index) as number) };
}

/**
 * Weights as one signed byte each plus a 256-entry decoding table (the file's square-root companding): a quarter
 * of the memory of floats, so the random reads of hashed features mostly hit the CPU cache. The shipped weights are
 * stored with exactly this quantisation, so nothing is lost; a freshly trained model is quantised here.
 */
function quantise(weights: Float32Array): { codes: Int8Array; table: Float64Array } {
  let scale = 0;
  for (let i = 0; i < weights.length; i++) scale = Math.max(scale, Math.abs(weights[i] as number));
  const codes = new Int8Array(weights.length);
  const table = new Float64Array(256);
  if (scale === 0) return { codes, table };
  // Pruned models are mostly zeros, whose code is 0 (the array's initial value): skip them.
  for (let i = 0; i < weights.length; i++) {
    const w = weights[i] as number;
    if (w === 0) continue;
    codes[i] = Math.round(Math.sign(w) * 127 * Math.sqrt(Math.abs(w) / scale));
  }
  for (let code = -128; code <= 127; code++) table[code & 0xff] = Math.sign(code) * (code / 127) ** 2 * scale;
  return { codes, table };
}

export class Tagger {
  private readonly outputs: number;
  private readonly mask: number;
  private readonly buffer = new Int32Array(MAX_TOKEN_FEATURES);
  private readonly codes: Uint8Array;
  private readonly table: Float64Array;
  private readonly slots: FeatureSlots;

  constructor(readonly model: LinearModel) {
    if (model.meta.features !== TAGGER_FEATURES) throw new Error(`not a PII tagger model (features ${String(model.meta.features)})`);
    if (model.labels.join() !== TAG_LABELS.join()) throw new Error(`PII tagger labels ${model.labels.join()} differ from ${TAG_LABELS.join()}`);
    this.outputs = model.labels.length;
    this.mask = model.spec.dims - 1;
    this.slots = new FeatureSlots(this.mask);
    const { codes, table } = quantise(model.weights);
    this.codes = new Uint8Array(codes.buffer);
    this.table = table;
  }

  /** Per token, per TAG_LABELS output: probability (row-major, tokens × outputs); 0 inside structured entities. */
  probabilities(ctx: TokenContext): Float32Array {
    const K = this.outputs;
    const n = ctx.tokens.length;
    const out = new Float32Array(n * K);
    const codes = this.codes;
    const table = this.table;
    const bias = this.model.bias;
    const indices = this.buffer;
    if (K === 4) {
      // The shipped shape, unrolled: this loop is the tagger's hot path.
      const [b0 = 0, b1 = 0, b2 = 0, b3 = 0] = bias;
      for (let i = 0; i < n; i++) {
        // Inside an e-mail, phone, date...: a stronger recognizer owns the token, the outputs stay 0.
        if (ctx.structured[i] !== 0) continue;
        let z0 = b0;
        let z1 = b1;
        let z2 = b2;
        let z3 = b3;
        const count = tokenFeaturesFast(ctx, i, this.slots, indices);
        for (let f = 0; f < count; f++) {
          const base = (indices[f] as number) << 2;
          z0 += table[codes[base] as number] as number;
          z1 += table[codes[base + 1] as number] as number;
          z2 += table[codes[base + 2] as number] as number;
          z3 += table[codes[base + 3] as number] as number;
        }
        // sigmoid(z), written out: a call that is not inlined boxes every returned double (64 bytes per token).
        let e: number;
        out[i * 4] = z0 >= 0 ? 1 / (1 + Math.exp(-z0)) : ((e = Math.exp(z0)), e / (1 + e));
        out[i * 4 + 1] = z1 >= 0 ? 1 / (1 + Math.exp(-z1)) : ((e = Math.exp(z1)), e / (1 + e));
        out[i * 4 + 2] = z2 >= 0 ? 1 / (1 + Math.exp(-z2)) : ((e = Math.exp(z2)), e / (1 + e));
        out[i * 4 + 3] = z3 >= 0 ? 1 / (1 + Math.exp(-z3)) : ((e = Math.exp(z3)), e / (1 + e));
      }
      return out;
    }
    const logits = new Float64Array(K);
    for (let i = 0; i < n; i++) {
      if (ctx.structured[i] !== 0) continue;
      for (let k = 0; k < K; k++) logits[k] = bias[k] as number;
      const count = tokenFeatures(ctx, i, this.mask, indices);
      for (let f = 0; f < count; f++) {
        const base = (indices[f] as number) * K;
        for (let k = 0; k < K; k++) logits[k] = (logits[k] as number) + (table[codes[base + k] as number] as number);
      }
      for (let k = 0; k < K; k++) out[i * K + k] = sigmoid(logits[k] as number);
    }
    return out;
  }

  /**
   * Model spans (consecutive tokens whose best output is at least `tokenThreshold`, scored by their mean
   * probability) that name something, plus the gazetteer rules' candidates; overlaps are left to the caller.
   */
  spans(text: string, ctx: TokenContext, tokenThreshold = 0.5): Candidate[] {
    const lowerCaseText = !/\p{Lu}/u.test(text);
    const probs = this.probabilities(ctx);
    const out = decodeSpans(text, ctx.tokens, probs, this.outputs, tokenThreshold).filter((s) => namesSomething(text, ctx, s, lowerCaseText));
    for (const span of out) {
      if ((span.label === "STREET_ADDRESS" && onlyPlaces(ctx, span)) || (span.label === "PERSON" && placeByContext(ctx, span))) span.label = "GPE";
    }
    for (const c of gazetteerCandidates(text, ctx, lowerCaseText)) {
      // Names and places from the word lists yield to the model's reading; a company's legal form does not.
      if (c.score >= ORG_RULE_SCORE || !this.contradicted(ctx, probs, c)) out.push(c);
    }
    return joinAddressLines(text, mergeSameLabel(out));
  }

  /**
   * A gazetteer candidate the model reads as another type ("Gary" in "shouted at Gary", "Reed" in "Reed
   * Elsevier's"): on the tokens it covers, the model's mean probability of some other type is at least 0.5 and
   * above its mean for the candidate's own type.
   */
  private contradicted(ctx: TokenContext, probs: Float32Array, c: Candidate): boolean {
    const K = this.outputs;
    const own = TAG_LABELS.indexOf(c.label);
    if (own < 0) return false;
    const tokens = ctx.tokens;
    const first = firstTokenEndingAfter(tokens, c.start);
    let end = first;
    while (end < tokens.length && (tokens[end] as Token).start < c.end) end++;
    const count = end - first;
    if (count === 0) return false;
    const sumOf = (k: number): number => {
      let sum = 0;
      for (let i = first; i < end; i++) sum += probs[i * K + k] as number;
      return sum;
    };
    let best = 0;
    for (let k = 0; k < K; k++) if (k !== own) best = Math.max(best, sumOf(k));
    const ownSum = sumOf(own);
    return best / count >= 0.5 && best > ownSum;
  }
}

/**
 * Overlapping candidates of one label (the model's "Peters" and the rule's "Butler-Peters") become one span
 * covering both, with the higher score, so a redaction leaves no piece of the name behind.
 */
export function mergeSameLabel(candidates: Candidate[]): Candidate[] {
  if (candidates.length < 2) return candidates;
  candidates.sort((a, b) => a.start - b.start || b.end - a.end);
  const out: Candidate[] = [];
  for (const c of candidates) {
    let merged = false;
    for (let k = out.length - 1; k >= 0; k--) {
      const o = out[k] as Candidate;
      if (o.end <= c.start) continue;
      if (o.label !== c.label) continue;
      o.end = Math.max(o.end, c.end);
      o.score = Math.max(o.score, c.score);
      merged = true;
      break;
    }
    if (!merged) out.push({ ...c });
  }
  return out;
}

const PUNCTUATION = /^[^\p{L}\p{N}]$/u;

export function decodeSpans(text: string, tokens: readonly Token[], probs: Float32Array, K: number, tokenThreshold: number): Candidate[] {
  const spans: Candidate[] = [];
  let open: { label: number; first: number; last: number; sum: number; count: number } | undefined;
  const close = () => {
    if (!open) return;
    let { first, last } = open;
    // Punctuation at the edges belongs to the sentence, except an abbreviation's full stop ("Inc.", "St.").
    while (first <= last && PUNCTUATION.test((tokens[first] as Token).lower)) first++;
    while (last >= first) {
      const t = tokens[last] as Token;
      if (!PUNCTUATION.test(t.lower)) break;
      const previous = tokens[last - 1];
      if (t.lower === "." && previous && previous.end === t.start && previous.end - previous.start <= 4 && last > first) break;
      last--;
    }
    if (first <= last) {
      spans.push({
        start: (tokens[first] as Token).start,
        end: (tokens[last] as Token).end,
        label: TAG_LABELS[open.label] as PiiEntity,
        score: open.sum / open.count,
      });
    }
    open = undefined;
  };
  for (let i = 0; i < tokens.length; i++) {
    let best = -1;
    let bestP = tokenThreshold;
    for (let k = 0; k < K; k++) {
      const p = probs[i * K + k] as number;
      if (p >= bestP) {
        best = k;
        bestP = p;
      }
    }
    if (open && (best !== open.label || text.slice((tokens[i - 1] as Token).end, (tokens[i] as Token).start).includes("\n\n"))) close();
    if (best < 0) continue;
    if (!open) open = { label: best, first: i, last: i, sum: 0, count: 0 };
    open.last = i;
    open.sum += bestP;
    open.count++;
  }
  close();
  return spans;
}

let shared: Tagger | undefined;

/** The shipped tagger, loaded once, with the gazetteer its features read (so the first call loads nothing). */
export function loadTagger(): Tagger {
  shared ??= new Tagger(loadModel(modelPath(TAGGER_FILE)));
  loadGazetteer();
  return shared;
}
