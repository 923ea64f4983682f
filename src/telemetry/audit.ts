// The audit log writer: exactly one hash-chained JSON line per request (format: audit-chain.ts).
//
// append() is synchronous and cheap (the record's canonical text, which is also its snapshot, goes into a queue);
// one async loop does all file work, so the data path never waits for the disk. The loop writes the queue in batches (group commit): with flush
// "always" it starts writing as soon as something is queued and fdatasyncs each batch before it takes the next one,
// so records that arrive during a write+sync ride in the following batch; with "interval" it writes and syncs
// every flushIntervalMs (or sooner once a batch's worth is queued). The chain fields (seq, prev_hash, hash) are
// computed when a batch is written, from the file's actual tail, so a failed write never leaves a hole in the chain.
//
// Cost, measured with `npx tsx test/telemetry/audit-bench.ts [DIR]` on the shared 2-core dev VM (ext4 on virtio,
// load average ~7 from other work, so these are pessimistic):
//   * write + fdatasync of one record: p50 0.25-0.5 ms on a quiet disk, up to ~6 ms (p99 5-50 ms) when other
//     processes write; that is the acknowledgement latency of a lone record with flush "always". Nothing on the
//     request path waits for it.
//   * append(): ~15-30 µs of CPU (canonicalising a ~800-byte record, once); sealing in the writer ~10 µs per record,
//     so a 256-record batch holds the event loop ~2.5 ms at most.
//   * ~2500 records/s steady: event-loop delay p99 8 ms against 6 ms for the same loop without an audit log, in both
//     modes. Bursts of 20000 queued records drain at ~9000-12000 records/s: CPU-bound, so group commit makes
//     "always" as fast as "interval"; the difference between them is what a crash loses (nothing acknowledged vs up
//     to flushIntervalMs of records).
//
// Failures (ENOSPC, EACCES, a missing directory, EIO): the handle is closed, the records stay queued (bounded by
// maxQueuedRecords), `healthy` turns false with the error in `lastError`, a log line and a metric are emitted,
// and the writer retries every retryIntervalMs by reopening the path, so it recovers by itself (also when the path
// now names a new file). Reopening repairs a torn tail and works out which records of the failed batch did reach
// the file, so none is written twice. In "fail-closed" mode acceptingRequests() is false while unhealthy.
//
// One writer per file: two processes appending to the same file would fork the chain. Give each replica its own file.
import { open, type FileHandle } from "node:fs/promises";
import { Counter, Gauge, type Registry } from "prom-client";
import type { Usage } from "../exchange/model.js";
import type { Logger } from "./logger.js";
import { GENESIS_HASH, parseAuditLine, prepareRecord, sealRecord, type AuditRecord, type AuditUsage, type ChainLink, type Member } from "./audit-chain.js";

export * from "./audit-chain.js";

/** The exchange's usage (camelCase, undefined when none was reported) in the record's shape. */
export function auditUsage(usage: Usage | undefined): AuditUsage | null {
  if (!usage) return null;
  return {
    input_tokens: usage.inputTokens,
    output_tokens: usage.outputTokens,
    cached_input_tokens: usage.cachedInputTokens,
    reasoning_tokens: usage.reasoningTokens,
  };
}

export interface AuditLogOptions {
  file: string;
  /** "always": every batch is fdatasynced before the next; "interval": write + sync every flushIntervalMs. */
  flush: "always" | "interval";
  /** Interval for flush "interval" (default 1000 ms). */
  flushIntervalMs?: number;
  /** "fail-closed": acceptingRequests() is false while records cannot be written, so the data path answers 503. */
  mode: "fail-open" | "fail-closed";
  /** How long to wait before retrying after a failed open or write (default 1000 ms). */
  retryIntervalMs?: number;
  /** Records kept in memory while the file cannot be written; beyond it new records are dropped and counted. */
  maxQueuedRecords?: number;
  /** Records per write (default 256): bounds the synchronous sealing slice and the size of one write. */
  maxBatchRecords?: number;
}

export interface AuditLogDeps {
  logger: Logger;
  registry: Registry;
}

interface Waiter {
  /** Resolve once this many records (counted from the start) are durable. */
  target: number;
  resolve: () => void;
  reject: (err: Error) => void;
}

interface Tail {
  nextSeq: number;
  prevHash: string;
}

/** A complete last line the chain cannot continue from (not a torn write: that is repaired). */
class CorruptTailError extends Error {
  readonly code = "ECORRUPTTAIL";
}

const SCAN_CHUNK = 64 * 1024;
/** No record comes near this; a torn tail longer than this is not a torn record, and we refuse to guess. */
const MAX_TAIL_SCAN = 64 * 1024 * 1024;

export class AuditLog {
  readonly #file: string;
  readonly #flushMode: "always" | "interval";
  readonly #mode: "fail-open" | "fail-closed";
  readonly #retryMs: number;
  readonly #maxQueued: number;
  readonly #maxBatch: number;
  readonly #log: Logger;
  readonly #metrics: AuditMetrics;

  #handle: FileHandle | undefined;
  #tail: Tail | undefined;
  /** Prepared (canonicalised) records not yet durable, oldest first. Records leave only once written and synced. */
  readonly #pending: Member[][] = [];
  /** Records accepted since construction; durable count = #accepted - #pending.length. */
  #accepted = 0;
  #waiters: Waiter[] = [];
  /** Chain links of a batch whose write failed: after reopening, the tail tells how much of it reached the file. */
  #unconfirmed: ChainLink[] | undefined;

  /** Queued records should be written now (always: on append; interval: on the timer; flush(); a retry). */
  #due = false;
  #running = false;
  #retryTimer: NodeJS.Timeout | undefined;
  readonly #intervalTimer: NodeJS.Timeout | undefined;
  #closing: Promise<void> | undefined;
  #droppedSinceHealthy = 0;

  #healthy = true;
  #lastError: Error | undefined;
  #unhealthySince = 0;
  readonly #firstOpen: Promise<void>;
  #firstOpenDone: (() => void) | undefined;

  constructor(options: AuditLogOptions, deps: AuditLogDeps) {
    this.#file = options.file;
    this.#flushMode = options.flush;
    this.#mode = options.mode;
    this.#retryMs = positive(options.retryIntervalMs, 1000, "retryIntervalMs");
    this.#maxQueued = positive(options.maxQueuedRecords, 100_000, "maxQueuedRecords");
    this.#maxBatch = positive(options.maxBatchRecords, 256, "maxBatchRecords");
    this.#log = deps.logger.child({ component: "audit", file: options.file });
    this.#metrics = auditMetrics(deps.registry);
    this.#metrics.healthy.set(1);
    this.#firstOpen = new Promise((resolve) => (this.#firstOpenDone = resolve));
    if (this.#flushMode === "interval") {
      const every = positive(options.flushIntervalMs, 1000, "flushIntervalMs");
      this.#intervalTimer = setInterval(() => {
        if (this.#pending.length > 0) this.#requestWrite();
      }, every);
      // The timer must not keep a finished process alive; close() writes what is left.
      this.#intervalTimer.unref();
    }
    // Open now rather than on the first record: a bad path should alarm at startup, not on the first request.
    this.#kick();
  }

  /** False after a failed open/write until a later one succeeds. */
  get healthy(): boolean {
    return this.#healthy;
  }

  /** The error that made the log unhealthy (kept after recovery for diagnosis). */
  get lastError(): Error | undefined {
    return this.#lastError;
  }

  /** Records accepted but not yet durable. */
  get queued(): number {
    return this.#pending.length;
  }

  /** For the data path: false (answer 503) when in fail-closed mode and records cannot be written. */
  acceptingRequests(): boolean {
    return this.#mode === "fail-open" || this.#healthy;
  }

  /** Resolves after the first attempt to open the file (whatever its result; read `healthy`). */
  ready(): Promise<void> {
    return this.#firstOpen;
  }

  /**
   * Queues one record. Never throws and never waits: the exchange calls it for every request, including those that
   * fail. Returns false when the record was dropped (queue full while the disk is failing, log closed, or a record
   * that is not JSON-serialisable), which is also logged and counted.
   */
  append(record: AuditRecord): boolean {
    if (this.#closing) return this.#drop("closed", record);
    if (this.#pending.length >= this.#maxQueued) return this.#drop("queue_full", record);
    let body: Member[];
    try {
      body = prepareRecord(record);
    } catch (err) {
      return this.#drop("invalid_record", record, err);
    }
    this.#pending.push(body);
    this.#accepted += 1;
    this.#metrics.queued.set(this.#pending.length);
    if (this.#flushMode === "always" || this.#pending.length >= this.#maxBatch) this.#requestWrite();
    return true;
  }

  /**
   * Resolves when every record appended before the call is written and synced. Rejects with the write error if an
   * attempt to write them fails (they stay queued and are retried). Triggers an attempt now, even while waiting out
   * a retry delay.
   */
  flush(): Promise<void> {
    const target = this.#accepted;
    if (this.#durable() >= target) return Promise.resolve();
    const done = new Promise<void>((resolve, reject) => this.#waiters.push({ target, resolve, reject }));
    if (this.#retryTimer) {
      clearTimeout(this.#retryTimer);
      this.#retryTimer = undefined;
    }
    this.#requestWrite();
    return done;
  }

  /**
   * Flushes and closes. Later appends are dropped. Rejects if the queued records could not be written; the error says
   * how many were lost. The last seq and hash are logged: an anchor to check the file's end against later.
   */
  close(): Promise<void> {
    this.#closing ??= this.#close();
    return this.#closing;
  }

  async #close(): Promise<void> {
    if (this.#intervalTimer) clearInterval(this.#intervalTimer);
    await this.#firstOpen;
    let failure: Error | undefined;
    try {
      await this.flush();
    } catch (err) {
      const lost = this.#pending.length;
      failure = new Error(`audit log ${this.#file}: ${lost} record(s) could not be written: ${asError(err).message}`, { cause: err });
      this.#log.error({ err, lost }, "audit log closed with unwritten records");
    }
    if (this.#retryTimer) clearTimeout(this.#retryTimer);
    this.#retryTimer = undefined;
    // Wait out a loop still running (a flush rejected mid-batch) so the handle is not closed under a write.
    while (this.#running) await new Promise((resolve) => setImmediate(resolve));
    const handle = this.#handle;
    this.#handle = undefined;
    if (handle) await handle.close().catch((err: unknown) => this.#log.warn({ err }, "closing the audit file failed"));
    const tail = this.#tail;
    if (tail) this.#log.info({ last_seq: tail.nextSeq - 1, last_hash: tail.prevHash }, "audit log closed");
    if (failure) throw failure;
  }

  #durable(): number {
    return this.#accepted - this.#pending.length;
  }

  #drop(reason: "closed" | "queue_full" | "invalid_record", record: AuditRecord, err?: unknown): false {
    this.#metrics.dropped.inc({ reason });
    this.#droppedSinceHealthy += 1;
    // One line per episode for queue_full (it comes in floods while the disk is down); every one otherwise.
    if (reason !== "queue_full" || this.#droppedSinceHealthy === 1) {
      // The record may be whatever made it invalid (even null): read its ids without trusting its shape.
      const ids = record as Partial<AuditRecord> | null | undefined;
      this.#log.error({ reason, err, request_id: ids?.request_id, trace_id: ids?.trace_id, queued: this.#pending.length }, "audit record dropped");
    }
    return false;
  }

  #requestWrite(): void {
    this.#due = true;
    this.#kick();
  }

  /** Starts the loop unless it is running (it re-reads #due before it stops) or waiting out a retry delay. */
  #kick(): void {
    if (this.#running || this.#retryTimer) return;
    // Set before the call: #run can finish synchronously (nothing to do) and clears the flag itself.
    this.#running = true;
    void this.#run();
  }

  async #run(): Promise<void> {
    try {
      // Opening is not a write: with flush "interval" a (re)open must not drain the queue ahead of the timer.
      if (!this.#handle && !(await this.#open())) return this.#retryLater();
      while (this.#due) {
        this.#due = false;
        while (this.#pending.length > 0) {
          if (!this.#handle && !(await this.#open())) return this.#retryLater();
          if (!(await this.#writeBatch())) return this.#retryLater();
        }
      }
    } catch (err) {
      // Every fs error is handled inside; this is a bug, and it must not become an unhandled rejection.
      this.#log.error({ err }, "audit writer loop failed");
      this.#retryLater();
    } finally {
      this.#running = false;
    }
  }

  #retryLater(): void {
    this.#due = true;
    if (this.#closing && this.#waiters.length === 0) return; // closing gave up on the records; nothing to retry for
    this.#retryTimer = setTimeout(() => {
      this.#retryTimer = undefined;
      this.#requestWrite();
    }, this.#retryMs);
    this.#retryTimer.unref();
  }

  async #open(): Promise<boolean> {
    let handle: FileHandle | undefined;
    try {
      // a+: O_APPEND makes every write land at the end whatever else happens to the offset; reads and truncate
      // (tail repair) work on the same descriptor.
      handle = await open(this.#file, "a+", 0o640);
      const tail = await this.#recoverTail(handle);
      await this.#settleUnconfirmed(handle, tail);
      this.#handle = handle;
      this.#tail = { nextSeq: tail.nextSeq, prevHash: tail.prevHash };
      if (this.#pending.length === 0) this.#succeeded();
      return true;
    } catch (err) {
      if (handle) await handle.close().catch(() => undefined);
      this.#failed("open", err);
      return false;
    } finally {
      this.#firstOpenDone?.();
      this.#firstOpenDone = undefined;
    }
  }

  /**
   * Finds where the chain stands in an existing file. A last line without "\n" is a write torn by a crash (or by a
   * failed write): it was never acknowledged, so it is cut off and the cut is logged.
   */
  async #recoverTail(handle: FileHandle): Promise<Tail & { last?: ChainLink }> {
    let size = (await handle.stat()).size;
    if (size === 0) return { nextSeq: 0, prevHash: GENESIS_HASH };
    const lastNewline = await lastIndexOfNewline(handle, size);
    if (lastNewline !== size - 1) {
      const keep = lastNewline + 1;
      await handle.truncate(keep);
      await handle.datasync();
      this.#log.warn({ removed_bytes: size - keep, kept_bytes: keep }, "audit log tail was torn (crash or failed write); truncated the partial last line");
      size = keep;
      if (size === 0) return { nextSeq: 0, prevHash: GENESIS_HASH };
    }
    const start = (await lastIndexOfNewline(handle, size - 1)) + 1;
    const line = (await readRange(handle, start, size - 1)).toString("utf8");
    const parsed = parseAuditLine(line);
    if (parsed.ok) return { nextSeq: parsed.seq + 1, prevHash: parsed.hash, last: { seq: parsed.seq, hash: parsed.hash } };
    // A complete line that fails its own checks but still names its seq and hash: the file was tampered with or
    // damaged. Continue the chain from it (verify will point at the line) rather than stop recording requests.
    const fields = salvageLink(line);
    if (fields) {
      this.#log.error({ seq: fields.seq, reason: parsed.reason }, "the last audit record fails verification; continuing the chain after it (run `tollgate audit verify`)");
      return { nextSeq: fields.seq + 1, prevHash: fields.hash, last: fields };
    }
    throw new CorruptTailError(`the last line of ${this.#file} is not an audit record (${parsed.reason}); move the file aside to start a new chain`);
  }

  /** After a failed batch write, drop from the queue the records the file shows did get written. */
  async #settleUnconfirmed(handle: FileHandle, tail: { last?: ChainLink }): Promise<void> {
    const unconfirmed = this.#unconfirmed;
    if (!unconfirmed) return;
    const last = tail.last;
    const reached = last ? unconfirmed.findIndex((l) => l.seq === last.seq && l.hash === last.hash) + 1 : 0;
    if (reached > 0) {
      await handle.datasync(); // they were written but maybe not synced; make them durable before acknowledging
      this.#pending.splice(0, reached);
      this.#metrics.records.inc(reached);
      this.#metrics.queued.set(this.#pending.length);
      this.#log.warn({ records: reached, of: unconfirmed.length }, "part of a failed audit batch had reached the file; kept it");
      this.#settleWaiters();
    }
    this.#unconfirmed = undefined;
  }

  async #writeBatch(): Promise<boolean> {
    const handle = this.#handle;
    const tail = this.#tail;
    if (!handle || !tail) return false;
    const count = Math.min(this.#pending.length, this.#maxBatch);
    const lines: string[] = [];
    const links: ChainLink[] = [];
    let prevHash = tail.prevHash;
    for (let i = 0; i < count; i++) {
      const seq = tail.nextSeq + i;
      const sealed = sealRecord(this.#pending[i]!, seq, prevHash);
      lines.push(sealed.line);
      links.push({ seq, hash: sealed.hash });
      prevHash = sealed.hash;
    }
    const bytes = Buffer.from(lines.join(""), "utf8");
    let op: "write" | "fsync" = "write";
    try {
      await writeAll(handle, bytes);
      op = "fsync";
      await handle.datasync();
    } catch (err) {
      this.#unconfirmed = links;
      await this.#closeAfterFailure();
      this.#failed(op, err);
      return false;
    }
    this.#tail = { nextSeq: tail.nextSeq + count, prevHash };
    this.#pending.splice(0, count);
    this.#metrics.records.inc(count);
    this.#metrics.queued.set(this.#pending.length);
    this.#succeeded();
    this.#settleWaiters();
    return true;
  }

  async #closeAfterFailure(): Promise<void> {
    const handle = this.#handle;
    this.#handle = undefined;
    this.#tail = undefined;
    // After a failed write or fsync the descriptor's state is unknown (Linux may already have dropped the dirty
    // pages); only a fresh open and a re-read of the tail says where the file stands.
    if (handle) await handle.close().catch(() => undefined);
  }

  #settleWaiters(): void {
    const durable = this.#durable();
    const still: Waiter[] = [];
    for (const w of this.#waiters) {
      if (w.target <= durable) w.resolve();
      else still.push(w);
    }
    this.#waiters = still;
  }

  #succeeded(): void {
    if (this.#healthy) return;
    this.#healthy = true;
    this.#metrics.healthy.set(1);
    this.#log.info({ down_ms: Date.now() - this.#unhealthySince, dropped: this.#droppedSinceHealthy, queued: this.#pending.length }, "audit log recovered: writes succeed again");
    this.#droppedSinceHealthy = 0;
  }

  #failed(op: "open" | "write" | "fsync", raw: unknown): void {
    const err = asError(raw);
    const code = typeof (err as NodeJS.ErrnoException).code === "string" ? String((err as NodeJS.ErrnoException).code) : "unknown";
    this.#lastError = err;
    this.#metrics.writeErrors.inc({ op, code });
    if (this.#healthy) {
      this.#healthy = false;
      this.#unhealthySince = Date.now();
      this.#metrics.healthy.set(0);
      // Logged on the transition; retries are counted by the metric instead of flooding the log.
      this.#log.error({ err, op, code, queued: this.#pending.length, mode: this.#mode }, "audit log cannot write; records are queued and retried");
    }
    const waiters = this.#waiters;
    this.#waiters = [];
    for (const w of waiters) w.reject(err);
  }
}

interface AuditMetrics {
  records: Counter;
  writeErrors: Counter<"op" | "code">;
  dropped: Counter<"reason">;
  healthy: Gauge;
  queued: Gauge;
}

/** Reuses metrics already in the registry, so a restarted writer (or a test) can share one Registry. */
function auditMetrics(registry: Registry): AuditMetrics {
  const registers = [registry];
  const existing = <T>(name: string, type: abstract new (...args: never[]) => T): T | undefined => {
    const m = registry.getSingleMetric(name);
    return m instanceof type ? m : undefined;
  };
  return {
    records:
      existing("tollgate_audit_records_total", Counter) ??
      new Counter({ name: "tollgate_audit_records_total", help: "Audit records written and synced to the audit file.", registers }),
    writeErrors:
      (existing("tollgate_audit_write_errors_total", Counter) as Counter<"op" | "code"> | undefined) ??
      new Counter({
        name: "tollgate_audit_write_errors_total",
        help: "Failed audit file operations (open, write, fsync) by errno code, e.g. ENOSPC, EACCES.",
        labelNames: ["op", "code"],
        registers,
      }),
    dropped:
      (existing("tollgate_audit_dropped_records_total", Counter) as Counter<"reason"> | undefined) ??
      new Counter({
        name: "tollgate_audit_dropped_records_total",
        help: "Audit records lost: queue full while the file could not be written, appended after close, or not serialisable.",
        labelNames: ["reason"],
        registers,
      }),
    healthy:
      existing("tollgate_audit_healthy", Gauge) ??
      new Gauge({ name: "tollgate_audit_healthy", help: "1 while audit records are being written, 0 while writes fail.", registers }),
    queued:
      existing("tollgate_audit_queued_records", Gauge) ??
      new Gauge({ name: "tollgate_audit_queued_records", help: "Audit records accepted but not yet written and synced.", registers }),
  };
}

function positive(value: number | undefined, fallback: number, name: string): number {
  if (value === undefined) return fallback;
  if (!Number.isFinite(value) || value <= 0) throw new RangeError(`audit ${name} must be a positive number, got ${value}`);
  return value;
}

function asError(err: unknown): Error {
  return err instanceof Error ? err : new Error(String(err));
}

/** The chain fields of a line that fails its own checks, if they can still be read. */
function salvageLink(line: string): ChainLink | undefined {
  try {
    const value: unknown = JSON.parse(line);
    if (value === null || typeof value !== "object") return undefined;
    const { seq, hash } = value as { seq?: unknown; hash?: unknown };
    if (typeof seq === "number" && Number.isSafeInteger(seq) && seq >= 0 && typeof hash === "string" && /^[0-9a-f]{64}$/.test(hash)) return { seq, hash };
  } catch {
    // not JSON at all
  }
  return undefined;
}

async function writeAll(handle: FileHandle, bytes: Buffer): Promise<void> {
  let offset = 0;
  while (offset < bytes.length) {
    // Position null: with O_APPEND the kernel appends; a short write just continues with the rest.
    const { bytesWritten } = await handle.write(bytes, offset, bytes.length - offset, null);
    offset += bytesWritten;
  }
}

async function readRange(handle: FileHandle, start: number, end: number): Promise<Buffer> {
  const buf = Buffer.alloc(end - start);
  let done = 0;
  while (done < buf.length) {
    const { bytesRead } = await handle.read(buf, done, buf.length - done, start + done);
    if (bytesRead === 0) throw new Error(`audit file shrank while reading its tail (at byte ${start + done})`);
    done += bytesRead;
  }
  return buf;
}

/** Index of the last "\n" before byte `end`, or -1; reads backwards in chunks. */
async function lastIndexOfNewline(handle: FileHandle, end: number): Promise<number> {
  let pos = end;
  while (pos > 0) {
    if (end - pos > MAX_TAIL_SCAN) throw new CorruptTailError(`no line break in the last ${MAX_TAIL_SCAN} bytes of the audit file`);
    const start = Math.max(0, pos - SCAN_CHUNK);
    const chunk = await readRange(handle, start, pos);
    const i = chunk.lastIndexOf(0x0a);
    if (i >= 0) return start + i;
    pos = start;
  }
  return -1;
}
