// OpenAI API codec: chat completions, completions, embeddings, responses — requests, JSON responses, SSE chunks.
import type { ChatMessage, Endpoint, LlmRequest, Role, TextSegment, ToolCall, Usage } from "../exchange/model.js";
import type { Denial, StreamEvent } from "../policies/types.js";
import type { ErrorBody, ParsedResponse, ProviderCodec } from "./codec.js";
import { emptyUsage, jsonEvent, reserialize } from "./codec.js";
import { RequestParseError, arr, isObject, num, str, type JsonObject } from "./json.js";
import { formatSse, type SseFrame } from "./sse.js";

const ROLES = new Set<Role>(["system", "developer", "user", "assistant", "tool"]);

function segmentKind(role: Role): TextSegment["kind"] {
  if (role === "system" || role === "developer") return "system";
  if (role === "tool") return "context";
  return role;
}

/** Message content is a string or an array of parts; text parts become one segment each. */
function contentSegments(content: unknown, role: Role, index: number, base: (string | number)[]): TextSegment[] {
  const kind = segmentKind(role);
  if (typeof content === "string") return [{ kind, role, index, text: content, path: base }];
  return arr(content).flatMap((part, j): TextSegment[] => {
    if (!isObject(part)) return [];
    const text = str(part.text);
    return text === undefined ? [] : [{ kind, role, index, text, path: [...base, j, "text"] }];
  });
}

function parseChat(endpoint: Endpoint, body: JsonObject): LlmRequest {
  if (!Array.isArray(body.messages)) throw new RequestParseError("'messages' must be an array", "messages");
  const messages: ChatMessage[] = [];
  const segments: TextSegment[] = [];
  body.messages.forEach((m, i) => {
    if (!isObject(m)) throw new RequestParseError(`messages[${i}] must be an object`, `messages[${i}]`);
    const role = str(m.role) as Role | undefined;
    if (!role || !ROLES.has(role)) throw new RequestParseError(`messages[${i}].role is missing or unknown`, `messages[${i}].role`);
    const segs = contentSegments(m.content, role, i, ["messages", i, "content"]);
    const toolCalls: ToolCall[] = arr(m.tool_calls).flatMap((tc): ToolCall[] => {
      if (!isObject(tc) || !isObject(tc.function)) return [];
      const name = str(tc.function.name) ?? "";
      const id = str(tc.id);
      return [{ ...(id ? { id } : {}), name, arguments: str(tc.function.arguments) ?? "" }];
    });
    segments.push(...segs);
    const toolCallId = str(m.tool_call_id);
    messages.push({ role, text: segs.map((s) => s.text).join("\n"), toolCalls, ...(toolCallId ? { toolCallId } : {}) });
  });
  return baseRequest(endpoint, body, messages, segments, num(body.max_completion_tokens) ?? num(body.max_tokens));
}

function baseRequest(
  endpoint: Endpoint,
  body: JsonObject,
  messages: ChatMessage[],
  segments: TextSegment[],
  maxTokens: number | undefined,
): LlmRequest {
  const model = str(body.model);
  if (body.model !== undefined && model === undefined) throw new RequestParseError("'model' must be a string", "model");
  const streamOptions = isObject(body.stream_options) ? body.stream_options : undefined;
  const tools = arr(body.tools).flatMap((t) => {
    if (!isObject(t)) return [];
    const name = isObject(t.function) ? str(t.function.name) : str(t.name);
    return name ? [name] : [];
  });
  return {
    kind: "llm",
    endpoint,
    ...(model !== undefined ? { model } : {}),
    stream: body.stream === true,
    ...(maxTokens !== undefined ? { maxTokens } : {}),
    includeUsage: streamOptions?.include_usage === true,
    messages,
    segments,
    tools,
    body,
  };
}

/** Completions' prompt and embeddings' input: a string or an array of strings (token arrays carry no text). */
function stringOrList(body: JsonObject, key: string): TextSegment[] {
  const value = body[key];
  if (typeof value === "string") return [{ kind: "user", role: "user", index: 0, text: value, path: [key] }];
  return arr(value).flatMap((v, i): TextSegment[] =>
    typeof v === "string" ? [{ kind: "user", role: "user", index: i, text: v, path: [key, i] }] : [],
  );
}

function parseResponsesRequest(endpoint: Endpoint, body: JsonObject): LlmRequest {
  const segments: TextSegment[] = [];
  const instructions = str(body.instructions);
  if (instructions !== undefined) segments.push({ kind: "system", role: "system", index: 0, text: instructions, path: ["instructions"] });
  if (typeof body.input === "string") {
    segments.push({ kind: "user", role: "user", index: 0, text: body.input, path: ["input"] });
  } else if (Array.isArray(body.input)) {
    body.input.forEach((item, i) => {
      if (!isObject(item)) return;
      if (item.type === "function_call_output") {
        const output = str(item.output);
        if (output !== undefined) segments.push({ kind: "context", role: "tool", index: i, text: output, path: ["input", i, "output"] });
        return;
      }
      const role = (str(item.role) ?? "user") as Role;
      if (!ROLES.has(role)) return;
      segments.push(...contentSegments(item.content, role, i, ["input", i, "content"]));
    });
  } else if (body.input !== undefined) {
    throw new RequestParseError("'input' must be a string or an array", "input");
  }
  const messages: ChatMessage[] = segments.map((s) => ({ role: s.role, text: s.text, toolCalls: [] }));
  return baseRequest(endpoint, body, messages, segments, num(body.max_output_tokens));
}

function usageFromOpenAI(u: unknown): Usage | undefined {
  if (!isObject(u)) return undefined;
  const usage = emptyUsage();
  usage.inputTokens = num(u.prompt_tokens) ?? num(u.input_tokens) ?? 0;
  usage.outputTokens = num(u.completion_tokens) ?? num(u.output_tokens) ?? 0;
  const inDetails = isObject(u.prompt_tokens_details) ? u.prompt_tokens_details : isObject(u.input_tokens_details) ? u.input_tokens_details : undefined;
  const outDetails = isObject(u.completion_tokens_details) ? u.completion_tokens_details : isObject(u.output_tokens_details) ? u.output_tokens_details : undefined;
  usage.cachedInputTokens = num(inDetails?.cached_tokens) ?? 0;
  usage.reasoningTokens = num(outDetails?.reasoning_tokens) ?? 0;
  return usage;
}

function outputSegments(endpoint: Endpoint, body: JsonObject): TextSegment[] {
  const segments: TextSegment[] = [];
  if (endpoint.kind === "responses") {
    arr(body.output).forEach((item, i) => {
      if (!isObject(item)) return;
      arr(item.content).forEach((part, j) => {
        if (isObject(part) && typeof part.text === "string") {
          segments.push({ kind: "assistant", role: "assistant", index: i, text: part.text, path: ["output", i, "content", j, "text"] });
        }
      });
    });
    return segments;
  }
  arr(body.choices).forEach((choice, i) => {
    if (!isObject(choice)) return;
    if (typeof choice.text === "string") {
      segments.push({ kind: "assistant", role: "assistant", index: i, text: choice.text, path: ["choices", i, "text"] });
    }
    const message = isObject(choice.message) ? choice.message : undefined;
    if (message && typeof message.content === "string") {
      segments.push({ kind: "assistant", role: "assistant", index: i, text: message.content, path: ["choices", i, "message", "content"] });
    }
    arr(message?.tool_calls).forEach((tc, j) => {
      if (isObject(tc) && isObject(tc.function) && typeof tc.function.arguments === "string") {
        const toolName = str(tc.function.name);
        segments.push({
          kind: "tool_args", role: "assistant", index: i, text: tc.function.arguments,
          path: ["choices", i, "message", "tool_calls", j, "function", "arguments"], ...(toolName ? { toolName } : {}),
        });
      }
    });
  });
  return segments;
}

function openAIError(denial: Denial, requestId: string): JsonObject {
  return {
    error: {
      message: denial.message,
      type: denial.status === 429 ? "rate_limit_exceeded" : denial.status >= 500 ? "server_error" : "invalid_request_error",
      code: denial.code,
      param: null,
      request_id: requestId,
    },
  };
}

export const openaiCodec: ProviderCodec = {
  api: "openai",
  parseRequest(endpoint, body) {
    if (!isObject(body)) throw new RequestParseError("request body must be a JSON object");
    switch (endpoint.kind) {
      case "chat_completions":
        return parseChat(endpoint, body);
      case "completions": {
        const segments = stringOrList(body, "prompt");
        const messages = segments.map((s) => ({ role: s.role, text: s.text, toolCalls: [] }));
        return baseRequest(endpoint, body, messages, segments, num(body.max_tokens));
      }
      case "embeddings": {
        if (body.input === undefined) throw new RequestParseError("'input' is required", "input");
        const segments = stringOrList(body, "input");
        const messages = segments.map((s) => ({ role: s.role, text: s.text, toolCalls: [] }));
        return baseRequest(endpoint, body, messages, segments, 0);
      }
      case "responses":
        return parseResponsesRequest(endpoint, body);
      default:
        throw new RequestParseError(`the OpenAI codec does not handle ${endpoint.kind}`);
    }
  },
  parseResponse(endpoint, body): ParsedResponse {
    if (!isObject(body)) return { segments: [] };
    const usage = usageFromOpenAI(body.usage);
    return { segments: outputSegments(endpoint, body), ...(usage ? { usage } : {}) };
  },
  parseStreamFrame(endpoint, frame: SseFrame): StreamEvent {
    if (frame.data?.trim() === "[DONE]") return { raw: frame.raw, terminal: true };
    const event = jsonEvent(frame);
    const data = event.data;
    if (!isObject(data)) return event;
    if (endpoint.kind === "responses") {
      if (data.type === "response.output_text.delta" && typeof data.delta === "string") event.textDelta = data.delta;
      if (data.type === "response.completed" || data.type === "response.incomplete" || data.type === "response.failed") {
        const usage = isObject(data.response) ? usageFromOpenAI(data.response.usage) : undefined;
        if (usage) event.usage = usage;
        event.terminal = true;
      }
      return event;
    }
    const text = arr(data.choices)
      .map((c) => (isObject(c) ? (isObject(c.delta) ? str(c.delta.content) : str(c.text)) : undefined) ?? "")
      .join("");
    if (text) event.textDelta = text;
    const usage = usageFromOpenAI(data.usage);
    if (usage) event.usage = usage;
    return event;
  },
  rewriteStreamText(endpoint, event, text) {
    const data = event.data;
    if (!isObject(data)) return event;
    if (endpoint.kind === "responses") {
      if (typeof data.delta !== "string") return event;
      return reserialize(event, { ...data, delta: text }, text);
    }
    // One choice carries the text (n=1 streams); the first choice with text takes the rewritten text.
    let placed = false;
    const choices = arr(data.choices).map((c) => {
      if (!isObject(c)) return c;
      if (isObject(c.delta) && typeof c.delta.content === "string") {
        const next = { ...c, delta: { ...c.delta, content: placed ? "" : text } };
        placed = true;
        return next;
      }
      if (typeof c.text === "string") {
        const next = { ...c, text: placed ? "" : text };
        placed = true;
        return next;
      }
      return c;
    });
    return placed ? reserialize(event, { ...data, choices }, text) : event;
  },
  errorBody(denial, requestId) {
    return { contentType: "application/json", body: JSON.stringify(openAIError(denial, requestId)) };
  },
  streamError(denial, requestId) {
    return formatSse(JSON.stringify(openAIError(denial, requestId))) + formatSse("[DONE]");
  },
  credentialHeaders(secret) {
    return { authorization: `Bearer ${secret}` };
  },
};
