// The "skeleton" of a text is what lexicon matching reads: lowercased (NFKC per character), leetspeak
// digits and symbols read as letters inside words, zero-width characters dropped and every run of separators
// collapsed to one space. Each skeleton character remembers the index of the original character it came from,
// so a match in the skeleton maps back to a span of the original text.
//
// The same function folds lexicon terms at compile time, so a term and the text it should match are compared in
// one form ("Scheiße", "SCHEIßE" and "sch3iße" all meet).

/** Characters that hide inside words to break matching; they are skipped entirely. */
const INVISIBLE = /[\u00ad\u034f\u061c\u115f\u1160\u17b4\u17b5\u180b-\u180f\u200b-\u200f\u202a-\u202e\u2060-\u206f\u3164\ufe00-\ufe0f\ufeff\uffa0]/u;

/** Leetspeak and masking symbols read as letters when they stand inside a word that has letters. */
const LEET: Readonly<Record<string, string>> = {
  "0": "o",
  "1": "i",
  "3": "e",
  "4": "a",
  "5": "s",
  "7": "t",
  "8": "b",
  "@": "a",
  $: "s",
  "!": "i",
  "|": "i",
  "€": "e",
};

/** A mask character stands for one unknown letter ("f*ck", "sh#t"). */
export const MASK = "*";
const MASK_CHARS = new Set(["*", "#", "%", "_", "•", "·"]);

/** Scripts written without spaces between words (matching there is by substring, not by word). */
export const NO_SPACE_SCRIPT = /[\p{Script=Han}\p{Script=Hiragana}\p{Script=Katakana}\p{Script=Thai}\p{Script=Hangul}\p{Script=Lao}\p{Script=Khmer}\p{Script=Myanmar}]/u;

const LETTER_OR_MARK = /[\p{L}\p{M}]/u;
const DIGIT = /\p{N}/u;

const enum Kind {
  Separator,
  Letter,
  Digit,
  Symbol,
  Mask,
  Invisible,
}

let kindTable: Uint8Array | undefined;
let foldTable: string[] | undefined;

/** Per code unit: its kind and its folded form (lowercase, Latin diacritics stripped). Built once. */
function tables(): { kinds: Uint8Array; folds: string[] } {
  if (kindTable && foldTable) return { kinds: kindTable, folds: foldTable };
  const kinds = new Uint8Array(65536);
  const folds = new Array<string>(65536);
  for (let c = 0; c < 65536; c++) {
    const raw = String.fromCharCode(c);
    const compat = raw.normalize("NFKC");
    // Classify the compatibility form: a full-width "＄" is a leet symbol like "$".
    const ch = compat.length === 1 ? compat : raw;
    if (c >= 0xd800 && c <= 0xdfff) {
      // Astral characters (emoji, rare CJK) keep both halves as letters so positions stay aligned.
      kinds[c] = Kind.Letter;
      folds[c] = raw;
      continue;
    }
    if (INVISIBLE.test(ch)) kinds[c] = Kind.Invisible;
    else if (MASK_CHARS.has(ch)) kinds[c] = Kind.Mask;
    else if (LETTER_OR_MARK.test(ch)) kinds[c] = Kind.Letter;
    else if (DIGIT.test(ch)) kinds[c] = Kind.Digit;
    else if (ch in LEET) kinds[c] = Kind.Symbol;
    else if (ch === "'" || ch === "’") kinds[c] = Kind.Symbol;
    else kinds[c] = Kind.Separator;
    folds[c] = foldChar(ch);
  }
  kindTable = kinds;
  foldTable = folds;
  return { kinds, folds };
}

/**
 * Lowercase one character, keeping one code unit. Diacritics stay: stripping them in the text would turn
 * Vietnamese "bóng" (ball) into a lexicon word. compile.ts adds accent-free variants of terms instead, for
 * people who type "cabron" for "cabrón".
 */
function foldChar(ch: string): string {
  // NFKC first so that full-width and styled letters ("ｆｕｃｋ", "𝐟") read as plain ones where it stays one unit.
  const compat = ch.normalize("NFKC");
  const lower = (compat.length === 1 ? compat : ch).toLowerCase();
  return lower.length === 1 ? lower : ch;
}

/** Remove Latin diacritics ("cabrón" → "cabron"); other scripts are left alone. */
export function stripLatinDiacritics(term: string): string {
  return term.replace(/[\u00c0-\u024f]/g, (ch) => {
    const base = ch.normalize("NFD").charAt(0);
    return base.charCodeAt(0) < 128 ? base : ch;
  });
}

export interface Skeleton {
  /** The folded text: word characters, single spaces between words, MASK for masking symbols. */
  text: string;
  /** origin[i] is the index in the original text of skeleton character i. */
  origin: Int32Array;
}

/**
 * Fold `text` into its skeleton. Apostrophes inside a word are dropped ("motherf'in" → "motherfin"), leet symbols
 * become letters only inside words that also contain a letter (so "455" stays a number, "a55" becomes "ass").
 */
export function skeletonOf(text: string): Skeleton {
  const { kinds, folds } = tables();
  const length = text.length;
  // Typed buffers: the skeleton is never longer than the text (separators collapse, invisibles drop).
  const out = new Uint16Array(length);
  const origin = new Int32Array(length);
  let n = 0;
  let i = 0;
  while (i < length) {
    const kind = kinds[text.charCodeAt(i)] as Kind;
    if (kind === Kind.Separator || kind === Kind.Invisible) {
      i++;
      continue;
    }
    // A word: the maximal run of letters, digits, leet symbols, masks and invisibles.
    const start = i;
    let hasLetter = false;
    while (i < length) {
      const k = kinds[text.charCodeAt(i)] as Kind;
      if (k === Kind.Separator) break;
      if (k === Kind.Letter) hasLetter = true;
      i++;
    }
    if (n > 0) {
      out[n] = 32;
      origin[n] = start;
      n++;
    }
    for (let j = start; j < i; j++) {
      const code = text.charCodeAt(j);
      const k = kinds[code] as Kind;
      if (k === Kind.Invisible) continue;
      const ch = folds[code] as string;
      let folded: string;
      if (k === Kind.Mask) folded = hasLetter ? MASK : ch;
      else if (k === Kind.Letter) folded = ch;
      else if (hasLetter && ch in LEET) folded = LEET[ch] as string;
      else if (ch === "'" || ch === "’") continue;
      else folded = ch;
      out[n] = folded.charCodeAt(0);
      origin[n] = j;
      n++;
    }
  }
  return { text: decodeUnits(out, n), origin: origin.slice(0, n) };
}

/** UTF-16 code units to a string, in chunks (fromCharCode takes a bounded number of arguments). */
function decodeUnits(units: Uint16Array, n: number): string {
  const CHUNK = 8192;
  if (n <= CHUNK) return String.fromCharCode.apply(null, units.subarray(0, n) as unknown as number[]);
  const parts: string[] = [];
  for (let at = 0; at < n; at += CHUNK) parts.push(String.fromCharCode.apply(null, units.subarray(at, Math.min(n, at + CHUNK)) as unknown as number[]));
  return parts.join("");
}

/** Fold a lexicon term the way texts are folded (one line, words separated by single spaces). */
export function foldTerm(term: string): string {
  return skeletonOf(term.normalize("NFKC")).text;
}

/** True when the first character of `s` belongs to a script written without spaces. */
export function isNoSpaceScript(s: string): boolean {
  return NO_SPACE_SCRIPT.test(s.charAt(0));
}
