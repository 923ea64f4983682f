// The downstream HTTP/1.1 side: turning a Node request into Envoy's request header map (HTTP/1 codec plus
// ConnectionManagerUtility::mutateRequestHeaders in source/common/http/conn_manager_utility.cc), and writing the
// encoded response back (ActiveStream::encodeHeaders adds date/server and drops hop-by-hop headers).
import { randomUUID } from "node:crypto";
import type { IncomingMessage, ServerResponse } from "node:http";
import { isIP } from "node:net";
import type { FrameSink } from "./filter-chain.js";
import { HeaderMap } from "./header-map.js";

export interface HcmOptions {
  useRemoteAddress: boolean;
  internalOnlyHeaders: string[];
  /** Treat every client as external (Envoy treats loopback and RFC 1918 peers as internal by default). */
  clientsAreExternal: boolean;
  localAddress: string;
}

/** Network::Utility::isInternalAddress: RFC 1918, loopback, and IPv6 ULA/loopback. */
export function isInternalAddress(address: string): boolean {
  const ip = address.replace(/^::ffff:/, "");
  if (isIP(ip) === 4) {
    const [a = 0, b = 0] = ip.split(".").map(Number);
    return a === 10 || a === 127 || (a === 172 && b >= 16 && b <= 31) || (a === 192 && b === 168);
  }
  return ip === "::1" || /^f[cd]/i.test(ip);
}

/** The HTTP/1 codec's header map: Host becomes :authority, plus :path, :method and :scheme. */
export function requestHeaderMap(req: IncomingMessage, scheme: "http" | "https"): HeaderMap {
  const headers = new HeaderMap("request");
  const raw = req.rawHeaders;
  const host = raw.findIndex((v, i) => i % 2 === 0 && v.toLowerCase() === "host");
  headers.addCopy(":authority", Buffer.from(host === -1 ? "" : (raw[host + 1] ?? ""), "latin1"));
  headers.addCopy(":path", req.url ?? "/");
  headers.addCopy(":method", req.method ?? "GET");
  headers.addCopy(":scheme", scheme);
  for (let i = 0; i + 1 < raw.length; i += 2) {
    const key = (raw[i] ?? "").toLowerCase();
    if (key === "host") continue;
    headers.addCopy(key, Buffer.from(raw[i + 1] ?? "", "latin1"));
  }
  return headers;
}

/** Whether the HTTP/1 request carries a body: chunked, or content-length > 0 (http1/codec_impl.cc). */
export function requestHasBody(req: IncomingMessage): boolean {
  const te = req.headers["transfer-encoding"];
  if (te !== undefined && /chunked/i.test(te)) return true;
  const cl = Number(req.headers["content-length"] ?? "0");
  return Number.isFinite(cl) && cl > 0;
}

/** ConnectionManagerUtility::mutateRequestHeaders, for the settings our configs use. */
export function mutateRequestHeaders(headers: HeaderMap, remoteAddress: string, scheme: "http" | "https", opts: HcmOptions): void {
  for (const name of ["connection", "upgrade", "x-envoy-internal", "keep-alive", "proxy-connection", "transfer-encoding"]) headers.remove(name);
  const remote = remoteAddress.replace(/^::ffff:/, "");
  const internal = !opts.clientsAreExternal && isInternalAddress(remote);
  if (opts.useRemoteAddress) {
    // A loopback peer is recorded as Envoy's own local address.
    headers.appendCopy("x-forwarded-for", remote === "127.0.0.1" || remote === "::1" ? opts.localAddress : remote);
    headers.setCopy("x-forwarded-proto", scheme);
    if (internal) headers.setCopy("x-envoy-internal", "true");
    else headers.setCopy("x-envoy-external-address", remote);
  } else if (!headers.has("x-forwarded-proto")) {
    headers.setCopy("x-forwarded-proto", scheme);
  }
  const edgeRequest = opts.useRemoteAddress && !internal;
  if (edgeRequest) for (const name of opts.internalOnlyHeaders) headers.remove(name);
  // x-request-id: generated when absent, and regenerated for edge requests (preserve_external_request_id off).
  if (!headers.has("x-request-id") || edgeRequest) headers.setCopy("x-request-id", randomUUID());
}

/** The codec end of the encoder chain: writes status, headers and body to the Node response. */
export class DownstreamWriter implements FrameSink {
  headersSent = false;
  ended = false;
  status: number | undefined;

  constructor(
    private readonly res: ServerResponse,
    private readonly requestComplete: () => boolean,
    private readonly onEnd: () => void,
  ) {}

  headers(headers: HeaderMap, endStream: boolean): void {
    if (this.headersSent || this.res.destroyed) return;
    this.headersSent = true;
    this.status = Number(headers.getString(":status") ?? "200");
    if (!headers.has("date")) headers.setCopy("date", new Date().toUTCString());
    headers.setCopy("server", "envoy");
    const raw: string[] = [];
    for (const e of headers.entries()) {
      if (e.key.startsWith(":") || e.key === "connection" || e.key === "transfer-encoding") continue;
      raw.push(e.key, e.value.toString("latin1"));
    }
    // An HTTP/1 response sent before the request finished ends the connection (Envoy closes it).
    if (!this.requestComplete()) raw.push("connection", "close");
    this.res.sendDate = false;
    this.res.writeHead(this.status, raw);
    // Envoy's codec writes headers at once; Node would hold them until the first body bytes.
    if (endStream) this.end();
    else this.res.flushHeaders();
  }

  data(bytes: Buffer, endStream: boolean): void {
    if (!this.headersSent || this.ended || this.res.destroyed) return;
    if (bytes.length > 0) this.res.write(bytes);
    if (endStream) this.end();
  }

  trailers(): void {
    // HTTP/1 responses here carry no trailers; trailers end the stream.
    this.end();
  }

  private end(): void {
    if (this.ended) return;
    this.ended = true;
    this.res.end(() => this.onEnd());
  }
}
