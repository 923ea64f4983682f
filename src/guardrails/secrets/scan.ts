// The provider rules compiled into one alternation: one left-to-right pass finds every shaped credential, and the
// capture group that matched says which rule it was. Key-word findings (context.ts) fill the gaps.

import { findContextSecrets } from "./context.js";
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
}

function countGroups(source: string): number {
  return (new RegExp(`${source}|`).exec("")?.length ?? 1) - 1;
}

function compile(rules: readonly SecretRule[]): { pattern: RegExp; compiled: CompiledRule[] } {
  const compiled: CompiledRule[] = [];
  const parts: string[] = [];
  let group = 1;
  for (const rule of rules) {
    compiled.push({ rule, group, valueGroup: rule.valueGroup === undefined ? undefined : group + rule.valueGroup });
    parts.push(`(${rule.pattern})`);
    group += 1 + countGroups(rule.pattern);
  }
  return { pattern: new RegExp(parts.join("|"), "g"), compiled };
}

const { pattern: PROVIDER_PATTERN, compiled: COMPILED } = compile(SECRET_RULES);
// Anchored copy used to name the provider of a value found some other way (a token inside a URL, after a key word).
const WHOLE_VALUE = new RegExp(`^(?:${SECRET_RULES.map((r) => `(${r.pattern})`).join("|")})$`);

function providerMatches(text: string): SecretFinding[] {
  const findings: SecretFinding[] = [];
  PROVIDER_PATTERN.lastIndex = 0;
  for (let m = PROVIDER_PATTERN.exec(text); m !== null; m = PROVIDER_PATTERN.exec(text)) {
    const hit = COMPILED.find((c) => m?.[c.group] !== undefined);
    if (!hit) continue;
    let start = m.index;
    let value = m[0];
    if (hit.valueGroup !== undefined) {
      const inner = m[hit.valueGroup];
      if (inner === undefined) continue;
      start = m.index + m[0].lastIndexOf(inner);
      value = inner;
      // Resume right after the value: the host part of a URL may hold another finding.
      PROVIDER_PATTERN.lastIndex = start + value.length;
    }
    if (hit.rule.validate && !hit.rule.validate(value)) continue;
    findings.push({ start, end: start + value.length, id: providerOf(value) ?? hit.rule.id, score: hit.rule.score });
  }
  return findings;
}

/** The provider rule that matches the whole value, if any (value shapes beat the generic rule that found it). */
function providerOf(value: string): string | undefined {
  const m = WHOLE_VALUE.exec(value);
  if (!m) return undefined;
  // WHOLE_VALUE wraps the rules exactly as PROVIDER_PATTERN does, so the group numbers are the same.
  const hit = COMPILED.find((c) => m[c.group] !== undefined);
  if (!hit || hit.valueGroup !== undefined) return undefined;
  return !hit.rule.validate || hit.rule.validate(value) ? hit.rule.id : undefined;
}

function overlaps(a: { start: number; end: number }, b: { start: number; end: number }): boolean {
  return a.start < b.end && b.start < a.end;
}

/** Every credential in the text, sorted by position, non-overlapping (shaped findings win over key-word ones). */
export function findSecrets(text: string): SecretFinding[] {
  const shaped = providerMatches(text);
  const result = [...shaped];
  for (const c of findContextSecrets(text)) {
    if (shaped.some((s) => overlaps(s, c))) continue;
    if (result.some((s) => overlaps(s, c))) continue;
    const value = text.slice(c.start, c.end);
    const provider = providerOf(value);
    result.push(provider ? { ...c, id: provider, score: Math.max(c.score, 0.9) } : c);
  }
  return result.sort((a, b) => a.start - b.start);
}
