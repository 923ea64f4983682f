import { Writable } from "node:stream";
import { describe, expect, it } from "vitest";
import { parseConfig } from "../../src/config/load.js";
import { buildRuntime } from "../../src/config/runtime.js";
import { Exchange } from "../../src/exchange/exchange.js";
import { createLogger } from "../../src/telemetry/logger.js";
import { createMetrics } from "../../src/telemetry/metrics.js";
import { createTracing } from "../../src/telemetry/tracing.js";
import { BASE_CONFIG, BASE_ENV, testServices } from "../helpers/tollgate.js";
import { body, chatRequestHeaders, immediateStatus, responseHeaders } from "../helpers/extproc-client.js";

const CONFIG = BASE_CONFIG.replace(
  '{ name: tools, match: { paths: ["/mcp"] }, providers: [mcp] }',
  '{ name: tools, match: { paths: ["/mcp"] }, providers: [mcp], tools: { allow: ["search_*", "read_file", "send_email"], deny: ["search_admin*"] } }',
).replace("cohort: team-a }", "cohort: team-a, tools: { deny: [send_email] } }");

async function exchange() {
  const runtime = await buildRuntime(parseConfig(CONFIG, "t.yaml", BASE_ENV), testServices());
  return new Exchange({
    runtime,
    logger: createLogger({ level: "silent", destination: new Writable({ write: (_c, _e, cb) => cb() }) }),
    metrics: createMetrics({ defaultMetrics: false }),
    tracing: createTracing({ exporter: "none", sample_ratio: 1, service_name: "t" }),
  });
}

const call = (id: number, name: string) => ({ jsonrpc: "2.0", id, method: "tools/call", params: { name, arguments: {} } });
const json = (b: Buffer | undefined) => JSON.parse(Buffer.from(b!).toString("utf8"));

describe("MCP tool control", () => {
  it("allows a tool the route and key permit", async () => {
    const ex = await exchange();
    await ex.process(chatRequestHeaders({}, "/mcp"));
    const r = await ex.process(body("request_body", call(1, "search_docs")));
    expect(r!.immediate_response).toBeUndefined();
  });

  it("denies with a JSON-RPC error when the route denies (deny wins) or the key denies", async () => {
    for (const tool of ["search_admin_users", "send_email", "delete_everything"]) {
      const ex = await exchange();
      await ex.process(chatRequestHeaders({}, "/mcp"));
      const r = await ex.process(body("request_body", call(9, tool)));
      expect(immediateStatus(r!)).toBe(200);
      expect(json(r!.immediate_response!.body)).toMatchObject({ jsonrpc: "2.0", id: 9, error: { code: -32001, data: { code: "tool_not_allowed" } } });
    }
  });

  it("takes denied items out of a batch and answers them in the response", async () => {
    const ex = await exchange();
    await ex.process(chatRequestHeaders({}, "/mcp"));
    const r = await ex.process(body("request_body", [call(1, "read_file"), call(2, "send_email")]));
    expect(json(r!.request_body!.response!.body_mutation!.body).map((m: { id: number }) => m.id)).toEqual([1]);
    await ex.process(responseHeaders(200, "application/json"));
    const resp = await ex.process(body("response_body", [{ jsonrpc: "2.0", id: 1, result: { content: [{ type: "text", text: "file" }] } }]));
    const merged = json(resp!.response_body!.response!.body_mutation!.body);
    expect(merged.map((m: { id: number }) => m.id)).toEqual([1, 2]);
    expect(merged[1].error.data.code).toBe("tool_not_allowed");
  });

  it("removes tools the caller may not use from tools/list, JSON and SSE", async () => {
    const tools = { tools: [{ name: "search_docs" }, { name: "send_email" }, { name: "rm_rf" }, { name: "read_file" }] };
    const ex = await exchange();
    await ex.process(chatRequestHeaders({}, "/mcp"));
    await ex.process(body("request_body", { jsonrpc: "2.0", id: 3, method: "tools/list" }));
    await ex.process(responseHeaders(200, "application/json"));
    const r = await ex.process(body("response_body", { jsonrpc: "2.0", id: 3, result: tools }));
    expect(json(r!.response_body!.response!.body_mutation!.body).result.tools.map((t: { name: string }) => t.name)).toEqual(["search_docs", "read_file"]);

    const sse = await exchange();
    await sse.process(chatRequestHeaders({}, "/mcp"));
    await sse.process(body("request_body", { jsonrpc: "2.0", id: 4, method: "tools/list" }));
    await sse.process(responseHeaders(200, "text/event-stream"));
    const s = await sse.process(body("response_body", `event: message\ndata: ${JSON.stringify({ jsonrpc: "2.0", id: 4, result: tools })}\n\n`, true));
    const text = Buffer.from(s!.response_body!.response!.body_mutation!.body!).toString();
    expect(text.startsWith("event: message\ndata: ")).toBe(true);
    expect(text).not.toContain("rm_rf");
    expect(text).not.toContain("send_email");
  });
});
