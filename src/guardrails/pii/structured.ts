// The rule-based half of the PII evaluator: entities with a fixed syntax or a checksum.

import { findSecrets } from "../secrets/scan.js";
import type { Candidate } from "./candidate.js";
import { findMilitaryAddresses } from "./recognizers/address.js";
import { findDates } from "./recognizers/datetime.js";
import { findCreditCards, findIbans, findSsns } from "./recognizers/financial.js";
import { findEmails, findIpAddresses } from "./recognizers/network.js";
import { findPhoneNumbers } from "./recognizers/phone.js";

/** All structured candidates, overlapping; the caller resolves overlaps together with the model's spans. */
export function findStructured(text: string): Candidate[] {
  const candidates: Candidate[] = [];
  for (const s of findSecrets(text)) candidates.push({ start: s.start, end: s.end, label: "SECRET", score: s.score });
  candidates.push(...findEmails(text), ...findIbans(text), ...findCreditCards(text), ...findIpAddresses(text), ...findSsns(text), ...findDates(text), ...findMilitaryAddresses(text));
  // Phone validation is the costly step: skip digits that a stronger recognizer has already claimed.
  const taken = candidates.filter((c) => c.score >= 0.5 && c.label !== "US_SSN");
  candidates.push(...findPhoneNumbers(text, taken));
  return candidates;
}
