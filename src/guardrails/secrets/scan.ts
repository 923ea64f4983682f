// The provider rules compiled into one alternation: one left-to-right pass finds every shaped credential, and the
// capture group that matched says which rule it was. Key-word findings (context.ts) fill the gaps.

import { findContextSecrets } from "./context.js";
import { looksFake } from "./entropy.js";
import { findManifestSecrets } from "./manifest.js";
import { SECRET_RULES, type SecretRule } from "./rules.js";

export interface SecretFinding {
  start: number;
  end: number;
  /** Rule id, e.g. "openai_api_key", "jwt", "password". */
  id: string;
  score: number;
}

interface CompiledRule {
  rule: SecretRule;
  /** Index of the rule's outer group in the combined pattern. */
  group: number;
  /** Index of its value group in the combined pattern, if any. */
  valueGroup: number | undefined;
  /** Index of its lead group (text before the match that belongs to the secret), if any. */
  leadGroup: number | undefined;
  /** Its match begins with the consumed boundary character (the rule started with the word-start guard). */
  guarded: boolean;
}

function countGroups(source: string): number {
  return (new RegExp(`${source}|`).exec("")?.length ?? 1) - 1;
}

// The word-start guard that most rules begin with (rules.ts B).
const WORD_START = "(?<![A-Za-z0-9_])";
// In the combined pattern the guard consumes the character before the word instead of looking back at it: the
// engine then rejects a position inside a word with one quick character test. The text is scanned with one space in
// front, so a credential at the very start has a character before it too.
const BOUNDARY = "[^A-Za-z0-9_]";

/**
 * One alternation, arranged so the engine rejects most positions after one or two character tests: the word-start
 * guard is tested once for all the rules that need it (as BOUNDARY), and those rules are grouped by their literal first character
 * (`s(?:k-ant-...|k-proj-...|bp_...)|g(?:hp_...|sk_...)`), so a word start tries only the rules that can begin with
 * its first character. Rules that begin with a character class, or without the guard, follow unchanged. Each rule
 * keeps a capture group of its own (inside its bucket, after the shared first character), which says which rule
 * matched; the rule's position in SECRET_RULES still decides between rules that match at the same place.
 */
export function arrange(rules: readonly SecretRule[]): { source: string; compiled: CompiledRule[] } {
  const buckets = new Map<string, { rule: SecretRule; rest: string }[]>();
  const classStart: { rule: SecretRule; rest: string }[] = [];
  const unguarded: { rule: SecretRule; rest: string }[] = [];
  for (const rule of rules) {
    if (!rule.pattern.startsWith(WORD_START)) {
      unguarded.push({ rule, rest: rule.pattern });
      continue;
    }
    const rest = rule.pattern.slice(WORD_START.length);
    const first = rest[0] as string;
    if (/[A-Za-z0-9_-]/.test(first) && !/^[{?*+]/.test(rest.slice(1))) {
      const list = buckets.get(first) ?? [];
      list.push({ rule, rest: rest.slice(1) });
      buckets.set(first, list);
    } else {
      classStart.push({ rule, rest });
    }
  }
  const compiled: CompiledRule[] = [];
  let group = 1;
  const wrap = ({ rule, rest }: { rule: SecretRule; rest: string }): string => {
    compiled.push({
      rule,
      guarded: rest !== rule.pattern,
      group,
      valueGroup: rule.valueGroup === undefined ? undefined : group + rule.valueGroup,
      leadGroup: rule.lead === undefined ? undefined : group + rule.lead,
    });
    group += 1 + countGroups(rest);
    return `(${rest})`;
  };
  const guarded = [...buckets.entries()].map(([first, list]) => `${first}(?:${list.map(wrap).join("|")})`);
  guarded.push(...classStart.map(wrap));
  const source = [`${BOUNDARY}(?:${guarded.join("|")})`, ...unguarded.map(wrap)].join("|");
  return { source, compiled };
}

export const ARRANGED = arrange(SECRET_RULES);
const PROVIDER_PATTERN = new RegExp(ARRANGED.source, "g");
const COMPILED = ARRANGED.compiled;
// Anchored copy used to name the provider of a value found some other way (a token inside a URL, after a key word);
// it is matched against " " + value, the space standing for the boundary character.
const WHOLE_VALUE = new RegExp(`^(?:${ARRANGED.source})$`);

function providerMatches(text: string): SecretFinding[] {
  const findings: SecretFinding[] = [];
  // Offsets in `padded` are one more than in `text`.
  const padded = ` ${text}`;
  PROVIDER_PATTERN.lastIndex = 0;
  for (let m = PROVIDER_PATTERN.exec(padded); m !== null; m = PROVIDER_PATTERN.exec(padded)) {
    const hit = COMPILED.find((c) => m?.[c.group] !== undefined);
    if (!hit) continue;
    let start = m.index - 1;
    let value = m[0];
    if (hit.guarded) {
      start += 1;
      value = value.slice(1);
    }
    if (hit.leadGroup !== undefined) {
      const lead = m[hit.leadGroup] ?? "";
      start -= lead.length;
      value = lead + value;
    } else if (hit.valueGroup !== undefined) {
      const inner = m[hit.valueGroup];
      if (inner === undefined) continue;
      start = m.index - 1 + m[0].lastIndexOf(inner);
      value = inner;
      // Resume right after the value: the host part of a URL may hold another finding.
      PROVIDER_PATTERN.lastIndex = start + 1 + value.length;
    }
    if (hit.rule.validate && !hit.rule.validate(value)) continue;
    if (looksFake(value, hit.rule.fake) || (hit.valueGroup === undefined && insideBase64Blob(text, start, start + value.length))) continue;
    const id = hit.rule.relabel?.(value) ?? (hit.valueGroup === undefined ? hit.rule.id : (providerOf(value) ?? hit.rule.id));
    findings.push({ start, end: start + value.length, id, score: hit.rule.score });
  }
  return findings;
}

function isBase64Char(c: number): boolean {
  return (c >= 65 && c <= 90) || (c >= 97 && c <= 122) || (c >= 48 && c <= 57) || c === 43 || c === 47 || c === 61;
}

/**
 * A match that sits between "+" or "/" characters of a long base64 run is a piece of an image, a certificate or a
 * compressed blob, not a credential (the word-boundary guards let "/" and "+" through, as URLs need them).
 */
function insideBase64Blob(text: string, start: number, end: number): boolean {
  const before = text.charCodeAt(start - 1);
  const after = text.charCodeAt(end);
  if ((before !== 43 && before !== 47) || (after !== 43 && after !== 47 && after !== 61)) return false;
  // A token with characters outside the base64 alphabet ("_", "-", ".") cannot be a piece of a base64 blob.
  for (let i = start; i < end; i++) if (!isBase64Char(text.charCodeAt(i))) return false;
  let run = 0;
  for (let i = start - 1; i >= 0 && run < 24 && isBase64Char(text.charCodeAt(i)); i--) run++;
  return run >= 24;
}

/** The provider rule that matches the whole value, if any (value shapes beat the generic rule that found it). */
function providerOf(value: string): string | undefined {
  const m = WHOLE_VALUE.exec(` ${value}`);
  if (!m) return undefined;
  // WHOLE_VALUE wraps the rules exactly as PROVIDER_PATTERN does, so the group numbers are the same.
  const hit = COMPILED.find((c) => m[c.group] !== undefined);
  if (!hit || hit.valueGroup !== undefined) return undefined;
  if (hit.rule.validate && !hit.rule.validate(value)) return undefined;
  return looksFake(value, hit.rule.fake) ? undefined : (hit.rule.relabel?.(value) ?? hit.rule.id);
}

function overlaps(a: { start: number; end: number }, b: { start: number; end: number }): boolean {
  return a.start < b.end && b.start < a.end;
}

/** Every credential in the text, sorted by position, non-overlapping (shaped findings win over key-word ones). */
export function findSecrets(text: string): SecretFinding[] {
  const shaped = providerMatches(text);
  const result = [...shaped];
  for (const c of [...findManifestSecrets(text), ...findContextSecrets(text)]) {
    if (shaped.some((s) => overlaps(s, c))) continue;
    if (result.some((s) => overlaps(s, c))) continue;
    const value = text.slice(c.start, c.end);
    const provider = providerOf(value);
    result.push(provider ? { ...c, id: provider, score: Math.max(c.score, 0.9) } : c);
  }
  return result.sort((a, b) => a.start - b.start);
}
