// What every PII recognizer returns, and the rule that decides between overlapping candidates.

export type PiiEntity =
  | "EMAIL_ADDRESS"
  | "PHONE_NUMBER"
  | "CREDIT_CARD"
  | "IBAN_CODE"
  | "US_SSN"
  | "IP_ADDRESS"
  | "PERSON"
  | "STREET_ADDRESS"
  | "GPE"
  | "ORGANIZATION"
  | "DATE_TIME"
  | "SECRET";

export const PII_ENTITIES: readonly PiiEntity[] = [
  "EMAIL_ADDRESS",
  "PHONE_NUMBER",
  "CREDIT_CARD",
  "IBAN_CODE",
  "US_SSN",
  "IP_ADDRESS",
  "PERSON",
  "STREET_ADDRESS",
  "GPE",
  "ORGANIZATION",
  "DATE_TIME",
  "SECRET",
];

export interface Candidate {
  start: number;
  end: number;
  label: PiiEntity;
  /** 0..1 */
  score: number;
}

// When candidates overlap, the one whose evidence is a checksum or a fixed syntax wins over softer evidence;
// among equals, the higher score and then the longer span.
const PRIORITY: Readonly<Record<PiiEntity, number>> = {
  SECRET: 10,
  EMAIL_ADDRESS: 9,
  IBAN_CODE: 9,
  CREDIT_CARD: 8,
  IP_ADDRESS: 7,
  US_SSN: 6,
  DATE_TIME: 5,
  PHONE_NUMBER: 4,
  STREET_ADDRESS: 3,
  PERSON: 2,
  ORGANIZATION: 2,
  GPE: 2,
};

/** Non-overlapping subset, sorted by position. */
export function resolveOverlaps(candidates: readonly Candidate[]): Candidate[] {
  const ranked = [...candidates].sort(
    (a, b) => PRIORITY[b.label] - PRIORITY[a.label] || b.score - a.score || b.end - b.start - (a.end - a.start) || a.start - b.start,
  );
  const kept: Candidate[] = [];
  for (const c of ranked) {
    if (kept.every((k) => c.end <= k.start || c.start >= k.end)) kept.push(c);
  }
  return kept.sort((a, b) => a.start - b.start);
}
