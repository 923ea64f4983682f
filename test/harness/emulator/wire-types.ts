// ext_proc and ext_authz messages as @grpc/proto-loader decodes them with Tollgate's loader options (keepCase,
// oneofs, enums as strings, bytes as Buffers, no defaults). Everything a server sends is optional: the emulator
// must cope with whatever arrives, exactly as Envoy does. Source: envoy/service/ext_proc/v3/external_processor.proto,
// envoy/service/auth/v3/external_auth.proto (vendored ≈ Envoy 1.31).

export interface WireHeaderValue {
  key?: string;
  value?: string;
  raw_value?: Buffer;
}

export interface WireHeaderMap {
  headers?: WireHeaderValue[];
}

export interface WireHeaderValueOption {
  header?: WireHeaderValue;
  append?: { value?: boolean };
  append_action?: string;
  keep_empty_value?: boolean;
}

export interface WireHeaderMutation {
  set_headers?: WireHeaderValueOption[];
  remove_headers?: string[];
}

export interface WireBodyMutation {
  mutation?: "body" | "clear_body";
  body?: Buffer;
  clear_body?: boolean;
}

export interface WireCommonResponse {
  status?: "CONTINUE" | "CONTINUE_AND_REPLACE" | number;
  header_mutation?: WireHeaderMutation;
  body_mutation?: WireBodyMutation;
  trailers?: WireHeaderMap;
  clear_route_cache?: boolean;
}

export interface WireImmediateResponse {
  status?: { code?: number | string };
  headers?: WireHeaderMutation;
  body?: Buffer;
  grpc_status?: { status?: number };
  details?: string;
}

export type HeaderSendMode = "DEFAULT" | "SEND" | "SKIP";
export type BodySendMode = "NONE" | "STREAMED" | "BUFFERED" | "BUFFERED_PARTIAL";

export interface WireProcessingMode {
  request_header_mode?: HeaderSendMode;
  response_header_mode?: HeaderSendMode;
  request_body_mode?: BodySendMode;
  response_body_mode?: BodySendMode;
  request_trailer_mode?: HeaderSendMode;
  response_trailer_mode?: HeaderSendMode;
}

export type ResponseKind =
  | "request_headers"
  | "response_headers"
  | "request_body"
  | "response_body"
  | "request_trailers"
  | "response_trailers"
  | "immediate_response";

export interface WireDuration {
  seconds?: string | number;
  nanos?: number;
}

/**
 * google.protobuf.Struct as proto-loader handles it. protobufjs bundles its own struct.proto whose Value fields
 * are camelCase (stringValue, structValue, …) even with keepCase, so that is the spelling on both sides.
 */
export interface WireStruct {
  fields?: Record<string, WireValue>;
}
export interface WireValue {
  kind?: string;
  nullValue?: string | number;
  numberValue?: number;
  stringValue?: string;
  boolValue?: boolean;
  structValue?: WireStruct;
  listValue?: { values?: WireValue[] };
}

export interface WireProcessingResponse {
  response?: ResponseKind;
  request_headers?: { response?: WireCommonResponse };
  response_headers?: { response?: WireCommonResponse };
  request_body?: { response?: WireCommonResponse };
  response_body?: { response?: WireCommonResponse };
  request_trailers?: { header_mutation?: WireHeaderMutation };
  response_trailers?: { header_mutation?: WireHeaderMutation };
  immediate_response?: WireImmediateResponse;
  dynamic_metadata?: WireStruct;
  mode_override?: WireProcessingMode;
  override_message_timeout?: WireDuration;
}

export type RequestKind = "request_headers" | "response_headers" | "request_body" | "response_body" | "request_trailers" | "response_trailers";

/**
 * What the emulator sends (encoded by grpc-js from plain objects). Like Envoy's C++ protobuf, default values
 * (empty bytes, false) are left out, so a server decoding without defaults sees exactly what Envoy sends.
 */
export interface OutgoingHeaderMap {
  headers: { key: string; raw_value?: Buffer }[];
}
export interface OutgoingProcessingRequest {
  request_headers?: { headers: OutgoingHeaderMap; end_of_stream?: true };
  response_headers?: { headers: OutgoingHeaderMap; end_of_stream?: true };
  request_body?: { body?: Buffer; end_of_stream?: true };
  response_body?: { body?: Buffer; end_of_stream?: true };
  request_trailers?: { trailers: OutgoingHeaderMap };
  response_trailers?: { trailers: OutgoingHeaderMap };
  metadata_context: { filter_metadata: Record<string, unknown> };
  observability_mode?: boolean;
}

export interface WireCheckResponse {
  status?: { code?: number; message?: string };
  http_response?: "denied_response" | "ok_response";
  denied_response?: { status?: { code?: number | string }; headers?: WireHeaderValueOption[]; body?: string };
  ok_response?: {
    headers?: WireHeaderValueOption[];
    headers_to_remove?: string[];
    response_headers_to_add?: WireHeaderValueOption[];
    query_parameters_to_set?: { key?: string; value?: string }[];
    query_parameters_to_remove?: string[];
    dynamic_metadata?: WireStruct;
  };
  dynamic_metadata?: WireStruct;
}
