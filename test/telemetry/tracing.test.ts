import { InMemorySpanExporter } from "@opentelemetry/sdk-trace-base";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { BASE_CONFIG, BASE_ENV, startTestTollgate, type TestTollgate } from "../helpers/tollgate.js";
import { CHAT_BODY, body, chatRequestHeaders, openStream, responseHeaders } from "../helpers/extproc-client.js";

const exporter = new InMemorySpanExporter();
let tg: TestTollgate;
beforeAll(async () => {
  tg = await startTestTollgate(BASE_CONFIG, { env: BASE_ENV, spanExporter: exporter });
});
afterAll(async () => {
  await tg.stop();
});

describe("request spans", () => {
  it("continue Envoy's traceparent and carry GenAI attributes", async () => {
    const s = openStream(`127.0.0.1:${tg.grpcPort}`);
    await s.roundTrip(chatRequestHeaders({ traceparent: "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01", "x-request-id": "span-1" }));
    await s.roundTrip(body("request_body", { ...CHAT_BODY, max_tokens: 50 }));
    await s.roundTrip(responseHeaders(200, "application/json"));
    await s.roundTrip(body("response_body", { choices: [{ message: { content: "ok" } }], usage: { prompt_tokens: 11, completion_tokens: 2 } }));
    s.cancel();
    await s.status;
    s.close();
    await new Promise((r) => setTimeout(r, 50));
    const span = exporter.getFinishedSpans().find((sp) => sp.attributes["tollgate.request_id"] === "span-1");
    expect(span).toBeDefined();
    expect(span!.spanContext().traceId).toBe("0af7651916cd43dd8448eb211c80319c");
    expect(span!.parentSpanContext?.spanId).toBe("b7ad6b7169203331");
    expect(span!.attributes).toMatchObject({
      "gen_ai.operation.name": "chat",
      "gen_ai.provider.name": "openai",
      "gen_ai.request.model": "gpt-4o-mini",
      "gen_ai.request.max_tokens": 50,
      "gen_ai.usage.input_tokens": 11,
      "gen_ai.usage.output_tokens": 2,
      "tollgate.route": "chat",
      "tollgate.key_id": "k1",
      "tollgate.cohort": "team-a",
      "http.response.status_code": 200,
      "tollgate.outcome": "completed",
    });
  });
});
