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

const TOKEN = /[\p{L}\p{M}\p{N}]+(?:['’][\p{L}\p{M}]+)*|[^\s\p{L}\p{M}\p{N}]/gu;

export function tokenize(text: string): Token[] {
  const tokens: Token[] = [];
  let previousEnd = 0;
  for (const m of text.matchAll(TOKEN)) {
    const start = m.index;
    const gap = text.slice(previousEnd, start);
    tokens.push({ start, end: start + m[0].length, lower: m[0].toLowerCase(), newlineBefore: gap.includes("\n") || tokens.length === 0 });
    previousEnd = start + m[0].length;
  }
  return tokens;
}

/** Word shape with runs collapsed: "McDermott" → "XxXx", "2437" → "d", "O'Kon" → "X'Xx". */
export function shapeOf(text: string, start: number, end: number): string {
  let shape = "";
  let last = "";
  for (let i = start; i < end; i++) {
    const ch = text[i] as string;
    let c: string;
    if (ch >= "0" && ch <= "9") c = "d";
    else if (ch !== ch.toLowerCase()) c = "X";
    else if (ch !== ch.toUpperCase()) c = "x";
    else if (/\p{L}/u.test(ch)) c = "l"; // letters without case (CJK, Arabic...)
    else c = ch;
    if (c !== last) shape += c;
    last = c;
    if (shape.length >= 8) break;
  }
  return shape;
}
