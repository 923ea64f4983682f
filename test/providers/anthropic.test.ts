import { describe, expect, it } from "vitest";
import { anthropicCodec } from "../../src/providers/anthropic.js";
import type { Endpoint, LlmRequest } from "../../src/exchange/model.js";
import { SseParser } from "../../src/providers/sse.js";

const messages: Endpoint = { kind: "messages", api: "anthropic" };

describe("Anthropic codec", () => {
  it("parses system, text, tool_use, tool_result and document blocks into segments", () => {
    const r = anthropicCodec.parseRequest(messages, {
      model: "claude-sonnet-4-5",
      max_tokens: 100,
      system: [{ type: "text", text: "sys" }],
      messages: [
        { role: "user", content: "question" },
        { role: "assistant", content: [{ type: "tool_use", id: "t1", name: "search", input: { q: "x" } }] },
        {
          role: "user",
          content: [
            { type: "tool_result", tool_use_id: "t1", content: [{ type: "text", text: "result text" }] },
            { type: "document", source: { type: "text", media_type: "text/plain", data: "doc text" } },
          ],
        },
      ],
    }) as LlmRequest;
    expect(r.maxTokens).toBe(100);
    expect(r.segments.map((s) => [s.kind, s.text, s.toolName])).toEqual([
      ["system", "sys", undefined],
      ["user", "question", undefined],
      ["tool_args", '{"q":"x"}', "search"],
      ["context", "result text", "search"],
      ["context", "doc text", undefined],
    ]);
    expect(r.messages[0]).toMatchObject({ role: "system", text: "sys" });
  });

  it("rejects requests Anthropic would reject, with its field naming", () => {
    expect(() => anthropicCodec.parseRequest(messages, { max_tokens: 1, messages: [] })).toThrow(/model: Field required/);
    expect(() => anthropicCodec.parseRequest(messages, { model: "m", messages: [{ role: "system", content: "x" }] })).toThrow(/messages\.0\.role/);
  });

  it("reads usage from message_start and message_delta and ends at message_stop", () => {
    const frames = new SseParser().push(
      Buffer.from(
        'event: message_start\ndata: {"type":"message_start","message":{"usage":{"input_tokens":12,"output_tokens":1}}}\n\n' +
          'event: content_block_delta\ndata: {"type":"content_block_delta","index":0,"delta":{"type":"text_delta","text":"Hi"}}\n\n' +
          'event: message_delta\ndata: {"type":"message_delta","usage":{"output_tokens":9}}\n\n' +
          'event: message_stop\ndata: {"type":"message_stop"}\n\n',
      ),
    );
    const events = frames.map((f) => anthropicCodec.parseStreamFrame(messages, f));
    expect(events[0]!.usage).toEqual({ inputTokens: 12, outputTokens: 1 });
    expect(events[1]!.textDelta).toBe("Hi");
    expect(events[2]!.usage).toEqual({ outputTokens: 9 });
    expect(events[3]!.terminal).toBe(true);
  });

  it("shapes errors as Anthropic does", () => {
    const body = JSON.parse(anthropicCodec.errorBody({ status: 403, code: "guardrail_blocked", message: "no" }, "r").body);
    expect(body).toMatchObject({ type: "error", error: { type: "permission_error", message: "no" } });
    expect(anthropicCodec.streamError({ status: 400, code: "x", message: "m" }, "r")).toMatch(/^event: error\ndata: \{"type":"error"/);
  });
});
