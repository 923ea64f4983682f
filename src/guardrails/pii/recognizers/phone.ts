// Phone numbers: a permissive shape finds candidates; libphonenumber-js validates international ones against
// their country's numbering plan, national ones get structural checks (NANP, trunk prefix), and context words
// lift weaker shapes.

import { parsePhoneNumberFromString } from "libphonenumber-js";
import type { Candidate } from "../candidate.js";
import { contextAround, contextBefore } from "../context.js";

/**
 * North American numbering plan: NPA-NXX-XXXX, area code not starting with 0/1 nor ending in 11 (service codes),
 * exchange not starting with 0/1 nor N11.
 */
export function validNanp(digits: string): boolean {
  const d = digits.length === 11 && digits[0] === "1" ? digits.slice(1) : digits;
  if (d.length !== 10) return false;
  const area = d.slice(0, 3);
  const exchange = d.slice(3, 6);
  return /^[2-9]\d\d$/.test(area) && !area.endsWith("11") && /^[2-9]\d\d$/.test(exchange) && !exchange.endsWith("11") && area !== "555";
}

/**
 * A national number with a trunk prefix (0 + area + subscriber, as in most of Europe, Latin America, India,
 * Australia): 9 to 12 digits, starting with a single 0.
 */
function plausibleTrunkNumber(digits: string): boolean {
  return digits.length >= 9 && digits.length <= 12 && digits[0] === "0" && digits[1] !== "0";
}

/**
 * International numbers are checked by libphonenumber-js against the numbering plan of their country code.
 * National numbers get the cheap structural checks above instead: libphonenumber-js compiles its metadata patterns
 * on every call (tens of microseconds each), far too slow to try region after region on streamed text.
 */
function validNumber(number: string, digits: string): boolean {
  if (number.startsWith("+")) return parsePhoneNumberFromString(number)?.isValid() ?? false;
  return validNanp(digits) || plausibleTrunkNumber(digits);
}

const PHONE =
  /(?<![\w+.\-/])(?:\+\d{1,3}[ .-]?)?(?:\(\d{1,5}\)[ .-]?)?\d{1,14}(?:[ .-]\d{1,14}){0,5}(?:[ ]?(?:x|ext\.?|extension)[ ]?\d{1,6})?(?![\w/]|[.-]\d)/g;
const PHONE_CONTEXT =
  /\b(?:phone|phones|tel|telephone|mobile|cell|cellphone|call|calls|text|sms|whatsapp|signal|fax|reach|contact|dial|ring|number|num[eé]ro|n[uú]mero|llámame|llama|ll[aá]mame|appelle[rz]?|telefon|telefono|teléfono|telefone|handy|rufen|ligue|chiama|bel)\b|"phone"|,$/i;
// Numbers that are something else even when they have a phone's length.
const NOT_PHONE_CONTEXT = /\b(?:isbn|order|invoice|inv|build|ticket|tracking|version|ref|reference|account|acct|iban|ssn|license|licence|dl#?|id|serial|sku|claim|case|po)\s*(?:#|no\.?|number|num)?\s*:?\s*$/i;
const EXTENSION = /[ ]?(?:x|ext\.?|extension)[ ]?\d{1,6}$/;

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
    const valid = shaped && !international ? true : validNumber(withoutExt, digits);
    let score: number;
    // Without a context word, national numbers need ten digits: shorter grouped numbers are often postcodes or ids.
    if (valid) score = context ? 0.95 : shaped ? 0.8 : digits.length >= 10 ? 0.7 : 0.45;
    else if (shaped) score = context ? 0.85 : 0.6;
    else score = context && separated ? 0.6 : 0.3;
    found.push({ start, end, label: "PHONE_NUMBER", score });
  }
  return found;
}
