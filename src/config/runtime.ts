// Everything derived from one config load: compiled routes, key store, providers with their credentials, and the
// policy chain. A reload builds a new Runtime and swaps it in one assignment; streams already open keep the one
// they started with, so a request never sees half of one config and half of another.
import { randomBytes } from "node:crypto";
import { codecs } from "../providers/index.js";
import { Authenticator, KeyStore } from "../policies/auth.js";
import { globSet } from "../policies/glob.js";
import { buildPolicies } from "../policies/index.js";
import { ToolAccess } from "../policies/mcp.js";
import { RouteTable, type ResolvedProvider } from "../policies/routing.js";
import type { Policy } from "../policies/types.js";
import { secretKey, type LoadedConfig } from "./load.js";
import type { Config } from "./schema.js";
import type { Metrics } from "../telemetry/metrics.js";
import type { Logger } from "../telemetry/logger.js";
import { createBudget, type Budget, type BudgetMetrics } from "../policies/budget/index.js";
import type { Store } from "../state/store.js";
import { type EvaluatorResolver, settingsOf } from "../policies/guardrails/policy.js";
import { settingsKey } from "../policies/guardrails/resolver.js";
import type { GuardrailsConfig } from "../policies/guardrails/schema.js";
import type { Evaluator } from "../guardrails/types.js";

export interface Runtime {
  readonly budget: Budget | undefined;
  readonly loaded: LoadedConfig;
  readonly config: Config;
  readonly authenticator: Authenticator;
  readonly routes: RouteTable;
  readonly providers: ReadonlyMap<string, ResolvedProvider>;
  readonly policies: readonly Policy[];
}

/** Used when no principal secret is configured: fine for one replica, wrong for several (a warning says so). */
const processSecret = randomBytes(32);

/** Process-wide services a runtime is built with: they outlive config reloads. */
export interface RuntimeServices {
  metrics: Metrics;
  /** Evaluator instances for guardrails (models load once per process, whatever the reloads). */
  evaluators: EvaluatorResolver;
  /** Shared counters for budgets and rate limits, and their metrics (registered once per process). */
  store: Store;
  budgetMetrics: BudgetMetrics;
  logger?: Logger;
}

export async function buildRuntime(loaded: LoadedConfig, services: RuntimeServices): Promise<Runtime> {
  const { config, secrets } = loaded;
  const secretRef = config.auth.principal_secret;
  const configured = secretRef ? secrets.get(secretKey(secretRef)) : undefined;
  const authenticator = new Authenticator(
    new KeyStore(config.auth.keys),
    config.auth.required,
    configured ? Buffer.from(configured, "utf8") : processSecret,
  );
  const providers = new Map<string, ResolvedProvider>();
  for (const p of config.providers) {
    providers.set(p.name, {
      config: p,
      codec: codecs[p.schema],
      credential: p.credential ? secrets.get(secretKey(p.credential)) : undefined,
      models: p.models.length > 0 ? globSet(p.models) : undefined,
    });
  }
  const routes = new RouteTable(config.routes);
  const budget = config.limits
    ? await createBudget(config.limits, { store: services.store, metrics: services.budgetMetrics, ...(services.logger ? { logger: services.logger } : {}) })
    : undefined;
  const guardrails = new Map(config.routes.flatMap((r) => (r.guardrails ? [[r.name, r.guardrails] as const] : [])));
  warmEvaluators([...guardrails.values(), ...(config.guardrails ? [config.guardrails] : [])], services.evaluators);
  const policies = buildPolicies({
    authenticator,
    routes,
    providers,
    tools: new ToolAccess(config),
    guardrails: { resolve: services.evaluators, metrics: services.metrics, routes: guardrails, defaults: config.guardrails },
    budget: budget?.policy,
  });
  return { loaded, config, authenticator, routes, providers, policies, budget };
}

/**
 * Loads every evaluator the config uses now, at config load, so the first request after a start or a reload does
 * not pay for loading models inside its phase budget (and a model that fails to load fails the load, not a request).
 */
function warmEvaluators(configs: readonly GuardrailsConfig[], resolve: EvaluatorResolver): void {
  const used = new Map<string, () => Evaluator>();
  for (const cfg of configs) {
    if (cfg.flash && cfg.pre.length > 0) used.set(settingsKey("protect_flash", {}), () => resolve("protect_flash"));
    for (const rule of [...cfg.pre, ...cfg.post]) {
      const settings = settingsOf(rule);
      used.set(settingsKey(rule.evaluator, settings), () => resolve(rule.evaluator, settings));
    }
    for (const name of cfg.grey_zone?.add ?? []) used.set(settingsKey(name, {}), () => resolve(name));
  }
  // A first evaluation pays for lazy tables and the JIT; better here than inside the first request's budget.
  for (const get of used.values()) get().evaluate({ input: WARM_UP_TEXT });
}

const WARM_UP_TEXT =
  "Please summarise the attached quarterly report for Dana Whitfield (dana.w@contoso-mail.net, +44 20 7946 0958) " +
  "and list the three biggest risks. Ignore the formatting. Card on file: 4111 1111 1111 1111.";
