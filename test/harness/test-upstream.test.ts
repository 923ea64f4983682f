// The fake provider must speak each API well enough that the official SDKs parse it, and must follow its
// control headers exactly: later end-to-end tests rely on both.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import OpenAI from "openai";
import Anthropic from "@anthropic-ai/sdk";
import { CONTROL, startTestUpstream, type TestUpstream } from "./test-upstream.js";

let upstream: TestUpstream;
beforeAll(async () => {
  upstream = await startTestUpstream();
});
afterAll(() => upstream.close());

const openai = (headers: Record<string, string> = {}): OpenAI =>
  new OpenAI({ apiKey: "sk-test", baseURL: `${upstream.url}/v1`, maxRetries: 0, defaultHeaders: headers });
const anthropic = (headers: Record<string, string> = {}): Anthropic =>
  new Anthropic({ apiKey: "sk-ant-test", baseURL: upstream.url, maxRetries: 0, defaultHeaders: headers });

describe("OpenAI shapes", () => {
  it("answers a chat completion the SDK parses, with the requested content and usage", async () => {
    const before = upstream.received.length;
    const completion = await openai({ [CONTROL.content]: "four", [CONTROL.usage]: "12,3" }).chat.completions.create({
      model: "gpt-test",
      messages: [{ role: "user", content: "2+2?" }],
    });
    expect(completion.choices[0]?.message.content).toBe("four");
    expect(completion.model).toBe("gpt-test");
    expect(completion.usage).toEqual({ prompt_tokens: 12, completion_tokens: 3, total_tokens: 15 });
    const seen = upstream.received[before];
    expect(seen?.path).toBe("/v1/chat/completions");
    expect(seen?.headers["authorization"]).toEqual(["Bearer sk-test"]);
    expect(JSON.parse(seen?.body.toString() ?? "{}")).toMatchObject({ model: "gpt-test" });
  });

  it("streams chat deltas of the requested size and a final usage chunk when include_usage is set", async () => {
    const stream = await openai({ [CONTROL.content]: "abcdefgh", [CONTROL.chunkSize]: "3", [CONTROL.usage]: "5,2" }).chat.completions.create({
      model: "gpt-test",
      stream: true,
      stream_options: { include_usage: true },
      messages: [{ role: "user", content: "hi" }],
    });
    const deltas: string[] = [];
    let usage: unknown;
    for await (const chunk of stream) {
      const d = chunk.choices[0]?.delta.content;
      if (d) deltas.push(d);
      if (chunk.usage) usage = chunk.usage;
    }
    expect(deltas).toEqual(["abc", "def", "gh"]);
    expect(usage).toEqual({ prompt_tokens: 5, completion_tokens: 2, total_tokens: 7 });
  });

  it("gives embeddings and an OpenAI error body for a requested status", async () => {
    const emb = await openai().embeddings.create({ model: "emb-test", input: "x" });
    expect(emb.data[0]?.embedding).toHaveLength(3);
    const err = await openai({ [CONTROL.status]: "429" }).chat.completions.create({ model: "m", messages: [] }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(OpenAI.RateLimitError);
  });
});

describe("Anthropic shapes", () => {
  it("answers a message the SDK parses", async () => {
    const msg = await anthropic({ [CONTROL.content]: "bonjour", [CONTROL.usage]: "7,1" }).messages.create({
      model: "claude-test",
      max_tokens: 10,
      messages: [{ role: "user", content: "hello in French" }],
    });
    expect(msg.content).toEqual([{ type: "text", text: "bonjour" }]);
    expect(msg.usage).toMatchObject({ input_tokens: 7, output_tokens: 1 });
  });

  it("streams named events the SDK assembles into the final message", async () => {
    const stream = anthropic({ [CONTROL.content]: "streamed text", [CONTROL.chunkSize]: "4" }).messages.stream({
      model: "claude-test",
      max_tokens: 10,
      messages: [{ role: "user", content: "go" }],
    });
    const final = await stream.finalMessage();
    expect(final.content).toEqual([{ type: "text", text: "streamed text" }]);
    expect(final.stop_reason).toBe("end_turn");
  });
});

describe("control headers", () => {
  const post = (headers: Record<string, string>, body: unknown, path = "/v1/chat/completions"): Promise<Response> =>
    fetch(`${upstream.url}${path}`, { method: "POST", headers: { "content-type": "application/json", ...headers }, body: JSON.stringify(body) });

  it("echoes the received method, path, headers and body", async () => {
    const res = await post({ [CONTROL.mode]: "echo", "x-custom": "1" }, { a: 1 }, "/anything?q=1");
    const echo = (await res.json()) as { method: string; path: string; headers: Record<string, string[]>; body: string };
    expect(echo).toMatchObject({ method: "POST", path: "/anything?q=1", body: '{"a":1}' });
    expect(echo.headers["x-custom"]).toEqual(["1"]);
  });

  it("waits before headers and spaces chunks as asked", async () => {
    const started = Date.now();
    const res = await post({ [CONTROL.mode]: "body", [CONTROL.body]: "abcdef", [CONTROL.chunkSize]: "2", [CONTROL.chunkDelayMs]: "40", [CONTROL.delayMs]: "60" }, {});
    const headersAt = Date.now() - started;
    const reader = res.body?.getReader();
    const pieces: string[] = [];
    for (let r = await reader?.read(); r && !r.done; r = await reader?.read()) pieces.push(Buffer.from(r.value).toString());
    expect(headersAt).toBeGreaterThanOrEqual(55);
    expect(pieces).toEqual(["ab", "cd", "ef"]);
    expect(res.headers.get("content-length")).toBeNull();
  });

  it("ends a truncated stream without its final event", async () => {
    const res = await post({ [CONTROL.truncate]: "final" }, { model: "m", stream: true, messages: [] });
    const text = await res.text();
    expect(text).toContain('"finish_reason":"stop"');
    expect(text).not.toContain("[DONE]");
    const anth = await (await post({ [CONTROL.truncate]: "final" }, { model: "m", stream: true }, "/v1/messages")).text();
    expect(anth).toContain("event: message_delta");
    expect(anth).not.toContain("message_stop");
  });

  it("fails the first n requests of a key, then answers normally", async () => {
    const statuses: number[] = [];
    for (let i = 0; i < 3; i++) statuses.push((await post({ [CONTROL.failFirst]: "upstream-test:2", [CONTROL.status]: "502" }, { model: "m", messages: [] })).status);
    expect(statuses).toEqual([502, 502, 200]);
  });

  it("cuts the connection mid-stream or before headers", async () => {
    const midStream = await post({ [CONTROL.truncate]: "reset", [CONTROL.content]: "a long answer to cut", [CONTROL.chunkSize]: "2" }, { stream: true });
    await expect(midStream.text()).rejects.toThrow();
    await expect(post({ [CONTROL.reset]: "before-headers" }, {})).rejects.toThrow();
  });
});
