// Multilingual lexicon matching over a text's skeleton (see skeleton.ts). Four kinds of term:
//   word   — whole words or word sequences ("ass" matches "ass" but not "class"; "hijo de puta" as three words)
//   prefix — the start of a word, for inflecting and compounding languages ("arsch" matches "Arschloch")
//   sub    — anywhere, for scripts written without spaces (Chinese, Japanese, Thai) and agglutinative Korean;
//            inside one word for other scripts (Arabic clitics: "قنبل" in "بالقنبلة")
//   phrase — a word sequence whose words may be stems: "word*" starts a word, "*word" ends one, "*word*" lies
//            inside one ("сибирск* язв*" for every case of "сибирская язва"; "*السوق السوداء" with clitics)
// Obfuscations handled on top: masked letters ("f*ck"), spaced letters ("f u c k", "f.u.c.k"), stretched letters
// ("fuuuuck"), leetspeak ("sh1t", "a$$"; in skeleton.ts), zero-width characters and full-width letters.
// Work is linear in the text: per word a few map look-ups and one trie walk; per no-space character one trie walk.

import { MASK, type Skeleton, isNoSpaceScript, skeletonOf } from "./skeleton.js";

export type TermMode = "word" | "prefix" | "sub" | "phrase";

export interface LexiconTerm {
  /** Folded with foldTerm(). */
  term: string;
  /** 0..1: how surely the term is offensive wherever it appears. */
  weight: number;
  /** Language the term came from (BCP 47 tag, or "mul"). */
  lang: string;
  mode: TermMode;
  /** What the term stands for, when the lexicon is a concept lexicon ("explosive", "howto"). */
  tag?: string;
}

export interface LexiconHit {
  /** Span in the original text (end exclusive). */
  start: number;
  end: number;
  term: string;
  weight: number;
  lang: string;
  tag?: string;
}

interface TrieNode {
  next: Map<string, TrieNode>;
  term?: LexiconTerm;
}

const MAX_SPACED_RUN = 24;
const NO_LENGTHS: readonly number[] = [];
const NO_TERMS: readonly LexiconTerm[] = [];
const FIRST_INFIX = 1;
const FIRST_CJK = 2;
const NO_PATTERNS: readonly PhrasePattern[] = [];

/** How one word of a phrase term must relate to a word of the text. */
const enum PartKind {
  Exact,
  Prefix,
  Suffix,
  Infix,
}

interface PhrasePart {
  text: string;
  kind: PartKind;
}

interface PhrasePattern {
  parts: PhrasePart[];
  entry: LexiconTerm;
}

function parsePart(word: string): PhrasePart {
  const lead = word.startsWith(PHRASE_STAR);
  const trail = word.endsWith(PHRASE_STAR) && word.length > 1;
  const text = word.slice(lead ? 1 : 0, trail ? word.length - 1 : word.length);
  return { text, kind: lead && trail ? PartKind.Infix : lead ? PartKind.Suffix : trail ? PartKind.Prefix : PartKind.Exact };
}

function partMatches(part: PhrasePart, word: string): boolean {
  switch (part.kind) {
    case PartKind.Exact:
      return word === part.text;
    case PartKind.Prefix:
      return word.startsWith(part.text);
    case PartKind.Suffix:
      return word.endsWith(part.text);
    default:
      return word.includes(part.text);
  }
}

/** Marks a stem in a phrase term; the same character as MASK, which phrase terms never use as a mask. */
const PHRASE_STAR = "*";

function newNode(): TrieNode {
  return { next: new Map() };
}

interface PatternNode {
  next: Map<string, PatternNode>;
  patterns: PhrasePattern[];
}

function newPatternNode(): PatternNode {
  return { next: new Map(), patterns: [] };
}

function insert(root: TrieNode, entry: LexiconTerm, key: string): void {
  let node = root;
  for (const ch of key) {
    let child = node.next.get(ch);
    if (!child) {
      child = newNode();
      node.next.set(ch, child);
    }
    node = child;
  }
  node.term = combine(node.term, entry);
}

/**
 * One stored entry per key and tag: an entry with the same tag (or both untagged) keeps the heavier; an entry with
 * another tag rides along as a sibling, so one matcher can serve a profanity lexicon and a concept lexicon at once
 * ("idiot" is both a profanity term and an ⟨insult⟩ concept) and every hit reports both.
 */
interface StoredTerm extends LexiconTerm {
  siblings?: LexiconTerm[];
}

function combine(have: StoredTerm | undefined, entry: LexiconTerm): StoredTerm {
  if (!have) return { ...entry };
  if (have.tag === entry.tag) {
    if (have.weight >= entry.weight) return have;
    const replaced: StoredTerm = { ...entry };
    if (have.siblings) replaced.siblings = have.siblings;
    return replaced;
  }
  const siblings = have.siblings ?? [];
  const same = siblings.findIndex((t) => t.tag === entry.tag);
  if (same < 0) siblings.push(entry);
  else if ((siblings[same] as LexiconTerm).weight < entry.weight) siblings[same] = entry;
  have.siblings = siblings;
  return have;
}

/** Keep the heavier of two entries for the same key and tag (see combine). */
function keepHeavier(map: Map<string, LexiconTerm>, key: string, entry: LexiconTerm): void {
  map.set(key, combine(map.get(key), entry));
}

/** Collapse runs of three or more equal letters to `keep` letters ("fuuuuck" → "fuck" / "fuuck"). */
function collapseRuns(word: string, keep: 1 | 2): string {
  return word.replace(/(.)\1{2,}/gu, keep === 1 ? "$1" : "$1$1");
}

export class LexiconMatcher {
  private readonly words = new Map<string, LexiconTerm>();
  private readonly prefixes = newNode();
  /** Substring terms inside one word (Latin-script "*scheiße*"). */
  private readonly infixes = newNode();
  /** Substring terms of no-space scripts; walking skips single spaces ("개 새 끼"). */
  private readonly cjk = newNode();
  /** Single-word word terms by length, for masked words ("f*ck" is tested against the 4-letter terms). */
  private readonly byLength = new Map<number, LexiconTerm[]>();
  /** First words of multi-word terms, with the word counts of the terms they start: only those are tried. */
  private readonly phraseStarts = new Map<string, number[]>();
  /** Phrase terms by their first word: exact first words in a map, stems in a trie, the rest (suffix, infix) listed. */
  private readonly patternsByWord = new Map<string, PhrasePattern[]>();
  private readonly patternStems = newPatternNode();
  /** Phrase terms whose first word is a suffix ("*السوق السوداء*"), by the suffix's last character; infix-first ones under "". */
  private readonly patternsBySuffixEnd = new Map<string, PhrasePattern[]>();
  private readonly hasPatterns: boolean;
  /** Per UTF-16 code unit: FIRST_INFIX / FIRST_CJK when a substring term starts with it. */
  private readonly firstUnits = new Uint8Array(65536);
  readonly size: number;

  constructor(terms: readonly LexiconTerm[]) {
    for (const entry of terms) {
      if (entry.term.length === 0) continue;
      if (entry.mode === "word") {
        keepHeavier(this.words, entry.term, entry);
        const words = entry.term.split(" ");
        const count = words.length;
        if (count > 1) {
          const lengths = this.phraseStarts.get(words[0] as string) ?? [];
          if (!lengths.includes(count)) lengths.push(count);
          this.phraseStarts.set(words[0] as string, lengths);
        }
        // Masked words ("f*ck") are a profanity obfuscation: only untagged (profanity) terms are tried for them.
        if (count === 1 && !entry.term.includes(MASK) && entry.tag === undefined) {
          const list = this.byLength.get(entry.term.length) ?? [];
          list.push(entry);
          this.byLength.set(entry.term.length, list);
        }
      } else if (entry.mode === "phrase") {
        this.addPattern(entry);
      } else if (entry.mode === "prefix") {
        insert(this.prefixes, entry, entry.term);
      } else if (isNoSpaceScript(entry.term)) {
        insert(this.cjk, entry, entry.term.replace(/ /g, ""));
      } else {
        insert(this.infixes, entry, entry.term);
      }
    }
    this.size = terms.length;
    this.hasPatterns = this.patternsByWord.size > 0 || this.patternStems.next.size > 0 || this.patternsBySuffixEnd.size > 0;
    // Which code units start a substring term: the per-character scan then costs one array read per character.
    for (const ch of this.infixes.next.keys()) this.firstUnits[ch.charCodeAt(0)] = (this.firstUnits[ch.charCodeAt(0)] as number) | FIRST_INFIX;
    for (const ch of this.cjk.next.keys()) this.firstUnits[ch.charCodeAt(0)] = (this.firstUnits[ch.charCodeAt(0)] as number) | FIRST_CJK;
  }

  private addPattern(entry: LexiconTerm): void {
    const parts = entry.term.split(" ").filter((w) => w.length > 0).map(parsePart);
    const first = parts[0];
    if (!first || parts.some((p) => p.text.length === 0)) return;
    const pattern: PhrasePattern = { parts, entry };
    if (first.kind === PartKind.Exact) {
      const list = this.patternsByWord.get(first.text) ?? [];
      list.push(pattern);
      this.patternsByWord.set(first.text, list);
    } else if (first.kind === PartKind.Prefix) {
      let node = this.patternStems;
      for (const ch of first.text) {
        let child = node.next.get(ch);
        if (!child) {
          child = newPatternNode();
          node.next.set(ch, child);
        }
        node = child;
      }
      node.patterns.push(pattern);
    } else {
      const key = first.kind === PartKind.Suffix ? first.text.charAt(first.text.length - 1) : "";
      const list = this.patternsBySuffixEnd.get(key) ?? [];
      list.push(pattern);
      this.patternsBySuffixEnd.set(key, list);
    }
  }

  /** Phrase terms starting at word w (words given by their skeleton bounds). */
  private matchPatterns(word: string, s: string, starts: readonly number[], ends: readonly number[], w: number, add: (from: number, to: number, e: LexiconTerm) => void): void {
    const exact = this.patternsByWord.get(word);
    if (exact) for (const pattern of exact) this.tryPattern(pattern, word, s, starts, ends, w, add);
    let node: PatternNode | undefined = this.patternStems;
    for (let i = 0; i < word.length && node; i++) {
      node = node.next.get(word.charAt(i));
      if (node) for (const pattern of node.patterns) this.tryPattern(pattern, word, s, starts, ends, w, add);
    }
    const bySuffix = this.patternsBySuffixEnd.get(word.charAt(word.length - 1));
    if (bySuffix) for (const pattern of bySuffix) this.tryPattern(pattern, word, s, starts, ends, w, add);
    const infixFirst = this.patternsBySuffixEnd.get("");
    if (infixFirst) for (const pattern of infixFirst) this.tryPattern(pattern, word, s, starts, ends, w, add);
  }

  private tryPattern(
    pattern: PhrasePattern,
    word: string,
    s: string,
    starts: readonly number[],
    ends: readonly number[],
    w: number,
    add: (from: number, to: number, e: LexiconTerm) => void,
  ): void {
    const { parts } = pattern;
    if (w + parts.length > starts.length) return;
    for (let k = 0; k < parts.length; k++) {
      const wk = w + k;
      if (!partMatches(parts[k] as PhrasePart, k === 0 ? word : s.slice(starts[wk] as number, ends[wk] as number))) return;
    }
    add(starts[w] as number, ends[w + parts.length - 1] as number, pattern.entry);
  }

  /**
   * Every lexicon hit in `text`, sorted by start; pass `skeleton` (skeletonOf(text)) when several matchers read one
   * text, to fold it once. overlapping hits are kept (callers may merge). */
  match(text: string, skeleton: Skeleton = skeletonOf(text)): LexiconHit[] {
    const s = skeleton.text;
    const hits: LexiconHit[] = [];
    const add = (from: number, to: number, entry: LexiconTerm): void => {
      // Map skeleton [from, to) back to the original text: the start of the first char to the end of the last.
      const start = skeleton.origin[from] as number;
      const lastOrigin = skeleton.origin[to - 1] as number;
      const end = lastOrigin + (isHighSurrogate(text.charCodeAt(lastOrigin)) ? 2 : 1);
      for (const e of [entry, ...((entry as StoredTerm).siblings ?? NO_TERMS)]) {
        const hit: LexiconHit = { start, end, term: e.term, weight: e.weight, lang: e.lang };
        if (e.tag !== undefined) hit.tag = e.tag;
        hits.push(hit);
      }
    };

    // Word boundaries in the skeleton: words are separated by exactly one space.
    const starts: number[] = [];
    const ends: number[] = [];
    for (let i = 0; i < s.length; ) {
      const j = s.indexOf(" ", i);
      const end = j < 0 ? s.length : j;
      starts.push(i);
      ends.push(end);
      i = end + 1;
    }

    for (let w = 0; w < starts.length; w++) {
      const from = starts[w] as number;
      const to = ends[w] as number;
      const word = s.slice(from, to);
      this.matchWord(word, from, to, add);
      // Multi-word terms ("hijo de puta", "go kill yourself").
      for (const n of this.phraseStarts.get(word) ?? NO_LENGTHS) {
        if (w + n - 1 >= starts.length) continue;
        const last = ends[w + n - 1] as number;
        const entry = this.words.get(s.slice(from, last));
        if (entry) add(from, last, entry);
      }
      if (this.hasPatterns) this.matchPatterns(word, s, starts, ends, w, add);
      // A prefix hit covers the whole word: "Arschgeige" is the offending word, not "Arsch". Longest prefix wins.
      let node: TrieNode | undefined = this.prefixes;
      let found: LexiconTerm | undefined;
      for (let i = from; i < to && node; i++) {
        node = node.next.get(s.charAt(i));
        if (node?.term) found = node.term;
      }
      if (found) add(from, to, found);
    }

    // Spaced letters: a run of three or more one-letter words read as one word ("f u c k", "f.u.c.k").
    for (let w = 0; w < starts.length; ) {
      let r = w;
      while (r < starts.length && (ends[r] as number) - (starts[r] as number) === 1 && r - w < MAX_SPACED_RUN) r++;
      if (r - w >= 3) this.matchSpacedRun(s, starts, w, r, add);
      w = r > w ? r : w + 1;
    }

    // Substring terms: Latin infixes stay inside a word; no-space scripts may skip single spaces.
    let wordEnd = -1;
    const first = this.firstUnits;
    for (let i = 0; i < s.length; i++) {
      const starts = first[s.charCodeAt(i)] as number;
      if (starts === 0) continue;
      if ((starts & FIRST_INFIX) !== 0) {
        if (wordEnd < i) {
          wordEnd = s.indexOf(" ", i);
          if (wordEnd < 0) wordEnd = s.length;
        }
        this.walk(this.infixes, s, i, wordEnd, false, (end, entry) => add(i, end, entry));
      }
      if ((starts & FIRST_CJK) !== 0) this.walk(this.cjk, s, i, s.length, true, (end, entry) => add(i, end, entry));
    }
    hits.sort((a, b) => a.start - b.start || b.end - a.end);
    return hits;
  }

  /** One word and its de-obfuscated variants. */
  private matchWord(word: string, from: number, to: number, add: (from: number, to: number, e: LexiconTerm) => void): void {
    const direct = this.words.get(word);
    if (direct) {
      add(from, to, direct);
      return;
    }
    if (word.includes(MASK)) {
      const masked = this.matchMasked(word);
      if (masked) add(from, to, masked);
      return;
    }
    if (!hasStretch(word)) return;
    for (const variant of [collapseRuns(word, 2), collapseRuns(word, 1)]) {
      const entry = this.words.get(variant);
      if (entry) {
        add(from, to, entry);
        return;
      }
    }
  }

  /** "f*ck" / "sh**t": the heaviest same-length term that agrees on every unmasked letter (at least two). */
  private matchMasked(word: string): LexiconTerm | undefined {
    let letters = 0;
    for (const ch of word) if (ch !== MASK) letters++;
    if (letters < 2 || letters === word.length) return undefined;
    let best: LexiconTerm | undefined;
    for (const entry of this.byLength.get(word.length) ?? []) {
      let agrees = true;
      for (let k = 0; k < word.length; k++) {
        const ch = word.charAt(k);
        if (ch !== MASK && ch !== entry.term.charAt(k)) {
          agrees = false;
          break;
        }
      }
      if (agrees && (!best || best.weight < entry.weight)) best = entry;
    }
    return best;
  }

  private matchSpacedRun(
    s: string,
    starts: readonly number[],
    first: number,
    end: number,
    add: (from: number, to: number, e: LexiconTerm) => void,
  ): void {
    // Longest sub-run first, so "f u c k i n g" reports "fucking" rather than "fuck" as well.
    for (let a = first; a <= end - 3; a++) {
      for (let b = end; b - a >= 3; b--) {
        let joined = "";
        for (let k = a; k < b; k++) joined += s.charAt(starts[k] as number);
        const entry = this.words.get(joined) ?? this.words.get(collapseRuns(joined, 1));
        if (entry) {
          add(starts[a] as number, (starts[b - 1] as number) + 1, entry);
          a = b - 1;
          break;
        }
      }
    }
  }

  /** Walk `root` from s[from]; report the longest term that ends before `limit`. */
  private walk(
    root: TrieNode,
    s: string,
    from: number,
    limit: number,
    skipSpaces: boolean,
    report: (end: number, entry: LexiconTerm) => void,
  ): void {
    let node: TrieNode | undefined = root;
    let found: LexiconTerm | undefined;
    let foundEnd = -1;
    for (let i = from; i < limit && node; i++) {
      const ch = s.charAt(i);
      if (skipSpaces && ch === " " && i > from) continue;
      node = node.next.get(ch);
      if (node?.term) {
        found = node.term;
        foundEnd = i + 1;
      }
    }
    if (found) report(foundEnd, found);
  }
}

/** True when a letter repeats three or more times in a row ("fuuuck"): only then are collapsed variants tried. */
function hasStretch(word: string): boolean {
  for (let i = 2; i < word.length; i++) {
    const c = word.charCodeAt(i);
    if (c === word.charCodeAt(i - 1) && c === word.charCodeAt(i - 2)) return true;
  }
  return false;
}

function isHighSurrogate(code: number): boolean {
  return code >= 0xd800 && code <= 0xdbff;
}

/** Merge overlapping hits into spans, keeping the heaviest term's weight for each. */
export function mergeHits(hits: readonly LexiconHit[]): LexiconHit[] {
  const merged: LexiconHit[] = [];
  for (const hit of [...hits].sort((a, b) => a.start - b.start)) {
    const last = merged[merged.length - 1];
    if (last && hit.start < last.end) {
      if (hit.end > last.end) last.end = hit.end;
      if (hit.weight > last.weight) {
        last.weight = hit.weight;
        last.term = hit.term;
        last.lang = hit.lang;
        if (hit.tag !== undefined) last.tag = hit.tag;
      }
    } else {
      merged.push({ ...hit });
    }
  }
  return merged;
}
