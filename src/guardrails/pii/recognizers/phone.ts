// Phone numbers: a permissive shape finds candidates, libphonenumber-js decides whether the digits form a valid
// number (with a country code, or in one of the regions we see most), and context words lift weaker shapes.

import { type CountryCode, parsePhoneNumberFromString } from "libphonenumber-js";
import type { Candidate } from "../candidate.js";
import { contextAround, contextBefore } from "../context.js";

// Regions tried for numbers written without a country code, most common first. Each try is a full parse, so
// the lists are short, and split by the trunk prefix: national numbers start with 0 in these regions and not in
// those. Numbers from elsewhere still count when written with +CC or next to a context word.
const TRUNK_ZERO_REGIONS: readonly CountryCode[] = ["GB", "DE", "FR", "IN", "BR", "NL", "AU", "IT", "JP"];
const NO_TRUNK_REGIONS: readonly CountryCode[] = ["US", "IN", "ES", "IT", "MX", "FR"];

const PHONE =
  /(?<![\w+.\-/])(?:\+\d{1,3}[ .-]?)?(?:\(\d{1,5}\)[ .-]?)?\d{1,14}(?:[ .-]\d{1,14}){0,5}(?:[ ]?(?:x|ext\.?|extension)[ ]?\d{1,6})?(?![\w/]|[.-]\d)/g;
const PHONE_CONTEXT =
  /\b(?:phone|phones|tel|telephone|mobile|cell|cellphone|call|calls|text|sms|whatsapp|signal|fax|reach|contact|dial|ring|number|num[eé]ro|n[uú]mero|llámame|llama|ll[aá]mame|appelle[rz]?|telefon|telefono|teléfono|telefone|handy|rufen|ligue|chiama|bel)\b|"phone"|,$/i;
// Numbers that are something else even when they have a phone's length.
const NOT_PHONE_CONTEXT = /\b(?:isbn|order|invoice|inv|build|ticket|tracking|version|ref|reference|account|acct|iban|ssn|license|licence|dl#?|id|serial|sku|claim|case|po)\s*(?:#|no\.?|number|num)?\s*:?\s*$/i;
const EXTENSION = /[ ]?(?:x|ext\.?|extension)[ ]?\d{1,6}$/;

function validSomewhere(number: string): boolean {
  if (number.startsWith("+")) return parsePhoneNumberFromString(number)?.isValid() ?? false;
  const regions = /^\(?0/.test(number) ? TRUNK_ZERO_REGIONS : NO_TRUNK_REGIONS;
  return regions.some((region) => parsePhoneNumberFromString(number, region)?.isValid() ?? false);
}

/**
 * @param taken spans already claimed by stronger recognizers (dates, IPs, cards...): digits inside them are not
 *   tried as phone numbers, which saves most of the validation work on number-heavy text.
 */
export function findPhoneNumbers(text: string, taken: readonly { start: number; end: number }[] = []): Candidate[] {
  const found: Candidate[] = [];
  for (const m of text.matchAll(PHONE)) {
    const raw = m[0];
    const start = m.index;
    const end = start + raw.length;
    if (taken.some((t) => t.start <= start && end <= t.end)) continue;
    const withoutExt = raw.replace(EXTENSION, "");
    const digits = withoutExt.replace(/\D/g, "");
    if (digits.length < 7 || digits.length > 15) continue;
    if (NOT_PHONE_CONTEXT.test(text.slice(Math.max(0, start - 24), start))) continue;
    const international = withoutExt.startsWith("+");
    const separated = /[ .\-()]/.test(withoutExt);
    // A bare run of digits is a phone number only when it is long enough to dial from abroad or from home.
    if (!international && !separated && digits.length < 10) continue;
    const context = contextAround(text, start, end, PHONE_CONTEXT, 40, 0) || contextBefore(text, start, /\b(?:at|on|:)\s*$/i, 6);
    const shaped = international || /\(\d+\)/.test(withoutExt) || raw !== withoutExt;
    // An area code in parentheses or an extension is a phone's own notation: no need for the costly check.
    const valid = shaped && !international ? true : validSomewhere(withoutExt);
    let score: number;
    // Without a context word, national numbers need ten digits: shorter grouped numbers are often postcodes or ids.
    if (valid) score = context ? 0.95 : shaped ? 0.8 : digits.length >= 10 ? 0.7 : 0.45;
    else if (shaped) score = context ? 0.85 : 0.6;
    else score = context && separated ? 0.6 : 0.3;
    found.push({ start, end, label: "PHONE_NUMBER", score });
  }
  return found;
}
