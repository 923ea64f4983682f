import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { costMicros, loadPriceTable, outputTokensWithin } from "../../../src/policies/budget/prices.js";
import { limits } from "./helpers.js";

const defaults = limits({}).prices;

describe("price table", () => {
  it("ships a dated table with sources for OpenAI and Anthropic", () => {
    const table = loadPriceTable(defaults);
    expect(table.info.date).toMatch(/^\d{4}-\d{2}-\d{2}$/);
    expect(Object.keys(table.info.sources)).toEqual(expect.arrayContaining(["openai", "anthropic"]));
    expect(table.lookup("gpt-4o").price).toEqual({ input: 2_500_000, output: 10_000_000, cachedInput: 1_250_000 });
    expect(table.lookup("claude-sonnet-4-5").price.output).toBe(15_000_000);
  });

  it("matches dated snapshots and provider prefixes to the longest base name, never a look-alike", () => {
    const table = loadPriceTable(defaults);
    expect(table.lookup("gpt-4o-mini-2024-07-18").entry).toBe("gpt-4o-mini");
    expect(table.lookup("gpt-4o-2024-08-06").entry).toBe("gpt-4o");
    expect(table.lookup("openai/gpt-4.1").entry).toBe("gpt-4.1");
    expect(table.lookup("claude-sonnet-4-5-20250929").entry).toBe("claude-sonnet-4-5");
    expect(table.lookup("gpt-4.5-preview").entry).toBeUndefined();
    expect(table.lookup("mystery-model").entry).toBeUndefined();
    expect(table.lookup("mystery-model").price).toEqual({ input: 15_000_000, output: 75_000_000, cachedInput: 1_500_000 });
  });

  it("takes overrides from config and a replacement file", () => {
    const dir = mkdtempSync(join(tmpdir(), "prices-"));
    const file = join(dir, "prices.yaml");
    writeFileSync(
      file,
      'date: "2026-01-01"\ncurrency: USD\nunit: per_million_tokens\nsources: { inhouse: https://example.com/prices }\nproviders:\n  inhouse:\n    house-model: { input: 1, output: 2 }\n',
    );
    const table = loadPriceTable({ ...defaults, file, models: { "gpt-4o": { input: 1, output: 1 } }, fallback: { input: 9, output: 9 } });
    expect(table.lookup("house-model").price).toEqual({ input: 1_000_000, output: 2_000_000, cachedInput: 1_000_000 });
    expect(table.lookup("gpt-4o").price.input).toBe(1_000_000);
    expect(table.lookup("claude-3-haiku").entry).toBeUndefined();
    expect(() => loadPriceTable({ ...defaults, file: join(dir, "missing.yaml") })).toThrow(/missing\.yaml/);
  });

  it("computes cost in whole micro-dollars, rounded up once, cached input at its own price", () => {
    const gpt4o = loadPriceTable(defaults).lookup("gpt-4o").price;
    // 1000 in × $2.50/M + 500 out × $10/M = $0.0025 + $0.005
    expect(costMicros(gpt4o, { inputTokens: 1000, outputTokens: 500, cachedInputTokens: 0 })).toBe(7_500);
    // 400 of the 1000 prompt tokens cached at $1.25/M: 600 × 2.5 + 400 × 1.25 = 2000
    expect(costMicros(gpt4o, { inputTokens: 1000, outputTokens: 0, cachedInputTokens: 400 })).toBe(2_000);
    expect(costMicros(gpt4o, { inputTokens: 1, outputTokens: 0, cachedInputTokens: 0 })).toBe(3); // 2.5 µ$ → 3
    // No precision loss at large volumes.
    expect(costMicros(gpt4o, { inputTokens: 2_000_000_000, outputTokens: 0, cachedInputTokens: 0 })).toBe(5_000_000_000);
    expect(outputTokensWithin(gpt4o, 1000, 7_500)).toBe(500);
  });
});
