// Logistic regression trainer: one-vs-rest outputs over a shared hashed feature space, Adagrad steps, L2
// regularisation applied to the weights an example touches, seeded shuffling. Same inputs + seed = same weights.

import type { FeatureSpec, SparseVector } from "./features.js";
import { validateFeatureSpec } from "./features.js";
import { type JsonObject, LinearModel, sigmoid } from "./linear.js";
import { seededRandom, shuffleInPlace } from "./rng.js";

export interface TrainingExample {
  x: SparseVector;
  /** One target per output, 0 or 1; NaN means "unknown for this output" and skips that output's update. */
  y: ArrayLike<number>;
  /** Importance of this example (class or source balancing); default 1. */
  weight?: number;
}

export interface TrainOptions {
  /** Passes over the data; default 6. */
  epochs?: number;
  /** Adagrad base step; default 0.2. */
  learningRate?: number;
  /** L2 strength per update; default 1e-5. */
  l2?: number;
  /** Shuffle seed; default 1. */
  seed?: number;
  /** Free-form JSON stored with the model. */
  meta?: JsonObject;
}

const ADAGRAD_EPSILON = 1e-8;

export function trainLinear(
  examples: readonly TrainingExample[],
  spec: FeatureSpec,
  labels: readonly string[],
  options: TrainOptions = {},
): LinearModel {
  validateFeatureSpec(spec);
  const K = labels.length;
  if (K < 1) throw new RangeError("trainLinear needs at least one label");
  if (examples.length === 0) throw new RangeError("trainLinear needs at least one example");
  const epochs = options.epochs ?? 6;
  const lr = options.learningRate ?? 0.2;
  const l2 = options.l2 ?? 1e-5;
  for (const [i, ex] of examples.entries()) {
    if (ex.y.length !== K) throw new RangeError(`example ${i} has ${ex.y.length} targets, expected ${K}`);
    if (ex.x.indices.length > 0 && (ex.x.indices[ex.x.indices.length - 1] as number) >= spec.dims) {
      throw new RangeError(`example ${i} has a feature index outside dims ${spec.dims}`);
    }
  }

  const weights = new Float32Array(spec.dims * K);
  const gradSq = new Float32Array(spec.dims * K);
  const bias = new Float64Array(K);
  const biasGradSq = new Float64Array(K);
  const order = examples.map((_, i) => i);
  const random = seededRandom(options.seed ?? 1);

  for (let epoch = 0; epoch < epochs; epoch++) {
    shuffleInPlace(order, random);
    for (const i of order) {
      const ex = examples[i] as TrainingExample;
      const importance = ex.weight ?? 1;
      const { indices, values } = ex.x;
      for (let k = 0; k < K; k++) {
        const target = ex.y[k] as number;
        if (Number.isNaN(target)) continue;
        let z = bias[k] as number;
        for (let j = 0; j < indices.length; j++) z += (values[j] as number) * (weights[(indices[j] as number) * K + k] as number);
        const g = (sigmoid(z) - target) * importance; // d(log loss)/dz
        biasGradSq[k] = (biasGradSq[k] as number) + g * g;
        bias[k] = (bias[k] as number) - (lr * g) / (Math.sqrt(biasGradSq[k] as number) + ADAGRAD_EPSILON);
        for (let j = 0; j < indices.length; j++) {
          const slot = (indices[j] as number) * K + k;
          const w = weights[slot] as number;
          const grad = g * (values[j] as number) + l2 * w;
          const acc = (gradSq[slot] as number) + grad * grad;
          gradSq[slot] = acc;
          weights[slot] = w - (lr * grad) / (Math.sqrt(acc) + ADAGRAD_EPSILON);
        }
      }
    }
  }
  return new LinearModel(spec, labels, weights, bias, options.meta ?? {});
}
