import { spawn } from "node:child_process";
import { createHash } from "node:crypto";
import { appendFileSync, mkdirSync, readFileSync, rmSync, statSync, symlinkSync, unlinkSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { GENESIS_HASH, auditUsage, canonicalJson, type AuditRecord, type JsonValue, type SealedAuditRecord } from "../../src/telemetry/audit.js";
import { verifyAuditFile } from "../../src/telemetry/audit-verify.js";
import { makeRecord, metricValue, openLog, tempDir } from "./audit-helpers.js";

function readRecords(file: string): SealedAuditRecord[] {
  return readFileSync(file, "utf8")
    .split("\n")
    .filter((l) => l.length > 0)
    .map((l) => JSON.parse(l) as SealedAuditRecord);
}

/** An independent rendering of the documented canonical form: sorted keys via a replacer, no whitespace. */
function sortedJson(value: unknown): string {
  return JSON.stringify(value, (_k, v: unknown) =>
    v !== null && typeof v === "object" && !Array.isArray(v) ? Object.fromEntries(Object.entries(v).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))) : v,
  );
}

async function runChild(script: string, args: string[]): Promise<{ out: string; code: number | null }> {
  const child = spawn(process.execPath, ["--import", "tsx", script, ...args], { cwd: process.cwd(), stdio: ["ignore", "pipe", "pipe"] });
  let out = "";
  let err = "";
  child.stdout.on("data", (d: Buffer) => (out += d.toString()));
  child.stderr.on("data", (d: Buffer) => (err += d.toString()));
  const code = await new Promise<number | null>((resolve) => child.on("exit", (c) => resolve(c)));
  if (code !== 0) throw new Error(`${script} exited ${code}: ${err}`);
  return { out, code };
}

describe("canonical form", () => {
  it("sorts keys at every depth by UTF-16 code unit and writes no whitespace", () => {
    const value: JsonValue = { b: 1, a: { d: [1, { z: 1, y: 2 }], c: "é\n\"" }, B: null, "é": true, "\u{1F600}": 0.1 };
    expect(canonicalJson(value)).toBe('{"B":null,"a":{"c":"é\\n\\"","d":[1,{"y":2,"z":1}]},"b":1,"é":true,"\u{1F600}":0.1}');
  });

  it("follows JSON.stringify for values JSON cannot carry", () => {
    const odd = { x: Number.NaN, y: [Number.POSITIVE_INFINITY, undefined], z: undefined, d: new Date(0), n: 10n };
    expect(canonicalJson(odd as unknown as JsonValue)).toBe('{"d":"1970-01-01T00:00:00.000Z","n":"10","x":null,"y":[null,null]}');
    const loop: { self?: unknown } = {};
    loop.self = loop;
    expect(() => canonicalJson(loop as JsonValue)).toThrow(/circular/);
  });
});

describe("AuditLog chain", () => {
  it("writes one canonical line per record, chained from the genesis hash", async () => {
    const file = join(tempDir(), "audit.jsonl");
    const { log, registry } = openLog({ file });
    for (let i = 0; i < 3; i++) expect(log.append(makeRecord(i))).toBe(true);
    await log.close();

    const lines = readFileSync(file, "utf8").split("\n");
    expect(lines.pop()).toBe(""); // every line ends with \n
    expect(lines).toHaveLength(3);
    let prev = GENESIS_HASH;
    lines.forEach((line, i) => {
      const rec = JSON.parse(line) as SealedAuditRecord;
      expect(line).toBe(sortedJson(rec)); // the stored line is the canonical form
      const { hash, ...rest } = rec;
      expect(hash).toBe(createHash("sha256").update(sortedJson(rest)).digest("hex"));
      expect(rec).toMatchObject({ v: 1, seq: i, prev_hash: prev, request_id: `req-${i}`, outcome: "completed" });
      prev = hash;
    });
    expect(await verifyAuditFile(file)).toEqual({ ok: true, records: 3 });
    expect(await metricValue(registry, "tollgate_audit_records_total")).toBe(3);
    expect(await metricValue(registry, "tollgate_audit_healthy")).toBe(1);
  });

  it("records what the record was at append time, with JSON semantics for odd values", async () => {
    const file = join(tempDir(), "audit.jsonl");
    const { log } = openLog({ file, flush: "interval", flushIntervalMs: 60_000 });
    const rec = makeRecord(0, { latency_ms: Number.NaN });
    const smuggled = { ...rec, seq: 99, hash: "f".repeat(64) };
    log.append(smuggled);
    rec.tools.push("added-later");
    rec.status = 500;
    await log.close();
    const [stored] = readRecords(file);
    expect(stored).toMatchObject({ seq: 0, tools: [], status: 200, latency_ms: null });
    expect(stored?.hash).not.toBe("f".repeat(64));
    expect((await verifyAuditFile(file)).ok).toBe(true);
  });

  it("continues the chain of an existing file after a restart", async () => {
    const file = join(tempDir(), "audit.jsonl");
    const first = openLog({ file });
    for (let i = 0; i < 3; i++) first.log.append(makeRecord(i));
    await first.log.close();
    expect(first.lines.find((l) => l.msg === "audit log closed")).toMatchObject({ last_seq: 2 });

    const second = openLog({ file });
    for (let i = 3; i < 5; i++) second.log.append(makeRecord(i));
    await second.log.close();
    const recs = readRecords(file);
    expect(recs.map((r) => r.seq)).toEqual([0, 1, 2, 3, 4]);
    expect(recs[3]?.prev_hash).toBe(recs[2]?.hash);
    expect(await verifyAuditFile(file)).toEqual({ ok: true, records: 5 });
  });

  it("repairs a tail torn by a crash: truncates the partial line, logs it, continues the chain", async () => {
    const file = join(tempDir(), "audit.jsonl");
    const first = openLog({ file });
    for (let i = 0; i < 3; i++) first.log.append(makeRecord(i));
    await first.log.close();
    const intact = statSync(file).size;
    appendFileSync(file, '{"cost_usd_micros":153,"decisions":[{"act');

    const second = openLog({ file });
    await second.log.ready();
    expect(statSync(file).size).toBe(intact);
    expect(second.lines.find((l) => /tail was torn/.test(l.msg))).toMatchObject({ level: "warn", removed_bytes: 41 });
    second.log.append(makeRecord(3));
    await second.log.close();
    expect(readRecords(file).map((r) => r.seq)).toEqual([0, 1, 2, 3]);
    expect(await verifyAuditFile(file)).toEqual({ ok: true, records: 4 });
  });

  it("refuses to continue after a complete last line that is not a record, and recovers once the file is moved aside", async () => {
    const file = join(tempDir(), "audit.jsonl");
    writeFileSync(file, "this is not an audit record\n");
    const { log, registry } = openLog({ file, mode: "fail-closed" });
    await log.ready();
    expect(log.healthy).toBe(false);
    expect(log.acceptingRequests()).toBe(false);
    expect(log.lastError?.message).toMatch(/not an audit record/);
    expect(await metricValue(registry, "tollgate_audit_write_errors_total", { op: "open", code: "ECORRUPTTAIL" })).toBeGreaterThan(0);
    log.append(makeRecord(0));
    unlinkSync(file);
    await expect.poll(() => log.healthy, { timeout: 5000 }).toBe(true);
    await log.close();
    expect(await verifyAuditFile(file)).toEqual({ ok: true, records: 1 });
  });

  it("with flush interval, writes on the timer rather than per record", async () => {
    const file = join(tempDir(), "audit.jsonl");
    const { log } = openLog({ file, flush: "interval", flushIntervalMs: 100 });
    await log.ready();
    log.append(makeRecord(0));
    log.append(makeRecord(1));
    await new Promise((r) => setTimeout(r, 20));
    expect(statSync(file).size).toBe(0);
    expect(log.queued).toBe(2);
    await expect.poll(() => log.queued, { timeout: 3000 }).toBe(0);
    expect(readRecords(file)).toHaveLength(2);
    log.append(makeRecord(2));
    await log.flush(); // flush() does not wait for the timer
    expect(readRecords(file)).toHaveLength(3);
    await log.close();
  });

  it("batches records appended while a write is in flight (group commit) and keeps them in order", async () => {
    const file = join(tempDir(), "audit.jsonl");
    const { log } = openLog({ file, maxBatchRecords: 64 });
    const acks: number[] = [];
    const flushes: Promise<void>[] = [];
    for (let i = 0; i < 500; i++) {
      log.append(makeRecord(i));
      flushes.push(log.flush().then(() => void acks.push(i)));
      if (i % 50 === 0) await new Promise((r) => setImmediate(r));
    }
    await Promise.all(flushes);
    expect(acks).toEqual([...Array(500).keys()]);
    await log.close();
    const recs = readRecords(file);
    expect(recs.map((r) => r.request_id)).toEqual([...Array(500).keys()].map((i) => `req-${i}`));
    expect((await verifyAuditFile(file)).records).toBe(500);
  });

  it("drops a record it cannot serialise, counts it, and keeps going", async () => {
    const file = join(tempDir(), "audit.jsonl");
    const { log, registry, lines } = openLog({ file });
    const circular = makeRecord(0) as AuditRecord & { self?: unknown };
    circular.self = circular;
    expect(log.append(circular)).toBe(false);
    expect(log.append(null as unknown as AuditRecord)).toBe(false);
    expect(log.append(makeRecord(1))).toBe(true);
    await log.close();
    expect(await metricValue(registry, "tollgate_audit_dropped_records_total", { reason: "invalid_record" })).toBe(2);
    expect(lines.find((l) => l.msg === "audit record dropped")).toMatchObject({ reason: "invalid_record", request_id: "req-0" });
    expect(readRecords(file).map((r) => [r.seq, r.request_id])).toEqual([[0, "req-1"]]);
  });

  it("maps the exchange's usage to the record's snake_case shape", () => {
    expect(auditUsage(undefined)).toBeNull();
    expect(auditUsage({ inputTokens: 1, outputTokens: 2, cachedInputTokens: 3, reasoningTokens: 4 })).toEqual({
      input_tokens: 1,
      output_tokens: 2,
      cached_input_tokens: 3,
      reasoning_tokens: 4,
    });
  });

  it("drops appends after close and counts them", async () => {
    const file = join(tempDir(), "audit.jsonl");
    const { log, registry, lines } = openLog({ file });
    await log.close();
    expect(log.append(makeRecord(0))).toBe(false);
    expect(await metricValue(registry, "tollgate_audit_dropped_records_total", { reason: "closed" })).toBe(1);
    expect(lines.some((l) => l.msg === "audit record dropped" && l.request_id === "req-0")).toBe(true);
  });
});

describe("AuditLog failures", () => {
  it("a full disk (ENOSPC on /dev/full) is an alarm; it recovers by itself when the path writes again", async () => {
    const dir = tempDir();
    const file = join(dir, "audit.jsonl");
    symlinkSync("/dev/full", file);
    const { log, registry, lines } = openLog({ file, mode: "fail-closed" });
    await log.ready();
    expect(log.healthy).toBe(true); // opening /dev/full works; writing does not
    log.append(makeRecord(0));
    log.append(makeRecord(1));
    await expect(log.flush()).rejects.toMatchObject({ code: "ENOSPC" });
    expect(log.healthy).toBe(false);
    expect(log.acceptingRequests()).toBe(false);
    expect(log.lastError).toMatchObject({ code: "ENOSPC" });
    expect(await metricValue(registry, "tollgate_audit_write_errors_total", { op: "write", code: "ENOSPC" })).toBeGreaterThanOrEqual(1);
    expect(await metricValue(registry, "tollgate_audit_healthy")).toBe(0);
    expect(lines.find((l) => l.level === "error" && /cannot write/.test(l.msg))).toMatchObject({ code: "ENOSPC", queued: 2 });
    expect(log.queued).toBe(2);

    // "Space frees up": the path now names a regular file. The retry loop reopens it and writes the queue.
    unlinkSync(file);
    await expect.poll(() => log.healthy, { timeout: 5000 }).toBe(true);
    await log.flush();
    expect(log.acceptingRequests()).toBe(true);
    expect(await metricValue(registry, "tollgate_audit_healthy")).toBe(1);
    expect(lines.some((l) => /recovered/.test(l.msg))).toBe(true);
    await log.close();
    expect(readRecords(file).map((r) => r.request_id)).toEqual(["req-0", "req-1"]);
    expect(await verifyAuditFile(file)).toEqual({ ok: true, records: 2 });
  });

  it("in fail-open mode a failing disk keeps accepting requests but still alarms", async () => {
    const file = join(tempDir(), "audit.jsonl");
    symlinkSync("/dev/full", file);
    const { log } = openLog({ file, mode: "fail-open" });
    log.append(makeRecord(0));
    await expect(log.flush()).rejects.toMatchObject({ code: "ENOSPC" });
    expect(log.healthy).toBe(false);
    expect(log.acceptingRequests()).toBe(true);
    await expect(log.close()).rejects.toThrow(/1 record\(s\) could not be written/);
  });

  it("an unwritable path is an alarm from startup, queues records, and recovers when the path becomes writable", async () => {
    const dir = tempDir();
    const blocker = join(dir, "logs");
    writeFileSync(blocker, "a file where a directory should be");
    const file = join(blocker, "audit.jsonl"); // ENOTDIR, even for root
    const { log, registry } = openLog({ file, mode: "fail-closed" });
    await log.ready();
    expect(log.healthy).toBe(false);
    expect(log.acceptingRequests()).toBe(false);
    expect(log.lastError).toMatchObject({ code: "ENOTDIR" });
    expect(await metricValue(registry, "tollgate_audit_write_errors_total", { op: "open", code: "ENOTDIR" })).toBeGreaterThanOrEqual(1);
    log.append(makeRecord(0));
    // Retries keep failing and keep counting, but the record stays queued.
    await expect.poll(async () => metricValue(registry, "tollgate_audit_write_errors_total"), { timeout: 3000 }).toBeGreaterThanOrEqual(3);
    expect(log.queued).toBe(1);

    rmSync(blocker);
    mkdirSync(blocker);
    await expect.poll(() => log.queued, { timeout: 5000 }).toBe(0);
    expect(log.healthy).toBe(true);
    expect(log.acceptingRequests()).toBe(true);
    await log.close();
    expect(await verifyAuditFile(file)).toEqual({ ok: true, records: 1 });
  });

  it("bounds the queue while the disk is down and counts the records it drops", async () => {
    const file = join(tempDir(), "audit.jsonl");
    symlinkSync("/dev/full", file);
    const { log, registry, lines } = openLog({ file, maxQueuedRecords: 3, retryIntervalMs: 60_000 });
    for (let i = 0; i < 5; i++) log.append(makeRecord(i));
    await log.flush().catch(() => undefined);
    expect(log.queued).toBe(3);
    expect(await metricValue(registry, "tollgate_audit_dropped_records_total", { reason: "queue_full" })).toBe(2);
    expect(lines.filter((l) => l.msg === "audit record dropped")).toHaveLength(1); // one line per episode
    unlinkSync(file);
    await log.close(); // close makes a last attempt now, without waiting out the retry delay
    expect(readRecords(file).map((r) => r.seq)).toEqual([0, 1, 2]);
  });

  it("a batch cut short by a full disk: keeps the part that reached the file, writes the rest once, no duplicates", async () => {
    // The child's RLIMIT_FSIZE cuts the first batch mid-line (a short write, then EFBIG). Reopening truncates the
    // partial line, finds the last complete record is one it computed, and drops what landed from the queue.
    const file = join(tempDir(), "audit.jsonl");
    const { out } = await runChild("test/telemetry/audit-efbig-child.ts", [file, "4000", "12"]);
    const logs = out
      .split("\n")
      .filter((l) => l.startsWith("{"))
      .map((l) => JSON.parse(l) as { msg: string; [k: string]: unknown });
    const summary = logs.find((l) => l.msg === "summary");
    expect(summary).toMatchObject({ firstFlush: "EFBIG", healthyWhileLimited: false, healthy: true });
    expect(summary?.queuedWhileLimited).toBeGreaterThan(0);
    expect(summary?.queuedWhileLimited).toBeLessThan(12);
    const kept = logs.find((l) => /part of a failed audit batch/.test(l.msg));
    expect(kept?.records).toBeGreaterThan(0);
    expect(logs.some((l) => /tail was torn/.test(l.msg))).toBe(true);
    expect(readRecords(file).map((r) => r.request_id)).toEqual([...Array(12).keys()].map((i) => `req-${i}`));
    expect(await verifyAuditFile(file)).toEqual({ ok: true, records: 12 });
  }, 30_000);
});

describe("crash survival", () => {
  it("a SIGKILLed writer (flush always) leaves every acknowledged record intact", async () => {
    const file = join(tempDir(), "audit.jsonl");
    const child = spawn(process.execPath, ["--import", "tsx", "test/telemetry/audit-crash-child.ts", file], {
      cwd: process.cwd(),
      stdio: ["ignore", "pipe", "pipe"],
    });
    let out = "";
    let err = "";
    child.stderr.on("data", (d: Buffer) => (err += d.toString()));
    const exited = new Promise<NodeJS.Signals | null>((resolve) => child.on("exit", (_code, signal) => resolve(signal)));
    await new Promise<void>((resolve, reject) => {
      child.stdout.on("data", (d: Buffer) => {
        out += d.toString();
        if ((out.match(/^ack \d+$/gm) ?? []).length >= 300) {
          child.kill("SIGKILL"); // mid-stream: more records are queued and being written
          resolve();
        }
      });
      child.on("exit", () => reject(new Error(`child exited before 300 acks: ${err}`)));
    });
    expect(await exited).toBe("SIGKILL");
    const acked = Math.max(...[...out.matchAll(/^ack (\d+)$/gm)].map((m) => Number(m[1])));

    const result = await verifyAuditFile(file);
    // Every acknowledged record is there and verifies; anything after it is either intact or a torn last line.
    expect(result.records).toBeGreaterThanOrEqual(acked + 1);
    if (!result.ok) expect(result.firstProblem).toMatchObject({ line: result.records + 1, reason: expect.stringMatching(/truncated/) });

    // A restarted writer repairs the tail and continues the chain.
    const { log } = openLog({ file });
    log.append(makeRecord(1_000_000));
    await log.close();
    const after = await verifyAuditFile(file);
    expect(after.ok).toBe(true);
    expect(after.records).toBeGreaterThanOrEqual(acked + 2);
  }, 30_000);
});
