// Command-line flags of the ext_proc benchmark (`npm run bench -- extproc [flags]`).
import { parseArgs } from "node:util";
import { CLOSE_MODES, TARGETS, TRANSPORTS, VARIANTS, type CloseMode, type TargetName, type Transport, type Variant } from "./types.js";

export type TollgateSource = "auto" | "dist" | "src";

export interface BenchOptions {
  targets: TargetName[];
  transports: Transport[];
  variants: Variant[];
  concurrencies: number[];
  closeModes: CloseMode[];
  warmupMs: number;
  durationMs: number;
  connections: number;
  /** Tollgate config file; undefined = Tollgate's built-in default config. */
  config: string | undefined;
  tollgateFrom: TollgateSource;
  authorization: string;
  model: string;
  /** CPU cores for `taskset -c`; undefined = no pinning. */
  serverCpu: string | undefined;
  clientCpu: string | undefined;
  out: string;
  help: boolean;
}

export const USAGE = `npm run bench -- extproc [flags]

  --targets LIST       noop,passthrough,tollgate          (default: all three)
  --transports LIST    tcp,uds                            (default: both)
  --variants LIST      buffered,sse,authz                 (default: all)
  --concurrency LIST   closed-loop request-streams        (default: 1,16,64,256)
  --close LIST         reset,graceful: how Envoy ends each ext_proc stream (default: reset, Envoy's default)
  --warmup SECONDS     load before each measured window   (default: 1)
  --duration SECONDS   measured window per cell           (default: 3)
  --connections N      HTTP/2 connections per cell        (default: 1, as one Envoy worker)
  --config FILE        Tollgate config                    (default: Tollgate's built-in config)
  --tollgate-from X    auto|dist|src: dist/src/main.js (built) or src/main.ts via tsx (default: auto = dist if built)
  --authorization V    authorization header value         (default: "Bearer tg-demo-key", the built-in config's demo key)
  --model NAME         model in the request bodies        (default: fake-gpt-4o-mini: the built-in config's
                       fake-* route, OpenAI codec, no provider credential needed)
  --server-cpu N       core for the server (taskset -c)   (default: 0)
  --client-cpu N       core for the load generator        (default: 1)
  --no-pin             do not pin processes to cores
  --out FILE           JSON results                       (default: bench/results/latest.json)
`;

function list<T extends string>(flag: string, value: string, allowed: readonly T[]): T[] {
  const items = value.split(",").map((s) => s.trim()).filter(Boolean);
  for (const item of items) {
    if (!allowed.includes(item as T)) throw new Error(`--${flag}: "${item}" is not one of ${allowed.join(", ")}`);
  }
  if (items.length === 0) throw new Error(`--${flag} needs at least one value`);
  return items as T[];
}

function positive(flag: string, value: string, integer: boolean): number {
  const n = Number(value);
  if (!Number.isFinite(n) || n <= 0 || (integer && !Number.isInteger(n))) {
    throw new Error(`--${flag}: expected a positive ${integer ? "integer" : "number"}, got "${value}"`);
  }
  return n;
}

export function parseBenchOptions(argv: string[]): BenchOptions {
  const { values } = parseArgs({
    args: argv,
    strict: true,
    options: {
      targets: { type: "string", default: TARGETS.join(",") },
      transports: { type: "string", default: TRANSPORTS.join(",") },
      variants: { type: "string", default: VARIANTS.join(",") },
      concurrency: { type: "string", default: "1,16,64,256" },
      close: { type: "string", default: "reset" },
      warmup: { type: "string", default: "1" },
      duration: { type: "string", default: "3" },
      connections: { type: "string", default: "1" },
      config: { type: "string" },
      "tollgate-from": { type: "string", default: "auto" },
      authorization: { type: "string", default: "Bearer tg-demo-key" },
      model: { type: "string", default: "fake-gpt-4o-mini" },
      "server-cpu": { type: "string", default: "0" },
      "client-cpu": { type: "string", default: "1" },
      "no-pin": { type: "boolean", default: false },
      out: { type: "string", default: "bench/results/latest.json" },
      help: { type: "boolean", short: "h", default: false },
    },
  });
  const from = values["tollgate-from"];
  if (from !== "auto" && from !== "dist" && from !== "src") throw new Error(`--tollgate-from: auto, dist or src, got "${from}"`);
  const warmup = Number(values.warmup);
  if (!Number.isFinite(warmup) || warmup < 0) throw new Error(`--warmup: expected seconds >= 0, got "${values.warmup}"`);
  return {
    targets: list("targets", values.targets, TARGETS),
    transports: list("transports", values.transports, TRANSPORTS),
    variants: list("variants", values.variants, VARIANTS),
    concurrencies: values.concurrency.split(",").map((c) => positive("concurrency", c.trim(), true)),
    closeModes: list("close", values.close, CLOSE_MODES),
    warmupMs: warmup * 1000,
    durationMs: positive("duration", values.duration, false) * 1000,
    connections: positive("connections", values.connections, true),
    config: values.config,
    tollgateFrom: from,
    authorization: values.authorization,
    model: values.model,
    serverCpu: values["no-pin"] ? undefined : values["server-cpu"],
    clientCpu: values["no-pin"] ? undefined : values["client-cpu"],
    out: values.out,
    help: values.help,
  };
}
