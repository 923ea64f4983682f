// Emulator self-tests, part 3: immediate responses, spurious replies, timeouts, gRPC failures, stream close,
// route-cache clearing and dynamic metadata. Each case names the Envoy test it mirrors
// (test/extensions/filters/http/ext_proc/{ext_proc_integration_test,ordering_test,filter_test}.cc).
import * as grpc from "@grpc/grpc-js";
import { describe, expect, it } from "vitest";
import { extProcSequence } from "./emulator/recorder.js";
import { setHeader, type FakeStream } from "./fake-ext-proc.js";
import { answerAll, useKit } from "./self-test-kit.js";

const kit = useKit();

const echo = { "x-test-mode": "echo" };
const immediate = { immediate_response: { status: { code: 401 }, body: Buffer.from("denied by processor"), headers: { set_headers: [setHeader("x-reason", "policy"), setHeader("x-envoy-not-allowed", "1")] } } };

/** Answers everything, but the given phase with `reply`. */
const onPhase = (phase: string, reply: object) => (s: FakeStream) => answerAll(s, { [phase]: reply });

describe("immediate_response", () => {
  it.each([
    ["request_headers", {}],
    ["request_body", { request_body_mode: "BUFFERED" }],
  ] as const)("on %s: the client gets it, the upstream is never called (GetAndRespondImmediately…OnRequestBody)", async (phase, mode) => {
    kit.script = onPhase(phase, immediate);
    const before = kit.upstreamA.received.length;
    const envoy = await kit.emulator({ extProc: { processingMode: { request_header_mode: "SEND", response_header_mode: "SEND", ...mode } } });
    const res = await fetch(`${envoy.url}/imm`, { method: "POST", body: "x", headers: echo });
    expect(res.status).toBe(401);
    expect(await res.text()).toBe("denied by processor");
    expect(res.headers.get("x-reason")).toBe("policy");
    // Immediate-response headers pass the filter's mutation_rules: x-envoy-* is dropped.
    expect(res.headers.get("x-envoy-not-allowed")).toBeNull();
    expect(res.headers.get("content-type")).toBe("text/plain");
    const record = await envoy.request(0);
    expect(extProcSequence(record).at(-1)).toBe("←immediate_response");
    expect(record.extProc.filter((m) => m.direction === "sent").map((m) => m.kind)).not.toContain("response_headers");
    expect(kit.upstreamA.received.length).toBe(before);
  });

  it.each([
    ["response_headers", {}],
    ["response_body", { response_body_mode: "BUFFERED" }],
  ] as const)("on %s: replaces the upstream response (GetAndRespondImmediatelyOnResponse…OnResponseBody)", async (phase, mode) => {
    kit.script = onPhase(phase, immediate);
    const envoy = await kit.emulator({ extProc: { processingMode: { request_header_mode: "SEND", response_header_mode: "SEND", ...mode } } });
    const res = await fetch(`${envoy.url}/imm`, { headers: echo });
    expect(res.status).toBe(401);
    expect(await res.text()).toBe("denied by processor");
  });

  it("resets the stream when the response already went downstream (STREAMED response)", async () => {
    kit.script = onPhase("response_body", immediate);
    const envoy = await kit.emulator({ extProc: { processingMode: { response_body_mode: "STREAMED" } } });
    const res = await fetch(`${envoy.url}/late`, { headers: { "x-test-mode": "body", "x-test-body": "abcdef", "x-test-chunk-size": "2", "x-test-chunk-delay-ms": "30" } });
    expect(res.status).toBe(200);
    await expect(res.text()).rejects.toThrow();
    expect((await envoy.request(0)).response).toMatchObject({ reset: true });
  });

  it("treats an invalid status as 200 (GetAndRespondImmediatelyWithBadStatus)", async () => {
    kit.script = onPhase("request_headers", { immediate_response: { status: { code: 100 }, body: Buffer.from("ok") } });
    const envoy = await kit.emulator();
    expect((await fetch(`${envoy.url}/bad-status`)).status).toBe(200);
  });
});

describe("spurious replies", () => {
  it("a reply of the wrong kind gives 500 (IncorrectRequestHeadersReply, Envoy ≥1.35)", async () => {
    kit.script = onPhase("request_headers", { response_headers: {} });
    const envoy = await kit.emulator();
    const res = await fetch(`${envoy.url}/spurious`);
    expect(res.status).toBe(500);
    const record = await envoy.request(0);
    expect(record.localReply?.details).toBe("spurious_message");
    expect(extProcSequence(record)).toEqual(["→request_headers", "←response_headers"]);
  });

  it("an empty reply is unhandled, also 500", async () => {
    kit.script = onPhase("request_headers", {});
    const envoy = await kit.emulator();
    expect((await fetch(`${envoy.url}/empty-reply`)).status).toBe(500);
    expect((await envoy.request(0)).localReply?.details).toBe("unhandled_message");
  });

  it("before 1.35, or with failure_mode_allow, the processor is dropped and the request continues (OutOfOrder)", async () => {
    kit.script = onPhase("request_headers", { response_headers: {} });
    for (const overrides of [{ failClosedOnSpurious: false }, { extProc: { failureModeAllow: true } }]) {
      const envoy = await kit.emulator(overrides);
      expect((await fetch(`${envoy.url}/spurious`, { headers: echo })).status).toBe(200);
      const record = await envoy.request(0);
      expect(extProcSequence(record)).toEqual(["→request_headers", "←response_headers"]);
    }
  });
});

describe("timeouts", () => {
  const silent = async (s: FakeStream): Promise<void> => {
    await s.next();
    await s.cancelled;
  };

  it("no reply within message_timeout gives 504 (RequestMessageTimeout)", async () => {
    kit.script = silent;
    const envoy = await kit.emulator({ extProc: { messageTimeoutMs: 100 } });
    const started = Date.now();
    const res = await fetch(`${envoy.url}/slow`);
    expect(res.status).toBe(504);
    expect(Date.now() - started).toBeGreaterThanOrEqual(95);
    expect((await envoy.request(0)).localReply?.details).toBe("ext_proc_error_per-message_timeout_exceeded");
  });

  it("with failure_mode_allow the request continues and the processor hears nothing more (RequestMessageTimeoutIgnoreError)", async () => {
    kit.script = silent;
    const envoy = await kit.emulator({ extProc: { messageTimeoutMs: 100, failureModeAllow: true } });
    expect((await fetch(`${envoy.url}/slow`, { headers: echo })).status).toBe(200);
    expect(extProcSequence(await envoy.request(0))).toEqual(["→request_headers"]);
  });

  it("override_message_timeout extends the wait up to max_message_timeout (RequestAndResponseMessageNewTimeout…)", async () => {
    kit.script = async (s) => {
      const m = await s.next();
      s.reply({ override_message_timeout: { seconds: 1 } });
      await new Promise((r) => setTimeout(r, 300));
      if (m?.request) s.reply({ [m.request]: {} });
      await answerAll(s);
    };
    const envoy = await kit.emulator({ extProc: { messageTimeoutMs: 150 } });
    expect((await fetch(`${envoy.url}/extended`, { headers: echo })).status).toBe(200);
    const disabled = await kit.emulator({ extProc: { messageTimeoutMs: 150, maxMessageTimeoutMs: 0 } });
    expect((await fetch(`${disabled.url}/extended`)).status).toBe(504);
  });
});

describe("gRPC stream status", () => {
  it("a gRPC error gives 500 with the status in the details (GetAndFailStream)", async () => {
    kit.script = async (s) => {
      await s.next();
      s.fail(grpc.status.INTERNAL);
    };
    const envoy = await kit.emulator();
    expect((await fetch(`${envoy.url}/fail`)).status).toBe(500);
    expect((await envoy.request(0)).localReply?.details).toBe("ext_proc_error_gRPC_error_13");
  });

  it("with failure_mode_allow a gRPC error lets the request through (PostAndIgnoreFailure)", async () => {
    kit.script = async (s) => {
      await s.next();
      s.fail(grpc.status.UNAVAILABLE);
    };
    const envoy = await kit.emulator({ extProc: { failureModeAllow: true } });
    expect((await fetch(`${envoy.url}/fail`, { headers: echo })).status).toBe(200);
  });

  it("an OK close means no more processing: pass-through, nothing else sent (GetAndCloseStream)", async () => {
    kit.script = async (s) => {
      await s.next();
      s.closeOk();
    };
    const envoy = await kit.emulator();
    const res = await fetch(`${envoy.url}/closed`, { headers: { ...echo, "x-keep": "1" } });
    expect(res.status).toBe(200);
    expect(kit.upstreamA.received.at(-1)?.headers["x-keep"]).toEqual(["1"]);
    const record = await envoy.request(0);
    expect(extProcSequence(record)).toEqual(["→request_headers"]);
    expect(record.extProcEvents).toContainEqual({ type: "stream_status", code: 0, details: "OK" });
  });

  it("Envoy resets the stream when the request is over: the server sees CANCELLED", async () => {
    let cancelled = false;
    kit.script = async (s) => {
      await answerAll(s);
      await s.cancelled.then(() => {
        cancelled = true;
      });
    };
    const envoy = await kit.emulator();
    await (await fetch(`${envoy.url}/done`, { headers: echo })).text();
    await envoy.request(0);
    await expect.poll(() => cancelled).toBe(true);
  });
});

describe("version switches", () => {
  it("≤1.33 sent Envoy's own local replies to the processor as response_headers (processLocalReplies)", async () => {
    const routeToNowhere = onPhase("request_headers", {
      request_headers: { response: { header_mutation: { set_headers: [setHeader("x-route-to", "nowhere")] }, clear_route_cache: true } },
    });
    kit.script = routeToNowhere;
    const modern = await kit.emulator();
    expect((await fetch(`${modern.url}/by-header`)).status).toBe(503);
    expect(extProcSequence(await modern.request(0))).toEqual(["→request_headers", "←request_headers"]);
    const legacy = await kit.emulator({ processLocalReplies: true });
    expect((await fetch(`${legacy.url}/by-header`)).status).toBe(503);
    expect(extProcSequence(await legacy.request(0))).toEqual(["→request_headers", "←request_headers", "→response_headers", "←response_headers"]);
  });

  it("by default Envoy resets the stream at the end; with graceful close it half-closes and waits", async () => {
    /** Runs one request; tells whether the server saw a reset within 300 ms of the stream's end. */
    const resetSeen = async (gracefulCloseMs?: number): Promise<boolean> => {
      let seen: Promise<boolean> = Promise.resolve(false);
      kit.script = async (s) => {
        await answerAll(s);
        seen = Promise.race([s.cancelled.then(() => true), new Promise<boolean>((r) => setTimeout(() => r(false), 300))]);
        if (!(await seen)) s.closeOk();
      };
      const envoy = await kit.emulator(gracefulCloseMs === undefined ? {} : { gracefulCloseMs });
      await (await fetch(`${envoy.url}/close`, { headers: echo })).text();
      await envoy.request(0);
      await expect.poll(() => kit.fake.streams.at(-1)?.received.length).toBe(2);
      return new Promise((resolve) => setTimeout(() => resolve(seen), 50));
    };
    expect(await resetSeen()).toBe(true);
    expect(await resetSeen(1000)).toBe(false);
  });
});

describe("route cache", () => {
  const setTarget = (clear: boolean) => ({
    request_headers: { response: { header_mutation: { set_headers: [setHeader("x-target", "b")] }, clear_route_cache: clear } },
  });

  it("clear_route_cache with a header mutation re-picks the route (ClearRouteCacheHeaderMutation)", async () => {
    kit.script = onPhase("request_headers", setTarget(true));
    const envoy = await kit.emulator();
    const before = kit.upstreamB.received.length;
    expect((await fetch(`${envoy.url}/anything`, { headers: echo })).status).toBe(200);
    expect(kit.upstreamB.received.length).toBe(before + 1);
    expect((await envoy.request(0)).route).toEqual({ cluster: "upstream_b", recomputed: true });
  });

  it("without clear_route_cache the route picked before the mutation stands (ClearRouteCacheUnchanged)", async () => {
    kit.script = onPhase("request_headers", setTarget(false));
    const envoy = await kit.emulator();
    await (await fetch(`${envoy.url}/anything`, { headers: echo })).text();
    expect((await envoy.request(0)).route).toEqual({ cluster: "upstream_a", recomputed: false });
  });

  it("clear_route_cache without a header mutation is ignored", async () => {
    // ext_authz sets x-target without clearing the route; only ext_proc's reply could re-pick it.
    kit.check = () => ({ status: { code: 0 }, ok_response: { headers: [{ header: { key: "x-target", value: "b" }, append: { value: false } }] } });
    kit.script = onPhase("request_headers", { request_headers: { response: { clear_route_cache: true } } });
    const ignored = await kit.emulator();
    await (await fetch(`${ignored.url}/x`, { headers: echo })).text();
    expect((await ignored.request(0)).route?.cluster).toBe("upstream_a");
    kit.script = onPhase("request_headers", { request_headers: { response: { header_mutation: {}, clear_route_cache: true } } });
    const cleared = await kit.emulator();
    await (await fetch(`${cleared.url}/x`, { headers: echo })).text();
    expect((await cleared.request(0)).route?.cluster).toBe("upstream_b");
  });

  it("cluster_header names the cluster; an unknown name is a 503 (the egress allowlist)", async () => {
    const routeTo = (cluster: string) =>
      onPhase("request_headers", { request_headers: { response: { header_mutation: { set_headers: [setHeader("x-route-to", cluster)] }, clear_route_cache: true } } });
    kit.script = routeTo("upstream_b");
    const envoy = await kit.emulator();
    expect((await fetch(`${envoy.url}/by-header`, { headers: echo })).status).toBe(200);
    expect((await envoy.request(0)).route?.cluster).toBe("upstream_b");
    kit.script = routeTo("api.evil.example");
    const denied = await kit.emulator();
    const res = await fetch(`${denied.url}/by-header`);
    expect(res.status).toBe(503);
    expect((await denied.request(0)).localReply?.details).toBe("cluster_not_found");
  });
});

describe("dynamic metadata", () => {
  // Struct values are camelCase (stringValue, structValue) in proto-loader, even with keepCase.
  it("keeps only the receiving namespaces (SendAndReceiveDynamicMetadata)", async () => {
    const struct = (fields: Record<string, string>) => ({ fields: Object.fromEntries(Object.entries(fields).map(([k, v]) => [k, { stringValue: v }])) });
    kit.script = onPhase("request_headers", {
      request_headers: {},
      dynamic_metadata: { fields: { tollgate: { structValue: struct({ decision: "allow" }) }, other: { structValue: struct({ x: "y" }) } } },
    });
    const envoy = await kit.emulator();
    await (await fetch(`${envoy.url}/md`, { headers: echo })).text();
    expect((await envoy.request(0)).dynamicMetadata).toEqual({ tollgate: { decision: "allow" } });
  });
});
