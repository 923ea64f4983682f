// envoy/*.yaml are what users deploy: each must load into Envoy's v3 Bootstrap (strictly, like
// `envoy --mode validate`), and must say what Tollgate relies on (filter order, processing modes, cluster_header,
// mTLS to Tollgate, upstream TLS with SNI). Mutated copies prove the checker rejects what Envoy would.
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { CLUSTER_HEADER, PRINCIPAL_HEADERS } from "../../src/envoy/headers.js";
import { BOOTSTRAP_TYPE, formatIssues, validateIstioEnvoyFilters, validateYamlAs } from "../harness/envoy-config/load.js";
import { gatewayModel, loadGatewayModel, type GatewayModel, type HttpFilterModel } from "../harness/envoy-config/model.js";

const ENVOY_DIR = join(import.meta.dirname, "..", "..", "envoy");
const bootstrapFiles = readdirSync(ENVOY_DIR).filter((f) => f.endsWith(".yaml") && !f.startsWith("istio-"));
const shipped = loadGatewayModel(join(ENVOY_DIR, "envoy.yaml"));
const dev = loadGatewayModel(join(ENVOY_DIR, "envoy-dev.yaml"));
const INTERNAL_HEADERS = [CLUSTER_HEADER, ...Object.values(PRINCIPAL_HEADERS)];

function filter<K extends HttpFilterModel["kind"]>(model: GatewayModel, kind: K): Extract<HttpFilterModel, { kind: K }> {
  const found = model.httpFilters.find((f): f is Extract<HttpFilterModel, { kind: K }> => f.kind === kind);
  if (!found) throw new Error(`${model.source} has no ${kind} filter`);
  return found;
}

/** Replaces exactly one occurrence, so a mutation test cannot silently test the unmutated file. */
function mutate(text: string, from: string, to: string): string {
  expect(text.split(from)).toHaveLength(2);
  return text.replace(from, to);
}

describe("every envoy/*.yaml bootstrap", () => {
  it.each(bootstrapFiles)("%s loads into envoy.config.bootstrap.v3.Bootstrap with no errors", (file) => {
    const result = validateYamlAs(readFileSync(join(ENVOY_DIR, file), "utf8"), BOOTSTRAP_TYPE);
    expect(formatIssues(file, result.errors)).toBe("");
    expect(formatIssues(file, result.warnings)).toBe("");
  });
});

describe("the strict loader rejects what Envoy rejects", () => {
  const text = readFileSync(join(ENVOY_DIR, "envoy.yaml"), "utf8");
  const lineOf = (needle: string): number => text.slice(0, text.indexOf(needle)).split("\n").length;

  it("a misspelled field, naming its path and line and suggesting the right name", () => {
    const result = validateYamlAs(mutate(text, "message_timeout: 0.2s", "message_timout: 0.2s"), BOOTSTRAP_TYPE);
    expect(result.errors).toHaveLength(1);
    expect(result.errors[0]).toMatchObject({
      path: "static_resources.listeners[0].filter_chains[0].filters[0].typed_config.http_filters[2].typed_config.message_timout",
      line: lineOf("message_timeout: 0.2s"),
    });
    expect(result.errors[0]?.message).toContain('did you mean "message_timeout"');
  });

  it("a bad enum value", () => {
    const result = validateYamlAs(mutate(text, "response_body_mode: BUFFERED", "response_body_mode: BUFFER"), BOOTSTRAP_TYPE);
    expect(result.errors).toHaveLength(1);
    expect(result.errors[0]?.path).toMatch(/http_filters\[2\]\.typed_config\.processing_mode\.response_body_mode$/);
    expect(result.errors[0]?.message).toMatch(/invalid value "BUFFER" for enum .*BodySendMode/);
  });

  it("a bad duration, and one outside the field's validate rules", () => {
    const unitless = validateYamlAs(mutate(text, "message_timeout: 0.2s", "message_timeout: 200ms"), BOOTSTRAP_TYPE);
    expect(unitless.errors.map((e) => e.message)).toEqual([expect.stringMatching(/^invalid duration string "200ms"/)]);
    const tooLong = validateYamlAs(mutate(text, "message_timeout: 0.2s", "message_timeout: 7200s"), BOOTSTRAP_TYPE);
    expect(tooLong.errors.map((e) => e.message)).toEqual(["duration (seconds) must be <= 3600, got 7200"]);
  });

  it("an unknown @type, a wrongly typed scalar and a missing required field", () => {
    const badType = validateYamlAs(mutate(text, "router.v3.Router", "router.v3.Routr"), BOOTSTRAP_TYPE);
    expect(badType.errors.map((e) => e.message)).toEqual([expect.stringContaining('unknown @type "type.googleapis.com/envoy.extensions.filters.http.router.v3.Routr"')]);
    const quotedPort = validateYamlAs(mutate(text, "port_value: 8443", 'port_value: "84x3"'), BOOTSTRAP_TYPE);
    expect(quotedPort.errors[0]?.message).toBe('expected an integer (uint32), got string "84x3"');
    const extProcService = "grpc_service:\n                        envoy_grpc: { cluster_name: tollgate }\n                      failure_mode_allow";
    const noService = validateYamlAs(mutate(text, extProcService, "failure_mode_allow"), BOOTSTRAP_TYPE);
    expect(noService.errors.map((e) => e.message)).toEqual(['missing required field "grpc_service" in envoy.extensions.filters.http.ext_proc.v3.ExternalProcessor']);
  });

  it("camelCase JSON names are accepted, as Envoy's JSON parser does", () => {
    const result = validateYamlAs(mutate(text, "allow_mode_override: true", "allowModeOverride: true"), BOOTSTRAP_TYPE);
    expect(result.errors).toEqual([]);
    expect(filter(gatewayModel(result.value, "camel"), "ext_proc").config.allow_mode_override).toBe(true);
  });
});

describe("envoy/envoy.yaml says what Tollgate needs", () => {
  it("runs header_mutation, ext_authz, ext_proc, then the router", () => {
    expect(shipped.httpFilters.map((f) => f.kind)).toEqual(["header_mutation", "ext_authz", "ext_proc", "router"]);
  });

  it("drops client-sent Tollgate headers before ext_authz and strips them before any provider", () => {
    const removed = filter(shipped, "header_mutation").config.mutations?.request_mutations?.map((m) => m.remove);
    expect(removed).toEqual(INTERNAL_HEADERS);
    expect(shipped.routeConfig.request_headers_to_remove).toEqual(INTERNAL_HEADERS);
  });

  it("configures ext_proc as Tollgate expects", () => {
    const { config } = filter(shipped, "ext_proc");
    expect(config.grpc_service.envoy_grpc?.cluster_name).toBe("tollgate");
    expect(config.processing_mode).toEqual({
      request_header_mode: "SEND",
      request_body_mode: "BUFFERED",
      request_trailer_mode: "SKIP",
      response_header_mode: "SEND",
      response_body_mode: "BUFFERED",
      response_trailer_mode: "SKIP",
    });
    expect(config).toMatchObject({ allow_mode_override: true, message_timeout: "0.2s", failure_mode_allow: false });
    expect(config.mutation_rules?.allow_all_routing).toBe(true);
  });

  it("asks Tollgate's Check first and refuses traffic when Tollgate cannot answer", () => {
    const { config } = filter(shipped, "ext_authz");
    expect(config.grpc_service?.envoy_grpc?.cluster_name).toBe("tollgate");
    expect(config).toMatchObject({ transport_api_version: "V3", failure_mode_allow: false, include_peer_certificate: true });
  });

  it("routes every request by the cluster header Tollgate sets", () => {
    const routes = shipped.routeConfig.virtual_hosts.flatMap((vh) => vh.routes);
    expect(routes.length).toBeGreaterThan(0);
    for (const route of routes) expect(route.route?.cluster_header).toBe(CLUSTER_HEADER);
  });

  it("terminates TLS with optional client certificates", () => {
    expect(shipped.listener.tls).toEqual({ requireClientCert: false, verifiesClientCerts: true, alpn: ["h2", "http/1.1"] });
  });

  it("reaches Tollgate over HTTP/2 with mutual TLS and gRPC health checks", () => {
    const tollgate = shipped.clusters.get("tollgate");
    expect(tollgate).toMatchObject({ http2: true, grpcHealthCheck: { serviceName: "" } });
    expect(tollgate?.tls).toEqual({ sni: "tollgate", alpn: ["h2"], presentsClientCert: true, verifiesServer: true });
  });

  it.each(["openai", "anthropic"])("reaches provider %s over TLS with SNI equal to its host", (name) => {
    const provider = shipped.clusters.get(name);
    const host = provider?.endpoints[0]?.host;
    expect(provider?.endpoints).toEqual([{ host, port: 443 }]);
    expect(provider?.tls).toMatchObject({ sni: host, verifiesServer: true });
  });

  it("lists exactly the egress allowlist: the providers, the fake provider, the MCP tool server and Tollgate", () => {
    expect([...shipped.clusters.keys()].sort()).toEqual(["anthropic", "fake_provider", "mcp_tools", "openai", "tollgate"]);
  });
});

describe("envoy/envoy-dev.yaml is envoy.yaml without TLS", () => {
  const withoutPeerCert = (f: HttpFilterModel): HttpFilterModel =>
    f.kind === "ext_authz" ? { ...f, config: { ...f.config, include_peer_certificate: undefined } } : f;

  it("has the same filters, routes and clusters", () => {
    expect(dev.httpFilters.map(withoutPeerCert)).toEqual(shipped.httpFilters.map(withoutPeerCert));
    expect(dev.routeConfig).toEqual(shipped.routeConfig);
    expect([...dev.clusters.keys()]).toEqual([...shipped.clusters.keys()]);
    expect(dev.clusters.get("openai")).toEqual(shipped.clusters.get("openai"));
  });

  it("listens in plain text and talks to Tollgate in plain HTTP/2", () => {
    expect(dev.listener.tls).toBeUndefined();
    expect(dev.clusters.get("tollgate")?.http2).toBe(true);
    expect(dev.clusters.get("tollgate")?.tls).toBeUndefined();
  });
});

describe("envoy/istio-envoyfilter.yaml", () => {
  const text = readFileSync(join(ENVOY_DIR, "istio-envoyfilter.yaml"), "utf8");
  const patches = validateIstioEnvoyFilters(text);

  it("every patch value is a valid Envoy config fragment", () => {
    expect(patches.map((p) => p.applyTo)).toEqual(["HTTP_FILTER", "HTTP_FILTER", "HTTP_FILTER", "HTTP_ROUTE"]);
    for (const p of patches) expect(formatIssues(`patch ${p.patch}`, p.errors)).toBe("");
  });

  it("inserts the same filter configs as envoy.yaml, pointed at Tollgate's Istio cluster", () => {
    const istioCluster = "outbound|50051||tollgate.tollgate.svc.cluster.local";
    const inserted = patches.filter((p) => p.applyTo === "HTTP_FILTER").map((p) => JSON.stringify(p.value));
    const expected = shipped.httpFilters
      .filter((f) => f.kind !== "router")
      .map((f) => {
        const original = readFilterConfig(f);
        return JSON.stringify(original).replaceAll('"cluster_name":"tollgate"', `"cluster_name":"${istioCluster}"`);
      });
    expect(inserted).toEqual(expected);
  });

  it("catches a misspelled field inside an embedded typed_config", () => {
    const broken = validateIstioEnvoyFilters(mutate(text, "allow_mode_override: true", "allow_mode_overide: true"));
    expect(broken.flatMap((p) => p.errors.map((e) => e.message))).toEqual([
      expect.stringContaining('unknown field "allow_mode_overide" in envoy.extensions.filters.http.ext_proc.v3.ExternalProcessor'),
    ]);
  });
});

/** The HttpFilter as written in envoy.yaml (name + typed_config), minus settings only a TLS listener has. */
function readFilterConfig(f: HttpFilterModel): unknown {
  const raw = validateYamlAs(readFileSync(join(ENVOY_DIR, "envoy.yaml"), "utf8"), BOOTSTRAP_TYPE).value;
  const hcm = (raw as { static_resources: { listeners: { filter_chains: { filters: { typed_config: { http_filters: { name: string; typed_config: Record<string, unknown> }[] } }[] }[] }[] } })
    .static_resources.listeners[0]?.filter_chains[0]?.filters[0]?.typed_config;
  const found = hcm?.http_filters.find((h) => h.name === f.name);
  if (!found) throw new Error(`no filter ${f.name}`);
  const { include_peer_certificate: _dropped, ...typedConfig } = found.typed_config;
  return { name: found.name, typed_config: typedConfig };
}
