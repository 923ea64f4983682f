// The load generator reads replies with a hand-rolled protobuf scanner and sends pre-encoded requests; both must
// agree with the project's proto definitions, which is what these tests pin down.
import { describe, expect, it } from "vitest";
import { loadServiceProtos, lookupService, SERVICE_NAMES } from "../../src/transport/protos.js";
import { buildCheckRequest, buildExtProcMessages, SSE_CHUNKS } from "../../bench/lib/messages.js";
import { BODY_MODE, REPLY_KIND, summarizeCheckResponse, summarizeProcessingResponse } from "../../bench/lib/wire.js";
import { FrameReader } from "../../bench/lib/h2grpc.js";
import { MessageTemplate } from "../../bench/lib/template.js";

const root = loadServiceProtos();
const process_ = lookupService(root, SERVICE_NAMES.extProc).service.Process;
const check = lookupService(root, SERVICE_NAMES.extAuthz).service.Check;
if (!process_ || !check) throw new Error("protos not loaded");

interface DecodedHeaders {
  headers: { headers: { key: string; raw_value: Buffer }[] };
  end_of_stream?: boolean;
}
interface DecodedRequest {
  request: string;
  request_headers?: DecodedHeaders;
  response_headers?: DecodedHeaders;
  request_body?: { body: Buffer; end_of_stream?: boolean };
  response_body?: { body: Buffer; end_of_stream?: boolean };
  metadata_context?: object;
}

/** Strips the 5-byte gRPC frame header and decodes with the real codec. */
function decodeFramed(framed: Buffer): DecodedRequest {
  expect(framed.readUInt32BE(1)).toBe(framed.length - 5);
  return process_!.requestDeserialize(framed.subarray(5)) as DecodedRequest;
}

function header(h: DecodedHeaders | undefined, key: string): string | undefined {
  return h?.headers.headers.find((e) => e.key === key)?.raw_value.toString();
}

describe("reply scanner agrees with proto-loader", () => {
  const encode = (msg: object): Buffer => process_.responseSerialize(msg);

  it("finds the oneof arm of each reply kind", () => {
    for (const [kind, field] of Object.entries(REPLY_KIND)) {
      if (kind === "none" || kind === "immediate_response") continue;
      const body = kind.endsWith("trailers") ? {} : { response: { status: "CONTINUE" } };
      expect(summarizeProcessingResponse(encode({ [kind]: body })).kind).toBe(field);
    }
    expect(summarizeProcessingResponse(encode({})).kind).toBe(REPLY_KIND.none);
  });

  it("reads mode_override, treating an absent body mode as NONE's wire form", () => {
    const streamed = summarizeProcessingResponse(
      encode({ response_headers: {}, mode_override: { response_body_mode: "STREAMED" } }),
    );
    expect(streamed).toMatchObject({ kind: REPLY_KIND.response_headers, modeOverride: true, responseBodyMode: BODY_MODE.STREAMED });
    const headerOnly = summarizeProcessingResponse(encode({ response_headers: {}, mode_override: { response_header_mode: "SKIP" } }));
    expect(headerOnly).toMatchObject({ modeOverride: true, responseBodyMode: undefined, requestBodyMode: undefined });
    expect(summarizeProcessingResponse(encode({ request_headers: {} })).modeOverride).toBe(false);
  });

  it("reads an immediate response's HTTP status past other fields", () => {
    const reply = encode({
      immediate_response: { status: { code: "Unauthorized" }, body: Buffer.from('{"error":{}}'), details: "no key" },
      dynamic_metadata: { fields: { tollgate: { string_value: "x" } } },
    });
    expect(summarizeProcessingResponse(reply)).toMatchObject({ kind: REPLY_KIND.immediate_response, immediateStatus: 401 });
  });

  it("reads Check decisions", () => {
    expect(summarizeCheckResponse(check.responseSerialize({ status: { code: 0 }, ok_response: {} }))).toEqual({ code: 0, deniedStatus: undefined });
    expect(summarizeCheckResponse(check.responseSerialize({}))).toEqual({ code: 0, deniedStatus: undefined });
    const denied = check.responseSerialize({ status: { code: 16 }, denied_response: { status: { code: "Forbidden" }, body: "no" } });
    expect(summarizeCheckResponse(denied)).toEqual({ code: 16, deniedStatus: 403 });
  });
});

describe("pre-encoded Envoy messages", () => {
  const opts = { authorization: "Bearer tg-bench-key", model: "gpt-4o-mini" };

  it("carries a realistic request header set as raw_value bytes with fresh ids per request", () => {
    const msgs = buildExtProcMessages("buffered", opts);
    const [a, b] = [decodeFramed(msgs.renderRequestHeaders()), decodeFramed(msgs.renderRequestHeaders())];
    expect(a.request).toBe("request_headers");
    expect(a.metadata_context).toBeDefined();
    expect(a.request_headers?.end_of_stream).toBe(false);
    expect(header(a.request_headers, ":method")).toBe("POST");
    expect(header(a.request_headers, ":path")).toBe("/v1/chat/completions");
    expect(header(a.request_headers, "authorization")).toBe("Bearer tg-bench-key");
    for (const key of [":authority", ":scheme", "content-type", "x-forwarded-proto"]) expect(header(a.request_headers, key)).toBeTruthy();
    expect(header(a.request_headers, "x-request-id")).toMatch(/^[0-9a-f]{8}-0000-4000-8000-[0-9a-f]{12}$/);
    expect(header(a.request_headers, "traceparent")).toMatch(/^00-[0-9a-f]{32}-[0-9a-f]{16}-01$/);
    expect(header(a.request_headers, "x-request-id")).not.toBe(header(b.request_headers, "x-request-id"));
  });

  it("sends 1 KB JSON bodies with end_of_stream, content-length matching", () => {
    const msgs = buildExtProcMessages("buffered", opts);
    const req = decodeFramed(msgs.requestBody);
    expect(req.request_body?.body.length).toBe(1024);
    expect(req.request_body?.end_of_stream).toBe(true);
    expect(JSON.parse(req.request_body?.body.toString() ?? "")).toMatchObject({ model: "gpt-4o-mini" });
    expect(header(decodeFramed(msgs.renderRequestHeaders()).request_headers, "content-length")).toBe("1024");
    const resp = decodeFramed(msgs.responseBodyBuffered);
    expect(JSON.parse(resp.response_body?.body.toString() ?? "")).toMatchObject({ usage: { total_tokens: 399 } });
    expect(header(decodeFramed(msgs.responseHeaders).response_headers, ":status")).toBe("200");
  });

  it("splits the SSE response into 50 events, the last ending the stream", () => {
    const msgs = buildExtProcMessages("sse", opts);
    expect(header(decodeFramed(msgs.responseHeaders).response_headers, "content-type")).toBe("text/event-stream");
    const chunks = msgs.responseBodyChunks.map(decodeFramed);
    expect(chunks).toHaveLength(SSE_CHUNKS);
    expect(chunks.map((c) => c.response_body?.end_of_stream ?? false)).toEqual(chunks.map((_, i) => i === SSE_CHUNKS - 1));
    expect(chunks.every((c) => c.response_body?.body.toString().startsWith("data: "))).toBe(true);
    expect(chunks.at(-1)?.response_body?.body.toString()).toBe("data: [DONE]\n\n");
    expect(JSON.parse(decodeFramed(msgs.requestBody).request_body?.body.toString() ?? "")).toMatchObject({ stream: true });
  });

  it("builds a CheckRequest with the request's headers map", () => {
    const render = buildCheckRequest(opts);
    const framed = render();
    const decoded = check.requestDeserialize(framed.subarray(5)) as {
      attributes: { request: { http: { method: string; path: string; headers: Record<string, string>; id: string } } };
    };
    expect(decoded.attributes.request.http).toMatchObject({ method: "POST", path: "/v1/chat/completions" });
    expect(decoded.attributes.request.http.headers.authorization).toBe("Bearer tg-bench-key");
    expect(decoded.attributes.request.http.id).toMatch(/^\d{19}$/);
  });
});

describe("framing helpers", () => {
  it("splits gRPC frames across arbitrary chunk boundaries", () => {
    const seen: string[] = [];
    const reader = new FrameReader((m) => seen.push(m.toString()));
    const frame = (s: string): Buffer => Buffer.concat([Buffer.from([0, 0, 0, 0, s.length]), Buffer.from(s)]);
    const all = Buffer.concat([frame("one"), frame(""), frame("three")]);
    for (let i = 0; i < all.length; i += 2) reader.push(all.subarray(i, i + 2));
    expect(seen).toEqual(["one", "", "three"]);
  });

  it("refuses slot values of the wrong width", () => {
    const t = new MessageTemplate(Buffer.from("id=XXXX;"), ["XXXX"]);
    expect(t.render(["abcd"]).toString()).toBe("id=abcd;");
    expect(() => t.render(["abc"])).toThrow(/4 ASCII/);
  });
});
