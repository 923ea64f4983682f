// BUILD TIME ONLY. Reads the npm lexicon packages (dev dependencies) and turns them into LexiconTerm entries.
// The training script compiles the result into a model file, so the runtime never loads these packages.
//
// Packages and what is taken from each:
//   cuss (MIT)            English, Spanish, French, Italian, Portuguese, with a "sureness" rating per term:
//                         2 → weight STRONG, 1 → weight HINT (topic words such as "cocaine" or "abortion" sit
//                         here), 0 → dropped.
//   naughty-words (CC-BY-4.0, LDNOOBW)  27 languages, unrated: weight LISTED.
//   badwords-ko (MIT)     Korean insults and slang: weight LISTED.
//   bad-words-next (MIT)  de, es, fr, pl, ru, ua, zh patterns; `*` at an edge means prefix or infix: weight LISTED.
// Terms then pass the filters in compile.ts (stop topics, too short, seen in benign text).

import { existsSync, readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import { foldTerm, isNoSpaceScript } from "./skeleton.js";
import type { LexiconTerm, TermMode } from "./matcher.js";

export const STRONG = 1;
export const LISTED = 0.6;
export const HINT = 0.3;

export interface LexiconSource {
  package: string;
  version: string;
  licence: string;
  terms: LexiconTerm[];
}

const require = createRequire(import.meta.url);

/** A package's version from its package.json (found by walking up from its entry: some packages do not export it). */
function packageVersion(name: string): string {
  let dir = dirname(require.resolve(name));
  for (;;) {
    const file = join(dir, "package.json");
    if (existsSync(file)) {
      const json = JSON.parse(readFileSync(file, "utf8")) as { name?: unknown; version?: unknown };
      if (json.name === name && typeof json.version === "string") return json.version;
    }
    const parent = dirname(dir);
    if (parent === dir) return "unknown";
    dir = parent;
  }
}

function entry(raw: string, weight: number, lang: string, mode?: TermMode): LexiconTerm | undefined {
  const term = foldTerm(raw);
  if (term.length === 0) return undefined;
  return { term, weight, lang, mode: mode ?? (isNoSpaceScript(term) ? "sub" : "word") };
}

function defined<T>(values: readonly (T | undefined)[]): T[] {
  return values.filter((v): v is T => v !== undefined);
}

async function fromCuss(): Promise<LexiconSource> {
  const langs: Record<string, string> = { en: "cuss", es: "cuss/es", fr: "cuss/fr", it: "cuss/it", pt: "cuss/pt", "pt-PT": "cuss/pt-pt" };
  const terms: LexiconTerm[] = [];
  for (const [lang, specifier] of Object.entries(langs)) {
    const module = (await import(specifier)) as { cuss: Record<string, number> };
    for (const [word, rating] of Object.entries(module.cuss)) {
      if (rating <= 0) continue;
      const e = entry(word, rating >= 2 ? STRONG : HINT, lang);
      if (e) terms.push(e);
    }
  }
  return { package: "cuss", version: packageVersion("cuss"), licence: "MIT", terms };
}

function fromNaughtyWords(): LexiconSource {
  const all = require("naughty-words") as Record<string, unknown>;
  const terms: LexiconTerm[] = [];
  for (const [lang, list] of Object.entries(all)) {
    // Klingon and Esperanto joke lists add noise, not coverage.
    if (lang === "tlh" || !Array.isArray(list)) continue;
    const tag = lang === "fr-CA-u-sd-caqc" ? "fr-CA" : lang;
    for (const word of list) if (typeof word === "string") terms.push(...defined([entry(word, LISTED, tag)]));
  }
  return { package: "naughty-words", version: packageVersion("naughty-words"), licence: "CC-BY-4.0", terms };
}

function fromBadwordsKo(): LexiconSource {
  const config = require("badwords-ko/src/badwords.ko.config.json") as { badWords?: unknown };
  const list = Array.isArray(config.badWords) ? config.badWords : [];
  const terms = defined(list.map((word) => (typeof word === "string" ? entry(word, LISTED, "ko") : undefined)));
  return { package: "badwords-ko", version: packageVersion("badwords-ko"), licence: "MIT", terms };
}

/** bad-words-next pattern → term and mode: "arsch*" prefix, "*scheiße*" infix, "hijo_de_puta" three words. */
function fromPattern(pattern: string, lang: string): LexiconTerm | undefined {
  const leading = pattern.startsWith("*");
  const trailing = pattern.endsWith("*");
  // `+` means "this letter, repeated": the matcher already collapses stretched letters, so drop it.
  const word = pattern.replace(/^\*|\*$/g, "").replace(/\+/g, "").replace(/_/g, " ");
  if (word.includes("*")) return undefined;
  const mode: TermMode | undefined = leading ? "sub" : trailing ? "prefix" : undefined;
  return entry(word, LISTED, lang, mode);
}

async function fromBadWordsNext(): Promise<LexiconSource> {
  const langs: Record<string, string> = { de: "de", es: "es", fr: "fr", pl: "pl", ru: "ru", ru_lat: "ru", ua: "uk", ch: "zh", en: "en" };
  const terms: LexiconTerm[] = [];
  for (const [file, lang] of Object.entries(langs)) {
    const module = (await import(`bad-words-next/lib/${file}`)) as { default: { words: string[] } };
    for (const pattern of module.default.words) terms.push(...defined([fromPattern(pattern, lang)]));
  }
  return { package: "bad-words-next", version: packageVersion("bad-words-next"), licence: "MIT", terms };
}

/** Every source, in a fixed order (compilation is deterministic). */
export async function loadLexiconSources(): Promise<LexiconSource[]> {
  return [await fromCuss(), fromNaughtyWords(), fromBadwordsKo(), await fromBadWordsNext()];
}
