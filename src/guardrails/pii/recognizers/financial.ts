// Numbers with a checksum or an issuing rule: payment cards (Luhn + issuer prefix), IBANs (ISO 13616 mod-97 and
// the country's length), US social security numbers (SSA area/group/serial rules).

import { validateIBAN, ValidationErrorsIBAN } from "ibantools";
import type { Candidate } from "../candidate.js";
import { contextAround, contextBefore } from "../context.js";

export function luhnValid(digits: string): boolean {
  let sum = 0;
  let double = false;
  for (let i = digits.length - 1; i >= 0; i--) {
    let d = digits.charCodeAt(i) - 48;
    if (d < 0 || d > 9) return false;
    if (double) {
      d *= 2;
      if (d > 9) d -= 9;
    }
    sum += d;
    double = !double;
  }
  return digits.length > 0 && sum % 10 === 0;
}

/** Issuer ranges (IIN prefixes) and the lengths each issues, for the networks in common use. */
function knownIssuer(digits: string): boolean {
  const n = digits.length;
  const p2 = Number(digits.slice(0, 2));
  const p4 = Number(digits.slice(0, 4));
  const p6 = Number(digits.slice(0, 6));
  if (digits[0] === "4") return n === 13 || n === 16 || n === 19; // Visa
  if ((p2 >= 51 && p2 <= 55) || (p6 >= 222100 && p6 <= 272099)) return n === 16; // Mastercard
  if (p2 === 34 || p2 === 37) return n === 15; // American Express
  if (p4 === 6011 || p2 === 65 || (p4 >= 6440 && p4 <= 6499) || (p6 >= 622126 && p6 <= 622925)) return n >= 16 && n <= 19; // Discover
  if (p4 >= 3528 && p4 <= 3589) return n >= 16 && n <= 19; // JCB
  if ((p4 >= 3000 && p4 <= 3059) || p2 === 36 || p2 === 38 || p2 === 39) return n >= 14 && n <= 19; // Diners
  if (p2 === 62) return n >= 16 && n <= 19; // UnionPay
  if (p2 === 50 || (p2 >= 56 && p2 <= 69)) return n >= 12 && n <= 19; // Maestro
  return false;
}

const CARD_CONTEXT = /\b(?:card|cards|credit|debit|visa|master\s?card|amex|american express|discover|payment|pay|charge[ds]?|cc|cvv|exp(?:iry|ires)?|refund|transaction|karte|kreditkarte|tarjeta|carte|cartão|carta)\b/i;

// 4-4-4-4(-3) with one separator style, Amex 4-6-5, or 12-19 plain digits.
const CARD = /(?<![\w.,-])(?:\d{4}([ -])\d{4}\1\d{4}\1\d{4}(?:\1\d{1,3})?|\d{4}([ -])\d{6}\2\d{4,5}|\d{12,19})(?![\d-]|[.,]\d)/g;

export function findCreditCards(text: string): Candidate[] {
  const found: Candidate[] = [];
  for (const m of text.matchAll(CARD)) {
    const digits = m[0].replace(/[ -]/g, "");
    if (digits.length < 12 || digits.length > 19 || !luhnValid(digits) || /^(\d)\1+$/.test(digits)) continue;
    const start = m.index;
    const end = start + m[0].length;
    const issuer = knownIssuer(digits);
    const context = contextAround(text, start, end, CARD_CONTEXT);
    const grouped = m[0].length !== digits.length;
    // A Luhn-valid run of digits is 1 in 10 of all runs: without an issuer range, grouping or context it is weak.
    const score = issuer ? (context ? 0.99 : grouped ? 0.9 : 0.8) : context ? 0.7 : grouped ? 0.5 : 0.3;
    found.push({ start, end, label: "CREDIT_CARD", score });
  }
  return found;
}

// Country code, check digits, then groups of up to four (spaced) or a compact run; trimmed to the country length.
const IBAN = /(?<![A-Za-z0-9])[A-Z]{2}\d{2}(?: ?[A-Z0-9]{4}){2,8}(?: ?[A-Z0-9]{1,3})?(?![A-Za-z0-9])|(?<![A-Za-z0-9])[A-Z]{2}\d{2}[A-Z0-9]{11,30}(?![A-Za-z0-9])/g;

export function findIbans(text: string): Candidate[] {
  const found: Candidate[] = [];
  for (const m of text.matchAll(IBAN)) {
    const compact = m[0].replace(/ /g, "");
    const result = validateIBAN(compact);
    // Mod-97 proves the string is an IBAN as typed; a national check-digit failure (many generated and test IBANs)
    // is still an IBAN someone meant, so it is kept at a lower score.
    const onlyNational = result.errorCodes.every((e) => e === ValidationErrorsIBAN.WrongAccountBankBranchChecksum || e === ValidationErrorsIBAN.QRIBANNotAllowed);
    if (!result.valid && !onlyNational) continue;
    found.push({ start: m.index, end: m.index + m[0].length, label: "IBAN_CODE", score: result.valid ? 0.97 : 0.9 });
  }
  return found;
}

const SSN_CONTEXT = /\b(?:ssn|ssns|social security|social sec|ss#|ss no|sozialversicherung|tax ?id|itin|taxpayer)\b|"ssn"/i;
const SSN = /(?<![\w-])(\d{3})([- ]?)(\d{2})\2(\d{4})(?![\d-])/g;

/** SSA rules: no area 000, 666 or 900-999, no group 00, no serial 0000, and none of the advertised examples. */
export function validSsn(area: string, group: string, serial: string): boolean {
  if (area === "000" || area === "666" || area[0] === "9" || group === "00" || serial === "0000") return false;
  const all = area + group + serial;
  return !/^(\d)\1{8}$/.test(all) && all !== "123456789" && all !== "078051120" && all !== "219099999";
}

export function findSsns(text: string): Candidate[] {
  const found: Candidate[] = [];
  for (const m of text.matchAll(SSN)) {
    const [, area = "", sep = "", group = "", serial = ""] = m;
    if (!validSsn(area, group, serial)) continue;
    const start = m.index;
    const context = contextBefore(text, start, SSN_CONTEXT, 40);
    // Dashed 3-2-4 is the SSN's own format; nine plain digits are as likely an order or licence number.
    const base = sep === "-" ? 0.75 : sep === " " ? 0.5 : 0.3;
    found.push({ start, end: start + m[0].length, label: "US_SSN", score: context ? Math.min(0.98, base + 0.4) : base });
  }
  return found;
}
