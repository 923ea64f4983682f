// Trains the PII token tagger (PERSON, ORGANIZATION, GPE, STREET_ADDRESS) from ../shared/datasets/pii-train.jsonl
// and writes src/guardrails/models/pii-tagger.json. With --loso it first measures the whole PII evaluator
// leave-one-source-out: rows of the constructed templates are grouped into five template folds (a template never
// sits on both sides), and every upstream file (presidio-research, noren, the hard negatives) is its own fold.
//
//   npm run train -- --model pii [--loso] [--data FILE] [--dims 262144] [--epochs 6] [--seed 7] [--synthetic 3000]

import { resolve } from "node:path";
import { parseArgs } from "node:util";
import { formatSpanReport, readSpanRows, spanReportOfVerdicts, type SpanReport, type SpanRow } from "../src/guardrails/eval/spans.js";
import { leaveOneGroupOut } from "../src/guardrails/ml/crossval.js";
import { LinearModel } from "../src/guardrails/ml/linear.js";
import { modelPath } from "../src/guardrails/ml/paths.js";
import { seededRandom } from "../src/guardrails/ml/rng.js";
import { saveModel } from "../src/guardrails/ml/serialize.js";
import { type TrainingExample, trainLinear } from "../src/guardrails/ml/train.js";
import { resolveOverlaps } from "../src/guardrails/pii/candidate.js";
import { PII } from "../src/guardrails/pii/index.js";
import { findStructured } from "../src/guardrails/pii/structured.js";
import { contextOf, TAG_LABELS, TAGGER_FEATURES, TAGGER_FILE, Tagger, taggerSpec, tokenVector } from "../src/guardrails/pii/tagger/tagger.js";
import type { Verdict } from "../src/guardrails/types.js";
import { asShipped } from "./lib/shipped.js";
import type { SpanEvalTrainer } from "./train.js";

const DEFAULT_DATA = resolve(process.cwd(), "../shared/datasets/pii-train.jsonl");
// Gold types the tagger learns; LOCATION is Presidio's other name for GPE.
const GOLD_TO_TAG: Readonly<Record<string, number>> = { PERSON: 0, ORGANIZATION: 1, GPE: 2, LOCATION: 2, STREET_ADDRESS: 3 };
// Share of rows added again fully lower-cased, so names typed in lower case ("follow up with anna ...") are seen.
const LOWERCASE_SHARE = 0.3;
// Synthetic sentences from made-up frames (syntheticRows) added to every training set.
const DEFAULT_SYNTHETIC = 3000;
/** Weights below this are dropped when the tagger is saved (and in `eval --loso`). */
const PRUNE = 1e-3;

/** Synthetic dates are drawn from the 30 years before this day, whatever day training runs. */
const SYNTHETIC_REF_DATE = new Date("2026-01-01T00:00:00Z");

export interface Options {
  data: string;
  dims: number;
  epochs: number;
  seed: number;
  loso: boolean;
  /** Synthetic sentences (see syntheticRows) added to every training set. */
  synthetic: number;
}

/** Template folds for the constructed rows, one fold per upstream file otherwise. */
export function validationGroup(source: string): string {
  const template = /own_template#(\d+)/.exec(source);
  if (template) return `constructed templates, fold ${Number(template[1]) % 5}`;
  const hash = source.indexOf("#");
  const file = hash >= 0 ? source.slice(0, hash) : source;
  return file.startsWith("himorishige/noren") ? "himorishige/noren (security)" : file;
}

function examplesOf(rows: readonly SpanRow[], dims: number, seed: number): TrainingExample[] {
  const random = seededRandom(seed);
  const examples: TrainingExample[] = [];
  const add = (text: string, entities: SpanRow["entities"]) => {
    const sure = resolveOverlaps(findStructured(text).filter((c) => c.score >= 0.5));
    const ctx = contextOf(text, sure);
    ctx.tokens.forEach((token, i) => {
      const y = new Float32Array(TAG_LABELS.length);
      for (const e of entities) {
        const k = GOLD_TO_TAG[e.type];
        if (k !== undefined && e.start < token.end && token.start < e.end) y[k] = 1;
      }
      examples.push({ x: tokenVector(ctx, i, dims), y });
    });
  };
  for (const row of rows) {
    add(row.text, row.entities);
    const lower = row.text.toLowerCase();
    if (lower.length === row.text.length && lower !== row.text && random() < LOWERCASE_SHARE) add(lower, row.entities);
  }
  return examples;
}

/** Trains a tagger on rows plus `extra` (the synthetic sentences); exported for development scripts. */
export function trainTagger(rows: readonly SpanRow[], options: Options, extra: readonly SpanRow[] = []): Tagger {
  const examples = examplesOf([...rows, ...extra], options.dims, options.seed);
  const model = trainLinear(examples, taggerSpec(options.dims), TAG_LABELS, {
    epochs: options.epochs,
    seed: options.seed,
    meta: { features: TAGGER_FEATURES },
  });
  return new Tagger(model);
}

/** Leave-one-source-out: every row is scored by a tagger that never saw its fold. Rows come back in fold order. */
export function losoVerdicts(rows: readonly SpanRow[], options: Options, extra: readonly SpanRow[] = []): { ordered: SpanRow[]; verdicts: Verdict[] } {
  const folds = leaveOneGroupOut(rows, (r) => validationGroup(r.source));
  const ordered: SpanRow[] = [];
  const verdicts: Verdict[] = [];
  for (const fold of folds) {
    const started = Date.now();
    const pii = new PII({ tagger: trainTagger(fold.train, options, extra) });
    for (const row of fold.test) {
      ordered.push(row);
      verdicts.push(pii.evaluate({ input: row.text }));
    }
    console.error(`fold "${fold.name}": ${fold.test.length} held out, ${((Date.now() - started) / 1000).toFixed(1)} s`);
  }
  return { ordered, verdicts };
}

function validate(rows: readonly SpanRow[], options: Options, extra: readonly SpanRow[]): SpanReport {
  const { ordered, verdicts } = losoVerdicts(rows, options, extra);
  return spanReportOfVerdicts(ordered, verdicts, { groupOf: validationGroup });
}

export function parseOptions(argv: readonly string[]): Options {
  const { values } = parseArgs({
    args: [...argv],
    options: {
      model: { type: "string" },
      data: { type: "string", default: DEFAULT_DATA },
      dims: { type: "string", default: String(1 << 18) },
      epochs: { type: "string", default: "6" },
      seed: { type: "string", default: "7" },
      loso: { type: "boolean", default: false },
      synthetic: { type: "string", default: String(DEFAULT_SYNTHETIC) },
    },
    strict: true,
  });
  const dims = Number(values.dims);
  const epochs = Number(values.epochs);
  const seed = Number(values.seed);
  if (!Number.isInteger(dims) || dims < 1024 || (dims & (dims - 1)) !== 0) throw new Error(`--dims must be a power of two >= 1024, got ${values.dims}`);
  if (!Number.isInteger(epochs) || epochs < 1) throw new Error(`--epochs must be a positive integer, got ${values.epochs}`);
  if (!Number.isInteger(seed)) throw new Error(`--seed must be an integer, got ${values.seed}`);
  const synthetic = Number(values.synthetic);
  if (!Number.isInteger(synthetic) || synthetic < 0) throw new Error(`--synthetic must be a non-negative integer, got ${values.synthetic}`);
  return { data: values.data, dims, epochs, seed, loso: values.loso, synthetic };
}

export async function main(argv: readonly string[] = process.argv.slice(2)): Promise<void> {
  const options = parseOptions(argv);
  const rows = readSpanRows(options.data);
  console.error(`read ${rows.length} rows from ${options.data}`);
  const extra = await syntheticRows(options.synthetic, options.seed);
  const meta: Record<string, string | number> = { features: TAGGER_FEATURES, seed: options.seed, epochs: options.epochs, rows: rows.length, synthetic: extra.length };
  if (options.loso) {
    const report = validate(rows, options, extra);
    console.log(formatSpanReport(report));
    meta.losoOverallF2 = Number(report.overall.f2.toFixed(4));
  }
  const tagger = trainTagger(rows, options, extra);
  const model = new LinearModel(tagger.model.spec, tagger.model.labels, tagger.model.weights, tagger.model.bias, meta);
  const path = modelPath(TAGGER_FILE);
  const { bytes, nonZero } = saveModel(path, model, { pruneBelow: PRUNE });
  console.error(`wrote ${path}: ${bytes} bytes, ${nonZero} non-zero weights`);
}

/** Synthetic rows for the default options, made once per process (they do not depend on the fold). */
let evalSynthetic: Promise<SpanRow[]> | undefined;

/**
 * `npm run eval -- --evaluator pii --file X.jsonl --loso`: the folds of this trainer's own --loso (validationGroup),
 * each retrained with main()'s recipe and default options (the rows plus the synthetic sentences), and the held-out
 * rows scored by the PII evaluator with that tagger, pruned and quantised as main() saves it.
 */
export const spanEvalTrainer: SpanEvalTrainer = {
  // The training rows never include the held-out fold's; the synthetic sentences are made up, so nothing else to leave out.
  familyOf: validationGroup,
  async train(rows: SpanRow[]): Promise<PII> {
    const options = parseOptions([]);
    evalSynthetic ??= syntheticRows(options.synthetic, options.seed);
    const tagger = trainTagger(rows, options, await evalSynthetic);
    return new PII({ tagger: new Tagger(asShipped(tagger.model, PRUNE)) });
  },
};

if (import.meta.url === `file://${process.argv[1]}`) {
  main().catch((error: unknown) => {
    console.error(error instanceof Error ? error.message : error);
    process.exitCode = 1;
  });
}

// ---------------------------------------------------------------------------------------------------------------
// Synthetic sentences: made-up frames (written for this trainer, not taken from any evaluation set) filled with
// @faker-js/faker values from many locales, and with invented names, places and brands that no gazetteer lists,
// so that the token model learns the *context* of a name, a company or a place, not only the word lists. These
// rows are added to the training side of every validation fold; they are never scored.

type Slot = "P" | "F" | "L" | "T" | "O" | "B" | "C" | "N" | "S" | "A" | "M" | "D" | "H" | "E";
const SLOT_TYPE: Readonly<Record<Slot, string>> = {
  P: "PERSON", // full name (sometimes with a middle initial)
  F: "PERSON", // given name alone
  L: "PERSON", // family name alone
  T: "PERSON", // title + name (the title is not part of the span)
  O: "ORGANIZATION", // any company: faker name, invented brand, brand + business word
  B: "ORGANIZATION", // invented brand without a legal form
  C: "GPE", // city
  N: "GPE", // country
  S: "GPE", // state / region
  A: "STREET_ADDRESS", // street line
  M: "STREET_ADDRESS", // postal address on several lines (one span) or on one line (street, then GPE places)
  D: "DATE_TIME",
  H: "PHONE_NUMBER",
  E: "EMAIL_ADDRESS",
};

// Frames of every kind of sentence a chat or a document might hold: each {X} is a slot above.
export const SYNTHETIC_FRAMES: readonly string[] = [
  // people
  "{P} signed the lease last week.",
  "Ask {F} whether the printer on the second floor works again.",
  "I'm having lunch with {P} on {D}.",
  "Thanks a lot, {F}! See you soon.",
  "The prize went to {T} for her work on vaccines.",
  "According to {L}, the figures for March are wrong.",
  "My daughter {F} starts school in September.",
  "{F} and {F} are getting married next summer.",
  "Is this {P}'s laptop or yours?",
  "Best regards,\n{P}",
  "We have hired {P} as our new accountant.",
  "Her grandfather, {P}, was a fisherman.",
  "Tell {F} I said hello.",
  "Could {T} call me back before noon?",
  "The patient, {P}, reported mild chest pain.",
  "Dear {F},\n\nthe documents are attached.",
  "Hi, {F} here. The meeting is moved.",
  "Please forward this to {L} in accounting.",
  "{T} will see you now.",
  "I think {F} borrowed my bike again.",
  "The author {P} was interviewed on the radio.",
  "Our neighbour {P} lost his cat.",
  "Do you know where {F} put the keys?",
  "The account belongs to {P}, not to me.",
  "Witness statement given by {P} on {D}.",
  "Congratulations to {P} on the new job!",
  "{P} wrote: \"I can't make it tonight.\"",
  "Next speaker: {T}.",
  "I named my dog after {F}.",
  "Reviewer: {P}",
  "{L} said the shipment is late.",
  "{F} {L} is my cousin.",
  "Can {F} pick up the kids today?",
  "Assign the ticket to {P}, please.",
  "A message from {F} arrived while you were out.",
  "She was raised by her aunt, {P}.",
  "Approved by {T}",
  "{P}, {P} and {P} attended the hearing.",
  "Apparently {F} never replied.",
  // organisations
  "{P} is the head of marketing at {O}.",
  "I've worked for {O} since {D}.",
  "{O} announced record profits this quarter.",
  "She left {B} to start her own firm.",
  "The merger between {O} and {O} was approved.",
  "{B}'s new office opens in {C} next month.",
  "We buy our supplies from {O}.",
  "He is employed by {B} as a driver.",
  "Shares of {B} fell sharply on Tuesday.",
  "Our client {O} has asked for a refund.",
  "{P}, CTO of {B}, spoke at the event.",
  "{P} from {B} will join the call.",
  "The contract with {O} expires at the end of the year.",
  "A spokesperson for {B} declined to comment.",
  "The invoice from {O} is overdue.",
  "I got an offer from {B}!",
  "{B} is hiring engineers in {C}.",
  "Did {B} ever answer your complaint?",
  "{P} of {B} won the innovation award.",
  "Funding for {B} came from {O}.",
  "Employer: {O}",
  "The lawsuit against {B} was dismissed.",
  "I'm a consultant for {B} and {B}.",
  "Is {B} a good place to work?",
  "We switched our insurance to {B}.",
  "{B} acquired a small startup called {B}.",
  "After ten years at {B}, {F} retired.",
  "Please ask {B} support about the outage.",
  "My brother works at {B} in {C}.",
  "{B}'s CEO {P} resigned.",
  "Partnership agreement between {O} and {P}",
  "{P} (formerly of {B}) joins our board.",
  "Quote from {B}: \"We expect growth.\"",
  "The {B} app crashed again.",
  "We met the {B} team at the fair.",
  "{P}, a recruiter at {B}, sent me a message.",
  "Products by {B} are sold in {N}.",
  "Thanks to our sponsors {B}, {B} and {O}.",
  "{B} and {B} signed a supply deal.",
  "I bank with {B}.",
  "{F} joined {B} after college.",
  "The audit of {O} found no issues.",
  "{B} users reported login problems.",
  "Interview with {P}, founder of {B}",
  "Customer since {D}: {O}",
  "{B}'s {P} and {B}'s {P} met in {C}.",
  "An analyst at {B}, {P}, disagrees.",
  // places
  "I was born in {C}.",
  "We're flying to {N} next month.",
  "The conference takes place in {C}, {N}.",
  "He moved from {C} to {C} for work.",
  "{C} is lovely in spring.",
  "Our team in {S} is growing fast.",
  "Have you ever been to {N}?",
  "Traffic in {C} was terrible today.",
  "She grew up near {C}.",
  "The package is stuck in customs in {N}.",
  "{N} won the match on penalties.",
  "He lives in {C}, {S}.",
  "What's the weather like in {C}?",
  "The flight from {C} landed two hours late.",
  "Our warehouse is outside {C}.",
  "They spent their honeymoon in {N}.",
  "Citizens of {N} need a visa.",
  "The train to {C} leaves at 9.",
  "Prices in {C} keep rising.",
  "I'm originally from {S} but I live in {C} now.",
  "Greetings from sunny {C}!",
  "Storms hit the coast of {S} overnight.",
  "Place of birth: {C}, {N}",
  "The embassy of {N} is closed today.",
  "We drove through {C} on our way to {C}.",
  "{C} council approved the new bridge.",
  "Our branch in {N} handles the returns.",
  // addresses
  "Deliver the parcel to {A}.",
  "My new flat is at {A}, {C}.",
  "The office is located at {A} in {C}.",
  "Please send it to:\n{P}\n{M}",
  "I live at {A}.",
  "Return address: {M}",
  "Our shop moved to {A} last year.",
  "The party is at {A}, bring snacks.",
  "Can you pick me up at {A}?",
  "Ship to {M} by {D}.",
  "The house at {A} is for sale.",
  "Mail the cheque to {M}.",
  "He was last seen near {A}.",
  "Address: {A}, {C}, {N}",
  // mixed
  "{P} ({E}) from {B} asked for a quote.",
  "Call {F} on {H} when you reach {C}.",
  "{T} from {O}, {A}, {C}",
  "Contact: {P}, {B}, phone {H}",
  "{P} moved to {N} to work for {B}.",
  "Name: {P}\nCompany: {O}\nCity: {C}",
  "On {D}, {P} visited our branch in {C}.",
  "{F} said {B} will open a store in {C}.",
  "Guest: {P}, {C} ({N})",
];

// Invented words: syllables that look like names in many languages, so that the model meets names and brands no
// gazetteer holds and has to read them from their context.
const ONSETS = ["b", "br", "ch", "d", "dr", "f", "g", "gr", "h", "j", "k", "kr", "l", "m", "n", "p", "pr", "r", "s", "sh", "st", "t", "tr", "v", "w", "z", "zh", "ts", "y", ""];
const VOWELS = ["a", "e", "i", "o", "u", "a", "e", "o", "ai", "ou", "ei", "y", "á", "é", "ö", "ü", "ø", "ı", "ã"];
const CODAS = ["", "", "", "n", "r", "s", "l", "k", "m", "t", "v", "sz", "ck", "nd", "rt", "x"];
const BRAND_ENDINGS = ["ly", "ify", "io", "ora", "ex", "iva", "go", "hub", "sys", "tech", "ware", "lab", "ix", "era", "ium", "ado", "ence", "verse", "point", "works"];
const BUSINESS_WORDS = ["Analytics", "Reports", "Traffic", "Health", "Media", "Capital", "Networks", "Logistics", "Foods", "Energy", "Robotics", "Pharma", "Studios", "Bank", "Airlines", "Motors", "Insurance", "Software", "Telecom", "Consulting", "Outfitters", "Brewing", "Games", "Mobility", "Security", "Biotech"];
const TITLES = ["Mr.", "Mrs.", "Ms.", "Dr.", "Prof.", "Mr", "Dr", "Miss", "Sir", "Herr", "Frau", "Mme", "Sr.", "Sra."];
const NAME_LOCALES = ["en", "en", "en", "en_US", "en_GB", "en_AU", "en_CA", "en_IN", "en_NG", "de", "de_AT", "fr", "fr_CA", "es", "es_MX", "it", "pt_BR", "pt_PT", "nl", "pl", "cs_CZ", "sk", "sv", "da", "nb_NO", "fi", "hu", "tr", "ro", "hr", "lv", "id_ID", "vi", "af_ZA", "zu_ZA", "yo_NG", "uz_UZ_latin", "sr_RS_latin"];

interface Piece {
  text: string;
  type?: string;
}

function invented(random: () => number, syllables: number): string {
  const pick = <T>(list: readonly T[]) => list[Math.floor(random() * list.length)] as T;
  let word = "";
  for (let i = 0; i < syllables; i++) word += pick(ONSETS) + pick(VOWELS) + (i === syllables - 1 || random() < 0.3 ? pick(CODAS) : "");
  return word.charAt(0).toUpperCase() + word.slice(1);
}

/** Sentences made from SYNTHETIC_FRAMES, deterministic for a seed (faker is re-seeded per row). */
export async function syntheticRows(count: number, seed: number): Promise<SpanRow[]> {
  const { allFakers } = await import("@faker-js/faker");
  const random = seededRandom(seed ^ 0x51ed);
  const pick = <T>(list: readonly T[]) => list[Math.floor(random() * list.length)] as T;
  const fakers = allFakers as unknown as Record<string, (typeof allFakers)["en"]>;
  const en = fakers.en as (typeof allFakers)["en"];
  // A faker call that a locale lacks data for falls back to English.
  const value = (locale: string, get: (f: (typeof allFakers)["en"]) => string): string => {
    const f = fakers[locale] ?? en;
    try {
      const v = get(f).trim();
      if (v) return v;
    } catch {
      // no definition in this locale
    }
    return get(en).trim();
  };
  const firstName = (locale: string) => (random() < 0.25 ? invented(random, 2 + Math.floor(random() * 2)) : value(locale, (f) => f.person.firstName()));
  const lastName = (locale: string) => (random() < 0.25 ? invented(random, 2 + Math.floor(random() * 2)) : value(locale, (f) => f.person.lastName()));
  const fullName = (locale: string) => {
    const r = random();
    if (r < 0.12) return `${firstName(locale)} ${String.fromCharCode(65 + Math.floor(random() * 26))}${random() < 0.5 ? "." : ""} ${lastName(locale)}`;
    return `${firstName(locale)} ${lastName(locale)}`;
  };
  const brand = () => {
    const r = random();
    if (r < 0.3) return invented(random, 1 + Math.floor(random() * 2)) + pick(BRAND_ENDINGS);
    if (r < 0.55) {
      const noun = value("en", (f) => f.word.noun()).replace(/[^a-z]/gi, "");
      const second = random() < 0.5 ? value("en", (f) => f.word.noun()).replace(/[^a-z]/gi, "") : pick(BRAND_ENDINGS);
      const word = noun + second;
      return word.charAt(0).toUpperCase() + word.slice(1);
    }
    if (r < 0.8) return `${random() < 0.5 ? invented(random, 2) : value("en", (f) => f.person.lastName())} ${pick(BUSINESS_WORDS)}`;
    return invented(random, 2 + Math.floor(random() * 2));
  };
  const company = (locale: string) => (random() < 0.45 ? value(locale, (f) => f.company.name()) : brand());
  const city = (locale: string) => {
    const r = random();
    const c = r < 0.2 ? invented(random, 2 + Math.floor(random() * 2)) : value(locale, (f) => f.location.city());
    return random() < 0.08 ? c.toUpperCase() : c;
  };
  // A postal address on several lines is one STREET_ADDRESS, town and country included (as Presidio labels a
  // generated address); written on one line with commas, the town, region and country are places of their own
  // (the convention of the training file's templates).
  const multiLine = (locale: string): Piece[] => {
    const newline = random() < 0.75;
    const separator = newline ? (random() < 0.7 ? "\n" : "\n    ") : ", ";
    const place = newline ? undefined : "GPE";
    const out: Piece[] = [{ text: value(locale, (f) => f.location.streetAddress(random() < 0.4)), type: "STREET_ADDRESS" }];
    const zip = value(locale, (f) => f.location.zipCode());
    out.push({ text: separator });
    const r = random();
    if (r < 0.4) {
      out.push({ text: city(locale), type: place }, { text: ", " }, { text: value("en_US", (f) => f.location.state({ abbreviated: true })), type: place }, { text: ` ${zip}` });
    } else if (r < 0.75) out.push({ text: `${zip} ` }, { text: city(locale), type: place });
    else out.push({ text: city(locale), type: place });
    if (random() < 0.5) out.push({ text: separator }, { text: value("en", (f) => f.location.country()), type: place });
    if (!newline) return out;
    // One span from the street to the end.
    return [{ text: out.map((p) => p.text).join(""), type: "STREET_ADDRESS" }];
  };
  const date = (locale: string) => {
    // A fixed reference date: faker counts back from the clock by default, and the weights must not depend on the day.
    const d = (fakers[locale] ?? en).date.past({ years: 30, refDate: SYNTHETIC_REF_DATE });
    const r = random();
    if (r < 0.3) return `${d.getUTCMonth() + 1}/${d.getUTCDate()}/${d.getUTCFullYear()}`;
    if (r < 0.6) return d.toISOString().slice(0, 10);
    return d.toLocaleDateString("en-GB", { day: "numeric", month: "long", year: "numeric", timeZone: "UTC" });
  };
  const rows: SpanRow[] = [];
  for (let n = 0; n < count; n++) {
    const locale = pick(NAME_LOCALES);
    for (const f of [fakers[locale], en]) f?.seed(seed * 100_003 + n);
    const frame = SYNTHETIC_FRAMES[n % SYNTHETIC_FRAMES.length] as string;
    const pieces: Piece[] = [];
    let last = 0;
    for (const m of frame.matchAll(/\{([A-Z])\}/g)) {
      pieces.push({ text: frame.slice(last, m.index) });
      const slot = m[1] as Slot;
      let text: string;
      switch (slot) {
        case "P": text = fullName(locale); break;
        case "F": text = firstName(locale); break;
        case "L": text = lastName(locale); break;
        case "T": pieces.push({ text: `${pick(TITLES)} ` }); text = random() < 0.5 ? lastName(locale) : fullName(locale); break;
        case "O": text = company(locale); break;
        case "B": text = brand(); break;
        case "C": text = city(locale); break;
        case "N": text = value(locale, (f) => f.location.country()); break;
        case "S": text = value(locale, (f) => f.location.state()); break;
        case "A": text = value(locale, (f) => f.location.streetAddress(random() < 0.3)); break;
        case "M": pieces.push(...multiLine(locale)); text = ""; break;
        case "D": text = date(locale); break;
        case "H": text = value(locale, (f) => f.phone.number()); break;
        case "E": text = value(locale, (f) => f.internet.email()); break;
      }
      if (text) pieces.push({ text, type: SLOT_TYPE[slot] });
      last = m.index + m[0].length;
    }
    pieces.push({ text: frame.slice(last) });
    let text = "";
    const entities: SpanRow["entities"] = [];
    for (const p of pieces) {
      if (p.type) entities.push({ type: p.type, start: text.length, end: text.length + p.text.length });
      text += p.text;
    }
    rows.push({ text, entities, source: `synthetic:frame#${n % SYNTHETIC_FRAMES.length}` });
  }
  return rows;
}
