// Character statistics that separate generated credentials from words, identifiers and numbers.

/** Shannon entropy in bits per code unit of text[start, end). */
export function shannonEntropy(text: string, start = 0, end = text.length): number {
  const length = end - start;
  if (length <= 0) return 0;
  const counts = new Map<number, number>();
  for (let i = start; i < end; i++) {
    const c = text.charCodeAt(i);
    counts.set(c, (counts.get(c) ?? 0) + 1);
  }
  let bits = 0;
  for (const n of counts.values()) {
    const p = n / length;
    bits -= p * Math.log2(p);
  }
  return bits;
}

export interface CharClasses {
  lower: boolean;
  upper: boolean;
  digit: boolean;
  symbol: boolean;
  /** How many of the four classes occur. */
  count: number;
}

function countUpper(value: string): number {
  let n = 0;
  for (let i = 0; i < value.length; i++) {
    const c = value.charCodeAt(i);
    if (c >= 65 && c <= 90) n++;
  }
  return n;
}

export function charClasses(value: string): CharClasses {
  let lower = false;
  let upper = false;
  let digit = false;
  let symbol = false;
  for (let i = 0; i < value.length; i++) {
    const c = value.charCodeAt(i);
    if (c >= 97 && c <= 122) lower = true;
    else if (c >= 65 && c <= 90) upper = true;
    else if (c >= 48 && c <= 57) digit = true;
    else symbol = true;
  }
  return { lower, upper, digit, symbol, count: +lower + +upper + +digit + +symbol };
}

// Values people paste as stand-ins for a real credential. Flagging them teaches users to ignore the guardrail.
const PLACEHOLDER =
  /^(?:x+|\*+|\.+|<[^>]*>|\$\{[^}]*\}|\{\{[^}]*\}\}|%[a-z_]+%|(?:your|my|the|some|an?)[-_ ]?(?:api[-_ ]?)?(?:key|token|secret|password)(?:[-_ ]?here)?|changeme|placeholder|redacted|none|null|undefined|true|false|process\.env\.\w+|os\.environ.*)$/i;

export function isPlaceholder(value: string): boolean {
  return PLACEHOLDER.test(value);
}

/**
 * Does a value that follows a credential key word look like a generated secret rather than prose or an
 * identifier? Long values need entropy; short ones (passwords) need mixed character classes.
 */
export function looksLikeSecretValue(value: string, minLength: number, password = false): boolean {
  if (value.length < minLength || value.length > 512 || isPlaceholder(value)) return false;
  const classes = charClasses(value);
  // After "password", a mixed-case run such as "esNzkfsySa" is a password; a capitalised word is not.
  if (password && classes.count === 2 && classes.lower && classes.upper) return countUpper(value) >= 2 && shannonEntropy(value) >= 2.5;
  if (classes.count === 1 && !classes.digit && value.length < 24) return false; // a plain word
  if (classes.count === 1 && classes.digit) return value.length >= 16; // long numeric tokens only
  if (value.length >= 16) return shannonEntropy(value) >= 3.0;
  // Short values are passwords or ids: they mix letters with digits, or use three classes.
  return ((classes.digit && (classes.lower || classes.upper)) || classes.count >= 3) && shannonEntropy(value) >= 2.5;
}

// Stand-ins inside a token-shaped value: "sk-proj-xxxxxxxxxxxxxxxxxxxxxxxx", "xoxb-your-token-here", "ghp_EXAMPLE...".
const RUN_OF_ONE = /(.)\1{7,}/;
const STANDIN_WORD = /your|example|sample|dummy|placeholder|redacted|changeme|insert|replace|xxxx|\*\*\*/i;

/**
 * Does a value that has a credential's shape hold a stand-in rather than a generated secret? "runs" checks only for
 * eight or more of one character in a row; "full" also for stand-in words.
 */
export function looksFake(value: string, mode: "full" | "runs" | "none" = "full"): boolean {
  if (mode === "none") return false;
  if (RUN_OF_ONE.test(value)) return true;
  return mode === "full" && STANDIN_WORD.test(value);
}
