// The no-op floor: an ext_proc + ext_authz server on the same grpc-js transport and proto loading as Tollgate that
// answers CONTINUE to everything. Whatever it costs per request is what any grpc-js server pays before doing any
// work, so Tollgate's CPU per request is reported as a ratio to it.
//
//   node --import tsx bench/noop-server.ts --grpc-port P --admin-port Q [--grpc-socket PATH]
//
// Same flags as `tollgate serve`, and like Tollgate it serves its process CPU on http://127.0.0.1:Q/metrics as
// process_cpu_{user,system}_seconds_total, so the benchmark reads both targets the same way.
import * as grpc from "@grpc/grpc-js";
import { createServer, type Server as HttpServer } from "node:http";
import { rmSync } from "node:fs";
import { pathToFileURL } from "node:url";
import { parseArgs } from "node:util";
import { loadServiceProtos, lookupService, SERVICE_NAMES } from "../src/transport/protos.js";

interface HeaderValue {
  key: string;
  raw_value?: Buffer;
}
interface HttpHeaders {
  headers?: { headers?: HeaderValue[] };
  end_of_stream?: boolean;
}
interface HttpBody {
  body?: Buffer;
  end_of_stream?: boolean;
}
/** The decoded ProcessingRequest (proto-loader with keepCase and oneofs: `request` names the set arm). */
export interface ProcessingRequest {
  request?: "request_headers" | "response_headers" | "request_body" | "response_body" | "request_trailers" | "response_trailers";
  request_headers?: HttpHeaders;
  response_headers?: HttpHeaders;
  request_body?: HttpBody;
  response_body?: HttpBody;
}

/** Test hook: every message as the server decoded it, with a per-stream sequence number. */
export type MessageObserver = (stream: number, message: ProcessingRequest) => void;

export interface NoopServerOptions {
  /** TCP port; 0 = any free port; undefined = no TCP listener. */
  grpcPort?: number;
  grpcSocket?: string;
  /** Admin HTTP port for /metrics; 0 = any free port. */
  adminPort: number;
  onMessage?: MessageObserver;
}

export interface NoopServer {
  grpcPort: number | undefined;
  adminPort: number;
  close(): Promise<void>;
}

const CONTINUE = { status: "CONTINUE" };
const REPLIES = {
  request_headers: { request_headers: { response: CONTINUE } },
  response_headers: { response_headers: { response: CONTINUE } },
  request_body: { request_body: { response: CONTINUE } },
  response_body: { response_body: { response: CONTINUE } },
  request_trailers: { request_trailers: {} },
  response_trailers: { response_trailers: {} },
} as const;
// The least a server must do to get SSE chunk by chunk (what Tollgate does too): switch the response body to
// STREAMED on response headers. Without it the floor would see one buffered body and look cheaper than it is.
const SSE_REPLY = { ...REPLIES.response_headers, mode_override: { response_body_mode: "STREAMED" } };
const ALLOW = { status: { code: 0 }, ok_response: {} };

function isEventStream(headers: HttpHeaders | undefined): boolean {
  for (const h of headers?.headers?.headers ?? []) {
    if (h.key === "content-type") return h.raw_value?.subarray(0, 17).toString("latin1") === "text/event-stream";
  }
  return false;
}

function metricsText(): string {
  const cpu = process.cpuUsage();
  return (
    "# TYPE process_cpu_user_seconds_total counter\n" +
    `process_cpu_user_seconds_total ${cpu.user / 1e6}\n` +
    "# TYPE process_cpu_system_seconds_total counter\n" +
    `process_cpu_system_seconds_total ${cpu.system / 1e6}\n`
  );
}

function listenHttp(server: HttpServer, port: number): Promise<number> {
  return new Promise((resolve, reject) => {
    server.once("error", reject);
    server.listen(port, "127.0.0.1", () => {
      const address = server.address();
      resolve(typeof address === "object" && address ? address.port : port);
    });
  });
}

function bind(server: grpc.Server, address: string): Promise<number> {
  return new Promise((resolve, reject) =>
    server.bindAsync(address, grpc.ServerCredentials.createInsecure(), (err, port) => (err ? reject(err) : resolve(port))),
  );
}

export async function startNoopServer(opts: NoopServerOptions): Promise<NoopServer> {
  const root = loadServiceProtos();
  const server = new grpc.Server();
  let streams = 0;

  server.addService(lookupService(root, SERVICE_NAMES.extProc).service, {
    Process: (call: grpc.ServerDuplexStream<ProcessingRequest, object>) => {
      const stream = ++streams;
      call.on("data", (msg: ProcessingRequest) => {
        opts.onMessage?.(stream, msg);
        const kind = msg.request;
        if (kind === undefined) return;
        call.write(kind === "response_headers" && isEventStream(msg.response_headers) ? SSE_REPLY : REPLIES[kind]);
      });
      // Envoy half-closes then resets each stream after the last reply (or, with ext_proc_graceful_grpc_close,
      // half-closes and waits for our OK); either ending is normal, neither is an error.
      call.on("end", () => call.end());
      call.on("error", () => undefined);
    },
  });
  server.addService(lookupService(root, SERVICE_NAMES.extAuthz).service, {
    Check: (_call: grpc.ServerUnaryCall<object, object>, callback: grpc.sendUnaryData<object>) => callback(null, ALLOW),
  });

  let grpcPort: number | undefined;
  if (opts.grpcPort !== undefined) grpcPort = await bind(server, `127.0.0.1:${opts.grpcPort}`);
  if (opts.grpcSocket !== undefined) {
    rmSync(opts.grpcSocket, { force: true });
    await bind(server, `unix:${opts.grpcSocket}`);
  }

  const admin = createServer((req, res) => {
    if (req.url === "/metrics") {
      res.writeHead(200, { "content-type": "text/plain; version=0.0.4" }).end(metricsText());
    } else {
      res.writeHead(404).end();
    }
  });
  const adminPort = await listenHttp(admin, opts.adminPort);

  return {
    grpcPort,
    adminPort,
    close: async () => {
      // Nothing to drain in a no-op: cut open streams instead of waiting for clients that may be gone.
      server.forceShutdown();
      await new Promise<void>((resolve) => admin.close(() => resolve()));
    },
  };
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      "grpc-port": { type: "string", default: "50051" },
      "grpc-socket": { type: "string" },
      "admin-port": { type: "string", default: "9464" },
    },
  });
  const socket = values["grpc-socket"];
  const port = Number(values["grpc-port"]);
  // As in Tollgate's config: port 0 together with a socket means "no TCP listener".
  const grpcPort = port === 0 && socket !== undefined ? undefined : port;
  const server = await startNoopServer({ grpcPort, grpcSocket: socket, adminPort: Number(values["admin-port"]) });
  const where = [grpcPort !== undefined ? `127.0.0.1:${server.grpcPort}` : "", socket ? `unix:${socket}` : ""].filter(Boolean);
  console.log(`noop ext_proc/ext_authz server on ${where.join(" and ")}, metrics on :${server.adminPort}/metrics`);
  const stop = (): void => void server.close().then(() => process.exit(0));
  process.once("SIGTERM", stop);
  process.once("SIGINT", stop);
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  main().catch((err: unknown) => {
    console.error(err);
    process.exit(1);
  });
}
