// Gazetteer rules beside the trained model: the model learns contexts from a few hundred templates, and these
// rules carry the plain facts it cannot see often enough there ("Italy" is a country, "Brad" is a first name).
// Both kinds of candidate go into the same overlap resolution; the more confident one wins.

import type { Candidate } from "../candidate.js";
import type { TokenContext } from "./features.js";
import { Gaz } from "./gazetteer.js";
import { type Token, firstTokenEndingAfter } from "./tokens.js";

const PLACE_OR_WORD = Gaz.Country | Gaz.City | Gaz.State | Gaz.MultiPlace | Gaz.CommonWord;
const NAME = Gaz.FirstName | Gaz.LastName;

function isWord(t: Token): boolean {
  return /^\p{L}/u.test(t.lower);
}

/** "Anna", "McDermott", "O'Kon": capitalised with lower case after; "IBAN" and "anna" are not. */
function nameCased(text: string, t: Token): boolean {
  const first = text.charAt(t.start);
  return first !== first.toLowerCase() && /\p{Ll}/u.test(text.slice(t.start + 1, t.end));
}

// Words that start made-up and real place names alike ("New Cale", "Fort Adam", "Lake Darrin", "São Paulo").
const PLACE_PREFIX = /^(?:north|south|east|west|new|old|lake|port|fort|mount|saint|st|san|santa|são|sankt|bad|nord|sud|süd|est|ouest|groß|upper|lower|great|little)$/;
const PLACE = Gaz.City | Gaz.Country | Gaz.State | Gaz.MultiPlace | Gaz.CitySuffix;

/** Capitalised place name starting at token i: a gazetteer place, a made-up "…chester"/"…burgh", or "Prefix Name". */
function placeAt(text: string, ctx: TokenContext, i: number): number {
  const { tokens, gaz, capital } = ctx;
  const bits = gaz[i] as number;
  const t = tokens[i] as Token;
  if (capital[i] !== 1 || !isWord(t)) return -1;
  const next = tokens[i + 1];
  if (PLACE_PREFIX.test(t.lower) && next && capital[i + 1] === 1 && isWord(next) && next.start - t.end === 1) return i + 1;
  if (bits & Gaz.MultiPlace) {
    let j = i;
    while (j + 1 < tokens.length && (gaz[j + 1] as number) & Gaz.MultiPlace) j++;
    return j;
  }
  if (bits & Gaz.CitySuffix && !(bits & (Gaz.FirstName | Gaz.LastName | Gaz.CommonWord))) return i;
  if (bits & PLACE && !(bits & Gaz.CommonWord) && nameCased(text, t)) return i;
  return -1;
}

// Legal forms and the words company names end with ("Gradiant Research LLC", "Fernandez Inc.", "Hansen & Sons").
const LEGAL_FORM = /^(?:inc|llc|ltd|limited|corp|corporation|co|gmbh|ag|kg|ug|ohg|sa|sas|sarl|srl|spa|bv|nv|plc|pty|oy|ab|llp|lp|ltda|scop|group|gruppe|groep|holdings|partners|sons|associates|industries|technologies|solutions|systems|labs)(?:['’]s)?$/;

// Words that end many company names but also ordinary phrases ("Kestrel Aerospace" but "fluid dynamics"): they
// count only after a capitalised word that is not an ordinary word.
const BUSINESS_WORD =
  /^(?:aerospace|dynamics|analytics|motors|automotive|pharma|pharmaceuticals|therapeutics|biotech|airlines|airways|bank|insurance|media|capital|ventures|networks|logistics|shipping|freight|foods|energy|robotics|studios|software|telecom|consulting|healthcare|clinic|electronics|engineering|construction|realty|properties|investments|financial|enterprises|international|global|digital|interactive|entertainment|publishing|pictures|records|brewing|brewery|bakery|outfitters|apparel|cosmetics|pharmacy|semiconductors|instruments|devices|mining|chemicals|textiles|agency|hotels|resorts)(?:['’]s)?$/;

/**
 * "Name Name LLC": one to three capitalised words right before a legal form. Before a mere business word
 * (`strict`) none of them may be an ordinary word, not even one that is also a name.
 */
function companyEndingAt(text: string, ctx: TokenContext, i: number, strict = false): number {
  const { tokens, capital, gaz } = ctx;
  let first = i;
  for (let j = i - 1; j >= 0 && i - j <= 3; j--) {
    const t = tokens[j] as Token;
    const gap = (tokens[j + 1] as Token).start - t.end;
    const bits = gaz[j] as number;
    if (gap > 1 || !isWord(t) || capital[j] !== 1 || (bits & Gaz.CommonWord && (strict || !(bits & NAME)))) break;
    first = j;
  }
  return first < i && nameCased(text, tokens[first] as Token) ? first : -1;
}

// "May I", "Will We": a capitalised pronoun after a given name is not its surname.
const PRONOUN = /^(?:i|we|you|he|she|they|it)$/;
const LOCATION_BEFORE = /^(?:in|to|from|near|at|visit|visiting|visited|across|throughout|en|nach|aus|à|a|de|em|para|di|da|naar|uit)$/;
/**
 * Companies found by their form ("… LLC", "Butler-Peters"): the form is stronger evidence than the model's reading
 * of the words, so these outrank a model span over the same words (model scores rarely pass 0.9).
 */
export const ORG_RULE_SCORE = 0.9;
// In text typed all in lower case only the plainest of these count ("at", "a", "de" start too many phrases).
const LOWER_LOCATION_BEFORE = /^(?:in|to|from|near|visit|visiting|visited|nach|naar)$/;

const REGION = Gaz.Country | Gaz.State | Gaz.MultiPlace;
/** A place from the lists: a town or a region (not a city prefix or suffix). */
const PLACE_NAME = REGION | Gaz.City;

/**
 * A word that can be one of the family names in a firm's name: capitalised like a name, not a country or region,
 * and (when `listed`) a family name in the lists.
 */
function surnameAt(text: string, ctx: TokenContext, i: number, listed: boolean): boolean {
  const t = ctx.tokens[i];
  if (!t || ctx.capital[i] !== 1 || ctx.structured[i] !== 0 || !nameCased(text, t)) return false;
  const bits = ctx.gaz[i] as number;
  if (bits & REGION) return false;
  return listed ? (bits & Gaz.LastName) !== 0 : true;
}

/** Is token j a capitalised word (so that a pattern next to it may be part of a longer name)? */
function capitalisedWord(ctx: TokenContext, j: number): boolean {
  const t = ctx.tokens[j];
  return t !== undefined && ctx.capital[j] === 1 && isWord(t);
}

/**
 * Company names built from family names, the way name generators and law firms make them: "Butler-Peters",
 * "Douglas - Kub", "Owens, Duran and Oneal". A double-barrelled name after a given name ("Mary Smith-Jones") or
 * two given names ("Jean-Pierre") is a person. Returns the last token of the name, or -1.
 */
function surnameFirmAt(text: string, ctx: TokenContext, i: number): number {
  const { tokens, gaz } = ctx;
  if (!surnameAt(text, ctx, i, false) || capitalisedWord(ctx, i - 1)) return -1;
  const a = tokens[i] as Token;
  const dash = tokens[i + 1];
  // "A-B" (no spaces) or "A - B" (spaces on both sides), one of them a listed family name.
  const listed = (gaz[i] as number) & Gaz.LastName;
  if (dash && (dash.lower === "-" || dash.lower === "–") && surnameAt(text, ctx, i + 2, !listed)) {
    const b = tokens[i + 2] as Token;
    const tight = dash.start === a.end && b.start === dash.end;
    const spaced = dash.start === a.end + 1 && b.start === dash.end + 1;
    const bothGiven = (gaz[i] as number) & Gaz.FirstName && (gaz[i + 2] as number) & Gaz.FirstName;
    if ((tight || spaced) && !bothGiven && !capitalisedWord(ctx, i + 3)) return i + 2;
  }
  // "A, B and C" / "A, B & C": three family-name-like words (not towns, not ordinary words), one of them listed.
  const comma = tokens[i + 1];
  const and = tokens[i + 3];
  const firmWord = (j: number) => {
    const bits = gaz[j] as number;
    return surnameAt(text, ctx, j, false) && (bits & Gaz.LastName || !(bits & (Gaz.City | Gaz.CommonWord)));
  };
  if (
    comma?.lower === "," &&
    and &&
    (and.lower === "and" || and.lower === "&" || and.lower === "und") &&
    firmWord(i) &&
    firmWord(i + 2) &&
    firmWord(i + 4) &&
    ((gaz[i] as number) | (gaz[i + 2] as number) | (gaz[i + 4] as number)) & Gaz.LastName
  ) {
    return i + 4;
  }
  return -1;
}

/** Lower-case text: a given name from the lists followed by a family name (or an initial and a name). */
function lowerCaseNameAt(ctx: TokenContext, i: number): number {
  const { tokens, gaz } = ctx;
  const bits = gaz[i] as number;
  if (!(bits & Gaz.FirstName) || bits & PLACE) return -1;
  let j = i + 1;
  const initial = tokens[j];
  if (initial && initial.end - initial.start === 1 && /^\p{L}$/u.test(initial.lower) && tokens[j + 1]) j++;
  const next = tokens[j];
  if (!next || ctx.structured[j] !== 0 || next.end - next.start < 2 || !/^\p{L}+(?:['’]\p{L}+)?$/u.test(next.lower)) return -1;
  const nextBits = gaz[j] as number;
  if (nextBits & Gaz.CommonWord && !(nextBits & Gaz.LastName)) return -1;
  // A given name that is also an ordinary word ("benjamin", "will") needs a listed family name after it.
  if (bits & Gaz.CommonWord && (!(nextBits & Gaz.LastName) || nextBits & Gaz.CommonWord)) return -1;
  return j;
}

/** Candidates for text typed all in lower case, where the capitalisation the other rules read is missing. */
function lowerCaseCandidates(ctx: TokenContext, out: Candidate[]): void {
  const { tokens, gaz, structured } = ctx;
  const n = tokens.length;
  for (let i = 0; i < n; i++) {
    if (structured[i] !== 0) continue;
    const bits = gaz[i] as number;
    const previous = tokens[i - 1];
    if (previous && LOWER_LOCATION_BEFORE.test(previous.lower) && bits & PLACE_NAME && !(bits & Gaz.CommonWord)) {
      let j = i;
      if (bits & Gaz.MultiPlace) while (j + 1 < n && (gaz[j + 1] as number) & Gaz.MultiPlace) j++;
      out.push({ start: (tokens[i] as Token).start, end: (tokens[j] as Token).end, label: "GPE", score: 0.6 });
      i = j;
      continue;
    }
    const last = lowerCaseNameAt(ctx, i);
    if (last > i) {
      out.push({ start: (tokens[i] as Token).start, end: (tokens[last] as Token).end, label: "PERSON", score: 0.6 });
      i = last;
    }
  }
}

export function gazetteerCandidates(text: string, ctx: TokenContext, lowerCaseText = false): Candidate[] {
  const out: Candidate[] = [];
  const { tokens, gaz, capital, structured } = ctx;
  const n = tokens.length;
  if (lowerCaseText) {
    lowerCaseCandidates(ctx, out);
    return out;
  }
  for (let i = 0; i < n; i++) {
    const bits = gaz[i] as number;
    if (structured[i] !== 0 || capital[i] !== 1) continue;
    // A company named after its founders: "Butler-Peters", "Owens, Duran and Oneal".
    if (tokens[i + 1]?.lower === "-" || tokens[i + 1]?.lower === "–" || tokens[i + 1]?.lower === ",") {
      const last = surnameFirmAt(text, ctx, i);
      if (last > i) {
        out.push({ start: (tokens[i] as Token).start, end: (tokens[last] as Token).end, label: "ORGANIZATION", score: ORG_RULE_SCORE });
        i = last;
        continue;
      }
    }
    // A company: capitalised words ending in a legal form.
    const legal = LEGAL_FORM.test((tokens[i] as Token).lower);
    if (legal || BUSINESS_WORD.test((tokens[i] as Token).lower)) {
      const first = companyEndingAt(text, ctx, i, !legal);
      if (first >= 0) {
        const dot = tokens[i + 1];
        const end = dot && dot.lower === "." && dot.start === (tokens[i] as Token).end ? dot.end : (tokens[i] as Token).end;
        out.push({ start: (tokens[first] as Token).start, end, label: "ORGANIZATION", score: ORG_RULE_SCORE });
        continue;
      }
    }
    // A place after a location preposition: "land in Chambéry", "In Corwinmouth, ...", "moved to New Cale".
    const previous = tokens[i - 1];
    if ((previous && LOCATION_BEFORE.test(previous.lower)) || (i === 0 && bits & Gaz.CitySuffix)) {
      const end = placeAt(text, ctx, i);
      if (end >= 0) {
        out.push({ start: (tokens[i] as Token).start, end: (tokens[end] as Token).end, label: "GPE", score: 0.7 });
        i = end;
        continue;
      }
    }
    // Countries: a capitalised name, single or multi-word; a country that is also a first name (Jordan, Chad) is
    // left to the model.
    if (bits & (Gaz.Country | Gaz.MultiCountry) && !(bits & Gaz.FirstName)) {
      let j = i;
      if (bits & Gaz.MultiCountry) while (j + 1 < n && (gaz[j + 1] as number) & Gaz.MultiCountry) j++;
      // "MAN-73743", "the ID": a short upper-case word is a code more often than a country.
      if (j === i && shortCode(text, ctx, i)) continue;
      out.push({ start: (tokens[i] as Token).start, end: (tokens[j] as Token).end, label: "GPE", score: 0.75 });
      i = j;
      continue;
    }
    // First name, optionally followed by capitalised names: a person. A first name that is also a place or a
    // dictionary word ("Will", "Georgia") counts only with a surname after it.
    if (bits & Gaz.FirstName && nameCased(text, tokens[i] as Token)) {
      let j = i;
      while (j + 1 < n && j - i < 3) {
        const next = tokens[j + 1] as Token;
        const nextBits = gaz[j + 1] as number;
        const adjacent = next.start - (tokens[j] as Token).end === 1 && text.charAt(next.start - 1) === " ";
        if (!adjacent || !isWord(next) || capital[j + 1] !== 1 || structured[j + 1] !== 0 || PRONOUN.test(next.lower)) break;
        if (!(nextBits & NAME) && nextBits & Gaz.CommonWord) break;
        j++;
      }
      if (j === i && bits & PLACE_OR_WORD) continue;
      out.push({ start: (tokens[i] as Token).start, end: (tokens[j] as Token).end, label: "PERSON", score: j > i ? 0.75 : 0.6 });
      i = j;
    }
  }
  return out;
}

/** Is token i the first of a sentence or a line (where every word is capitalised)? */
function sentenceStart(ctx: TokenContext, i: number): boolean {
  const t = ctx.tokens[i] as Token;
  const previous = ctx.tokens[i - 1];
  return !previous || t.newlineBefore || /^[.!?:"“'‘(\[*#>•-]$/.test(previous.lower);
}

/**
 * A lone upper-case token of two to four letters ("ID", "SKU", "MAN" in "MAN-73743") is a code or an abbreviation
 * unless it stands where a region code does in an address: after a comma or at the start of a line.
 */
function shortCode(text: string, ctx: TokenContext, i: number): boolean {
  const t = ctx.tokens[i] as Token;
  const length = t.end - t.start;
  if (length < 2 || length > 4 || /\p{Ll}/u.test(text.slice(t.start, t.end)) || !isWord(t)) return false;
  if (text.charAt(t.end) === "-" && /\d/.test(text.charAt(t.end + 1))) return true;
  const previous = ctx.tokens[i - 1];
  return !(t.newlineBefore || previous?.lower === ",");
}

/**
 * A model span made only of digits, punctuation, common words and lower-case unknown words ("344", "of",
 * "überweisen", "land") names nothing; it needs a capitalised word that is not a common one, or (in text typed
 * all in lower case) a name or place from the gazetteers.
 */
export function namesSomething(text: string, ctx: TokenContext, span: Candidate, lowerCaseText: boolean): boolean {
  const lo = firstTokenEndingAfter(ctx.tokens, span.start);
  const first = ctx.tokens[lo];
  if (first && first.start >= span.start && first.end >= span.end && shortCode(text, ctx, lo)) return false;
  for (let i = lo; i < ctx.tokens.length; i++) {
    const t = ctx.tokens[i] as Token;
    if (t.start >= span.end) break;
    if (!isWord(t)) continue;
    const bits = ctx.gaz[i] as number;
    if (ctx.capital[i] === 1 ? !(bits & Gaz.CommonWord) || bits & (NAME | Gaz.Country | Gaz.City) : lowerCaseText && bits & (NAME | Gaz.Country | Gaz.City)) return true;
    // A capitalised ordinary word inside a sentence ("in Frankfurt", "to Reading"), where the model is sure.
    if (ctx.capital[i] === 1 && span.score >= 0.8 && !sentenceStart(ctx, i)) return true;
  }
  return false;
}

/**
 * A model address span without a digit whose words are all places from the lists ("to Nevada", "Ontario,
 * Canada") is a place: a street address has a number, or at least a street word.
 */
export function onlyPlaces(ctx: TokenContext, span: Candidate): boolean {
  let words = 0;
  for (let i = firstTokenEndingAfter(ctx.tokens, span.start); i < ctx.tokens.length; i++) {
    const t = ctx.tokens[i] as Token;
    if (t.start >= span.end) break;
    if (/\p{N}/u.test(t.lower)) return false;
    if (!isWord(t)) continue;
    const bits = ctx.gaz[i] as number;
    if (!(bits & PLACE_NAME) || bits & (Gaz.StreetSuffix | Gaz.StreetPrefix | Gaz.SecondaryAddress)) return false;
    words++;
  }
  return words > 0;
}

const PLACE_NOUN = /^(?:capital|city|town|village|port|metropolis|seat|largest|biggest|oldest|second|home)$/;
const PLACE_NOUN_BEFORE = /^(?:capital|city|town|village|port)$/;
const COPULA = /^(?:is|was)$/;
const ARTICLE = /^(?:the|a|an)$/;

/**
 * A model PERSON span whose words are all towns or regions from the lists, said to be a place by the sentence
 * around it ("Madrid is the capital of Spain", "the capital of France is Paris", "the city of Victoria"): a place.
 * The model learned "Capitalised word + is" as a person from its sentence frames, and many towns are also given or
 * family names in the lists ("Paris", "Sydney", "Madrid"), so the lists alone cannot decide.
 */
export function placeByContext(ctx: TokenContext, span: Candidate): boolean {
  const first = firstTokenEndingAfter(ctx.tokens, span.start);
  let last = first - 1;
  for (let i = first; i < ctx.tokens.length; i++) {
    const t = ctx.tokens[i] as Token;
    if (t.start >= span.end) break;
    if (isWord(t) && !((ctx.gaz[i] as number) & PLACE_NAME)) return false;
    last = i;
  }
  if (last < first) return false;
  const word = (i: number): string => ctx.tokens[i]?.lower ?? "";
  // "X is the capital / a city / a large city / the largest city ..."
  if (COPULA.test(word(last + 1)) && ARTICLE.test(word(last + 2)) && (PLACE_NOUN.test(word(last + 3)) || PLACE_NOUN.test(word(last + 4)))) return true;
  // "the city of X", "the capital of France is X"
  if (word(first - 1) === "of" && PLACE_NOUN_BEFORE.test(word(first - 2))) return true;
  for (let k = first - 1; k >= Math.max(0, first - 5); k--) {
    if (!COPULA.test(word(k))) continue;
    return word(k - 2) === "of" && PLACE_NOUN_BEFORE.test(word(k - 3));
  }
  return false;
}

/**
 * A postal address written over several lines is one address, town and country included (as Presidio labels a
 * generated address): places on the lines right after a street address, with only postcodes, region codes, commas
 * and spaces between, join it. `spans` must be sorted by start; the joined places are removed.
 */
export function joinAddressLines(text: string, spans: Candidate[]): Candidate[] {
  const out: Candidate[] = [];
  for (let k = 0; k < spans.length; k++) {
    const c = spans[k] as Candidate;
    out.push(c);
    if (c.label !== "STREET_ADDRESS") continue;
    while (k + 1 < spans.length) {
      const next = spans[k + 1] as Candidate;
      if (next.label !== "GPE" && next.label !== "STREET_ADDRESS") break;
      if (next.start < c.end) break;
      const gap = text.slice(c.end, next.start);
      if (!gap.includes("\n") || !/^[\s,]*(?:[\p{Lu}\d][\p{Lu}\d -]{0,9}[\s,]+)*$/u.test(gap) || gap.length > 40) break;
      c.end = next.end;
      c.score = Math.max(c.score, next.score);
      k++;
    }
  }
  return out;
}
