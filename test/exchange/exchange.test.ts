import { Writable } from "node:stream";
import { describe, expect, it } from "vitest";
import { parseConfig } from "../../src/config/load.js";
import { buildRuntime } from "../../src/config/runtime.js";
import { Exchange } from "../../src/exchange/exchange.js";
import { createLogger } from "../../src/telemetry/logger.js";
import { createMetrics } from "../../src/telemetry/metrics.js";
import { createTracing } from "../../src/telemetry/tracing.js";
import type { Policy } from "../../src/policies/types.js";
import type { ProcessingResponse } from "../../src/envoy/types.js";
import { BASE_CONFIG, BASE_ENV, testServices } from "../helpers/tollgate.js";
import { CHAT_BODY, body, chatRequestHeaders, headers, immediateStatus, mutationOf, responseHeaders } from "../helpers/extproc-client.js";

const tracing = createTracing({ exporter: "none", sample_ratio: 1, service_name: "t" });
const services = testServices();
const quiet = createLogger({ level: "silent", destination: new Writable({ write: (_c, _e, cb) => cb() }) });

async function exchange(extra: Policy[] = [], yaml = BASE_CONFIG) {
  const runtime = await buildRuntime(parseConfig(yaml, "t.yaml", BASE_ENV), services);
  const metrics = createMetrics({ defaultMetrics: false });
  return { ex: new Exchange({ runtime: { ...runtime, policies: [...runtime.policies, ...extra] }, logger: quiet, metrics, tracing }), metrics };
}

const sleepy = (ms: number): Policy => ({ name: "sleepy", requestBody: () => new Promise((r) => setTimeout(() => r({ verdict: "continue" }), ms)) });
const bodyText = (r: ProcessingResponse | undefined) => Buffer.from(r!.immediate_response!.body!).toString("utf8");

describe("exchange: policy time budget and fail modes", () => {
  it("fails closed with a 503 in the client's shape when a policy overruns", async () => {
    const { ex, metrics } = await exchange([sleepy(400)], `${BASE_CONFIG}\nserver: { phase_budget_ms: 30 }\n`);
    await ex.process(chatRequestHeaders());
    const r = await ex.process(body("request_body", CHAT_BODY));
    expect(immediateStatus(r!)).toBe(503);
    expect(JSON.parse(bodyText(r)).error.code).toBe("policy_unavailable");
    const failures = await metrics.policyFailures.get();
    expect(failures.values[0]).toMatchObject({ labels: { policy: "sleepy", phase: "request_body", fail_mode: "closed", reason: "timeout" }, value: 1 });
  });

  it("skips the failing policy when the route fails open, keeping the routing it already did", async () => {
    const yaml = `${BASE_CONFIG.replace("fail_mode: closed", "fail_mode: open")}\nserver: { phase_budget_ms: 30 }\n`;
    const thrower: Policy = { name: "thrower", requestBody: () => { throw new Error("boom"); } };
    for (const p of [sleepy(400), thrower]) {
      const { ex } = await exchange([p], yaml);
      await ex.process(chatRequestHeaders());
      const r = await ex.process(body("request_body", CHAT_BODY));
      expect(r!.immediate_response).toBeUndefined();
      expect(mutationOf(r!).set["x-tollgate-cluster"]).toBe("openai");
    }
  });
});

describe("exchange: request rewriting", () => {
  it("rebuilds the body and its content-length when a policy changes it, and applies model_override", async () => {
    const yaml = BASE_CONFIG.replace("providers: [openai], fail_mode: closed", "providers: [openai], fail_mode: closed, model_override: gpt-4.1");
    const { ex } = await exchange([], yaml);
    await ex.process(chatRequestHeaders());
    const r = await ex.process(body("request_body", CHAT_BODY));
    const newBody = Buffer.from(r!.request_body!.response!.body_mutation!.body!);
    expect(JSON.parse(newBody.toString()).model).toBe("gpt-4.1");
    expect(mutationOf(r!).set["content-length"]).toBe(String(newBody.length));
  });

  it("never forwards the client's key or forged internal headers", async () => {
    const { ex } = await exchange();
    await ex.process(chatRequestHeaders({ "x-api-key": "client", "x-tollgate-key-id": "admin" }, "/v1/messages"));
    const r = await ex.process(body("request_body", { model: "claude-x", max_tokens: 5, messages: [{ role: "user", content: "hi" }] }));
    const m = mutationOf(r!);
    expect(m.set["x-api-key"]).toBe("sk-ant-provider");
    expect(m.remove).toEqual(expect.arrayContaining(["authorization", "x-tollgate-key-id"]));
    expect(m.remove).not.toContain("x-api-key");
  });

  it("enforces the key's allowed routes", async () => {
    const yaml = BASE_CONFIG.replace("cohort: team-a }", "cohort: team-a, routes: [tools] }");
    const { ex } = await exchange([], yaml);
    await ex.process(chatRequestHeaders());
    const r = await ex.process(body("request_body", CHAT_BODY));
    expect(immediateStatus(r!)).toBe(403);
    expect(JSON.parse(bodyText(r)).error.code).toBe("route_not_allowed");
  });

  it("refuses with 503 when the provider's credential is missing", async () => {
    const runtime = await buildRuntime(parseConfig(BASE_CONFIG, "t.yaml", {}), services);
    const ex = new Exchange({ runtime, logger: quiet, metrics: createMetrics({ defaultMetrics: false }), tracing });
    await ex.process(chatRequestHeaders());
    const r = await ex.process(body("request_body", CHAT_BODY));
    expect(immediateStatus(r!)).toBe(503);
  });

  it("routes a bodiless MCP request at headers", async () => {
    const { ex } = await exchange();
    const r = await ex.process({
      request_headers: { headers: headers({ ":method": "GET", ":path": "/mcp", "mcp-session-id": "s1", authorization: "Bearer test-key" }), end_of_stream: true },
    });
    expect(mutationOf(r!).set["x-tollgate-cluster"]).toBe("mcp_tools");
    expect(r!.request_headers!.response!.clear_route_cache).toBe(true);
  });

  it("recognises MCP by its JSON-RPC body on any path, and passes unknown paths when configured", async () => {
    const yaml = `${BASE_CONFIG.replace('paths: ["/mcp"]', 'paths: ["/tools/*"]')}\nunknown_paths: pass\n`;
    const { ex } = await exchange([], yaml);
    await ex.process(chatRequestHeaders({}, "/tools/rpc"));
    const r = await ex.process(body("request_body", { jsonrpc: "2.0", id: 1, method: "tools/list" }));
    expect(mutationOf(r!).set["x-tollgate-cluster"]).toBe("mcp_tools");
    const other = (await exchange([], yaml)).ex;
    await other.process(chatRequestHeaders({}, "/static/logo.png"));
    const passed = await other.process(body("request_body", "binary?"));
    expect(passed!.request_body!.response).toEqual({});
  });

  it("refuses a body over the size limit with 413", async () => {
    const { ex } = await exchange([], `${BASE_CONFIG}\nserver: { max_body_bytes: 100 }\n`);
    await ex.process(chatRequestHeaders());
    const r = await ex.process(body("request_body", { ...CHAT_BODY, pad: "x".repeat(200) }));
    expect(immediateStatus(r!)).toBe(413);
  });
});

describe("exchange: response policies", () => {
  it("ends a stream with an error event when a stream policy terminates it, and clears later chunks", async () => {
    const cutter: Policy = {
      name: "cutter",
      responseStream: (_ctx, events) =>
        events.some((e) => e.textDelta?.includes("secret"))
          ? { events: [], terminate: { status: 403, code: "guardrail_blocked", message: "blocked" } }
          : { events },
    };
    const { ex } = await exchange([cutter]);
    await ex.process(chatRequestHeaders());
    await ex.process(body("request_body", { ...CHAT_BODY, stream: true }));
    await ex.process(responseHeaders(200, "text/event-stream"));
    const ok = await ex.process(body("response_body", 'data: {"choices":[{"delta":{"content":"fine"}}]}\n\n', false));
    expect(ok!.response_body!.response).toEqual({});
    const cut = await ex.process(body("response_body", 'data: {"choices":[{"delta":{"content":"the secret"}}]}\n\n', false));
    const text = Buffer.from(cut!.response_body!.response!.body_mutation!.body!).toString();
    expect(text).not.toContain("the secret");
    expect(text).toMatch(/"code":"guardrail_blocked"[\s\S]*\[DONE\]/);
    const after = await ex.process(body("response_body", "data: [DONE]\n\n", true));
    expect(after!.response_body!.response!.body_mutation!.clear_body).toBe(true);
  });

  it("replaces a buffered response with an error when a policy denies it", async () => {
    const denier: Policy = { name: "denier", responseBody: () => ({ verdict: "deny", denial: { status: 400, code: "guardrail_blocked", message: "pii" } }) };
    const { ex } = await exchange([denier]);
    await ex.process(chatRequestHeaders());
    await ex.process(body("request_body", CHAT_BODY));
    await ex.process(responseHeaders(200, "application/json"));
    const r = await ex.process(body("response_body", { choices: [{ message: { content: "card 4111" } }] }));
    expect(immediateStatus(r!)).toBe(400);
  });
});
