// Emulator self-tests, part 2: body processing modes. Each case names the Envoy test it mirrors
// (test/extensions/filters/http/ext_proc/ext_proc_integration_test.cc unless noted).
import { request as httpRequest } from "node:http";
import { describe, expect, it } from "vitest";
import { extProcSequence } from "./emulator/recorder.js";
import type { FakeStream, IncomingProcessingRequest } from "./fake-ext-proc.js";
import { headersOf, setHeader } from "./fake-ext-proc.js";
import { answerAll, useKit } from "./self-test-kit.js";

const kit = useKit();

const BUFFERED_REQUEST = { request_header_mode: "SEND", request_body_mode: "BUFFERED", response_header_mode: "SEND" } as const;
const body = (m: IncomingProcessingRequest | undefined): string | undefined => (m?.request_body ?? m?.response_body)?.body?.toString();

/** A request body sent in pieces with pauses, so it arrives after the headers reply (not during the wait). */
function slowBody(pieces: string[], delayMs: number): ReadableStream<Uint8Array> {
  let i = 0;
  return new ReadableStream({
    async pull(controller) {
      await new Promise((r) => setTimeout(r, delayMs));
      const piece = pieces[i++];
      if (piece === undefined) controller.close();
      else controller.enqueue(Buffer.from(piece));
    },
  });
}

const postSlowly = (url: string, pieces: string[], headers: Record<string, string> = {}): Promise<Response> =>
  fetch(url, { method: "POST", body: slowBody(pieces, 40), headers, duplex: "half" } as RequestInit);

/** POST with Transfer-Encoding: chunked and no bytes: headers, then an empty DATA frame with end_stream. */
function postEmptyChunked(url: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = httpRequest(`${url}/empty`, { method: "POST", headers: { "transfer-encoding": "chunked", "x-test-mode": "echo" } }, (res) => {
      res.resume();
      res.on("end", () => resolve(res.statusCode ?? 0));
    });
    req.on("error", reject);
    req.end();
  });
}

describe("BUFFERED", () => {
  it("sends the whole body once and applies the body reply's header and body mutations (PostAndChangeRequestBodyBuffered)", async () => {
    kit.script = (s) =>
      answerAll(s, {
        request_body: {
          request_body: {
            response: {
              header_mutation: { set_headers: [setHeader("content-length", "11"), setHeader("x-from-body-reply", "1")] },
              body_mutation: { body: Buffer.from("HELLO WORLD") },
            },
          },
        },
      });
    const envoy = await kit.emulator({ extProc: { processingMode: BUFFERED_REQUEST } });
    const res = await fetch(`${envoy.url}/buffered`, { method: "POST", body: "hello", headers: { "x-test-mode": "echo" } });
    const echo = (await res.json()) as { body: string; headers: Record<string, string[]> };
    expect(echo.body).toBe("HELLO WORLD");
    expect(echo.headers["x-from-body-reply"]).toEqual(["1"]);
    expect(echo.headers["content-length"]).toEqual(["11"]);
    const record = await envoy.request(0);
    expect(extProcSequence(record)).toEqual(["→request_headers", "←request_headers", "→request_body", "←request_body", "→response_headers", "←response_headers"]);
    const stream = kit.fake.streams.at(-1);
    // false is proto3's default, so it is absent on the wire, as from Envoy.
    expect(stream?.received[0]?.request_headers?.end_of_stream).toBeUndefined();
    expect(stream?.received[1]?.request_body).toEqual({ body: Buffer.from("hello"), end_of_stream: true });
  });

  it("refuses a mutated body whose length contradicts content-length (MismatchedContentLengthAndBodyLength)", async () => {
    kit.script = (s) => answerAll(s, { request_body: { request_body: { response: { body_mutation: { body: Buffer.from("longer body") } } } } });
    const before = kit.upstreamA.received.length;
    const envoy = await kit.emulator({ extProc: { processingMode: BUFFERED_REQUEST } });
    const res = await fetch(`${envoy.url}/mismatch`, { method: "POST", body: "short" });
    expect(res.status).toBe(500);
    expect((await envoy.request(0)).localReply?.details).toBe("mismatch_between_content_length_and_the_length_of_the_mutated_body");
    expect(kit.upstreamA.received.length).toBe(before);
  });

  it("buffers the response and replaces it (GetAndSetBodyAndHeadersOnResponse)", async () => {
    kit.script = (s) =>
      answerAll(s, {
        response_body: (m) => ({
          response_body: {
            response: {
              header_mutation: { set_headers: [setHeader("content-length", String(body(m)?.toUpperCase().length ?? 0))] },
              body_mutation: { body: Buffer.from(body(m)?.toUpperCase() ?? "") },
            },
          },
        }),
      });
    const envoy = await kit.emulator({ extProc: { processingMode: { response_body_mode: "BUFFERED" } } });
    const res = await fetch(`${envoy.url}/resp`, { headers: { "x-test-mode": "body", "x-test-body": "abcdef", "x-test-chunk-size": "2", "x-test-chunk-delay-ms": "10" } });
    expect(await res.text()).toBe("ABCDEF");
    const messages = kit.fake.streams.at(-1)?.received ?? [];
    expect(messages.filter((m) => m.response_body)).toHaveLength(1);
    expect(messages.find((m) => m.response_body)?.response_body).toEqual({ body: Buffer.from("abcdef"), end_of_stream: true });
  });

  it("answers 413 itself when the buffered request body outgrows the buffer limit; the processor never sees it", async () => {
    const envoy = await kit.emulator({ extProc: { processingMode: BUFFERED_REQUEST }, bufferLimitBytes: 1024 });
    const res = await postSlowly(`${envoy.url}/big`, ["x".repeat(600), "x".repeat(600), "x".repeat(600)]);
    expect(res.status).toBe(413);
    expect(await res.text()).toBe("Payload Too Large");
    const record = await envoy.request(0);
    expect(record.extProc.map((m) => m.kind)).not.toContain("request_body");
  });

  it("answers 500 when the buffered response body outgrows the buffer limit", async () => {
    const envoy = await kit.emulator({ extProc: { processingMode: { response_body_mode: "BUFFERED" } }, bufferLimitBytes: 1024 });
    const res = await fetch(`${envoy.url}/big-response`, {
      headers: { "x-test-mode": "body", "x-test-body": "y".repeat(4096), "x-test-chunk-size": "600", "x-test-chunk-delay-ms": "30" },
    });
    expect(res.status).toBe(500);
    expect((await envoy.request(0)).localReply?.details).toBe("response_payload_too_large");
  });
});

describe("no body and empty body", () => {
  it.each(["BUFFERED", "STREAMED", "BUFFERED_PARTIAL"] as const)(
    "%s: a GET sends no body message (GetBufferedButNoBodies)",
    async (mode) => {
      const envoy = await kit.emulator({ extProc: { processingMode: { request_body_mode: mode, response_body_mode: mode } } });
      await (await fetch(`${envoy.url}/get`, { headers: { "x-test-mode": "body", "x-test-body": "response" } })).text();
      const kinds = (await envoy.request(0)).extProc.filter((m) => m.direction === "sent").map((m) => m.kind);
      expect(kinds).toEqual(["request_headers", "response_headers", "response_body"]);
      expect(kit.fake.streams.at(-1)?.received[0]?.request_headers?.end_of_stream).toBe(true);
    },
  );

  it.each(["BUFFERED", "STREAMED", "BUFFERED_PARTIAL"] as const)(
    "%s: an empty chunked POST sends one empty body message with end_of_stream (BufferBodyOverridePostWithEmptyBody)",
    async (mode) => {
      const envoy = await kit.emulator({ extProc: { processingMode: { request_body_mode: mode } } });
      expect(await postEmptyChunked(envoy.url)).toBe(200);
      const received = kit.fake.streams.at(-1)?.received ?? [];
      expect(received[0]?.request_headers?.end_of_stream).toBeUndefined();
      expect(received.filter((m) => m.request_body).map((m) => m.request_body)).toEqual([{ end_of_stream: true }]);
    },
  );

  it("a POST with content-length 0 has no body at all on HTTP/1 (headers carry end_of_stream)", async () => {
    const envoy = await kit.emulator({ extProc: { processingMode: BUFFERED_REQUEST } });
    await (await fetch(`${envoy.url}/zero`, { method: "POST", body: "" })).text();
    const received = kit.fake.streams.at(-1)?.received ?? [];
    expect(received[0]?.request_headers?.end_of_stream).toBe(true);
    expect(received.some((m) => m.request_body)).toBe(false);
  });
});

describe("STREAMED", () => {
  /** Collects `count` response_body messages before answering any, then answers them in order. */
  async function holdThenAnswer(s: FakeStream, count: number, replace: (i: number) => string): Promise<void> {
    const held: IncomingProcessingRequest[] = [];
    for (let m = await s.next(); m; m = await s.next()) {
      if (m.request !== "response_body") {
        s.reply({ [m.request ?? "request_headers"]: {} });
        continue;
      }
      held.push(m);
      if (held.length === count || m.response_body?.end_of_stream) {
        held.forEach((_h, i) => s.reply({ response_body: { response: { body_mutation: { body: Buffer.from(replace(i)) } } } }));
        held.length = 0;
      }
    }
  }

  it("pipelines chunks, applies late replies FIFO and drops chunks replaced by nothing (PostStreamingBodiesDifferentOrder, StreamingBodyMutateLastEmptyChunk)", async () => {
    kit.script = (s) => holdThenAnswer(s, 3, (i) => ["A", "", "C"][i] ?? "");
    const envoy = await kit.emulator({ extProc: { processingMode: { response_body_mode: "STREAMED" } } });
    const res = await fetch(`${envoy.url}/stream`, {
      headers: { "x-test-mode": "body", "x-test-body": "aaaabbbbcccc", "x-test-chunk-size": "4", "x-test-chunk-delay-ms": "40" },
    });
    expect(res.headers.get("content-length")).toBeNull();
    expect(await res.text()).toBe("AC");
    const bodies = (kit.fake.streams.at(-1)?.received ?? []).filter((m) => m.response_body).map((m) => m.response_body);
    expect(bodies.slice(0, 3).map((b) => b?.body?.toString())).toEqual(["aaaa", "bbbb", "cccc"]);
    expect(bodies.at(-1)?.end_of_stream).toBe(true);
    // Three chunks were sent before the first reply came back.
    const seq = extProcSequence(await envoy.request(0));
    expect(seq.slice(seq.indexOf("→response_body"), seq.indexOf("→response_body") + 4)).toEqual(["→response_body", "→response_body", "→response_body", "←response_body"]);
  });

  it("removes content-length from a streamed request and ignores header mutations in chunk replies (RemoveRequestContentLengthInStreamedMode)", async () => {
    kit.script = (s) =>
      answerAll(s, {
        request_headers: {
          request_headers: {},
          mode_override: { request_body_mode: "STREAMED" },
        },
        request_body: { request_body: { response: { header_mutation: { set_headers: [setHeader("x-too-late", "1")] } } } },
      });
    const envoy = await kit.emulator({ extProc: { processingMode: { request_body_mode: "STREAMED" } } });
    const res = await fetch(`${envoy.url}/upload`, { method: "POST", body: "payload", headers: { "x-test-mode": "echo" } });
    const echo = (await res.json()) as { body: string; headers: Record<string, string[]> };
    expect(echo.body).toBe("payload");
    expect(echo.headers["content-length"]).toBeUndefined();
    expect(echo.headers["transfer-encoding"]).toEqual(["chunked"]);
  });
});

describe("BUFFERED_PARTIAL", () => {
  it("sends what fits the limit with end_of_stream false and lets the rest bypass the processor (PostFastAndBigRequestPartialBuffering)", async () => {
    kit.script = (s) => answerAll(s, { request_body: { request_body: { response: { body_mutation: { body: Buffer.from("HEAD") } } } } });
    const envoy = await kit.emulator({ extProc: { processingMode: { request_body_mode: "BUFFERED_PARTIAL" } }, bufferLimitBytes: 1000 });
    const res = await postSlowly(`${envoy.url}/partial`, Array.from({ length: 5 }, () => "z".repeat(1000)), { "x-test-mode": "echo" });
    const echo = (await res.json()) as { body: string };
    const partial = (kit.fake.streams.at(-1)?.received ?? []).filter((m) => m.request_body);
    expect(partial).toHaveLength(1);
    const sent = partial[0]?.request_body;
    expect(sent?.end_of_stream ?? false).toBe(false);
    expect(sent?.body?.length).toBeGreaterThan(1000);
    expect(echo.body).toBe(`HEAD${"z".repeat(5000 - (sent?.body?.length ?? 0))}`);
  });
});

describe("CONTINUE_AND_REPLACE", () => {
  it("replaces the body from the headers reply and sends no body message (ReplaceRequest)", async () => {
    kit.script = (s) =>
      answerAll(s, {
        request_headers: {
          request_headers: {
            response: {
              status: "CONTINUE_AND_REPLACE",
              header_mutation: { set_headers: [setHeader(":method", "POST")] },
              body_mutation: { body: Buffer.from("replaced") },
            },
          },
        },
      });
    const envoy = await kit.emulator({ extProc: { processingMode: BUFFERED_REQUEST } });
    const res = await fetch(`${envoy.url}/replace`, { headers: { "x-test-mode": "echo" } });
    const echo = (await res.json()) as { method: string; body: string };
    expect(echo).toMatchObject({ method: "POST", body: "replaced" });
    expect((await envoy.request(0)).extProc.map((m) => m.kind)).not.toContain("request_body");
  });
});

describe("mode_override", () => {
  const streamedChat = (url: string): Promise<Response> =>
    fetch(`${url}/v1/chat/completions`, {
      method: "POST",
      headers: { "content-type": "application/json", "x-test-content": "abc", "x-test-chunk-size": "1", "x-test-chunk-delay-ms": "30" },
      body: JSON.stringify({ model: "m", stream: true, messages: [] }),
    });
  const overrideToStreamed = (s: FakeStream): Promise<void> =>
    answerAll(s, { response_headers: { response_headers: {}, mode_override: { response_body_mode: "STREAMED" } } });

  it("switches the response to STREAMED when allow_mode_override is set (ModeOverrideAllowed)", async () => {
    kit.script = overrideToStreamed;
    const envoy = await kit.emulator({ extProc: { processingMode: { response_body_mode: "BUFFERED" } } });
    const text = await (await streamedChat(envoy.url)).text();
    expect(text).toContain("data: [DONE]");
    const bodies = (kit.fake.streams.at(-1)?.received ?? []).filter((m) => m.response_body).map((m) => m.response_body?.body?.toString() ?? "");
    expect(bodies.length).toBeGreaterThanOrEqual(4);
    expect(bodies.join("")).toBe(text);
  });

  it("keeps the configured mode when allow_mode_override is off (ModeOverrideDisallowed)", async () => {
    kit.script = overrideToStreamed;
    const envoy = await kit.emulator({ extProc: { processingMode: { response_body_mode: "BUFFERED" }, allowModeOverride: false } });
    const text = await (await streamedChat(envoy.url)).text();
    const bodies = (kit.fake.streams.at(-1)?.received ?? []).filter((m) => m.response_body).map((m) => m.response_body);
    expect(bodies).toEqual([{ body: Buffer.from(text), end_of_stream: true }]);
  });
});

describe("per-route configuration", () => {
  it("opens no stream on a route that disables ext_proc (PerRouteDisable)", async () => {
    const envoy = await kit.emulator();
    const before = kit.fake.streams.length;
    expect((await fetch(`${envoy.url}/no-ext-proc`, { headers: { "x-test-mode": "echo" } })).status).toBe(200);
    expect((await envoy.request(0)).extProc).toEqual([]);
    expect(kit.fake.streams.length).toBe(before);
  });

  it("replaces the whole processing mode on a route that overrides it (PerRouteProcessingMode)", async () => {
    const envoy = await kit.emulator({ extProc: { processingMode: { response_header_mode: "SEND", response_body_mode: "BUFFERED" } } });
    await (await fetch(`${envoy.url}/streamed`, { method: "POST", body: "abc" })).text();
    expect(extProcSequence(await envoy.request(0))).toEqual(["→request_headers", "←request_headers", "→request_body", "←request_body"]);
    expect(headersOf(kit.fake.streams.at(-1)?.received[0]?.request_headers?.headers)[":path"]).toBe("/streamed");
  });
});
