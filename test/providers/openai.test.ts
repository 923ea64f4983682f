import { describe, expect, it } from "vitest";
import { openaiCodec } from "../../src/providers/openai.js";
import type { Endpoint, LlmRequest } from "../../src/exchange/model.js";
import { SseParser } from "../../src/providers/sse.js";

const chat: Endpoint = { kind: "chat_completions", api: "openai" };
const parse = (body: unknown, endpoint = chat) => openaiCodec.parseRequest(endpoint, body) as LlmRequest;

describe("OpenAI codec", () => {
  it("parses chat messages into segments with roles, tool calls and tool results", () => {
    const r = parse({
      model: "gpt-4o",
      stream: true,
      stream_options: { include_usage: true },
      max_completion_tokens: 77,
      tools: [{ type: "function", function: { name: "lookup" } }],
      messages: [
        { role: "system", content: "be nice" },
        { role: "user", content: [{ type: "text", text: "hi" }, { type: "image_url", image_url: { url: "x" } }, { type: "text", text: "there" }] },
        { role: "assistant", content: null, tool_calls: [{ id: "c1", type: "function", function: { name: "lookup", arguments: '{"q":"x"}' } }] },
        { role: "tool", tool_call_id: "c1", content: "retrieved text" },
      ],
    });
    expect(r).toMatchObject({ model: "gpt-4o", stream: true, includeUsage: true, maxTokens: 77, tools: ["lookup"] });
    expect(r.segments.map((s) => [s.kind, s.text, s.path.join(".")])).toEqual([
      ["system", "be nice", "messages.0.content"],
      ["user", "hi", "messages.1.content.0.text"],
      ["user", "there", "messages.1.content.2.text"],
      ["context", "retrieved text", "messages.3.content"],
    ]);
    expect(r.messages[2]!.toolCalls).toEqual([{ id: "c1", name: "lookup", arguments: '{"q":"x"}' }]);
    expect(r.messages[3]!.toolCallId).toBe("c1");
  });

  it("rejects malformed requests with a message naming the field", () => {
    expect(() => parse({ model: "m" })).toThrow(/'messages' must be an array/);
    expect(() => parse({ model: "m", messages: [{ role: "wizard", content: "x" }] })).toThrow(/messages\[0\]\.role/);
    expect(() => parse({ model: 5, messages: [] })).toThrow(/'model' must be a string/);
    expect(() => parse([1, 2])).toThrow(/JSON object/);
  });

  it("parses the Responses API, completions and embeddings inputs", () => {
    const r = parse(
      { model: "gpt-4.1", instructions: "sys", input: [{ role: "user", content: [{ type: "input_text", text: "q" }] }, { type: "function_call_output", call_id: "x", output: "tool says" }], max_output_tokens: 5 },
      { kind: "responses", api: "openai" },
    );
    expect(r.segments.map((s) => [s.kind, s.text])).toEqual([["system", "sys"], ["user", "q"], ["context", "tool says"]]);
    expect(r.maxTokens).toBe(5);
    expect(parse({ model: "m", prompt: ["a", "b"] }, { kind: "completions", api: "openai" }).segments).toHaveLength(2);
    expect(parse({ model: "m", input: "text" }, { kind: "embeddings", api: "openai" }).segments[0]!.text).toBe("text");
  });

  it("reads output text and usage from a JSON response", () => {
    const r = openaiCodec.parseResponse(chat, {
      choices: [{ message: { content: "answer", tool_calls: [{ function: { name: "f", arguments: "{}" } }] } }],
      usage: { prompt_tokens: 10, completion_tokens: 3, prompt_tokens_details: { cached_tokens: 4 }, completion_tokens_details: { reasoning_tokens: 2 } },
    });
    expect(r.segments.map((s) => s.text)).toEqual(["answer", "{}"]);
    expect(r.usage).toEqual({ inputTokens: 10, outputTokens: 3, cachedInputTokens: 4, reasoningTokens: 2 });
  });

  it("reads deltas, the usage chunk and [DONE] from a stream", () => {
    const p = new SseParser();
    const frames = p.push(
      Buffer.from(
        'data: {"choices":[{"delta":{"content":"He"}}]}\n\ndata: {"choices":[],"usage":{"prompt_tokens":5,"completion_tokens":2}}\n\ndata: [DONE]\n\n',
      ),
    );
    const events = frames.map((f) => openaiCodec.parseStreamFrame(chat, f));
    expect(events[0]!.textDelta).toBe("He");
    expect(events[1]!.usage).toMatchObject({ inputTokens: 5, outputTokens: 2 });
    expect(events[2]!.terminal).toBe(true);
  });

  it("shapes errors as OpenAI does, for JSON and for streams", () => {
    const denial = { status: 429, code: "rate_limited", message: "slow down" };
    expect(JSON.parse(openaiCodec.errorBody(denial, "rid").body)).toEqual({
      error: { message: "slow down", type: "rate_limit_exceeded", code: "rate_limited", param: null, request_id: "rid" },
    });
    expect(openaiCodec.streamError(denial, "rid")).toMatch(/^data: \{"error":.*\}\n\ndata: \[DONE\]\n\n$/);
  });
});
