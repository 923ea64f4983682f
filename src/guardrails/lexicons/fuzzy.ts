// Fuzzy lexicon matching for obfuscated Latin-script words: "fvck", "fcuk", "assfcker", "thraet", "tortuer",
// "disgutsed", "bullsiht" (one letter dropped, two neighbours swapped, a vowel or v/u changed) and run-together words
// ("blackvermin", "massivescumbags").
//
// Targets are English terms only (profanity of weight ≥ 0.6 and a few concept tags, FUZZY_TAGS): the obfuscation
// habits in the data are English, and a near miss of an Italian or Finnish swear word is far more often an ordinary
// word of some third language ("kanggo", "pesen"). A word of four letters or more that no exact term matched
// matches a term when it is the term with one letter deleted, with two neighbouring letters swapped, or with the
// same letters up to vowels (v reads as u); four-letter words only by "v" for "u" ("fvck"), as short words of other
// languages collide too easily ("pesa", "haus"). A run-together word of eight letters or more
// matches when one end is a whole target term of five letters or more and the rest has four.
//
// Real words collide ("duck" and "dick" differ by a vowel): the trainer lists every dictionary and benign-reference
// word that would produce a fuzzy hit (an-array-of-english-words plus the benign multilingual reference text) and
// compiles that list into the model file, so a known word never matches fuzzily; only unknown spellings do.

import type { LexiconHit, LexiconTerm } from "./matcher.js";
import type { Skeleton } from "./skeleton.js";

export interface CompiledFuzzy {
  format: "tollgate-fuzzy/1";
  /** Known words (dictionary, benign reference) that a fuzzy rule would otherwise match: never matched fuzzily. */
  blocked: string[];
}

const MIN_WORD = 4;
const MIN_FUZZY_WORD = 5;
const MIN_DELETE_TERM = 5;
const MIN_SPLIT_WORD = 8;
const MIN_SPLIT_TERM = 5;
const MIN_SPLIT_REST = 4;
const MIN_WEIGHT = 0.6;
const LATIN_WORD = /^[a-z]+$/;

/** Vowels (and v, read as u) folded to one letter: "fvck", "fack" and "fuck" share a shape. */
export function vowelShape(word: string): string {
  return word.replace(/[aeiouyv]/g, "a");
}

/**
 * Concept tags a fuzzy hit may carry: words people misspell on purpose to slip past a filter (profanity is
 * untagged). Framing and topic words ("tutorial", "history") are left exact.
 */
export const FUZZY_TAGS: ReadonlySet<string> = new Set([
  "group", "insult", "dehuman", "exterminate", "kill", "hurt", "harass", "torture", "rape", "hateideology", "sexual",
]);

/** Terms a fuzzy rule may stand for: single Latin words (or stems) of four letters or more, profanity or a FUZZY_TAGS concept. */
function eligible(term: LexiconTerm): boolean {
  if (term.tag !== undefined ? !FUZZY_TAGS.has(term.tag) : term.weight < MIN_WEIGHT) return false;
  if (term.lang !== "en" && term.lang !== "mul") return false;
  return term.mode === "word" && term.term.length >= MIN_WORD && LATIN_WORD.test(term.term);
}

export class FuzzyMatcher {
  /** Variants of target terms (one deletion, one neighbour swap, the vowel shape) → the term. */
  private readonly variants = new Map<string, LexiconTerm>();
  private readonly exact = new Map<string, LexiconTerm>();
  private readonly blocked: Set<string>;

  constructor(terms: readonly LexiconTerm[], compiled?: CompiledFuzzy) {
    const put = (map: Map<string, LexiconTerm>, key: string, term: LexiconTerm): void => {
      const had = map.get(key);
      if (!had || term.weight > had.weight) map.set(key, term);
    };
    for (const term of terms) {
      if (!eligible(term)) continue;
      const t = term.term;
      put(this.exact, t, term);
      put(this.variants, `v:${vowelShape(t)}`, term);
      for (let i = 0; i + 1 < t.length; i++) put(this.variants, t.slice(0, i) + t.charAt(i + 1) + t.charAt(i) + t.slice(i + 2), term);
      if (t.length >= MIN_DELETE_TERM) for (let i = 0; i < t.length; i++) put(this.variants, t.slice(0, i) + t.slice(i + 1), term);
    }
    this.blocked = new Set(compiled?.blocked ?? []);
  }

  /** The term an unknown word stands for, or undefined (ignores the blocked list: the trainer uses this to build it). */
  lookup(word: string): LexiconTerm | undefined {
    if (word.length < MIN_WORD || !LATIN_WORD.test(word) || this.exact.has(word)) return undefined;
    // Four-letter words collide with short words of other languages ("pesa", "haus"): only "v" for "u" there.
    if (word.length < MIN_FUZZY_WORD) return word.includes("v") ? this.exact.get(word.replace(/v/g, "u")) : undefined;
    const hit = this.variants.get(word) ?? this.variants.get(`v:${vowelShape(word)}`);
    if (hit) return hit;
    if (word.length >= MIN_SPLIT_WORD) {
      // Longest whole term at either end, the rest at least four letters.
      for (let len = word.length - MIN_SPLIT_REST; len >= MIN_SPLIT_TERM; len--) {
        const tail = this.exact.get(word.slice(word.length - len));
        if (tail) return tail;
        const head = this.exact.get(word.slice(0, len));
        if (head) return head;
      }
    }
    return undefined;
  }

  /**
   * Fuzzy hits in a text: skeleton words that no exact hit covers (`covered`: the exact hits, in original offsets)
   * and that are not known words.
   */
  match(text: string, skeleton: Skeleton, covered: readonly LexiconHit[]): LexiconHit[] {
    const s = skeleton.text;
    const out: LexiconHit[] = [];
    for (let i = 0; i < s.length; ) {
      const j = s.indexOf(" ", i);
      const end = j < 0 ? s.length : j;
      if (end - i >= MIN_WORD) {
        const word = s.slice(i, end);
        if (!this.blocked.has(word)) {
          const term = this.lookup(word);
          if (term) {
            const start = skeleton.origin[i] as number;
            const last = skeleton.origin[end - 1] as number;
            const stop = last + 1;
            if (!covered.some((h) => h.start < stop && start < h.end)) {
              const hit: LexiconHit = { start, end: Math.min(text.length, stop), term: term.term, weight: term.weight, lang: term.lang };
              if (term.tag !== undefined) hit.tag = term.tag;
              out.push(hit);
            }
          }
        }
      }
      i = end + 1;
    }
    return out;
  }
}

/** The known words a fuzzy rule would match: what the trainer compiles into CompiledFuzzy.blocked. */
export function blockedWords(terms: readonly LexiconTerm[], knownWords: Iterable<string>): string[] {
  const fuzzy = new FuzzyMatcher(terms);
  const out = new Set<string>();
  for (const raw of knownWords) {
    const word = raw.toLowerCase();
    if (fuzzy.lookup(word)) out.add(word);
  }
  return [...out].sort();
}
