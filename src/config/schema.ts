// The configuration file's schema. Keys are snake_case like Envoy's YAML. Every error zod reports carries a key
// path; load.ts maps it to a line in the file.
import { z } from "zod";
import { secretRef } from "./secret.js";
import { guardrailsSchema } from "../policies/guardrails/schema.js";
import { limitsSchema } from "../policies/budget/schema.js";
import { storeSchema } from "../state/config.js";

const failMode = z.enum(["open", "closed"]);

export { secretRef };

const tlsSchema = z.strictObject({
  cert_file: z.string().min(1),
  key_file: z.string().min(1),
  /** CA bundle used to verify client certificates (Envoy's client cert for mTLS). */
  ca_file: z.string().min(1).optional(),
  require_client_cert: z.boolean().default(false),
});

const serverSchema = z
  .strictObject({
    grpc: z
      .strictObject({
        host: z.string().default("0.0.0.0"),
        /** Listen on TCP (host:port); turn off to serve only on `socket`. */
        tcp: z.boolean().default(true),
        /** TCP port; 0 picks a free one (logged at start). */
        port: z.number().int().min(0).max(65535).default(50051),
        socket: z.string().min(1).optional(),
        tls: tlsSchema.optional(),
        max_receive_message_bytes: z.number().int().positive().default(8 * 1024 * 1024),
      })
      .prefault({}),
    admin: z
      .strictObject({
        host: z.string().default("0.0.0.0"),
        port: z.number().int().min(0).max(65535).default(9464),
      })
      .prefault({}),
    /** Per-phase time budget for policy work; keep it under Envoy's message_timeout (200 ms by default). */
    phase_budget_ms: z.number().int().positive().max(10_000).default(150),
    /**
     * After SIGTERM, how long to keep accepting streams while health reports NOT_SERVING, so Envoy's health check
     * moves traffic away before new streams would be refused (set it above the health check interval).
     */
    drain_delay_ms: z.number().int().nonnegative().default(5_000),
    /** How long SIGTERM waits for in-flight streams before closing them. */
    drain_timeout_ms: z.number().int().nonnegative().default(10_000),
    /** Bodies above this size are refused with 413 before parsing (Envoy's own buffer limit is 1 MiB by default). */
    max_body_bytes: z.number().int().positive().default(4 * 1024 * 1024),
  })
  .prefault({});

/** MCP tool names or globs a caller may use; deny wins over allow, an empty allow list allows all. */
export const toolRulesSchema = z.strictObject({
  allow: z.array(z.string().min(1)).default([]),
  deny: z.array(z.string().min(1)).default([]),
});

const keySchema = z.strictObject({
  id: z.string().regex(/^[A-Za-z0-9_.-]{1,64}$/, "key ids are 1-64 characters of A-Z a-z 0-9 _ . -"),
  /** Hex SHA-256 of the key; the key itself never appears in config. */
  sha256: z.string().regex(/^[0-9a-f]{64}$/, "sha256 must be 64 lower-case hex characters"),
  cohort: z.string().min(1).default("default"),
  /** Route names this key may use; empty or absent means every route. */
  routes: z.array(z.string().min(1)).default([]),
  tools: toolRulesSchema.optional(),
  disabled: z.boolean().default(false),
});

const authSchema = z
  .strictObject({
    /** When false, requests without a key pass as the anonymous principal (local development only). */
    required: z.boolean().default(true),
    keys: z.array(keySchema).default([]),
    /** HMAC secret for the principal headers ext_authz hands to ext_proc; must be shared by all replicas. */
    principal_secret: secretRef.optional(),
  })
  .prefault({});

const matchSchema = z.strictObject({
  /** Exact paths or prefixes ending in `*`. */
  paths: z.array(z.string().startsWith("/")).optional(),
  /** Model names or globs (`gpt-4o*`). */
  models: z.array(z.string().min(1)).optional(),
  /** Header name → exact value. */
  headers: z.record(z.string(), z.string()).optional(),
});

const routeSchema = z.strictObject({
  name: z.string().regex(/^[A-Za-z0-9_.-]{1,64}$/),
  match: matchSchema.prefault({}),
  /** Provider names, in preference order. */
  providers: z.array(z.string().min(1)).min(1),
  /** Pre- and post-guardrails for this route (replaces the top-level `guardrails`). */
  guardrails: guardrailsSchema.optional(),
  /** MCP tools callers of this route may use (and see in tools/list). */
  tools: toolRulesSchema.optional(),
  /** Rewrites the request's model for the chosen provider (e.g. a client alias to a provider model). */
  model_override: z.string().min(1).optional(),
  /** What happens when a policy overruns its time budget or throws: skip it (open) or answer 503 (closed). */
  fail_mode: failMode.default("closed"),
});

const priceSchema = z.strictObject({
  input: z.number().nonnegative(),
  output: z.number().nonnegative(),
  cached_input: z.number().nonnegative().optional(),
});

const providerSchema = z.strictObject({
  name: z.string().regex(/^[A-Za-z0-9_.-]{1,64}$/),
  /** The Envoy cluster this provider is reached through; only clusters in envoy.yaml exist (egress allowlist). */
  cluster: z.string().min(1),
  schema: z.enum(["openai", "anthropic", "mcp"]),
  /** Value for :authority upstream (the provider's host name, matching the cluster's SNI). */
  host: z.string().min(1),
  /** Path prefix the provider's API lives under (e.g. "/openai" for a proxy); default none. */
  base_path: z.string().default(""),
  credential: secretRef.optional(),
  /** Models this provider serves (names or globs); empty means any. */
  models: z.array(z.string().min(1)).default([]),
  /** Per-model prices in dollars per million tokens; overrides the shipped price table. */
  prices: z.record(z.string(), priceSchema).default({}),
});

const telemetrySchema = z
  .strictObject({
    tracing: z
      .strictObject({
        /** none: spans are not recorded; otlp: exported over OTLP/HTTP (endpoint or OTEL_EXPORTER_OTLP_* env). */
        exporter: z.enum(["none", "otlp"]).default("none"),
        otlp_endpoint: z.url().optional(),
        /** Share of new traces sampled; a sampled parent from Envoy is always followed. */
        sample_ratio: z.number().min(0).max(1).default(1),
        service_name: z.string().min(1).default("tollgate"),
      })
      .prefault({}),
  })
  .prefault({});

const auditSchema = z
  .strictObject({
    /** JSON-lines file with a hash chain (relative paths resolve from the working directory); omit to disable. */
    file: z.string().min(1).optional(),
    /** always: every batch is fsynced before the next; interval: synced every flush_interval_ms. */
    flush: z.enum(["always", "interval"]).default("always"),
    flush_interval_ms: z.number().int().positive().default(1000),
    /** When records cannot be written: keep serving (fail-open) or answer 503 (fail-closed). */
    mode: z.enum(["fail-open", "fail-closed"]).default("fail-open"),
  })
  .prefault({});

export const configSchema = z
  .strictObject({
    server: serverSchema,
    telemetry: telemetrySchema,
    audit: auditSchema,
    /** Where shared counters live: memory (one replica) or Redis (shared by every replica). Needs a restart to change. */
    store: storeSchema,
    /** Rate limits and token / dollar budgets per route, key and cohort. */
    limits: limitsSchema.optional(),
    auth: authSchema,
    /** Requests to paths Tollgate does not recognise: pass through untouched, or deny with 404. */
    unknown_paths: z.enum(["pass", "deny"]).default("deny"),
    /** Guardrails for routes that do not set their own. */
    guardrails: guardrailsSchema.optional(),
    routes: z.array(routeSchema).default([]),
    providers: z.array(providerSchema).default([]),
  })
  .superRefine((cfg, ctx) => {
    const providerNames = new Set(cfg.providers.map((p) => p.name));
    const routeNames = new Set<string>();
    cfg.routes.forEach((route, i) => {
      if (routeNames.has(route.name)) {
        ctx.addIssue({ code: "custom", path: ["routes", i, "name"], message: `duplicate route name "${route.name}"` });
      }
      routeNames.add(route.name);
      route.providers.forEach((p, j) => {
        if (!providerNames.has(p)) {
          ctx.addIssue({ code: "custom", path: ["routes", i, "providers", j], message: `unknown provider "${p}"` });
        }
      });
    });
    const keyIds = new Set<string>();
    cfg.auth.keys.forEach((key, i) => {
      if (keyIds.has(key.id)) ctx.addIssue({ code: "custom", path: ["auth", "keys", i, "id"], message: `duplicate key id "${key.id}"` });
      keyIds.add(key.id);
      key.routes.forEach((r, j) => {
        if (!routeNames.has(r)) ctx.addIssue({ code: "custom", path: ["auth", "keys", i, "routes", j], message: `unknown route "${r}"` });
      });
    });
    const seenProviders = new Set<string>();
    cfg.providers.forEach((p, i) => {
      if (seenProviders.has(p.name)) ctx.addIssue({ code: "custom", path: ["providers", i, "name"], message: `duplicate provider name "${p.name}"` });
      seenProviders.add(p.name);
    });
    if (!cfg.server.grpc.tcp && !cfg.server.grpc.socket) {
      ctx.addIssue({ code: "custom", path: ["server", "grpc"], message: "with tcp: false a socket path is needed" });
    }
  });

export type ConfigInput = z.input<typeof configSchema>;
export type Config = z.output<typeof configSchema>;
export type RouteConfig = Config["routes"][number];
export type ProviderConfig = Config["providers"][number];
export type KeyConfig = Config["auth"]["keys"][number];
export type SecretRef = z.infer<typeof secretRef>;
export type ToolRules = z.output<typeof toolRulesSchema>;
