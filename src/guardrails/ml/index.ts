/**
 * Tollgate's reusable text-classifier core: hashed n-gram features + logistic regression, small enough to train in
 * TypeScript in a minute and to score a 2 KB text in well under a millisecond.
 *
 * Features (features.ts)
 *   - `FeatureSpec { dims, char?: {min,max}, word?: {min,max} }`: hashed character n-grams (lowercased code units,
 *     text padded with a space each side) and word n-grams (runs of letters/marks/digits), FNV-1a + murmur fmix,
 *     `dims` a power of two. Feature value = count / sqrt(occurrences in its namespace).
 *   - `vectorize(text, spec) → SparseVector` (training view), `forEachFeature(text, spec, visit)` (occurrences with
 *     positions). Normalise text first (../normalize.ts) — the core does no Unicode folding itself.
 *
 * Training (train.ts)
 *   - `trainLinear(examples, spec, labels, {epochs, learningRate, l2, seed, meta}) → LinearModel`. One logistic
 *     output per label (one-vs-rest over shared features); `y[k]` NaN skips output k for that example; optional
 *     per-example `weight`. Adagrad + L2, seeded shuffle: deterministic.
 *
 * Scoring (linear.ts)
 *   - `model.predict(text) → number[]` whole-text probabilities per label.
 *   - `model.scoreWindows(text, {window, stride}) → OutputScore[]`: per label, the max over overlapping windows,
 *     with the window's [start, end) in `text`. One feature pass, prefix sums; use it for long documents so a
 *     short payload is not diluted.
 *   - `model.windowLogits(text, {window, stride}) → {starts, ends, logits}`: every window's logits, for callers that
 *     combine them with other per-window evidence.
 *   - `model.logitsOf(sparseVector)`, `model.meta` (free JSON: thresholds, window sizes, validation numbers).
 *
 * Files (serialize.ts, paths.ts)
 *   - `saveModel(path, model, {pruneBelow}) / loadModel(path)` (cached per process), `encodeModel / decodeModel`.
 *     JSON header + base64 (varint gap, sqrt-companded int8) weights; refuses files over 5 MB.
 *   - `modelPath("name.json")`: absolute path in src/guardrails/models/ that works from src and from dist.
 *
 * Validation (crossval.ts, metrics.ts, jsonl.ts)
 *   - `leaveOneGroupOut(rows, groupOf)`, `groupKFold(rows, groupOf, k, seed)` — split by source / source family.
 *   - `binaryMetrics(labels, scores, threshold)` (precision, recall, F1, FPR, accuracy, ROC AUC), `rocAuc`,
 *     `bestF1Threshold`, `thresholdForFpr`.
 *   - `readLabelledJsonl(path)` → `{text, label, source, line, fields}` rows with line-numbered errors;
 *     `parseJsonl(text)`.
 *   - `seededRandom(seed)`, `shuffleInPlace(items, random)` for reproducible sampling.
 *
 * Performance note: keep per-n-gram work inside one module. Hot loops calling functions imported from another
 * module run several times slower under tsx (its ESM interop turns imports into getters), which is how the
 * benchmarks run.
 *
 * Example
 * ```ts
 * const spec = { dims: 1 << 18, char: { min: 2, max: 5 }, word: { min: 1, max: 2 } };
 * const examples = rows.map((r) => ({ x: vectorize(normalize(r.text).text, spec), y: [r.label] })); // ../normalize.js
 * const model = trainLinear(examples, spec, ["toxic"], { epochs: 6, l2: 1e-5, seed: 7 });
 * saveModel(modelPath("toxicity.json"), model);
 * const [best] = loadModel(modelPath("toxicity.json")).scoreWindows(text, { window: 512, stride: 256 });
 * ```
 */

export { FNV_OFFSET, combineHashes, fmix32, fnv1a, fnvStep } from "./hash.js";
export { seededRandom, shuffleInPlace } from "./rng.js";
export {
  type FeatureSpec,
  type FeatureVisitor,
  Namespace,
  type NgramRange,
  type SparseVector,
  extractFeatures,
  type FeatureOccurrences,
  forEachFeature,
  validateFeatureSpec,
  vectorize,
} from "./features.js";
export { type JsonObject, type JsonValue, LinearModel, type OutputScore, type WindowLogits, type WindowOptions, sigmoid } from "./linear.js";
export { type TrainOptions, type TrainingExample, trainLinear } from "./train.js";
export {
  type EncodeOptions,
  MAX_MODEL_BYTES,
  MODEL_FORMAT,
  MODEL_FORMAT_VERSION,
  type ModelFile,
  decodeModel,
  encodeModel,
  loadModel,
  saveModel,
} from "./serialize.js";
export { modelPath } from "./paths.js";
export { type Fold, groupKFold, leaveOneGroupOut } from "./crossval.js";
export { type BinaryMetrics, bestF1Threshold, binaryMetrics, percentile, rocAuc, thresholdForFpr } from "./metrics.js";
export { type LabelledRow, parseJsonl, readLabelledJsonl } from "./jsonl.js";
