// Tollgate through the Envoy emulator, driven by the official client SDKs (issue 4, item 6): what a client sees,
// streamed or not, is parsed by the libraries real users run. Each scenario also checks the other side of the
// gateway — what reached the provider or the MCP server — and the one audit record the request left.
import Anthropic from "@anthropic-ai/sdk";
import { StreamableHTTPError } from "@modelcontextprotocol/sdk/client/streamableHttp.js";
import OpenAI from "openai";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { extProcSequence } from "../harness/index.js";
import { KEYS, PROVIDER_SECRET, auditRecordOf, emulatorRecordOf, providerBodies, receivedAt, spanOf, startStack, type Stack } from "./stack.js";

let s: Stack;
beforeAll(async () => {
  s = await startStack();
});
afterAll(async () => {
  await s?.close();
});

/** The provider-side request must carry Tollgate's credential and routing, and nothing of the client's key. */
function expectProviderSawOnlyTollgatesCredential(requestId: string, authHeader: "authorization" | "x-api-key"): void {
  const r = receivedAt(s, requestId);
  expect(r.headers["host"]).toEqual(["fake-provider.local"]);
  expect(r.headers[authHeader]).toEqual([authHeader === "authorization" ? `Bearer ${PROVIDER_SECRET}` : PROVIDER_SECRET]);
  expect(JSON.stringify(r.headers)).not.toContain(KEYS.main);
  expect(Object.keys(r.headers).filter((h) => h.startsWith("x-tollgate-"))).toEqual([]);
}

describe("OpenAI SDK", () => {
  it("chat completion (JSON): the answer, the provider's request and the audit record", async () => {
    const id = "sdk-openai-json";
    const client = s.openai({ "x-test-content": "Bonjour ! Comment allez-vous ?", "x-test-usage": "12,7" });
    const res = await client.chat.completions.create({ model: "fake-gpt", messages: [{ role: "user", content: "Say hello in French." }] }, { headers: { "x-request-id": id } });
    expect(res.choices[0]?.message.content).toBe("Bonjour ! Comment allez-vous ?");
    expect(res.usage).toMatchObject({ prompt_tokens: 12, completion_tokens: 7 });

    expect(providerBodies(s, id)).toEqual([{ model: "fake-gpt", messages: [{ role: "user", content: "Say hello in French." }] }]);
    expect(receivedAt(s, id).path).toBe("/v1/chat/completions");
    expectProviderSawOnlyTollgatesCredential(id, "authorization");

    const record = await emulatorRecordOf(s, id);
    expect(extProcSequence(record)).toEqual([
      "→request_headers", "←request_headers", "→request_body", "←request_body",
      "→response_headers", "←response_headers", "→response_body", "←response_body",
    ]);
    expect(record.route).toEqual({ cluster: "fake_provider", recomputed: true });

    expect(await auditRecordOf(s, id)).toMatchObject({
      principal: { key_id: "scenario", cohort: "qa" },
      route: "chat",
      provider: "fake-openai",
      model: "fake-gpt",
      endpoint: "chat_completions",
      status: 200,
      outcome: "completed",
      decisions: [],
      usage: { input_tokens: 12, output_tokens: 7 },
    });
    expect((await spanOf(s, id)).attributes).toMatchObject({ "gen_ai.request.model": "fake-gpt", "gen_ai.usage.input_tokens": 12, "gen_ai.usage.output_tokens": 7 });
  });

  it("chat completion (streamed): chunk by chunk through mode_override STREAMED, ending with the SDK's stream", async () => {
    const id = "sdk-openai-stream";
    const content = "Streaming works through Envoy and Tollgate.";
    const client = s.openai({ "x-test-content": content, "x-test-chunk-size": "6", "x-test-chunk-delay-ms": "5", "x-test-usage": "9,8" });
    const stream = await client.chat.completions.create({ model: "fake-gpt", stream: true, messages: [{ role: "user", content: "Tell me about streaming." }] }, { headers: { "x-request-id": id } });
    const deltas: string[] = [];
    let finish: string | null | undefined;
    for await (const chunk of stream) {
      const choice = chunk.choices[0];
      if (choice?.delta.content) deltas.push(choice.delta.content);
      if (choice?.finish_reason) finish = choice.finish_reason;
    }
    expect(deltas.join("")).toBe(content);
    expect(deltas.length).toBeGreaterThan(1);
    expect(finish).toBe("stop");

    const record = await emulatorRecordOf(s, id);
    const headersReply = record.extProc.find((m) => m.direction === "received" && m.kind === "response_headers");
    expect(headersReply?.message).toMatchObject({ mode_override: { response_body_mode: "STREAMED" } });
    expect(extProcSequence(record).filter((x) => x === "→response_body").length).toBeGreaterThan(1);
    expect(await auditRecordOf(s, id)).toMatchObject({ outcome: "completed", status: 200, usage: { input_tokens: 9, output_tokens: 8 } });
  });

  it("a key Tollgate does not know: AuthenticationError from ext_authz, the provider never called", async () => {
    const id = "sdk-openai-badkey";
    const err = await s
      .openai({}, "tg-not-a-real-key")
      .chat.completions.create({ model: "fake-gpt", messages: [{ role: "user", content: "hi" }] }, { headers: { "x-request-id": id } })
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(OpenAI.AuthenticationError);
    expect((err as InstanceType<typeof OpenAI.AuthenticationError>).status).toBe(401);
    const record = await emulatorRecordOf(s, id);
    // Envoy's ext_authz denied it: ext_proc never saw the request, the router never ran.
    expect(record.extProc).toEqual([]);
    expect(record.upstream).toEqual([]);
    expect(s.provider.received.filter((r) => r.headers["x-request-id"]?.[0] === id)).toEqual([]);
  });

  // A request ext_authz refuses never reaches ext_proc: Tollgate's Check writes its one audit record.
  it("a request refused by ext_authz still leaves its one audit record", async () => {
    const id = "sdk-openai-badkey-audit";
    await s.openai({}, "tg-not-a-real-key").chat.completions.create({ model: "fake-gpt", messages: [{ role: "user", content: "hi" }] }, { headers: { "x-request-id": id } }).catch(() => undefined);
    expect(await auditRecordOf(s, id, 2000)).toMatchObject({ outcome: "denied", status: 401 });
  });

  it("a malformed body (a client that cut its JSON short): BadRequestError invalid_json, the provider never called", async () => {
    const id = "sdk-openai-malformed";
    const truncating = (url: string | URL | Request, init?: RequestInit): Promise<Response> =>
      fetch(url, { ...init, body: typeof init?.body === "string" ? init.body.slice(0, -7) : init?.body ?? null });
    const client = new OpenAI({ apiKey: KEYS.main, baseURL: `${s.envoy.url}/v1`, maxRetries: 0, fetch: truncating });
    const err = await client.chat.completions.create({ model: "fake-gpt", messages: [{ role: "user", content: "hi" }] }, { headers: { "x-request-id": id } }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(OpenAI.BadRequestError);
    const bad = err as InstanceType<typeof OpenAI.BadRequestError>;
    expect(bad.code).toBe("invalid_json");
    expect(bad.requestID).toBe(id);
    expect(providerBodies(s, id)).toEqual([]);
    expect(await auditRecordOf(s, id)).toMatchObject({ outcome: "denied", status: 400, decisions: [{ policy: "exchange", action: "deny", code: "invalid_json" }] });
  });

  it("a well-formed body that is not a chat request: BadRequestError invalid_request", async () => {
    const id = "sdk-openai-invalid";
    const err = await s
      .openai()
      .post("/chat/completions", { body: { model: "fake-gpt", messages: "not a list" }, headers: { "x-request-id": id } })
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(OpenAI.BadRequestError);
    expect((err as InstanceType<typeof OpenAI.BadRequestError>).code).toBe("invalid_request");
    expect(providerBodies(s, id)).toEqual([]);
  });

  it("an unknown path: NotFoundError unknown_endpoint, nothing forwarded", async () => {
    const id = "sdk-openai-unknown";
    const err = await s.openai().models.list({ headers: { "x-request-id": id } }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(OpenAI.NotFoundError);
    expect((err as InstanceType<typeof OpenAI.NotFoundError>).code).toBe("unknown_endpoint");
    expect((await emulatorRecordOf(s, id)).upstream).toEqual([]);
    expect(await auditRecordOf(s, id)).toMatchObject({ outcome: "denied", status: 404, route: null, endpoint: null });
  });

  it("an unknown path with a JSON body is refused the same way (the body does not make it a known API)", async () => {
    const id = "sdk-openai-unknown-post";
    const err = await s.openai().post("/fine_tuning/jobs", { body: { model: "fake-gpt", training_file: "file-1" }, headers: { "x-request-id": id } }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(OpenAI.NotFoundError);
    expect((await emulatorRecordOf(s, id)).upstream).toEqual([]);
  });
});

describe("Anthropic SDK", () => {
  it("messages (JSON): the answer, Tollgate's x-api-key upstream, the audit record", async () => {
    const id = "sdk-anthropic-json";
    const client = s.anthropic({ "x-test-content": "Paris is the capital of France.", "x-test-usage": "15,6" });
    const msg = await client.messages.create({ model: "claude-fake", max_tokens: 64, messages: [{ role: "user", content: "What is the capital of France?" }] }, { headers: { "x-request-id": id } });
    expect(msg.content).toEqual([{ type: "text", text: "Paris is the capital of France." }]);
    expect(msg.stop_reason).toBe("end_turn");
    expect(providerBodies(s, id)).toEqual([{ model: "claude-fake", max_tokens: 64, messages: [{ role: "user", content: "What is the capital of France?" }] }]);
    expect(receivedAt(s, id).path).toBe("/v1/messages");
    expect(receivedAt(s, id).headers["anthropic-version"]).toBeDefined();
    expectProviderSawOnlyTollgatesCredential(id, "x-api-key");
    expect(await auditRecordOf(s, id)).toMatchObject({ route: "claude", provider: "fake-anthropic", endpoint: "messages", outcome: "completed", usage: { input_tokens: 15, output_tokens: 6 } });
  });

  it("messages (streamed): text events and the final message, assembled by the SDK's MessageStream", async () => {
    const id = "sdk-anthropic-stream";
    const content = "Streams arrive as named events, one delta at a time.";
    const client = s.anthropic({ "x-test-content": content, "x-test-chunk-size": "7", "x-test-chunk-delay-ms": "5", "x-test-usage": "10,11" });
    const stream = client.messages.stream({ model: "claude-fake", max_tokens: 64, messages: [{ role: "user", content: "Describe streaming." }] }, { headers: { "x-request-id": id } });
    const texts: string[] = [];
    stream.on("text", (t) => texts.push(t));
    const final = await stream.finalMessage();
    expect(texts.join("")).toBe(content);
    expect(texts.length).toBeGreaterThan(1);
    expect(final.content).toHaveLength(1);
    expect(final.content[0]).toMatchObject({ type: "text", text: content });
    expect(final.stop_reason).toBe("end_turn");
    expect(final.usage.output_tokens).toBe(11);
    expect(await auditRecordOf(s, id)).toMatchObject({ endpoint: "messages", outcome: "completed", usage: { input_tokens: 10, output_tokens: 11 } });
  });

  it("a key Tollgate does not know: AuthenticationError", async () => {
    const err = await s.anthropic({}, "sk-ant-wrong").messages.create({ model: "claude-fake", max_tokens: 8, messages: [{ role: "user", content: "hi" }] }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(Anthropic.AuthenticationError);
    expect((err as InstanceType<typeof Anthropic.AuthenticationError>).status).toBe(401);
  });

  it("a key not allowed on the route: PermissionDeniedError route_not_allowed, decided in ext_proc and audited", async () => {
    const id = "sdk-anthropic-route";
    const err = await s
      .anthropic({}, KEYS.chatOnly)
      .messages.create({ model: "claude-fake", max_tokens: 8, messages: [{ role: "user", content: "hi" }] }, { headers: { "x-request-id": id } })
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(Anthropic.PermissionDeniedError);
    expect(JSON.stringify((err as InstanceType<typeof Anthropic.PermissionDeniedError>).error)).toContain("route_not_allowed");
    expect(providerBodies(s, id)).toEqual([]);
    expect(await auditRecordOf(s, id)).toMatchObject({ principal: { key_id: "chat-only" }, outcome: "denied", status: 403 });
  });

  it("a malformed body: BadRequestError in Anthropic's error shape", async () => {
    const truncating = (url: string | URL | Request, init?: RequestInit): Promise<Response> =>
      fetch(url, { ...init, body: typeof init?.body === "string" ? init.body.slice(0, -3) : init?.body ?? null });
    const client = new Anthropic({ apiKey: KEYS.main, baseURL: s.envoy.url, maxRetries: 0, fetch: truncating });
    const err = await client.messages.create({ model: "claude-fake", max_tokens: 8, messages: [{ role: "user", content: "hi" }] }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(Anthropic.BadRequestError);
    expect((err as InstanceType<typeof Anthropic.BadRequestError>).error).toMatchObject({ type: "error", error: { type: "invalid_request_error", code: "invalid_json" } });
  });
});

describe("MCP SDK (Client → emulator → Tollgate → McpServer)", () => {
  it("tools/list and tools/call with JSON responses: the caller sees only the tools it may use", async () => {
    const client = await s.mcpClient("mcp-json", "json");
    const { tools } = await client.listTools();
    // The server offers four; the route allows search_*/read_* (delete_* is denied, admin_* never allowed).
    expect(tools.map((t) => t.name).sort()).toEqual(["read_file", "search_docs"]);
    const result = await client.callTool({ name: "search_docs", arguments: { query: "refund policy" } });
    expect(result.content).toEqual([{ type: "text", text: '3 documents match "refund policy".' }]);
    expect(s.mcp.toolCalls().filter((c) => c.tool === "search_docs").at(-1)?.arguments).toEqual({ query: "refund policy" });
    expect(await auditRecordOf(s, "mcp-json.tools-call.1")).toMatchObject({ route: "tools", provider: "fake-mcp", endpoint: "mcp", tools: ["search_docs"], outcome: "completed", status: 200 });
  });

  it("tools/call with an SSE response", async () => {
    const client = await s.mcpClient("mcp-sse", "sse");
    const result = await client.callTool({ name: "read_file", arguments: { path: "/docs/notes.txt" } });
    expect(result.content).toEqual([{ type: "text", text: "Contents of /docs/notes.txt: release notes for version 2." }]);
    const record = await emulatorRecordOf(s, "mcp-sse.tools-call.1");
    const headersReply = record.extProc.find((m) => m.direction === "received" && m.kind === "response_headers");
    expect(headersReply?.message).toMatchObject({ mode_override: { response_body_mode: "STREAMED" } });
    expect(await auditRecordOf(s, "mcp-sse.tools-call.1")).toMatchObject({ tools: ["read_file"], outcome: "completed" });
  });

  it("a key Tollgate does not know cannot even initialize (HTTP 401)", async () => {
    const err = await s.mcpClient("mcp-badkey", "json", "tg-wrong").catch((e: unknown) => e);
    expect(err).toBeInstanceOf(StreamableHTTPError);
    expect((err as StreamableHTTPError).code).toBe(401);
  });

  // /mcp is MCP by its route, so a body that does not parse is answered as JSON-RPC does: -32700.
  // JSON-RPC 2.0 §5: when the request cannot be parsed, the error's id is null (the MCP SDK's JSONRPCErrorSchema
  // only admits string or number ids, so the body is checked against the spec, not that schema).
  it("a malformed JSON-RPC body gets a JSON-RPC parse error", async () => {
    const res = await fetch(`${s.envoy.url}/mcp`, {
      method: "POST",
      headers: { authorization: `Bearer ${KEYS.main}`, "content-type": "application/json", accept: "application/json, text/event-stream" },
      body: '{"jsonrpc":"2.0","id":7,"method":"tools/call"',
    });
    const body: unknown = await res.json();
    expect(res.status).toBe(200);
    expect(body).toMatchObject({ jsonrpc: "2.0", id: null, error: { code: -32700, data: { code: "invalid_json" } } });
  });
});
