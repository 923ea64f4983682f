// Verifies an audit file's hash chain (format: audit-chain.ts) and names the first broken or missing record.
//
// What the chain can and cannot show: an edited record fails its hash (or, if the editor recomputed it, the next
// record's prev_hash); a deleted record leaves a seq gap; a reordered or duplicated record puts seq out of order;
// a torn or garbled line does not parse. Records cut off the END of the file at a line boundary leave a shorter but
// valid chain: only an anchor kept elsewhere catches that (the writer logs last_seq/last_hash when it closes).
import { createReadStream } from "node:fs";
import { GENESIS_HASH, parseAuditLine } from "./audit-chain.js";

export interface AuditProblem {
  /** 1-based line number in the file. */
  line: number;
  /** The seq written on that line, when it could be read. */
  seq?: number;
  reason: string;
}

export interface AuditVerifyResult {
  ok: boolean;
  /** Records verified intact before the first problem (all of them when ok). */
  records: number;
  firstProblem?: AuditProblem;
}

/** A seq that jumped ahead: the missing one was either deleted or moved further down; the rest of the file says which. */
interface Gap {
  problem: AuditProblem;
  expected: number;
  foundAt?: number;
}

/** Streams the file (audit files grow large); rejects only when the file cannot be read at all. */
export async function verifyAuditFile(path: string): Promise<AuditVerifyResult> {
  const decoder = new TextDecoder("utf-8", { fatal: true });
  let lineNo = 0;
  let records = 0;
  let prev: { seq: number; hash: string } | undefined;
  let problem: AuditProblem | undefined;
  let gap: Gap | undefined;

  const check = (bytes: Buffer): void => {
    lineNo += 1;
    if (gap) {
      // Past the first problem we only look for the missing seq, to tell "deleted" from "moved".
      if (gap.foundAt === undefined && seqOf(bytes) === gap.expected) gap.foundAt = lineNo;
      return;
    }
    let text: string;
    try {
      text = decoder.decode(bytes);
    } catch {
      problem = { line: lineNo, reason: "not valid UTF-8 (garbled line)" };
      return;
    }
    const parsed = parseAuditLine(text);
    if (!parsed.ok) {
      problem = { line: lineNo, ...(parsed.seq !== undefined ? { seq: parsed.seq } : {}), reason: parsed.reason };
      return;
    }
    const expected = prev ? prev.seq + 1 : 0;
    const at = { line: lineNo, seq: parsed.seq };
    if (parsed.seq > expected) {
      gap = { expected, problem: { ...at, reason: "" } };
      return;
    }
    if (parsed.seq < expected) {
      problem = { ...at, reason: `seq ${parsed.seq} where ${expected} was expected: record duplicated or out of order` };
      return;
    }
    const expectedPrev = prev ? prev.hash : GENESIS_HASH;
    if (parsed.prevHash !== expectedPrev) {
      problem = {
        ...at,
        reason: prev
          ? `prev_hash does not match the hash of the record on line ${lineNo - 1}: a record before it was replaced or rewritten`
          : "prev_hash of the first record is not the genesis value",
      };
      return;
    }
    prev = { seq: parsed.seq, hash: parsed.hash };
    records += 1;
  };

  const stream = createReadStream(path);
  let carry: Buffer[] = [];
  try {
    for await (const chunk of stream as AsyncIterable<Buffer>) {
      let start = 0;
      for (let nl = chunk.indexOf(0x0a); nl !== -1; nl = chunk.indexOf(0x0a, start)) {
        const piece = chunk.subarray(start, nl);
        check(carry.length > 0 ? Buffer.concat([...carry, piece]) : piece);
        carry = [];
        start = nl + 1;
        if (problem) break;
      }
      if (problem) break;
      if (start < chunk.length) carry.push(chunk.subarray(start));
    }
  } finally {
    stream.destroy();
  }
  if (!problem && !gap && carry.length > 0) {
    problem = { line: lineNo + 1, reason: "last line has no line break: the file is truncated (torn write)" };
  }
  if (gap) {
    const { expected, foundAt } = gap;
    problem = {
      ...gap.problem,
      reason:
        foundAt !== undefined
          ? `seq ${gap.problem.seq} where ${expected} was expected: records out of order (seq ${expected} is on line ${foundAt})`
          : expected === 0
            ? `first record has seq ${gap.problem.seq}: record(s) 0..${(gap.problem.seq ?? 1) - 1} are missing from the start`
            : `seq ${gap.problem.seq} where ${expected} was expected: record ${expected} is missing (deleted)`,
    };
  }
  return problem ? { ok: false, records, firstProblem: problem } : { ok: true, records };
}

/** The seq on a line, read leniently (only used to locate a missing record after the first problem). */
function seqOf(bytes: Buffer): number | undefined {
  try {
    const value: unknown = JSON.parse(bytes.toString("utf8"));
    const seq = value !== null && typeof value === "object" ? (value as { seq?: unknown }).seq : undefined;
    return typeof seq === "number" ? seq : undefined;
  } catch {
    return undefined;
  }
}
