// Turn raw lexicon sources into the compact, filtered term list that ships inside a model file.
// Filters, in order, each for a reason the raw lists give:
//   1. topic and identity words: the lists include "drugs", "sexo", "bisexual", "gay", "arab"; naming a topic or a
//      group is not offensive, and flagging identity terms is the classic bias failure of lexicon filters.
//   2. too short: two-letter Latin terms ("am" is Turkish profanity and English "am"), one-character CJK terms
//      ("幹" is an everyday verb in Traditional Chinese).
//   3. seen in benign text: a term found in two or more rows of a benign reference corpus (ordinary questions,
//      commands and sentences in many languages) is a homonym there, e.g. Spanish "bollo" (bun).
// Duplicates keep the heaviest weight; a term listed for several languages gets lang "mul".

import type { ConceptTerm } from "./concepts.js";
import { LexiconMatcher, type LexiconTerm, type TermMode } from "./matcher.js";
import { foldTerm, isNoSpaceScript, stripLatinDiacritics } from "./skeleton.js";
import type { LexiconSource } from "./sources.js";

/** Topic and identity words across the lists' languages (folded before use). */
const NOT_OFFENSIVE = [
  // group and identity names
  "gay", "gays", "lesbian", "lesbians", "lesbiana", "lesbica", "lésbica", "bisexual", "bissexual", "bisexuel",
  "homosexual", "homosexuel", "homosexuell", "transgender", "trans", "queer", "jew", "jews", "jewish", "judio",
  "muslim", "muslims", "moslem", "islam", "arab", "arabs", "african", "black", "blacks", "white", "asian",
  "mexican", "ariano", "gitano", "zigeuner", "negro", "negra", "preto", "preta", "schwarz", "nero", "noir",
  // topics people ask about legitimately
  "sex", "sexo", "sexe", "sesso", "drug", "drugs", "drogas", "droga", "drogen", "drogue", "cocaine", "cocaina",
  "cocaína", "heroin", "heroina", "heroína", "abortion", "aborto", "abtreibung", "avortement", "condom",
  "camisinha", "preservativo", "kondom", "beer", "cerveja", "cerveza", "bier", "alcohol", "asesinato", "murder",
  "mord", "meurtre", "omicidio", "assassinato", "rape", "violacion", "violación", "vergewaltigung", "estupro",
  "prostitution", "prostitucion", "prostitución", "prostituicao", "prostituição", "prostitution", "orgasmus",
  "orgasm", "orgasmo", "nipple", "breast", "breasts", "penis", "vagina", "anal", "anus", "sperm", "esperma",
  "semen", "pregnant", "drunk", "addict", "abuse", "devil", "demon", "hell", "damn", "god",
  // everyday words some lists carry
  "bolas", "balls", "comer", "chupar", "amador", "amateur", "burro", "aranha", "bumbum", "cagar", "biga",
  "battere", "balle", "bagnarsi", "cadavere", "brinca", "esel", "bonze", "kugelbeutel", "kimme",
  // slurs in one list that are everyday words in another language (Swahili "kwa" = "for"; Vietnamese "tang")
  "kwa", "tang", "bong", "mong", "monate", "suka", "sega", "pipe", "pot",
  // topics listed as bad words: naming suicide is how people ask for help (Korean "자살" = suicide)
  "자살", "suicide", "suicid", "suicidio", "suicídio", "selbstmord", "suicidal",
].map(foldTerm);

const MIN_LATIN_LENGTH = 3;
const MIN_NO_SPACE_LENGTH = 2;

export interface CompileOptions {
  /** Benign texts in many languages; terms matching `maxBenignRows` or more of them are dropped. */
  benignReference: readonly string[];
  maxBenignRows?: number;
}

export interface CompiledLexicon {
  format: "tollgate-lexicon/1";
  sources: { package: string; version: string; licence: string; terms: number }[];
  dropped: { topic: number; short: number; benign: number };
  /** [term, weight, lang, mode]: compact on disk. */
  terms: [string, number, string, TermMode][];
}

function tooShort(term: string): boolean {
  const letters = [...term.replace(/ /g, "")].length;
  return isNoSpaceScript(term) ? letters < MIN_NO_SPACE_LENGTH : letters < MIN_LATIN_LENGTH;
}

export function compileLexicon(sources: readonly LexiconSource[], options: CompileOptions): CompiledLexicon {
  const maxBenignRows = options.maxBenignRows ?? 2;
  const topics = new Set(NOT_OFFENSIVE);
  const byKey = new Map<string, LexiconTerm>();
  const dropped = { topic: 0, short: 0, benign: 0 };
  for (const source of sources) {
    for (const term of source.terms) {
      if (topics.has(term.term)) {
        dropped.topic++;
        continue;
      }
      if (tooShort(term.term)) {
        dropped.short++;
        continue;
      }
      // The accent-free spelling too: many people type "cabron" for "cabrón".
      const plain = stripLatinDiacritics(term.term);
      for (const spelling of plain === term.term ? [term.term] : [term.term, plain]) {
        if (spelling !== term.term && topics.has(spelling)) continue;
        const key = `${term.mode}\u0000${spelling}`;
        const have = byKey.get(key);
        if (!have) byKey.set(key, { ...term, term: spelling });
        else {
          if (have.lang !== term.lang) have.lang = "mul";
          if (term.weight > have.weight) have.weight = term.weight;
        }
      }
    }
  }

  // Count benign rows per matched term; one matcher pass per row keeps this linear.
  const candidates = [...byKey.values()];
  const matcher = new LexiconMatcher(candidates);
  const benignCounts = new Map<string, number>();
  for (const text of options.benignReference) {
    const seen = new Set<string>();
    for (const hit of matcher.match(text)) seen.add(hit.term);
    for (const term of seen) benignCounts.set(term, (benignCounts.get(term) ?? 0) + 1);
  }
  const kept: LexiconTerm[] = [];
  for (const term of candidates) {
    if ((benignCounts.get(term.term) ?? 0) >= maxBenignRows) {
      dropped.benign++;
      continue;
    }
    kept.push(term);
  }
  kept.sort((a, b) => (a.term < b.term ? -1 : a.term > b.term ? 1 : a.mode < b.mode ? -1 : a.mode > b.mode ? 1 : 0));
  return {
    format: "tollgate-lexicon/1",
    sources: sources.map((s) => ({ package: s.package, version: s.version, licence: s.licence, terms: s.terms.length })),
    dropped,
    terms: kept.map((t) => [t.term, Math.round(t.weight * 100) / 100, t.lang, t.mode]),
  };
}

export interface CompiledConcepts {
  format: "tollgate-concepts/1";
  tags: string[];
  /** [folded term, tag index, lang, mode]. */
  terms: [string, number, string, TermMode][];
}

/**
 * Fold concept terms (concepts.ts) into the compact form a model file carries. The written syntax becomes a mode:
 * no-space scripts match as substrings, "*stem*" inside a word, "stem*" as a prefix, a phrase with any stem as a
 * phrase pattern. Latin terms with diacritics also get their accent-free spelling ("niños" → "ninos") when they are
 * phrases or at least five letters long: short ones would collide with everyday words ("cómo" → "como", "as").
 * Duplicates keep their first tag.
 */
export function compileConcepts(terms: readonly ConceptTerm[], tags: readonly string[]): CompiledConcepts {
  const tagIndex = new Map(tags.map((t, i) => [t, i] as const));
  const seen = new Set<string>();
  const out: [string, number, string, TermMode][] = [];
  const push = (term: string, mode: TermMode, tag: string, lang: string): void => {
    const key = `${mode}\u0000${term}`;
    if (seen.has(key)) return;
    seen.add(key);
    const index = tagIndex.get(tag);
    if (index === undefined) throw new Error(`concept term "${term}" has unknown tag "${tag}"`);
    out.push([term, index, lang, mode]);
  };
  const folded = terms.map((t) => ({ ...t, term: foldTerm(t.mode === "sub" ? `*${t.term}*` : t.mode === "prefix" ? `${t.term}*` : t.term) }));
  for (const { term, tag, lang } of folded) {
    const plain = stripLatinDiacritics(term);
    const long = term.includes(" ") || term.replace(/\*/g, "").length >= 5;
    for (const spelling of plain !== term && long ? [term, plain] : [term]) push(...modeOf(spelling), tag, lang);
  }
  function modeOf(written: string): [string, TermMode] {
    const bare = written.replace(/^\*|\*$/g, "");
    if (isNoSpaceScript(bare)) return [bare.replace(/\*/g, ""), "sub"];
    if (bare.includes(" ") && written.includes("*")) return [written, "phrase"];
    if (written.startsWith("*") && written.endsWith("*")) return [bare, "sub"];
    if (written.endsWith("*")) return [bare, "prefix"];
    return [bare, "word"];
  }
  return { format: "tollgate-concepts/1", tags: [...tags], terms: out };
}
