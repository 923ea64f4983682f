// A bare gRPC-over-HTTP/2 client on node:http2, standing in for Envoy's gRPC client. grpc-js would do, except
// that it cannot reproduce how Envoy ends an ext_proc stream: END_STREAM followed by RST_STREAM(NO_ERROR)
// (ExternalProcessorStreamImpl::close: closeStream() then resetStream()), and those two frames are what a grpc-js
// server's nghttp2 sees from a real Envoy. It also costs the client less CPU per message than grpc-js, which helps
// a Node client saturate a Node server.
import * as http2 from "node:http2";
import { connect as netConnect } from "node:net";

const { NGHTTP2_NO_ERROR } = http2.constants;
const REMOTE_CLOSE_TIMEOUT_MS = 1000;

/** Prefixes a serialized message with gRPC's 5-byte frame header (uncompressed flag, big-endian length). */
export function grpcFrame(message: Buffer): Buffer {
  const framed = Buffer.allocUnsafe(5 + message.length);
  framed.writeUInt8(0, 0);
  framed.writeUInt32BE(message.length, 1);
  message.copy(framed, 5);
  return framed;
}

/** Splits a byte stream into gRPC messages. */
export class FrameReader {
  private pending: Buffer | undefined;

  constructor(private readonly onMessage: (message: Buffer) => void) {}

  push(chunk: Buffer): void {
    let buf = this.pending ? Buffer.concat([this.pending, chunk]) : chunk;
    this.pending = undefined;
    while (buf.length >= 5) {
      const end = 5 + buf.readUInt32BE(1);
      if (buf.length < end) break;
      this.onMessage(buf.subarray(5, end));
      buf = buf.subarray(end);
    }
    if (buf.length > 0) this.pending = Buffer.from(buf);
  }
}

export interface CallEvents {
  onMessage(message: Buffer): void;
  /** The call ended: grpc-status from trailers, or an HTTP/2-level failure (reset, GOAWAY) as `error`. */
  onEnd(status: { code: number; message: string } | { error: string }): void;
}

/** One client call: write framed messages, then `closeLikeEnvoy()` or wait for the server to end it. */
export class Call {
  private ended = false;

  constructor(
    private readonly stream: http2.ClientHttp2Stream,
    events: CallEvents,
  ) {
    const reader = new FrameReader((m) => events.onMessage(m));
    let status: { code: number; message: string } | undefined;
    const readStatus = (headers: http2.IncomingHttpHeaders): void => {
      const code = headers["grpc-status"];
      if (typeof code === "string") status = { code: Number(code), message: String(headers["grpc-message"] ?? "") };
    };
    stream.on("response", readStatus); // trailers-only responses carry grpc-status in the headers
    stream.on("trailers", readStatus);
    stream.on("data", (chunk: Buffer) => reader.push(chunk));
    stream.on("error", () => undefined); // reported through 'close' below
    stream.on("close", () => {
      if (this.ended) return;
      this.ended = true;
      events.onEnd(status ?? { error: `stream closed without grpc-status (RST_STREAM code ${stream.rstCode ?? "none"})` });
    });
  }

  write(framed: Buffer): void {
    this.stream.write(framed);
  }

  /** Writes the only message of a unary call together with END_STREAM. */
  writeLast(framed: Buffer): void {
    this.stream.end(framed);
  }

  /**
   * Envoy's close() of an ext_proc stream: half-close, then reset with NO_ERROR once the END_STREAM frame is out.
   * With `graceful` (Envoy's ext_proc_graceful_grpc_close runtime flag) it half-closes and leaves the server
   * `remote_close_timeout` (1000 ms) to end the call with OK before resetting.
   */
  closeLikeEnvoy(graceful = false): void {
    this.ended = true;
    this.stream.end();
    if (!graceful) {
      this.stream.close(NGHTTP2_NO_ERROR);
      return;
    }
    const timer = setTimeout(() => this.stream.close(NGHTTP2_NO_ERROR), REMOTE_CLOSE_TIMEOUT_MS);
    this.stream.once("close", () => clearTimeout(timer));
  }
}

/** An HTTP/2 connection to one gRPC server that reconnects after GOAWAY or loss, as Envoy's connection pool does. */
export class GrpcConnection {
  private session: http2.ClientHttp2Session;
  private settled = new WeakSet<http2.ClientHttp2Session>();
  private closed = false;
  /** Sessions lost to GOAWAY or errors, with the first reason seen. */
  lost = 0;
  lastLossReason = "";

  constructor(
    private readonly target: string,
    private readonly authority = "tollgate",
  ) {
    this.session = this.open();
  }

  private open(): http2.ClientHttp2Session {
    const socketPath = this.target.startsWith("unix:") ? this.target.slice("unix:".length) : undefined;
    const session = http2.connect(socketPath ? "http://localhost" : `http://${this.target}`, {
      ...(socketPath ? { createConnection: () => netConnect(socketPath) } : {}),
      // Envoy's HTTP/2 defaults for clusters: 256 MiB stream and connection windows, so flow control never waits.
      settings: { initialWindowSize: 256 * 1024 * 1024, enablePush: false },
    });
    session.on("connect", () => {
      // A session torn down in the same tick (GOAWAY right after connect) still emits 'connect'.
      if (!session.destroyed) session.setLocalWindowSize(256 * 1024 * 1024);
    });
    session.once("remoteSettings", () => this.settled.add(session));
    const lose = (reason: string): void => {
      if (this.closed || this.session !== session) return;
      this.lost += 1;
      this.lastLossReason = reason;
      this.session = this.open();
    };
    session.on("goaway", (code: number) => lose(`GOAWAY code ${code}`));
    session.on("error", (err: Error) => lose(err.message));
    session.on("close", () => lose("connection closed"));
    return session;
  }

  /** Resolves once the connection is up and the server's SETTINGS arrived (its stream limit applies from then). */
  ready(timeoutMs = 10_000): Promise<void> {
    const session = this.session;
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`no HTTP/2 connection to ${this.target} in ${timeoutMs} ms`)), timeoutMs);
      const done = (err?: Error): void => {
        clearTimeout(timer);
        if (err) reject(new Error(`cannot connect to ${this.target}: ${err.message}`));
        else resolve();
      };
      if (this.settled.has(session)) return done();
      session.once("remoteSettings", () => done());
      session.once("error", done);
    });
  }

  /** Opens a call. `grpcTimeout` is the grpc-timeout header Envoy adds for RPCs with a timeout (ext_authz: 200m). */
  call(path: string, events: CallEvents, grpcTimeout?: string): Call {
    const headers: http2.OutgoingHttpHeaders = {
      ":method": "POST",
      ":path": path,
      ":scheme": "http",
      ":authority": this.authority,
      "content-type": "application/grpc",
      te: "trailers",
      ...(grpcTimeout ? { "grpc-timeout": grpcTimeout } : {}),
    };
    return new Call(this.session.request(headers, { endStream: false }), events);
  }

  close(): void {
    this.closed = true;
    this.session.close();
  }
}
