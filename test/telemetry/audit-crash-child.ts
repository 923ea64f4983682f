// Child process for the crash-survival test: appends records as fast as it can with flush "always" and prints
// "ack N" once record N is durable (flush() resolved). The parent SIGKILLs it mid-stream.
import { Registry } from "prom-client";
import { AuditLog } from "../../src/telemetry/audit.js";
import { createLogger } from "../../src/telemetry/logger.js";
import { makeRecord } from "./audit-helpers.js";

const file = process.argv[2];
if (!file) throw new Error("usage: audit-crash-child FILE");
const log = new AuditLog({ file, flush: "always", mode: "fail-closed" }, { logger: createLogger({ level: "error" }), registry: new Registry() });
await log.ready();
let i = 0;
for (;;) {
  // A few records per turn of the event loop, as concurrent requests would append them.
  for (let k = 0; k < 5; k++, i++) {
    const n = i;
    log.append(makeRecord(n));
    void log.flush().then(() => process.stdout.write(`ack ${n}\n`));
  }
  await new Promise((resolve) => setImmediate(resolve));
}
