// Lexicon matching shared by Toxicity and ContentSafety. The compiled term list ships inside a model file (built
// by scripts/train-toxicity.ts from npm lexicon packages); at run time only this module and the JSON are needed.
//
//   const lexicon = lexiconFromJson(JSON.parse(fileText));  // throws a clear error on a malformed file
//   lexicon.match("du bist ein Arschloch")                  // → [{ start: 12, end: 21, term: "arschloch", weight, lang }]

import { z } from "zod";
import { LexiconMatcher, type LexiconTerm } from "./matcher.js";

export { LexiconMatcher, mergeHits } from "./matcher.js";
export type { LexiconHit, LexiconTerm, TermMode } from "./matcher.js";
export { foldTerm, skeletonOf } from "./skeleton.js";

const compiledSchema = z.object({
  format: z.literal("tollgate-lexicon/1"),
  terms: z.array(z.tuple([z.string().min(1), z.number().min(0).max(1), z.string(), z.enum(["word", "prefix", "sub", "phrase"])])),
});

const VULGAR = "vulgar";

const conceptsSchema = z.object({
  format: z.literal("tollgate-concepts/1"),
  tags: z.array(z.string().min(1)).min(1),
  terms: z.array(z.tuple([z.string().min(1), z.number().int().min(0), z.string(), z.enum(["word", "prefix", "sub", "phrase"])])),
});

/**
 * Build a concept matcher from a compiled concept lexicon (see compileConcepts): every hit carries its concept tag.
 * `alsoTerms` (a profanity lexicon's terms) share the matcher, so one pass over the text finds both. Throws a clear
 * error naming the first bad field.
 */
export function conceptsFromJson(json: unknown, alsoTerms: readonly LexiconTerm[] = []): LexiconMatcher {
  return new LexiconMatcher([...alsoTerms, ...conceptTermsFromJson(json)]);
}

/**
 * The terms of a compiled concept lexicon, each with its tag (conceptsFromJson builds a matcher from them). The
 * "vulgar" tag is hand-written profanity for languages the npm lists barely cover: its terms join the profanity
 * lexicon as untagged, full-weight terms, so they count as ⟨strong⟩ hits everywhere a profanity hit does.
 */
export function conceptTermsFromJson(json: unknown): LexiconTerm[] {
  const parsed = conceptsSchema.safeParse(json);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new Error(`invalid compiled concepts at ${issue ? issue.path.join(".") || "(root)" : "(root)"}: ${issue?.message ?? "unknown"}`);
  }
  const { tags } = parsed.data;
  const terms: LexiconTerm[] = parsed.data.terms.map(([term, tagIndex, lang, mode], i) => {
    const tag = tags[tagIndex];
    if (tag === undefined) throw new Error(`invalid compiled concepts at terms.${i}.1: tag index ${tagIndex} out of range`);
    return tag === VULGAR ? { term, weight: 1, lang, mode } : { term, weight: 1, lang, mode, tag };
  });
  return terms;
}

/** Build a matcher from a compiled lexicon (the `lexicon` field of a model file). */
export function lexiconFromJson(json: unknown): LexiconMatcher {
  return new LexiconMatcher(lexiconTermsFromJson(json));
}

/** The terms of a compiled lexicon (untagged: their weight is what they mean). */
export function lexiconTermsFromJson(json: unknown): LexiconTerm[] {
  const parsed = compiledSchema.safeParse(json);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new Error(`invalid compiled lexicon at ${issue ? issue.path.join(".") || "(root)" : "(root)"}: ${issue?.message ?? "unknown"}`);
  }
  return parsed.data.terms.map(([term, weight, lang, mode]) => ({ term, weight, lang, mode }));
}
