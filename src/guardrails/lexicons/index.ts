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
  terms: z.array(z.tuple([z.string().min(1), z.number().min(0).max(1), z.string(), z.enum(["word", "prefix", "sub"])])),
});

/** Build a matcher from a compiled lexicon (the `lexicon` field of a model file). */
export function lexiconFromJson(json: unknown): LexiconMatcher {
  const parsed = compiledSchema.safeParse(json);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new Error(`invalid compiled lexicon at ${issue ? issue.path.join(".") || "(root)" : "(root)"}: ${issue?.message ?? "unknown"}`);
  }
  const terms: LexiconTerm[] = parsed.data.terms.map(([term, weight, lang, mode]) => ({ term, weight, lang, mode }));
  return new LexiconMatcher(terms);
}
