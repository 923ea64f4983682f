// Shared text normalisation for every evaluator. Attackers hide instructions from pattern matchers and models with
// fullwidth or mathematical letters, zero-width and Unicode tag characters, Cyrillic/Greek look-alikes inside Latin
// words, runs of whitespace, letters spaced out one by one, and encodings (base64, hex, URL escapes, rot13, reversed
// text). normalize() folds the visual tricks while keeping, for every output code unit, the range of the original
// string it came from, so evaluators can report spans in ORIGINAL indices. decodeVariants() returns decoded payloads
// as extra texts to score, each tied to the original range it was decoded from.

/** A normalised text and its mapping back to the original. */
export interface NormalizedText {
  original: string;
  text: string;
  /** text[i] came from original[starts[i] .. ends[i]). */
  starts: Int32Array;
  ends: Int32Array;
}

export type VariantKind = "base64" | "hex" | "url" | "rot13" | "reversed" | "spaced" | "tags";

/** A text ready for scanning: its normalised form and decoded variants, computed once and shared by evaluators. */
export interface PreparedText {
  normalized: NormalizedText;
  variants: DecodedVariant[];
}

/** A decoded or re-assembled payload, already normalised, with the original range it was found in. */
export interface DecodedVariant {
  kind: VariantKind;
  text: string;
  start: number;
  end: number;
}

/** Map a [start, end) range of normalized.text back to the original string. */
export function toOriginalRange(normalized: NormalizedText, start: number, end: number): { start: number; end: number } {
  const n = normalized.text.length;
  if (n === 0) return { start: 0, end: 0 };
  const s = Math.min(Math.max(0, start), n - 1);
  const e = Math.min(Math.max(s + 1, end), n);
  return { start: normalized.starts[s] as number, end: normalized.ends[e - 1] as number };
}

/** True when the text holds anything but printable ASCII, tab and newlines (then normalize() has work to do). */
export function needsUnicodeNormalization(text: string): boolean {
  return NON_PLAIN_ASCII.test(text);
}
const NON_PLAIN_ASCII = /[^\t\n\r\x20-\x7e]/;

/**
 * needsUnicodeNormalization(original), answered without another scan when `normalized` is normalize(original)'s
 * result for plain ASCII (only that path builds a LazyMapping).
 */
export function needsUnicodeNormalizationOf(original: string, normalized: NormalizedText): boolean {
  if (normalized instanceof LazyMapping && normalized.original === original) return false;
  return needsUnicodeNormalization(original);
}

// Invisible or formatting code points dropped outright: soft hyphen, combining grapheme joiner, Arabic letter mark,
// Hangul fillers, Khmer/Mongolian invisibles, zero-width space/joiners, bidi controls, word joiner and invisible
// operators, variation selectors, BOM, musical-notation format controls, Unicode tags (used to smuggle ASCII).
const INVISIBLE =
  /[\u00ad\u034f\u061c\u115f\u1160\u17b4\u17b5\u180b-\u180f\u200b-\u200f\u202a-\u202e\u2060-\u206f\u3164\ufe00-\ufe0f\ufeff\uffa0]|\ud834[\udd73-\udd7a]|\udb40[\udc00-\udc7f\udd00-\uddef]/;
const WHITESPACE = /\s/;
const COMBINING_MARK = /\p{M}/u;

// Look-alikes folded only inside words that mix them with Latin letters (or everywhere when the text is mostly
// Latin), so genuine Russian or Greek text keeps its own letters.
const HOMOGLYPHS: Record<string, string> = {
  // Cyrillic
  а: "a", в: "b", е: "e", ё: "e", і: "i", ї: "i", ј: "j", к: "k", о: "o", р: "p", с: "c", у: "y", х: "x", ѕ: "s",
  ԁ: "d", ԛ: "q", ԝ: "w", һ: "h", ӏ: "l", ү: "y", ց: "g",
  А: "A", В: "B", Е: "E", Ё: "E", І: "I", Ј: "J", К: "K", М: "M", Н: "H", О: "O", Р: "P", С: "C", Ѕ: "S", Т: "T",
  Х: "X", У: "Y", Ү: "Y", Ԛ: "Q", Ԝ: "W", Һ: "H", Ӏ: "I",
  // Greek
  α: "a", ι: "i", κ: "k", ν: "v", ο: "o", ρ: "p", υ: "u", χ: "x", γ: "y",
  Α: "A", Β: "B", Ε: "E", Ζ: "Z", Η: "H", Ι: "I", Κ: "K", Μ: "M", Ν: "N", Ο: "O", Ρ: "P", Τ: "T", Υ: "Y", Χ: "X",
  // Armenian and Latin extensions that read as plain letters
  օ: "o", ս: "u", ı: "i", ɡ: "g", ɩ: "i", ᴀ: "A", ʙ: "B", ᴄ: "C", ᴅ: "D", ᴇ: "E", ɢ: "G", ʜ: "H", ɪ: "I", ᴊ: "J",
  ᴋ: "K", ʟ: "L", ᴍ: "M", ɴ: "N", ᴏ: "O", ᴘ: "P", ʀ: "R", ꜱ: "S", ᴛ: "T", ᴜ: "U", ᴠ: "V", ᴡ: "W", ʏ: "Y", ᴢ: "Z",
};
const homoglyphTable = new Map<number, number>(Object.entries(HOMOGLYPHS).map(([k, v]) => [k.charCodeAt(0), v.charCodeAt(0)]));

function isLatinLetter(c: number): boolean {
  return (c >= 65 && c <= 90) || (c >= 97 && c <= 122) || (c >= 0xc0 && c <= 0x24f && c !== 0xd7 && c !== 0xf7);
}
function isCyrillicOrGreek(c: number): boolean {
  return (c >= 0x370 && c <= 0x3ff) || (c >= 0x400 && c <= 0x52f);
}
function isLetterUnit(c: number): boolean {
  if (c < 128) return (c >= 65 && c <= 90) || (c >= 97 && c <= 122);
  return c >= 0xc0 && LETTER.test(String.fromCharCode(c));
}
const LETTER = /[\p{L}\p{M}]/u;

/** A normalised text whose index mapping is built on first use: most scans never map a span back. */
class LazyMapping implements NormalizedText {
  private mapping: { starts: Int32Array; ends: Int32Array } | undefined;
  constructor(
    readonly original: string,
    readonly text: string,
    private readonly build: () => { starts: Int32Array; ends: Int32Array },
  ) {}
  get starts(): Int32Array {
    this.mapping ??= this.build();
    return this.mapping.starts;
  }
  get ends(): Int32Array {
    this.mapping ??= this.build();
    return this.mapping.ends;
  }
}

function identityMapping(length: number): { starts: Int32Array; ends: Int32Array } {
  const starts = new Int32Array(length);
  const ends = new Int32Array(length);
  for (let i = 0; i < length; i++) {
    starts[i] = i;
    ends[i] = i + 1;
  }
  return { starts, ends };
}

// Plain ASCII only needs its whitespace collapsed, which three native replaces do much faster than the general
// per-character pass; the mapping (the general pass) is computed only if a caller asks for it.
const NEWLINE_RUN = /[ \t\r\n]*[\r\n][ \t\r\n]*/g;
const SPACE_RUN = /[ \t]{2,}|\t/g;
const EDGES = /^[ \n]+|[ \n]+$/g;

// Plain ASCII that the replaces would leave as it is has none of these and no space or newline at either end; one
// native test of this pattern costs a third of the three replaces, and most texts pass it.
const MAY_COLLAPSE = /[\t\r]| [ \n]|\n[ \n]/;

function isSpaceOrNewline(code: number): boolean {
  return code === 32 || code === 10;
}

function normalizePlainAscii(original: string): NormalizedText {
  const n = original.length;
  if (n > 1 && !isSpaceOrNewline(original.charCodeAt(0)) && !MAY_COLLAPSE.test(original)) {
    if (!isSpaceOrNewline(original.charCodeAt(n - 1))) return new LazyMapping(original, original, () => identityMapping(n));
    // Only the one trailing space or newline goes (a longer run would have matched MAY_COLLAPSE).
    return new LazyMapping(original, original.slice(0, n - 1), () => {
      const full = normalizeGeneral(original);
      return { starts: full.starts, ends: full.ends };
    });
  }
  const text = original.replace(NEWLINE_RUN, "\n").replace(SPACE_RUN, " ").replace(EDGES, "");
  if (text === original) return new LazyMapping(original, text, () => identityMapping(text.length));
  return new LazyMapping(original, text, () => {
    const full = normalizeGeneral(original);
    return { starts: full.starts, ends: full.ends };
  });
}

/** Growable output buffer of code units with their original ranges. */
class Output {
  units: Uint16Array;
  starts: Int32Array;
  ends: Int32Array;
  length = 0;
  constructor(capacity: number) {
    this.units = new Uint16Array(capacity);
    this.starts = new Int32Array(capacity);
    this.ends = new Int32Array(capacity);
  }
  private grow(): void {
    const size = this.units.length * 2;
    const units = new Uint16Array(size);
    const starts = new Int32Array(size);
    const ends = new Int32Array(size);
    units.set(this.units);
    starts.set(this.starts);
    ends.set(this.ends);
    this.units = units;
    this.starts = starts;
    this.ends = ends;
  }
  /** Emit one code unit; whitespace runs collapse into one space (a newline if the run held one). */
  emit(unit: number, start: number, end: number): void {
    const isSpace = unit === 32 || unit === 9 || unit === 10 || unit === 13 || unit === 12 || unit === 11;
    if (isSpace) {
      if (this.length === 0) return; // leading whitespace is trimmed
      const last = this.length - 1;
      const previous = this.units[last] as number;
      if (previous === 32 || previous === 10) {
        if (unit === 10 || unit === 13) this.units[last] = 10;
        this.ends[last] = end;
        return;
      }
      unit = unit === 10 || unit === 13 ? 10 : 32;
    }
    if (this.length === this.units.length) this.grow();
    this.units[this.length] = unit;
    this.starts[this.length] = start;
    this.ends[this.length] = end;
    this.length++;
  }
  emitString(value: string, start: number, end: number): void {
    for (let i = 0; i < value.length; i++) this.emit(value.charCodeAt(i), start, end);
  }
  trimEnd(): void {
    while (this.length > 0 && (this.units[this.length - 1] === 32 || this.units[this.length - 1] === 10)) this.length--;
  }
}

const UTF16 = new TextDecoder("utf-16le");
const nfkcCache = new Map<string, string>();
const NFKC_CACHE_LIMIT = 4096;

function nfkc(segment: string): string {
  let out = nfkcCache.get(segment);
  if (out === undefined) {
    out = segment.normalize("NFKC");
    if (nfkcCache.size < NFKC_CACHE_LIMIT) nfkcCache.set(segment, out);
  }
  return out;
}

/** Per-code-point path for a non-ASCII run that is not already clean NFKC text. */
function emitNonAsciiRun(text: string, from: number, to: number, out: Output): void {
  let i = from;
  while (i < to) {
    const start = i;
    const cp = text.codePointAt(i) as number;
    i += cp > 0xffff ? 2 : 1;
    const single = text.slice(start, i);
    if (INVISIBLE.test(single)) continue;
    if (WHITESPACE.test(single)) {
      out.emit(cp === 0x2028 || cp === 0x2029 || cp === 0x85 ? 10 : 32, start, i);
      continue;
    }
    // Keep a base character together with its combining marks so NFKC can compose them.
    while (i < to) {
      const next = text.codePointAt(i) as number;
      const width = next > 0xffff ? 2 : 1;
      const nextText = text.slice(i, i + width);
      if (next < 0x300 || !COMBINING_MARK.test(nextText) || INVISIBLE.test(nextText)) break;
      i += width;
    }
    out.emitString(nfkc(text.slice(start, i)), start, i);
  }
}

/** Fold look-alike letters in place (1:1, so the mapping is unchanged). */
function foldHomoglyphs(out: Output): void {
  const units = out.units;
  let latin = 0;
  let foreign = 0;
  for (let i = 0; i < out.length; i++) {
    const c = units[i] as number;
    if (isLatinLetter(c)) latin++;
    else if (isCyrillicOrGreek(c)) foreign++;
  }
  if (foreign === 0) return;
  const mostlyLatin = latin > 2 * foreign;
  let i = 0;
  while (i < out.length) {
    if (!isLetterUnit(units[i] as number)) {
      i++;
      continue;
    }
    const start = i;
    let hasLatin = false;
    let allFoldable = true;
    while (i < out.length && isLetterUnit(units[i] as number)) {
      const c = units[i] as number;
      if (isLatinLetter(c)) hasLatin = true;
      else if (!homoglyphTable.has(c)) allFoldable = false;
      i++;
    }
    if (!hasLatin && !(mostlyLatin && allFoldable)) continue;
    for (let j = start; j < i; j++) {
      const folded = homoglyphTable.get(units[j] as number);
      if (folded !== undefined) units[j] = folded;
    }
  }
}

/**
 * NFKC, drop invisible and tag characters, fold homoglyphs in Latin context, collapse whitespace runs (trimmed).
 * Plain printable ASCII takes a fast path that only collapses whitespace.
 */
export function normalize(original: string): NormalizedText {
  return NON_PLAIN_ASCII.test(original) ? normalizeGeneral(original) : normalizePlainAscii(original);
}

/** The full per-character pass with an eager mapping. */
function normalizeGeneral(original: string): NormalizedText {
  const out = new Output(original.length + 16);
  const length = original.length;
  let sawForeignLetters = false;
  let i = 0;
  while (i < length) {
    const c = original.charCodeAt(i);
    if (c < 128) {
      // C0 controls other than whitespace, and DEL, carry no text.
      if (c >= 32 ? c !== 127 : c === 9 || c === 10 || c === 13 || c === 11 || c === 12) out.emit(c, i, i + 1);
      i++;
      continue;
    }
    let j = i + 1;
    while (j < length && original.charCodeAt(j) >= 128) j++;
    // A combining mark after an ASCII letter ("e" + U+0301) must be normalised together with that letter.
    if (i > 0 && out.length > 0 && out.starts[out.length - 1] === i - 1 && COMBINING_MARK.test(String.fromCharCode(c))) {
      out.length--;
      i--;
    }
    const run = original.slice(i, j);
    if (original.charCodeAt(i) < 128) {
      emitNonAsciiRun(original, i, j, out);
    } else if (!INVISIBLE.test(run) && !WHITESPACE.test(run) && nfkc(run) === run) {
      for (let k = i; k < j; k++) out.emit(original.charCodeAt(k), k, k + 1);
    } else {
      emitNonAsciiRun(original, i, j, out);
    }
    sawForeignLetters = true;
    i = j;
  }
  out.trimEnd();
  if (sawForeignLetters) foldHomoglyphs(out);
  return {
    original,
    text: UTF16.decode(out.units.subarray(0, out.length)),
    starts: out.starts.slice(0, out.length),
    ends: out.ends.slice(0, out.length),
  };
}

// ---------------------------------------------------------------------------------------------------------------
// Encoded payloads. Detection is conservative: a candidate must decode to mostly readable text, so hashes, ids and
// ordinary words that happen to fit an alphabet are not turned into variants.

const BASE64_RUN = /(?<![A-Za-z0-9+/_-])(?=[A-Za-z0-9+/_-]*[0-9+/_-])[A-Za-z0-9+/_-]{16,}={0,2}/g;
const HEX_RUN = /(?<![0-9A-Za-z])(?:(?:0x|\\x)?[0-9a-fA-F]{2}[ :,]?){8,}(?![0-9A-Za-z])/g;
// At least two escapes in one token: "%69%67%6e" or "ignore%20previous%20rules".
const URL_ESCAPES = /(?:[A-Za-z0-9._~+-]*%[0-9a-fA-F]{2}){2,}[A-Za-z0-9._~+-]*/g;
// Single letters separated by one or two separator characters, at least six letters long: "i g n o r e", "i.g.n.o.r.e".
const SPACED_LETTERS = /(?<![\p{L}\p{N}])\p{L}(?:[ ._\-*|/+~,]{1,2}\p{L}(?![\p{L}\p{N}])){5,}/gu;
// Frequent English words in rot13 and reversed; several hits mean the text is English in disguise.
// One pass counts both: group 1 = rot13 word, group 2 = reversed word.
const DISGUISED_WORDS =
  /\b(?:(gur|naq|lbh|lbhe|vtaber|cerivbhf|vafgehpgvbaf|flfgrz|cebzcg|nyy|abj|guvf|gung|jvgu|sbe|vf|gb|bs|ner|cevag|fnl|gryy|zr)|(eht|dna|uoy|ruoy|erongi|suoiverp|snoitcurtsni|metsys|tpmorp|lla|won|siht|taht|htiw|rof|era|tnirp|yas|llet))\b/gi;
const TAG_HINT = /\udb40[\udc20-\udc7e]/;
const TAG_RUN = /(?:\udb40[\udc20-\udc7e]){3,}/g;
const ENGLISH_WORDS = /\b(?:the|and|you|your|ignore|previous|instructions|system|prompt|all|now|this|that|with|for|is|to|of|are|print|say|tell|me)\b/gi;
// Cheap pre-checks before the full scans (each full scan costs several times more on a 2 KB text). Base64 and
// contiguous hex runs of text always mix letter case or letters and digits; escapes and spaced bytes have markers.
const ALPHANUMERIC_MIX = /[a-z][A-Z]|[A-Za-z][0-9]|[0-9][A-Za-z]/;
// (Spaced hex bytes of text nearly always put a digit next to a letter nibble, so ALPHANUMERIC_MIX covers them.)
const ESCAPE_HINT = /%[0-9a-fA-F]{2}|\\x[0-9a-fA-F]/;
const SPACED_HINT = /(?<![\p{L}\p{N}])\p{L}[ ._\-*|/+~,]{1,2}\p{L}[ ._\-*|/+~,]{1,2}\p{L}[ ._\-*|/+~,]{1,2}\p{L}(?![\p{L}\p{N}])/u;

const MAX_VARIANTS = 8;
const MAX_DECODED_CHARS = 16_384;
const utf8 = new TextDecoder("utf-8", { fatal: true });

/** Decoded bytes count as text when they are valid UTF-8 and mostly letters, spaces and punctuation. */
function readableText(bytes: Uint8Array): string | undefined {
  if (bytes.length < 6) return undefined;
  let decoded: string;
  try {
    decoded = utf8.decode(bytes);
  } catch {
    return undefined;
  }
  let readable = 0;
  let letters = 0;
  for (const ch of decoded) {
    if (/[\p{L}\p{M}]/u.test(ch)) {
      letters++;
      readable++;
    } else if (/[\p{N}\p{P}\p{Zs}\n\t]/u.test(ch)) readable++;
  }
  const count = [...decoded].length;
  return readable >= 0.9 * count && letters >= 0.5 * count ? decoded : undefined;
}

function decodeBase64(candidate: string): string | undefined {
  const standard = candidate.replace(/-/g, "+").replace(/_/g, "/").replace(/=+$/, "");
  if (standard.length % 4 === 1) return undefined;
  return readableText(Buffer.from(standard, "base64"));
}

function decodeHex(candidate: string): string | undefined {
  const digits = candidate.replace(/0x|\\x|[ :,]/g, "");
  if (digits.length % 2 !== 0) return undefined;
  return readableText(Buffer.from(digits, "hex"));
}

function decodeUrl(candidate: string): string | undefined {
  try {
    const decoded = decodeURIComponent(candidate);
    return /[\p{L}]{2}/u.test(decoded) ? decoded : undefined;
  } catch {
    return undefined;
  }
}

function rot13(text: string): string {
  return text.replace(/[A-Za-z]/g, (ch) => {
    const base = ch <= "Z" ? 65 : 97;
    return String.fromCharCode(((ch.charCodeAt(0) - base + 13) % 26) + base);
  });
}

// matchAll clones the pattern, so a recursive decodeVariants() cannot disturb an outer scan's lastIndex.
function countMatches(pattern: RegExp, text: string): number {
  let n = 0;
  for (const _ of text.matchAll(pattern)) n++;
  return n;
}

/**
 * "i g n o r e  a l l" → "ignore all": letters are joined; a separator that was wider in the original (two spaces,
 * a tab run) or is two characters long marks a word break.
 */
function joinSpacedLetters(normalized: NormalizedText, from: number, to: number): string {
  const text = normalized.text;
  let out = "";
  let i = from;
  while (i < to) {
    const ch = text[i] as string;
    if (LETTER.test(ch)) {
      out += ch;
      i++;
      continue;
    }
    let j = i;
    let width = 0;
    while (j < to && !LETTER.test(text[j] as string)) {
      width += (normalized.ends[j] as number) - (normalized.starts[j] as number);
      j++;
    }
    if (width >= 2 && out.length > 0) out += " ";
    i = j;
  }
  return out;
}

/**
 * Decoded variants of an already-normalised text: base64, hex, URL-escaped payloads, rot13 or reversed English, and
 * letters spaced out one by one. Each variant text is itself normalised; its range is in ORIGINAL indices.
 * Decoding recurses once (base64 inside base64); at most 8 variants and 16 K decoded characters are produced.
 */
export function decodeVariants(normalized: NormalizedText, depth = 2): DecodedVariant[] {
  const text = normalized.text;
  const variants: DecodedVariant[] = [];
  let budget = MAX_DECODED_CHARS;
  /** start/end index `text` unless `original` is set, in which case they already index the original string. */
  const add = (kind: VariantKind, decoded: string, start: number, end: number, original = false): void => {
    if (variants.length >= MAX_VARIANTS || budget <= 0) return;
    const clipped = decoded.slice(0, budget);
    budget -= clipped.length;
    const range = original ? { start, end } : toOriginalRange(normalized, start, end);
    const inner = normalize(clipped);
    if (inner.text.length === 0) return;
    variants.push({ kind, text: inner.text, ...range });
    if (depth > 1) {
      for (const nested of decodeVariants(inner, depth - 1)) add(nested.kind, nested.text, range.start, range.end, true);
    }
  };
  const scan = (pattern: RegExp, kind: VariantKind, decode: (candidate: string) => string | undefined): void => {
    for (const m of [...text.matchAll(pattern)]) {
      if (variants.length >= MAX_VARIANTS) break;
      const decoded = decode(m[0]);
      if (decoded !== undefined) add(kind, decoded, m.index, m.index + m[0].length);
    }
  };
  // Unicode tag characters mirror ASCII (U+E0020..U+E007E); normalize() drops them, here they are read back.
  if (TAG_HINT.test(normalized.original)) {
    for (const m of normalized.original.matchAll(TAG_RUN)) {
      const ascii = m[0].replace(/\udb40([\udc20-\udc7e])/g, (_all, low: string) => String.fromCharCode(low.charCodeAt(0) - 0xdc00));
      add("tags", ascii, m.index, m.index + m[0].length, true);
    }
  }
  const mixed = ALPHANUMERIC_MIX.test(text);
  const escaped = ESCAPE_HINT.test(text);
  if (mixed) scan(BASE64_RUN, "base64", decodeBase64);
  if (mixed || escaped) scan(HEX_RUN, "hex", decodeHex);
  if (escaped) scan(URL_ESCAPES, "url", decodeUrl);
  if (SPACED_HINT.test(text)) addSpaced();
  addDisguisedEnglish();
  return variants;

  function addSpaced(): void {
    let joined = "";
    let last = 0;
    let first = -1;
    let end = 0;
    for (const m of [...text.matchAll(SPACED_LETTERS)]) {
      if (first < 0) first = m.index;
      joined += text.slice(last, m.index) + joinSpacedLetters(normalized, m.index, m.index + m[0].length);
      last = end = m.index + m[0].length;
    }
    if (first >= 0) add("spaced", joined + text.slice(last), first, end);
  }

  // rot13 / reversed English: only when the disguised form clearly beats plain English in the same text.
  function addDisguisedEnglish(): void {
    let rotHits = 0;
    let reversedHits = 0;
    // An exec loop (matchAll would clone the pattern on every call): the body recurses into nothing, and every
    // match is a non-empty word, so this visits exactly matchAll's matches.
    DISGUISED_WORDS.lastIndex = 0;
    for (let m = DISGUISED_WORDS.exec(text); m !== null; m = DISGUISED_WORDS.exec(text)) {
      if (m[1] !== undefined) rotHits++;
      else reversedHits++;
    }
    if (rotHits < 3 && reversedHits < 3) return;
    const plainHits = countMatches(ENGLISH_WORDS, text);
    if (rotHits >= 3 && rotHits > plainHits) add("rot13", rot13(text), 0, text.length);
    if (reversedHits >= 3 && reversedHits > plainHits) add("reversed", [...text].reverse().join(""), 0, text.length);
  }
}

/** normalize() + decodeVariants() once, for callers that run several scanners over the same text. */
export function prepareText(text: string): PreparedText {
  const normalized = normalize(text);
  return { normalized, variants: decodeVariants(normalized) };
}
