// A scripted ext_proc + ext_authz gRPC server for the emulator's self-tests: each Process stream is handed to
// the test's script, which reads messages with next() and answers with reply(), closeOk() or fail() — in any
// order, late, or not at all — so every Envoy reaction can be provoked on purpose.
import * as grpc from "@grpc/grpc-js";
import { loadServiceProtos, lookupService, SERVICE_NAMES } from "../../src/transport/protos.js";

export interface IncomingHeaderMap {
  headers?: { key?: string; value?: string; raw_value?: Buffer }[];
}

export interface IncomingProcessingRequest {
  request?: "request_headers" | "response_headers" | "request_body" | "response_body" | "request_trailers" | "response_trailers";
  request_headers?: { headers?: IncomingHeaderMap; end_of_stream?: boolean };
  response_headers?: { headers?: IncomingHeaderMap; end_of_stream?: boolean };
  request_body?: { body?: Buffer; end_of_stream?: boolean };
  response_body?: { body?: Buffer; end_of_stream?: boolean };
  request_trailers?: { trailers?: IncomingHeaderMap };
  response_trailers?: { trailers?: IncomingHeaderMap };
  metadata_context?: { filter_metadata?: Record<string, unknown> };
  observability_mode?: boolean;
}

export interface FakeStream {
  index: number;
  /** :authority the stream was opened with (Envoy uses the cluster name). */
  authority: string;
  metadata: grpc.Metadata;
  received: IncomingProcessingRequest[];
  /** The next message, or null once Envoy half-closed or cancelled the stream. */
  next(timeoutMs?: number): Promise<IncomingProcessingRequest | null>;
  reply(message: object): void;
  closeOk(): void;
  fail(code: grpc.status, details?: string): void;
  /** Resolves when Envoy cancels (resets) the stream. */
  cancelled: Promise<void>;
}

export type CheckHandler = (request: unknown) => object | Promise<object> | { grpcError: grpc.status };

export interface FakeExtProc {
  port: number;
  streams: FakeStream[];
  checks: unknown[];
  /** The n-th stream (0-based), waiting for it to be opened. */
  stream(n: number, timeoutMs?: number): Promise<FakeStream>;
  close(): Promise<void>;
}

function waitFor<T>(get: () => T | undefined, timeoutMs: number, what: string): Promise<T> {
  return new Promise((resolve, reject) => {
    const deadline = Date.now() + timeoutMs;
    const poll = (): void => {
      const value = get();
      if (value !== undefined) resolve(value);
      else if (Date.now() > deadline) reject(new Error(`fake ext_proc: ${what} did not happen within ${timeoutMs} ms`));
      else setTimeout(poll, 5);
    };
    poll();
  });
}

export async function startFakeExtProc(options: {
  process?: (stream: FakeStream) => void | Promise<void>;
  check?: CheckHandler;
} = {}): Promise<FakeExtProc> {
  const streams: FakeStream[] = [];
  const checks: unknown[] = [];
  const server = new grpc.Server();
  const services = loadServiceProtos();

  server.addService(lookupService(services, SERVICE_NAMES.extProc).service, {
    Process: (call: grpc.ServerDuplexStream<IncomingProcessingRequest, object>) => {
      const queue: (IncomingProcessingRequest | null)[] = [];
      const waiters: ((m: IncomingProcessingRequest | null) => void)[] = [];
      const push = (m: IncomingProcessingRequest | null): void => {
        const waiter = waiters.shift();
        if (waiter) waiter(m);
        else queue.push(m);
      };
      let markCancelled = (): void => undefined;
      const stream: FakeStream = {
        index: streams.length,
        authority: call.getHost(),
        metadata: call.metadata,
        received: [],
        next: (timeoutMs = 5000) =>
          queue.length > 0
            ? Promise.resolve(queue.shift() ?? null)
            : new Promise((resolve, reject) => {
                const timer = setTimeout(() => reject(new Error(`fake ext_proc stream ${stream.index}: no message within ${timeoutMs} ms`)), timeoutMs);
                waiters.push((m) => {
                  clearTimeout(timer);
                  resolve(m);
                });
              }),
        reply: (message) => {
          if (!call.cancelled && call.writable) call.write(message);
        },
        closeOk: () => {
          if (!call.cancelled) call.end();
        },
        fail: (code, details = "scripted failure") => {
          if (!call.cancelled) call.emit("error", { code, details });
        },
        cancelled: new Promise<void>((resolve) => {
          markCancelled = resolve;
        }),
      };
      streams.push(stream);
      call.on("data", (m: IncomingProcessingRequest) => {
        stream.received.push(m);
        push(m);
      });
      call.on("end", () => push(null));
      call.on("cancelled", () => {
        markCancelled();
        push(null);
      });
      call.on("error", () => push(null));
      void Promise.resolve(options.process?.(stream)).catch((err: unknown) => {
        if (!call.cancelled) call.emit("error", { code: grpc.status.INTERNAL, details: String(err) });
      });
    },
  });

  server.addService(lookupService(services, SERVICE_NAMES.extAuthz).service, {
    Check: (call: grpc.ServerUnaryCall<unknown, object>, callback: grpc.sendUnaryData<object>) => {
      checks.push(call.request);
      const handler = options.check ?? ((): object => ({ status: { code: 0 } }));
      void Promise.resolve(handler(call.request)).then((result) => {
        if ("grpcError" in result) callback({ code: (result as { grpcError: grpc.status }).grpcError, details: "scripted check failure" });
        else callback(null, result);
      });
    },
  });

  const port = await new Promise<number>((resolve, reject) =>
    server.bindAsync("127.0.0.1:0", grpc.ServerCredentials.createInsecure(), (err, p) => (err ? reject(err) : resolve(p))),
  );
  return {
    port,
    streams,
    checks,
    stream: (n, timeoutMs = 5000) => waitFor(() => streams[n], timeoutMs, `stream #${n}`),
    close: () =>
      new Promise<void>((resolve) => {
        server.tryShutdown(() => resolve());
        setTimeout(() => server.forceShutdown(), 200).unref();
      }),
  };
}

/** Header map of a headers message as name → value (raw_value decoded as latin1; duplicates joined by ","). */
export function headersOf(map: IncomingHeaderMap | undefined): Record<string, string> {
  const out: Record<string, string> = {};
  for (const h of map?.headers ?? []) {
    const key = h.key ?? "";
    const value = h.raw_value?.toString("latin1") ?? "";
    out[key] = key in out ? `${out[key]},${value}` : value;
  }
  return out;
}

/** A set_headers entry the way Envoy reads it: raw_value bytes, append stated explicitly. */
export function setHeader(key: string, value: string, append = false): object {
  return { header: { key, raw_value: Buffer.from(value) }, append: { value: append } };
}
