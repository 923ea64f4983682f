// Tokens for the tagger: runs of letters, marks and digits (an apostrophe between letters stays inside: O'Kon),
// and every other visible character on its own. Offsets are string indices into the original text.

export interface Token {
  start: number;
  end: number;
  /** Lower-cased text. */
  lower: string;
  /** A line break lies between the previous token and this one. */
  newlineBefore: boolean;
}

const WORD_UNIT = /[\p{L}\p{M}\p{N}]/u;
const SPACE_UNIT = /\s/u;

// Character classes per UTF-16 code unit, computed once: 1 word, 2 space, 0 other. Surrogates count as word
// units so that an astral letter stays inside its word (and an emoji is one "other" token of two units).
const enum C {
  Other = 0,
  Word = 1,
  Space = 2,
}
let classes: Uint8Array | undefined;
function classTable(): Uint8Array {
  if (classes) return classes;
  const table = new Uint8Array(65536);
  for (let c = 0; c < 65536; c++) {
    if (c >= 0xd800 && c <= 0xdfff) continue;
    const ch = String.fromCharCode(c);
    table[c] = WORD_UNIT.test(ch) ? C.Word : SPACE_UNIT.test(ch) ? C.Space : C.Other;
  }
  classes = table;
  return table;
}

function isApostrophe(c: number): boolean {
  return c === 39 || c === 0x2019;
}

/** Where the token starting at `i` (of class `k`, not a space) ends. */
function tokenEnd(text: string, i: number, k: number, table: Uint8Array): number {
  const n = text.length;
  if (k !== C.Word) {
    // One visible character (a surrogate pair as a whole).
    const c = text.charCodeAt(i);
    return i + (c >= 0xd800 && c <= 0xdbff && i + 1 < n ? 2 : 1);
  }
  let j = i + 1;
  for (;;) {
    while (j < n && table[text.charCodeAt(j)] === C.Word) j++;
    // An apostrophe between letters stays inside the word: O'Kon, D'Amore.
    if (j + 1 < n && isApostrophe(text.charCodeAt(j)) && table[text.charCodeAt(j + 1)] === C.Word) {
      j += 2;
      continue;
    }
    return j;
  }
}

const FULL_WIDTH_ASCII = /[\uff01-\uff5e]/g;
/**
 * Full-width Latin ("Ｉｇｎｏｒｅ") read as ASCII for the word lists and features, one code unit for one, so offsets
 * stay valid: otherwise an ordinary word in full-width letters looks like an unknown capitalised name.
 */
function foldFullWidth(lower: string): string {
  return lower.search(FULL_WIDTH_ASCII) < 0 ? lower : lower.replace(FULL_WIDTH_ASCII, (ch) => String.fromCharCode(ch.charCodeAt(0) - 0xfee0));
}

export function tokenize(text: string): Token[] {
  const table = classTable();
  const tokens: Token[] = [];
  const n = text.length;
  let newline = true;
  let i = 0;
  while (i < n) {
    const c = text.charCodeAt(i);
    const k = c >= 0xd800 && c <= 0xdfff ? C.Other : (table[c] as number);
    if (k === C.Space) {
      if (c === 10 || c === 13) newline = true;
      i++;
      continue;
    }
    const start = i;
    i = tokenEnd(text, i, k, table);
    tokens.push({ start, end: i, lower: foldFullWidth(text.slice(start, i).toLowerCase()), newlineBefore: newline });
    newline = false;
  }
  return tokens;
}

/** Index of the first token that ends after `offset` (binary search; tokens.length when there is none). */
export function firstTokenEndingAfter(tokens: readonly Token[], offset: number): number {
  let lo = 0;
  let hi = tokens.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if ((tokens[mid] as Token).end <= offset) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/**
 * The range of the only token of `text` when tokenize(text) would return exactly one token, else undefined; no
 * allocation per call (the gazetteer classifies some hundred thousand entries this way at load time).
 */
export function soleToken(text: string): { start: number; end: number } | undefined {
  const table = classTable();
  const n = text.length;
  let found: { start: number; end: number } | undefined;
  let i = 0;
  while (i < n) {
    const c = text.charCodeAt(i);
    const k = c >= 0xd800 && c <= 0xdfff ? C.Other : (table[c] as number);
    if (k === C.Space) {
      i++;
      continue;
    }
    if (found) return undefined;
    const start = i;
    i = tokenEnd(text, i, k, table);
    found = { start, end: i };
  }
  return found;
}

/** Word shape with runs collapsed: "McDermott" → "XxXx", "2437" → "d", "O'Kon" → "X'Xx". */
export function shapeOf(text: string, start: number, end: number): string {
  let shape = "";
  let last = "";
  for (let i = start; i < end; i++) {
    const code = text.charCodeAt(i);
    let c: string;
    if (code >= 48 && code <= 57) c = "d";
    else if (code >= 65 && code <= 90) c = "X";
    else if (code >= 97 && code <= 122) c = "x";
    else if (code < 128) c = text[i] as string;
    else {
      const ch = text[i] as string;
      if (ch !== ch.toLowerCase()) c = "X";
      else if (ch !== ch.toUpperCase()) c = "x";
      else if (/\p{L}/u.test(ch)) c = "l"; // letters without case (CJK, Arabic...)
      else c = ch;
    }
    if (c !== last) shape += c;
    last = c;
    if (shape.length >= 8) break;
  }
  return shape;
}
