// Smoke test of the load generator against real gRPC servers: a handful of requests per variant, checking the
// message order and counts the server saw and the outcomes the client counted. No timing assertions.
import * as grpc from "@grpc/grpc-js";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { runLoad, type LoadOptions } from "../../bench/lib/load.js";
import { SSE_CHUNKS } from "../../bench/lib/messages.js";
import { startNoopServer, type NoopServer, type ProcessingRequest } from "../../bench/noop-server.js";
import { loadServiceProtos, lookupService, SERVICE_NAMES } from "../../src/transport/protos.js";

const REQUESTS = 12;

/** Per stream, the kinds of the messages the server received, with "+eos" on body messages that end the stream. */
type Trace = Map<number, string[]>;

function recorder(trace: Trace) {
  return (stream: number, msg: ProcessingRequest): void => {
    const kind = msg.request ?? "none";
    const eos = kind === "request_body" ? msg.request_body?.end_of_stream : kind === "response_body" ? msg.response_body?.end_of_stream : false;
    trace.set(stream, [...(trace.get(stream) ?? []), eos ? `${kind}+eos` : kind]);
  };
}

function options(grpcTarget: string, metricsUrl: string | null, overrides: Partial<LoadOptions>): LoadOptions {
  return {
    grpcTarget,
    metricsUrl,
    variant: "buffered",
    concurrency: 3,
    warmupMs: 0,
    durationMs: 0,
    connections: 1,
    authorization: "Bearer tg-bench-key",
    model: "gpt-4o-mini",
    close: "reset",
    requests: REQUESTS,
    ...overrides,
  };
}

describe("load generator against the no-op server", () => {
  const trace: Trace = new Map();
  let server: NoopServer;
  let dir: string;
  let socket: string;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), "tollgate-bench-test-"));
    socket = join(dir, "noop.sock");
    server = await startNoopServer({ grpcPort: 0, grpcSocket: socket, adminPort: 0, onMessage: recorder(trace) });
  });
  afterAll(async () => {
    await server.close();
    rmSync(dir, { recursive: true, force: true });
  });

  const metrics = (): string => `http://127.0.0.1:${server.adminPort}/metrics`;

  it("drives the buffered pattern: four phases in order, one reply each", async () => {
    trace.clear();
    const report = await runLoad(options(`127.0.0.1:${server.grpcPort}`, metrics(), {}));
    expect(report.outcomes).toEqual({ complete: REQUESTS, immediate: 0, closedEarly: 0, spurious: 0, rpcError: 0 });
    expect(report.requests).toBe(REQUESTS);
    expect(report.messagesPerRequest).toBe(4);
    expect(report.serverCpuUsPerRequest).toBeGreaterThan(0);
    expect(trace.size).toBe(REQUESTS);
    for (const messages of trace.values()) {
      expect(messages).toEqual(["request_headers", "request_body+eos", "response_headers", "response_body+eos"]);
    }
  });

  it("pipelines 50 SSE chunks after the server's mode_override, over a Unix socket", async () => {
    trace.clear();
    const report = await runLoad(options(`unix:${socket}`, metrics(), { variant: "sse", close: "graceful" }));
    expect(report.outcomes.complete).toBe(REQUESTS);
    expect(report.messagesPerRequest).toBe(3 + SSE_CHUNKS);
    const chunks = Array.from({ length: SSE_CHUNKS }, (_, i) => (i === SSE_CHUNKS - 1 ? "response_body+eos" : "response_body"));
    for (const messages of trace.values()) {
      expect(messages).toEqual(["request_headers", "request_body+eos", "response_headers", ...chunks]);
    }
  });

  it("sends ext_authz Checks", async () => {
    const report = await runLoad(options(`127.0.0.1:${server.grpcPort}`, metrics(), { variant: "authz" }));
    expect(report.outcomes.complete).toBe(REQUESTS);
    expect(report.messagesPerRequest).toBe(1);
  });

  it("runs time-bounded with a warm-up and a measured window", async () => {
    const { requests: _omit, ...timed } = options(`127.0.0.1:${server.grpcPort}`, metrics(), { warmupMs: 100, durationMs: 300 });
    const report = await runLoad(timed);
    expect(report.requests).toBeGreaterThan(0);
    expect(report.outcomes.complete).toBe(report.requests);
    expect(report.seconds).toBeGreaterThan(0);
  });
});

/** A server whose replies a test scripts: what a Tollgate that denies or never switches to STREAMED looks like. */
async function scriptedServer(reply: (msg: ProcessingRequest) => object): Promise<{ port: number; trace: string[]; close(): void }> {
  const trace: string[] = [];
  const server = new grpc.Server();
  server.addService(lookupService(loadServiceProtos(), SERVICE_NAMES.extProc).service, {
    Process: (call: grpc.ServerDuplexStream<ProcessingRequest, object>) => {
      call.on("data", (msg: ProcessingRequest) => {
        trace.push(msg.request ?? "none");
        call.write(reply(msg));
      });
      call.on("end", () => call.end());
      call.on("error", () => undefined);
    },
  });
  const port = await new Promise<number>((resolve, reject) =>
    server.bindAsync("127.0.0.1:0", grpc.ServerCredentials.createInsecure(), (err, p) => (err ? reject(err) : resolve(p))),
  );
  return { port, trace, close: () => server.forceShutdown() };
}

describe("load generator follows Envoy when the server does something else", () => {
  it("sends the SSE body as one BUFFERED message when the server does not override the mode", async () => {
    const server = await scriptedServer((msg) => ({ [msg.request ?? "request_headers"]: {} }));
    try {
      const report = await runLoad(options(`127.0.0.1:${server.port}`, null, { variant: "sse", requests: 2, concurrency: 1 }));
      expect(report.outcomes.complete).toBe(2);
      expect(report.messagesPerRequest).toBe(4);
      expect(server.trace.filter((k) => k === "response_body")).toHaveLength(2);
    } finally {
      server.close();
    }
  });

  it("stops at an immediate response and counts its status", async () => {
    const server = await scriptedServer(() => ({ immediate_response: { status: { code: "Unauthorized" } } }));
    try {
      const report = await runLoad(options(`127.0.0.1:${server.port}`, null, { requests: 3, concurrency: 1 }));
      expect(report.outcomes.immediate).toBe(3);
      expect(report.statuses).toEqual({ 401: 3 });
      expect(server.trace).toEqual(["request_headers", "request_headers", "request_headers"]);
    } finally {
      server.close();
    }
  });

  it("counts a reply of the wrong kind as spurious", async () => {
    const server = await scriptedServer(() => ({ response_body: {} }));
    try {
      const report = await runLoad(options(`127.0.0.1:${server.port}`, null, { requests: 2, concurrency: 1 }));
      expect(report.outcomes.spurious).toBe(2);
    } finally {
      server.close();
    }
  });
});
