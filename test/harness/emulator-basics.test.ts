// Emulator self-tests, part 1: message sequences and header handling. Each case names the Envoy test it mirrors
// (test/extensions/filters/http/ext_proc/{ext_proc_integration_test,filter_test}.cc).
import { describe, expect, it } from "vitest";
import { extProcSequence } from "./emulator/recorder.js";
import { headersOf, setHeader } from "./fake-ext-proc.js";
import { answerAll, useKit } from "./self-test-kit.js";

const kit = useKit();

describe("headers only", () => {
  it("passes a GET through with one request_headers and one response_headers exchange (GetAndContinue)", async () => {
    const envoy = await kit.emulator();
    const res = await fetch(`${envoy.url}/hello?x=1`, { headers: { "x-test-mode": "echo" } });
    expect(res.status).toBe(200);
    const echo = (await res.json()) as { path: string };
    expect(echo.path).toBe("/hello?x=1");
    const record = await envoy.request(0);
    expect(extProcSequence(record)).toEqual(["→request_headers", "←request_headers", "→response_headers", "←response_headers"]);
    const stream = kit.fake.streams.at(-1);
    expect(stream?.authority).toBe("ext_proc_server");
    const sent = stream?.received[0]?.request_headers;
    expect(sent?.end_of_stream).toBe(true);
    const headers = headersOf(sent?.headers);
    expect(headers).toMatchObject({ ":path": "/hello?x=1", ":method": "GET", ":scheme": "http", "x-forwarded-proto": "http" });
    expect(headers[":authority"]).toMatch(/^127\.0\.0\.1:\d+$/);
    expect(headers["x-request-id"]).toMatch(/^[0-9a-f-]{36}$/);
    expect(sent?.headers?.headers?.every((h) => h.value === undefined || h.value === "")).toBe(true);
    const response = headersOf(stream?.received[1]?.response_headers?.headers);
    expect(response[":status"]).toBe("200");
    expect(response["x-envoy-upstream-service-time"]).toMatch(/^\d+$/);
    expect(res.headers.get("server")).toBe("envoy");
  });

  it("applies set, append and remove on request and response headers (GetAndSetHeaders)", async () => {
    kit.script = (s) =>
      answerAll(s, {
        request_headers: {
          request_headers: {
            response: {
              header_mutation: {
                set_headers: [setHeader("x-added", "one"), setHeader("x-added", "two", true), setHeader("x-replace", "new")],
                remove_headers: ["x-remove-me"],
              },
            },
          },
        },
        response_headers: { response_headers: { response: { header_mutation: { set_headers: [setHeader("x-resp", "yes"), setHeader(":status", "201")] } } } },
      });
    const envoy = await kit.emulator();
    const res = await fetch(`${envoy.url}/h`, { headers: { "x-test-mode": "echo", "x-replace": "old", "x-remove-me": "1" } });
    expect(res.status).toBe(201);
    expect(res.headers.get("x-resp")).toBe("yes");
    const seen = await kit.upstreamA.request(kit.upstreamA.received.length - 1);
    expect(seen.headers["x-added"]).toEqual(["one", "two"]);
    expect(seen.headers["x-replace"]).toEqual(["new"]);
    expect(seen.headers["x-remove-me"]).toBeUndefined();
  });

  it("ignores disallowed mutations unless disallow_is_error (IgnoreInvalidHeaderMutations / FailOnInvalidHeaderMutations)", async () => {
    const mutation = { set_headers: [setHeader("host", "evil.example"), setHeader("x-envoy-foo", "1")], remove_headers: [":path"] };
    kit.script = (s) => answerAll(s, { request_headers: { request_headers: { response: { header_mutation: mutation } } } });
    const lenient = await kit.emulator({ extProc: { mutationRules: {} } });
    const ok = await fetch(`${lenient.url}/ok`, { headers: { "x-test-mode": "echo" } });
    expect(ok.status).toBe(200);
    const seen = kit.upstreamA.received.at(-1);
    expect(seen?.path).toBe("/ok");
    expect(seen?.headers["x-envoy-foo"]).toBeUndefined();
    expect((await lenient.request(0)).extProcEvents).toContainEqual({ type: "rejected_mutations", count: 3 });
    const strict = await kit.emulator({ extProc: { mutationRules: { disallow_is_error: true } } });
    const failed = await fetch(`${strict.url}/ok`);
    expect(failed.status).toBe(500);
    expect((await strict.request(0)).localReply?.details).toBe("Invalid_attempt_to_remove_:path");
  });

  it("round-trips non-UTF-8 header bytes through raw_value (GetAndSetHeadersNonUtf8WithValueInBytes)", async () => {
    const bytes = Buffer.from([0x61, 0xe9, 0xff, 0x62]);
    kit.script = (s) => answerAll(s, { request_headers: { request_headers: { response: { header_mutation: { set_headers: [{ header: { key: "x-bin", raw_value: bytes }, append: { value: false } }] } } } } });
    const envoy = await kit.emulator();
    await (await fetch(`${envoy.url}/bin`)).text();
    expect(Buffer.from(kit.upstreamA.received.at(-1)?.headers["x-bin"]?.[0] ?? "", "latin1")).toEqual(bytes);
  });
});
