// The ProtectFlash scan as a plain function, so PromptInjection can use the same high-precision hits as a floor.

import type { Span } from "../types.js";
import { type PreparedText, needsUnicodeNormalizationOf, prepareText, toOriginalRange } from "../normalize.js";
import { FLASH_CATEGORIES, compileFlashPattern, flashAnchors } from "./patterns.js";

const PATTERN = compileFlashPattern();
// All anchors as one plain (flag-free) alternation over the lower-cased text: cheaper than one indexOf per anchor.
const ANCHORS = new RegExp(flashAnchors().map((a) => a.replace(/[.*+?^${}()|[\]\\/]/g, "\\$&")).join("|"));
const WEIGHTS = new Map(FLASH_CATEGORIES.map((c) => [c.name, c.weight]));
const CATEGORY_NAMES = FLASH_CATEGORIES.map((c) => c.name);

export interface FlashResult {
  /** 0 when nothing matched; otherwise the matched categories combined as independent evidence. */
  score: number;
  /** Matches in ORIGINAL indices, labelled with their category. */
  spans: Span[];
}

/** A literal search is far cheaper than the combined pattern, and most texts hold no anchor at all. */
function mayMatch(text: string): boolean {
  return ANCHORS.test(text.toLowerCase());
}

/** Scan a text; pass `prepared` (from prepareText) when the caller already normalised and decoded it. */
export function flashScan(original: string, prepared: PreparedText = prepareText(original)): FlashResult {
  const spans: Span[] = [];
  const found = new Set<string>();
  const collect = (text: string, toOriginal: (start: number, end: number) => { start: number; end: number }): void => {
    if (!mayMatch(text)) return;
    // An exec loop on the shared pattern (matchAll would clone it per call); nothing below runs PATTERN again, and
    // no phrase matches the empty string, so this visits exactly matchAll's matches.
    PATTERN.lastIndex = 0;
    for (let m = PATTERN.exec(text); m !== null; m = PATTERN.exec(text)) {
      const groups = m.groups;
      let label = "injection";
      // The named groups in pattern order are the categories in order: the first one set names the match.
      if (groups) {
        for (const name of CATEGORY_NAMES) {
          if (groups[name] !== undefined) {
            label = name;
            break;
          }
        }
      }
      found.add(label);
      const range = toOriginal(m.index, m.index + m[0].length);
      spans.push({ ...range, text: original.slice(range.start, range.end), label });
    }
  };
  // Plain ASCII needs no Unicode folding (the patterns tolerate whitespace runs): scan it as it is.
  const { normalized, variants } = prepared;
  if (!needsUnicodeNormalizationOf(original, normalized)) collect(original, (start, end) => ({ start, end }));
  else collect(normalized.text, (start, end) => toOriginalRange(normalized, start, end));
  for (const variant of variants) collect(variant.text, () => ({ start: variant.start, end: variant.end }));
  let miss = 1;
  for (const label of found) miss *= 1 - (WEIGHTS.get(label) ?? 0.5);
  return { score: 1 - miss, spans };
}
