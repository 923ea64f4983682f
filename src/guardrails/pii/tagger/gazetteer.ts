// Gazetteer lookups for the tagger. The word lists are built at development time by scripts/build-gazetteers.ts
// from npm data packages; at run time only the generated JSON file is read.

import { readFileSync } from "node:fs";
import { modelPath } from "../../ml/paths.js";
import { soleToken, type Token, tokenize } from "./tokens.js";

/** One bit per list a token belongs to; features.ts turns each set bit into a feature. */
export const enum Gaz {
  FirstName = 1 << 0,
  LastName = 1 << 1,
  Title = 1 << 2,
  City = 1 << 3,
  CityPrefix = 1 << 4,
  CitySuffix = 1 << 5,
  Country = 1 << 6,
  State = 1 << 7,
  StateAbbreviation = 1 << 8,
  StreetName = 1 << 9,
  StreetPrefix = 1 << 10,
  StreetSuffix = 1 << 11,
  SecondaryAddress = 1 << 12,
  CompanySuffix = 1 << 13,
  CommonWord = 1 << 14,
  /** Inside a multi-word city / country / state / street name match (e.g. "New York", "United Kingdom"). */
  MultiPlace = 1 << 15,
  MultiStreet = 1 << 16,
  /** Inside a multi-word country name ("United Kingdom", "Isole di Turks and Caicos"). */
  MultiCountry = 1 << 17,
}
export const GAZ_BITS = 18;

/** Per-word cache slots for Gazetteer.flags (see WordInfo in features.ts). */
export interface GazMemo {
  gazOwner: Gazetteer | undefined;
  gazBits: number;
  phraseStart: boolean;
}

export const GAZETTEER_FILE = "pii-gazetteers.json";

interface GazetteerFile {
  firstNames: string[];
  lastNames: string[];
  titles: string[];
  cities: string[];
  cityPrefixes: string[];
  citySuffixes: string[];
  countries: string[];
  states: string[];
  stateAbbreviations: string[];
  streetNames: string[];
  streetPrefixes: string[];
  streetSuffixes: string[];
  secondaryAddressWords: string[];
  companySuffixes: string[];
  commonWords: string[];
}

const LIST_KEYS: readonly (keyof GazetteerFile)[] = [
  "firstNames",
  "lastNames",
  "titles",
  "cities",
  "cityPrefixes",
  "citySuffixes",
  "countries",
  "states",
  "stateAbbreviations",
  "streetNames",
  "streetPrefixes",
  "streetSuffixes",
  "secondaryAddressWords",
  "companySuffixes",
  "commonWords",
];

export class Gazetteer {
  /** Single-token entries: lower-cased word → Gaz bits. */
  private readonly words = new Map<string, number>();
  /**
   * Multi-token entries by their first two tokens ("san jose"): lists of the tokens after those two, with the bit
   * to set. Keyed by two tokens because single first tokens such as "de" or "san" start thousands of entries.
   */
  private readonly phrases = new Map<string, { rest: string[]; bit: number }[]>();
  private readonly phraseStarts = new Set<string>();
  private readonly citySuffixes: Set<string>;
  /** Distinct lengths of those suffixes, ascending. */
  private readonly citySuffixLengths: number[];

  constructor(data: GazetteerFile) {
    for (const key of LIST_KEYS) {
      if (!Array.isArray(data[key])) throw new TypeError(`gazetteer file lacks the list "${key}"`);
    }
    const single = (list: string[], bit: number) => {
      for (const entry of list) {
        if (soleToken(entry)) this.words.set(entry, (this.words.get(entry) ?? 0) | bit);
      }
    };
    const multi = (list: string[], bit: number, singleBit: number) => {
      for (const entry of list) {
        const sole = soleToken(entry);
        if (sole) {
          const lower = entry.slice(sole.start, sole.end).toLowerCase();
          this.words.set(lower, (this.words.get(lower) ?? 0) | singleBit);
          continue;
        }
        // Two to six tokens (an entry without tokens keeps its old, harmless "undefined undefined" key).
        const tokens = tokenize(entry).map((t) => t.lower);
        if (tokens.length <= 6) {
          const key = `${tokens[0]} ${tokens[1]}`;
          this.phraseStarts.add(tokens[0] as string);
          let list = this.phrases.get(key);
          if (!list) this.phrases.set(key, (list = []));
          list.push({ rest: tokens.slice(2), bit });
        }
      }
    };
    single(data.firstNames, Gaz.FirstName);
    single(data.lastNames, Gaz.LastName);
    single(data.titles, Gaz.Title);
    single(data.cityPrefixes, Gaz.CityPrefix);
    single(data.stateAbbreviations, Gaz.StateAbbreviation);
    single(data.streetPrefixes, Gaz.StreetPrefix);
    single(data.streetSuffixes, Gaz.StreetSuffix);
    single(data.secondaryAddressWords, Gaz.SecondaryAddress);
    single(data.companySuffixes, Gaz.CompanySuffix);
    single(data.commonWords, Gaz.CommonWord);
    multi(data.cities, Gaz.MultiPlace, Gaz.City);
    multi(data.countries, Gaz.MultiPlace | Gaz.MultiCountry, Gaz.Country);
    multi(data.states, Gaz.MultiPlace, Gaz.State);
    multi(data.streetNames, Gaz.MultiStreet, Gaz.StreetName);
    // Suffixes that make a made-up place name ("Fayburgh", "Saulberg"); short ones ("ton") match too many words.
    this.citySuffixes = new Set(data.citySuffixes.filter((s) => s.length >= 4 && /^\p{L}+$/u.test(s)));
    this.citySuffixLengths = [...new Set([...this.citySuffixes].map((s) => s.length))].sort((a, b) => a - b);
  }

  /** Single-token Gaz bits of a lower-cased word (list memberships and a place-name suffix). */
  private singleBits(lower: string): number {
    let bits = this.words.get(lower) ?? 0;
    if (lower.length >= 7 && !(bits & Gaz.CommonWord)) {
      for (const L of this.citySuffixLengths) {
        if (L > lower.length - 3) break;
        if (this.citySuffixes.has(lower.slice(lower.length - L))) {
          bits |= Gaz.CitySuffix;
          break;
        }
      }
    }
    return bits;
  }

  /**
   * Gaz bits for each token. `memo` (one per token, shared by tokens with the same text) caches the per-word
   * lookups across calls; results are the same with or without it.
   */
  flags(tokens: readonly Token[], memo?: readonly GazMemo[]): Uint32Array {
    const flags = new Uint32Array(tokens.length);
    for (let i = 0; i < tokens.length; i++) {
      const t = tokens[i] as Token;
      let bits: number;
      let phraseStart: boolean;
      const m = memo?.[i];
      if (m !== undefined && m.gazOwner === this) {
        bits = m.gazBits;
        phraseStart = m.phraseStart;
      } else {
        bits = this.singleBits(t.lower);
        phraseStart = this.phraseStarts.has(t.lower);
        if (m !== undefined) {
          m.gazOwner = this;
          m.gazBits = bits;
          m.phraseStart = phraseStart;
        }
      }
      flags[i] = (flags[i] as number) | bits;
      const second = tokens[i + 1];
      if (!second || !phraseStart) continue;
      const phrases = this.phrases.get(`${t.lower} ${second.lower}`);
      if (!phrases) continue;
      for (const { rest, bit } of phrases) {
        if (i + 1 + rest.length >= tokens.length) continue;
        let match = true;
        for (let k = 0; k < rest.length && match; k++) match = (tokens[i + 2 + k] as Token).lower === rest[k];
        if (!match) continue;
        for (let k = 0; k <= rest.length + 1; k++) flags[i + k] = (flags[i + k] as number) | bit;
      }
    }
    return flags;
  }
}

let shared: Gazetteer | undefined;

/** The shipped gazetteer, loaded once. */
export function loadGazetteer(): Gazetteer {
  if (!shared) {
    const path = modelPath(GAZETTEER_FILE);
    let data: GazetteerFile;
    try {
      data = JSON.parse(readFileSync(path, "utf8")) as GazetteerFile;
    } catch (error) {
      throw new Error(`cannot read the PII gazetteer ${path} (build it with: npx tsx scripts/build-gazetteers.ts): ${String(error)}`);
    }
    shared = new Gazetteer(data);
  }
  return shared;
}
