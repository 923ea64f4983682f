// gRPC clients to the Tollgate cluster (or whichever cluster a grpc_service names), one channel per cluster as
// Envoy keeps one connection pool per cluster. The test maps each cluster name to a local address.
// Envoy-side behaviour reproduced: :authority = cluster name (EnvoyGrpc default, or envoy_grpc.authority),
// grpc_service.initial_metadata sent as request metadata, no message size limit by default, and at the end of
// processing the Process stream is half-closed and reset (the server sees CANCELLED) unless closing gracefully.
import * as grpc from "@grpc/grpc-js";
import { loadServiceProtos, lookupService, SERVICE_NAMES } from "../../../src/transport/protos.js";
import type { GrpcServiceConfig } from "../envoy-config/schema.js";
import type { ExtProcStream, ExtProcStreamCallbacks } from "./ext-proc-types.js";
import type { OutgoingProcessingRequest, WireCheckResponse, WireProcessingResponse } from "./wire-types.js";

export type GrpcTarget =
  | { host: string; port: number; tls?: { ca: Buffer; cert?: Buffer; key?: Buffer; servername?: string } }
  | { socket: string };

interface ProcessClient extends grpc.Client {
  Process(metadata: grpc.Metadata): grpc.ClientDuplexStream<OutgoingProcessingRequest, WireProcessingResponse>;
}
interface CheckClient extends grpc.Client {
  Check(request: unknown, metadata: grpc.Metadata, options: grpc.CallOptions, callback: (err: grpc.ServiceError | null, response?: WireCheckResponse) => void): grpc.ClientUnaryCall;
}

export type CheckOutcome = { ok: true; response: WireCheckResponse } | { ok: false; code: number; details: string };

/** Where a named cluster is unreachable (not mapped by the test): behave like a connect failure. */
const UNAVAILABLE = 14;

export class GrpcClusters {
  private readonly channels = new Map<string, grpc.Channel>();
  private readonly clients = new Map<string, grpc.Client>();
  private readonly open = new Set<{ close(): void }>();

  constructor(
    private readonly targets: Record<string, GrpcTarget>,
    private readonly gracefulCloseMs: number | undefined,
  ) {}

  /** One channel (HTTP/2 connection pool) per cluster and authority, shared by ext_authz and ext_proc. */
  private channel(cluster: string, authority: string): grpc.Channel | undefined {
    const target = this.targets[cluster];
    if (!target) return undefined;
    const key = `${cluster}|${authority}`;
    let channel = this.channels.get(key);
    if (!channel) {
      const address = "socket" in target ? `unix:${target.socket}` : `${target.host}:${target.port}`;
      const credentials =
        "socket" in target || !target.tls
          ? grpc.credentials.createInsecure()
          : grpc.credentials.createSsl(target.tls.ca, target.tls.key ?? null, target.tls.cert ?? null);
      const options: grpc.ChannelOptions = {
        "grpc.default_authority": authority,
        "grpc.max_receive_message_length": -1,
        "grpc.max_send_message_length": -1,
      };
      if (!("socket" in target) && target.tls?.servername) options["grpc.ssl_target_name_override"] = target.tls.servername;
      channel = new grpc.Channel(address, credentials, options);
      this.channels.set(key, channel);
    }
    return channel;
  }

  private client<T extends grpc.Client>(service: GrpcServiceConfig, serviceName: string): T | undefined {
    const cluster = service.envoy_grpc?.cluster_name;
    if (!cluster) throw new Error("only envoy_grpc grpc_services are emulated");
    const authority = service.envoy_grpc?.authority ?? cluster;
    const channel = this.channel(cluster, authority);
    if (!channel) return undefined;
    const key = `${serviceName}|${cluster}|${authority}`;
    let client = this.clients.get(key);
    if (!client) {
      const Ctor = lookupService(loadServiceProtos(), serviceName);
      client = new Ctor("unused", grpc.credentials.createInsecure(), { channelOverride: channel });
      this.clients.set(key, client);
    }
    return client as T;
  }

  /**
   * Connects every mapped gRPC cluster before traffic, as Envoy's health checks keep connections to a
   * health-checked cluster open; an unreachable server is left for the test to observe.
   */
  async warmUp(timeoutMs: number): Promise<void> {
    const Ctor = lookupService(loadServiceProtos(), SERVICE_NAMES.health);
    await Promise.all(
      Object.keys(this.targets).map(async (cluster) => {
        const channel = this.channel(cluster, cluster);
        if (!channel) return;
        const probe = new Ctor("unused", grpc.credentials.createInsecure(), { channelOverride: channel });
        await new Promise<void>((resolve) => probe.waitForReady(Date.now() + timeoutMs, () => resolve()));
      }),
    );
  }

  private metadata(service: GrpcServiceConfig): grpc.Metadata {
    const md = new grpc.Metadata();
    for (const h of service.initial_metadata ?? []) md.add(h.key, h.value ?? h.raw_value ?? "");
    return md;
  }

  openProcess(service: GrpcServiceConfig, callbacks: ExtProcStreamCallbacks): ExtProcStream {
    const client = this.client<ProcessClient>(service, SERVICE_NAMES.extProc);
    if (!client) {
      setImmediate(() => callbacks.onStatus(UNAVAILABLE, `no address mapped for cluster ${service.envoy_grpc?.cluster_name ?? ""}`));
      return { send: () => undefined, close: () => undefined };
    }
    const call = client.Process(this.metadata(service));
    let closedByUs = false;
    call.on("data", (m: WireProcessingResponse) => {
      if (!closedByUs) callbacks.onReceiveMessage(m);
    });
    call.on("status", (s: grpc.StatusObject) => {
      if (!closedByUs) callbacks.onStatus(s.code, s.details);
    });
    // Failures arrive as a status too; the error event only needs a listener.
    call.on("error", () => undefined);
    const handle = {
      send: (m: OutgoingProcessingRequest) => {
        if (!closedByUs && call.writable) call.write(m);
      },
      close: () => {
        if (closedByUs) return;
        closedByUs = true;
        this.open.delete(handle);
        call.end();
        if (this.gracefulCloseMs === undefined) call.cancel();
        else setTimeout(() => call.cancel(), this.gracefulCloseMs).unref();
      },
    };
    this.open.add(handle);
    return handle;
  }

  check(service: GrpcServiceConfig, request: unknown, timeoutMs: number): Promise<CheckOutcome> {
    const client = this.client<CheckClient>(service, SERVICE_NAMES.extAuthz);
    if (!client) return Promise.resolve({ ok: false, code: UNAVAILABLE, details: "no address mapped for the ext_authz cluster" });
    return new Promise((resolve) => {
      client.Check(request, this.metadata(service), { deadline: Date.now() + timeoutMs }, (err, response) => {
        if (err) resolve({ ok: false, code: err.code, details: err.details });
        else resolve({ ok: true, response: response ?? {} });
      });
    });
  }

  close(): void {
    for (const handle of [...this.open]) handle.close();
    for (const channel of this.channels.values()) channel.close();
    this.channels.clear();
    this.clients.clear();
  }
}
