// Docker cannot run here, so the deployment files are checked against each other instead: the ports, paths,
// service names and cluster names in Dockerfile, docker-compose.yml and deploy/k8s must be the ones
// envoy/*.yaml and Tollgate itself use (gRPC 50051, admin 9464).
import { BUILTIN_CONFIG_PATH, loadConfigFile } from "../../src/config/load.js";
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import * as YAML from "yaml";
import { validateIstioEnvoyFilters } from "../harness/envoy-config/load.js";
import { loadGatewayModel, type GatewayModel } from "../harness/envoy-config/model.js";

const ROOT = join(import.meta.dirname, "..", "..");
const read = (...p: string[]): string => readFileSync(join(ROOT, ...p), "utf8");

/** Tollgate's documented defaults (issue 3): gRPC 50051, admin 9464. */
const GRPC_PORT = 50051;
const ADMIN_PORT = 9464;

const shipped = loadGatewayModel(join(ROOT, "envoy", "envoy.yaml"));
const dev = loadGatewayModel(join(ROOT, "envoy", "envoy-dev.yaml"));

type Json = Record<string, unknown>;
const obj = (v: unknown): Json => (typeof v === "object" && v !== null && !Array.isArray(v) ? (v as Json) : {});
const list = (v: unknown): unknown[] => (Array.isArray(v) ? v : []);
const str = (v: unknown): string => (typeof v === "string" ? v : "");

/**
 * HOOK for the built-in config comparison: what config/tollgate.yaml says about ports and upstream clusters.
 * It reads the raw YAML today; swap in the config loader (src/config/load.ts) once its API is settled.
 */
/** The built-in config as Tollgate itself loads it (defaults filled in by the schema). */
function builtInTollgateConfig(): { grpcPort: number; adminPort: number; providerClusters: string[] } {
  const { config } = loadConfigFile(BUILTIN_CONFIG_PATH, {});
  return {
    grpcPort: config.server.grpc.port,
    adminPort: config.server.admin.port,
    providerClusters: config.providers.map((p) => p.cluster),
  };
}

function cluster(model: GatewayModel, name: string): { host: string; port: number } {
  const endpoint = model.clusters.get(name)?.endpoints[0];
  if (!endpoint) throw new Error(`${model.source}: no endpoint for cluster ${name}`);
  return endpoint;
}

/** "8080:8080" / "127.0.0.1:8080:8080" → { host port, container port }. */
function published(mapping: unknown): { host: number; container: number } {
  const parts = str(mapping).split(":");
  return { host: Number(parts.at(-2)), container: Number(parts.at(-1)) };
}

describe("docker-compose.yml", () => {
  const compose = obj(YAML.parse(read("docker-compose.yml")));
  const services = obj(compose["services"]);
  const envoy = obj(services["envoy"]);
  const tollgate = obj(services["tollgate"]);
  const fake = obj(services["fake-provider"]);

  it("runs envoy-dev.yaml, mounted where the Envoy command reads it", () => {
    const mount = list(envoy["volumes"]).map(str).find((v) => v.includes("envoy"));
    const [source, target] = (mount ?? "").split(":");
    expect(source).toBe("./envoy/envoy-dev.yaml");
    expect(existsSync(join(ROOT, source ?? ""))).toBe(true);
    const command = list(envoy["command"]).map(str);
    expect(command[command.indexOf("-c") + 1]).toBe(target);
  });

  it("publishes Envoy's listener and admin ports as envoy-dev.yaml defines them", () => {
    const ports = list(envoy["ports"]).map(published);
    expect(ports).toContainEqual({ host: dev.listener.port, container: dev.listener.port });
    expect(ports).toContainEqual({ host: dev.admin?.port, container: dev.admin?.port });
  });

  it("names its services as the Envoy clusters address them, on the same ports", () => {
    expect(cluster(dev, "tollgate")).toEqual({ host: "tollgate", port: GRPC_PORT });
    expect(cluster(dev, "fake_provider").host).toBe("fake-provider");
    const fakeCommand = list(fake["command"]).map(str);
    expect(Number(fakeCommand[fakeCommand.indexOf("--port") + 1])).toBe(cluster(dev, "fake_provider").port);
    expect(fakeCommand).toContain("test/harness/test-upstream.ts");
    expect(existsSync(join(ROOT, "test", "harness", "test-upstream.ts"))).toBe(true);
  });

  it("runs Tollgate on the default ports and health-checks its admin port", () => {
    const command = list(tollgate["command"]).map(str);
    expect(Number(command[command.indexOf("--grpc-port") + 1])).toBe(GRPC_PORT);
    expect(Number(command[command.indexOf("--admin-port") + 1])).toBe(ADMIN_PORT);
    expect(list(tollgate["ports"]).map(published)).toContainEqual({ host: ADMIN_PORT, container: ADMIN_PORT });
    expect(list(obj(tollgate["healthcheck"])["test"]).join(" ")).toContain(`127.0.0.1:${ADMIN_PORT}/readyz`);
  });

  it("starts Envoy only once Tollgate is healthy (failure_mode_allow is false)", () => {
    expect(obj(obj(envoy["depends_on"])["tollgate"])["condition"]).toBe("service_healthy");
  });
});

describe("Dockerfile", () => {
  const lines = read("Dockerfile").split("\n");
  const instructions = (name: string): string[] => lines.filter((l) => l.startsWith(`${name} `)).map((l) => l.slice(name.length + 1));

  it("is multi-stage: builds with npm ci + npm run build, installs only production deps at run time", () => {
    expect(instructions("FROM")).toEqual(["node:20-alpine AS build", "node:20-alpine AS runtime"]);
    const runs = instructions("RUN");
    expect(runs).toContain("npm ci --ignore-scripts");
    expect(runs).toContain("npm run build");
    expect(runs.some((r) => r.startsWith("npm ci --omit=dev"))).toBe(true);
  });

  it("runs the compiled CLI as a non-root user and exposes the default ports", () => {
    expect(instructions("USER")).toEqual(["node"]);
    expect(instructions("ENTRYPOINT")).toEqual(['["node", "dist/src/main.js"]']);
    expect(instructions("CMD")).toEqual(['["serve"]']);
    expect(instructions("EXPOSE")).toEqual([`${GRPC_PORT} ${ADMIN_PORT}`]);
    expect(lines.join("\n")).toContain(`http://127.0.0.1:${ADMIN_PORT}/readyz`);
  });

  it("copies every path the runtime reads from the package root", () => {
    const copies = instructions("COPY").filter((c) => !c.startsWith("--from") && !c.startsWith("package"));
    for (const c of copies) {
      const source = c.split(" ")[0] ?? "";
      expect(existsSync(join(ROOT, source)), source).toBe(true);
    }
    expect(copies.map((c) => c.split(" ")[0])).toEqual(expect.arrayContaining(["config", "proto", "src/guardrails/models"]));
  });

  it("keeps local state and dependencies out of the build context", () => {
    const ignored = read(".dockerignore").split("\n").map((l) => l.trim());
    expect(ignored).toEqual(expect.arrayContaining(["node_modules", "dist", ".git", ".tollgate"]));
  });
});

describe("deploy/k8s", () => {
  const docs = readdirSync(join(ROOT, "deploy", "k8s"))
    .filter((f) => f.endsWith(".yaml") && f !== "kustomization.yaml")
    .flatMap((f) => YAML.parseAllDocuments(read("deploy", "k8s", f)).map((d) => obj(d.toJS())));
  const find = (kind: string, name: string): Json => {
    const found = docs.find((d) => d["kind"] === kind && obj(d["metadata"])["name"] === name);
    if (!found) throw new Error(`deploy/k8s has no ${kind} ${name}`);
    return found;
  };
  const service = find("Service", "tollgate");
  const deployment = find("Deployment", "tollgate");
  const container = obj(list(obj(obj(obj(obj(deployment["spec"])["template"])["spec"]))["containers"])[0]);
  const containerPorts = new Map(list(container["ports"]).map((p) => [str(obj(p)["name"]), obj(p)["containerPort"]]));
  const servicePorts = list(obj(service["spec"])["ports"]).map(obj);

  it("kustomization lists every manifest", () => {
    const resources = list(obj(YAML.parse(read("deploy", "k8s", "kustomization.yaml")))["resources"]).map(str);
    const files = readdirSync(join(ROOT, "deploy", "k8s")).filter((f) => f.endsWith(".yaml") && f !== "kustomization.yaml");
    expect(resources.sort()).toEqual(files.sort());
  });

  it("serves gRPC on 50051 and admin on 9464, and the Service maps them by name", () => {
    expect(Object.fromEntries(containerPorts)).toEqual({ grpc: GRPC_PORT, "http-admin": ADMIN_PORT });
    for (const p of servicePorts) expect(containerPorts.get(str(p["targetPort"]))).toBe(p["port"]);
    const args = list(container["args"]).map(str);
    expect(Number(args[args.indexOf("--grpc-port") + 1])).toBe(GRPC_PORT);
    expect(Number(args[args.indexOf("--admin-port") + 1])).toBe(ADMIN_PORT);
  });

  it("names the gRPC port so meshes speak HTTP/2 to it", () => {
    expect(servicePorts.find((p) => p["port"] === GRPC_PORT)).toMatchObject({ name: "grpc", appProtocol: "grpc" });
  });

  it("probes the admin endpoints Tollgate serves", () => {
    expect(obj(obj(container["readinessProbe"])["httpGet"])).toEqual({ path: "/readyz", port: "http-admin" });
    expect(obj(obj(container["livenessProbe"])["httpGet"])).toEqual({ path: "/healthz", port: "http-admin" });
  });

  it("is the address envoy.yaml's tollgate cluster uses (Envoy in the same namespace)", () => {
    expect(cluster(shipped, "tollgate")).toEqual({ host: str(obj(service["metadata"])["name"]), port: GRPC_PORT });
  });

  it("is the Istio cluster the mesh EnvoyFilter points ext_authz and ext_proc at", () => {
    const meta = obj(service["metadata"]);
    const istioCluster = `outbound|${GRPC_PORT}||${str(meta["name"])}.${str(meta["namespace"])}.svc.cluster.local`;
    const grpcClusters = validateIstioEnvoyFilters(read("envoy", "istio-envoyfilter.yaml"))
      .filter((p) => p.applyTo === "HTTP_FILTER")
      .map((p) => str(obj(obj(obj(obj(p.value)["typed_config"])["grpc_service"])["envoy_grpc"])["cluster_name"]))
      .filter(Boolean);
    expect(grpcClusters).toEqual([istioCluster, istioCluster]);
  });
});

describe("built-in Tollgate config (config/tollgate.yaml)", () => {
  const config = builtInTollgateConfig();

  it("uses the default ports the deployment files assume", () => {
    expect(config).toMatchObject({ grpcPort: GRPC_PORT, adminPort: ADMIN_PORT });
  });

  it.each([
    ["envoy.yaml", shipped],
    ["envoy-dev.yaml", dev],
  ])("routes only to clusters %s defines (anything else is Envoy's 503)", (_file, model) => {
    for (const name of config.providerClusters) expect([...model.clusters.keys()], `provider cluster ${name}`).toContain(name);
  });
});
