// MCP (JSON-RPC 2.0 over streamable HTTP) codec: requests single or batched, tool arguments as segments, tool
// results as context, errors as JSON-RPC error objects.
import type { Endpoint, McpCall, McpRequest, TextSegment } from "../exchange/model.js";
import type { Denial, StreamEvent } from "../policies/types.js";
import type { ParsedResponse, ProviderCodec } from "./codec.js";
import { jsonEvent, reserialize } from "./codec.js";
import { RequestParseError, arr, isObject, str, type JsonObject } from "./json.js";
import { formatSse } from "./sse.js";

/** Every string leaf of a tool's arguments, each its own segment, so redaction can rewrite it in place. */
function stringLeaves(value: unknown, path: (string | number)[], visit: (text: string, path: (string | number)[]) => void, depth = 0): void {
  if (depth > 32) return;
  if (typeof value === "string") visit(value, path);
  else if (Array.isArray(value)) value.forEach((v, i) => stringLeaves(v, [...path, i], visit, depth + 1));
  else if (isObject(value)) for (const [k, v] of Object.entries(value)) stringLeaves(v, [...path, k], visit, depth + 1);
}

export function isJsonRpc(body: unknown): boolean {
  const first = Array.isArray(body) ? body[0] : body;
  return isObject(first) && first.jsonrpc === "2.0";
}

function parseCall(item: unknown, index: number, batch: boolean, segments: TextSegment[]): McpCall {
  const base: (string | number)[] = batch ? [index] : [];
  const where = batch ? `[${index}]` : "";
  if (!isObject(item) || item.jsonrpc !== "2.0") throw new RequestParseError(`${where || "body"}: not a JSON-RPC 2.0 message`);
  const method = str(item.method);
  // Responses the client sends back to the server (to sampling/elicitation requests) have no method.
  if (method === undefined && item.result === undefined && item.error === undefined) {
    throw new RequestParseError(`${where || "body"}: JSON-RPC message has no method`);
  }
  const call: McpCall = { method: method ?? "", index };
  if ("id" in item) {
    const id = item.id;
    if (typeof id === "string" || typeof id === "number" || id === null) call.id = id;
  }
  if (method === "tools/call") {
    const params = isObject(item.params) ? item.params : undefined;
    const toolName = str(params?.name);
    if (!toolName) throw new RequestParseError(`${where || "body"}: tools/call needs params.name`);
    call.toolName = toolName;
    call.arguments = params?.arguments ?? {};
    stringLeaves(params?.arguments, [...base, "params", "arguments"], (text, path) =>
      segments.push({ kind: "tool_args", role: "user", index, toolName, text, path }),
    );
  }
  return call;
}

const JSONRPC = {
  parseError: -32700,
  invalidRequest: -32600,
  /** Implementation-defined server errors (-32000..-32099): one per kind of policy decision. */
  denied: -32001,
  rateLimited: -32002,
  unavailable: -32003,
} as const;

function rpcCode(denial: Denial): number {
  if (denial.code === "invalid_json") return JSONRPC.parseError;
  if (denial.status === 400) return JSONRPC.invalidRequest;
  if (denial.status === 429) return JSONRPC.rateLimited;
  if (denial.status >= 500) return JSONRPC.unavailable;
  return JSONRPC.denied;
}

function rpcError(denial: Denial, requestId: string, id: string | number | null): JsonObject {
  return { jsonrpc: "2.0", id, error: { code: rpcCode(denial), message: denial.message, data: { code: denial.code, request_id: requestId } } };
}

export const mcpCodec: ProviderCodec = {
  api: "mcp",
  parseRequest(endpoint: Endpoint, body: unknown): McpRequest {
    const batch = Array.isArray(body);
    const items = batch ? body : [body];
    if (items.length === 0) throw new RequestParseError("empty JSON-RPC batch");
    const segments: TextSegment[] = [];
    const calls = items.map((item, i) => parseCall(item, i, batch, segments));
    return { kind: "mcp", endpoint, batch, calls, segments, body };
  },
  parseResponse(_endpoint, body): ParsedResponse {
    const batch = Array.isArray(body);
    const segments: TextSegment[] = [];
    (batch ? arr(body) : [body]).forEach((msg, i) => {
      if (!isObject(msg) || !isObject(msg.result)) return;
      const base: (string | number)[] = batch ? [i, "result"] : ["result"];
      arr(msg.result.content).forEach((part, j) => {
        if (isObject(part) && typeof part.text === "string") {
          segments.push({ kind: "context", role: "tool", index: i, text: part.text, path: [...base, "content", j, "text"] });
        }
      });
    });
    return { segments };
  },
  parseStreamFrame(_endpoint, frame): StreamEvent {
    const event = jsonEvent(frame);
    const msg = event.data;
    if (isObject(msg) && isObject(msg.result)) {
      const text = arr(msg.result.content)
        .map((p) => (isObject(p) ? (str(p.text) ?? "") : ""))
        .join("");
      if (text) event.textDelta = text;
    }
    return event;
  },
  rewriteStreamText(_endpoint, event, text) {
    const msg = event.data;
    if (!isObject(msg) || !isObject(msg.result) || !Array.isArray(msg.result.content)) return event;
    // The first text part carries the rewritten text of all text parts.
    let placed = false;
    const content = msg.result.content.map((p) => {
      if (!isObject(p) || typeof p.text !== "string") return p;
      const next = { ...p, text: placed ? "" : text };
      placed = true;
      return next;
    });
    return placed ? reserialize(event, { ...msg, result: { ...msg.result, content } }, text) : event;
  },
  errorBody(denial, requestId, request) {
    // JSON-RPC errors ride on HTTP 200 so MCP clients surface them as typed errors; authentication and capacity
    // problems keep their HTTP status, as the MCP transport spec uses 401 and clients back off on 429/503.
    const keepStatus = denial.status === 401 || denial.status === 429 || denial.status >= 500;
    const status = keepStatus ? denial.status : 200;
    if (request?.kind === "mcp" && request.batch) {
      const errors = request.calls.filter((c) => c.id !== undefined).map((c) => rpcError(denial, requestId, c.id ?? null));
      return { contentType: "application/json", body: JSON.stringify(errors), status };
    }
    const id = request?.kind === "mcp" ? (request.calls[0]?.id ?? null) : null;
    return { contentType: "application/json", body: JSON.stringify(rpcError(denial, requestId, id)), status };
  },
  streamError(denial, requestId) {
    return formatSse(JSON.stringify(rpcError(denial, requestId, null)), "message");
  },
  credentialHeaders(secret) {
    return { authorization: `Bearer ${secret}` };
  },
};
