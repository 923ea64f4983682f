// MCP tool control: per-route and per-key tool allowlists (exact names and globs; deny wins) enforced on
// tools/call — the provider is never called for a denied tool — and applied to tools/list responses, so callers
// do not even see tools they may not use. Batched JSON-RPC requests are judged item by item: denied items are
// taken out of the batch that goes upstream and answered with JSON-RPC errors merged into the response.
import type { Config, ToolRules } from "../config/schema.js";
import type { McpRequest } from "../exchange/model.js";
import { isObject, type JsonObject } from "../providers/json.js";
import { formatSse } from "../providers/sse.js";
import { globSet, type GlobSet } from "./glob.js";
import type { Denial, Policy, PolicyContext, PolicyEvent, PolicyResult, StreamEvent } from "./types.js";

interface CompiledRules {
  allow: GlobSet | undefined;
  deny: GlobSet;
}

function compile(rules: ToolRules | undefined): CompiledRules | undefined {
  if (!rules) return undefined;
  return { allow: rules.allow.length > 0 ? globSet(rules.allow) : undefined, deny: globSet(rules.deny) };
}

function permits(rules: CompiledRules | undefined, tool: string): boolean {
  if (!rules) return true;
  if (rules.deny.test(tool)) return false;
  return !rules.allow || rules.allow.test(tool);
}

const STATE = "mcp.denied";

/** JSON-RPC errors owed to the client for batch items that were not forwarded. */
interface Withheld {
  errors: JsonObject[];
}

export class ToolAccess {
  private readonly routes = new Map<string, CompiledRules | undefined>();
  private readonly keys = new Map<string, CompiledRules | undefined>();

  constructor(config: Config) {
    for (const r of config.routes) this.routes.set(r.name, compile(r.tools));
    for (const k of config.auth.keys) this.keys.set(k.id, compile(k.tools));
  }

  permits(ctx: PolicyContext, tool: string): boolean {
    const route = ctx.routeName ? this.routes.get(ctx.routeName) : undefined;
    const key = ctx.principal ? this.keys.get(ctx.principal.keyId) : undefined;
    return permits(route, tool) && permits(key, tool);
  }
}

function toolDenied(tool: string): Denial {
  return { status: 403, code: "tool_not_allowed", message: `Tool "${tool}" is not allowed for this caller.` };
}

function rpcError(id: unknown, denial: Denial, requestId: string): JsonObject {
  return { jsonrpc: "2.0", id: id ?? null, error: { code: -32001, message: denial.message, data: { code: denial.code, request_id: requestId } } };
}

/** Removes tools the caller may not use from a tools/list result; true when anything was removed. */
function filterToolList(message: unknown, allowed: (tool: string) => boolean): boolean {
  if (!isObject(message) || !isObject(message.result)) return false;
  const result = message.result;
  const tools = result.tools;
  if (!Array.isArray(tools)) return false;
  const kept = tools.filter((t) => isObject(t) && typeof t.name === "string" && allowed(t.name));
  result.tools = kept;
  return kept.length !== tools.length;
}

export function mcpPolicy(access: ToolAccess): Policy {
  return {
    name: "mcp",
    requestBody(ctx): PolicyResult {
      const request = ctx.request;
      if (request?.kind !== "mcp") return { verdict: "continue" };
      const denied = request.calls.filter((c) => c.method === "tools/call" && c.toolName !== undefined && !access.permits(ctx, c.toolName));
      if (denied.length === 0) return { verdict: "continue" };
      const events: PolicyEvent[] = denied.map((c) => ({ name: "mcp.tool_denied", attributes: { tool: c.toolName!, index: c.index } }));
      if (!request.batch || denied.length === request.calls.length) {
        return { verdict: "deny", denial: toolDenied(denied[0]!.toolName!), events };
      }
      // Forward the rest of the batch; answer the denied items ourselves when the response comes back.
      const deniedIdx = new Set(denied.map((c) => c.index));
      const withheld: Withheld = {
        errors: denied.filter((c) => c.id !== undefined).map((c) => rpcError(c.id, toolDenied(c.toolName!), ctx.requestId)),
      };
      ctx.state.set(STATE, withheld);
      const body = request.body as unknown[];
      request.body = body.filter((_, i) => !deniedIdx.has(i));
      request.calls = request.calls.filter((c) => !deniedIdx.has(c.index));
      return { verdict: "mutate", bodyChanged: true, events };
    },
    responseBody(ctx, response): PolicyResult {
      if (ctx.request?.kind !== "mcp") return { verdict: "continue" };
      let changed = false;
      const messages = Array.isArray(response.body) ? response.body : [response.body];
      if (listsTools(ctx.request)) {
        for (const m of messages) changed = filterToolList(m, (t) => access.permits(ctx, t)) || changed;
      }
      const withheld = ctx.state.get(STATE) as Withheld | undefined;
      if (withheld && withheld.errors.length > 0 && Array.isArray(response.body)) {
        response.body.push(...withheld.errors);
        changed = true;
      }
      return changed ? { verdict: "mutate", bodyChanged: true } : { verdict: "continue" };
    },
    responseStream(ctx, events, endOfStream) {
      if (ctx.request?.kind !== "mcp") return { events };
      const request = ctx.request;
      const out: StreamEvent[] = events.map((e) => {
        if (!listsTools(request) || !filterToolList(e.data, (t) => access.permits(ctx, t))) return e;
        return { ...e, raw: formatSse(JSON.stringify(e.data), eventName(e.raw)) };
      });
      const withheld = ctx.state.get(STATE) as Withheld | undefined;
      if (endOfStream && withheld) {
        for (const err of withheld.errors.splice(0)) out.push({ raw: formatSse(JSON.stringify(err), "message"), data: err });
      }
      return { events: out };
    },
  };
}

function listsTools(request: McpRequest): boolean {
  return request.calls.some((c) => c.method === "tools/list");
}

function eventName(raw: string): string | undefined {
  return /^event: ?(.*)$/m.exec(raw)?.[1];
}
