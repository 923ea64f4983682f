// Starts a real Tollgate (gRPC + admin on ephemeral ports) on a config written to a temp file, with logs kept in
// memory so tests can assert on them.
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Writable } from "node:stream";
import { startTollgate, type Tollgate } from "../../src/app.js";
import { createLogger } from "../../src/telemetry/logger.js";
import { createMetrics } from "../../src/telemetry/metrics.js";
import type { SpanExporter } from "@opentelemetry/sdk-trace-base";
import type { RuntimeServices } from "../../src/config/runtime.js";
import type { EvaluatorResolver } from "../../src/policies/guardrails/policy.js";
import { fakeEvaluators } from "./fake-evaluators.js";
import { MemoryStore } from "../../src/state/memory.js";
import { registerBudgetMetrics } from "../../src/policies/budget/index.js";

export interface TestTollgate extends Tollgate {
  configFile: string;
  logs: () => Record<string, unknown>[];
}

export function writeTempConfig(yaml: string, name = "tollgate.yaml"): string {
  const dir = mkdtempSync(join(tmpdir(), "tollgate-test-"));
  const file = join(dir, name);
  writeFileSync(file, yaml);
  return file;
}

export async function startTestTollgate(
  yaml: string,
  options: { env?: NodeJS.ProcessEnv; watch?: boolean; socket?: string; spanExporter?: SpanExporter; evaluators?: EvaluatorResolver } = {},
): Promise<TestTollgate> {
  const lines: string[] = [];
  const sink = new Writable({
    write(chunk: Buffer, _enc, cb) {
      lines.push(...chunk.toString("utf8").split("\n").filter(Boolean));
      cb();
    },
  });
  const configFile = writeTempConfig(yaml);
  const app = await startTollgate({
    configFile,
    overrides: { grpcHost: "127.0.0.1", grpcPort: 0, adminHost: "127.0.0.1", adminPort: 0, ...(options.socket ? { grpcSocket: options.socket } : {}) },
    logger: createLogger({ level: "debug", destination: sink }),
    metrics: createMetrics({ defaultMetrics: false }),
    watch: options.watch ?? false,
    ...(options.spanExporter ? { spanExporter: options.spanExporter } : {}),
    evaluators: options.evaluators ?? fakeEvaluators(),
    env: options.env ?? {},
  });
  return {
    ...app,
    // Tests stop at once unless they ask for the drain delay explicitly.
    stop: (o) => app.stop({ immediate: true, ...o }),
    configFile,
    logs: () => lines.map((l) => JSON.parse(l) as Record<string, unknown>),
  };
}

/** A config with one key ("test-key", id k1), an OpenAI route and provider, an Anthropic one and an MCP one. */
export const KEY = "test-key";
export const KEY_SHA = "62af8704764faf8ea82fc61ce9c4c3908b6cb97d463a634e9e587d7c885db0ef";

export const BASE_CONFIG = `
auth:
  keys:
    - { id: k1, sha256: ${KEY_SHA}, cohort: team-a }
    - { id: k2, sha256: "${"1".repeat(64)}", cohort: team-b, routes: [chat] }
routes:
  - { name: chat, match: { paths: ["/v1/chat/completions", "/v1/responses", "/v1/completions", "/v1/embeddings"] }, providers: [openai], fail_mode: closed }
  - { name: claude, match: { paths: ["/v1/messages"] }, providers: [anthropic] }
  - { name: tools, match: { paths: ["/mcp"] }, providers: [mcp] }
providers:
  - { name: openai, cluster: openai, schema: openai, host: api.openai.com, credential: { env: OPENAI_KEY } }
  - { name: anthropic, cluster: anthropic, schema: anthropic, host: api.anthropic.com, credential: { env: ANTHROPIC_KEY } }
  - { name: mcp, cluster: mcp_tools, schema: mcp, host: tools.local }
`;

/** Runtime services for tests that build a Runtime directly: a private metrics registry, fake evaluators. */
export function testServices(evaluators: EvaluatorResolver = fakeEvaluators()): RuntimeServices {
  const metrics = createMetrics({ defaultMetrics: false });
  return { metrics, evaluators, store: new MemoryStore(), budgetMetrics: registerBudgetMetrics(metrics.registry) };
}

export const BASE_ENV = { OPENAI_KEY: "sk-provider-openai", ANTHROPIC_KEY: "sk-ant-provider" };
