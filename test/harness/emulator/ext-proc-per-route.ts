// Merging ExtProcPerRoute configs from the virtual host and the route (ext_proc.cc FilterConfigPerRoute's
// merge constructor): `disabled` and the processing mode come from the most specific config — a mode is
// replaced whole, never merged field by field — the gRPC service too, and initial metadata merges by key.
import { ExtProcPerRouteSchema, type GrpcServiceConfig } from "../envoy-config/schema.js";
import type { WireProcessingMode } from "./wire-types.js";

export interface MergedPerRoute {
  disabled: boolean;
  mode?: WireProcessingMode;
  grpcService: GrpcServiceConfig;
}

/** `configs` are least specific first; returns undefined when there is none (the filter config stands). */
export function mergeExtProcPerRoute(configs: unknown[], base: GrpcServiceConfig): MergedPerRoute | undefined {
  if (configs.length === 0) return undefined;
  let disabled = false;
  let mode: WireProcessingMode | undefined;
  let service: GrpcServiceConfig | undefined;
  const metadata = new Map<string, string>();
  for (const c of configs.map((raw) => ExtProcPerRouteSchema.parse(raw))) {
    disabled = c.disabled === true;
    mode = disabled ? undefined : (c.overrides?.processing_mode ?? mode);
    service = c.overrides?.grpc_service ?? service;
    for (const h of c.overrides?.grpc_initial_metadata ?? []) metadata.set(h.key, h.value ?? "");
  }
  let grpcService = service ?? base;
  if (metadata.size > 0) {
    const merged = new Map((grpcService.initial_metadata ?? []).map((h) => [h.key, h.value ?? ""]));
    for (const [k, v] of metadata) merged.set(k, v);
    grpcService = { ...grpcService, initial_metadata: [...merged].map(([key, value]) => ({ key, value })) };
  }
  return { disabled, ...(mode ? { mode } : {}), grpcService };
}
