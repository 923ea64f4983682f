// The gateway as the emulator and the config tests see it: one listener's HTTP connection manager (route table and
// HTTP filters by kind) plus the clusters, extracted from a strictly validated bootstrap.
import { z } from "zod";
import { envoyConfigRoot } from "./proto-root.js";
import { loadEnvoyBootstrap } from "./load.js";
import {
  ExtAuthzConfigSchema,
  ExtProcConfigSchema,
  HeaderMutationFilterSchema,
  RouteConfigurationSchema,
  RouterConfigSchema,
  type ExtAuthzConfig,
  type ExtProcConfig,
  type HeaderMutationFilterConfig,
  type RouteConfiguration,
} from "./schema.js";

const AnyConfig = z.looseObject({ "@type": z.string() });
const SocketAddress = z.object({ address: z.string(), port_value: z.number().optional() });
const Address = z.object({ socket_address: SocketAddress.optional(), pipe: z.object({ path: z.string() }).optional() });
const TransportSocket = z.object({ name: z.string(), typed_config: AnyConfig.optional() });

const CommonTlsContext = z.object({
  alpn_protocols: z.array(z.string()).optional(),
  tls_certificates: z.array(z.object({}).loose()).optional(),
  validation_context: z.object({}).loose().optional(),
});
const TlsContext = z.object({
  sni: z.string().optional(),
  require_client_certificate: z.boolean().optional(),
  common_tls_context: CommonTlsContext.optional(),
});

const HcmSchema = z.object({
  stat_prefix: z.string(),
  codec_type: z.string().optional(),
  use_remote_address: z.boolean().optional(),
  stream_idle_timeout: z.string().optional(),
  route_config: RouteConfigurationSchema.optional(),
  rds: z.object({}).loose().optional(),
  http_filters: z.array(z.object({ name: z.string(), typed_config: AnyConfig.optional(), disabled: z.boolean().optional() })).default([]),
});

const ListenerSchema = z.object({
  name: z.string(),
  address: Address,
  per_connection_buffer_limit_bytes: z.number().optional(),
  filter_chains: z
    .array(z.object({ transport_socket: TransportSocket.optional(), filters: z.array(z.object({ name: z.string(), typed_config: AnyConfig.optional() })).default([]) }))
    .default([]),
});

const ClusterSchema = z.object({
  name: z.string(),
  type: z.string().optional(),
  connect_timeout: z.string().optional(),
  per_connection_buffer_limit_bytes: z.number().optional(),
  typed_extension_protocol_options: z.record(z.string(), AnyConfig).optional(),
  health_checks: z.array(z.object({ grpc_health_check: z.object({ service_name: z.string().optional() }).optional() }).loose()).optional(),
  transport_socket: TransportSocket.optional(),
  load_assignment: z
    .object({
      cluster_name: z.string(),
      endpoints: z.array(z.object({ lb_endpoints: z.array(z.object({ endpoint: z.object({ address: Address }) })).default([]) })).default([]),
    })
    .optional(),
});

const BootstrapSchema = z.object({
  admin: z.object({ address: Address.optional() }).optional(),
  static_resources: z.object({ listeners: z.array(ListenerSchema).default([]), clusters: z.array(ClusterSchema).default([]) }),
});

export type HttpFilterModel =
  | { name: string; kind: "ext_proc"; config: ExtProcConfig }
  | { name: string; kind: "ext_authz"; config: ExtAuthzConfig }
  | { name: string; kind: "header_mutation"; config: HeaderMutationFilterConfig }
  | { name: string; kind: "router" };

export interface ClusterModel {
  name: string;
  /** host:port of each endpoint as written in the config. */
  endpoints: { host: string; port: number }[];
  tls?: { sni?: string; alpn: string[]; presentsClientCert: boolean; verifiesServer: boolean };
  http2: boolean;
  grpcHealthCheck?: { serviceName: string };
}

export interface GatewayModel {
  source: string;
  admin?: { host: string; port: number };
  listener: {
    name: string;
    host: string;
    port: number;
    bufferLimitBytes: number;
    tls?: { requireClientCert: boolean; verifiesClientCerts: boolean; alpn: string[] };
  };
  hcm: { statPrefix: string; useRemoteAddress: boolean; streamIdleTimeout?: string };
  routeConfig: RouteConfiguration;
  httpFilters: HttpFilterModel[];
  clusters: Map<string, ClusterModel>;
}

const TYPES = {
  hcm: "envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager",
  extProc: "envoy.extensions.filters.http.ext_proc.v3.ExternalProcessor",
  extAuthz: "envoy.extensions.filters.http.ext_authz.v3.ExtAuthz",
  headerMutation: "envoy.extensions.filters.http.header_mutation.v3.HeaderMutation",
  router: "envoy.extensions.filters.http.router.v3.Router",
  downstreamTls: "envoy.extensions.transport_sockets.tls.v3.DownstreamTlsContext",
  upstreamTls: "envoy.extensions.transport_sockets.tls.v3.UpstreamTlsContext",
  httpOptions: "envoy.extensions.upstreams.http.v3.HttpProtocolOptions",
};

const typeOf = (config: { "@type": string } | undefined): string => config?.["@type"].split("/").pop() ?? "";

/** Envoy's default per-connection (and so per-stream) buffer limit, 1 MiB (listener.proto). */
export const DEFAULT_BUFFER_LIMIT_BYTES = 1024 * 1024;

/** Maps an envoy.type.v3.StatusCode enum name ("ServiceUnavailable") to its HTTP code. */
export function httpStatusCode(name: string | undefined, fallback: number): number {
  if (!name) return fallback;
  const value = envoyConfigRoot().lookupEnum("envoy.type.v3.StatusCode").values[name];
  return value === undefined || value === 0 ? fallback : value;
}

function httpFilter(filter: { name: string; typed_config?: { "@type": string } | undefined }): HttpFilterModel {
  const type = typeOf(filter.typed_config);
  switch (type) {
    case TYPES.extProc:
      return { name: filter.name, kind: "ext_proc", config: ExtProcConfigSchema.parse(filter.typed_config) };
    case TYPES.extAuthz:
      return { name: filter.name, kind: "ext_authz", config: ExtAuthzConfigSchema.parse(filter.typed_config) };
    case TYPES.headerMutation:
      return { name: filter.name, kind: "header_mutation", config: HeaderMutationFilterSchema.parse(filter.typed_config) };
    case TYPES.router:
      RouterConfigSchema.parse(filter.typed_config);
      return { name: filter.name, kind: "router" };
    default:
      throw new Error(`HTTP filter ${filter.name} (${type || "no typed_config"}) is not emulated by the test harness`);
  }
}

function cluster(c: z.infer<typeof ClusterSchema>): ClusterModel {
  const endpoints = (c.load_assignment?.endpoints ?? []).flatMap((e) =>
    e.lb_endpoints.flatMap((lb) => {
      const s = lb.endpoint.address.socket_address;
      return s ? [{ host: s.address, port: s.port_value ?? 0 }] : [];
    }),
  );
  const tlsConfig = typeOf(c.transport_socket?.typed_config) === TYPES.upstreamTls ? TlsContext.parse(c.transport_socket?.typed_config) : undefined;
  const options = Object.values(c.typed_extension_protocol_options ?? {}).find((o) => typeOf(o) === TYPES.httpOptions);
  const explicit = z.object({ explicit_http_config: z.object({ http2_protocol_options: z.object({}).loose().optional() }).optional() }).parse(options ?? {});
  const model: ClusterModel = { name: c.name, endpoints, http2: explicit.explicit_http_config?.http2_protocol_options !== undefined };
  if (tlsConfig) {
    const common = tlsConfig.common_tls_context;
    model.tls = {
      ...(tlsConfig.sni !== undefined ? { sni: tlsConfig.sni } : {}),
      alpn: common?.alpn_protocols ?? [],
      presentsClientCert: (common?.tls_certificates ?? []).length > 0,
      verifiesServer: common?.validation_context !== undefined,
    };
  }
  const grpcCheck = c.health_checks?.find((h) => h.grpc_health_check !== undefined)?.grpc_health_check;
  if (grpcCheck) model.grpcHealthCheck = { serviceName: grpcCheck.service_name ?? "" };
  return model;
}

/** Builds the model from a validated bootstrap; `listenerName` picks a listener when there are several. */
export function gatewayModel(bootstrap: unknown, source: string, listenerName?: string): GatewayModel {
  const b = BootstrapSchema.parse(bootstrap);
  const listener = listenerName ? b.static_resources.listeners.find((l) => l.name === listenerName) : b.static_resources.listeners[0];
  if (!listener) throw new Error(`${source}: no listener ${listenerName ?? ""}`);
  const chain = listener.filter_chains[0];
  const hcmFilter = chain?.filters.find((f) => typeOf(f.typed_config) === TYPES.hcm);
  if (!chain || !hcmFilter) throw new Error(`${source}: listener ${listener.name} has no http_connection_manager`);
  const hcm = HcmSchema.parse(hcmFilter.typed_config);
  if (!hcm.route_config) throw new Error(`${source}: only inline route_config is emulated (not RDS)`);
  const downstreamTls = typeOf(chain.transport_socket?.typed_config) === TYPES.downstreamTls ? TlsContext.parse(chain.transport_socket?.typed_config) : undefined;
  const socket = listener.address.socket_address;
  const adminSocket = b.admin?.address?.socket_address;
  return {
    source,
    ...(adminSocket ? { admin: { host: adminSocket.address, port: adminSocket.port_value ?? 0 } } : {}),
    listener: {
      name: listener.name,
      host: socket?.address ?? "",
      port: socket?.port_value ?? 0,
      bufferLimitBytes: listener.per_connection_buffer_limit_bytes ?? DEFAULT_BUFFER_LIMIT_BYTES,
      ...(downstreamTls
        ? {
            tls: {
              requireClientCert: downstreamTls.require_client_certificate === true,
              verifiesClientCerts: downstreamTls.common_tls_context?.validation_context !== undefined,
              alpn: downstreamTls.common_tls_context?.alpn_protocols ?? [],
            },
          }
        : {}),
    },
    hcm: {
      statPrefix: hcm.stat_prefix,
      useRemoteAddress: hcm.use_remote_address === true,
      ...(hcm.stream_idle_timeout ? { streamIdleTimeout: hcm.stream_idle_timeout } : {}),
    },
    routeConfig: hcm.route_config,
    httpFilters: hcm.http_filters.filter((f) => f.disabled !== true).map(httpFilter),
    clusters: new Map(b.static_resources.clusters.map((c) => [c.name, cluster(c)])),
  };
}

/** Loads, validates and models an envoy.yaml in one step. */
export function loadGatewayModel(path: string, listenerName?: string): GatewayModel {
  return gatewayModel(loadEnvoyBootstrap(path), path, listenerName);
}

/** "0.2s" → 200; undefined stays undefined so callers can apply Envoy's default. */
export function durationMs(text: string | undefined): number | undefined {
  return text === undefined ? undefined : Math.round(Number(text.slice(0, -1)) * 1000);
}
