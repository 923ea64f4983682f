// Response bodies shaped like the real provider APIs, so the official SDKs parse what the test upstream returns.
// Shapes follow the public API references: OpenAI chat completions / completions / embeddings / responses
// (JSON and "data:" SSE ending in [DONE]), Anthropic messages (JSON and named-event SSE ending in message_stop).

export interface Usage {
  input: number;
  output: number;
}

export interface Reply {
  model: string;
  /** The text, already split into the deltas a stream would carry. */
  deltas: string[];
  usage: Usage;
  /** Adds OpenAI's final usage chunk to a stream (the API does this when stream_options.include_usage is set). */
  streamUsage: boolean;
  /** Embeddings as base64 little-endian float32, as the API answers encoding_format "base64" (the SDK's default). */
  base64Embeddings: boolean;
}

const EMBEDDING = [0.0123, -0.0456, 0.0789];

const text = (r: Reply): string => r.deltas.join("");
const created = (): number => Math.floor(Date.now() / 1000);
const id = (prefix: string): string => `${prefix}${Math.random().toString(36).slice(2, 14)}`;
const sse = (data: unknown): string => `data: ${JSON.stringify(data)}\n\n`;
const namedSse = (event: string, data: unknown): string => `event: ${event}\ndata: ${JSON.stringify(data)}\n\n`;

export type ApiShape = "openai-chat" | "openai-completions" | "openai-embeddings" | "openai-responses" | "anthropic-messages";

export function shapeForPath(path: string): ApiShape | undefined {
  const p = path.split("?")[0] ?? "";
  if (p.endsWith("/chat/completions")) return "openai-chat";
  if (p.endsWith("/completions")) return "openai-completions";
  if (p.endsWith("/embeddings")) return "openai-embeddings";
  if (p.endsWith("/responses")) return "openai-responses";
  if (p.endsWith("/messages")) return "anthropic-messages";
  return undefined;
}

function openAiUsage(u: Usage): Record<string, number> {
  return { prompt_tokens: u.input, completion_tokens: u.output, total_tokens: u.input + u.output };
}

export function jsonBody(shape: ApiShape, r: Reply): unknown {
  switch (shape) {
    case "openai-chat":
      return {
        id: id("chatcmpl-"),
        object: "chat.completion",
        created: created(),
        model: r.model,
        choices: [{ index: 0, message: { role: "assistant", content: text(r), refusal: null }, logprobs: null, finish_reason: "stop" }],
        usage: openAiUsage(r.usage),
      };
    case "openai-completions":
      return {
        id: id("cmpl-"),
        object: "text_completion",
        created: created(),
        model: r.model,
        choices: [{ index: 0, text: text(r), logprobs: null, finish_reason: "stop" }],
        usage: openAiUsage(r.usage),
      };
    case "openai-embeddings":
      return {
        object: "list",
        data: [
          {
            object: "embedding",
            index: 0,
            embedding: r.base64Embeddings ? Buffer.from(new Float32Array(EMBEDDING).buffer).toString("base64") : EMBEDDING,
          },
        ],
        model: r.model,
        usage: { prompt_tokens: r.usage.input, total_tokens: r.usage.input },
      };
    case "openai-responses":
      return responsesBody(r, "completed");
    case "anthropic-messages":
      return {
        id: id("msg_"),
        type: "message",
        role: "assistant",
        model: r.model,
        content: [{ type: "text", text: text(r) }],
        stop_reason: "end_turn",
        stop_sequence: null,
        usage: { input_tokens: r.usage.input, output_tokens: r.usage.output },
      };
  }
}

function responsesBody(r: Reply, status: "in_progress" | "completed"): Record<string, unknown> {
  const done = status === "completed";
  return {
    id: "resp_test",
    object: "response",
    created_at: created(),
    status,
    model: r.model,
    output: done
      ? [{ type: "message", id: "msg_test", status: "completed", role: "assistant", content: [{ type: "output_text", text: text(r), annotations: [] }] }]
      : [],
    usage: done ? { input_tokens: r.usage.input, output_tokens: r.usage.output, total_tokens: r.usage.input + r.usage.output } : null,
  };
}

/** The SSE events of a streamed reply, split into what comes before the final event(s) and the final ones. */
export function sseEvents(shape: ApiShape, r: Reply): { body: string[]; final: string[] } {
  switch (shape) {
    case "openai-chat": {
      const base = { id: id("chatcmpl-"), object: "chat.completion.chunk", created: created(), model: r.model };
      const chunk = (delta: Record<string, unknown>, finish: string | null): string =>
        sse({ ...base, choices: [{ index: 0, delta, logprobs: null, finish_reason: finish }] });
      const body = [chunk({ role: "assistant", content: "" }, null), ...r.deltas.map((d) => chunk({ content: d }, null)), chunk({}, "stop")];
      const final = r.streamUsage ? [sse({ ...base, choices: [], usage: openAiUsage(r.usage) })] : [];
      return { body, final: [...final, "data: [DONE]\n\n"] };
    }
    case "openai-completions": {
      const base = { id: id("cmpl-"), object: "text_completion", created: created(), model: r.model };
      const body = r.deltas.map((d) => sse({ ...base, choices: [{ index: 0, text: d, logprobs: null, finish_reason: null }] }));
      body.push(sse({ ...base, choices: [{ index: 0, text: "", logprobs: null, finish_reason: "stop" }] }));
      return { body, final: ["data: [DONE]\n\n"] };
    }
    case "openai-responses": {
      let seq = 0;
      const ev = (type: string, data: Record<string, unknown>): string => namedSse(type, { type, sequence_number: seq++, ...data });
      const body = [
        ev("response.created", { response: responsesBody(r, "in_progress") }),
        ...r.deltas.map((d) => ev("response.output_text.delta", { item_id: "msg_test", output_index: 0, content_index: 0, delta: d })),
      ];
      return { body, final: [ev("response.completed", { response: responsesBody(r, "completed") })] };
    }
    case "anthropic-messages": {
      const message = {
        id: id("msg_"),
        type: "message",
        role: "assistant",
        model: r.model,
        content: [],
        stop_reason: null,
        stop_sequence: null,
        usage: { input_tokens: r.usage.input, output_tokens: 1 },
      };
      const body = [
        namedSse("message_start", { type: "message_start", message }),
        namedSse("content_block_start", { type: "content_block_start", index: 0, content_block: { type: "text", text: "" } }),
        namedSse("ping", { type: "ping" }),
        ...r.deltas.map((d) => namedSse("content_block_delta", { type: "content_block_delta", index: 0, delta: { type: "text_delta", text: d } })),
        namedSse("content_block_stop", { type: "content_block_stop", index: 0 }),
        namedSse("message_delta", {
          type: "message_delta",
          delta: { stop_reason: "end_turn", stop_sequence: null },
          usage: { output_tokens: r.usage.output },
        }),
      ];
      return { body, final: [namedSse("message_stop", { type: "message_stop" })] };
    }
    case "openai-embeddings":
      throw new Error("embeddings do not stream");
  }
}

/** A provider-shaped error body for a status code the test asked for. */
export function errorBody(shape: ApiShape | undefined, status: number, message: string): unknown {
  if (shape === "anthropic-messages") {
    const type = status === 429 ? "rate_limit_error" : status === 401 ? "authentication_error" : status >= 500 ? "api_error" : "invalid_request_error";
    return { type: "error", error: { type, message } };
  }
  const type = status === 429 ? "rate_limit_exceeded" : status >= 500 ? "server_error" : "invalid_request_error";
  return { error: { message, type, param: null, code: type } };
}
