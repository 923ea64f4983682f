// Effective filter settings: what envoy.yaml says, with Envoy's defaults filled in, then the test's overrides.
import { durationMs, httpStatusCode, type GatewayModel } from "../envoy-config/model.js";
import type { ExtAuthzConfig, ExtProcConfig, HeaderMutationRules, ProcessingModeConfig } from "../envoy-config/schema.js";
import type { ExtAuthzSettings } from "./ext-authz-filter.js";
import type { ExtProcSettings } from "./ext-proc-types.js";
import { DEFAULT_HEADER_LIMITS, type HeaderLimits } from "./header-mutation.js";
import { MutationChecker } from "./mutation-rules.js";

/** Test-time knobs. Anything unset keeps the loaded config (or Envoy's default behaviour). */
export interface EmulatorOverrides {
  extProc?: {
    processingMode?: ProcessingModeConfig;
    messageTimeoutMs?: number;
    maxMessageTimeoutMs?: number;
    failureModeAllow?: boolean;
    allowModeOverride?: boolean;
    disableImmediateResponse?: boolean;
    mutationRules?: HeaderMutationRules;
    routeCacheAction?: "DEFAULT" | "CLEAR" | "RETAIN";
    forwardingNamespaces?: string[];
    receivingNamespaces?: string[];
  };
  extAuthz?: { failureModeAllow?: boolean; timeoutMs?: number; statusOnError?: number };
  /** Stream buffer limit (listener per_connection_buffer_limit_bytes). */
  bufferLimitBytes?: number;
  headerLimits?: Partial<HeaderLimits>;
  /** Envoy ≥1.35 answers a spurious ext_proc reply with 500 (default true); false gives the older pass-through. */
  failClosedOnSpurious?: boolean;
  /** Envoy ≥1.34 keeps configured header/trailer modes when a mode_override says DEFAULT (default true). */
  modeOverrideKeepsDefaults?: boolean;
  /** Envoy ≤1.33 sent router/ext_authz local replies through ext_proc as response_headers (default false). */
  processLocalReplies?: boolean;
  /** Half-close the ext_proc stream and wait this long for the server's status before resetting it. */
  gracefulCloseMs?: number;
  /** Treat loopback clients as external (x-request-id regenerated, internal_only_headers stripped). */
  clientsAreExternal?: boolean;
}

const DEFAULT_MESSAGE_TIMEOUT_MS = 200;
const DEFAULT_AUTHZ_TIMEOUT_MS = 200;

/** Features whose semantics the emulator does not reproduce: refuse the config rather than ignore them. */
function assertEmulated(name: string, c: ExtProcConfig): void {
  const unsupported: string[] = [];
  if ((c.request_attributes?.length ?? 0) > 0 || (c.response_attributes?.length ?? 0) > 0) unsupported.push("request/response_attributes");
  if (c.observability_mode) unsupported.push("observability_mode");
  if (c.grpc_service.google_grpc) unsupported.push("google_grpc");
  if (unsupported.length > 0) throw new Error(`ext_proc filter ${name}: ${unsupported.join(", ")} not emulated`);
}

export function extProcSettings(model: GatewayModel, name: string, c: ExtProcConfig, o: EmulatorOverrides): ExtProcSettings {
  assertEmulated(name, c);
  const p = o.extProc ?? {};
  const mode = p.processingMode ?? c.processing_mode ?? {};
  return {
    filterName: name,
    grpcService: c.grpc_service,
    processingMode: mode,
    failureModeAllow: p.failureModeAllow ?? c.failure_mode_allow === true,
    messageTimeoutMs: p.messageTimeoutMs ?? durationMs(c.message_timeout) ?? DEFAULT_MESSAGE_TIMEOUT_MS,
    maxMessageTimeoutMs: p.maxMessageTimeoutMs ?? durationMs(c.max_message_timeout) ?? 0,
    allowModeOverride: p.allowModeOverride ?? c.allow_mode_override === true,
    disableImmediateResponse: p.disableImmediateResponse ?? c.disable_immediate_response === true,
    routeCacheAction: p.routeCacheAction ?? (c.disable_clear_route_cache ? "RETAIN" : (c.route_cache_action ?? "DEFAULT")),
    checker: new MutationChecker(p.mutationRules ?? c.mutation_rules ?? {}),
    forwardAllowed: c.forward_rules?.allowed_headers?.patterns ?? [],
    forwardDisallowed: c.forward_rules?.disallowed_headers?.patterns ?? [],
    forwardingNamespaces: p.forwardingNamespaces ?? c.metadata_options?.forwarding_namespaces?.untyped ?? [],
    receivingNamespaces: p.receivingNamespaces ?? c.metadata_options?.receiving_namespaces?.untyped ?? [],
    bufferLimit: o.bufferLimitBytes ?? model.listener.bufferLimitBytes,
    headerLimits: { ...DEFAULT_HEADER_LIMITS, ...o.headerLimits },
    failClosedOnSpurious: o.failClosedOnSpurious ?? true,
    modeOverrideKeepsDefaults: o.modeOverrideKeepsDefaults ?? true,
    processLocalReplies: o.processLocalReplies ?? false,
  };
}

export function extAuthzSettings(name: string, c: ExtAuthzConfig, o: EmulatorOverrides): ExtAuthzSettings {
  if (!c.grpc_service) throw new Error(`ext_authz filter ${name}: only grpc_service is emulated`);
  if (c.with_request_body) throw new Error(`ext_authz filter ${name}: with_request_body is not emulated`);
  const a = o.extAuthz ?? {};
  return {
    filterName: name,
    config: c,
    grpcService: c.grpc_service,
    timeoutMs: a.timeoutMs ?? durationMs(c.grpc_service.timeout) ?? DEFAULT_AUTHZ_TIMEOUT_MS,
    failureModeAllow: a.failureModeAllow ?? c.failure_mode_allow === true,
    statusOnError: a.statusOnError ?? httpStatusCode(c.status_on_error?.code, 403),
  };
}

/** Settings per HTTP filter name, computed once per emulator so config problems surface at start. */
export interface FilterSettings {
  extProc: Map<string, ExtProcSettings>;
  extAuthz: Map<string, ExtAuthzSettings>;
}

export function filterSettings(model: GatewayModel, o: EmulatorOverrides): FilterSettings {
  const settings: FilterSettings = { extProc: new Map(), extAuthz: new Map() };
  for (const f of model.httpFilters) {
    if (f.kind === "ext_proc") settings.extProc.set(f.name, extProcSettings(model, f.name, f.config, o));
    if (f.kind === "ext_authz") settings.extAuthz.set(f.name, extAuthzSettings(f.name, f.config, o));
  }
  return settings;
}
