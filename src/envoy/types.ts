// TypeScript shapes of the Envoy messages Tollgate reads and writes, as @grpc/proto-loader decodes them with
// keepCase + oneofs + bytes-as-Buffer + enums-as-strings. Only the fields we use are typed.
// Source: envoy/service/ext_proc/v3/external_processor.proto, envoy/config/core/v3/base.proto (vendored ~1.31).

export interface HeaderValue {
  key: string;
  value?: string;
  raw_value?: Buffer;
}

export interface HeaderMap {
  headers?: HeaderValue[];
}

export interface HttpHeaders {
  headers?: HeaderMap;
  end_of_stream?: boolean;
}

export interface HttpBody {
  body?: Buffer;
  end_of_stream?: boolean;
}

export interface HttpTrailers {
  trailers?: HeaderMap;
}

export type RequestPhase =
  | "request_headers"
  | "request_body"
  | "request_trailers"
  | "response_headers"
  | "response_body"
  | "response_trailers";

export const REQUEST_PHASES: readonly RequestPhase[] = [
  "request_headers",
  "request_body",
  "request_trailers",
  "response_headers",
  "response_body",
  "response_trailers",
];

export interface ProcessingRequest {
  request?: RequestPhase;
  request_headers?: HttpHeaders;
  request_body?: HttpBody;
  request_trailers?: HttpTrailers;
  response_headers?: HttpHeaders;
  response_body?: HttpBody;
  response_trailers?: HttpTrailers;
  observability_mode?: boolean;
}

export interface HeaderValueOption {
  header: { key: string; raw_value: Buffer };
  /** ext_proc only honours the deprecated BoolValue `append` (append_action is ignored, Envoy #36982). */
  append?: { value: boolean };
}

export interface HeaderMutation {
  set_headers?: HeaderValueOption[];
  remove_headers?: string[];
}

export interface BodyMutation {
  body?: Buffer;
  clear_body?: boolean;
}

export interface CommonResponse {
  status?: "CONTINUE" | "CONTINUE_AND_REPLACE";
  header_mutation?: HeaderMutation;
  body_mutation?: BodyMutation;
  clear_route_cache?: boolean;
}

export interface ImmediateResponse {
  status: { code: number };
  headers?: HeaderMutation;
  body?: Buffer;
  details?: string;
}

export interface ProcessingMode {
  request_header_mode?: "DEFAULT" | "SEND" | "SKIP";
  response_header_mode?: "DEFAULT" | "SEND" | "SKIP";
  request_body_mode?: "NONE" | "STREAMED" | "BUFFERED" | "BUFFERED_PARTIAL";
  response_body_mode?: "NONE" | "STREAMED" | "BUFFERED" | "BUFFERED_PARTIAL";
  request_trailer_mode?: "DEFAULT" | "SEND" | "SKIP";
  response_trailer_mode?: "DEFAULT" | "SEND" | "SKIP";
}

export interface ProcessingResponse {
  request_headers?: { response?: CommonResponse };
  request_body?: { response?: CommonResponse };
  request_trailers?: { header_mutation?: HeaderMutation };
  response_headers?: { response?: CommonResponse };
  response_body?: { response?: CommonResponse };
  response_trailers?: { header_mutation?: HeaderMutation };
  immediate_response?: ImmediateResponse;
  mode_override?: ProcessingMode;
  dynamic_metadata?: unknown;
}
