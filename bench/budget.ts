// `npm run bench -- budget` (or `npx tsx bench/budget.ts`): the latency the budget engine adds to a request.
// One operation is what the data path does per LLM call: reserve (3 rules: requests/min per key, tokens/min per key,
// dollars/month per cohort) and reconcile to the reported usage. Reported as p50/p99 in µs, sequential (added
// latency) and at a concurrency of 32 (throughput), with the memory store and with Redis (TOLLGATE_BENCH_REDIS_URL,
// default redis://127.0.0.1:6379; skipped when unreachable). Prompt counting is reported on its own.
import { randomBytes } from "node:crypto";
import { pathToFileURL } from "node:url";
import { Redis } from "ioredis";
import type { LlmRequest } from "../src/exchange/model.js";
import { percentile } from "../src/guardrails/ml/index.js";
import { BudgetEngine } from "../src/policies/budget/engine.js";
import { loadPriceTable } from "../src/policies/budget/prices.js";
import { limitsSchema } from "../src/policies/budget/schema.js";
import { TokenCounter, warmTokenizers } from "../src/policies/budget/tokenizer.js";
import { MemoryStore } from "../src/state/memory.js";
import { RedisStore } from "../src/state/redis/store.js";
import type { Store } from "../src/state/store.js";

const WARMUP = 500;
const SEQUENTIAL = 5_000;
const CONCURRENT = 20_000;
const CONCURRENCY = 32;
const KEYS = 100;

const config = limitsSchema.parse({
  rules: {
    rpm: { per: ["key"], requests: 1_000_000_000, window: "1m" },
    tpm: { per: ["key"], tokens: 1_000_000_000, window: "1m", rolling: true },
    monthly: { per: ["cohort"], usd: 1_000_000_000, window: "monthly" },
  },
});


function summary(samplesUs: number[]): string {
  const sorted = [...samplesUs].sort((a, b) => a - b);
  return `p50 ${percentile(sorted, 0.5).toFixed(0)} µs  p99 ${percentile(sorted, 0.99).toFixed(0)} µs`;
}

async function operation(engine: BudgetEngine, i: number): Promise<number> {
  const t0 = process.hrtime.bigint();
  const admission = await engine.reserve({
    scope: { keyId: `k${i % KEYS}`, cohort: `c${i % 7}`, route: "chat" },
    model: "gpt-4o",
    estimate: { inputTokens: 800, outputTokens: 500 },
    phase: "all",
  });
  if (!admission.ok) throw new Error(`bench request denied: ${admission.denial.message}`);
  await engine.reconcile(admission.reservation, { inputTokens: 812, outputTokens: 230, cachedInputTokens: 0, reasoningTokens: 0 });
  return Number(process.hrtime.bigint() - t0) / 1_000;
}

async function measure(label: string, store: Store): Promise<void> {
  const engine = new BudgetEngine(config, { store, prices: loadPriceTable(config.prices) });
  for (let i = 0; i < WARMUP; i++) await operation(engine, i);
  const sequential: number[] = [];
  for (let i = 0; i < SEQUENTIAL; i++) sequential.push(await operation(engine, i));
  const concurrent: number[] = [];
  let next = 0;
  const t0 = process.hrtime.bigint();
  await Promise.all(
    Array.from({ length: CONCURRENCY }, async () => {
      while (next < CONCURRENT) concurrent.push(await operation(engine, next++));
    }),
  );
  const seconds = Number(process.hrtime.bigint() - t0) / 1e9;
  console.log(`${label.padEnd(7)} sequential  ${summary(sequential)}`);
  console.log(`${label.padEnd(7)} ${String(CONCURRENCY).padStart(2)} at once  ${summary(concurrent)}  ${(CONCURRENT / seconds).toFixed(0)} req/s`);
}

async function benchTokenizer(): Promise<void> {
  await warmTokenizers();
  const text = "Summarise the attached quarterly report and list the three largest risks with their owners. ".repeat(60);
  const request: LlmRequest = {
    kind: "llm",
    endpoint: { kind: "chat_completions", api: "openai" },
    model: "gpt-4o",
    stream: false,
    includeUsage: false,
    messages: [{ role: "user", text, toolCalls: [] }],
    segments: [],
    tools: [],
    body: {},
  };
  const counter = await TokenCounter.forModel("gpt-4o");
  const tokens = counter.prompt(request);
  const samples: number[] = [];
  for (let i = 0; i < 300; i++) {
    const t0 = process.hrtime.bigint();
    counter.prompt(request);
    samples.push(Number(process.hrtime.bigint() - t0) / 1_000);
  }
  console.log(`prompt count (${tokens} tokens, o200k)  ${summary(samples.slice(50))}`);
}

async function dropKeys(client: Redis, prefix: string): Promise<void> {
  let cursor = "0";
  do {
    const [next, keys] = await client.scan(cursor, "MATCH", `${prefix}*`, "COUNT", 1_000);
    if (keys.length > 0) await client.del(...keys);
    cursor = next;
  } while (cursor !== "0");
}

export async function benchBudget(): Promise<void> {
  console.log(`reserve + reconcile, 3 rules, ${SEQUENTIAL} sequential / ${CONCURRENT} at ${CONCURRENCY} concurrent`);
  await benchTokenizer();
  await measure("memory", new MemoryStore());
  const url = process.env.TOLLGATE_BENCH_REDIS_URL ?? "redis://127.0.0.1:6379";
  const client = new Redis(url, { enableOfflineQueue: false, maxRetriesPerRequest: 0, lazyConnect: true, retryStrategy: () => null });
  try {
    await client.connect();
  } catch (err) {
    console.log(`redis   skipped: ${url} unreachable (${err instanceof Error ? err.message : String(err)})`);
    client.disconnect();
    return;
  }
  const prefix = `tollgate-bench:${randomBytes(4).toString("hex")}:`;
  try {
    await measure("redis", new RedisStore(client, { prefix }));
  } finally {
    await dropKeys(client, prefix);
    client.disconnect();
  }
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  benchBudget().catch((err: unknown) => {
    console.error(err);
    process.exitCode = 1;
  });
}
