// A fake LLM provider for end-to-end tests and the compose demo. It answers OpenAI- and Anthropic-shaped requests
// (JSON or SSE, chosen by the path and the request's "stream" flag), echoes what it received, and records every
// request so tests can assert what actually reached the provider. Request headers steer it (see CONTROL).
// Run standalone: npx tsx test/harness/test-upstream.ts --port 8080 [--host 0.0.0.0]
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { pathToFileURL } from "node:url";
import { setTimeout as sleep } from "node:timers/promises";
import { errorBody, jsonBody, shapeForPath, sseEvents, type ApiShape, type Reply } from "./provider-shapes.js";

/** Request headers that control the response. They travel through Envoy and Tollgate like any client header. */
export const CONTROL = {
  /** "echo" (JSON description of the request), "body" (x-test-body verbatim) or "provider" (default). */
  mode: "x-test-mode",
  /** HTTP status to answer with; ≥400 gives a provider-shaped error body. */
  status: "x-test-status",
  /** Milliseconds to wait before sending response headers. */
  delayMs: "x-test-delay-ms",
  /** Milliseconds between SSE events, or between body pieces when x-test-chunk-size is set. */
  chunkDelayMs: "x-test-chunk-delay-ms",
  /** Characters per SSE text delta; bytes per write for JSON, echo and body modes. */
  chunkSize: "x-test-chunk-size",
  /** "final": the stream ends cleanly but without its final event; "reset": the connection is cut mid-stream. */
  truncate: "x-test-truncate",
  /** "before-headers": cut the connection without answering. */
  reset: "x-test-reset",
  /** Token counts to report, "input,output". */
  usage: "x-test-usage",
  /** The assistant text to return. */
  content: "x-test-content",
  /** "1" forces SSE, "0" forces JSON, whatever the request body says. */
  stream: "x-test-stream",
  /** Response body for mode "body". */
  body: "x-test-body",
  /** "key:n": the first n requests carrying this key get x-test-status (default 503), later ones succeed. */
  failFirst: "x-test-fail-first",
} as const;

export interface ReceivedRequest {
  method: string;
  path: string;
  /** Lower-case names; repeated headers keep every value in order. */
  headers: Record<string, string[]>;
  body: Buffer;
  at: number;
}

export interface TestUpstream {
  url: string;
  port: number;
  received: ReceivedRequest[];
  /** The n-th request (0-based), waiting up to timeoutMs for it to arrive. */
  request(n: number, timeoutMs?: number): Promise<ReceivedRequest>;
  close(): Promise<void>;
}

const DEFAULT_CONTENT = "Hello from the test upstream.";

function headerMap(req: IncomingMessage): Record<string, string[]> {
  const out: Record<string, string[]> = {};
  for (let i = 0; i + 1 < req.rawHeaders.length; i += 2) {
    const key = (req.rawHeaders[i] ?? "").toLowerCase();
    (out[key] ??= []).push(req.rawHeaders[i + 1] ?? "");
  }
  return out;
}

const first = (r: ReceivedRequest, name: string): string | undefined => r.headers[name]?.[0];
const intHeader = (r: ReceivedRequest, name: string, fallback: number): number => {
  const n = Number(first(r, name));
  return Number.isFinite(n) && first(r, name) !== undefined ? n : fallback;
};

function parseJson(body: Buffer): Record<string, unknown> {
  try {
    const value: unknown = JSON.parse(body.toString("utf8"));
    return typeof value === "object" && value !== null && !Array.isArray(value) ? (value as Record<string, unknown>) : {};
  } catch {
    return {};
  }
}

function splitText(text: string, size: number): string[] {
  if (size <= 0 || text.length === 0) return [text];
  const out: string[] = [];
  for (let i = 0; i < text.length; i += size) out.push(text.slice(i, i + size));
  return out;
}

function replyFor(r: ReceivedRequest, request: Record<string, unknown>): Reply {
  const content = first(r, CONTROL.content) ?? DEFAULT_CONTENT;
  // An absent header means "derive the numbers"; Number("") would be 0, not absent.
  const usageHeader = first(r, CONTROL.usage);
  const [input, output] = usageHeader === undefined ? [undefined, undefined] : usageHeader.split(",").map(Number);
  const streamOptions = request["stream_options"];
  const includeUsage = typeof streamOptions === "object" && streamOptions !== null && (streamOptions as Record<string, unknown>)["include_usage"] === true;
  return {
    model: typeof request["model"] === "string" ? request["model"] : "test-model",
    deltas: splitText(content, intHeader(r, CONTROL.chunkSize, 8)),
    usage: {
      input: Number.isFinite(input) && input !== undefined ? input : Math.max(1, Math.ceil(r.body.length / 4)),
      output: Number.isFinite(output) && output !== undefined ? output : content.split(/\s+/).filter(Boolean).length,
    },
    streamUsage: includeUsage || first(r, CONTROL.usage) !== undefined,
    base64Embeddings: request["encoding_format"] === "base64",
  };
}

async function writePieces(res: ServerResponse, pieces: string[] | Buffer[], delayMs: number): Promise<void> {
  for (const [i, piece] of pieces.entries()) {
    if (i > 0 && delayMs > 0) await sleep(delayMs);
    if (res.destroyed) return;
    res.write(piece);
  }
}

function bytePieces(body: Buffer, size: number): Buffer[] {
  if (size <= 0) return [body];
  const out: Buffer[] = [];
  for (let i = 0; i < body.length; i += size) out.push(body.subarray(i, i + size));
  return out;
}

async function sendBytes(res: ServerResponse, r: ReceivedRequest, status: number, contentType: string, body: Buffer): Promise<void> {
  const size = intHeader(r, CONTROL.chunkSize, 0);
  if (size <= 0) {
    res.writeHead(status, { "content-type": contentType, "content-length": String(body.length) }).end(body);
    return;
  }
  res.writeHead(status, { "content-type": contentType });
  await writePieces(res, bytePieces(body, size), intHeader(r, CONTROL.chunkDelayMs, 0));
  res.end();
}

async function sendStream(res: ServerResponse, r: ReceivedRequest, shape: ApiShape, reply: Reply): Promise<void> {
  const { body, final } = sseEvents(shape, reply);
  res.writeHead(200, { "content-type": "text/event-stream", "cache-control": "no-cache" });
  const delay = intHeader(r, CONTROL.chunkDelayMs, 0);
  const truncate = first(r, CONTROL.truncate);
  if (truncate === "reset") {
    await writePieces(res, body.slice(0, Math.max(1, Math.floor(body.length / 2))), delay);
    await sleep(Math.max(delay, 10));
    res.socket?.resetAndDestroy();
    return;
  }
  await writePieces(res, truncate === "final" ? body : [...body, ...final], delay);
  res.end();
}

/** Counts requests per x-test-fail-first key; failures are served while the count is within n. */
function failsThisTime(r: ReceivedRequest, seen: Map<string, number>): boolean {
  const spec = first(r, CONTROL.failFirst);
  const m = spec ? /^(.+):(\d+)$/.exec(spec) : null;
  if (!m || m[1] === undefined) return false;
  const count = (seen.get(m[1]) ?? 0) + 1;
  seen.set(m[1], count);
  return count <= Number(m[2]);
}

async function respond(req: IncomingMessage, res: ServerResponse, r: ReceivedRequest, seen: Map<string, number>): Promise<void> {
  if (failsThisTime(r, seen)) {
    const status = intHeader(r, CONTROL.status, 503);
    return sendBytes(res, r, status, "application/json", Buffer.from(JSON.stringify(errorBody(shapeForPath(r.path), status, "scripted failure"))));
  }
  if (first(r, CONTROL.reset) === "before-headers") {
    req.socket.resetAndDestroy();
    return;
  }
  const delay = intHeader(r, CONTROL.delayMs, 0);
  if (delay > 0) await sleep(delay);
  const mode = first(r, CONTROL.mode) ?? "provider";
  const status = first(r, CONTROL.failFirst) ? 200 : intHeader(r, CONTROL.status, 200);
  if (mode === "echo") {
    const echo = { method: r.method, path: r.path, headers: r.headers, body: r.body.toString("utf8"), bodyLength: r.body.length };
    return sendBytes(res, r, status, "application/json", Buffer.from(JSON.stringify(echo)));
  }
  if (mode === "body") return sendBytes(res, r, status, "text/plain", Buffer.from(first(r, CONTROL.body) ?? ""));
  const shape = shapeForPath(r.path);
  if (status >= 400 || !shape) {
    const message = shape ? `test upstream was asked for status ${status}` : `no provider API at ${r.path}`;
    return sendBytes(res, r, status >= 400 ? status : 404, "application/json", Buffer.from(JSON.stringify(errorBody(shape, status, message))));
  }
  const request = parseJson(r.body);
  const streamHeader = first(r, CONTROL.stream);
  const stream = streamHeader !== undefined ? streamHeader === "1" : request["stream"] === true;
  const reply = replyFor(r, request);
  if (stream && shape !== "openai-embeddings") return sendStream(res, r, shape, reply);
  return sendBytes(res, r, status, "application/json", Buffer.from(JSON.stringify(jsonBody(shape, reply))));
}

/** `record: false` keeps nothing in memory (the long-running compose service). */
export async function startTestUpstream(options: { host?: string; port?: number; record?: boolean } = {}): Promise<TestUpstream> {
  const received: ReceivedRequest[] = [];
  const failures = new Map<string, number>();
  const waiters: (() => void)[] = [];
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      const r: ReceivedRequest = { method: req.method ?? "", path: req.url ?? "", headers: headerMap(req), body: Buffer.concat(chunks), at: Date.now() };
      if (options.record !== false) received.push(r);
      for (const wake of waiters.splice(0)) wake();
      respond(req, res, r, failures).catch(() => res.destroy());
    });
  });
  await new Promise<void>((resolve) => server.listen(options.port ?? 0, options.host ?? "127.0.0.1", resolve));
  const port = (server.address() as AddressInfo).port;
  return {
    url: `http://127.0.0.1:${port}`,
    port,
    received,
    async request(n, timeoutMs = 5000) {
      const deadline = Date.now() + timeoutMs;
      while (received[n] === undefined) {
        if (Date.now() > deadline) throw new Error(`test upstream: request #${n} did not arrive within ${timeoutMs} ms`);
        await Promise.race([new Promise<void>((resolve) => waiters.push(resolve)), sleep(50)]);
      }
      return received[n];
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

function cliOption(name: string): string | undefined {
  const i = process.argv.indexOf(`--${name}`);
  return i === -1 ? undefined : process.argv[i + 1];
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const upstream = await startTestUpstream({ host: cliOption("host") ?? "0.0.0.0", port: Number(cliOption("port") ?? 8080), record: false });
  process.stdout.write(`test upstream listening on port ${upstream.port}\n`);
  const stop = (): void => void upstream.close().then(() => process.exit(0));
  process.on("SIGTERM", stop);
  process.on("SIGINT", stop);
}
