// The "lexicon view" of a text is what the Toxicity and ContentSafety n-gram models read: every lexicon hit is
// replaced by a placeholder word naming its weight tier. Why: the training data is English, so a model that
// learned "arschloch" or "개새끼" from n-grams would never have seen them. A model that learned what the
// placeholder ⟨strong lexicon word⟩ means from thousands of English rows applies that to a hit in any language the
// lexicon covers. Non-lexicon words keep their own n-grams, so English context ("you are a …") still counts.

import { type LexiconHit, type LexiconMatcher, mergeHits } from "./matcher.js";

/** Placeholder words per tier. Letters only, so both char and word n-grams see them as one word. */
export const PLACEHOLDERS = { strong: "qxstrongq", listed: "qxlistedq", hint: "qxhintq" } as const;

export type Tier = keyof typeof PLACEHOLDERS;

/** Tier bounds on a term's weight (sources.ts gives STRONG 1, LISTED 0.6, HINT 0.3). */
export function tierOf(weight: number): Tier {
  return weight >= 0.9 ? "strong" : weight >= 0.5 ? "listed" : "hint";
}

export interface LexiconView {
  /** The text with each merged hit replaced by " placeholder ". */
  text: string;
  /** Merged hits in the original text, sorted by start. */
  hits: LexiconHit[];
  /** origin(i): index in the original text of view index i (placeholders map to their hit's start). */
  toOriginal(index: number): number;
}

export function lexiconView(text: string, lexicon: LexiconMatcher): LexiconView {
  const hits = mergeHits(lexicon.match(text));
  if (hits.length === 0) return { text, hits, toOriginal: (i) => i };
  const parts: string[] = [];
  // Piecewise map: view segment starts and the original index each begins at; placeholders collapse to one point.
  const viewStarts: number[] = [];
  const originStarts: number[] = [];
  const literal: boolean[] = [];
  let at = 0;
  let viewAt = 0;
  const push = (piece: string, origin: number, isLiteral: boolean): void => {
    viewStarts.push(viewAt);
    originStarts.push(origin);
    literal.push(isLiteral);
    parts.push(piece);
    viewAt += piece.length;
  };
  for (const hit of hits) {
    if (hit.start > at) push(text.slice(at, hit.start), at, true);
    push(` ${PLACEHOLDERS[tierOf(hit.weight)]} `, hit.start, false);
    at = hit.end;
  }
  if (at < text.length) push(text.slice(at), at, true);
  const viewText = parts.join("");
  const toOriginal = (index: number): number => {
    if (index >= viewText.length) return text.length;
    // Binary search for the segment holding `index`.
    let lo = 0;
    let hi = viewStarts.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if ((viewStarts[mid] as number) <= index) lo = mid;
      else hi = mid - 1;
    }
    const origin = originStarts[lo] as number;
    return literal[lo] ? origin + (index - (viewStarts[lo] as number)) : origin;
  };
  return { text: viewText, hits, toOriginal };
}
