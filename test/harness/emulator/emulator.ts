// startEnvoyEmulator: an HTTP/1.1 listener on loopback that behaves like the Envoy described by an envoy.yaml
// (its first/named listener's HTTP connection manager and its clusters), calling real gRPC ext_authz/ext_proc
// servers and real HTTP upstreams at the addresses the test maps to each cluster name.
import { EventEmitter } from "node:events";
import { Agent as HttpAgent, createServer as createHttpServer, type IncomingMessage, type ServerResponse } from "node:http";
import { Agent as HttpsAgent, createServer as createHttpsServer } from "node:https";
import type { AddressInfo, Socket } from "node:net";
import type { TLSSocket } from "node:tls";
import { X509Certificate } from "node:crypto";
import { loadGatewayModel, type GatewayModel } from "../envoy-config/model.js";
import type { ConnectionInfo } from "./ext-authz-filter.js";
import { GrpcClusters, type GrpcTarget } from "./grpc-clients.js";
import { newRecord, type RequestRecord } from "./recorder.js";
import { RouteTable } from "./route-table.js";
import type { UpstreamTarget } from "./router.js";
import { filterSettings, type EmulatorOverrides } from "./settings.js";
import { ActiveStream } from "./stream.js";

/** An HTTP upstream ("http://127.0.0.1:8080", or with a CA for https) or a gRPC server address. */
export type ClusterMapping = string | { url: string; ca?: Buffer; servername?: string } | GrpcTarget;

export interface EmulatorOptions {
  /** The envoy.yaml to behave like (strictly validated first). */
  configPath: string;
  /** Listener name when the bootstrap has several; default the first. */
  listener?: string;
  /** Local address for each cluster name used by the test; unmapped clusters behave as having no healthy host. */
  clusters: Record<string, ClusterMapping>;
  host?: string;
  port?: number;
  /** Serve TLS on the front; with requestClientCert, client certificates are optional and verified against ca. */
  tls?: { key: Buffer; cert: Buffer; ca?: Buffer; requestClientCert?: boolean };
  overrides?: EmulatorOverrides;
}

export interface EnvoyEmulator {
  url: string;
  port: number;
  gateway: GatewayModel;
  /** Every request in arrival order; each record fills in as the request proceeds. */
  requests: RequestRecord[];
  /** "request" when a request arrives, "done" when it finished (both with the RequestRecord). */
  events: EventEmitter<{ request: [RequestRecord]; done: [RequestRecord] }>;
  /** The n-th request (0-based) once it is done. */
  request(n: number, timeoutMs?: number): Promise<RequestRecord>;
  close(): Promise<void>;
}

/** Envoy's principal order for a peer certificate: first URI SAN, else first DNS SAN, else the subject. */
function principalOf(cert: X509Certificate | undefined): string | undefined {
  if (!cert) return undefined;
  const sans = (cert.subjectAltName ?? "").split(/,\s*/);
  const uri = sans.find((s) => s.startsWith("URI:"));
  if (uri) return uri.slice(4);
  const dns = sans.find((s) => s.startsWith("DNS:"));
  if (dns) return dns.slice(4);
  return cert.subject.split("\n").reverse().join(",");
}

function connectionInfo(socket: Socket, tls: boolean, serverCert: X509Certificate | undefined): ConnectionInfo {
  const info: ConnectionInfo = {
    remoteAddress: (socket.remoteAddress ?? "").replace(/^::ffff:/, ""),
    remotePort: socket.remotePort ?? 0,
    localAddress: (socket.localAddress ?? "").replace(/^::ffff:/, ""),
    localPort: socket.localPort ?? 0,
  };
  if (!tls) return info;
  const tlsSocket = socket as TLSSocket;
  const peer = tlsSocket.getPeerX509Certificate();
  const peerPrincipal = principalOf(peer);
  const localPrincipal = principalOf(serverCert);
  const sni = tlsSocket.servername;
  info.tls = {
    ...(peerPrincipal ? { peerPrincipal } : {}),
    ...(peer ? { peerCertificatePem: peer.toString() } : {}),
    ...(localPrincipal ? { localPrincipal } : {}),
    ...(typeof sni === "string" ? { sni } : {}),
  };
  return info;
}

/** Splits the test's mapping into gRPC targets and HTTP upstreams, each upstream with its own connection pool. */
function splitClusters(gateway: GatewayModel, clusters: Record<string, ClusterMapping>): { grpc: Record<string, GrpcTarget>; http: Map<string, UpstreamTarget> } {
  const grpc: Record<string, GrpcTarget> = {};
  const http = new Map<string, UpstreamTarget>();
  for (const [name, mapping] of Object.entries(clusters)) {
    if (!gateway.clusters.has(name)) throw new Error(`cluster "${name}" is not defined in ${gateway.source}`);
    if (typeof mapping !== "string" && !("url" in mapping)) {
      grpc[name] = mapping;
      continue;
    }
    const url = new URL(typeof mapping === "string" ? mapping : mapping.url);
    const extra = typeof mapping === "string" ? {} : { ...(mapping.ca ? { ca: mapping.ca } : {}), ...(mapping.servername ? { servername: mapping.servername } : {}) };
    const agent = url.protocol === "https:" ? new HttpsAgent({ keepAlive: true }) : new HttpAgent({ keepAlive: true });
    http.set(name, { url, agent, ...extra });
  }
  return { grpc, http };
}

export async function startEnvoyEmulator(options: EmulatorOptions): Promise<EnvoyEmulator> {
  const gateway = loadGatewayModel(options.configPath, options.listener);
  const routeTable = new RouteTable(gateway.routeConfig);
  const overrides = options.overrides ?? {};
  const settings = filterSettings(gateway, overrides);
  const targets = splitClusters(gateway, options.clusters);
  const grpc = new GrpcClusters(targets.grpc, overrides.gracefulCloseMs);
  const requests: RequestRecord[] = [];
  const events = new EventEmitter<{ request: [RequestRecord]; done: [RequestRecord] }>();
  const tls = options.tls;
  const serverCert = tls ? new X509Certificate(tls.cert) : undefined;

  const handle = (req: IncomingMessage, res: ServerResponse): void => {
    const { record, finish } = newRecord(requests.length, "", req.method ?? "", req.url ?? "");
    requests.push(record);
    events.emit("request", record);
    let finished = false;
    const stream = new ActiveStream(req, res, {
      gateway,
      routeTable,
      overrides,
      settings,
      grpc,
      upstreamTarget: (name) => targets.http.get(name),
      record,
      finish: () => {
        if (finished) return;
        finished = true;
        finish();
        events.emit("done", record);
      },
    }, connectionInfo(req.socket, tls !== undefined, serverCert), tls ? "https" : "http");
    record.streamId = stream.streamId;
    stream.start();
  };

  const server = tls
    ? createHttpsServer({ key: tls.key, cert: tls.cert, ...(tls.ca ? { ca: tls.ca } : {}), requestCert: tls.requestClientCert === true, rejectUnauthorized: false }, handle)
    : createHttpServer(handle);
  if (tls?.requestClientCert) {
    // Optional client certificates: none is fine, but one that fails verification fails the handshake.
    server.on("secureConnection", (socket: TLSSocket) => {
      if (socket.getPeerX509Certificate() && !socket.authorized) socket.destroy();
    });
  }
  await grpc.warmUp(2000);
  await new Promise<void>((resolve) => server.listen(options.port ?? 0, options.host ?? "127.0.0.1", resolve));
  const port = (server.address() as AddressInfo).port;

  return {
    url: `${tls ? "https" : "http"}://127.0.0.1:${port}`,
    port,
    gateway,
    requests,
    events,
    async request(n, timeoutMs = 10_000) {
      const deadline = Date.now() + timeoutMs;
      while (requests[n] === undefined) {
        if (Date.now() > deadline) throw new Error(`emulator: request #${n} did not arrive within ${timeoutMs} ms`);
        await new Promise((r) => setTimeout(r, 10));
      }
      const record = requests[n];
      let timer: NodeJS.Timeout | undefined;
      const timeout = new Promise<never>((_r, reject) => {
        timer = setTimeout(() => reject(new Error(`emulator: request #${n} not done within ${timeoutMs} ms`)), Math.max(0, deadline - Date.now()));
      });
      try {
        await Promise.race([record.done, timeout]);
      } finally {
        clearTimeout(timer);
      }
      return record;
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
        grpc.close();
        for (const target of targets.http.values()) target.agent.destroy();
      }),
  };
}
