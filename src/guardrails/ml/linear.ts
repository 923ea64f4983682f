// A trained linear model over hashed n-gram features, with one logistic output per label (one-vs-rest).
// Scoring a long text in overlapping windows is the point of this file: a 100-character injection inside 5 KB of
// tool output is diluted when the whole document is one feature vector, but it dominates the window holding it.

import { type FeatureSpec, type SparseVector, accumulateFeatureWeights, extractFeatures } from "./features.js";

export type JsonValue = string | number | boolean | null | JsonValue[] | { [key: string]: JsonValue };
export type JsonObject = { [key: string]: JsonValue };

export interface WindowOptions {
  /** Window length in code units; texts no longer than this are scored whole. */
  window: number;
  /** Distance between window starts; less than `window` so that windows overlap. */
  stride: number;
}

/** Every window's range and logits: logits[w * outputs + k] is window w's logit for output k. */
export interface WindowLogits {
  starts: Int32Array;
  ends: Int32Array;
  logits: Float64Array;
}

/** The best window of one output. */
export interface OutputScore {
  label: string;
  probability: number;
  logit: number;
  /** Range of the scored text covered by the best window (end exclusive). */
  start: number;
  end: number;
}

export function sigmoid(z: number): number {
  if (z >= 0) return 1 / (1 + Math.exp(-z));
  const e = Math.exp(z);
  return e / (1 + e);
}

export class LinearModel {
  /** Number of outputs (labels). */
  readonly outputs: number;

  /**
   * @param weights index-major: the weight of hashed index i for output k is weights[i * outputs + k]
   * @param meta free-form JSON carried through serialisation (thresholds, window sizes, validation numbers)
   */
  constructor(
    readonly spec: FeatureSpec,
    readonly labels: readonly string[],
    readonly weights: Float32Array,
    readonly bias: Float64Array,
    readonly meta: JsonObject = {},
  ) {
    this.outputs = labels.length;
    if (this.outputs < 1) throw new RangeError("a model needs at least one label");
    if (weights.length !== spec.dims * this.outputs) {
      throw new RangeError(`weights length ${weights.length} does not match dims ${spec.dims} x ${this.outputs} outputs`);
    }
    if (bias.length !== this.outputs) throw new RangeError(`bias length ${bias.length} does not match ${this.outputs} outputs`);
  }

  /** Raw logits of a training-style sparse vector. */
  logitsOf(x: SparseVector): Float64Array {
    const K = this.outputs;
    const out = Float64Array.from(this.bias);
    for (let j = 0; j < x.indices.length; j++) {
      const base = (x.indices[j] as number) * K;
      const v = x.values[j] as number;
      for (let k = 0; k < K; k++) out[k] = (out[k] as number) + v * (this.weights[base + k] as number);
    }
    return out;
  }

  /** Whole-text probabilities, one per label. */
  predict(text: string): number[] {
    return this.scoreWindows(text, { window: Number.POSITIVE_INFINITY, stride: 1 }).map((s) => s.probability);
  }

  /**
   * Logits of every window [s, s + window) for s = 0, stride, 2·stride… (the last one ends at the text's end).
   * One feature pass plus prefix sums: O(text + windows · outputs). For callers that combine window logits with
   * other per-window evidence; scoreWindows() is the max of these.
   */
  windowLogits(text: string, options: WindowOptions): WindowLogits {
    const { window, stride } = options;
    if (!(window > 0) || !(stride > 0)) throw new RangeError("window and stride must be positive");
    const K = this.outputs;
    const L = text.length;
    const P = L + 1; // feature positions run 0..L (L is the trailing padding)
    // Prefix sums per position: charSum[(p + 1) * K + k] = sum of weights of char occurrences at positions < p + 1.
    const charSum = new Float64Array((P + 1) * K);
    const wordSum = new Float64Array((P + 1) * K);
    const charPrefix = new Int32Array(P + 1);
    const wordPrefix = new Int32Array(P + 1);
    const weights = this.weights;
    if (K === 1) {
      // Single output: extraction and weight lookup fused in one pass (the hot path of every evaluator).
      accumulateFeatureWeights(text, this.spec, weights, charSum, charPrefix, wordSum, wordPrefix);
    } else {
      const { index, position, charCount, wordCount } = extractFeatures(text, this.spec);
      for (let j = 0; j < charCount + wordCount; j++) {
        const base = index[j]! * K;
        const pos = position[j]! + 1;
        const row = pos * K;
        if (j < charCount) {
          charPrefix[pos]!++;
          for (let k = 0; k < K; k++) charSum[row + k]! += weights[base + k]!;
        } else {
          wordPrefix[pos]!++;
          for (let k = 0; k < K; k++) wordSum[row + k]! += weights[base + k]!;
        }
      }
    }
    for (let p = 1; p <= P; p++) {
      charPrefix[p]! += charPrefix[p - 1]!;
      wordPrefix[p]! += wordPrefix[p - 1]!;
      const row = p * K;
      const prev = row - K;
      for (let k = 0; k < K; k++) {
        charSum[row + k]! += charSum[prev + k]!;
        wordSum[row + k]! += wordSum[prev + k]!;
      }
    }
    const count = L <= window ? 1 : Math.ceil((L - window) / stride) + 1;
    const starts = new Int32Array(count);
    const ends = new Int32Array(count);
    const logits = new Float64Array(count * K);
    for (let w = 0; w < count; w++) {
      const s = Math.min(w * stride, Math.max(0, L - window));
      const e = Math.min(L, s + window);
      const hi = e === L ? P : e; // the last window also owns the trailing-padding position
      const nc = charPrefix[hi]! - charPrefix[s]!;
      const nw = wordPrefix[hi]! - wordPrefix[s]!;
      const cs = nc > 0 ? 1 / Math.sqrt(nc) : 0;
      const ws = nw > 0 ? 1 / Math.sqrt(nw) : 0;
      starts[w] = s;
      ends[w] = e;
      for (let k = 0; k < K; k++) {
        logits[w * K + k] =
          this.bias[k]! + (charSum[hi * K + k]! - charSum[s * K + k]!) * cs + (wordSum[hi * K + k]! - wordSum[s * K + k]!) * ws;
      }
    }
    return { starts, ends, logits };
  }

  /** Per output, the window with the highest logit (see windowLogits for which windows exist). */
  scoreWindows(text: string, options: WindowOptions): OutputScore[] {
    const K = this.outputs;
    const { starts, ends, logits } = this.windowLogits(text, options);
    const best: OutputScore[] = this.labels.map((label) => ({ label, probability: 0, logit: Number.NEGATIVE_INFINITY, start: 0, end: text.length }));
    for (let w = 0; w < starts.length; w++) {
      for (let k = 0; k < K; k++) {
        const z = logits[w * K + k]!;
        const current = best[k]!;
        if (z > current.logit) {
          current.logit = z;
          current.start = starts[w]!;
          current.end = ends[w]!;
        }
      }
    }
    for (const b of best) b.probability = sigmoid(b.logit);
    return best;
  }

  /**
   * Output-0 logits of a word-only model (no char n-grams) for given windows of a text that is mostly blank (a
   * concept-only text: a few dozen placeholder words in kilobytes of spaces). Same value as windowLogits (bias + sum
   * of the window's word weights / sqrt(their count)), computed from the occurrences instead of prefix sums over
   * every position, which is most of the cost on a 2 KB text.
   */
  sparseWordWindowLogits(text: string, starts: Int32Array, ends: Int32Array): Float64Array {
    if (this.spec.char) throw new Error("sparseWordWindowLogits needs a model without char n-grams");
    const { index, position, charCount, wordCount } = extractFeatures(text, this.spec);
    const K = this.outputs;
    const out = new Float64Array(starts.length);
    for (let w = 0; w < starts.length; w++) {
      const s = starts[w] as number;
      const e = ends[w] as number;
      let sum = 0;
      let count = 0;
      for (let j = charCount; j < charCount + wordCount; j++) {
        const p = position[j] as number;
        if (p < s || p >= e) continue;
        sum += this.weights[(index[j] as number) * K] as number;
        count++;
      }
      out[w] = (this.bias[0] as number) + (count > 0 ? sum / Math.sqrt(count) : 0);
    }
    return out;
  }
}
