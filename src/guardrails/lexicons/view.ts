// The "lexicon view" of a text is what the Toxicity and ContentSafety n-gram models read: every lexicon hit is
// replaced by a placeholder word naming its weight tier. Why: the training data is English, so a model that
// learned "arschloch" or "개새끼" from n-grams would never have seen them. A model that learned what the
// placeholder ⟨strong lexicon word⟩ means from thousands of English rows applies that to a hit in any language the
// lexicon covers. Non-lexicon words keep their own n-grams, so English context ("you are a …") still counts.

import type { FuzzyMatcher } from "./fuzzy.js";
import { type LexiconHit, type LexiconMatcher, mergeHits } from "./matcher.js";
import { skeletonOf } from "./skeleton.js";

/** Placeholder words per tier. Letters only, so both char and word n-grams see them as one word. */
export const PLACEHOLDERS = { strong: "qxstrongq", listed: "qxlistedq", hint: "qxhintq" } as const;

export type Tier = keyof typeof PLACEHOLDERS;

/** Tier bounds on a term's weight (sources.ts gives STRONG 1, LISTED 0.6, HINT 0.3). */
export function tierOf(weight: number): Tier {
  return weight >= 0.9 ? "strong" : weight >= 0.5 ? "listed" : "hint";
}

/**
 * Placeholders start with "qx"; a text that spells one itself ("qxcsafetyq") must not pass for a lexicon or concept
 * hit. "qx" in literal text becomes "q-", which keeps every index in place and splits the word.
 */
function neutralise(piece: string): string {
  return /qx/i.test(piece) ? piece.replace(/qx/gi, (m) => `${m.charAt(0)}-`) : piece;
}

/**
 * Assembles a view from pieces (literal text or placeholders) and maps view indices back to the original text:
 * piecewise, literal pieces index by index, placeholders collapsing to the point where their hit starts.
 */
class ViewBuilder {
  private readonly parts: string[] = [];
  private readonly viewStarts: number[] = [];
  private readonly originStarts: number[] = [];
  private readonly literal: boolean[] = [];
  private length = 0;

  push(piece: string, origin: number, isLiteral: boolean): void {
    if (piece.length === 0) return;
    this.viewStarts.push(this.length);
    this.originStarts.push(origin);
    this.literal.push(isLiteral);
    this.parts.push(piece);
    this.length += piece.length;
  }

  build(textLength: number): { text: string; toOriginal: (index: number) => number } {
    const viewText = this.parts.join("");
    const { viewStarts, originStarts, literal } = this;
    const toOriginal = (index: number): number => {
      if (index >= viewText.length) return textLength;
      // Binary search for the piece holding `index`.
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
    return { text: viewText, toOriginal };
  }
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
  if (hits.length === 0) return { text: neutralise(text), hits, toOriginal: (i) => i };
  const view = new ViewBuilder();
  let at = 0;
  for (const hit of hits) {
    if (hit.start > at) view.push(neutralise(text.slice(at, hit.start)), at, true);
    view.push(` ${PLACEHOLDERS[tierOf(hit.weight)]} `, hit.start, false);
    at = hit.end;
  }
  if (at < text.length) view.push(neutralise(text.slice(at)), at, true);
  return { ...view.build(text.length), hits };
}

/** Placeholder word for a concept tag ("explosive" → "qxcexplosiveq"); letters only, one word for both n-gram kinds. */
export function conceptPlaceholder(tag: string): string {
  return `qxc${tag}q`;
}

/** Placeholder word for two tags met in one sentence, in sorted order ("howto" + "explosive" → "qxpexplosivexhowtoq"). */
export function pairPlaceholder(a: string, b: string): string {
  return a < b ? `qxp${a}x${b}q` : `qxp${b}x${a}q`;
}

export interface ConceptViewOptions {
  /** Profanity lexicon: hits become tier placeholders, as in lexiconView. */
  lexicon?: LexiconMatcher;
  /** Concept lexicon (conceptsFromJson): tagged hits become concept placeholders, untagged ones tier placeholders. */
  concepts?: LexiconMatcher;
  /**
   * "replace": a hit's words give way to its placeholders (the model cannot learn the word itself, only the concept,
   * so a Thai hit weighs like an English one). "annotate": placeholders follow the words they tag.
   */
  mode: "replace" | "annotate";
  /** After each sentence, one placeholder per pair of distinct tags met in it ("how to" + "bomb" in one sentence). */
  pairs: boolean;
  /** Obfuscated spellings of lexicon and concept words ("fvck", "thraet", "blackvermin"): hits like exact ones. */
  fuzzy?: FuzzyMatcher;
}

export interface ConceptView extends LexiconView {
  /** Every tag met, with its span in the original text (profanity tiers appear as their tier name). */
  tags: { tag: string; start: number; end: number }[];
}

/**
 * Sentence ends: . ! ? and their full-width/CJK/Devanagari/Arabic forms, and line breaks; 1 per UTF-16 code unit
 * that ends a sentence. A table, read per character (callers in other modules should copy the reference to a local
 * first: under tsx an imported binding is a getter).
 */
export const SENTENCE_END_TABLE: Readonly<Uint8Array> = (() => {
  const table = new Uint8Array(65536);
  for (const c of "．.!?。！？।؟\n") table[c.charCodeAt(0)] = 1;
  return table;
})();



/**
 * The text a concept-aware model reads. Tags come from the concept lexicon and the profanity lexicon; see
 * ConceptViewOptions for how they enter the text. Positions map back to the original text as in lexiconView.
 */
export function conceptView(text: string, options: ConceptViewOptions): ConceptView {
  const tagged: { tag: string; start: number; end: number }[] = [];
  const skeleton = skeletonOf(text);
  // Untagged hits are profanity terms (weight tiers); tagged ones are concepts. One matcher may hold both.
  const all = [...(options.lexicon ? options.lexicon.match(text, skeleton) : []), ...(options.concepts ? options.concepts.match(text, skeleton) : [])];
  if (options.fuzzy) for (const hit of options.fuzzy.match(text, skeleton, all)) all.push(hit);
  const hits = mergeHits(all.filter((h) => h.tag === undefined));
  for (const hit of hits) tagged.push({ tag: tierOf(hit.weight), start: hit.start, end: hit.end });
  for (const hit of all) if (hit.tag !== undefined) tagged.push({ tag: hit.tag, start: hit.start, end: hit.end });
  if (tagged.length === 0) return { text: neutralise(text), hits, tags: [], toOriginal: (i) => i };
  tagged.sort((a, b) => a.start - b.start || b.end - a.end || (a.tag < b.tag ? -1 : a.tag > b.tag ? 1 : 0));
  // One entry per (span, tag): the matcher may report a word twice (as a word and as a prefix).
  const tags = tagged.filter((t, i) => {
    const prev = tagged[i - 1];
    return !prev || prev.start !== t.start || prev.end !== t.end || prev.tag !== t.tag;
  });

  // Group tags into spans (overlapping hits form one span) and find where each sentence ends.
  const spans: { start: number; end: number; tags: string[] }[] = [];
  for (const t of tags) {
    const last = spans[spans.length - 1];
    if (last && t.start < last.end) {
      if (t.end > last.end) last.end = t.end;
      if (!last.tags.includes(t.tag)) last.tags.push(t.tag);
    } else spans.push({ start: t.start, end: t.end, tags: [t.tag] });
  }

  const view = new ViewBuilder();
  const push = (piece: string, origin: number, isLiteral: boolean): void => view.push(piece, origin, isLiteral);
  const placeholders = (list: readonly string[]): string =>
    ` ${list.map((t) => (t in PLACEHOLDERS ? PLACEHOLDERS[t as Tier] : conceptPlaceholder(t))).join(" ")} `;

  let at = 0;
  let sentenceTags: string[] = [];
  const flushSentence = (origin: number): void => {
    if (options.pairs && sentenceTags.length > 1) {
      const unique = [...new Set(sentenceTags)].sort();
      const words: string[] = [];
      for (let i = 0; i < unique.length; i++) for (let j = i + 1; j < unique.length; j++) words.push(pairPlaceholder(unique[i] as string, unique[j] as string));
      push(` ${words.join(" ")} `, origin, false);
    }
    sentenceTags = [];
  };
  // Walk the text: literal pieces, placeholders, and a pair block where a sentence with tags ends.
  const copyLiteral = (from: number, to: number): void => {
    let start = from;
    for (let i = from; i < to; i++) {
      if (sentenceTags.length > 0 && SENTENCE_END_TABLE[text.charCodeAt(i)] === 1) {
        push(neutralise(text.slice(start, i)), start, true);
        flushSentence(i);
        start = i;
      }
    }
    push(neutralise(text.slice(start, to)), start, true);
  };
  for (const span of spans) {
    copyLiteral(at, span.start);
    if (options.mode === "replace") {
      push(placeholders(span.tags), span.start, false);
    } else {
      push(neutralise(text.slice(span.start, span.end)), span.start, true);
      push(placeholders(span.tags), span.end, false);
    }
    sentenceTags.push(...span.tags);
    at = span.end;
  }
  copyLiteral(at, text.length);
  flushSentence(text.length);

  return { ...view.build(text.length), hits, tags };
}

const PLACEHOLDER_WORD = /qx[a-z]+q/g;

/**
 * The view with everything but placeholder words blanked to spaces: what a concept-only model reads. Same length
 * as the view, so window i of one is window i of the other.
 */
export function placeholdersOnly(viewText: string): string {
  const parts: string[] = [];
  let at = 0;
  for (const m of viewText.matchAll(PLACEHOLDER_WORD)) {
    parts.push(" ".repeat(m.index - at), m[0]);
    at = m.index + m[0].length;
  }
  parts.push(" ".repeat(viewText.length - at));
  return parts.join("");
}
