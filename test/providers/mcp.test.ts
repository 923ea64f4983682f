import { describe, expect, it } from "vitest";
import { isJsonRpc, mcpCodec } from "../../src/providers/mcp.js";
import type { McpRequest } from "../../src/exchange/model.js";
import { MCP_ENDPOINT } from "../../src/exchange/endpoints.js";

describe("MCP codec", () => {
  it("parses tools/call with each string argument as its own segment", () => {
    const r = mcpCodec.parseRequest(MCP_ENDPOINT, {
      jsonrpc: "2.0",
      id: 7,
      method: "tools/call",
      params: { name: "send_email", arguments: { to: "a@b.c", body: { text: "hello" }, n: 3 } },
    }) as McpRequest;
    expect(r.calls).toEqual([{ id: 7, method: "tools/call", toolName: "send_email", arguments: { to: "a@b.c", body: { text: "hello" }, n: 3 }, index: 0 }]);
    expect(r.segments.map((s) => [s.text, s.path.join("."), s.toolName])).toEqual([
      ["a@b.c", "params.arguments.to", "send_email"],
      ["hello", "params.arguments.body.text", "send_email"],
    ]);
  });

  it("handles batches item by item and rejects what is not JSON-RPC", () => {
    const r = mcpCodec.parseRequest(MCP_ENDPOINT, [
      { jsonrpc: "2.0", id: 1, method: "tools/list" },
      { jsonrpc: "2.0", method: "notifications/initialized" },
    ]) as McpRequest;
    expect(r.batch).toBe(true);
    expect(r.calls.map((c) => [c.method, c.id])).toEqual([["tools/list", 1], ["notifications/initialized", undefined]]);
    expect(() => mcpCodec.parseRequest(MCP_ENDPOINT, [])).toThrow(/empty/);
    expect(() => mcpCodec.parseRequest(MCP_ENDPOINT, { id: 1, method: "x" })).toThrow(/JSON-RPC 2.0/);
    expect(() => mcpCodec.parseRequest(MCP_ENDPOINT, { jsonrpc: "2.0", id: 1, method: "tools/call", params: {} })).toThrow(/params\.name/);
    expect(isJsonRpc({ jsonrpc: "2.0", method: "x" })).toBe(true);
    expect(isJsonRpc({ model: "x" })).toBe(false);
  });

  it("answers denials as JSON-RPC errors on HTTP 200, one per request in a batch", () => {
    const req = mcpCodec.parseRequest(MCP_ENDPOINT, [
      { jsonrpc: "2.0", id: "a", method: "tools/call", params: { name: "x" } },
      { jsonrpc: "2.0", method: "notifications/x" },
    ]);
    const e = mcpCodec.errorBody({ status: 403, code: "tool_not_allowed", message: "no" }, "rid", req);
    expect(e.status).toBe(200);
    expect(JSON.parse(e.body)).toEqual([{ jsonrpc: "2.0", id: "a", error: { code: -32001, message: "no", data: { code: "tool_not_allowed", request_id: "rid" } } }]);
    expect(mcpCodec.errorBody({ status: 401, code: "missing_api_key", message: "m" }, "r").status).toBe(401);
  });
});
