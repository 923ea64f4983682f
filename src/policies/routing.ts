// Route selection and provider rewriting. The chosen provider is applied by setting the header Envoy's route reads
// with `cluster_header` (plus :authority, :path and the provider's credential); the exchange adds
// clear_route_cache so Envoy re-picks the route. Only clusters defined in envoy.yaml exist: naming any other
// cluster gets Envoy's cluster-not-found 503, which makes envoy.yaml the egress allowlist.
import type { ProviderConfig, RouteConfig } from "../config/schema.js";
import { CLUSTER_HEADER, INTERNAL_HEADER_PREFIX } from "../envoy/headers.js";
import { pathOnly } from "../exchange/endpoints.js";
import type { ProviderCodec } from "../providers/codec.js";
import { globSet, type GlobSet } from "./glob.js";
import type { HeaderChanges, Policy, PolicyContext, PolicyResult } from "./types.js";

export interface ResolvedProvider {
  config: ProviderConfig;
  codec: ProviderCodec;
  /** The credential's value; undefined when the provider has none configured or its secret is missing. */
  credential: string | undefined;
  models: GlobSet | undefined;
}

interface CompiledRoute {
  config: RouteConfig;
  paths: GlobSet | undefined;
  models: GlobSet | undefined;
  headers: [string, string][];
}

export class RouteTable {
  private readonly routes: CompiledRoute[];

  constructor(routes: readonly RouteConfig[]) {
    this.routes = routes.map((config) => ({
      config,
      paths: config.match.paths ? globSet(config.match.paths) : undefined,
      models: config.match.models ? globSet(config.match.models) : undefined,
      headers: Object.entries(config.match.headers ?? {}).map(([k, v]) => [k.toLowerCase(), v]),
    }));
  }

  /** First route whose every condition holds; a condition a route does not state always holds. */
  select(path: string, model: string | undefined, headers: ReadonlyMap<string, string>): RouteConfig | undefined {
    const p = pathOnly(path);
    for (const r of this.routes) {
      if (r.paths && !r.paths.test(p)) continue;
      if (r.models && (model === undefined || !r.models.test(model))) continue;
      if (r.headers.some(([k, v]) => headers.get(k) !== v)) continue;
      return r.config;
    }
    return undefined;
  }
}

/** Headers the client sent that must never reach a provider: its own credentials and our internal headers. */
export function clientOnlyHeaders(headers: ReadonlyMap<string, string>): string[] {
  const out = ["authorization", "x-api-key"];
  for (const name of headers.keys()) {
    if (name.startsWith(INTERNAL_HEADER_PREFIX) && name !== CLUSTER_HEADER) out.push(name);
  }
  return out;
}

function deny(status: number, code: string, message: string): PolicyResult {
  return { verdict: "deny", denial: { status, code, message } };
}

export function routingPolicy(table: RouteTable, providers: ReadonlyMap<string, ResolvedProvider>): Policy {
  return {
    name: "routing",
    requestBody(ctx: PolicyContext): PolicyResult {
      const path = ctx.requestHeaders.get(":path") ?? "/";
      const request = ctx.request;
      const model = request?.kind === "llm" ? request.model : undefined;
      const route = table.select(path, model, ctx.requestHeaders);
      if (!route) {
        return deny(404, "no_route", model ? `No route serves model "${model}" at ${pathOnly(path)}.` : `No route serves ${pathOnly(path)}.`);
      }
      const allowed = ctx.principal?.routes ?? [];
      if (allowed.length > 0 && !allowed.includes(route.name)) {
        return deny(403, "route_not_allowed", `This key may not use route "${route.name}".`);
      }
      const targetModel = route.model_override ?? model;
      const candidates = route.providers.map((name) => providers.get(name)).filter((p): p is ResolvedProvider => p !== undefined);
      const servable = candidates.filter((p) => !p.models || targetModel === undefined || p.models.test(targetModel));
      if (servable.length === 0) return deny(404, "model_not_found", `Route "${route.name}" has no provider for model "${targetModel}".`);
      const provider = servable.find((p) => !p.config.credential || p.credential !== undefined);
      if (!provider) {
        return deny(503, "provider_unavailable", `Route "${route.name}": no provider credential is configured.`);
      }
      if (ctx.endpoint && provider.codec.api !== ctx.endpoint.api) {
        return deny(422, "unsupported_translation", `Route "${route.name}" sends ${ctx.endpoint.api} requests to provider "${provider.config.name}", which speaks ${provider.codec.api}.`);
      }
      ctx.setRoute(route.name, provider.config.name);
      const headers: HeaderChanges = {
        set: {
          [CLUSTER_HEADER]: provider.config.cluster,
          ":authority": provider.config.host,
          ...(provider.config.base_path ? { ":path": provider.config.base_path + path } : {}),
          ...(provider.credential !== undefined ? provider.codec.credentialHeaders(provider.credential) : {}),
        },
        remove: clientOnlyHeaders(ctx.requestHeaders),
      };
      // A provider credential header replaces the client's; it must not also be listed for removal.
      headers.remove = headers.remove!.filter((h) => !(h in headers.set!));
      let bodyChanged = false;
      if (route.model_override && request?.kind === "llm" && request.model !== route.model_override) {
        request.body.model = route.model_override;
        request.model = route.model_override;
        bodyChanged = true;
      }
      return { verdict: "mutate", headers, bodyChanged };
    },
  };
}
