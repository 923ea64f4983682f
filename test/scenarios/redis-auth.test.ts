// A Redis that requires AUTH: the password comes from a secret reference (store.password), not from the URL.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { BASE_CONFIG, BASE_ENV, startTestTollgate, type TestTollgate } from "../helpers/tollgate.js";
import { body, chatRequestHeaders, immediateStatus, openStream, responseHeaders } from "../helpers/extproc-client.js";
import { PrivateRedis } from "../state/redis-helper.js";

let redis: PrivateRedis;
beforeAll(async () => {
  redis = await PrivateRedis.start({ password: "s3cret-pw" });
});
afterAll(async () => {
  await redis.destroy();
});

function config(): string {
  return `${BASE_CONFIG}
store: { kind: redis, url: "${redis.url}", password: { env: REDIS_PASSWORD }, command_timeout_ms: 2000 }
limits:
  rules:
    rpm: { per: [key], requests: 1, window: 1h }
`;
}

async function status(tg: TestTollgate, id: string): Promise<number | undefined> {
  const s = openStream(`127.0.0.1:${tg.grpcPort}`);
  try {
    const h = await s.roundTrip(chatRequestHeaders({ "x-request-id": id }));
    if (h.immediate_response) return immediateStatus(h);
    const r = await s.roundTrip(body("request_body", { model: "gpt-4o", messages: [{ role: "user", content: "hi" }] }));
    if (r.immediate_response) return immediateStatus(r);
    // Complete the exchange, so the request counts (a request cancelled before its answer is given back).
    await s.roundTrip(responseHeaders(200, "application/json"));
    await s.roundTrip(body("response_body", { choices: [{ message: { content: "ok" } }], usage: { prompt_tokens: 3, completion_tokens: 1 } }));
    return 200;
  } finally {
    s.cancel();
    await s.status;
    s.close();
  }
}

describe("store.password", () => {
  it("authenticates to Redis with the secret and enforces the shared cap", async () => {
    const tg = await startTestTollgate(config(), { env: { ...BASE_ENV, REDIS_PASSWORD: "s3cret-pw" } });
    try {
      expect(tg.logs().some((l) => String(l.msg).includes("not reachable at start"))).toBe(false);
      expect(await status(tg, "auth-1")).toBe(200);
      expect(await status(tg, "auth-2")).toBe(429);
    } finally {
      await tg.stop();
    }
  });

  it("without the password the store stays unreachable and the fail_closed cap refuses with 503", async () => {
    const tg = await startTestTollgate(config(), { env: BASE_ENV });
    try {
      expect(tg.logs().some((l) => String(l.msg).includes("not reachable at start"))).toBe(true);
      expect(await status(tg, "noauth-1")).toBe(503);
    } finally {
      await tg.stop();
    }
  });
});
