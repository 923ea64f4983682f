// Multilingual lexicon matching over a text's skeleton (see skeleton.ts). Three kinds of term:
//   word   — whole words or word sequences ("ass" matches "ass" but not "class"; "hijo de puta" as three words)
//   prefix — the start of a word, for inflecting and compounding languages ("arsch" matches "Arschloch")
//   sub    — anywhere, for scripts written without spaces (Chinese, Japanese, Thai) and agglutinative Korean
// Obfuscations handled on top: masked letters ("f*ck"), spaced letters ("f u c k", "f.u.c.k"), stretched letters
// ("fuuuuck"), leetspeak ("sh1t", "a$$"; in skeleton.ts), zero-width characters and full-width letters.
// Work is linear in the text: per word a few map look-ups and one trie walk; per no-space character one trie walk.

import { MASK, isNoSpaceScript, skeletonOf } from "./skeleton.js";

export type TermMode = "word" | "prefix" | "sub";

export interface LexiconTerm {
  /** Folded with foldTerm(). */
  term: string;
  /** 0..1: how surely the term is offensive wherever it appears. */
  weight: number;
  /** Language the term came from (BCP 47 tag, or "mul"). */
  lang: string;
  mode: TermMode;
}

export interface LexiconHit {
  /** Span in the original text (end exclusive). */
  start: number;
  end: number;
  term: string;
  weight: number;
  lang: string;
}

interface TrieNode {
  next: Map<string, TrieNode>;
  term?: LexiconTerm;
}

const MAX_SPACED_RUN = 24;

function newNode(): TrieNode {
  return { next: new Map() };
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
  if (!node.term || node.term.weight < entry.weight) node.term = entry;
}

/** Keep the heavier of two entries for the same key. */
function keepHeavier(map: Map<string, LexiconTerm>, key: string, entry: LexiconTerm): void {
  const have = map.get(key);
  if (!have || have.weight < entry.weight) map.set(key, entry);
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
  /** First words of multi-word terms: phrases are only tried from these. */
  private readonly phraseStarts = new Set<string>();
  private readonly maxWords: number;
  readonly size: number;

  constructor(terms: readonly LexiconTerm[]) {
    let maxWords = 1;
    for (const entry of terms) {
      if (entry.term.length === 0) continue;
      if (entry.mode === "word") {
        keepHeavier(this.words, entry.term, entry);
        const words = entry.term.split(" ");
        const count = words.length;
        if (count > maxWords) maxWords = count;
        if (count > 1) this.phraseStarts.add(words[0] as string);
        if (count === 1 && !entry.term.includes(MASK)) {
          const list = this.byLength.get(entry.term.length) ?? [];
          list.push(entry);
          this.byLength.set(entry.term.length, list);
        }
      } else if (entry.mode === "prefix") {
        insert(this.prefixes, entry, entry.term);
      } else if (isNoSpaceScript(entry.term)) {
        insert(this.cjk, entry, entry.term.replace(/ /g, ""));
      } else {
        insert(this.infixes, entry, entry.term);
      }
    }
    this.maxWords = maxWords;
    this.size = terms.length;
  }

  /** Every lexicon hit in `text`, sorted by start; overlapping hits are kept (callers may merge). */
  match(text: string): LexiconHit[] {
    const skeleton = skeletonOf(text);
    const s = skeleton.text;
    const hits: LexiconHit[] = [];
    const add = (from: number, to: number, entry: LexiconTerm): void => {
      // Map skeleton [from, to) back to the original text: the start of the first char to the end of the last.
      const start = skeleton.origin[from] as number;
      const lastOrigin = skeleton.origin[to - 1] as number;
      const end = lastOrigin + (isHighSurrogate(text.charCodeAt(lastOrigin)) ? 2 : 1);
      hits.push({ start, end, term: entry.term, weight: entry.weight, lang: entry.lang });
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
      for (let n = 2; this.phraseStarts.has(word) && n <= this.maxWords && w + n - 1 < starts.length; n++) {
        const last = ends[w + n - 1] as number;
        const entry = this.words.get(s.slice(from, last));
        if (entry) add(from, last, entry);
      }
      // A prefix hit covers the whole word: "Arschgeige" is the offending word, not "Arsch".
      this.walk(this.prefixes, s, from, to, false, (_end, entry) => add(from, to, entry));
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
    for (let i = 0; i < s.length; i++) {
      const ch = s.charAt(i);
      if (ch === " ") continue;
      if (this.infixes.next.has(ch)) {
        if (wordEnd < i) {
          wordEnd = s.indexOf(" ", i);
          if (wordEnd < 0) wordEnd = s.length;
        }
        this.walk(this.infixes, s, i, wordEnd, false, (end, entry) => add(i, end, entry));
      }
      // No-space scripts all lie above U+0E00 (Thai); skip the map for everything below.
      if (s.charCodeAt(i) >= 0x0e00 && this.cjk.next.has(ch)) this.walk(this.cjk, s, i, s.length, true, (end, entry) => add(i, end, entry));
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
      }
    } else {
      merged.push({ ...hit });
    }
  }
  return merged;
}
