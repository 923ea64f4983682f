import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { BASE_CONFIG, BASE_ENV, startTestTollgate, type TestTollgate } from "../helpers/tollgate.js";
import { CHAT_BODY, body, immediateStatus, chatRequestHeaders, headers, mutationOf, openStream, responseHeaders } from "../helpers/extproc-client.js";

let tg: TestTollgate;
let target: string;

beforeAll(async () => {
  tg = await startTestTollgate(BASE_CONFIG, { env: BASE_ENV });
  target = `127.0.0.1:${tg.grpcPort}`;
});
afterAll(async () => {
  await tg.stop();
});

describe("ext_proc stream loop", () => {
  it("answers every phase of a chat completion with a reply of the matching kind", async () => {
    const s = openStream(target);
    const h = await s.roundTrip(chatRequestHeaders());
    expect(Object.keys(h)).toContain("request_headers");
    const b = await s.roundTrip(body("request_body", CHAT_BODY));
    expect(b.request_body).toBeDefined();
    const m = mutationOf(b);
    expect(m.set["x-tollgate-cluster"]).toBe("openai");
    expect(m.set[":authority"]).toBe("api.openai.com");
    // The client's key never goes upstream: the provider's credential replaces it.
    expect(m.set.authorization).toBe("Bearer sk-provider-openai");
    expect(b.request_body!.response!.clear_route_cache).toBe(true);
    const rh = await s.roundTrip(responseHeaders(200, "application/json"));
    expect(rh.response_headers).toBeDefined();
    expect(rh.mode_override).toBeUndefined();
    const rb = await s.roundTrip(
      body("response_body", { id: "c1", choices: [{ index: 0, message: { role: "assistant", content: "Hi" } }], usage: { prompt_tokens: 9, completion_tokens: 1 } }),
    );
    expect(rb.response_body).toBeDefined();
    expect(rb.response_body!.response?.body_mutation).toBeUndefined();
    // The response is complete: Tollgate closes the stream with OK itself, so Envoy has no stream to reset.
    expect((await s.status).code).toBe(0);
    s.close();
  });

  it("switches SSE responses to STREAMED and replies to each chunk in order", async () => {
    const s = openStream(target);
    await s.roundTrip(chatRequestHeaders({ "x-request-id": "sse-1" }));
    await s.roundTrip(body("request_body", { ...CHAT_BODY, stream: true }));
    const rh = await s.roundTrip(responseHeaders(200, "text/event-stream"));
    expect(rh.mode_override?.response_body_mode).toBe("STREAMED");
    const chunk = (t: string) => `data: ${JSON.stringify({ choices: [{ index: 0, delta: { content: t } }] })}\n\n`;
    // Pipelined as Envoy sends STREAMED chunks: all written before any reply is read.
    s.send(body("response_body", chunk("a"), false));
    s.send(body("response_body", chunk("b"), false));
    s.send(body("response_body", "data: [DONE]\n\n", true));
    const replies = [await s.next(), await s.next(), await s.next()];
    for (const r of replies) {
      expect(r.response_body).toBeDefined();
      // Whole events and no policy changing them: the chunks pass untouched.
      expect(r.response_body!.response?.body_mutation).toBeUndefined();
    }
    s.cancel();
    s.close();
  });

  it("holds back a partial SSE event until it completes", async () => {
    const s = openStream(target);
    await s.roundTrip(chatRequestHeaders({ "x-request-id": "sse-2" }));
    await s.roundTrip(body("request_body", { ...CHAT_BODY, stream: true }));
    await s.roundTrip(responseHeaders(200, "text/event-stream"));
    const event = `data: ${JSON.stringify({ choices: [{ index: 0, delta: { content: "héllo" } }] })}\n\n`;
    const bytes = Buffer.from(event);
    const cut = bytes.indexOf(0xc3) + 1; // inside the two-byte é
    const first = await s.roundTrip({ response_body: { body: bytes.subarray(0, cut), end_of_stream: false } });
    expect(first.response_body!.response!.body_mutation!.clear_body).toBe(true);
    const second = await s.roundTrip({ response_body: { body: bytes.subarray(cut), end_of_stream: false } });
    expect(Buffer.from(second.response_body!.response!.body_mutation!.body!).toString("utf8")).toBe(event);
    s.cancel();
    s.close();
  });

  it("ends a truncated stream with an error event instead of a silent success", async () => {
    const s = openStream(target);
    await s.roundTrip(chatRequestHeaders({ "x-request-id": "sse-3" }));
    await s.roundTrip(body("request_body", { ...CHAT_BODY, stream: true }));
    await s.roundTrip(responseHeaders(200, "text/event-stream"));
    const partial = `data: ${JSON.stringify({ choices: [{ index: 0, delta: { content: "x" } }] })}\n\ndata: {"choi`;
    const r = await s.roundTrip(body("response_body", partial, true));
    const out = Buffer.from(r.response_body!.response!.body_mutation!.body!).toString("utf8");
    expect(out).toContain('"content":"x"');
    expect(out.split('{"choi').length).toBe(2); // the complete event only; the cut fragment is dropped
    expect(out).toMatch(/"code":"upstream_truncated"[\s\S]*data: \[DONE\]\n\n$/);
    s.cancel();
    s.close();
  });

  it("answers malformed JSON with a 400 in the client's API shape", async () => {
    const s = openStream(target);
    await s.roundTrip(chatRequestHeaders());
    const r = await s.roundTrip(body("request_body", '{"model": "gpt-4o", "messages": [', true));
    expect(immediateStatus(r)).toBe(400);
    const err = JSON.parse(Buffer.from(r.immediate_response!.body!).toString("utf8"));
    expect(err.error.code).toBe("invalid_json");
    expect(err.error.message).toMatch(/not valid JSON/);
    s.cancel();
    s.close();
  });

  it("answers an Anthropic request's errors in Anthropic's shape", async () => {
    const s = openStream(target);
    await s.roundTrip(chatRequestHeaders({}, "/v1/messages"));
    const r = await s.roundTrip(body("request_body", { model: "claude-x", max_tokens: 10, messages: "nope" }));
    expect(immediateStatus(r)).toBe(400);
    const err = JSON.parse(Buffer.from(r.immediate_response!.body!).toString("utf8"));
    expect(err).toMatchObject({ type: "error", error: { type: "invalid_request_error" } });
    s.cancel();
    s.close();
  });

  it("denies unknown paths per config, at headers when there is no body", async () => {
    const s = openStream(target);
    const r = await s.roundTrip({
      request_headers: { headers: headers({ ":method": "GET", ":path": "/admin/secrets", authorization: "Bearer test-key" }), end_of_stream: true },
    });
    expect(immediateStatus(r)).toBe(404);
    s.cancel();
    s.close();
  });

  it("denies a request without a key with 401", async () => {
    const s = openStream(target);
    const r = await s.roundTrip(chatRequestHeaders({ authorization: "" }));
    expect(immediateStatus(r)).toBe(401);
    s.cancel();
    s.close();
  });

  it("survives a cancel at any point and records the request", async () => {
    const s = openStream(target);
    await s.roundTrip(chatRequestHeaders({ "x-request-id": "cancel-me" }));
    s.send(body("request_body", CHAT_BODY));
    s.cancel();
    await s.status;
    s.close();
    await new Promise((r) => setTimeout(r, 50));
    const line = tg.logs().find((l) => l.request_id === "cancel-me" && l.msg === "request complete");
    expect(line).toBeDefined();
    expect(tg.extProc.inflight).toBe(0);
  });

  it("closes with OK after a half-close, having answered what was sent", async () => {
    const s = openStream(target);
    s.send(chatRequestHeaders({ "x-request-id": "half" }));
    s.halfClose();
    const r = await s.next();
    expect(r.request_headers).toBeDefined();
    expect((await s.status).code).toBe(0);
    s.close();
  });

  it("sends no replies in observability mode", async () => {
    const s = openStream(target);
    s.send({ ...chatRequestHeaders({ "x-request-id": "obs" }), observability_mode: true });
    await expect(s.next(300)).rejects.toThrow(/no reply/);
    s.cancel();
    s.close();
  });

  it("ends a stream whose message carries no phase with INVALID_ARGUMENT", async () => {
    const s = openStream(target);
    s.send({});
    const status = await s.status;
    expect(status.code).toBe(3);
    s.close();
  });
});
