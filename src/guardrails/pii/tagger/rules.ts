// Gazetteer rules beside the trained model: the model learns contexts from a few hundred templates, and these
// rules carry the plain facts it cannot see often enough there ("Italy" is a country, "Brad" is a first name).
// Both kinds of candidate go into the same overlap resolution; the more confident one wins.

import type { Candidate } from "../candidate.js";
import type { TokenContext } from "./features.js";
import { Gaz } from "./gazetteer.js";
import type { Token } from "./tokens.js";

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

export function gazetteerCandidates(text: string, ctx: TokenContext): Candidate[] {
  const out: Candidate[] = [];
  const { tokens, gaz, capital, structured } = ctx;
  const n = tokens.length;
  for (let i = 0; i < n; i++) {
    const bits = gaz[i] as number;
    if (structured[i] !== 0 || capital[i] !== 1) continue;
    // Countries: a capitalised name, single or multi-word; a country that is also a first name (Jordan, Chad) is
    // left to the model.
    if (bits & (Gaz.Country | Gaz.MultiCountry) && !(bits & Gaz.FirstName)) {
      let j = i;
      if (bits & Gaz.MultiCountry) while (j + 1 < n && (gaz[j + 1] as number) & Gaz.MultiCountry) j++;
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
        const adjacent = next.start - (tokens[j] as Token).end <= 1;
        if (!adjacent || !isWord(next) || capital[j + 1] !== 1 || structured[j + 1] !== 0) break;
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

/**
 * A model span made only of digits, punctuation, common words and lower-case unknown words ("344", "of",
 * "überweisen") names nothing; it needs a capitalised word or a name or place from the gazetteers.
 */
export function namesSomething(ctx: TokenContext, span: Candidate): boolean {
  for (let i = 0; i < ctx.tokens.length; i++) {
    const t = ctx.tokens[i] as Token;
    if (t.end <= span.start) continue;
    if (t.start >= span.end) break;
    if (!isWord(t)) continue;
    const bits = ctx.gaz[i] as number;
    if (bits & (NAME | Gaz.Country | Gaz.City | Gaz.StreetSuffix | Gaz.CompanySuffix)) return true;
    if (ctx.capital[i] === 1 && !(bits & Gaz.CommonWord)) return true;
  }
  return false;
}
