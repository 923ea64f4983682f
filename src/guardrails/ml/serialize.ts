// Model files: one JSON document holding a header (feature spec, labels, bias, meta) and the weights as base64 of
// (varint gap to the next non-zero flat index, one int8 code) pairs. Codes are square-root companded
// (w = sign · (|q| / 127)² · scale), which keeps resolution for the many small n-gram weights that a linear int8
// scale would round to zero. Weights whose code is 0 are pruned.

import { readFileSync, writeFileSync } from "node:fs";
import { type FeatureSpec, validateFeatureSpec } from "./features.js";
import { type JsonObject, type JsonValue, LinearModel } from "./linear.js";

export const MODEL_FORMAT = "tollgate-linear";
export const MODEL_FORMAT_VERSION = 1;
/** The size budget per shipped model. */
export const MAX_MODEL_BYTES = 5 * 1024 * 1024;

export interface ModelFile {
  format: typeof MODEL_FORMAT;
  version: typeof MODEL_FORMAT_VERSION;
  spec: FeatureSpec;
  labels: string[];
  bias: number[];
  quantisation: "sqrt-int8";
  /** Largest absolute weight; code ±127 decodes to ±scale. */
  scale: number;
  nonZero: number;
  weights: string;
  meta: JsonObject;
}

export interface EncodeOptions {
  /** Drop weights with |w| below this absolute value before quantising (smaller files); default 0. */
  pruneBelow?: number;
}

export function encodeModel(model: LinearModel, options: EncodeOptions = {}): ModelFile {
  const pruneBelow = options.pruneBelow ?? 0;
  let scale = 0;
  for (const w of model.weights) scale = Math.max(scale, Math.abs(w));
  const bytes: number[] = [];
  let previous = -1;
  let nonZero = 0;
  if (scale > 0) {
    for (let i = 0; i < model.weights.length; i++) {
      const w = model.weights[i] as number;
      if (Math.abs(w) < pruneBelow) continue;
      const code = Math.round(Math.sign(w) * 127 * Math.sqrt(Math.abs(w) / scale));
      if (code === 0) continue;
      let gap = i - previous;
      while (gap >= 0x80) {
        bytes.push((gap & 0x7f) | 0x80);
        gap >>>= 7;
      }
      bytes.push(gap);
      bytes.push(code & 0xff);
      previous = i;
      nonZero++;
    }
  }
  return {
    format: MODEL_FORMAT,
    version: MODEL_FORMAT_VERSION,
    spec: model.spec,
    labels: [...model.labels],
    bias: Array.from(model.bias),
    quantisation: "sqrt-int8",
    scale,
    nonZero,
    weights: Buffer.from(bytes).toString("base64"),
    meta: model.meta,
  };
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/** Validate and decode a parsed model file; every problem is reported with the field it concerns. */
export function decodeModel(file: unknown, origin = "model"): LinearModel {
  const fail = (why: string): never => {
    throw new Error(`${origin}: ${why}`);
  };
  if (!isObject(file)) return fail("not a JSON object");
  if (file.format !== MODEL_FORMAT) fail(`format must be "${MODEL_FORMAT}"`);
  if (file.version !== MODEL_FORMAT_VERSION) fail(`unsupported version ${String(file.version)}`);
  if (file.quantisation !== "sqrt-int8") fail(`unsupported quantisation ${String(file.quantisation)}`);
  const spec = file.spec as FeatureSpec;
  if (!isObject(spec)) fail("spec missing");
  try {
    validateFeatureSpec(spec);
  } catch (error) {
    fail(`spec: ${(error as Error).message}`);
  }
  const labels = file.labels;
  if (!Array.isArray(labels) || labels.length === 0 || !labels.every((l) => typeof l === "string")) fail("labels must be non-empty strings");
  const K = (labels as string[]).length;
  const bias = file.bias;
  if (!Array.isArray(bias) || bias.length !== K || !bias.every((b) => typeof b === "number" && Number.isFinite(b))) fail("bias must hold one finite number per label");
  const scale = file.scale;
  if (typeof scale !== "number" || !Number.isFinite(scale) || scale < 0) fail("scale must be a non-negative number");
  if (typeof file.weights !== "string") fail("weights must be a base64 string");
  const meta = file.meta === undefined ? {} : file.meta;
  if (!isObject(meta)) fail("meta must be an object");

  const total = spec.dims * K;
  const weights = new Float32Array(total);
  const bytes = Buffer.from(file.weights as string, "base64");
  let index = -1;
  let at = 0;
  while (at < bytes.length) {
    let gap = 0;
    let shift = 0;
    for (;;) {
      const byte = bytes[at++];
      if (byte === undefined) fail("weights truncated inside a varint");
      gap += ((byte as number) & 0x7f) * 2 ** shift;
      if (((byte as number) & 0x80) === 0) break;
      shift += 7;
      if (shift > 28) fail("weights hold an oversized varint");
    }
    index += gap;
    const codeByte = bytes[at++];
    if (codeByte === undefined) fail("weights truncated before a code");
    if (index >= total || gap === 0) fail(`weight index ${index} out of range`);
    const code = ((codeByte as number) << 24) >> 24; // sign-extend int8
    const magnitude = code / 127;
    weights[index] = Math.sign(code) * magnitude * magnitude * (scale as number);
  }
  return new LinearModel(spec, labels as string[], weights, Float64Array.from(bias as number[]), meta as { [key: string]: JsonValue });
}

/** Write a model file; refuses files over the 5 MB budget so a too-large model fails at training time. */
export function saveModel(path: string, model: LinearModel, options: EncodeOptions = {}): { bytes: number; nonZero: number } {
  const file = encodeModel(model, options);
  const text = `${JSON.stringify(file)}\n`;
  const bytes = Buffer.byteLength(text);
  if (bytes > MAX_MODEL_BYTES) {
    throw new Error(`model for ${path} is ${bytes} bytes, over the ${MAX_MODEL_BYTES}-byte budget: lower dims or raise pruneBelow`);
  }
  writeFileSync(path, text);
  return { bytes, nonZero: file.nonZero };
}

const cache = new Map<string, LinearModel>();

/** Load (once per process) and decode a model file. Errors name the file. */
export function loadModel(path: string): LinearModel {
  const cached = cache.get(path);
  if (cached) return cached;
  let parsed: unknown;
  try {
    parsed = JSON.parse(readFileSync(path, "utf8"));
  } catch (error) {
    throw new Error(`cannot read model ${path}: ${(error as Error).message}`);
  }
  const model = decodeModel(parsed, path);
  cache.set(path, model);
  return model;
}
