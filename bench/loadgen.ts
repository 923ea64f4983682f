// The load generator process. The benchmark starts it pinned to its own core and sends it one RunSpec per cell
// over the IPC channel; it answers with the measurement. Run by hand it measures one cell and prints JSON:
//
//   node --import tsx bench/loadgen.ts --target 127.0.0.1:50051 --metrics http://127.0.0.1:9464/metrics \
//     [--variant buffered|sse|authz] [--concurrency 16] [--warmup 1] [--duration 5] [--connections 1] \
//     [--close reset|graceful]
import { pathToFileURL } from "node:url";
import { parseArgs } from "node:util";
import { runLoad, type LoadOptions, type LoadReport } from "./lib/load.js";
import { CLOSE_MODES, VARIANTS, type CloseMode, type Variant } from "./lib/types.js";

/** Parent → load generator. */
export interface LoadgenRequest {
  type: "run";
  options: LoadOptions;
}

/** Load generator → parent. */
export type LoadgenReply = { type: "result"; report: LoadReport } | { type: "error"; message: string };

function serveIpc(): void {
  // One cell at a time: the parent waits for each reply, and overlapping runs would share this core.
  let queue = Promise.resolve();
  process.on("message", (msg: LoadgenRequest) => {
    queue = queue.then(async () => {
      let reply: LoadgenReply;
      try {
        reply = { type: "result", report: await runLoad(msg.options) };
      } catch (err) {
        reply = { type: "error", message: err instanceof Error ? err.message : String(err) };
      }
      process.send?.(reply);
    });
  });
  // The parent going away closes the channel; nothing else keeps this process useful.
  process.on("disconnect", () => process.exit(0));
}

async function runOnce(): Promise<void> {
  const { values } = parseArgs({
    options: {
      target: { type: "string" },
      metrics: { type: "string" },
      variant: { type: "string", default: "buffered" },
      concurrency: { type: "string", default: "16" },
      warmup: { type: "string", default: "1" },
      duration: { type: "string", default: "5" },
      connections: { type: "string", default: "1" },
      authorization: { type: "string", default: "Bearer tg-demo-key" },
      model: { type: "string", default: "fake-gpt-4o-mini" },
      close: { type: "string", default: "reset" },
    },
  });
  if (!values.target || !values.metrics) throw new Error("--target and --metrics are required");
  if (!VARIANTS.includes(values.variant as Variant)) throw new Error(`--variant must be one of ${VARIANTS.join(", ")}`);
  if (!CLOSE_MODES.includes(values.close as CloseMode)) throw new Error(`--close must be one of ${CLOSE_MODES.join(", ")}`);
  const report = await runLoad({
    grpcTarget: values.target,
    metricsUrl: values.metrics,
    variant: values.variant as Variant,
    concurrency: Number(values.concurrency),
    warmupMs: Number(values.warmup) * 1000,
    durationMs: Number(values.duration) * 1000,
    connections: Number(values.connections),
    authorization: values.authorization,
    model: values.model,
    close: values.close as CloseMode,
  });
  console.log(JSON.stringify(report, null, 2));
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  if (process.send) serveIpc();
  else runOnce().catch((err: unknown) => {
    console.error(err instanceof Error ? err.message : err);
    process.exit(1);
  });
}
