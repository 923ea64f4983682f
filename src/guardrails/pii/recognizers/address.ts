// Addresses with a fixed syntax that the token model rarely sees: US military mail, a PSC/Unit/ship line followed
// by an APO/FPO/DPO line with a region code (AA/AE/AP) and ZIP. Ordinary street addresses are the model's job.

import type { Candidate } from "../candidate.js";

const MILITARY = /\b(?:PSC|Unit|USNS|USNV|USS|USCGC)\s[^\n]{1,40}\n\s*(?:APO|FPO|DPO)\s(?:AA|AE|AP)\s\d{5}(?:-\d{4})?\b/gi;

export function findMilitaryAddresses(text: string): Candidate[] {
  const found: Candidate[] = [];
  for (const m of text.matchAll(MILITARY)) found.push({ start: m.index, end: m.index + m[0].length, label: "STREET_ADDRESS", score: 0.9 });
  return found;
}
