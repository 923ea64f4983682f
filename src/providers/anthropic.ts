// Anthropic Messages API codec: requests (text, tool_use, tool_result, document blocks), JSON responses, SSE events.
import type { ChatMessage, Endpoint, LlmRequest, Role, TextSegment, ToolCall, Usage } from "../exchange/model.js";
import type { Denial, StreamEvent } from "../policies/types.js";
import type { ParsedResponse, ProviderCodec } from "./codec.js";
import { emptyUsage, jsonEvent, reserialize } from "./codec.js";
import { RequestParseError, arr, isObject, num, str, type JsonObject } from "./json.js";
import { formatSse } from "./sse.js";

/** Text inside a content block: text blocks, tool results (retrieved context) and text documents. */
function blockSegments(block: unknown, role: Role, index: number, path: (string | number)[], toolNames: Map<string, string>): TextSegment[] {
  if (!isObject(block)) return [];
  const kind: TextSegment["kind"] = role === "assistant" ? "assistant" : "user";
  switch (block.type) {
    case "text":
      return typeof block.text === "string" ? [{ kind, role, index, text: block.text, path: [...path, "text"] }] : [];
    case "tool_result": {
      const toolName = toolNames.get(str(block.tool_use_id) ?? "");
      const named = toolName ? { toolName } : {};
      if (typeof block.content === "string") {
        return [{ kind: "context", role: "tool", index, text: block.content, path: [...path, "content"], ...named }];
      }
      return arr(block.content).flatMap((inner, j): TextSegment[] =>
        isObject(inner) && typeof inner.text === "string"
          ? [{ kind: "context", role: "tool", index, text: inner.text, path: [...path, "content", j, "text"], ...named }]
          : [],
      );
    }
    case "document": {
      const source = isObject(block.source) ? block.source : undefined;
      if (source?.type === "text" && typeof source.data === "string") {
        return [{ kind: "context", role, index, text: source.data, path: [...path, "source", "data"] }];
      }
      if (source?.type === "content") {
        return arr(source.content).flatMap((inner, j): TextSegment[] =>
          isObject(inner) && typeof inner.text === "string"
            ? [{ kind: "context", role, index, text: inner.text, path: [...path, "source", "content", j, "text"] }]
            : [],
        );
      }
      return [];
    }
    case "tool_use":
      // The model's own earlier tool call, replayed in history: its arguments are tool input.
      return [{ kind: "tool_args", role, index, text: JSON.stringify(block.input ?? {}), path: [...path, "input"], ...(str(block.name) ? { toolName: str(block.name)! } : {}) }];
    default:
      return [];
  }
}

function parseMessages(endpoint: Endpoint, body: JsonObject): LlmRequest {
  if (!Array.isArray(body.messages)) throw new RequestParseError("messages: Field required", "messages");
  const model = str(body.model);
  if (model === undefined) throw new RequestParseError("model: Field required", "model");
  const segments: TextSegment[] = [];
  if (typeof body.system === "string") {
    segments.push({ kind: "system", role: "system", index: -1, text: body.system, path: ["system"] });
  } else {
    arr(body.system).forEach((b, j) => {
      if (isObject(b) && typeof b.text === "string") segments.push({ kind: "system", role: "system", index: -1, text: b.text, path: ["system", j, "text"] });
    });
  }
  const toolNames = new Map<string, string>();
  const messages: ChatMessage[] = [];
  body.messages.forEach((m, i) => {
    if (!isObject(m)) throw new RequestParseError(`messages.${i}: Input should be an object`, `messages.${i}`);
    const role = str(m.role);
    if (role !== "user" && role !== "assistant") throw new RequestParseError(`messages.${i}.role: Input should be 'user' or 'assistant'`, `messages.${i}.role`);
    const toolCalls: ToolCall[] = [];
    let segs: TextSegment[];
    if (typeof m.content === "string") {
      segs = [{ kind: role, role, index: i, text: m.content, path: ["messages", i, "content"] }];
    } else if (Array.isArray(m.content)) {
      for (const block of m.content) {
        if (isObject(block) && block.type === "tool_use") {
          const id = str(block.id);
          const name = str(block.name) ?? "";
          if (id) toolNames.set(id, name);
          toolCalls.push({ ...(id ? { id } : {}), name, arguments: JSON.stringify(block.input ?? {}) });
        }
      }
      segs = m.content.flatMap((block, j) => blockSegments(block, role, i, ["messages", i, "content", j], toolNames));
    } else {
      throw new RequestParseError(`messages.${i}.content: Input should be a string or a list of blocks`, `messages.${i}.content`);
    }
    segments.push(...segs);
    messages.push({ role, text: segs.map((s) => s.text).join("\n"), toolCalls });
  });
  const systemText = segments.filter((s) => s.kind === "system").map((s) => s.text).join("\n");
  if (systemText) messages.unshift({ role: "system", text: systemText, toolCalls: [] });
  const maxTokens = num(body.max_tokens);
  const tools = arr(body.tools).flatMap((t) => (isObject(t) && typeof t.name === "string" ? [t.name] : []));
  return {
    kind: "llm",
    endpoint,
    model,
    stream: body.stream === true,
    ...(maxTokens !== undefined ? { maxTokens } : {}),
    includeUsage: true,
    messages,
    segments,
    tools,
    body,
  };
}

function usageFromAnthropic(u: unknown): Partial<Usage> | undefined {
  if (!isObject(u)) return undefined;
  const usage: Partial<Usage> = {};
  const input = num(u.input_tokens);
  const output = num(u.output_tokens);
  const cached = num(u.cache_read_input_tokens);
  if (input !== undefined) usage.inputTokens = input;
  if (output !== undefined) usage.outputTokens = output;
  if (cached !== undefined) usage.cachedInputTokens = cached;
  return usage;
}

function errorType(status: number): string {
  if (status === 429) return "rate_limit_error";
  if (status === 401) return "authentication_error";
  if (status === 403) return "permission_error";
  if (status === 404) return "not_found_error";
  if (status === 413) return "request_too_large";
  if (status === 529 || status === 503) return "overloaded_error";
  if (status >= 500) return "api_error";
  return "invalid_request_error";
}

function anthropicError(denial: Denial, requestId: string): JsonObject {
  return { type: "error", error: { type: errorType(denial.status), message: denial.message, code: denial.code }, request_id: requestId };
}

export const anthropicCodec: ProviderCodec = {
  api: "anthropic",
  parseRequest(endpoint, body) {
    if (!isObject(body)) throw new RequestParseError("request body must be a JSON object");
    return parseMessages(endpoint, body);
  },
  parseResponse(_endpoint, body): ParsedResponse {
    if (!isObject(body)) return { segments: [] };
    const segments: TextSegment[] = [];
    arr(body.content).forEach((block, j) => {
      if (isObject(block) && block.type === "text" && typeof block.text === "string") {
        segments.push({ kind: "assistant", role: "assistant", index: 0, text: block.text, path: ["content", j, "text"] });
      }
      if (isObject(block) && block.type === "tool_use") {
        segments.push({ kind: "tool_args", role: "assistant", index: 0, text: JSON.stringify(block.input ?? {}), path: ["content", j, "input"], ...(str(block.name) ? { toolName: str(block.name)! } : {}) });
      }
    });
    const partial = usageFromAnthropic(body.usage);
    return { segments, ...(partial ? { usage: { ...emptyUsage(), ...partial } } : {}) };
  },
  parseStreamFrame(_endpoint, frame): StreamEvent {
    const event = jsonEvent(frame);
    const data = event.data;
    if (!isObject(data)) return event;
    switch (data.type) {
      case "message_start": {
        const usage = isObject(data.message) ? usageFromAnthropic(data.message.usage) : undefined;
        if (usage) event.usage = usage;
        break;
      }
      case "content_block_delta":
        if (isObject(data.delta) && data.delta.type === "text_delta" && typeof data.delta.text === "string") event.textDelta = data.delta.text;
        break;
      case "message_delta": {
        const usage = usageFromAnthropic(data.usage);
        if (usage) event.usage = usage;
        break;
      }
      case "message_stop":
        event.terminal = true;
        break;
    }
    return event;
  },
  rewriteStreamText(_endpoint, event, text) {
    const data = event.data;
    if (!isObject(data) || data.type !== "content_block_delta" || !isObject(data.delta) || typeof data.delta.text !== "string") return event;
    return reserialize(event, { ...data, delta: { ...data.delta, text } }, text);
  },
  errorBody(denial, requestId) {
    return { contentType: "application/json", body: JSON.stringify(anthropicError(denial, requestId)) };
  },
  streamError(denial, requestId) {
    // Anthropic ends a failed stream with an `error` event; no message_stop follows.
    return formatSse(JSON.stringify(anthropicError(denial, requestId)), "error");
  },
  credentialHeaders(secret) {
    // The client's own anthropic-version header passes through: it chose the API version it speaks.
    return { "x-api-key": secret };
  },
};
