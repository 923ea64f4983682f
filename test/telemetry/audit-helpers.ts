// Shared fixtures for the audit tests (and the crash child process, which imports makeRecord).
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Registry } from "prom-client";
import { AuditLog, type AuditLogOptions, type AuditRecord } from "../../src/telemetry/audit.js";
import { createLogger, type Logger } from "../../src/telemetry/logger.js";

export function makeRecord(i: number, over: Partial<AuditRecord> = {}): AuditRecord {
  return {
    time: new Date(Date.UTC(2025, 0, 1, 0, 0, i)).toISOString(),
    trace_id: `trace-${i}`,
    request_id: `req-${i}`,
    principal: { key_id: "key-1", cohort: "fintech" },
    route: "chat",
    provider: "openai",
    model: "gpt-4o-mini",
    endpoint: "chat_completions",
    tools: [],
    prompt_sha256: "ab".repeat(32),
    decisions: [{ policy: "guardrails", evaluator: "injection", phase: "request_body", segment: { kind: "user", index: 0 }, action: "flag", score: 0.61, threshold: 0.8 }],
    usage: { input_tokens: 12, output_tokens: 30 + i, cached_input_tokens: 0, reasoning_tokens: 0 },
    cost_usd_micros: 150 + i,
    status: 200,
    outcome: "completed",
    latency_ms: 12.5,
    ...over,
  };
}

export interface LogLine {
  level: string;
  msg: string;
  [key: string]: unknown;
}

export function memoryLogger(): { logger: Logger; lines: LogLine[] } {
  const lines: LogLine[] = [];
  const logger = createLogger({ level: "debug", destination: { write: (s: string) => void lines.push(JSON.parse(s) as LogLine) } });
  return { logger, lines };
}

export function tempDir(): string {
  return mkdtempSync(join(tmpdir(), "tollgate-audit-"));
}

export function openLog(options: Partial<AuditLogOptions> & { file: string }, registry = new Registry()) {
  const { logger, lines } = memoryLogger();
  const log = new AuditLog({ flush: "always", mode: "fail-open", retryIntervalMs: 20, ...options }, { logger, registry });
  return { log, lines, registry };
}

/** The value of a counter/gauge sample in a registry (summed over samples matching the labels). */
export async function metricValue(registry: Registry, name: string, labels: Record<string, string> = {}): Promise<number> {
  const metric = registry.getSingleMetric(name);
  if (!metric) return Number.NaN;
  const { values } = await metric.get();
  return values.filter((v) => Object.entries(labels).every(([k, want]) => v.labels[k] === want)).reduce((sum, v) => sum + v.value, 0);
}
