// Dates and timestamps: ISO 8601, numeric day/month/year in the common orders, and written dates with month and
// weekday names in English, German, French, Spanish, Italian, Portuguese and Dutch. The names come from the
// platform's ICU data (Intl), so no word list is shipped for them.

import type { Candidate } from "../candidate.js";

const LOCALES = ["en", "de", "fr", "es", "it", "pt", "nl"];

function escape(word: string): string {
  return word.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
}

function names(kind: "month" | "weekday"): string {
  const words = new Set<string>();
  for (const locale of LOCALES) {
    for (const width of ["long", "short"] as const) {
      const format = new Intl.DateTimeFormat(locale, kind === "month" ? { month: width, timeZone: "UTC" } : { weekday: width, timeZone: "UTC" });
      for (let i = 0; i < (kind === "month" ? 12 : 7); i++) {
        const date = kind === "month" ? Date.UTC(2021, i, 15) : Date.UTC(2021, 1, 1 + i);
        const word = format.format(date).replace(/\.$/, "").toLowerCase();
        if (word.length >= 3) words.add(word);
      }
    }
  }
  words.add("sept");
  // Longest first so that "June" is not matched as "Jun" + "e".
  return [...words].sort((a, b) => b.length - a.length).map(escape).join("|");
}

const MONTH_NAME = `(?:${names("month")})`;
const MONTH = `${MONTH_NAME}\\.?`;
const WEEKDAY = `(?:${names("weekday")})\\.?`;
const DAY = "(?:0?[1-9]|[12]\\d|3[01])(?:st|nd|rd|th|er|\\.)?";
const YEAR = "(?:1[6-9]\\d\\d|20\\d\\d|21\\d\\d)";
const TIME = "(?:[01]?\\d|2[0-3]):[0-5]\\d(?::[0-5]\\d(?:\\.\\d{1,9})?)?(?:\\s?[ap]\\.?m\\.?)?";
// Time zones by name: the pattern is case-insensitive, so "[A-Z]{3,4}" would take the next word ("for").
const ZONE = "(?:UTC|GMT|Z|CET|CEST|EET|EEST|WET|WEST|BST|IST|MSK|EST|EDT|CST|CDT|MST|MDT|PST|PDT|AKST|AKDT|HST|JST|KST|AEST|AEDT|ACST|AWST|NZST|NZDT|SGT|HKT)(?![\\p{L}])";
const TIME_SUFFIX = `(?:,?\\s(?:at\\s|um\\s|à\\s|a las\\s)?${TIME}(?:\\s?(?:${ZONE}|[+-]\\d\\d:?\\d\\d))?)?`;
// Words after which a bare year or month name is a date: "since 1984", "in March", "until 2031".
const TIME_PREPOSITION = "(?:in|since|until|till|by|from|during|before|after|circa|around|year|of|last|next|this|early|late|mid|end of|in early|in late)";
const WEEKDAY_PREFIX = `(?:${WEEKDAY},?\\s)?`;

const DATE_SOURCES = [
  // 2021-03-05, 2021-03-05T14:23:11Z, 2021-03-05 14:23
  `(?<iso>${YEAR}-(?:0[1-9]|1[0-2])-(?:0[1-9]|[12]\\d|3[01])(?:[T ]${TIME}(?:Z|[+-]\\d\\d:?\\d\\d)?)?)`,
  // 5 March 2021, 5. März 2021, 5 de marzo de 2021, 5 March
  `(?<dmy>${WEEKDAY_PREFIX}${DAY}\\s(?:de\\s)?${MONTH}(?:,?\\s(?:de\\s)?${YEAR})?${TIME_SUFFIX})`,
  // March 5, 2021 / March 5th / March 2021
  `(?<mdy>${WEEKDAY_PREFIX}${MONTH}\\s(?:${DAY}(?:,?\\s${YEAR})?|(?:de\\s)?${YEAR})${TIME_SUFFIX})`,
  // 12/14/1984, 14.12.1984, 14-12-84, 1984/12/14
  `(?<num>(?:\\d{1,2}[/.-]\\d{1,2}[/.-](?:\\d{4}|\\d{2})|\\d{4}/\\d{1,2}/\\d{1,2})${TIME_SUFFIX})`,
  // the 5th of May (2021), 14th of February
  `(?<ordinal>(?:the\\s)?(?:0?[1-9]|[12]\\d|3[01])(?:st|nd|rd|th)\\sof\\s${MONTH}(?:,?\\s${YEAR})?)`,
  // Monday, lundi (alone: weaker)
  `(?<weekday>${WEEKDAY})`,
  // A time of day: 10:30, 9:45am, 23:15:02 ("7pm" alone, like "tonight", is left alone: too vague to redact)
  `(?<time>(?:[01]?\\d|2[0-3]):[0-5]\\d(?::[0-5]\\d)?(?:\\s?[ap]\\.?m\\.?)?(?:\\s?${ZONE})?)`,
  // A year or a month name alone, after a word that makes it a date: "since 1984", "in March"
  `(?<=\\b${TIME_PREPOSITION}\\s)(?<bare>${YEAR}|${MONTH_NAME}(?:\\s${YEAR})?)`,
];
const DATE = new RegExp(`(?<![\\p{L}\\p{N}-])(?:${DATE_SOURCES.join("|")})(?![\\p{L}\\p{N}-]|[/.]\\d)`, "giu");

function plausibleNumericDate(value: string): boolean {
  const parts = value.split(/[\sT,]/)[0]?.split(/[/.-]/).map(Number) ?? [];
  if (parts.length !== 3) return false;
  const [a = 0, b = 0, c = 0] = parts;
  if (value.match(/^\d{4}/)) return b >= 1 && b <= 12 && c >= 1 && c <= 31;
  const dayMonth = a >= 1 && a <= 31 && b >= 1 && b <= 12;
  const monthDay = a >= 1 && a <= 12 && b >= 1 && b <= 31;
  return (dayMonth || monthDay) && (String(c).length === 4 ? c >= 1600 && c <= 2199 : true);
}

const VERSION_BEFORE = /\b(?:version|ver|v|release|build|section|chapter|step)\s*$/i;

export function findDates(text: string): Candidate[] {
  const found: Candidate[] = [];
  for (const m of text.matchAll(DATE)) {
    const g = m.groups ?? {};
    const start = m.index;
    const end = start + m[0].length;
    let score: number;
    if (g.iso !== undefined) score = 0.95;
    else if (g.dmy !== undefined || g.mdy !== undefined) score = /\d{4}/.test(m[0]) ? 0.95 : 0.8;
    else if (g.num !== undefined) {
      if (!plausibleNumericDate(m[0]) || VERSION_BEFORE.test(text.slice(Math.max(0, start - 12), start))) continue;
      score = /[/]|\d{4}/.test(m[0]) ? 0.9 : 0.7;
    } else if (g.ordinal !== undefined) {
      score = 0.9;
    } else if (g.time !== undefined) {
      // "10:30 pm" is a time; "16:30" nearly always; a verse or a ratio ("John 3:16") has a capitalised word before.
      if (/\p{Lu}\p{Ll}+\s$/u.test(text.slice(Math.max(0, start - 16), start)) && !/[ap]\.?m/i.test(m[0])) continue;
      score = /[ap]\.?m|:\d\d:/i.test(m[0]) ? 0.85 : 0.7;
    } else if (g.bare !== undefined) {
      // A month name alone must be a long one ("in Mar" and "in Jun" are more often something else).
      // ("in June Smith's house": a month name followed by a capitalised word is more likely a name.)
      if (!/\d/.test(g.bare) && (g.bare.length < 4 || /^\s\p{Lu}/u.test(text.slice(end, end + 2)))) continue;
      score = 0.6;
    } else {
      // A weekday name alone ("Monday") is a date reference, but short forms ("Sun", "Mar") are common words.
      if (m[0].length < 6) continue;
      score = 0.6;
    }
    found.push({ start, end, label: "DATE_TIME", score });
  }
  return found;
}
