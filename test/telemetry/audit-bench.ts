// Measures what the audit log costs (numbers, not pass/fail): `npx tsx test/telemetry/audit-bench.ts [DIR]`.
// DIR defaults to the OS temp dir; point it at the disk the audit file will live on, since fsync cost is the disk's.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { monitorEventLoopDelay, performance } from "node:perf_hooks";
import { Registry } from "prom-client";
import { percentile } from "../../src/guardrails/ml/index.js";
import { AuditLog, prepareRecord, sealRecord, type AuditLogOptions } from "../../src/telemetry/audit.js";
import { createLogger } from "../../src/telemetry/logger.js";
import { makeRecord } from "./audit-helpers.js";

const dir = mkdtempSync(join(process.argv[2] ?? tmpdir(), "tollgate-audit-bench-"));
let files = 0;
const newLog = (flush: AuditLogOptions["flush"]) =>
  new AuditLog({ file: join(dir, `bench-${files++}.jsonl`), flush, flushIntervalMs: 1000, mode: "fail-open" }, { logger: createLogger({ level: "error" }), registry: new Registry() });

const ms = (n: number) => `${n.toFixed(3)} ms`;

// 1. One record at a time, each awaited: the latency of one write + fdatasync (what a lone request's record costs).
{
  const log = newLog("always");
  await log.ready();
  const times: number[] = [];
  for (let i = 0; i < 300; i++) {
    const t = performance.now();
    log.append(makeRecord(i));
    await log.flush();
    times.push(performance.now() - t);
  }
  await log.close();
  times.sort((a, b) => a - b);
  console.log(`always, one record per write+fdatasync: p50 ${ms(percentile(times, 0.5))}  p99 ${ms(percentile(times, 0.99))}  (${(1000 / percentile(times, 0.5)).toFixed(0)} records/s if serial)`);
}

// 2. CPU per record (process.cpuUsage, so a busy machine's preemption does not count): prepareRecord is what
//    append() does on the request path; sealRecord is what the writer does per record inside a batch.
{
  const n = 20_000;
  const records = Array.from({ length: n }, (_, i) => makeRecord(i));
  let cpu = process.cpuUsage();
  const prepared = records.map((r) => prepareRecord(r));
  const prepareUs = process.cpuUsage(cpu);
  cpu = process.cpuUsage();
  let prev = "0".repeat(64);
  for (let i = 0; i < n; i++) prev = sealRecord(prepared[i]!, i, prev).hash;
  const sealUs = process.cpuUsage(cpu);
  const per = (u: NodeJS.CpuUsage) => (u.user + u.system) / n;
  console.log(`cpu per record: append (canonicalise) ${per(prepareUs).toFixed(1)} µs, seal (chain + sha256) ${per(sealUs).toFixed(1)} µs => a 256-record batch holds the loop ~${((per(sealUs) * 256) / 1000).toFixed(2)} ms`);
}

// 3. Steady load, as a busy gateway produces it: 4 records per timer tick (~3000/s here) for 3 s. Event-loop delay
//    is compared with the same loop without an audit log, since on a shared machine much of it is other processes.
for (const flush of [undefined, "always", "interval"] as const) {
  const log = flush ? newLog(flush) : undefined;
  await log?.ready();
  const delay = monitorEventLoopDelay({ resolution: 1 });
  delay.enable();
  const t = performance.now();
  let n = 0;
  while (performance.now() - t < 3000) {
    for (let k = 0; k < 4; k++) {
      const record = makeRecord(n++); // outside the call: `log?.append(...)` would skip it for the baseline
      log?.append(record);
    }
    await new Promise((r) => setTimeout(r, 1));
  }
  const appended = performance.now();
  await log?.flush();
  const drain = performance.now() - appended;
  delay.disable();
  await log?.close();
  console.log(
    `${(flush ?? "no audit").padEnd(8)} ${(n / 3).toFixed(0)} records/s for 3 s: last flush ${ms(drain)}, ` +
      `event-loop delay p50 ${ms(delay.percentile(50) / 1e6)} p99 ${ms(delay.percentile(99) / 1e6)} max ${ms(delay.max / 1e6)}`,
  );
}

// 4. A burst far beyond any gateway's rate (20000 records at once): throughput when the queue is deep.
for (const flush of ["always", "interval"] as const) {
  const log = newLog(flush);
  await log.ready();
  const n = 20_000;
  const t = performance.now();
  for (let i = 0; i < n; i++) log.append(makeRecord(i));
  await log.flush();
  const total = performance.now() - t;
  await log.close();
  console.log(`${flush.padEnd(8)} burst of ${n}: ${(n / (total / 1000)).toFixed(0)} records/s`);
}
rmSync(dir, { recursive: true, force: true });
