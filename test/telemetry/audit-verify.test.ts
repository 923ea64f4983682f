import { readFileSync, truncateSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { canonicalJson, prepareRecord, sealRecord, type JsonValue, type SealedAuditRecord } from "../../src/telemetry/audit.js";
import { verifyAuditFile } from "../../src/telemetry/audit-verify.js";
import { makeRecord, openLog, tempDir } from "./audit-helpers.js";

let dir: string;
let lines: string[]; // six intact lines, without their "\n"

beforeAll(async () => {
  dir = tempDir();
  const file = join(dir, "intact.jsonl");
  const { log } = openLog({ file });
  for (let i = 0; i < 6; i++) log.append(makeRecord(i));
  await log.close();
  lines = readFileSync(file, "utf8").split("\n").slice(0, -1);
  expect(lines).toHaveLength(6);
});

let n = 0;
function fileOf(content: string): string {
  const file = join(dir, `case-${n++}.jsonl`);
  writeFileSync(file, content);
  return file;
}
const joined = (ls: string[]) => ls.map((l) => `${l}\n`).join("");

function edit(line: string, change: (r: { [k: string]: JsonValue }) => void): string {
  const rec = JSON.parse(line) as { [k: string]: JsonValue };
  change(rec);
  return canonicalJson(rec);
}

describe("verifyAuditFile", () => {
  it("accepts an intact file and an empty one", async () => {
    expect(await verifyAuditFile(fileOf(joined(lines)))).toEqual({ ok: true, records: 6 });
    expect(await verifyAuditFile(fileOf(""))).toEqual({ ok: true, records: 0 });
  });

  it("catches an edited record by its hash", async () => {
    const tampered = [...lines];
    tampered[2] = edit(lines[2]!, (r) => void (r.status = 403));
    expect(await verifyAuditFile(fileOf(joined(tampered)))).toEqual({
      ok: false,
      records: 2,
      firstProblem: { line: 3, seq: 2, reason: expect.stringMatching(/hash mismatch/) },
    });
  });

  it("catches an edited record whose hash was recomputed, at the next record's prev_hash", async () => {
    const tampered = [...lines];
    const rec = JSON.parse(lines[2]!) as SealedAuditRecord;
    // Someone who knows the format rewrites record 2 and reseals it: it verifies on its own, the chain does not.
    const forged = sealRecord(prepareRecord({ ...rec, cost_usd_micros: 0 }), rec.seq, rec.prev_hash);
    tampered[2] = forged.line.trimEnd();
    const result = await verifyAuditFile(fileOf(joined(tampered)));
    expect(result).toMatchObject({ ok: false, records: 3, firstProblem: { line: 4, seq: 3, reason: expect.stringMatching(/prev_hash does not match .* line 3/) } });
  });

  it("catches a rewrite that keeps the hash valid but changes the bytes (duplicate key, whitespace)", async () => {
    const spaced = [...lines];
    spaced[1] = lines[1]!.replace('"status":200', '"status": 200');
    expect((await verifyAuditFile(fileOf(joined(spaced)))).firstProblem).toMatchObject({ line: 2, reason: expect.stringMatching(/canonical form/) });
    const dup = [...lines];
    dup[1] = lines[1]!.replace('{"cost_usd_micros"', '{"status":403,"cost_usd_micros"');
    expect((await verifyAuditFile(fileOf(joined(dup)))).firstProblem).toMatchObject({ line: 2, reason: expect.stringMatching(/canonical form/) });
  });

  it("catches a deleted record as a seq gap and names the missing seq", async () => {
    const deleted = lines.filter((_, i) => i !== 3);
    expect(await verifyAuditFile(fileOf(joined(deleted)))).toEqual({
      ok: false,
      records: 3,
      firstProblem: { line: 4, seq: 4, reason: "seq 4 where 3 was expected: record 3 is missing (deleted)" },
    });
    const headless = lines.slice(2);
    expect((await verifyAuditFile(fileOf(joined(headless)))).firstProblem).toMatchObject({ line: 1, seq: 2, reason: expect.stringMatching(/0\.\.1 are missing from the start/) });
  });

  it("catches reordered records and says where the expected one went", async () => {
    const swapped = [lines[0]!, lines[1]!, lines[3]!, lines[2]!, lines[4]!, lines[5]!];
    expect(await verifyAuditFile(fileOf(joined(swapped)))).toEqual({
      ok: false,
      records: 2,
      firstProblem: { line: 3, seq: 3, reason: "seq 3 where 2 was expected: records out of order (seq 2 is on line 4)" },
    });
    const duplicated = [lines[0]!, lines[1]!, lines[1]!, lines[2]!];
    expect((await verifyAuditFile(fileOf(joined(duplicated)))).firstProblem).toMatchObject({ line: 3, seq: 1, reason: expect.stringMatching(/duplicated or out of order/) });
  });

  it("catches a truncated file (torn last line) and a garbled line", async () => {
    const file = fileOf(joined(lines));
    truncateSync(file, joined(lines).length - 30);
    expect(await verifyAuditFile(file)).toEqual({
      ok: false,
      records: 5,
      firstProblem: { line: 6, reason: "last line has no line break: the file is truncated (torn write)" },
    });
    const garbled = [...lines];
    garbled[4] = lines[4]!.slice(0, 50);
    expect((await verifyAuditFile(fileOf(joined(garbled))))).toMatchObject({ records: 4, firstProblem: { line: 5, reason: expect.stringMatching(/not valid JSON/) } });
    expect((await verifyAuditFile(fileOf(`${lines[0]}\n\n${lines[1]}\n`))).firstProblem).toMatchObject({ line: 2, reason: "empty line" });
    const bytes = Buffer.concat([Buffer.from(`${lines[0]}\n`), Buffer.from([0xff, 0xfe, 0x0a])]);
    writeFileSync(join(dir, "bad-utf8.jsonl"), bytes);
    expect((await verifyAuditFile(join(dir, "bad-utf8.jsonl"))).firstProblem).toMatchObject({ line: 2, reason: expect.stringMatching(/UTF-8/) });
  });

  it("reads records that straddle read-stream chunks", async () => {
    const file = join(dir, "big.jsonl");
    const { log } = openLog({ file });
    const long = "x".repeat(70_000); // longer than one 64 KiB read chunk
    for (let i = 0; i < 4; i++) log.append(makeRecord(i, { model: `${long}${i}` }));
    await log.close();
    expect(await verifyAuditFile(file)).toEqual({ ok: true, records: 4 });
  });

  it("rejects when the file cannot be read", async () => {
    await expect(verifyAuditFile(join(dir, "nope.jsonl"))).rejects.toMatchObject({ code: "ENOENT" });
  });
});
