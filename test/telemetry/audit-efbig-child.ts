// Child process for the torn-batch test: once loaded, it lowers its own file-size limit (RLIMIT_FSIZE, soft only)
// so that a batch write is cut short mid-line and the next write fails with EFBIG, exactly as a disk filling up in
// the middle of a batch. After a few failed retries it lifts the limit again. Logs and a summary go to stdout.
import { execFileSync } from "node:child_process";
import { Registry } from "prom-client";
import { AuditLog } from "../../src/telemetry/audit.js";
import { createLogger } from "../../src/telemetry/logger.js";
import { makeRecord, metricValue } from "./audit-helpers.js";

const [file, limit, count] = process.argv.slice(2);
if (!file || !limit || !count) throw new Error("usage: audit-efbig-child FILE LIMIT_BYTES RECORDS");
const setLimit = (soft: string) => execFileSync("prlimit", ["--pid", String(process.pid), `--fsize=${soft}:unlimited`]);

const registry = new Registry();
const log = new AuditLog({ file, flush: "always", mode: "fail-closed", retryIntervalMs: 20 }, { logger: createLogger({ level: "info" }), registry });
await log.ready();
setLimit(limit);
for (let i = 0; i < Number(count); i++) log.append(makeRecord(i));
const firstFlush = await log.flush().then(
  () => "ok",
  (err: NodeJS.ErrnoException) => err.code ?? err.message,
);
while ((await metricValue(registry, "tollgate_audit_write_errors_total")) < 4) await new Promise((r) => setTimeout(r, 10));
const queuedWhileLimited = log.queued;
const healthyWhileLimited = log.healthy;
setLimit("unlimited");
await new Promise((r) => setTimeout(r, 50)); // let the retry timer fire on its own
await log.close();
process.stdout.write(`${JSON.stringify({ msg: "summary", firstFlush, queuedWhileLimited, healthyWhileLimited, healthy: log.healthy })}\n`);
