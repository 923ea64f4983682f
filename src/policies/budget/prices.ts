// Model prices and cost in integer micro-dollars. Prices are kept as micro-dollars per million tokens (integers), and
// a cost is rounded up once per request, so sums never drift and no float reaches the store.
import { readFileSync } from "node:fs";
import { parse as parseYaml } from "yaml";
import { z } from "zod";
import type { Usage } from "../../exchange/model.js";
import { packagePath } from "../../paths.js";
import type { PriceConfig } from "./schema.js";

export const DEFAULT_PRICE_FILE = packagePath("config", "prices.yaml");

const priceEntry = z.strictObject({
  input: z.number().nonnegative(),
  output: z.number().nonnegative(),
  cached_input: z.number().nonnegative().optional(),
});

const priceFileSchema = z.strictObject({
  date: z.string().regex(/^\d{4}-\d{2}-\d{2}$/),
  currency: z.literal("USD"),
  unit: z.literal("per_million_tokens"),
  sources: z.record(z.string(), z.url()),
  providers: z.record(z.string(), z.record(z.string().min(1), priceEntry)),
});

/** Micro-dollars per million tokens (= dollars per token × 1e12); integers. */
export interface ModelPrice {
  input: number;
  output: number;
  cachedInput: number;
}

export interface PriceLookup {
  price: ModelPrice;
  /** The table entry that matched; undefined when the fallback price was used. */
  entry: string | undefined;
}

export interface PriceTableInfo {
  date: string;
  sources: Record<string, string>;
  file: string;
}

function toMicros(config: PriceConfig): ModelPrice {
  const micros = (usd: number) => Math.round(usd * 1e6);
  return { input: micros(config.input), output: micros(config.output), cachedInput: micros(config.cached_input ?? config.input) };
}

export class PriceTable {
  readonly #entries: Map<string, ModelPrice>;
  readonly #fallback: ModelPrice;

  constructor(
    entries: Record<string, PriceConfig>,
    fallback: PriceConfig,
    readonly info: PriceTableInfo,
  ) {
    this.#entries = new Map(Object.entries(entries).map(([name, price]) => [name.toLowerCase(), toMicros(price)]));
    this.#fallback = toMicros(fallback);
  }

  /** Exact name, else the longest table name the model starts with followed by "-" (a dated snapshot), else fallback. */
  lookup(model: string | undefined): PriceLookup {
    if (model) {
      const name = model.toLowerCase().replace(/^[a-z0-9_-]+\//, "");
      const exact = this.#entries.get(name);
      if (exact) return { price: exact, entry: name };
      let best: string | undefined;
      for (const candidate of this.#entries.keys()) {
        if (name.startsWith(`${candidate}-`) && (!best || candidate.length > best.length)) best = candidate;
      }
      if (best) return { price: this.#entries.get(best)!, entry: best };
    }
    return { price: this.#fallback, entry: undefined };
  }
}

/**
 * Cost in micro-dollars, rounded up. `inputTokens` counts every prompt token, cached ones included (OpenAI's
 * convention); `cachedInputTokens` of them are charged at the cached price. Reasoning tokens are part of output.
 */
export function costMicros(price: ModelPrice, usage: Pick<Usage, "inputTokens" | "outputTokens" | "cachedInputTokens">): number {
  const cached = BigInt(Math.min(usage.cachedInputTokens, usage.inputTokens));
  const uncached = BigInt(usage.inputTokens) - cached;
  const picos =
    uncached * BigInt(price.input) + cached * BigInt(price.cachedInput) + BigInt(usage.outputTokens) * BigInt(price.output);
  return Number((picos + 999_999n) / 1_000_000n);
}

/** How many output tokens fit in `micros` after paying for `inputTokens` (uncached) of input. */
export function outputTokensWithin(price: ModelPrice, inputTokens: number, micros: number): number {
  const left = BigInt(micros) * 1_000_000n - BigInt(inputTokens) * BigInt(price.input);
  if (left < 0n) return 0;
  if (price.output === 0) return Number.MAX_SAFE_INTEGER;
  return Number(left / BigInt(price.output));
}

export function loadPriceTable(config: { file?: string | undefined; models: Record<string, PriceConfig>; fallback: PriceConfig }): PriceTable {
  const file = config.file ?? DEFAULT_PRICE_FILE;
  let parsed: z.infer<typeof priceFileSchema>;
  try {
    parsed = priceFileSchema.parse(parseYaml(readFileSync(file, "utf8")));
  } catch (error) {
    const reason = error instanceof z.ZodError ? z.prettifyError(error) : error instanceof Error ? error.message : String(error);
    throw new Error(`price table ${file}: ${reason}`, { cause: error });
  }
  const entries: Record<string, PriceConfig> = {};
  for (const models of Object.values(parsed.providers)) Object.assign(entries, models);
  Object.assign(entries, config.models);
  return new PriceTable(entries, config.fallback, { date: parsed.date, sources: parsed.sources, file });
}
