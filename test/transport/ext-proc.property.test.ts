// Random and mutated ProcessingRequest sequences thrown at the real server: wrong order, missing oneof, huge
// headers, invalid UTF-8, early cancel. The server must answer each message with a reply of its kind (or end the
// stream with an error for a message it cannot answer), never crash, never hang a stream, and stay SERVING.
import * as grpc from "@grpc/grpc-js";
import fc from "fast-check";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { BASE_CONFIG, BASE_ENV, startTestTollgate, type TestTollgate } from "../helpers/tollgate.js";
import { grpcClient, method, openStream } from "../helpers/extproc-client.js";
import type { ProcessingRequest, RequestPhase } from "../../src/envoy/types.js";
import { REQUEST_PHASES } from "../../src/envoy/types.js";

let tg: TestTollgate;
beforeAll(async () => {
  tg = await startTestTollgate(BASE_CONFIG, { env: BASE_ENV });
});
afterAll(async () => {
  await tg.stop();
});

const bytes = fc.oneof(
  fc.constantFrom(
    '{"model":"gpt-4o","messages":[{"role":"user","content":"hi"}]}',
    '{"model":"gpt-4o","stream":true,"messages":[]}',
    "data: {\"choices\":[{\"delta\":{\"content\":\"x\"}}]}\n\n",
    "data: [DONE]\n\n",
    '{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"t","arguments":{"a":"b"}}}',
    "{",
    "",
  ).map((s) => Buffer.from(s)),
  fc.uint8Array({ maxLength: 300 }).map((a) => Buffer.from(a)), // includes invalid UTF-8
);

const headerValue = fc.oneof(
  fc.constantFrom("/v1/chat/completions", "/v1/messages", "/mcp", "/unknown", "POST", "GET", "Bearer test-key", "text/event-stream", "application/json", "200", "500"),
  fc.uint8Array({ maxLength: 40 }).map((a) => Buffer.from(a).toString("latin1")),
  fc.constant("x".repeat(64 * 1024)), // huge header
);
const headerKey = fc.constantFrom(":path", ":method", ":status", "authorization", "content-type", "x-request-id", "traceparent", "x-tollgate-key-id", "mcp-session-id", "Weird-Case");

const headerMap = fc.array(fc.record({ key: headerKey, raw_value: headerValue.map((v) => Buffer.from(v, "latin1")) }), { maxLength: 8 });

const message: fc.Arbitrary<ProcessingRequest> = fc.oneof(
  { weight: 12, arbitrary: fc.record({
    phase: fc.constantFrom(...REQUEST_PHASES),
    headers: headerMap,
    body: bytes,
    eos: fc.boolean(),
  }).map(({ phase, headers, body, eos }): ProcessingRequest => {
    if (phase.endsWith("_headers")) return { [phase]: { headers: { headers }, end_of_stream: eos } };
    if (phase.endsWith("_body")) return { [phase]: { body, end_of_stream: eos } };
    return { [phase]: { trailers: { headers } } };
  }) },
  { weight: 1, arbitrary: fc.constant<ProcessingRequest>({}) }, // no oneof at all
);

function phaseOf(m: ProcessingRequest): RequestPhase | undefined {
  return REQUEST_PHASES.find((p) => m[p] !== undefined);
}

function healthStatus(): Promise<string> {
  const client = grpcClient(`127.0.0.1:${tg.grpcPort}`, "health");
  return new Promise((resolve, reject) =>
    method(client, "Check")({ service: "" }, (err: grpc.ServiceError | null, res: { status: string }) => {
      client.close();
      if (err) reject(err);
      else resolve(res.status);
    }),
  );
}

describe("ext_proc server under random message sequences", () => {
  it("answers or closes every stream, and stays SERVING", async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(message, { minLength: 1, maxLength: 8 }), fc.option(fc.nat({ max: 8 })), async (msgs, cancelAfter) => {
        const s = openStream(`127.0.0.1:${tg.grpcPort}`);
        const limit = cancelAfter ?? msgs.length;
        const sent = msgs.slice(0, limit);
        for (const m of sent) s.send(m);
        // After an ImmediateResponse or the end of the response Envoy sends nothing more, so Tollgate may close
        // the stream with OK; messages a peer sends after that go unanswered, and that is the only case allowed.
        let finished = false;
        for (const m of sent) {
          const phase = phaseOf(m);
          if (!phase) {
            // A message Tollgate cannot answer ends the stream with INVALID_ARGUMENT rather than hanging it.
            expect((await s.status).code).toBe(finished ? grpc.status.OK : grpc.status.INVALID_ARGUMENT);
            break;
          }
          const reply = await s.next(5000).catch((err: Error) => {
            if (!finished) throw err;
            return undefined;
          });
          if (!reply) {
            expect((await s.status).code).toBe(grpc.status.OK);
            break;
          }
          // Which of the oneof members is set (the decoder also adds the discriminator `response`).
          const kinds = [...REQUEST_PHASES, "immediate_response" as const].filter((k) => reply[k] !== undefined && reply[k] !== null);
          expect(kinds.length === 1 && (kinds[0] === phase || kinds[0] === "immediate_response")).toBe(true);
          const eos = phase === "response_trailers" || (phase.startsWith("response_") && (m[phase] as { end_of_stream?: boolean }).end_of_stream === true);
          finished ||= kinds[0] === "immediate_response" || eos;
        }
        s.cancel();
        await s.status;
        s.close();
      }),
      { numRuns: 120, seed: 20261124 },
    );
    expect(await healthStatus()).toBe("SERVING");
    await new Promise((r) => setTimeout(r, 100));
    expect(tg.extProc.inflight).toBe(0);
  }, 120_000);
});
