// The whole data path for scenario tests, on loopback: the official client SDK → the Envoy emulator (driven by
// envoy/envoy-dev.yaml) → the real Tollgate gRPC server (ext_authz + ext_proc, real evaluators, in-memory spans,
// a real audit file) → the fake LLM provider (fake_provider) or a real MCP server built with the MCP SDK (mcp_tools).
// Helpers here find what a request left behind: its span, its audit record, what the provider received.
import { createHash } from "node:crypto";
import { mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import Anthropic from "@anthropic-ai/sdk";
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { StreamableHTTPClientTransport } from "@modelcontextprotocol/sdk/client/streamableHttp.js";
import { InMemorySpanExporter, type ReadableSpan } from "@opentelemetry/sdk-trace-base";
import OpenAI from "openai";
import { createEvaluator } from "../../src/guardrails/registry.js";
import { cachedResolver } from "../../src/policies/guardrails/resolver.js";
import type { EvaluatorResolver } from "../../src/policies/guardrails/policy.js";
import type { SealedAuditRecord } from "../../src/telemetry/audit-chain.js";
import { startEnvoyEmulator, startTestUpstream, type EnvoyEmulator, type ReceivedRequest, type RequestRecord, type TestUpstream } from "../harness/index.js";
import { startTestTollgate, type TestTollgate } from "../helpers/tollgate.js";
import { startMcpToolsServer, type McpToolsServer } from "./mcp-tools-server.js";

export const ENVOY_DEV_YAML = join(import.meta.dirname, "..", "..", "envoy", "envoy-dev.yaml");

/**
 * Envoy's shipped 200/250 ms budgets are for production; two shared cores running real evaluators (whose first
 * calls load dictionaries and models) need more. Nothing in these scenarios is about timing.
 */
export const RELAXED_ENVOY = { extProc: { messageTimeoutMs: 5000 }, extAuthz: { timeoutMs: 5000 } };

/** The scenarios' virtual keys: the secret the client sends, and its sha256 for the config. */
export const KEYS = {
  main: "tg-scenario-key-1",
  chatOnly: "tg-scenario-key-chat-only",
} as const;
export const sha256 = (s: string): string => createHash("sha256").update(s).digest("hex");

/** The provider-side credential Tollgate injects; the client's virtual key must never reach a provider. */
export const PROVIDER_SECRET = "sk-upstream-provider-secret";

/**
 * Routes every scenario model to the fake provider and /mcp to the MCP server. `extra` is appended verbatim
 * (guardrails, limits, …); `audit` is the file Tollgate writes its hash-chained records to.
 */
export function scenarioConfig(audit: string, options: Pick<StackOptions, "extra" | "server" | "routesFirst" | "claudeGuardrails"> = {}): string {
  const claude = options.claudeGuardrails ? `\n    guardrails:\n${indent(options.claudeGuardrails.trim(), 6)}` : "";
  return `
server: { phase_budget_ms: 4000, drain_delay_ms: 0${options.server ?? ""} }
audit: { file: ${JSON.stringify(audit)}, flush: always }
auth:
  keys:
    - { id: scenario, sha256: ${sha256(KEYS.main)}, cohort: qa }
    - { id: chat-only, sha256: ${sha256(KEYS.chatOnly)}, cohort: qa, routes: [chat] }
unknown_paths: deny
routes:
${options.routesFirst ?? ""}
  - { name: chat, match: { paths: ["/v1/chat/completions"] }, providers: [fake-openai] }
  - name: claude
    match: { paths: ["/v1/messages"] }
    providers: [fake-anthropic]${claude}
  - name: tools
    match: { paths: ["/mcp"] }
    providers: [fake-mcp]
    tools: { allow: ["search_*", "read_*", "delete_*"], deny: ["delete_*"] }
providers:
  - { name: fake-openai, cluster: fake_provider, schema: openai, host: fake-provider.local, credential: { env: PROVIDER_SECRET } }
  - { name: fake-anthropic, cluster: fake_provider, schema: anthropic, host: fake-provider.local, credential: { env: PROVIDER_SECRET } }
  - { name: fake-mcp, cluster: mcp_tools, schema: mcp, host: mcp-tools.local }
${options.extra ?? ""}`;
}

function indent(text: string, n: number): string {
  return text
    .split("\n")
    .map((l) => " ".repeat(n) + l)
    .join("\n");
}

export interface Stack {
  tollgate: TestTollgate;
  envoy: EnvoyEmulator;
  provider: TestUpstream;
  mcp: McpToolsServer;
  spans: InMemorySpanExporter;
  auditFile: string;
  openai(headers?: Record<string, string>, key?: string): OpenAI;
  anthropic(headers?: Record<string, string>, key?: string): Anthropic;
  /**
   * An MCP client connected through the emulator. Each HTTP request it makes gets x-request-id `${tag}.${method}.${n}`
   * (method with "/" as "-", n counting from 1 per method): its first tools/call is `${tag}.tools-call.1`.
   */
  mcpClient(tag: string, response: "json" | "sse", key?: string): Promise<Client>;
  close(): Promise<void>;
}

export interface StackOptions {
  /** Extra config (guardrails, …) appended to scenarioConfig. */
  extra?: string;
  /** Extra server settings, e.g. ", drain_timeout_ms: 0". */
  server?: string;
  /** Route entries (YAML list items) placed before the standard routes, so they match first. */
  routesFirst?: string;
  /** The claude route's own guardrails block (YAML mapping, replaces the top-level one for that route). */
  claudeGuardrails?: string;
  /** Default: the real evaluators from the registry, as `tollgate serve` builds them. */
  evaluators?: EvaluatorResolver;
}

/** One resolver per test file: evaluator models load once and are shared by every Tollgate the file starts. */
let realEvaluators: EvaluatorResolver | undefined;
export function real(): EvaluatorResolver {
  return (realEvaluators ??= cachedResolver(createEvaluator));
}

export async function startStack(options: StackOptions = {}): Promise<Stack> {
  const auditFile = join(mkdtempSync(join(tmpdir(), "tollgate-scenario-")), "audit.jsonl");
  const spans = new InMemorySpanExporter();
  const provider = await startTestUpstream();
  const mcp = await startMcpToolsServer();
  const tollgate = await startTestTollgate(scenarioConfig(auditFile, options), {
    env: { PROVIDER_SECRET },
    spanExporter: spans,
    evaluators: options.evaluators ?? real(),
  });
  const envoy = await startEnvoyEmulator({
    configPath: ENVOY_DEV_YAML,
    clusters: { tollgate: { host: "127.0.0.1", port: tollgate.grpcPort! }, fake_provider: provider.url, mcp_tools: mcp.url },
    overrides: RELAXED_ENVOY,
  });
  const clients: Client[] = [];
  return {
    tollgate,
    envoy,
    provider,
    mcp,
    spans,
    auditFile,
    // maxRetries 0: a retry would hide what the first answer was (and send the request to Tollgate twice).
    openai: (headers = {}, key = KEYS.main) => new OpenAI({ apiKey: key, baseURL: `${envoy.url}/v1`, maxRetries: 0, timeout: 20_000, defaultHeaders: headers }),
    anthropic: (headers = {}, key = KEYS.main) => new Anthropic({ apiKey: key, baseURL: envoy.url, maxRetries: 0, timeout: 20_000, defaultHeaders: headers }),
    async mcpClient(tag, response, key = KEYS.main) {
      // Numbered per method, not per request: the SDK opens its GET stream concurrently with the next call.
      const counts = new Map<string, number>();
      const tagged = (url: string | URL, init?: RequestInit): Promise<Response> => {
        const headers = new Headers(init?.headers);
        const method = typeof init?.body === "string" ? methodOf(init.body) : (init?.method ?? "GET");
        const n = (counts.get(method) ?? 0) + 1;
        counts.set(method, n);
        headers.set("x-request-id", `${tag}.${method}.${n}`);
        return fetch(url, { ...init, headers });
      };
      const transport = new StreamableHTTPClientTransport(new URL(`${envoy.url}/mcp`), {
        fetch: tagged,
        requestInit: { headers: { authorization: `Bearer ${key}`, "x-mcp-response": response } },
      });
      const client = new Client({ name: "scenario-client", version: "1.0.0" });
      await client.connect(transport);
      clients.push(client);
      return client;
    },
    async close() {
      await Promise.all(clients.map((c) => c.close().catch(() => undefined)));
      await envoy.close();
      await tollgate.stop();
      await provider.close();
      await mcp.close();
    },
  };
}

function methodOf(body: string): string {
  try {
    const msg = JSON.parse(body) as { method?: unknown };
    return typeof msg.method === "string" ? msg.method.replace("/", "-") : "response";
  } catch {
    return "unparsable";
  }
}

/** Polls until `get` returns a value (spans end and audit records flush just after the client has its answer). */
export async function eventually<T>(get: () => T | undefined, what: string, timeoutMs = 10_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = get();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

export function auditRecords(file: string): SealedAuditRecord[] {
  let text: string;
  try {
    text = readFileSync(file, "utf8");
  } catch {
    return [];
  }
  return text
    .split("\n")
    .filter(Boolean)
    .map((l) => JSON.parse(l) as SealedAuditRecord);
}

/** The request's one audit record (fails if there are two), once it is on disk. */
export async function auditRecordOf(stack: Stack, requestId: string, timeoutMs = 10_000): Promise<SealedAuditRecord> {
  const records = await eventually(() => {
    const found = auditRecords(stack.auditFile).filter((r) => r.request_id === requestId);
    return found.length > 0 ? found : undefined;
  }, `the audit record of ${requestId}`, timeoutMs);
  if (records.length !== 1) throw new Error(`${records.length} audit records for ${requestId}, expected exactly one`);
  return records[0]!;
}

export function spanOf(stack: Stack, requestId: string): Promise<ReadableSpan> {
  return eventually(() => stack.spans.getFinishedSpans().find((s) => s.attributes["tollgate.request_id"] === requestId), `the span of ${requestId}`);
}

/** A span's events as plain objects (name + attributes), for toMatchObject. */
export function eventsOf(span: ReadableSpan): { name: string; attributes: Record<string, unknown> }[] {
  return span.events.map((e) => ({ name: e.name, attributes: { ...(e.attributes ?? {}) } }));
}

/** What reached the fake provider for a request id (every attempt), as parsed JSON bodies. */
export function providerBodies(stack: Stack, requestId: string): unknown[] {
  return stack.provider.received.filter((r) => r.headers["x-request-id"]?.[0] === requestId).map((r) => JSON.parse(r.body.toString("utf8")) as unknown);
}

/** Every byte the provider received, as text: for "this string never got there" assertions. */
export function allProviderBytes(stack: Stack): string {
  return stack.provider.received.map((r) => `${JSON.stringify(r.headers)}\n${r.body.toString("utf8")}`).join("\n");
}

/** The x-request-id Envoy sent Tollgate for a request (the emulator records every ext_proc message). */
export function requestIdOf(record: RequestRecord): string | undefined {
  const first = record.extProc.find((m) => m.direction === "sent" && m.kind === "request_headers")?.message as
    | { request_headers?: { headers?: { headers?: { key?: string; raw_value?: Buffer }[] } } }
    | undefined;
  const h = first?.request_headers?.headers?.headers?.find((x) => x.key === "x-request-id");
  return h?.raw_value?.toString("utf8");
}

/**
 * The emulator's record of the request the client tagged with x-request-id (also when ext_proc never saw it), once
 * the emulator is done with it: a client can hold its answer before the downstream response is marked finished.
 */
export async function emulatorRecordOf(stack: Stack, requestId: string): Promise<RequestRecord> {
  const found = stack.envoy.requests.filter((r) => {
    if (requestIdOf(r) === requestId) return true;
    const check = r.extAuthz?.request as { attributes?: { request?: { http?: { headers?: Record<string, string> } } } } | undefined;
    return check?.attributes?.request?.http?.headers?.["x-request-id"] === requestId;
  });
  if (found.length !== 1) throw new Error(`${found.length} emulator records for ${requestId}, expected one`);
  return stack.envoy.request(found[0]!.index);
}

/** The one request the provider received for a request id. */
export function receivedAt(stack: Stack, requestId: string): ReceivedRequest {
  const found = stack.provider.received.filter((r) => r.headers["x-request-id"]?.[0] === requestId);
  if (found.length !== 1) throw new Error(`the provider received ${found.length} requests for ${requestId}, expected one`);
  return found[0]!;
}
