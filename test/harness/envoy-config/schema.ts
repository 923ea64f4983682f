// Typed views (zod) of the parts of a strictly validated Envoy config that the emulator and the config tests
// read. Validation against Envoy's protos already happened (strict-yaml.ts); these schemas only give the
// normalised (snake_case, proto3-JSON) values TypeScript types. Fields the emulator ignores are not listed.
import { z } from "zod";

const Regex = z.object({ regex: z.string() });

export const StringMatcherSchema = z.object({
  exact: z.string().optional(),
  prefix: z.string().optional(),
  suffix: z.string().optional(),
  contains: z.string().optional(),
  safe_regex: Regex.optional(),
  ignore_case: z.boolean().optional(),
});
export type StringMatcher = z.infer<typeof StringMatcherSchema>;

export const HeaderValueSchema = z.object({ key: z.string(), value: z.string().optional(), raw_value: z.string().optional() });
export const HeaderValueOptionSchema = z.object({
  header: HeaderValueSchema,
  append: z.boolean().optional(),
  append_action: z.string().optional(),
});
export type HeaderValueOptionConfig = z.infer<typeof HeaderValueOptionSchema>;

export const HeaderMatcherSchema = z.object({
  name: z.string(),
  exact_match: z.string().optional(),
  safe_regex_match: Regex.optional(),
  present_match: z.boolean().optional(),
  prefix_match: z.string().optional(),
  suffix_match: z.string().optional(),
  contains_match: z.string().optional(),
  string_match: StringMatcherSchema.optional(),
  range_match: z.object({ start: z.number(), end: z.number() }).optional(),
  invert_match: z.boolean().optional(),
  treat_missing_header_as_empty: z.boolean().optional(),
});
export type HeaderMatcher = z.infer<typeof HeaderMatcherSchema>;

const QueryParameterMatcherSchema = z.object({
  name: z.string(),
  string_match: StringMatcherSchema.optional(),
  present_match: z.boolean().optional(),
});

export const RouteMatchSchema = z.object({
  prefix: z.string().optional(),
  path: z.string().optional(),
  safe_regex: Regex.optional(),
  path_separated_prefix: z.string().optional(),
  case_sensitive: z.boolean().optional(),
  headers: z.array(HeaderMatcherSchema).optional(),
  query_parameters: z.array(QueryParameterMatcherSchema).optional(),
  grpc: z.object({}).optional(),
});
export type RouteMatch = z.infer<typeof RouteMatchSchema>;

export const RetryPolicySchema = z.object({
  retry_on: z.string().optional(),
  num_retries: z.number().optional(),
  per_try_timeout: z.string().optional(),
  retry_back_off: z.object({ base_interval: z.string(), max_interval: z.string().optional() }).optional(),
  retriable_status_codes: z.array(z.number()).optional(),
});
export type RetryPolicy = z.infer<typeof RetryPolicySchema>;

const TypedPerFilterConfig = z.record(z.string(), z.record(z.string(), z.unknown()));

const RouteActionSchema = z.object({
  cluster: z.string().optional(),
  cluster_header: z.string().optional(),
  weighted_clusters: z.object({ clusters: z.array(z.object({ name: z.string(), weight: z.number().optional() })) }).optional(),
  cluster_not_found_response_code: z.string().optional(),
  timeout: z.string().optional(),
  retry_policy: RetryPolicySchema.optional(),
  prefix_rewrite: z.string().optional(),
  host_rewrite_literal: z.string().optional(),
});
export type RouteAction = z.infer<typeof RouteActionSchema>;

const HeaderListSchema = {
  request_headers_to_add: z.array(HeaderValueOptionSchema).optional(),
  request_headers_to_remove: z.array(z.string()).optional(),
  response_headers_to_add: z.array(HeaderValueOptionSchema).optional(),
  response_headers_to_remove: z.array(z.string()).optional(),
};

export const RouteSchema = z.object({
  name: z.string().optional(),
  match: RouteMatchSchema,
  route: RouteActionSchema.optional(),
  direct_response: z
    .object({ status: z.number(), body: z.object({ inline_string: z.string().optional() }).optional() })
    .optional(),
  redirect: z.object({}).optional(),
  typed_per_filter_config: TypedPerFilterConfig.optional(),
  ...HeaderListSchema,
});
export type Route = z.infer<typeof RouteSchema>;

export const VirtualHostSchema = z.object({
  name: z.string(),
  domains: z.array(z.string()),
  routes: z.array(RouteSchema).default([]),
  retry_policy: RetryPolicySchema.optional(),
  typed_per_filter_config: TypedPerFilterConfig.optional(),
  ...HeaderListSchema,
});
export type VirtualHost = z.infer<typeof VirtualHostSchema>;

export const RouteConfigurationSchema = z.object({
  name: z.string().optional(),
  virtual_hosts: z.array(VirtualHostSchema).default([]),
  internal_only_headers: z.array(z.string()).optional(),
  ...HeaderListSchema,
});
export type RouteConfiguration = z.infer<typeof RouteConfigurationSchema>;

export const GrpcServiceSchema = z.object({
  envoy_grpc: z.object({ cluster_name: z.string(), authority: z.string().optional() }).optional(),
  google_grpc: z.object({}).optional(),
  timeout: z.string().optional(),
  initial_metadata: z.array(HeaderValueSchema).optional(),
});
export type GrpcServiceConfig = z.infer<typeof GrpcServiceSchema>;

export const HeaderMutationRulesSchema = z.object({
  allow_all_routing: z.boolean().optional(),
  allow_envoy: z.boolean().optional(),
  disallow_system: z.boolean().optional(),
  disallow_all: z.boolean().optional(),
  allow_expression: Regex.optional(),
  disallow_expression: Regex.optional(),
  disallow_is_error: z.boolean().optional(),
});
export type HeaderMutationRules = z.infer<typeof HeaderMutationRulesSchema>;

const HeaderSendMode = z.enum(["DEFAULT", "SEND", "SKIP"]);
const BodySendMode = z.enum(["NONE", "STREAMED", "BUFFERED", "BUFFERED_PARTIAL"]);
export const ProcessingModeSchema = z.object({
  request_header_mode: HeaderSendMode.optional(),
  response_header_mode: HeaderSendMode.optional(),
  request_body_mode: BodySendMode.optional(),
  response_body_mode: BodySendMode.optional(),
  request_trailer_mode: HeaderSendMode.optional(),
  response_trailer_mode: HeaderSendMode.optional(),
});
export type ProcessingModeConfig = z.infer<typeof ProcessingModeSchema>;
export type BodySendModeName = z.infer<typeof BodySendMode>;

const ListStringMatcher = z.object({ patterns: z.array(StringMatcherSchema) });
const MetadataNamespaces = z.object({ untyped: z.array(z.string()).optional(), typed: z.array(z.string()).optional() });
const MetadataOptionsSchema = z.object({
  forwarding_namespaces: MetadataNamespaces.optional(),
  receiving_namespaces: MetadataNamespaces.optional(),
});

export const ExtProcConfigSchema = z.object({
  grpc_service: GrpcServiceSchema,
  failure_mode_allow: z.boolean().optional(),
  processing_mode: ProcessingModeSchema.optional(),
  request_attributes: z.array(z.string()).optional(),
  response_attributes: z.array(z.string()).optional(),
  message_timeout: z.string().optional(),
  max_message_timeout: z.string().optional(),
  mutation_rules: HeaderMutationRulesSchema.optional(),
  forward_rules: z.object({ allowed_headers: ListStringMatcher.optional(), disallowed_headers: ListStringMatcher.optional() }).optional(),
  allow_mode_override: z.boolean().optional(),
  disable_immediate_response: z.boolean().optional(),
  metadata_options: MetadataOptionsSchema.optional(),
  observability_mode: z.boolean().optional(),
  disable_clear_route_cache: z.boolean().optional(),
  route_cache_action: z.enum(["DEFAULT", "CLEAR", "RETAIN"]).optional(),
});
export type ExtProcConfig = z.infer<typeof ExtProcConfigSchema>;

export const ExtProcPerRouteSchema = z.object({
  disabled: z.boolean().optional(),
  overrides: z
    .object({
      processing_mode: ProcessingModeSchema.optional(),
      grpc_service: GrpcServiceSchema.optional(),
      metadata_options: MetadataOptionsSchema.optional(),
      grpc_initial_metadata: z.array(HeaderValueSchema).optional(),
    })
    .optional(),
});
export type ExtProcPerRoute = z.infer<typeof ExtProcPerRouteSchema>;

export const ExtAuthzConfigSchema = z.object({
  grpc_service: GrpcServiceSchema.optional(),
  http_service: z.object({}).optional(),
  transport_api_version: z.string().optional(),
  failure_mode_allow: z.boolean().optional(),
  failure_mode_allow_header_add: z.boolean().optional(),
  with_request_body: z
    .object({ max_request_bytes: z.number(), allow_partial_message: z.boolean().optional(), pack_as_bytes: z.boolean().optional() })
    .optional(),
  clear_route_cache: z.boolean().optional(),
  status_on_error: z.object({ code: z.string() }).optional(),
  include_peer_certificate: z.boolean().optional(),
  include_tls_session: z.boolean().optional(),
  encode_raw_headers: z.boolean().optional(),
  allowed_headers: ListStringMatcher.optional(),
  disallowed_headers: ListStringMatcher.optional(),
});
export type ExtAuthzConfig = z.infer<typeof ExtAuthzConfigSchema>;

export const ExtAuthzPerRouteSchema = z.object({
  disabled: z.boolean().optional(),
  check_settings: z.object({ context_extensions: z.record(z.string(), z.string()).optional() }).optional(),
});

const HeaderMutationEntry = z.object({ remove: z.string().optional(), append: HeaderValueOptionSchema.optional() });
export const HeaderMutationFilterSchema = z.object({
  mutations: z
    .object({
      request_mutations: z.array(HeaderMutationEntry).optional(),
      response_mutations: z.array(HeaderMutationEntry).optional(),
    })
    .optional(),
});
export type HeaderMutationFilterConfig = z.infer<typeof HeaderMutationFilterSchema>;
export type HeaderMutationEntryConfig = z.infer<typeof HeaderMutationEntry>;

export const RouterConfigSchema = z.object({ suppress_envoy_headers: z.boolean().optional() });
