import { describe, expect, it } from "vitest";
import type { LlmRequest } from "../../../src/exchange/model.js";
import { APPROXIMATION_FACTOR, familyFor, TokenCounter } from "../../../src/policies/budget/tokenizer.js";

function chat(model: string, texts: string[], tools?: unknown[]): LlmRequest {
  return {
    kind: "llm",
    endpoint: { kind: "chat_completions", api: "openai" },
    model,
    stream: false,
    includeUsage: false,
    messages: texts.map((text) => ({ role: "user", text, toolCalls: [] })),
    segments: [],
    tools: [],
    body: tools ? { model, tools } : { model },
  };
}

describe("tokenizer", () => {
  it("picks the model family's encoding and approximates the rest", () => {
    for (const model of ["gpt-4o", "gpt-4o-mini-2024-07-18", "gpt-4.1-nano", "o3-mini", "o1", "gpt-5", "openai/gpt-5-mini"]) {
      expect(familyFor(model), model).toEqual({ encoding: "o200k_base", factor: 1 });
    }
    for (const model of ["gpt-4", "gpt-4-turbo-2024-04-09", "gpt-3.5-turbo", "text-embedding-3-small"]) {
      expect(familyFor(model), model).toEqual({ encoding: "cl100k_base", factor: 1 });
    }
    for (const model of ["claude-sonnet-4-5", "mistral-large", undefined]) {
      expect(familyFor(model), String(model)).toEqual({ encoding: "cl100k_base", factor: APPROXIMATION_FACTOR });
    }
  });

  it("counts text with the real encoding (o200k and cl100k differ on this text)", async () => {
    const o200k = await TokenCounter.forModel("gpt-4o");
    const cl100k = await TokenCounter.forModel("gpt-4");
    expect(o200k.text("hello world")).toBe(2);
    expect(cl100k.text("hello world")).toBe(2);
    const text = "Tollgate reserves before forwarding: 東京の天気は晴れです。";
    expect(o200k.text(text)).not.toBe(cl100k.text(text));
    // Special-token text in user input is counted as text, never rejected.
    expect(o200k.text("<|endoftext|>")).toBeGreaterThan(0);
  });

  it("counts a chat prompt like OpenAI does: 4 per message, 3 to prime the reply", async () => {
    const counter = await TokenCounter.forModel("gpt-4o");
    // OpenAI reports prompt_tokens = 9 for [{role: user, content: "hello world"}] on gpt-4o.
    expect(counter.prompt(chat("gpt-4o", ["hello world"]))).toBe(9);
    expect(counter.prompt(chat("gpt-4o", ["hello world", "hello world"]))).toBe(15);
    const withTools = counter.prompt(chat("gpt-4o", ["hello world"], [{ type: "function", function: { name: "get_weather" } }]));
    expect(withTools).toBeGreaterThan(9);
  });

  it("overestimates families it can only approximate", async () => {
    const claude = await TokenCounter.forModel("claude-sonnet-4-5");
    const gpt4 = await TokenCounter.forModel("gpt-4");
    const text = "The quick brown fox jumps over the lazy dog. ".repeat(20);
    expect(claude.text(text)).toBe(Math.ceil(gpt4.text(text) * APPROXIMATION_FACTOR));
  });

  it("extrapolates very long texts from the counted part instead of counting every token", async () => {
    const counter = await TokenCounter.forModel("gpt-4o");
    const unit = "word ";
    const exact = counter.text(unit.repeat(40_000)); // 200k chars: counted exactly
    const long = counter.text(unit.repeat(80_000));
    expect(long).toBeGreaterThanOrEqual(2 * exact);
    expect(long).toBeLessThanOrEqual(Math.ceil(2.1 * exact) + 1);
  });
});
