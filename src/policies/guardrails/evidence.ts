// How offending text is shown in span events and audit records: full, masked (first and last characters kept so a
// person can recognise it, the middle hidden), a sha256 digest (correlate without revealing), or not at all.
import { createHash } from "node:crypto";

export type EvidenceMode = "full" | "masked" | "sha256" | "none";

const MAX_EVIDENCE = 256;

export function evidence(text: string, mode: EvidenceMode): string | undefined {
  switch (mode) {
    case "none":
      return undefined;
    case "full":
      return text.length > MAX_EVIDENCE ? `${text.slice(0, MAX_EVIDENCE)}…` : text;
    case "sha256":
      return `sha256:${createHash("sha256").update(text).digest("hex")}`;
    case "masked": {
      const chars = [...text];
      if (chars.length <= 4) return "*".repeat(chars.length);
      const keep = Math.min(3, Math.floor(chars.length / 6));
      const shown = chars.slice(0, keep).join("") + "*".repeat(Math.min(chars.length - 2 * keep, MAX_EVIDENCE)) + chars.slice(chars.length - keep).join("");
      return shown;
    }
  }
}
