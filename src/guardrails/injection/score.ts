// How PromptInjection turns text into a score, shared by the evaluator and the trainer so that validation measures
// exactly what ships:
//   1. normalise (NFKC, invisible characters, homoglyphs, whitespace) and collect decoded variants;
//   2. for every overlapping window of each text, combine the n-gram model's window logit with the cue patterns
//      found in that window (cues.ts) through a small trained logistic combiner;
//   3. the score is the maximum over windows and variants, so a short injection inside a long document or inside
//      a base64 blob is not diluted.

import { type JsonObject, type LinearModel, sigmoid } from "../ml/index.js";
import { flashScan } from "../flash/scan.js";
import { type PreparedText, normalize, prepareText, toOriginalRange } from "../normalize.js";
import { CUE_NAMES, type CueMatch, type CueName, findCues } from "./cues.js";

export interface InjectionScoring {
  /** Window length and stride in code units of the normalised text. */
  window: number;
  stride: number;
}

/** Logistic combiner over [n-gram window logit, cue indicators]; stored in the model file's meta. */
export interface Combiner {
  bias: number;
  ngram: number;
  /**
   * The n-gram logit is clipped to ±ngramClip before weighting: on sources it has not seen, the n-gram model is
   * often confidently wrong (formal German questions, role-play prompts), so its evidence alone must saturate.
   */
  ngramClip: number;
  cues: Record<CueName, number>;
}

export interface InjectionHit {
  score: number;
  /** Range of the ORIGINAL text that produced the score. */
  start: number;
  end: number;
  /** "text" for the text itself, otherwise the decoding that revealed it (base64, rot13...). */
  via: string;
  /** Cues present in the best window. */
  cues: CueName[];
  /** Ranges of the ORIGINAL text that quote a phrase in order to translate, explain or classify it ("mention" cue). */
  mentions: { start: number; end: number }[];
}

/** Text the n-gram model is trained on: the same normalisation the scorer applies. */
export function modelText(text: string): string {
  return normalize(text).text;
}

/** Read and validate the combiner the trainer stored in the model's meta. */
export function combinerOf(model: LinearModel): Combiner {
  const raw = model.meta.combiner;
  const fail = (why: string): never => {
    throw new Error(`prompt injection model: meta.combiner ${why}`);
  };
  if (typeof raw !== "object" || raw === null || Array.isArray(raw)) return fail("is missing");
  const { bias, ngram, ngramClip, cues } = raw as JsonObject;
  if (typeof bias !== "number" || typeof ngram !== "number") fail("needs numeric bias and ngram");
  if (typeof ngramClip !== "number" || !(ngramClip > 0)) fail("needs a positive ngramClip");
  if (typeof cues !== "object" || cues === null || Array.isArray(cues)) return fail("needs a cues object");
  const weights = {} as Record<CueName, number>;
  for (const name of CUE_NAMES) {
    const w = (cues as JsonObject)[name];
    if (typeof w !== "number") fail(`lacks a weight for cue "${name}"`);
    weights[name] = w as number;
  }
  return { bias: bias as number, ngram: ngram as number, ngramClip: ngramClip as number, cues: weights };
}

export function clip(x: number, limit: number): number {
  return Math.max(-limit, Math.min(limit, x));
}

/** The combiner's inputs for one text scored whole (training view): [clipped ngram logit, cue 0/1...]. */
export function combinerInputs(ngramLogit: number, ngramClip: number, cues: readonly CueMatch[]): number[] {
  const present = new Set(cues.map((c) => c.cue));
  return [clip(ngramLogit, ngramClip), ...CUE_NAMES.map((name) => (present.has(name) ? 1 : 0))];
}

export function combine(combiner: Combiner, ngramLogit: number, cues: Iterable<CueName>): number {
  let z = combiner.bias + combiner.ngram * clip(ngramLogit, combiner.ngramClip);
  for (const cue of cues) z += combiner.cues[cue];
  return z;
}

interface WindowBest {
  logit: number;
  start: number;
  end: number;
  cues: CueName[];
  mentions: { start: number; end: number }[];
}

/** Best combined window of one (normalised) text. */
function bestWindow(model: LinearModel, combiner: Combiner, text: string, scoring: InjectionScoring): WindowBest {
  const { starts, ends, logits } = model.windowLogits(text, scoring);
  const matches = findCues(text);
  const mentions = matches.filter((m) => m.cue === "mention").map(({ start, end }) => ({ start, end }));
  let best: WindowBest = { logit: Number.NEGATIVE_INFINITY, start: 0, end: text.length, cues: [], mentions };
  for (let w = 0; w < starts.length; w++) {
    const s = starts[w] as number;
    const e = ends[w] as number;
    const present = new Set<CueName>();
    for (const m of matches) if (m.start < e && m.end > s) present.add(m.cue);
    const z = combine(combiner, logits[w] as number, present);
    if (z > best.logit) best = { logit: z, start: s, end: e, cues: [...present], mentions };
  }
  return best;
}

export function scoreInjection(
  model: LinearModel,
  text: string,
  scoring: InjectionScoring,
  combiner = combinerOf(model),
  prepared: PreparedText = prepareText(text),
): InjectionHit {
  const { normalized, variants } = prepared;
  const main = bestWindow(model, combiner, normalized.text, scoring);
  const range = toOriginalRange(normalized, main.start, main.end);
  const mentions = main.mentions.map((m) => toOriginalRange(normalized, m.start, m.end));
  let best: InjectionHit = { score: sigmoid(main.logit), start: range.start, end: range.end, via: "text", cues: main.cues, mentions };
  for (const variant of variants) {
    const scored = bestWindow(model, combiner, variant.text, scoring);
    const score = sigmoid(scored.logit);
    if (score > best.score) best = { score, start: variant.start, end: variant.end, via: variant.kind, cues: scored.cues, mentions };
  }
  return best;
}

/**
 * ProtectFlash's verdict as a floor under the score, except for attack phrases that are only quoted in order to be
 * translated, explained or classified (the hit's mention ranges): those ranges are blanked before the scan.
 */
export function flashFloor(text: string, hit: InjectionHit, prepared: PreparedText = prepareText(text)): ReturnType<typeof flashScan> {
  if (hit.mentions.length === 0) return flashScan(text, prepared);
  let masked = text;
  for (const { start, end } of hit.mentions) masked = masked.slice(0, start) + " ".repeat(end - start) + masked.slice(end);
  return flashScan(masked);
}
