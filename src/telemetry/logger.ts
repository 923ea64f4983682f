// Structured JSON logs (pino). Request-scoped loggers carry request_id and trace_id on every line.
import { pino, type Logger, type DestinationStream } from "pino";

export type { Logger };

export interface LoggerOptions {
  level?: string;
  /** Where lines go; stdout by default. Tests pass a memory stream. */
  destination?: DestinationStream;
}

export function createLogger(options: LoggerOptions = {}): Logger {
  const level = options.level ?? process.env.TOLLGATE_LOG_LEVEL ?? "info";
  const opts = {
    level,
    base: { service: "tollgate" },
    timestamp: pino.stdTimeFunctions.isoTime,
    // Level names, not numbers: log pipelines and people read "warn" without a lookup table.
    formatters: { level: (label: string) => ({ level: label }) },
  };
  return options.destination ? pino(opts, options.destination) : pino(opts);
}

export function requestLogger(root: Logger, requestId: string, traceId: string): Logger {
  return root.child({ request_id: requestId, trace_id: traceId });
}
