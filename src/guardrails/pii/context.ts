// Context words: "SSN", "card", "call me at" just before a value raise its score, as in Presidio's context
// enhancer. Only the window before the value (and a little after) is searched, so the cost is constant per value.

export function contextBefore(text: string, start: number, words: RegExp, window = 48): boolean {
  return words.test(text.slice(Math.max(0, start - window), start));
}

export function contextAround(text: string, start: number, end: number, words: RegExp, before = 48, after = 24): boolean {
  return words.test(text.slice(Math.max(0, start - before), start)) || words.test(text.slice(end, end + after));
}

/** Is the character before `start` / at `end` part of a longer token (so the match is only a piece of it)? */
export function gluedToWord(text: string, start: number, end: number): boolean {
  return /[\p{L}\p{N}_]/u.test(text.charAt(start - 1)) || /[\p{L}\p{N}_]/u.test(text.charAt(end));
}
