// One gRPC server for the three services Envoy calls, on TCP and/or a Unix socket, plain or TLS/mTLS.
import { readFileSync } from "node:fs";
import * as grpc from "@grpc/grpc-js";
import type { Config } from "../config/schema.js";
import { loadServiceProtos, lookupService, SERVICE_NAMES } from "./protos.js";
import type { ExtProcService } from "./ext-proc.js";
import { extAuthzHandler, type ExtAuthzDeps } from "./ext-authz.js";
import type { HealthState } from "./health.js";

export interface GrpcServerDeps extends ExtAuthzDeps {
  extProc: ExtProcService;
  health: HealthState;
}

export interface BoundAddresses {
  /** The TCP port actually bound (useful when the config asked for port 0 in tests), if TCP is on. */
  port?: number;
  socket?: string;
}

function credentials(cfg: Config["server"]["grpc"]): grpc.ServerCredentials {
  const tls = cfg.tls;
  if (!tls) return grpc.ServerCredentials.createInsecure();
  const ca = tls.ca_file ? readFileSync(tls.ca_file) : null;
  if (tls.require_client_cert && !ca) throw new Error("server.grpc.tls.require_client_cert needs ca_file to verify client certificates");
  return grpc.ServerCredentials.createSsl(ca, [{ private_key: readFileSync(tls.key_file), cert_chain: readFileSync(tls.cert_file) }], tls.require_client_cert);
}

export function createGrpcServer(cfg: Config["server"]["grpc"], deps: GrpcServerDeps): grpc.Server {
  const server = new grpc.Server({
    "grpc.max_receive_message_length": cfg.max_receive_message_bytes,
    // Envoy keeps one HTTP/2 connection per worker open for a long time; ping it so dead peers are noticed.
    "grpc.keepalive_time_ms": 30_000,
    "grpc.keepalive_timeout_ms": 10_000,
  });
  const root = loadServiceProtos();
  server.addService(lookupService(root, SERVICE_NAMES.extProc).service, { Process: deps.extProc.handler });
  server.addService(lookupService(root, SERVICE_NAMES.extAuthz).service, { Check: extAuthzHandler(deps) });
  deps.health.addToServer(server);
  return server;
}

function bind(server: grpc.Server, address: string, creds: grpc.ServerCredentials): Promise<number> {
  return new Promise((resolve, reject) => {
    server.bindAsync(address, creds, (err, port) => (err ? reject(new Error(`cannot listen on ${address}: ${err.message}`)) : resolve(port)));
  });
}

export async function listen(server: grpc.Server, cfg: Config["server"]["grpc"]): Promise<BoundAddresses> {
  const creds = credentials(cfg);
  const bound: BoundAddresses = {};
  if (cfg.tcp) {
    const host = cfg.host.includes(":") ? `[${cfg.host}]` : cfg.host;
    bound.port = await bind(server, `${host}:${cfg.port}`, creds);
  }
  if (cfg.socket) {
    await bind(server, `unix:${cfg.socket}`, creds);
    bound.socket = cfg.socket;
  }
  return bound;
}
