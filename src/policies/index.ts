// The policy chain, built from config once per load. Order matters: who is calling, then where it goes, then the
// policies that judge the request. Adding a policy touches its own folder and one line here.
import type { Authenticator } from "./auth.js";
import { authPolicy } from "./auth.js";
import type { ResolvedProvider, RouteTable } from "./routing.js";
import { routingPolicy } from "./routing.js";
import { mcpPolicy, type ToolAccess } from "./mcp.js";
import type { Policy } from "./types.js";
import { guardrailsPolicy, type GuardrailsDeps } from "./guardrails/policy.js";

export interface PolicyDeps {
  authenticator: Authenticator;
  routes: RouteTable;
  providers: ReadonlyMap<string, ResolvedProvider>;
  tools: ToolAccess;
  guardrails: GuardrailsDeps;
  /** Present when the config has limits. */
  budget: Policy | undefined;
}

export function buildPolicies(deps: PolicyDeps): Policy[] {
  return [
    authPolicy(deps.authenticator),
    routingPolicy(deps.routes, deps.providers),
    mcpPolicy(deps.tools),
    guardrailsPolicy(deps.guardrails),
    // After the guardrails: a request they block never spends budget.
    ...(deps.budget ? [deps.budget] : []),
  ];
}
